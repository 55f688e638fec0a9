//! Admin tokens and published content versions.

use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;

use super::{Storage, StorageError, rfc3339};

/// Prefix of every admin token, so that a leaked one is easy to recognise in logs and scanners.
pub const TOKEN_PREFIX: &str = "baton_admin_";

/// A stored content version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ContentVersion {
    pub version: String,
    pub articles: i64,
    pub created_at: String,
    /// When it was last made live, if ever.
    pub last_activated_at: Option<String>,
}

fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Storage {
    /// Creates an admin token and returns it; only its hash is stored, so this is the only time
    /// anyone sees it.
    pub async fn create_admin_token(
        &self,
        label: &str,
        now: OffsetDateTime,
    ) -> Result<String, StorageError> {
        let secret: [u8; 32] = rand::random();
        let token = format!(
            "{TOKEN_PREFIX}{}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        sqlx::query("INSERT INTO admin_tokens (token_sha256, label, created_at) VALUES (?, ?, ?)")
            .bind(token_hash(&token))
            .bind(label)
            .bind(rfc3339(now))
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    /// Revokes every token with this label; returns how many.
    pub async fn revoke_admin_tokens(
        &self,
        label: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "UPDATE admin_tokens SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL",
        )
        .bind(rfc3339(now))
        .bind(label)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Whether `token` is a valid, unrevoked admin token. Every stored hash is compared in
    /// constant time, so the answer's timing says nothing about how close a guess was.
    pub async fn is_admin_token(&self, token: &str) -> Result<bool, StorageError> {
        let presented = token_hash(token);
        let rows = sqlx::query("SELECT token_sha256 FROM admin_tokens WHERE revoked_at IS NULL")
            .fetch_all(&self.pool)
            .await?;
        let mut valid = subtle::Choice::from(0);
        for row in rows {
            let stored: String = row.try_get("token_sha256")?;
            valid |= stored.as_bytes().ct_eq(presented.as_bytes());
        }
        Ok(bool::from(valid))
    }

    /// Stores a content version (if new) and records that it was made live.
    pub async fn activate_version(
        &self,
        version: &str,
        bundle_json: &[u8],
        articles: usize,
        action: &str,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let now = rfc3339(now);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO content_versions (version, bundle, articles, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(version)
        .bind(bundle_json)
        .bind(i64::try_from(articles).unwrap_or(i64::MAX))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO content_activations (version, action, activated_at) VALUES (?, ?, ?)",
        )
        .bind(version)
        .bind(action)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The bundle (JSON) of a stored version.
    pub async fn version_bundle(&self, version: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let row = sqlx::query("SELECT bundle FROM content_versions WHERE version = ?")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("bundle")).transpose()?)
    }

    /// Every stored version, most recently made live first.
    pub async fn versions(&self) -> Result<Vec<ContentVersion>, StorageError> {
        let rows = sqlx::query(
            "SELECT v.version, v.articles, v.created_at, MAX(a.activated_at) AS last_activated_at, \
                    MAX(a.id) AS last_id \
             FROM content_versions v LEFT JOIN content_activations a ON a.version = v.version \
             GROUP BY v.version, v.articles, v.created_at \
             ORDER BY last_id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContentVersion {
                    version: r.try_get("version")?,
                    articles: r.try_get("articles")?,
                    created_at: r.try_get("created_at")?,
                    last_activated_at: r.try_get("last_activated_at")?,
                })
            })
            .collect()
    }
}
