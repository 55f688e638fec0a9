//! Durable storage of tickets: the only module with SQL.
//!
//! SQLite through sqlx, in `<data-dir>/baton.sqlite3`, with WAL and `synchronous = FULL`: once
//! [`Storage::create_handoff`] returns, the ticket survives a crash or power loss. The SQL is
//! standard (no SQLite-only functions) so that PostgreSQL can be added later.

mod admin;
mod views;

pub use admin::{ContentVersion, TOKEN_PREFIX};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use baton_core::TicketRef;
use baton_core::api::HandoffRequest;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "baton.sqlite3";

/// How long a statement waits for another writer before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a fresh reference is drawn before giving up (a collision is already rare).
const REFERENCE_ATTEMPTS: usize = 16;

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The idempotency key was used before, for a different request.
    #[error("this idempotency key was already used for a different request")]
    Conflict,
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no database at {0}; start `baton serve` with this --data-dir first")]
    NoDatabase(PathBuf),
    #[error("cannot draw an unused ticket reference")]
    ReferencesExhausted,
    #[error("a stored row is not valid: {0}")]
    Corrupt(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// A stored ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTicket {
    pub reference: TicketRef,
    pub site: String,
    pub name: String,
    pub email: String,
    pub message: String,
    pub locale: String,
    /// The transcript as the widget sent it, JSON.
    pub transcript_json: String,
    /// `Transcript::what_was_tried()` at the time of the handoff.
    pub summary: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The result of a handoff: a new ticket, or the one an earlier request with the same
/// idempotency key created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandoffOutcome {
    Created(StoredTicket),
    Replayed(StoredTicket),
}

impl HandoffOutcome {
    pub fn ticket(&self) -> &StoredTicket {
        match self {
            HandoffOutcome::Created(t) | HandoffOutcome::Replayed(t) => t,
        }
    }
}

/// A connection pool to the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    pool: SqlitePool,
    /// Article views, counted in memory and written in batches.
    views: views::SharedViewCounts,
}

impl Storage {
    /// Opens `<data_dir>/baton.sqlite3`, creating the directory and the database when missing,
    /// and applies pending migrations.
    pub async fn open(data_dir: &Path) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StorageError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        Storage::connect(&data_dir.join(DATABASE_FILE), true).await
    }

    /// Opens the database in `data_dir`, which must exist already.
    pub async fn open_existing(data_dir: &Path) -> Result<Storage, StorageError> {
        let path = data_dir.join(DATABASE_FILE);
        if !path.is_file() {
            return Err(StorageError::NoDatabase(path));
        }
        Storage::connect(&path, false).await
    }

    async fn connect(path: &Path, create: bool) -> Result<Storage, StorageError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!().run(&pool).await?;
        let views = std::sync::Arc::new(views::ViewCounts::load(&pool).await?);
        Ok(Storage { pool, views })
    }

    /// Stores a ticket for a (validated) handoff, in one transaction, before returning.
    ///
    /// With an idempotency key: the first request stores the ticket and the key; a repeat with
    /// the same body returns the same ticket ([`HandoffOutcome::Replayed`]); a repeat with a
    /// different body is a [`StorageError::Conflict`].
    pub async fn create_handoff(
        &self,
        request: &HandoffRequest,
        locale: &str,
        idempotency_key: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<HandoffOutcome, StorageError> {
        let fingerprint = fingerprint(request);
        let created_at = rfc3339(now);
        // IMMEDIATE takes the write lock up front, so concurrent retries with one key queue up
        // instead of both inserting.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(key) = idempotency_key {
            let existing = sqlx::query(
                "SELECT k.request_fingerprint, t.reference, t.site, t.name, t.email, t.message, \
                 t.locale, t.transcript, t.summary, t.created_at \
                 FROM idempotency_keys k JOIN tickets t ON t.id = k.ticket_id \
                 WHERE k.site = ? AND k.idempotency_key = ?",
            )
            .bind(&request.site)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                let stored: String = row.try_get("request_fingerprint")?;
                return if stored == fingerprint {
                    Ok(HandoffOutcome::Replayed(ticket_from_row(&row)?))
                } else {
                    Err(StorageError::Conflict)
                };
            }
        }

        let reference = unused_reference(&mut tx).await?;
        let transcript_json = serde_json::to_string(&request.transcript)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let ticket = StoredTicket {
            reference,
            site: request.site.clone(),
            name: request.name.trim().to_owned(),
            email: request.email.trim().to_owned(),
            message: request.message.trim().to_owned(),
            locale: locale.to_owned(),
            transcript_json,
            summary: request.transcript.what_was_tried(),
            created_at: created_at.clone(),
        };
        let row = sqlx::query(
            "INSERT INTO tickets \
             (reference, site, name, email, message, locale, transcript, summary, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(ticket.reference.as_str())
        .bind(&ticket.site)
        .bind(&ticket.name)
        .bind(&ticket.email)
        .bind(&ticket.message)
        .bind(&ticket.locale)
        .bind(&ticket.transcript_json)
        .bind(&ticket.summary)
        .bind(&ticket.created_at)
        .fetch_one(&mut *tx)
        .await?;
        let ticket_id: i64 = row.try_get("id")?;
        if let Some(key) = idempotency_key {
            sqlx::query(
                "INSERT INTO idempotency_keys \
                 (site, idempotency_key, request_fingerprint, ticket_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&request.site)
            .bind(key)
            .bind(&fingerprint)
            .bind(ticket_id)
            .bind(&created_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(HandoffOutcome::Created(ticket))
    }

    /// The ticket with this reference, if any.
    pub async fn ticket_by_reference(
        &self,
        reference: &TicketRef,
    ) -> Result<Option<StoredTicket>, StorageError> {
        let row = sqlx::query(
            "SELECT reference, site, name, email, message, locale, transcript, summary, created_at \
             FROM tickets WHERE reference = ?",
        )
        .bind(reference.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// How many tickets are stored.
    pub async fn ticket_count(&self) -> Result<u64, StorageError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tickets")
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Writes pending article views, waits for running queries and closes every connection.
    pub async fn close(&self) {
        if let Err(e) = self.flush_views().await {
            tracing::warn!(error = %e, "cannot store the last article views");
        }
        self.pool.close().await;
    }
}

/// A digest of the request body, to tell a retry from a different request with the same key.
fn fingerprint(request: &HandoffRequest) -> String {
    let json = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn rfc3339(now: OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

async fn unused_reference(conn: &mut SqliteConnection) -> Result<TicketRef, StorageError> {
    for _ in 0..REFERENCE_ATTEMPTS {
        let candidate = TicketRef::from_random(rand::random::<u64>());
        let taken = sqlx::query("SELECT 1 FROM tickets WHERE reference = ?")
            .bind(candidate.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
    Err(StorageError::ReferencesExhausted)
}

fn ticket_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredTicket, StorageError> {
    let reference: String = row.try_get("reference")?;
    Ok(StoredTicket {
        reference: TicketRef::from_str(&reference)
            .map_err(|e| StorageError::Corrupt(format!("reference {reference:?}: {e}")))?,
        site: row.try_get("site")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        message: row.try_get("message")?,
        locale: row.try_get("locale")?,
        transcript_json: row.try_get("transcript")?,
        summary: row.try_get("summary")?,
        created_at: row.try_get("created_at")?,
    })
}
