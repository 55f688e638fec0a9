//! What the customer does to a ticket from the widget besides writing: answering "Was your
//! issue resolved?" once it is solved, and reopening it. Both are logged in `ticket_changes`
//! with no agent (the customer).
//!
//! One answer per solved period: an answer belongs to the change that last solved the ticket
//! (`ticket_satisfaction.solved_change_id`). A second answer for the same solve is refused
//! ([`SatisfactionOutcome::AlreadyGiven`]); once the ticket is reopened and solved again, the
//! customer is asked again. Answering "not resolved" reopens the ticket in the same transaction.

use baton_core::TicketRef;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

use super::inbox::{TicketStatus, log_change};
use super::{Storage, StorageError, rfc3339};

/// A customer's answer, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Satisfaction {
    pub resolved: bool,
    /// 1 to 5.
    pub rating: Option<u8>,
    /// Redacted.
    pub comment: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// Whether the customer is to be asked, and what they last answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SatisfactionState {
    /// Solved, and not answered since it was solved.
    pub due: bool,
    pub latest: Option<Satisfaction>,
}

/// An answer the customer sends, validated and redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSatisfaction<'a> {
    pub resolved: bool,
    pub rating: Option<u8>,
    pub comment: Option<&'a str>,
}

/// What became of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SatisfactionOutcome {
    /// Stored; the ticket's status after it (`open` when the customer said it was not resolved).
    Stored(TicketStatus),
    /// The ticket is not solved.
    NotDue,
    /// This solve was answered already.
    AlreadyGiven,
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Satisfaction, StorageError> {
    let rating: Option<i64> = row.try_get("rating")?;
    Ok(Satisfaction {
        resolved: row.try_get("resolved")?,
        rating: rating.and_then(|r| u8::try_from(r).ok()),
        comment: row.try_get("comment")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The change that last solved the ticket, if it is solved.
async fn solving_change(
    conn: &mut SqliteConnection,
    ticket_id: i64,
) -> Result<Option<i64>, StorageError> {
    let row = sqlx::query(
        "SELECT MAX(id) AS id FROM ticket_changes \
         WHERE ticket_id = ? AND what = 'status' AND detail = 'solved'",
    )
    .bind(ticket_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The satisfaction state of a ticket whose status is `status`.
pub(super) async fn state(
    conn: &mut SqliteConnection,
    ticket_id: i64,
    status: &str,
) -> Result<SatisfactionState, StorageError> {
    let latest = sqlx::query(
        "SELECT resolved, rating, comment, created_at, solved_change_id \
         FROM ticket_satisfaction WHERE ticket_id = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *conn)
    .await?;
    let answered_change: Option<i64> = latest
        .as_ref()
        .map(|r| r.try_get("solved_change_id"))
        .transpose()?;
    let due = if status == TicketStatus::Solved.as_str() {
        let solved = solving_change(conn, ticket_id).await?;
        solved.is_some() && solved != answered_change
    } else {
        false
    };
    Ok(SatisfactionState {
        due,
        latest: latest.as_ref().map(from_row).transpose()?,
    })
}

impl Storage {
    /// Stores the customer's answer for the current solve (see the module documentation), in
    /// one transaction with its change row and, for "not resolved", the reopening. `None` when
    /// the token does not open the conversation.
    pub async fn answer_satisfaction(
        &self,
        reference: &TicketRef,
        token: &str,
        answer: &NewSatisfaction<'_>,
        now: OffsetDateTime,
    ) -> Result<Option<SatisfactionOutcome>, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some((ticket_id, status, _)) =
            Storage::open_conversation(&mut tx, reference, token).await?
        else {
            return Ok(None);
        };
        let solved = match solving_change(&mut tx, ticket_id).await? {
            Some(change) if status == TicketStatus::Solved.as_str() => change,
            _ => return Ok(Some(SatisfactionOutcome::NotDue)),
        };
        let done = sqlx::query(
            "INSERT INTO ticket_satisfaction \
             (ticket_id, solved_change_id, resolved, rating, comment, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, solved_change_id) DO NOTHING",
        )
        .bind(ticket_id)
        .bind(solved)
        .bind(answer.resolved)
        .bind(answer.rating.map(i64::from))
        .bind(answer.comment)
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(Some(SatisfactionOutcome::AlreadyGiven));
        }
        let detail = if answer.resolved {
            "resolved"
        } else {
            "not_resolved"
        };
        log_change(&mut tx, ticket_id, None, "satisfaction", detail, now).await?;
        let status = if answer.resolved {
            TicketStatus::Solved
        } else {
            reopen(&mut tx, ticket_id, now).await?;
            TicketStatus::Open
        };
        tx.commit().await?;
        self.notifier.ticket_changed(ticket_id);
        Ok(Some(SatisfactionOutcome::Stored(status)))
    }

    /// Reopens the ticket for its customer (one click in the widget): status `open`, logged as
    /// the customer's change. Answers whether it changed (false: it was open already); `None`
    /// when the token does not open the conversation.
    pub async fn reopen_conversation(
        &self,
        reference: &TicketRef,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Option<bool>, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some((ticket_id, _, _)) = Storage::open_conversation(&mut tx, reference, token).await?
        else {
            return Ok(None);
        };
        let changed = reopen(&mut tx, ticket_id, now).await?;
        tx.commit().await?;
        if changed {
            self.notifier.ticket_changed(ticket_id);
        }
        Ok(Some(changed))
    }

    /// Every satisfaction answer of a ticket, oldest first (for the console and operators).
    pub async fn satisfaction_answers(
        &self,
        ticket_id: i64,
    ) -> Result<Vec<Satisfaction>, StorageError> {
        let rows = sqlx::query(
            "SELECT resolved, rating, comment, created_at FROM ticket_satisfaction \
             WHERE ticket_id = ? ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}

/// Sets the status to open (logged as the customer's change) unless it is open already.
async fn reopen(
    tx: &mut SqliteConnection,
    ticket_id: i64,
    now: OffsetDateTime,
) -> Result<bool, StorageError> {
    let open = TicketStatus::Open.as_str();
    let done = sqlx::query("UPDATE tickets SET status = ? WHERE id = ? AND status <> ?")
        .bind(open)
        .bind(ticket_id)
        .bind(open)
        .execute(&mut *tx)
        .await?;
    let changed = done.rows_affected() == 1;
    if changed {
        log_change(tx, ticket_id, None, "status", open, now).await?;
    }
    Ok(changed)
}
