//! What the agent console reads and changes: the inbox with per-agent unread counts, a ticket
//! with its conversation, tags and change log, and the agents' actions (replies, notes, status,
//! assignment, tags), each one transaction.

use sqlx::Row;
use time::OffsetDateTime;

use super::agents::Agent;
use super::outbox::unix_ms;
use super::{Storage, StorageError, StoredTicket, TICKET_COLUMNS, rfc3339, ticket_from_row};

/// Most tickets one inbox page lists.
pub const INBOX_LIMIT: i64 = 500;

/// Where a ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Waiting for an agent.
    Open,
    /// Waiting for the customer (or someone else).
    Pending,
    Solved,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 3] = [
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Solved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Solved => "solved",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    fn from_db(s: &str) -> Result<TicketStatus, StorageError> {
        TicketStatus::parse(s).ok_or_else(|| StorageError::Corrupt(format!("ticket status {s:?}")))
    }
}

/// Who wrote a message of a ticket's conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageAuthor {
    Customer,
    /// A reply to the customer.
    Agent,
    /// An internal note, never shown to the customer.
    Note,
}

impl MessageAuthor {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageAuthor::Customer => "customer",
            MessageAuthor::Agent => "agent",
            MessageAuthor::Note => "note",
        }
    }

    fn from_db(s: &str) -> Result<MessageAuthor, StorageError> {
        match s {
            "customer" => Ok(MessageAuthor::Customer),
            "agent" => Ok(MessageAuthor::Agent),
            "note" => Ok(MessageAuthor::Note),
            other => Err(StorageError::Corrupt(format!("message author {other:?}"))),
        }
    }
}

/// Which tickets the inbox lists; `None` is any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub status: Option<TicketStatus>,
    pub urgency: Option<String>,
    pub site: Option<String>,
    pub locale: Option<String>,
}

/// One line of the inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxTicket {
    pub reference: String,
    pub site: String,
    pub name: String,
    /// The customer's message as sent with the handoff.
    pub message: String,
    pub locale: String,
    pub urgency: Option<String>,
    /// RFC 3339 UTC.
    pub reply_by: Option<String>,
    pub status: TicketStatus,
    pub created_at: String,
    pub assignee: Option<String>,
    pub tags: Vec<String>,
    /// What this agent has not seen: customer messages after their last visit, plus one for
    /// the handoff itself when they never opened the ticket.
    pub unread: u32,
}

/// The values the inbox can be filtered by, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxFacets {
    pub sites: Vec<String>,
    pub locales: Vec<String>,
    pub urgencies: Vec<String>,
}

/// A message of a ticket's conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketMessage {
    pub id: i64,
    pub author: MessageAuthor,
    /// The agent who wrote a reply or note.
    pub agent_name: Option<String>,
    pub body: String,
    pub created_at: String,
}

/// A change an agent or the customer made to a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketChange {
    /// `None`: the customer made it (from the widget).
    pub agent_name: Option<String>,
    /// `status`, `assign`, `tag_added`, `tag_removed` or `satisfaction`.
    pub what: String,
    pub detail: String,
    pub created_at: String,
}

/// A ticket as the console's ticket view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleTicket {
    pub id: i64,
    pub ticket: StoredTicket,
    pub status: TicketStatus,
    pub assignee: Option<Agent>,
    pub tags: Vec<String>,
    /// Oldest first.
    pub messages: Vec<TicketMessage>,
    /// Oldest first.
    pub changes: Vec<TicketChange>,
    /// The customer's satisfaction answers, oldest first.
    pub satisfaction: Vec<super::Satisfaction>,
}

/// An email to the customer that goes out with an agent's reply (through the outbox).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerEmail {
    /// The customer's address.
    pub to: String,
}

