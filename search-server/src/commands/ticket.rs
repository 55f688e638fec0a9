use std::io::Write as _;

use anyhow::{Context, anyhow};
use baton_core::TicketRef;
use serde::Serialize;

use crate::cli::TicketShowArgs;
use crate::storage::{Storage, StoredTicket};

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
}

impl TicketView {
    pub fn new(ticket: StoredTicket) -> anyhow::Result<TicketView> {
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
    storage.close().await;
    let ticket =
        ticket.ok_or_else(|| anyhow!("no ticket {reference} in {}", args.data_dir.display()))?;
    let json = serde_json::to_string_pretty(&TicketView::new(ticket)?)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}")?;
    out.flush()?;
    Ok(())
}
