//! Agents of the console, their sign-in sessions and sign-in attempts.
//!
//! Passwords arrive here already hashed (see [`crate::password`]); a session id is stored only as
//! its SHA-256, so a copy of the database lets nobody sign in.

use sha2::{Digest, Sha256};
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use super::outbox::unix_ms;
use super::{Storage, StorageError, rfc3339};

/// An agent as the console and `baton agent list` show them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Agent {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub created_at: String,
}

/// The form every agent email is stored and looked up in: trimmed, lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// SHA-256 (hex) of a session id.
pub fn session_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Failed sign-ins counted for the rate limits, since some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailedLogins {
    /// From this client address, for any account.
    pub by_client: u32,
    /// For this account (email), from any address.
    pub by_email: u32,
}

fn agent_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Agent, StorageError> {
    Ok(Agent {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Storage {
    /// Adds an agent; [`StorageError::AgentExists`] when an active agent has this email. A
    /// removed agent with the email comes back with the new name and password.
    pub async fn add_agent(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Agent, StorageError> {
        let email = normalize_email(email);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let existing = sqlx::query("SELECT id, removed_at FROM agents WHERE email = ?")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
        let row = match existing {
            Some(row) => {
                let removed: Option<String> = row.try_get("removed_at")?;
                if removed.is_none() {
                    return Err(StorageError::AgentExists(email));
                }
                let id: i64 = row.try_get("id")?;
                sqlx::query(
                    "UPDATE agents SET name = ?, password_hash = ?, removed_at = NULL \
                     WHERE id = ? RETURNING id, email, name, created_at",
                )
                .bind(name)
                .bind(password_hash)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
            }
            None => {
                sqlx::query(
                    "INSERT INTO agents (email, name, password_hash, created_at) \
                     VALUES (?, ?, ?, ?) RETURNING id, email, name, created_at",
                )
                .bind(&email)
                .bind(name)
                .bind(password_hash)
                .bind(rfc3339(now))
                .fetch_one(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        agent_from_row(&row)
    }

    /// Every agent who can sign in, by email.
    pub async fn agents(&self) -> Result<Vec<Agent>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, email, name, created_at FROM agents WHERE removed_at IS NULL \
             ORDER BY email",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(agent_from_row).collect()
    }

    /// Removes an agent: signs them out everywhere and refuses their password from now on; the
    /// tickets assigned to them go back to nobody. Answers whether there was such an agent.
    pub async fn remove_agent(
        &self,
        email: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let email = normalize_email(email);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(
            "UPDATE agents SET removed_at = ? WHERE email = ? AND removed_at IS NULL RETURNING id",
        )
        .bind(rfc3339(now))
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let id: i64 = row.try_get("id")?;
        sqlx::query("DELETE FROM agent_sessions WHERE agent_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE tickets SET assignee_id = NULL WHERE assignee_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An active agent and their password hash, for signing in.
    pub async fn agent_credentials(
        &self,
        email: &str,
    ) -> Result<Option<(Agent, String)>, StorageError> {
        let row = sqlx::query(
            "SELECT id, email, name, created_at, password_hash FROM agents \
             WHERE email = ? AND removed_at IS NULL",
        )
        .bind(normalize_email(email))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((agent_from_row(&row)?, row.try_get("password_hash")?)))
            .transpose()
    }

    /// Starts a session for `agent_id` that ends after `ttl`, and returns its random id (the
    /// cookie's value); only its hash is stored.
    pub async fn create_agent_session(
        &self,
        agent_id: i64,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        let secret: [u8; 32] = rand::random();
        let token: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        sqlx::query(
            "INSERT INTO agent_sessions (token_sha256, agent_id, created_at, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(session_hash(&token))
        .bind(agent_id)
        .bind(rfc3339(now))
        .bind(unix_ms(now + ttl))
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The agent whose unexpired session has this id; expired sessions are deleted on the way.
    pub async fn agent_for_session(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Agent>, StorageError> {
        let row = sqlx::query(
            "SELECT a.id, a.email, a.name, a.created_at, s.expires_at \
             FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.token_sha256 = ? AND a.removed_at IS NULL",
        )
        .bind(session_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= unix_ms(now) {
            sqlx::query("DELETE FROM agent_sessions WHERE expires_at <= ?")
                .bind(unix_ms(now))
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        agent_from_row(&row).map(Some)
    }

    /// Ends a session (signing out). Ending an unknown one is not an error.
    pub async fn end_agent_session(&self, token: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM agent_sessions WHERE token_sha256 = ?")
            .bind(session_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a sign-in attempt, successful or not, and forgets attempts older than a day
    /// (rate limits look back minutes, not days).
    pub async fn record_login_attempt(
        &self,
        client: &str,
        email: &str,
        succeeded: bool,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO agent_login_attempts (client, email, succeeded, at) VALUES (?, ?, ?, ?)",
        )
        .bind(client)
        .bind(normalize_email(email))
        .bind(succeeded)
        .bind(unix_ms(now))
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM agent_login_attempts WHERE at < ?")
            .bind(unix_ms(now - Duration::days(1)))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins since `since` from `client` and for `email`.
    pub async fn failed_logins_since(
        &self,
        client: &str,
        email: &str,
        since: OffsetDateTime,
    ) -> Result<FailedLogins, StorageError> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM agent_login_attempts \
                 WHERE client = ? AND at > ? AND NOT succeeded) AS by_client, \
               (SELECT COUNT(*) FROM agent_login_attempts \
                 WHERE email = ? AND at > ? AND NOT succeeded) AS by_email",
        )
        .bind(client)
        .bind(unix_ms(since))
        .bind(normalize_email(email))
        .bind(unix_ms(since))
        .fetch_one(&self.pool)
        .await?;
        let count = |name: &str| -> Result<u32, StorageError> {
            let n: i64 = row.try_get(name)?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        };
        Ok(FailedLogins {
            by_client: count("by_client")?,
            by_email: count("by_email")?,
        })
    }
}
