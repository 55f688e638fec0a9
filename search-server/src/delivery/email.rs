//! Email delivery over SMTP with lettre: to the site's support address, `Reply-To` the
//! customer, the summary first, the transcript as text and HTML, and a `Message-ID` made from
//! the outbox row so a repeated delivery is recognisably the same message.

use std::time::Duration;

use baton_core::Transcript;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::render;
use crate::storage::{ClaimedDelivery, ClaimedDraft};

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on localhost or a private network.
    None,
    /// Upgrade with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and how to send email.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `From` address; the support address when unset.
    pub from: Option<String>,
}

/// The `Message-ID` of a delivery: `<delivery-id@baton>`, the same on every attempt.
pub fn message_id(delivery: &ClaimedDelivery) -> String {
    format!("<{}@baton>", delivery.delivery_id)
}

/// Builds the email of a delivery: the ticket for support, or the one message a
/// customer-audience row carries ([`super::reply`]).
pub fn message(smtp: &SmtpConfig, delivery: &ClaimedDelivery) -> Result<Message, String> {
    if delivery.audience == "customer"
        && let Some(reply) = &delivery.message
    {
        return super::reply::message(smtp, delivery, reply);
    }
    let ticket = &delivery.ticket;
    let transcript: Transcript = serde_json::from_str(&ticket.transcript_json)
        .map_err(|e| format!("the stored transcript is not valid: {e}"))?;
    let to: Mailbox = delivery
        .target
        .parse()
        .map_err(|e| format!("support address {:?}: {e}", delivery.target))?;
    let from: Mailbox = match &smtp.from {
        Some(from) => from
            .parse()
            .map_err(|e| format!("--smtp-from {from:?}: {e}"))?,
        None => to.clone(),
    };
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(match &delivery.message {
            Some(_) => render::message_subject(ticket),
            None => render::subject(ticket),
        })
        .message_id(Some(message_id(delivery)));
    // The customer's address passed a plausibility check; lettre's is stricter. If it refuses,
    // the mail still goes out (the address is in the body).
    match ticket.email.parse::<Mailbox>() {
        Ok(customer) => {
            let named = Mailbox::new(Some(ticket.name.clone()), customer.email);
            builder = builder.reply_to(named);
        }
        Err(e) => {
            tracing::warn!(reference = %ticket.reference, error = %e, "no Reply-To: the customer's address is not one lettre accepts")
        }
    }
    let body = match &delivery.message {
        Some(message) => MultiPart::alternative_plain_html(
            render::message_text(ticket, message),
            render::message_html(ticket, message),
        ),
        None => MultiPart::alternative_plain_html(
            render::text(ticket, &transcript),
            render::html(ticket, &transcript),
        ),
    };
    builder
        .multipart(body)
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// The "Still need help?" email of an unfinished handoff form: to the customer, from the
/// `--smtp-from` address (else the support address), `Reply-To` the support address, with a
/// `Message-ID` from the draft so a repeated attempt is recognisably the same message.
pub fn follow_up(
    smtp: &SmtpConfig,
    site_name: &str,
    support_email: &str,
    draft: &ClaimedDraft,
) -> Result<Message, String> {
    let support: Mailbox = support_email
        .parse()
        .map_err(|e| format!("support address {support_email:?}: {e}"))?;
    let from: Mailbox = match &smtp.from {
        Some(from) => from
            .parse()
            .map_err(|e| format!("--smtp-from {from:?}: {e}"))?,
        None => support.clone(),
    };
    let to: Mailbox = draft
        .email
        .parse()
        .map_err(|e| format!("customer address {:?}: {e}", draft.email))?;
    let to = Mailbox::new(Some(draft.name.clone()).filter(|n| !n.is_empty()), to.email);
    let from = Mailbox::new(Some(site_name.to_owned()), from.email);
    Message::builder()
        .from(from)
        .to(to)
        .reply_to(support)
        .subject(render::follow_up_subject(site_name))
        .message_id(Some(format!("<draft-{}@baton>", draft.id)))
        .multipart(MultiPart::alternative_plain_html(
            render::follow_up_text(site_name, draft),
            render::follow_up_html(site_name, draft),
        ))
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// Sends the delivery's email.
pub async fn send(
    smtp: &SmtpConfig,
    delivery: &ClaimedDelivery,
    timeout: Duration,
) -> Result<(), String> {
    send_message(smtp, message(smtp, delivery)?, timeout).await
}

/// Sends one email over the configured SMTP server.
pub async fn send_message(
    smtp: &SmtpConfig,
    email: Message,
    timeout: Duration,
) -> Result<(), String> {
    let builder = match smtp.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| format!("SMTP {}: {e}", smtp.host))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| format!("SMTP {}: {e}", smtp.host))?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(timeout));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    let transport = builder.build();
    tokio::time::timeout(timeout, transport.send(email))
        .await
        .map_err(|_| format!("SMTP {}:{}: timed out", smtp.host, smtp.port))?
        .map(|_| ())
        .map_err(|e| format!("SMTP {}:{}: {e}", smtp.host, smtp.port))
}
