//! Unfinished handoff forms: saved by the widget once the email is valid, deleted when the
//! handoff is sent (in its transaction), when the follow-up email went out, or a day after they
//! were started. The follow-up job claims due drafts with a lease, like the outbox worker.

use sqlx::Row;

use super::{Storage, StorageError, hex};

/// What a save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftOutcome {
    pub id: String,
    /// A new draft (the id was absent or no longer known), not an update.
    pub created: bool,
}

/// A draft whose follow-up is due, claimed by the job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedDraft {
    pub id: String,
    pub site: String,
    pub name: String,
    pub email: String,
    pub message: String,
    pub locale: String,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// A draft to save.
#[derive(Clone, Copy, Debug)]
pub struct DraftFields<'a> {
    pub site: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub message: &'a str,
    pub locale: &'a str,
}

impl Storage {
    /// Updates draft `id` of the site, or stores a new draft (with a fresh random id) when
    /// there is none. Either way the follow-up is due `follow_up_after` after `now_ms`.
    pub async fn save_draft(
        &self,
        id: Option<&str>,
        fields: DraftFields<'_>,
        now_ms: i64,
    ) -> Result<DraftOutcome, StorageError> {
        if let Some(id) = id {
            let updated = sqlx::query(
                "UPDATE handoff_drafts SET name = ?, email = ?, message = ?, locale = ?, \
                 updated_at = ?, attempts = 0, lease_until = NULL WHERE id = ? AND site = ?",
            )
            .bind(fields.name)
            .bind(fields.email)
            .bind(fields.message)
            .bind(fields.locale)
            .bind(now_ms)
            .bind(id)
            .bind(fields.site)
            .execute(&self.pool)
            .await?;
            if updated.rows_affected() == 1 {
                return Ok(DraftOutcome {
                    id: id.to_owned(),
                    created: false,
                });
            }
        }
        let id = hex(&rand::random::<[u8; 16]>());
        sqlx::query(
            "INSERT INTO handoff_drafts (id, site, name, email, message, locale, created_at, \
             updated_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
        )
        .bind(&id)
        .bind(fields.site)
        .bind(fields.name)
        .bind(fields.email)
        .bind(fields.message)
        .bind(fields.locale)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(DraftOutcome { id, created: true })
    }

    /// Claims up to `limit` drafts last saved at or before `due_ms` for `lease_ms` (each claim
    /// is an attempt); drafts whose lease ran out are due again.
    pub async fn claim_due_drafts(
        &self,
        now_ms: i64,
        due_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDraft>, StorageError> {
        let rows = sqlx::query(
            "UPDATE handoff_drafts SET lease_until = ?, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM handoff_drafts WHERE updated_at <= ? \
             AND (lease_until IS NULL OR lease_until <= ?) ORDER BY updated_at LIMIT ?) \
             RETURNING id, site, name, email, message, locale, attempts",
        )
        .bind(now_ms + lease_ms)
        .bind(due_ms)
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ClaimedDraft {
                    id: row.try_get("id")?,
                    site: row.try_get("site")?,
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                    message: row.try_get("message")?,
                    locale: row.try_get("locale")?,
                    attempt: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Deletes a draft (followed up, or given up on).
    pub async fn delete_draft(&self, id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM handoff_drafts WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keeps a claimed draft leased until `retry_ms`, when it is due again.
    pub async fn retry_draft_at(&self, id: &str, retry_ms: i64) -> Result<(), StorageError> {
        sqlx::query("UPDATE handoff_drafts SET lease_until = ? WHERE id = ?")
            .bind(retry_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes drafts started at or before `before_ms`; answers how many.
    pub async fn expire_drafts(&self, before_ms: i64) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM handoff_drafts WHERE created_at <= ?")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// How many drafts are stored.
    pub async fn draft_count(&self) -> Result<u64, StorageError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM handoff_drafts")
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}
