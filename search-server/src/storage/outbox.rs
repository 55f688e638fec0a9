//! Handoffs with their outbox: the ticket, its idempotency key and one outbox row per delivery
//! are written in one transaction; the delivery worker claims due rows with a lease, and records
//! every attempt.

use baton_core::api::HandoffRequest;
use sqlx::Row;
use time::OffsetDateTime;

use super::{
    HandoffOutcome, Storage, StorageError, StoredTicket, TICKET_COLUMNS, rfc3339, sha256_hex,
    ticket_from_row, unused_reference,
};

/// A handoff ready to store: validated, redacted, its transcript complete.
#[derive(Debug)]
pub struct NewHandoff<'a> {
    pub request: &'a HandoffRequest,
    /// [`super::fingerprint`] of the request as the client sent it.
    pub fingerprint: String,
    pub locale: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub urgency: Option<String>,
    /// RFC 3339 UTC.
    pub reply_by: Option<String>,
    /// The customer's id when the host site's identity hash matched it.
    pub verified_identity: Option<String>,
    /// Where the ticket goes: `(kind, target)`, one outbox row each.
    pub deliveries: Vec<(DeliveryKind, String)>,
    pub now: OffsetDateTime,
}

/// How an outbox row is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// An email to the site's support address.
    Email,
    /// A signed JSON POST to a URL.
    Webhook,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Email => "email",
            DeliveryKind::Webhook => "webhook",
        }
    }

    fn parse(s: &str) -> Result<DeliveryKind, StorageError> {
        match s {
            "email" => Ok(DeliveryKind::Email),
            "webhook" => Ok(DeliveryKind::Webhook),
            other => Err(StorageError::Corrupt(format!("outbox kind {other:?}"))),
        }
    }
}

/// Where an outbox row is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its next attempt (or being attempted, while leased).
    Pending,
    Delivered,
    /// Gave up after the last attempt; `baton outbox retry ID` brings it back.
    Dead,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Delivered => "delivered",
            OutboxState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        match s {
            "pending" => Some(OutboxState::Pending),
            "delivered" => Some(OutboxState::Delivered),
            "dead" => Some(OutboxState::Dead),
            _ => None,
        }
    }
}

/// An outbox row as operators see it (`baton outbox list`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub reference: String,
    pub kind: DeliveryKind,
    pub target: String,
    pub delivery_id: String,
    pub state: OutboxState,
    pub attempts: i64,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// A row claimed by a worker, with its ticket.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub kind: DeliveryKind,
    pub target: String,
    pub delivery_id: String,
    /// This attempt's number, from 1.
    pub attempt: i64,
    pub ticket: StoredTicket,
    /// `support` (the ticket or a customer's message, to the support address or a webhook)
    /// or `customer`.
    pub audience: String,
    /// The one message the row delivers (a customer's follow-up, an agent's reply), when it is
    /// not the whole ticket.
    pub message: Option<DeliveredMessage>,
}

