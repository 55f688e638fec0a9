//! The ticket as agents read it: the summary first, then the message, the context and the
//! whole transcript, as plain text and as HTML. Every text that came from a customer or a host
//! page is escaped in the HTML; nothing from them is ever markup.

use baton_core::transcript::{FlowOutcomeKind, Transcript, TranscriptEvent};
use html_escape::encode_text as esc;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::storage::{ClaimedDraft, DeliveredMessage, StoredTicket};

/// One line of the transcript: when (UTC, `HH:MM:SS`), what, and the details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub at: String,
    pub what: &'static str,
    pub text: String,
}

/// The transcript as lines, oldest first.
pub fn lines(transcript: &Transcript) -> Vec<Line> {
    transcript
        .events
        .iter()
        .map(|event| {
            let (what, text) = match event {
                TranscriptEvent::PageView { url, .. } => ("page", url.clone()),
                TranscriptEvent::Search {
                    query,
                    result_count,
                    top_results,
                    clicked,
                    ..
                } => {
                    let shown: Vec<String> = top_results
                        .iter()
                        .map(|r| {
                            let mark = if clicked.contains(&r.slug) {
                                " (opened)"
                            } else {
                                ""
                            };
                            format!("'{}'{mark}", r.title)
                        })
                        .collect();
                    let shown = if shown.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", shown.join(", "))
                    };
                    (
                        "search",
                        format!("'{query}', {result_count} results{shown}"),
                    )
                }
                TranscriptEvent::ArticleOpened {
                    title,
                    slug,
                    read_ms,
                    ..
                } => {
                    let read = read_ms
                        .map(|ms| format!(", open {} s", ms / 1000))
                        .unwrap_or_default();
                    ("article", format!("'{title}' ({slug}{read})"))
                }
                TranscriptEvent::Vote { slug, helpful, .. } => (
                    "vote",
                    format!(
                        "{slug}: {}",
                        if *helpful { "helpful" } else { "not helpful" }
                    ),
                ),
                TranscriptEvent::Comment { slug, text, .. } => {
                    ("comment", format!("{slug}: {text}"))
                }
                TranscriptEvent::Message { text, .. } => ("message", text.clone()),
                TranscriptEvent::FlowStarted { title, flow_id, .. } => {
                    ("flow", format!("started '{title}' ({flow_id})"))
                }
                TranscriptEvent::FlowStep { prompt, answer, .. } => (
                    "step",
                    match answer {
                        Some(a) => format!("{prompt} → {a}"),
                        None => prompt.clone(),
                    },
                ),
                TranscriptEvent::FlowOutcome {
                    outcome, detail, ..
                } => (
                    "outcome",
                    match outcome {
                        FlowOutcomeKind::Resolved => "resolved".to_owned(),
                        _ => format!("{} {detail}", outcome.as_str()),
                    },
                ),
            };
            Line {
                at: clock(event.at_ms()),
                what,
                text,
            }
        })
        .collect()
}

fn clock(at_ms: u64) -> String {
    let nanos = i128::from(at_ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(format_description!("[hour]:[minute]:[second]"))
                .ok()
        })
        .unwrap_or_default()
}

/// The header lines shared by both renderings: `(label, value)`.
fn facts(ticket: &StoredTicket, transcript: &Transcript) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        ("Reference", ticket.reference.to_string()),
        ("From", format!("{} <{}>", ticket.name, ticket.email)),
    ];
    if let Some(identity) = &transcript.identity {
        let mut who: Vec<String> = Vec::new();
        for (label, value) in [
            ("id", &identity.id),
            ("name", &identity.name),
            ("email", &identity.email),
        ] {
            if let Some(v) = value {
                who.push(format!("{label} {v}"));
            }
        }
        let verified = if identity.verified {
            "verified"
        } else {
            "not verified"
        };
        facts.push(("Signed in as", format!("{} ({verified})", who.join(", "))));
    }
    if let Some(urgency) = &ticket.urgency {
        facts.push(("Urgency", urgency.clone()));
    }
    if let Some(reply_by) = &ticket.reply_by {
        facts.push(("Reply by", format!("{reply_by} (UTC)")));
    }
    facts.push(("Received", ticket.created_at.clone()));
    facts.push(("Locale", ticket.locale.clone()));
    facts
}

