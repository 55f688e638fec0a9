//! The transcript: a typed, versioned record of what a customer did in the widget.
//!
//! The widget appends events as they happen and keeps the transcript across page navigations;
//! a handoff sends it to the server, which stores it with the ticket. Agents read it, starting
//! with [`Transcript::what_was_tried`], so the customer never has to repeat their story.
//!
//! Times are milliseconds since the Unix epoch, supplied by the caller.

use serde::{Deserialize, Serialize};

/// The current transcript format. Bump it when the meaning of a field changes.
pub const TRANSCRIPT_VERSION: u32 = 1;

/// Most events a transcript keeps; older events are dropped first when it is full.
pub const MAX_EVENTS: usize = 500;

/// How many results of a search the transcript remembers.
pub const MAX_RESULTS_PER_SEARCH: usize = 5;

/// The record of one customer session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub version: u32,
    /// The locale the customer used the widget in, such as `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default)]
    pub events: Vec<TranscriptEvent>,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript {
            version: TRANSCRIPT_VERSION,
            locale: None,
            events: Vec::new(),
        }
    }
}

/// A result that was shown to the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownResult {
    pub slug: String,
    pub title: String,
}

/// One thing the customer did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TranscriptEvent {
    /// The customer was on this page of the host site.
    PageView { at_ms: u64, url: String },
    /// The customer searched; `top_results` are the first results shown, best first.
    Search {
        at_ms: u64,
        query: String,
        result_count: u64,
        #[serde(default)]
        top_results: Vec<ShownResult>,
    },
    /// The customer opened an article.
    ArticleOpened {
        at_ms: u64,
        slug: String,
        title: String,
    },
}

impl TranscriptEvent {
    /// When the event happened, in milliseconds since the Unix epoch.
    pub fn at_ms(&self) -> u64 {
        match self {
            TranscriptEvent::PageView { at_ms, .. }
            | TranscriptEvent::Search { at_ms, .. }
            | TranscriptEvent::ArticleOpened { at_ms, .. } => *at_ms,
        }
    }
}

impl Transcript {
    /// An empty transcript in the current format.
    pub fn new(locale: Option<String>) -> Self {
        Transcript {
            locale,
            ..Transcript::default()
        }
    }

    /// Appends an event, dropping the oldest once [`MAX_EVENTS`] is reached.
    pub fn push(&mut self, event: TranscriptEvent) {
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(event);
    }

    /// Records a page view unless it repeats the page recorded last.
    pub fn record_page_view(&mut self, at_ms: u64, url: &str) {
        let repeat = self.events.iter().rev().find_map(|e| match e {
            TranscriptEvent::PageView { url: last, .. } => Some(last == url),
            _ => None,
        });
        if repeat != Some(true) {
            self.push(TranscriptEvent::PageView {
                at_ms,
                url: url.to_owned(),
            });
        }
    }

    /// Records a search. Searching as you type produces a search per pause; when the new query
    /// only extends or trims the search recorded just before it, that search is replaced, so
    /// the transcript keeps what the customer meant ("router red"), not every keystroke.
    pub fn record_search(&mut self, at_ms: u64, query: &str, result_count: u64, shown: &[ShownResult]) {
        let query = query.trim();
        if query.is_empty() {
            return;
        }
        let event = TranscriptEvent::Search {
            at_ms,
            query: query.to_owned(),
            result_count,
            top_results: shown.iter().take(MAX_RESULTS_PER_SEARCH).cloned().collect(),
        };
        if let Some(TranscriptEvent::Search { query: last, .. }) = self.events.last() {
            let last = last.to_lowercase();
            let new = query.to_lowercase();
            if new.starts_with(&last) || last.starts_with(&new) {
                if let Some(slot) = self.events.last_mut() {
                    *slot = event;
                }
                return;
            }
        }
        self.push(event);
    }

    /// Records that an article was opened.
    pub fn record_article(&mut self, at_ms: u64, slug: &str, title: &str) {
        self.push(TranscriptEvent::ArticleOpened {
            at_ms,
            slug: slug.to_owned(),
            title: title.to_owned(),
        });
    }

