//! Emails to the customer that carry one message of their ticket's conversation (an agent's
//! reply): from the server's `--smtp-from` address, which is also where the customer's answer
//! goes, with the reference in the subject. The message is text; the HTML part escapes it.

use html_escape::encode_text as esc;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

use super::email::{SmtpConfig, message_id};
use super::render;
use crate::storage::{ClaimedDelivery, DeliveredMessage};

/// The email of a customer-audience row that delivers `reply`.
pub fn message(
    smtp: &SmtpConfig,
    delivery: &ClaimedDelivery,
    reply: &DeliveredMessage,
) -> Result<Message, String> {
    let ticket = &delivery.ticket;
    let from: Mailbox = smtp
        .from
        .as_deref()
        .ok_or("emails to customers need a sender address (--smtp-from)")?
        .parse()
        .map_err(|e| format!("--smtp-from: {e}"))?;
    let to: Mailbox = delivery
        .target
        .parse()
        .map_err(|e| format!("customer address {:?}: {e}", delivery.target))?;
    let to = Mailbox::new(Some(ticket.name.clone()), to.email);
    Message::builder()
        .from(from.clone())
        .reply_to(from)
        .to(to)
        .subject(format!("Re: {}", render::subject(ticket)))
        .message_id(Some(message_id(delivery)))
        .multipart(MultiPart::alternative_plain_html(
            text(delivery, reply),
            html(delivery, reply),
        ))
        .map_err(|e| format!("cannot build the email: {e}"))
}

fn who(reply: &DeliveredMessage) -> &str {
    reply.agent_name.as_deref().unwrap_or("Our support team")
}

/// The plain text: who answered, the answer, how to reply.
pub fn text(delivery: &ClaimedDelivery, reply: &DeliveredMessage) -> String {
    format!(
        "{} answered your request {}:\n\n{}\n\nReply to this email to answer.\n",
        who(reply),
        delivery.ticket.reference,
        reply.body
    )
}

/// The same as HTML, every text escaped.
pub fn html(delivery: &ClaimedDelivery, reply: &DeliveredMessage) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\">\
         <p>{} answered your request {}:</p>\
         <p style=\"white-space:pre-wrap\">{}</p>\
         <p>Reply to this email to answer.</p></body></html>",
        esc(who(reply)),
        esc(delivery.ticket.reference.as_str()),
        esc(&reply.body)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::email::SmtpSecurity;
    use crate::storage::{DeliveryKind, StoredTicket};

    fn delivery(body: &str) -> (ClaimedDelivery, DeliveredMessage) {
        let reply = DeliveredMessage {
            id: 1,
            author: "agent".into(),
            body: body.to_owned(),
            agent_name: Some("<i>Sam</i>".into()),
            created_at: "2026-12-04T10:00:00Z".into(),
        };
        let ticket = StoredTicket {
            reference: "K7QM-4XRT".parse().expect("reference"),
            site: "demo".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            message: "My hub blinks red".into(),
            locale: "en".into(),
            transcript_json: "{}".into(),
            summary: String::new(),
            created_at: "2026-12-04T09:00:00Z".into(),
            urgency: None,
            reply_by: None,
        };
        let delivery = ClaimedDelivery {
            id: 1,
            kind: DeliveryKind::Email,
            target: "ada@example.com".into(),
            delivery_id: "K7QM-4XRT.reply.7".into(),
            attempt: 1,
            ticket,
            audience: "customer".into(),
            message: Some(reply.clone()),
        };
        (delivery, reply)
    }

    fn smtp(from: Option<&str>) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: from.map(str::to_owned),
        }
    }

    #[test]
    fn a_reply_goes_to_the_customer_from_the_sender_address_with_the_reference() {
        let (delivery, reply) = delivery("Please hold the reset button for 10 s.");
        let email = message(&smtp(Some("help@example.com")), &delivery, &reply).expect("builds");
        let raw = String::from_utf8(email.formatted()).expect("utf-8");
        assert!(raw.contains("To: Ada <ada@example.com>"), "{raw}");
        assert!(raw.contains("From: help@example.com"), "{raw}");
        assert!(raw.contains("Reply-To: help@example.com"), "{raw}");
        assert!(
            raw.contains("Subject: Re: [K7QM-4XRT] My hub blinks red"),
            "{raw}"
        );
        assert!(raw.contains("<K7QM-4XRT.reply.7@baton>"), "{raw}");
    }

    #[test]
    fn without_a_sender_address_the_attempt_fails_with_a_clear_error() {
        let (delivery, reply) = delivery("hi");
        let error = message(&smtp(None), &delivery, &reply).expect_err("no sender");
        assert!(error.contains("--smtp-from"), "{error}");
    }

    #[test]
    fn the_reply_is_text_in_the_html_part() {
        let (delivery, reply) = delivery("<script>alert(1)</script> & <b>bold</b>");
        let html = html(&delivery, &reply);
        assert!(
            !html.contains("<script") && !html.contains("<b>") && !html.contains("<i>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;")
        );
        assert!(text(&delivery, &reply).contains("<script>alert(1)</script> & <b>bold</b>"));
    }
}