/// The email's subject: the reference and the start of the message's first line.
pub fn subject(ticket: &StoredTicket) -> String {
    let first = ticket
        .message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    let mut short: String = first.chars().take(80).collect();
    if first.chars().count() > 80 {
        short.push('…');
    }
    format!("[{}] {short}", ticket.reference)
}

/// The plain text: summary, facts, message, context, transcript.
pub fn text(ticket: &StoredTicket, transcript: &Transcript) -> String {
    let mut out = String::new();
    out.push_str("What was tried:\n");
    out.push_str(&ticket.summary);
    out.push_str("\n\n");
    for (label, value) in facts(ticket, transcript) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push_str("\nMessage:\n");
    out.push_str(&ticket.message);
    out.push('\n');
    if !transcript.context.is_empty() {
        out.push_str("\nContext from the page:\n");
        for (k, v) in &transcript.context {
            out.push_str(&format!("  {k}: {v}\n"));
        }
    }
    out.push_str("\nTranscript (UTC):\n");
    for line in lines(transcript) {
        out.push_str(&format!("  {} {:<8} {}\n", line.at, line.what, line.text));
    }
    out.push_str("\nReply to this email to answer the customer.\n");
    out
}

/// The HTML: the same content, every customer text escaped.
pub fn html(ticket: &StoredTicket, transcript: &Transcript) -> String {
    let mut out = String::from(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\">",
    );
    out.push_str("<h2 style=\"margin:0 0 .5em\">What was tried</h2><p>");
    out.push_str(&esc(&ticket.summary));
    out.push_str("</p><table>");
    for (label, value) in facts(ticket, transcript) {
        out.push_str(&format!(
            "<tr><th align=\"left\" style=\"padding-right:1em\">{label}</th><td>{}</td></tr>",
            esc(&value)
        ));
    }
    out.push_str("</table><h3>Message</h3><p style=\"white-space:pre-wrap\">");
    out.push_str(&esc(&ticket.message));
    out.push_str("</p>");
    if !transcript.context.is_empty() {
        out.push_str("<h3>Context from the page</h3><table>");
        for (k, v) in &transcript.context {
            out.push_str(&format!(
                "<tr><th align=\"left\" style=\"padding-right:1em\">{}</th><td>{}</td></tr>",
                esc(k),
                esc(v)
            ));
        }
        out.push_str("</table>");
    }
    out.push_str("<h3>Transcript (UTC)</h3><table>");
    for line in lines(transcript) {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            line.at,
            line.what,
            esc(&line.text)
        ));
    }
    out.push_str("</table><p>Reply to this email to answer the customer.</p></body></html>");
    out
}

/// The subject of a customer's follow-up message: `New message on REF`.
pub fn message_subject(ticket: &StoredTicket) -> String {
    format!("New message on {}", ticket.reference)
}

/// A customer's follow-up message as plain text: who, which ticket, the message.
pub fn message_text(ticket: &StoredTicket, message: &DeliveredMessage) -> String {
    format!(
        "New message from {} <{}> on {} (received {}):\n\n{}\n\n\
         The first message and the transcript are in the email of {}.\n\
         Reply to this email to answer the customer.\n",
        ticket.name,
        ticket.email,
        ticket.reference,
        message.created_at,
        message.body,
        ticket.reference
    )
}

/// A customer's follow-up message as HTML, every customer text escaped.
pub fn message_html(ticket: &StoredTicket, message: &DeliveredMessage) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\">\
         <p>New message from {} &lt;{}&gt; on <strong>{}</strong> (received {}):</p>\
         <p style=\"white-space:pre-wrap\">{}</p>\
         <p>The first message and the transcript are in the email of {}. \
         Reply to this email to answer the customer.</p></body></html>",
        esc(&ticket.name),
        esc(&ticket.email),
        ticket.reference,
        esc(&message.created_at),
        esc(&message.body),
        ticket.reference
    )
}

/// The subject of the follow-up of an unfinished handoff form.
pub fn follow_up_subject(site_name: &str) -> String {
    format!("Still need help? – {site_name}")
}

