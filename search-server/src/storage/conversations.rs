//! The conversation after a handoff: the customer's secret token, the messages they read and
//! add, and the outbox rows that deliver each added message to support.
//!
//! Tokens are derived, not stored: `HMAC-SHA256(key, "conversation:" + reference)`, with a
//! random key made on the first start and kept in `server_secrets`. Only the token's SHA-256 is
//! stored with the ticket (and compared in constant time), so a copy of the database's ticket
//! rows does not open conversations; and because the token follows from the reference, an
//! idempotent replay of a handoff answers the same working token without keeping it anywhere.
//! Rotating the key (deleting its row) would invalidate every token, not just one.

use baton_core::TicketRef;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::{Row, SqliteConnection, SqlitePool};
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;

use super::outbox::{OutboxInsert, insert_outbox_row};
use super::{
    DeliveryKind, Storage, StorageError, StoredTicket, TICKET_COLUMNS, hex, rfc3339, sha256_hex,
    ticket_from_row,
};

/// The `server_secrets` row of the conversation token key.
const KEY_NAME: &str = "conversation_tokens";

/// A message of a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: i64,
    /// `customer`, `agent` or `note`.
    pub author: String,
    pub body: String,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// A conversation as its customer may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationView {
    pub ticket: StoredTicket,
    /// `open`, `pending` or `solved`.
    pub status: String,
    /// Customer and agent messages, oldest first; never notes.
    pub messages: Vec<StoredMessage>,
    /// Whether "Was your issue resolved?" is due, and the latest answer.
    pub satisfaction: super::SatisfactionState,
    /// Where the event stream resumes to hear only what came after this view.
    pub cursor: EventCursor,
}

/// How far a customer's event stream has gone: the last message id and the last change id it
/// passed. Written `<message>-<change>`, the `id` of each event (so `Last-Event-ID` resumes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCursor {
    pub message: i64,
    pub change: i64,
}

impl std::fmt::Display for EventCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.message, self.change)
    }
}

impl std::str::FromStr for EventCursor {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (message, change) = s.trim().split_once('-').ok_or(())?;
        let cursor = EventCursor {
            message: message.parse().map_err(|_| ())?,
            change: change.parse().map_err(|_| ())?,
        };
        (cursor.message >= 0 && cursor.change >= 0)
            .then_some(cursor)
            .ok_or(())
    }
}

/// Something the customer's event stream tells, with the cursor just after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConversationEvent {
    /// A customer's or an agent's message (never a note).
    Message {
        cursor: EventCursor,
        message: StoredMessage,
    },
    /// The ticket's status changed.
    Status {
        cursor: EventCursor,
        /// `open`, `pending` or `solved`.
        status: String,
        /// Whether the customer changed it (a reopen), not an agent.
        by_customer: bool,
        created_at: String,
    },
}

impl ConversationEvent {
    pub fn cursor(&self) -> EventCursor {
        match self {
            ConversationEvent::Message { cursor, .. }
            | ConversationEvent::Status { cursor, .. } => *cursor,
        }
    }
}

/// Most events one read of [`Storage::conversation_events`] answers per kind.
const EVENTS_PER_READ: i64 = 100;

/// One of a verified customer's conversations, for their list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationSummary {
    pub reference: TicketRef,
    /// `open`, `pending` or `solved`.
    pub status: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// When the last customer or agent message was written (the handoff if none), RFC 3339.
    pub last_message_at: String,
}

/// A message the customer adds, validated and redacted.
#[derive(Debug)]
pub struct NewMessage<'a> {
    pub reference: &'a TicketRef,
    /// The token the customer sent.
    pub token: &'a str,
    pub body: &'a str,
    /// A digest of the request as sent, to tell a retry from another message with the same key.
    pub fingerprint: String,
    pub idempotency_key: Option<&'a str>,
    /// Where the message goes: `(kind, target)`, one outbox row each.
    pub deliveries: Vec<(DeliveryKind, String)>,
    pub now: OffsetDateTime,
}

/// A stored message, or the one an earlier request with the same idempotency key stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageOutcome {
    Created(StoredMessage),
    Replayed(StoredMessage),
}