/// A message of a ticket's conversation that an outbox row delivers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveredMessage {
    pub id: i64,
    /// `customer`, `agent` or `note`.
    pub author: String,
    pub body: String,
    /// The agent who wrote it, if an agent did.
    pub agent_name: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Unix milliseconds of `t`.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl Storage {
    /// Stores a handoff: ticket, idempotency key and outbox rows in one transaction, committed
    /// (`synchronous = FULL`) before returning. A retry with the same key and body returns the
    /// first ticket and adds nothing; the same key with another body is a conflict.
    pub async fn store_handoff(
        &self,
        new: &NewHandoff<'_>,
    ) -> Result<HandoffOutcome, StorageError> {
        let request = new.request;
        let created_at = rfc3339(new.now);
        // IMMEDIATE takes the write lock up front, so concurrent retries with one key queue up
        // instead of both inserting.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(key) = new.idempotency_key {
            let existing = sqlx::query(&format!(
                "SELECT k.request_fingerprint, {TICKET_COLUMNS} \
                 FROM idempotency_keys k JOIN tickets t ON t.id = k.ticket_id \
                 WHERE k.site = ? AND k.idempotency_key = ?"
            ))
            .bind(&request.site)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                let stored: String = row.try_get("request_fingerprint")?;
                return if stored == new.fingerprint {
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
            locale: new.locale.to_owned(),
            transcript_json,
            summary: request.transcript.what_was_tried(),
            created_at: created_at.clone(),
            urgency: new.urgency.clone(),
            reply_by: new.reply_by.clone(),
        };
        let token_sha256 = sha256_hex(self.conversation_token(&ticket.reference).as_bytes());
        let row = sqlx::query(
            "INSERT INTO tickets (reference, site, name, email, message, locale, transcript, \
             summary, created_at, urgency, reply_by, status, conversation_token_sha256, \
             verified_identity_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
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
        .bind(&ticket.urgency)
        .bind(&ticket.reply_by)
        .bind(&token_sha256)
        .bind(&new.verified_identity)
        .fetch_one(&mut *tx)
        .await?;
        let ticket_id: i64 = row.try_get("id")?;
        if let Some(draft) = &request.draft_id {
            // The form was sent: no "Still need help?" email for it.
            sqlx::query("DELETE FROM handoff_drafts WHERE id = ? AND site = ?")
                .bind(draft)
                .bind(&request.site)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(key) = new.idempotency_key {
            sqlx::query(
                "INSERT INTO idempotency_keys \
                 (site, idempotency_key, request_fingerprint, ticket_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&request.site)
            .bind(key)
            .bind(&new.fingerprint)
            .bind(ticket_id)
            .bind(&created_at)
            .execute(&mut *tx)
            .await?;
        }
        for (index, (kind, target)) in new.deliveries.iter().enumerate() {
            let delivery_id = format!("{}.{}.{index}", ticket.reference, kind.as_str());
            insert_outbox_row(
                &mut tx,
                OutboxInsert {
                    ticket_id,
                    message_id: None,
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
        Ok(HandoffOutcome::Created(ticket))
    }

    /// Claims up to `limit` due rows for `lease_ms`: each claim counts as an attempt, so a
    /// delivery that crashes the process still ends up dead instead of looping forever. Rows
    /// whose lease ran out (their worker died) are due again.
    pub async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, StorageError> {
        let now_ms = unix_ms(now);
        // A plain read first, so an idle worker never takes the write lock.
        let due = sqlx::query(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? \
             AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1",
        )
        .bind(now_ms)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let rows = sqlx::query(
            "UPDATE outbox SET lease_until = ?, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? \
             AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?) \
             RETURNING id, ticket_id, kind, target, delivery_id, attempts, audience, message_id",
        )
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let ticket_id: i64 = row.try_get("ticket_id")?;
            let ticket_row = sqlx::query(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?"
            ))
            .bind(ticket_id)
            .fetch_one(&mut *tx)
            .await?;
            let message_id: Option<i64> = row.try_get("message_id")?;
            let message = match message_id {
                Some(id) => {
                    let m = sqlx::query(
                        "SELECT m.id, m.author, m.body, m.created_at, a.name AS agent_name \
                         FROM ticket_messages m LEFT JOIN agents a ON a.id = m.agent_id \
                         WHERE m.id = ?",
                    )
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    Some(DeliveredMessage {
                        id: m.try_get("id")?,
                        author: m.try_get("author")?,
                        body: m.try_get("body")?,
                        agent_name: m.try_get("agent_name")?,
                        created_at: m.try_get("created_at")?,
                    })
                }
                None => None,
            };
            let kind: String = row.try_get("kind")?;
            claimed.push(ClaimedDelivery {
                id: row.try_get("id")?,
                kind: DeliveryKind::parse(&kind)?,
                target: row.try_get("target")?,
                delivery_id: row.try_get("delivery_id")?,
                attempt: row.try_get("attempts")?,
                ticket: ticket_from_row(&ticket_row)?,
                audience: row.try_get("audience")?,
                message,
            });
        }
        tx.commit().await?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Records a successful attempt: the row is delivered and never claimed again.
    pub async fn record_delivered(
        &self,
        delivery: &ClaimedDelivery,
        started: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE outbox SET state = 'delivered', lease_until = NULL, last_error = NULL, \
             delivered_at = ? WHERE id = ?",
        )
        .bind(rfc3339(now))
        .bind(delivery.id)
        .execute(&mut *tx)
        .await?;
        insert_attempt(&mut tx, delivery, started, "delivered", None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: the row waits until `retry_at`, or is dead when `None`.
    pub async fn record_failed(
        &self,
        delivery: &ClaimedDelivery,
        started: OffsetDateTime,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let (state, next) = match retry_at {
            Some(at) => ("pending", unix_ms(at)),
            None => ("dead", unix_ms(started)),
        };
        sqlx::query(
            "UPDATE outbox SET state = ?, next_attempt_at = ?, lease_until = NULL, \
             last_error = ? WHERE id = ?",
        )
        .bind(state)
        .bind(next)
        .bind(error)
        .bind(delivery.id)
        .execute(&mut *tx)
        .await?;
        insert_attempt(&mut tx, delivery, started, "failed", Some(error)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Outbox rows, newest first, optionally only those in `state`.
    pub async fn outbox(
        &self,
        state: Option<OutboxState>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StorageError> {
        let rows = sqlx::query(
            "SELECT o.id, t.reference, o.kind, o.target, o.delivery_id, o.state, o.attempts, \
             o.next_attempt_at, o.last_error, o.created_at, o.delivered_at \
             FROM outbox o JOIN tickets t ON t.id = o.ticket_id \
             WHERE (? IS NULL OR o.state = ?) ORDER BY o.id DESC LIMIT ?",
        )
        .bind(state.map(OutboxState::as_str))
        .bind(state.map(OutboxState::as_str))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                let state: String = row.try_get("state")?;
                Ok(OutboxRow {
                    id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    kind: DeliveryKind::parse(&kind)?,
                    target: row.try_get("target")?,
                    delivery_id: row.try_get("delivery_id")?,
                    state: OutboxState::parse(&state)
                        .ok_or_else(|| StorageError::Corrupt(format!("outbox state {state:?}")))?,
                    attempts: row.try_get("attempts")?,
                    next_attempt_at: row.try_get("next_attempt_at")?,
                    last_error: row.try_get("last_error")?,
                    created_at: row.try_get("created_at")?,
                    delivered_at: row.try_get("delivered_at")?,
                })
            })
            .collect()
    }

    /// Makes a dead (or pending) row due now with a fresh count of attempts. Answers whether
    /// there was such a row; delivered rows are left alone.
    pub async fn retry_delivery(&self, id: i64, now: OffsetDateTime) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, \
             lease_until = NULL WHERE id = ? AND state <> 'delivered'",
        )
        .bind(unix_ms(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many rows wait (`pending`) or were given up (`dead`), for every kind and both
    /// states, zeros included. Reads only the `outbox_due` index, not the delivered rows.
    pub async fn outbox_backlog(
        &self,
    ) -> Result<Vec<(DeliveryKind, OutboxState, u64)>, StorageError> {
        let rows = sqlx::query(
            "SELECT kind, state, COUNT(*) AS n FROM outbox \
             WHERE state IN ('pending', 'dead') GROUP BY kind, state",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counted = Vec::with_capacity(rows.len());
        for row in &rows {
            let kind: String = row.try_get("kind")?;
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            let state = OutboxState::parse(&state)
                .ok_or_else(|| StorageError::Corrupt(format!("outbox state {state:?}")))?;
            counted.push((
                DeliveryKind::parse(&kind)?,
                state,
                u64::try_from(n).unwrap_or(0),
            ));
        }
        let mut backlog = Vec::with_capacity(4);
        for kind in [DeliveryKind::Email, DeliveryKind::Webhook] {
            for state in [OutboxState::Pending, OutboxState::Dead] {
                let n = counted
                    .iter()
                    .filter(|(k, s, _)| *k == kind && *s == state)
                    .map(|(_, _, n)| n)
                    .sum();
                backlog.push((kind, state, n));
            }
        }
        Ok(backlog)
    }
}

/// One outbox row to write, pending and due now.
pub(crate) struct OutboxInsert<'a> {
    pub ticket_id: i64,
    /// The message it delivers, or `None` for the whole ticket.
    pub message_id: Option<i64>,
    pub kind: DeliveryKind,
    pub target: &'a str,
    pub delivery_id: &'a str,
    pub now: OffsetDateTime,
}

pub(crate) async fn insert_outbox_row(
    tx: &mut sqlx::SqliteConnection,
    row: OutboxInsert<'_>,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO outbox (ticket_id, message_id, audience, kind, target, delivery_id, state, \
         attempts, next_attempt_at, created_at) VALUES (?, ?, 'support', ?, ?, ?, 'pending', 0, ?, ?)",
    )
    .bind(row.ticket_id)
    .bind(row.message_id)
    .bind(row.kind.as_str())
    .bind(row.target)
    .bind(row.delivery_id)
    .bind(unix_ms(row.now))
    .bind(rfc3339(row.now))
    .execute(tx)
    .await?;
    Ok(())
}

async fn insert_attempt(
    tx: &mut sqlx::SqliteConnection,
    delivery: &ClaimedDelivery,
    started: OffsetDateTime,
    outcome: &str,
    error: Option<&str>,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO delivery_attempts (outbox_id, attempt, started_at, outcome, error) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(delivery.id)
    .bind(delivery.attempt)
    .bind(rfc3339(started))
    .bind(outcome)
    .bind(error)
    .execute(tx)
    .await?;
    Ok(())
}