/// The follow-up of an unfinished handoff form as plain text, quoting what was typed.
pub fn follow_up_text(site_name: &str, draft: &ClaimedDraft) -> String {
    let mut out = format!(
        "Hello{},\n\nyou started asking {site_name} for help but did not send it.",
        greeting_name(&draft.name)
    );
    if !draft.message.is_empty() {
        out.push_str(" You wrote:\n\n");
        for line in draft.message.lines() {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    } else {
        out.push('\n');
    }
    out.push_str(
        "\nIf you still need help, open the help panel on our site again and send your request; \
         it is kept for a day. If the problem is solved, there is nothing to do.\n\n",
    );
    out.push_str(site_name);
    out.push('\n');
    out
}

/// The follow-up as HTML, every typed text escaped.
pub fn follow_up_html(site_name: &str, draft: &ClaimedDraft) -> String {
    let mut out = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\">\
         <p>Hello{},</p><p>you started asking {} for help but did not send it.",
        esc(&greeting_name(&draft.name)),
        esc(site_name)
    );
    if !draft.message.is_empty() {
        out.push_str(" You wrote:</p><blockquote style=\"white-space:pre-wrap\">");
        out.push_str(&esc(&draft.message));
        out.push_str("</blockquote>");
    } else {
        out.push_str("</p>");
    }
    out.push_str(&format!(
        "<p>If you still need help, open the help panel on our site again and send your \
         request; it is kept for a day. If the problem is solved, there is nothing to do.</p>\
         <p>{}</p></body></html>",
        esc(site_name)
    ));
    out
}

fn greeting_name(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" {name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(message: &str, transcript: &Transcript) -> StoredTicket {
        StoredTicket {
            reference: "K7QM-4XRT".parse().expect("reference"),
            site: "demo".into(),
            name: "<b>Ada</b>".into(),
            email: "ada@example.com".into(),
            message: message.into(),
            locale: "en".into(),
            transcript_json: serde_json::to_string(transcript).expect("json"),
            summary: transcript.what_was_tried(),
            created_at: "2026-11-26T10:00:00Z".into(),
            urgency: Some("high".into()),
            reply_by: Some("2026-11-26T14:00:00Z".into()),
        }
    }

    #[test]
    fn customer_text_is_escaped_in_html_and_kept_in_text() {
        let mut t = Transcript::default();
        t.record_search(1, "<script>alert(1)</script>", 0, &[]);
        t.context
            .insert("<img src=x>".into(), "\"><svg onload=alert(1)>".into());
        let ticket = ticket("<script>alert('x')</script> & more", &t);
        let html = html(&ticket, &t);
        for raw in ["<script", "<img", "<svg", "<b>Ada"] {
            assert!(!html.contains(raw), "{raw} unescaped in {html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; more"),
            "{html}"
        );
        let text = text(&ticket, &t);
        assert!(
            text.starts_with("What was tried:\nSearched '<script>alert(1)</script>'"),
            "{text}"
        );
        assert!(text.contains("<script>alert('x')</script> & more"));
        assert_eq!(
            subject(&ticket),
            "[K7QM-4XRT] <script>alert('x')</script> & more"
        );
    }

    #[test]
    fn follow_ups_quote_the_draft_and_escape_it_in_html() {
        let draft = ClaimedDraft {
            id: "d1".into(),
            site: "demo".into(),
            name: "<b>Ada</b>".into(),
            email: "ada@example.com".into(),
            message: "line one\n<script>x</script>".into(),
            locale: "en".into(),
            attempt: 1,
        };
        let text = follow_up_text("Nimbus", &draft);
        assert!(
            text.contains("> line one\n> <script>x</script>\n"),
            "{text}"
        );
        let html = follow_up_html("Nimbus", &draft);
        assert!(
            !html.contains("<script") && !html.contains("<b>Ada"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
    }

    #[test]
    fn a_customer_message_is_escaped_in_html() {
        let t = Transcript::default();
        let ticket = ticket("first", &t);
        let message = DeliveredMessage {
            id: 3,
            author: "customer".into(),
            body: "<img src=x onerror=alert(1)> still broken".into(),
            agent_name: None,
            created_at: "2026-11-26T11:00:00Z".into(),
        };
        assert_eq!(message_subject(&ticket), "New message on K7QM-4XRT");
        let html = message_html(&ticket, &message);
        assert!(!html.contains("<img") && !html.contains("<b>Ada"), "{html}");
        assert!(
            message_text(&ticket, &message).contains("<img src=x onerror=alert(1)> still broken")
        );
    }
}