/// Reads the token key, making it on the first start.
pub(super) async fn load_key(pool: &SqlitePool) -> Result<Vec<u8>, StorageError> {
    let fresh: [u8; 32] = rand::random();
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(KEY_NAME)
    .bind(hex(&fresh))
    .bind(rfc3339(OffsetDateTime::now_utc()))
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT value FROM server_secrets WHERE name = ?")
        .bind(KEY_NAME)
        .fetch_one(pool)
        .await?;
    let value: String = row.try_get("value")?;
    let bytes = (0..value.len())
        .step_by(2)
        .map(|i| {
            value
                .get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .filter(|b| b.len() >= 32)
        .ok_or_else(|| StorageError::Corrupt(format!("server secret {KEY_NAME}")))?;
    Ok(bytes)
}

pub(super) async fn message_by_id(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<StoredMessage, StorageError> {
    let row = sqlx::query("SELECT id, author, body, created_at FROM ticket_messages WHERE id = ?")
        .bind(id)
        .fetch_one(conn)
        .await?;
    message_from_row(&row)
}

/// The cursor after everything ticket `ticket_id` has now.
async fn cursor_of(
    conn: &mut SqliteConnection,
    ticket_id: i64,
) -> Result<EventCursor, StorageError> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM ticket_messages WHERE ticket_id = ?) AS m, \
                (SELECT COALESCE(MAX(id), 0) FROM ticket_changes WHERE ticket_id = ?) AS c",
    )
    .bind(ticket_id)
    .bind(ticket_id)
    .fetch_one(conn)
    .await?;
    Ok(EventCursor {
        message: row.try_get("m")?,
        change: row.try_get("c")?,
    })
}

