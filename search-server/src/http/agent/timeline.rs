//! The transcript as agents read it in the ticket view: who the customer says they are (never
//! presented as verified unless it was), what the host page said, and a timeline of everything
//! they did, with the articles linked. Every text is escaped by maud.

use baton_core::transcript::{FlowOutcomeKind, Transcript, TranscriptEvent};
use maud::{Markup, html};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The link to an article as agents read it.
fn article_href(locale: &str, slug: &str) -> String {
    format!(
        "/agent/articles/{}/{}",
        super::session::encode(locale),
        super::session::encode(slug)
    )
}

/// `<time>` of a transcript instant (Unix ms): the clock time shown, the full instant in
/// `datetime`.
fn at(at_ms: u64) -> Markup {
    let instant = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000).ok();
    let full = instant
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    let clock = instant
        .and_then(|t| {
            t.format(format_description!("[hour]:[minute]:[second]"))
                .ok()
        })
        .unwrap_or_default();
    html! { time datetime=(full) { (clock) } }
}

/// The identity the host page gave, marked verified or not.
pub fn identity(transcript: &Transcript) -> Markup {
    html! {
        @if let Some(identity) = &transcript.identity {
            div.identity {
                dl {
                    @for (label, value) in [("Id", &identity.id), ("Name", &identity.name), ("Email", &identity.email)] {
                        @if let Some(value) = value {
                            div { dt { (label) } dd { (value) } }
                        }
                    }
                }
                @if identity.verified {
                    p.verified { span.badge.ok { "Verified" } " The site vouched for this identity." }
                } @else {
                    p.unverified {
                        span.badge.warn { "Not verified" }
                        " The host page said this, but nothing proves it: do not trust it for account changes."
                    }
                }
            }
        } @else {
            p { "The host page did not say who the customer is." }
        }
    }
}

/// What the host page passed with `Baton.setContext`.
pub fn context(transcript: &Transcript) -> Markup {
    html! {
        @if transcript.context.is_empty() {
            p { "The host page passed no context." }
        } @else {
            dl.context {
                @for (key, value) in &transcript.context {
                    div { dt { (key) } dd { (value) } }
                }
            }
        }
    }
}

/// Every event of the transcript, oldest first, as an ordered list.
pub fn timeline(transcript: &Transcript, locale: &str) -> Markup {
    html! {
        @if transcript.events.is_empty() {
            p { "The transcript is empty." }
        } @else {
            ol.timeline {
                @for event in &transcript.events {
                    li class={"event event-" (kind(event))} {
                        (at(event.at_ms()))
                        " "
                        (event_body(event, locale))
                    }
                }
            }
        }
    }
}

fn kind(event: &TranscriptEvent) -> &'static str {
    match event {
        TranscriptEvent::PageView { .. } => "page",
        TranscriptEvent::Search { .. } => "search",
        TranscriptEvent::ArticleOpened { .. } => "article",
        TranscriptEvent::Vote { .. } => "vote",
        TranscriptEvent::Comment { .. } => "comment",
        TranscriptEvent::Message { .. } => "message",
        TranscriptEvent::FlowStarted { .. } => "flow",
        TranscriptEvent::FlowStep { .. } => "step",
        TranscriptEvent::FlowOutcome { .. } => "outcome",
    }
}

fn event_body(event: &TranscriptEvent, locale: &str) -> Markup {
    match event {
        TranscriptEvent::PageView { url, .. } => html! {
            strong { "Page" } " " span.url { (url) }
        },
        TranscriptEvent::Search {
            query,
            result_count,
            top_results,
            clicked,
            ..
        } => html! {
            strong { "Searched" } " " q { (query) } " — " (result_count)
            (if *result_count == 1 { " result" } else { " results" })
            @if !top_results.is_empty() {
                ul.results {
                    @for result in top_results {
                        li {
                            a href=(article_href(locale, &result.slug)) { (result.title) }
                            @if clicked.contains(&result.slug) { " " span.badge { "opened" } }
                        }
                    }
                }
            }
        },
        TranscriptEvent::ArticleOpened {
            slug,
            title,
            read_ms,
            ..
        } => html! {
            strong { "Opened article" } " "
            a href=(article_href(locale, slug)) { (title) }
            @if let Some(ms) = read_ms { " (read for " (ms / 1000) " s)" }
        },
        TranscriptEvent::Vote { slug, helpful, .. } => html! {
            strong { "Voted" } " "
            (if *helpful { "helpful" } else { "not helpful" })
            " on " a href=(article_href(locale, slug)) { (slug) }
        },
        TranscriptEvent::Comment { slug, text, .. } => html! {
            strong { "Commented" } " on " a href=(article_href(locale, slug)) { (slug) }
            blockquote { (text) }
        },
        TranscriptEvent::Message { text, .. } => html! {
            strong { "Asked for help" }
            blockquote { (text) }
        },
        TranscriptEvent::FlowStarted { flow_id, title, .. } => html! {
            strong { "Started the guided flow" } " " q { (title) } " (" code { (flow_id) } ")"
        },
        TranscriptEvent::FlowStep { prompt, answer, .. } => html! {
            strong { "Flow step" } " " (prompt)
            @if let Some(answer) = answer { " → " strong.answer { (answer) } }
        },
        TranscriptEvent::FlowOutcome {
            outcome, detail, ..
        } => html! {
            strong { "Flow ended" } " "
            (outcome.as_str())
            @if *outcome != FlowOutcomeKind::Resolved && !detail.is_empty() { ": " (detail) }
        },
    }
}