    /// The searches made, in order.
    pub fn searches(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|e| match e {
            TranscriptEvent::Search { query, .. } => Some(query.as_str()),
            _ => None,
        })
    }

    /// The slugs of the articles opened, in order.
    pub fn articles_opened(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|e| match e {
            TranscriptEvent::ArticleOpened { slug, .. } => Some(slug.as_str()),
            _ => None,
        })
    }

    /// A short, deterministic account of what the customer already tried, for agents:
    /// `Searched 'router red' (3 results), opened 'Reset your hub'; searched 'refund' (no
    /// results). Pages: /setup, /shop.` The same transcript always gives the same text.
    pub fn what_was_tried(&self) -> String {
        let mut steps: Vec<String> = Vec::new();
        let mut pages: Vec<&str> = Vec::new();
        for event in &self.events {
            match event {
                TranscriptEvent::Search {
                    query,
                    result_count,
                    ..
                } => {
                    let results = match result_count {
                        0 => "no results".to_owned(),
                        1 => "1 result".to_owned(),
                        n => format!("{n} results"),
                    };
                    steps.push(format!("searched '{query}' ({results})"));
                }
                TranscriptEvent::ArticleOpened { title, .. } => {
                    let opened = format!("opened '{title}'");
                    match steps.last_mut() {
                        Some(last) if last.starts_with("searched") || last.starts_with("opened") => {
                            last.push_str(", ");
                            last.push_str(&opened);
                        }
                        _ => steps.push(opened),
                    }
                }
                TranscriptEvent::PageView { url, .. } => {
                    if !pages.contains(&url.as_str()) {
                        pages.push(url);
                    }
                }
            }
        }
        let mut out = if steps.is_empty() {
            "Nothing tried in the widget before asking for help.".to_owned()
        } else {
            let mut s = steps.join("; ");
            if let Some(first) = s.get(..1) {
                let upper = first.to_uppercase();
                s.replace_range(..1, &upper);
            }
            s.push('.');
            s
        };
        if !pages.is_empty() {
            out.push_str(" Pages: ");
            out.push_str(&pages.join(", "));
            out.push('.');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn shown(slug: &str, title: &str) -> ShownResult {
        ShownResult {
            slug: slug.into(),
            title: title.into(),
        }
    }

    #[test]
    fn typing_a_query_keeps_only_what_the_customer_meant() {
        let mut t = Transcript::new(Some("en".into()));
        t.record_search(1, "rou", 4, &[]);
        t.record_search(2, "router", 3, &[]);
        t.record_search(3, "router red", 2, &[shown("led-colours", "LED colours")]);
        t.record_search(4, "refund", 1, &[]);
        assert_eq!(t.searches().collect::<Vec<_>>(), ["router red", "refund"]);
    }

    #[test]
    fn what_was_tried_reads_like_a_sentence() {
        let mut t = Transcript::new(Some("en".into()));
        t.record_page_view(1, "/setup");
        t.record_page_view(2, "/setup");
        t.record_search(3, "router blinking red", 3, &[shown("reset", "Reset your hub")]);
        t.record_article(4, "reset", "Reset your hub");
        t.record_search(5, "warranty claim", 0, &[]);
        t.record_page_view(6, "/support");
        assert_eq!(
            t.what_was_tried(),
            "Searched 'router blinking red' (3 results), opened 'Reset your hub'; \
             searched 'warranty claim' (no results). Pages: /setup, /support."
        );
    }

    #[test]
    fn an_empty_transcript_says_so() {
        assert_eq!(
            Transcript::default().what_was_tried(),
            "Nothing tried in the widget before asking for help."
        );
    }

    #[test]
    fn the_oldest_events_go_first_when_full() {
        let mut t = Transcript::default();
        for i in 0..(MAX_EVENTS as u64 + 10) {
            t.record_article(i, "a", "A");
        }
        assert_eq!(t.events.len(), MAX_EVENTS);
        assert_eq!(t.events[0].at_ms(), 10);
    }

    #[test]
    fn wire_format_is_tagged_and_versioned() {
        let mut t = Transcript::new(Some("en".into()));
        t.record_page_view(7, "/");
        t.record_search(8, "reset", 1, &[shown("reset", "Reset")]);
        let json = serde_json::to_value(&t).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({
                "version": 1,
                "locale": "en",
                "events": [
                    {"type": "page_view", "at_ms": 7, "url": "/"},
                    {"type": "search", "at_ms": 8, "query": "reset", "result_count": 1,
                     "top_results": [{"slug": "reset", "title": "Reset"}]}
                ]
            })
        );
        let back: Transcript = serde_json::from_value(json).expect("parse");
        assert_eq!(back, t);
    }
}