fn message_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredMessage, StorageError> {
    Ok(StoredMessage {
        id: row.try_get("id")?,
        author: row.try_get("author")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Storage {
    /// The conversation token of a ticket: 64 hex characters (256 bits), the same every time
    /// it is asked for (see the module documentation).
    pub fn conversation_token(&self, reference: &TicketRef) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.conversation_key) else {
            // HMAC takes keys of any length; this arm is never taken.
            return String::new();
        };
        mac.update(b"conversation:");
        mac.update(reference.as_str().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The id of the ticket `token` opens (see [`Storage::conversation`]).
    pub async fn conversation_ticket(
        &self,
        reference: &TicketRef,
        token: &str,
    ) -> Result<Option<i64>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        Ok(Storage::open_conversation(&mut conn, reference, token)
            .await?
            .map(|(id, _, _)| id))
    }

    /// Where a stream of this ticket starts to hear only what happens from now on.
    pub async fn conversation_cursor(&self, ticket_id: i64) -> Result<EventCursor, StorageError> {
        let mut conn = self.pool.acquire().await?;
        cursor_of(&mut conn, ticket_id).await
    }

    /// What happened to the conversation of ticket `ticket_id` after `after`: its customer's
    /// and agents' messages and its status changes, oldest first, each with the cursor just
    /// after it. Notes, assignments and tags are never told.
    pub async fn conversation_events(
        &self,
        ticket_id: i64,
        after: EventCursor,
    ) -> Result<Vec<ConversationEvent>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        let messages = sqlx::query(
            "SELECT id, author, body, created_at FROM ticket_messages \
             WHERE ticket_id = ? AND id > ? AND author IN ('customer', 'agent') \
             ORDER BY id LIMIT ?",
        )
        .bind(ticket_id)
        .bind(after.message)
        .bind(EVENTS_PER_READ)
        .fetch_all(&mut *conn)
        .await?;
        let changes = sqlx::query(
            "SELECT id, agent_id, detail, created_at FROM ticket_changes \
             WHERE ticket_id = ? AND id > ? AND what = 'status' ORDER BY id LIMIT ?",
        )
        .bind(ticket_id)
        .bind(after.change)
        .bind(EVENTS_PER_READ)
        .fetch_all(&mut *conn)
        .await?;
        let mut messages = messages
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .peekable();
        let mut changes = changes.iter().peekable();
        let mut cursor = after;
        let mut events = Vec::new();
        loop {
            let message_first = match (messages.peek(), changes.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(m), Some(c)) => {
                    let at: String = c.try_get("created_at")?;
                    m.created_at <= at
                }
            };
            let event = if message_first {
                let Some(message) = messages.next() else {
                    break;
                };
                cursor.message = message.id;
                ConversationEvent::Message { cursor, message }
            } else {
                let Some(row) = changes.next() else { break };
                cursor.change = row.try_get("id")?;
                let agent: Option<i64> = row.try_get("agent_id")?;
                ConversationEvent::Status {
                    cursor,
                    status: row.try_get("detail")?,
                    by_customer: agent.is_none(),
                    created_at: row.try_get("created_at")?,
                }
            };
            events.push(event);
        }
        Ok(events)
    }

    /// The ticket's id and status when `token` opens it; `None` for an unknown reference, a
    /// wrong token and a ticket without conversation alike.
    pub(super) async fn open_conversation(
        conn: &mut SqliteConnection,
        reference: &TicketRef,
        token: &str,
    ) -> Result<Option<(i64, String, StoredTicket)>, StorageError> {
        let row = sqlx::query(&format!(
            "SELECT t.id, t.status, t.conversation_token_sha256, {TICKET_COLUMNS} \
             FROM tickets t WHERE t.reference = ?"
        ))
        .bind(reference.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: Option<String> = row.try_get("conversation_token_sha256")?;
        let given = sha256_hex(token.as_bytes());
        let valid = stored.is_some_and(|s| bool::from(s.as_bytes().ct_eq(given.as_bytes())));
        if !valid {
            return Ok(None);
        }
        Ok(Some((
            row.try_get("id")?,
            row.try_get("status")?,
            ticket_from_row(&row)?,
        )))
    }

    /// The conversation `token` opens, with the messages its customer may read.
    pub async fn conversation(
        &self,
        reference: &TicketRef,
        token: &str,
    ) -> Result<Option<ConversationView>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        let Some((id, status, ticket)) =
            Storage::open_conversation(&mut conn, reference, token).await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT id, author, body, created_at FROM ticket_messages \
             WHERE ticket_id = ? AND author IN ('customer', 'agent') ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        let satisfaction = super::satisfaction::state(&mut conn, id, &status).await?;
        let cursor = cursor_of(&mut conn, id).await?;
        Ok(Some(ConversationView {
            ticket,
            status,
            messages,
            satisfaction,
            cursor,
        }))
    }

    /// The conversations of the customer the site vouched for as `identity_id`, newest first
    /// (at most `limit`).
    pub async fn conversations_of(
        &self,
        site: &str,
        identity_id: &str,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, StorageError> {
        let rows = sqlx::query(
            "SELECT t.reference, t.status, t.created_at, \
             COALESCE((SELECT MAX(m.created_at) FROM ticket_messages m \
                       WHERE m.ticket_id = t.id AND m.author IN ('customer', 'agent')), \
                      t.created_at) AS last_message_at \
             FROM tickets t WHERE t.site = ? AND t.verified_identity_id = ? \
             AND t.conversation_token_sha256 IS NOT NULL \
             ORDER BY t.id DESC LIMIT ?",
        )
        .bind(site)
        .bind(identity_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let reference: String = row.try_get("reference")?;
                Ok(ConversationSummary {
                    reference: reference
                        .parse()
                        .map_err(|_| StorageError::Corrupt(format!("reference {reference}")))?,
                    status: row.try_get("status")?,
                    created_at: row.try_get("created_at")?,
                    last_message_at: row.try_get("last_message_at")?,
                })
            })
            .collect()
    }

    /// Every message of a ticket, notes included, oldest first (for operators).
    pub async fn ticket_messages(
        &self,
        reference: &TicketRef,
    ) -> Result<Vec<StoredMessage>, StorageError> {
        let rows = sqlx::query(
            "SELECT m.id, m.author, m.body, m.created_at FROM ticket_messages m \
             JOIN tickets t ON t.id = m.ticket_id WHERE t.reference = ? ORDER BY m.id",
        )
        .bind(reference.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Stores a customer's message with one outbox row per delivery, in one transaction
    /// committed before returning. `None` when the token does not open the conversation. A
    /// retry with the same key and body answers the first message and adds nothing; the same
    /// key with another body is a [`StorageError::Conflict`].
    pub async fn add_customer_message(
        &self,
        new: &NewMessage<'_>,
    ) -> Result<Option<MessageOutcome>, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some((ticket_id, _, ticket)) =
            Storage::open_conversation(&mut tx, new.reference, new.token).await?
        else {
            return Ok(None);
        };
        if let Some(key) = new.idempotency_key {
            let existing = sqlx::query(
                "SELECT request_fingerprint, message_id FROM message_idempotency_keys \
                 WHERE ticket_id = ? AND idempotency_key = ?",
            )
            .bind(ticket_id)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                let stored: String = row.try_get("request_fingerprint")?;
                if stored != new.fingerprint {
                    return Err(StorageError::Conflict);
                }
                let message = message_by_id(&mut tx, row.try_get("message_id")?).await?;
                return Ok(Some(MessageOutcome::Replayed(message)));
            }
        }
        let created_at = rfc3339(new.now);
        let row = sqlx::query(
            "INSERT INTO ticket_messages (ticket_id, author, body, created_at) \
             VALUES (?, 'customer', ?, ?) RETURNING id",
        )
        .bind(ticket_id)
        .bind(new.body)
        .bind(&created_at)
        .fetch_one(&mut *tx)
        .await?;
        let message_id: i64 = row.try_get("id")?;
        if let Some(key) = new.idempotency_key {
            sqlx::query(
                "INSERT INTO message_idempotency_keys \
                 (ticket_id, idempotency_key, request_fingerprint, message_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(ticket_id)
            .bind(key)
            .bind(&new.fingerprint)
            .bind(message_id)
            .bind(&created_at)
            .execute(&mut *tx)
            .await?;
        }
        for (index, (kind, target)) in new.deliveries.iter().enumerate() {
            let delivery_id = format!(
                "{}.m{message_id}.{}.{index}",
                ticket.reference,
                kind.as_str()
            );
            insert_outbox_row(
                &mut tx,
                OutboxInsert {
                    ticket_id,
                    message_id: Some(message_id),
                    kind: *kind,
                    target,
                    delivery_id: &delivery_id,
                    now: new.now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.notifier.ticket_changed(ticket_id);
        Ok(Some(MessageOutcome::Created(StoredMessage {
            id: message_id,
            author: "customer".into(),
            body: new.body.to_owned(),
            created_at,
        })))
    }
}