impl Storage {
    /// The tickets matching `filter`, soonest reply-by first (tickets without a promise last),
    /// then oldest first; with `agent_id`'s unread counts and the tags.
    pub async fn inbox(
        &self,
        agent_id: i64,
        filter: &InboxFilter,
    ) -> Result<Vec<InboxTicket>, StorageError> {
        let status = filter.status.map(TicketStatus::as_str);
        let rows = sqlx::query(
            "SELECT t.id, t.reference, t.site, t.name, t.message, t.locale, t.urgency, \
                    t.reply_by, t.status, t.created_at, a.name AS assignee, \
                    r.last_message_id, \
                    (SELECT COUNT(*) FROM ticket_messages m WHERE m.ticket_id = t.id \
                       AND m.author = 'customer' AND m.id > COALESCE(r.last_message_id, 0)) \
                      AS unread_messages \
             FROM tickets t \
             LEFT JOIN agents a ON a.id = t.assignee_id \
             LEFT JOIN ticket_reads r ON r.ticket_id = t.id AND r.agent_id = ? \
             WHERE (? IS NULL OR t.status = ?) AND (? IS NULL OR t.urgency = ?) \
               AND (? IS NULL OR t.site = ?) AND (? IS NULL OR t.locale = ?) \
             ORDER BY CASE WHEN t.reply_by IS NULL THEN 1 ELSE 0 END, t.reply_by, t.id \
             LIMIT ?",
        )
        .bind(agent_id)
        .bind(status)
        .bind(status)
        .bind(filter.urgency.as_deref())
        .bind(filter.urgency.as_deref())
        .bind(filter.site.as_deref())
        .bind(filter.site.as_deref())
        .bind(filter.locale.as_deref())
        .bind(filter.locale.as_deref())
        .bind(INBOX_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let mut tags = self.tags_of(&ids).await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let status: String = row.try_get("status")?;
                let last_read: Option<i64> = row.try_get("last_message_id")?;
                let unread_messages: i64 = row.try_get("unread_messages")?;
                let unread = unread_messages + i64::from(last_read.is_none());
                Ok(InboxTicket {
                    reference: row.try_get("reference")?,
                    site: row.try_get("site")?,
                    name: row.try_get("name")?,
                    message: row.try_get("message")?,
                    locale: row.try_get("locale")?,
                    urgency: row.try_get("urgency")?,
                    reply_by: row.try_get("reply_by")?,
                    status: TicketStatus::from_db(&status)?,
                    created_at: row.try_get("created_at")?,
                    assignee: row.try_get("assignee")?,
                    tags: tags.remove(&id).unwrap_or_default(),
                    unread: u32::try_from(unread).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// The tags of these tickets, sorted.
    async fn tags_of(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<String>>, StorageError> {
        let mut tags: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for chunk in ids.chunks(100) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN ({marks}) \
                 ORDER BY ticket_id, tag"
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                tags.entry(row.try_get("ticket_id")?)
                    .or_default()
                    .push(row.try_get("tag")?);
            }
        }
        Ok(tags)
    }

    /// The sites, locales and urgencies that stored tickets have.
    pub async fn inbox_facets(&self) -> Result<InboxFacets, StorageError> {
        let distinct = |column: &'static str| async move {
            let rows = sqlx::query(&format!(
                "SELECT DISTINCT {column} AS v FROM tickets WHERE {column} IS NOT NULL ORDER BY v"
            ))
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| r.try_get::<String, _>("v"))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(InboxFacets {
            sites: distinct("site").await?,
            locales: distinct("locale").await?,
            urgencies: distinct("urgency").await?,
        })
    }

    /// A mark that changes whenever a ticket, a message or an agent's change is stored: open
    /// consoles compare it to know when to refresh.
    pub async fn inbox_marker(&self) -> Result<String, StorageError> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM tickets) AS t, \
                    (SELECT COALESCE(MAX(id), 0) FROM ticket_messages) AS m, \
                    (SELECT COALESCE(MAX(id), 0) FROM ticket_changes) AS c",
        )
        .fetch_one(&self.pool)
        .await?;
        let (t, m, c): (i64, i64, i64) = (row.try_get("t")?, row.try_get("m")?, row.try_get("c")?);
        Ok(format!("{t}-{m}-{c}"))
    }

    /// A ticket with everything the ticket view shows.
    pub async fn console_ticket(
        &self,
        reference: &str,
    ) -> Result<Option<ConsoleTicket>, StorageError> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS}, t.id, t.status, t.assignee_id, \
                    a.email AS assignee_email, a.name AS assignee_name, \
                    a.created_at AS assignee_created_at \
             FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id \
             WHERE t.reference = ?"
        ))
        .bind(reference)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        let assignee_id: Option<i64> = row.try_get("assignee_id")?;
        let assignee = match assignee_id {
            Some(agent) => Some(Agent {
                id: agent,
                email: row.try_get("assignee_email")?,
                name: row.try_get("assignee_name")?,
                created_at: row.try_get("assignee_created_at")?,
            }),
            None => None,
        };
        let messages = sqlx::query(
            "SELECT m.id, m.author, m.body, m.created_at, a.name AS agent_name \
             FROM ticket_messages m LEFT JOIN agents a ON a.id = m.agent_id \
             WHERE m.ticket_id = ? ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let author: String = r.try_get("author")?;
            Ok(TicketMessage {
                id: r.try_get("id")?,
                author: MessageAuthor::from_db(&author)?,
                agent_name: r.try_get("agent_name")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
        let changes = sqlx::query(
            "SELECT c.what, c.detail, c.created_at, a.name AS agent_name \
             FROM ticket_changes c LEFT JOIN agents a ON a.id = c.agent_id \
             WHERE c.ticket_id = ? ORDER BY c.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(TicketChange {
                agent_name: r.try_get("agent_name")?,
                what: r.try_get("what")?,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(Some(ConsoleTicket {
            id,
            ticket: ticket_from_row(&row)?,
            status: TicketStatus::from_db(&status)?,
            assignee,
            tags: self.tags_of(&[id]).await?.remove(&id).unwrap_or_default(),
            messages,
            changes,
            satisfaction: self.satisfaction_answers(id).await?,
        }))
    }

    /// Records that `agent_id` has seen `ticket_id` up to message `last_message_id` (0: none).
    pub async fn mark_ticket_read(
        &self,
        agent_id: i64,
        ticket_id: i64,
        last_message_id: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO ticket_reads (agent_id, ticket_id, last_message_id) VALUES (?, ?, ?) \
             ON CONFLICT (agent_id, ticket_id) DO UPDATE \
             SET last_message_id = excluded.last_message_id",
        )
        .bind(agent_id)
        .bind(ticket_id)
        .bind(last_message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores an agent's reply or note on a ticket, and with a reply to be emailed, its outbox
    /// row (audience `customer`), in one transaction. Returns the message id.
    pub async fn add_agent_message(
        &self,
        ticket_id: i64,
        agent_id: i64,
        author: MessageAuthor,
        body: &str,
        email: Option<&CustomerEmail>,
        now: OffsetDateTime,
    ) -> Result<i64, StorageError> {
        let created_at = rfc3339(now);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(
            "INSERT INTO ticket_messages (ticket_id, author, agent_id, body, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(ticket_id)
        .bind(author.as_str())
        .bind(agent_id)
        .bind(body)
        .bind(&created_at)
        .fetch_one(&mut *tx)
        .await?;
        let message_id: i64 = row.try_get("id")?;
        if let Some(email) = email {
            let reference: String = sqlx::query("SELECT reference FROM tickets WHERE id = ?")
                .bind(ticket_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("reference")?;
            sqlx::query(
                "INSERT INTO outbox (ticket_id, kind, target, delivery_id, state, attempts, \
                 next_attempt_at, created_at, message_id, audience) \
                 VALUES (?, 'email', ?, ?, 'pending', 0, ?, ?, ?, 'customer')",
            )
            .bind(ticket_id)
            .bind(&email.to)
            .bind(format!("{reference}.reply.{message_id}"))
            .bind(unix_ms(now))
            .bind(&created_at)
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.notifier.ticket_changed(ticket_id);
        Ok(message_id)
    }

    /// Sets a ticket's status and logs the change; answers false when it already had it.
    pub async fn set_ticket_status(
        &self,
        ticket_id: i64,
        agent_id: i64,
        status: TicketStatus,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("UPDATE tickets SET status = ? WHERE id = ? AND status <> ?")
            .bind(status.as_str())
            .bind(ticket_id)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await?;
        let changed = done.rows_affected() == 1;
        if changed {
            log_change(
                &mut tx,
                ticket_id,
                Some(agent_id),
                "status",
                status.as_str(),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        if changed {
            self.notifier.ticket_changed(ticket_id);
        }
        Ok(changed)
    }

    /// Assigns a ticket to an active agent (by id), or to nobody, and logs the change. Answers
    /// false when there is no such agent.
    pub async fn assign_ticket(
        &self,
        ticket_id: i64,
        agent_id: i64,
        assignee: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let email = match assignee {
            Some(id) => {
                let row =
                    sqlx::query("SELECT email FROM agents WHERE id = ? AND removed_at IS NULL")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match row {
                    Some(row) => row.try_get::<String, _>("email")?,
                    None => return Ok(false),
                }
            }
            None => String::new(),
        };
        sqlx::query("UPDATE tickets SET assignee_id = ? WHERE id = ?")
            .bind(assignee)
            .bind(ticket_id)
            .execute(&mut *tx)
            .await?;
        log_change(&mut tx, ticket_id, Some(agent_id), "assign", &email, now).await?;
        tx.commit().await?;
        self.notifier.ticket_changed(ticket_id);
        Ok(true)
    }

    /// Adds a tag (already checked) to a ticket and logs it; answers false when it had it.
    pub async fn add_ticket_tag(
        &self,
        ticket_id: i64,
        agent_id: i64,
        tag: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?) \
             ON CONFLICT (ticket_id, tag) DO NOTHING",
        )
        .bind(ticket_id)
        .bind(tag)
        .execute(&mut *tx)
        .await?;
        let added = done.rows_affected() == 1;
        if added {
            log_change(&mut tx, ticket_id, Some(agent_id), "tag_added", tag, now).await?;
        }
        tx.commit().await?;
        if added {
            self.notifier.ticket_changed(ticket_id);
        }
        Ok(added)
    }

    /// Removes a tag from a ticket and logs it; answers false when it did not have it.
    pub async fn remove_ticket_tag(
        &self,
        ticket_id: i64,
        agent_id: i64,
        tag: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?")
            .bind(ticket_id)
            .bind(tag)
            .execute(&mut *tx)
            .await?;
        let removed = done.rows_affected() == 1;
        if removed {
            log_change(&mut tx, ticket_id, Some(agent_id), "tag_removed", tag, now).await?;
        }
        tx.commit().await?;
        if removed {
            self.notifier.ticket_changed(ticket_id);
        }
        Ok(removed)
    }
}

/// Logs a change of a ticket by an agent, or by its customer (`agent_id` `None`).
pub(super) async fn log_change(
    tx: &mut sqlx::SqliteConnection,
    ticket_id: i64,
    agent_id: Option<i64>,
    what: &str,
    detail: &str,
    now: OffsetDateTime,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO ticket_changes (ticket_id, agent_id, what, detail, created_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(ticket_id)
    .bind(agent_id)
    .bind(what)
    .bind(detail)
    .bind(rfc3339(now))
    .execute(tx)
    .await?;
    Ok(())
}
