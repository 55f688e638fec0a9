//! The ticket as agents read it: the summary first, then the message, the context and the
//! whole transcript, as plain text and as HTML. Every text that came from a customer or a host
//! page is escaped in the HTML; nothing from them is ever markup.

use baton_core::transcript::{FlowOutcomeKind, Transcript, TranscriptEvent};
use html_escape::encode_text as esc;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::storage::StoredTicket;

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
}
