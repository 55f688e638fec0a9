use std::io::Write as _;

use anyhow::{Context, anyhow};
use baton_core::TicketRef;
use serde::Serialize;

use crate::cli::TicketShowArgs;
use crate::storage::{Satisfaction, Storage, StoredMessage, StoredTicket, TicketStatus};

/// A ticket as `baton ticket show` prints it.
#[derive(Debug, Serialize)]
pub struct TicketView {
    pub reference: TicketRef,
    pub site: String,
    pub name: String,
    pub email: String,
    pub message: String,
    pub locale: String,
    pub created_at: String,
    /// The urgency tier and the promised reply time (RFC 3339 UTC), when the site has tiers.
    pub urgency: Option<String>,
    pub reply_by: Option<String>,
    /// What the customer tried before asking for help.
    pub summary: String,
    pub transcript: serde_json::Value,
    /// The messages after the handoff, oldest first: the customer's, agents' replies and
    /// internal notes (`author`).
    pub messages: Vec<MessageView>,
    /// `open`, `pending` or `solved`.
    pub status: String,
    /// The customer's answers to "Was your issue resolved?", oldest first.
    pub satisfaction: Vec<SatisfactionView>,
}

/// A satisfaction answer as `baton ticket show` prints it.
#[derive(Debug, Serialize)]
pub struct SatisfactionView {
    pub resolved: bool,
    pub rating: Option<u8>,
    pub comment: Option<String>,
    pub created_at: String,
}

/// A message of a ticket as `baton ticket show` prints it.
#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

impl From<StoredMessage> for MessageView {
    fn from(m: StoredMessage) -> Self {
        MessageView {
            id: m.id,
            author: m.author,
            body: m.body,
            created_at: m.created_at,
        }
    }
}

impl TicketView {
    pub fn new(
        ticket: StoredTicket,
        messages: Vec<StoredMessage>,
        status: TicketStatus,
        satisfaction: Vec<Satisfaction>,
    ) -> anyhow::Result<TicketView> {
        let transcript = serde_json::from_str(&ticket.transcript_json)
            .with_context(|| format!("the transcript of {} is not valid JSON", ticket.reference))?;
        Ok(TicketView {
            reference: ticket.reference,
            site: ticket.site,
            name: ticket.name,
            email: ticket.email,
            message: ticket.message,
            locale: ticket.locale,
            created_at: ticket.created_at,
            urgency: ticket.urgency,
            reply_by: ticket.reply_by,
            summary: ticket.summary,
            transcript,
            messages: messages.into_iter().map(MessageView::from).collect(),
            status: status.as_str().to_owned(),
            satisfaction: satisfaction
                .into_iter()
                .map(|s| SatisfactionView {
                    resolved: s.resolved,
                    rating: s.rating,
                    comment: s.comment,
                    created_at: s.created_at,
                })
                .collect(),
        })
    }
}

/// `baton ticket show REF`: prints the ticket as pretty JSON on stdout.
pub async fn show_ticket(args: TicketShowArgs) -> anyhow::Result<()> {
    let reference: TicketRef = args
        .reference
        .parse()
        .with_context(|| format!("'{}' is not a ticket reference", args.reference))?;
    let storage = Storage::open_existing(&args.data_dir)
        .await
        .with_context(|| format!("cannot open the database in {}", args.data_dir.display()))?;
    let ticket = storage
        .ticket_by_reference(&reference)
        .await
        .context("cannot read the ticket")?;
    let messages = storage
        .ticket_messages(&reference)
        .await
        .context("cannot read the ticket's messages")?;
    let console = storage
        .console_ticket(reference.as_str())
        .await
        .context("cannot read the ticket's status")?;
    storage.close().await;
    let ticket =
        ticket.ok_or_else(|| anyhow!("no ticket {reference} in {}", args.data_dir.display()))?;
    let (status, satisfaction) = console.map_or((TicketStatus::Open, Vec::new()), |c| {
        (c.status, c.satisfaction)
    });
    let json =
        serde_json::to_string_pretty(&TicketView::new(ticket, messages, status, satisfaction)?)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}")?;
    out.flush()?;
    Ok(())
}
