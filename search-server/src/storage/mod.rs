//! Durable storage of tickets: the only module with SQL.
//!
//! SQLite through sqlx, in `<data-dir>/baton.sqlite3`, with WAL and `synchronous = FULL`: once
//! [`Storage::create_handoff`] returns, the ticket survives a crash or power loss. The SQL is
//! standard (no SQLite-only functions) so that PostgreSQL can be added later.

mod admin;
mod agents;
mod backup;
mod conversations;
mod drafts;
mod events;
mod inbox;
mod outbox;
pub mod reports;
mod satisfaction;
mod surveys;
mod views;

pub use admin::{ContentVersion, TOKEN_PREFIX};
pub use agents::{Agent, FailedLogins, normalize_email};
pub use backup::{BackupError, BackupReport, backup};
pub use conversations::{
    ConversationEvent, ConversationSummary, ConversationView, EventCursor, MessageOutcome,
    NewMessage, StoredMessage,
};
pub use drafts::{ClaimedDraft, DraftFields, DraftOutcome};
pub use events::{EventBatch, EventKind, NewEvent, day_of};
pub use inbox::{
    ConsoleTicket, CustomerEmail, INBOX_LIMIT, InboxFacets, InboxFilter, InboxTicket,
    MessageAuthor, TicketChange, TicketMessage, TicketStatus,
};
pub use outbox::{
    ClaimedDelivery, DeliveredMessage, DeliveryKind, NewHandoff, OutboxRow, OutboxState, unix_ms,
};
pub use satisfaction::{NewSatisfaction, Satisfaction, SatisfactionOutcome, SatisfactionState};
pub use surveys::StoredSurvey;

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

/// Most event streams (customer conversations and consoles together) one client address may
/// hold open: a few tabs each, not an unbounded number of connections.
pub const MAX_STREAMS_PER_CLIENT: usize = 8;

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
    /// `baton agent add` for an email an active agent already has.
    #[error("there is already an agent {0}")]
    AgentExists(String),
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
    /// The urgency tier id the promise comes from.
    pub urgency: Option<String>,
    /// The promised reply time, RFC 3339 UTC.
    pub reply_by: Option<String>,
}

/// The columns [`ticket_from_row`] reads, prefixed with `t.`.
pub(crate) const TICKET_COLUMNS: &str = "t.reference, t.site, t.name, t.email, t.message, \
     t.locale, t.transcript, t.summary, t.created_at, t.urgency, t.reply_by";

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
    /// The key conversation tokens are derived from (see [`Storage::conversation_token`]).
    conversation_key: std::sync::Arc<[u8]>,
    /// Poked after every committed change of a ticket, for the event streams.
    notifier: crate::live::Notifier,
    /// Open event streams per client address. Kept here, next to the notifier they wait on,
    /// so that each storage (each server) counts its own.
    stream_slots: crate::live::StreamSlots,
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

    /// Like [`Storage::open`] with another `synchronous` setting, for the handoff benchmark
    /// that compares them. Baton itself always uses `FULL`.
    pub async fn open_with_synchronous(
        data_dir: &Path,
        synchronous: SqliteSynchronous,
        max_connections: u32,
    ) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StorageError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        Storage::connect_with(
            &data_dir.join(DATABASE_FILE),
            true,
            synchronous,
            max_connections,
        )
        .await
    }

    async fn connect(path: &Path, create: bool) -> Result<Storage, StorageError> {
        Storage::connect_with(path, create, SqliteSynchronous::Full, 4).await
    }

    async fn connect_with(
        path: &Path,
        create: bool,
        synchronous: SqliteSynchronous,
        max_connections: u32,
    ) -> Result<Storage, StorageError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await?;
        sqlx::migrate!().run(&pool).await?;
        let views = std::sync::Arc::new(views::ViewCounts::load(&pool).await?);
        let conversation_key = conversations::load_key(&pool).await?.into();
        Ok(Storage {
            pool,
            views,
            conversation_key,
            notifier: crate::live::Notifier::default(),
            stream_slots: crate::live::StreamSlots::new(MAX_STREAMS_PER_CLIENT),
        })
    }

    /// Tells event streams about committed ticket changes (see [`crate::live`]).
    pub fn notifier(&self) -> &crate::live::Notifier {
        &self.notifier
    }

    /// The open event streams per client address.
    pub fn stream_slots(&self) -> &crate::live::StreamSlots {
        &self.stream_slots
    }

    /// Stores a ticket for a (validated) handoff, in one transaction, before returning, with
    /// no outbox rows and no promise; see [`Storage::store_handoff`] for the whole handoff.
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
        self.store_handoff(&NewHandoff {
            request,
            fingerprint: fingerprint(request),
            locale,
            idempotency_key,
            urgency: None,
            reply_by: None,
            verified_identity: None,
            deliveries: Vec::new(),
            now,
        })
        .await
    }

    /// The ticket with this reference, if any.
    pub async fn ticket_by_reference(
        &self,
        reference: &TicketRef,
    ) -> Result<Option<StoredTicket>, StorageError> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.reference = ?"
        ))
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

    /// Runs a trivial query: whether the database answers (for `GET /readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Writes pending article views, waits for running queries and closes every connection.
    pub async fn close(&self) {
        if let Err(e) = self.flush_views().await {
            tracing::warn!(error = %e, "cannot store the last article views");
        }
        self.pool.close().await;
    }
}

/// SHA-256 of `text`, lowercase hex.
pub fn sha256_hex(text: &[u8]) -> String {
    hex(&Sha256::digest(text))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest of the request body, to tell a retry from a different request with the same key.
pub fn fingerprint(request: &HandoffRequest) -> String {
    let json = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn rfc3339(now: OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

pub(crate) async fn unused_reference(
    conn: &mut SqliteConnection,
) -> Result<TicketRef, StorageError> {
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

pub(crate) fn ticket_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredTicket, StorageError> {
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
        urgency: row.try_get("urgency")?,
        reply_by: row.try_get("reply_by")?,
    })
}
