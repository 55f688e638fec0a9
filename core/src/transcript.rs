//! The transcript: a typed, versioned record of what a customer did in the widget.
//!
//! The widget appends events as they happen and keeps the transcript across page navigations;
//! a handoff sends it to the server, which stores it with the ticket. Agents read it, starting
//! with [`Transcript::what_was_tried`], so the customer never has to repeat their story.
//!
//! Times are milliseconds since the Unix epoch, supplied by the caller.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::flow::{FlowRun, OutcomeKind, RecordedAnswer};

/// The current transcript format. Bump it when the meaning of a field changes. Version 2 added
/// the host context, the identity, clicked results, reading time, votes, comments and the
/// customer's message; version 1 transcripts still parse (the new parts are empty).
pub const TRANSCRIPT_VERSION: u32 = 2;

/// Longest text in any one field of a transcript (a query, a title, a URL, a comment), in
/// characters. Longer transcripts are refused, not cut, so nothing is silently lost.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Most keys the host context keeps; longer keys and values are cut (see [`host_context`]).
pub const MAX_CONTEXT_KEYS: usize = 50;
/// Longest context key kept, in characters.
pub const MAX_CONTEXT_KEY_CHARS: usize = 100;
/// Longest context value kept, in characters.
pub const MAX_CONTEXT_VALUE_CHARS: usize = 1_000;

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
    /// Facts the host page gave with `Baton.setContext`, such as `plan = "plus"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
    /// Who the host page says the customer is (`Baton.identify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default)]
    pub events: Vec<TranscriptEvent>,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript {
            version: TRANSCRIPT_VERSION,
            locale: None,
            context: BTreeMap::new(),
            identity: None,
            events: Vec::new(),
        }
    }
}

/// The customer as the host page identified them. `verified` is true only when the server
/// checked the host's signature; until then agents must treat the identity as a claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub verified: bool,
}

impl Identity {
    /// The identity from what the host page passed to `Baton.identify`: `id`, `name` and
    /// `email` as text (numbers are written out), anything else ignored. Never verified.
    pub fn from_host(value: &serde_json::Value) -> Option<Identity> {
        let field = |key: &str| {
            value
                .get(key)
                .and_then(scalar_text)
                .map(|s| cut(s.trim(), MAX_CONTEXT_VALUE_CHARS))
                .filter(|s| !s.is_empty())
        };
        let identity = Identity {
            id: field("id"),
            name: field("name"),
            email: field("email"),
            verified: false,
        };
        (identity != Identity::default()).then_some(identity)
    }
}

/// The host context from what the host page passed to `Baton.setContext`: text values kept,
/// numbers and booleans written out, nested values as JSON; at most [`MAX_CONTEXT_KEYS`] keys
/// (in key order), keys and values cut to their limits. Never fails: the handoff matters more.
pub fn host_context(value: &serde_json::Value) -> BTreeMap<String, String> {
    let Some(object) = value.as_object() else {
        return BTreeMap::new();
    };
    let mut sorted: Vec<(&String, &serde_json::Value)> = object.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .take(MAX_CONTEXT_KEYS)
        .map(|(k, v)| {
            let text = scalar_text(v).unwrap_or_else(|| v.to_string());
            (
                cut(k, MAX_CONTEXT_KEY_CHARS),
                cut(&text, MAX_CONTEXT_VALUE_CHARS),
            )
        })
        .collect()
}

fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
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
        /// Slugs of the results the customer opened from this search, in order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        clicked: Vec<String>,
    },
    /// The customer opened an article.
    ArticleOpened {
        at_ms: u64,
        slug: String,
        title: String,
        /// How long the article stayed open, once the customer left it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_ms: Option<u64>,
    },
    /// The customer answered "Was this helpful?" on an article.
    Vote {
        at_ms: u64,
        slug: String,
        helpful: bool,
    },
    /// The customer left a comment on an article.
    Comment {
        at_ms: u64,
        slug: String,
        text: String,
    },
    /// The customer's own words, as sent with the handoff.
    Message { at_ms: u64, text: String },
    /// The customer started a guided flow.
    FlowStarted {
        at_ms: u64,
        flow_id: String,
        title: String,
    },
    /// The customer answered a step of a flow (or passed a message, with no answer).
    FlowStep {
        at_ms: u64,
        flow_id: String,
        node_id: String,
        /// The text the step showed.
        prompt: String,
        /// The answer as the customer saw or typed it: a choice label, `yes`/`no`, the text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<String>,
    },
    /// A flow reached an outcome.
    FlowOutcome {
        at_ms: u64,
        flow_id: String,
        outcome: FlowOutcomeKind,
        /// `priority high, team connectivity` for a handoff, the slug for an article.
        #[serde(default)]
        detail: String,
        /// The host page's context the flow ran with, for the server to
        /// [`replay`](crate::flow::replay) the path.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        context: BTreeMap<String, String>,
        /// The answers on the path that led here, for the server to replay.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        path: Vec<RecordedAnswer>,
    },
}

/// How a flow ended, as recorded in the transcript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowOutcomeKind {
    Resolved,
    Handoff,
    Article,
}

impl FlowOutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowOutcomeKind::Resolved => "resolved",
            FlowOutcomeKind::Handoff => "handoff",
            FlowOutcomeKind::Article => "article",
        }
    }
}

impl TranscriptEvent {
    /// When the event happened, in milliseconds since the Unix epoch.
    pub fn at_ms(&self) -> u64 {
        match self {
            TranscriptEvent::PageView { at_ms, .. }
            | TranscriptEvent::Search { at_ms, .. }
            | TranscriptEvent::ArticleOpened { at_ms, .. }
            | TranscriptEvent::FlowStarted { at_ms, .. }
            | TranscriptEvent::FlowStep { at_ms, .. }
            | TranscriptEvent::FlowOutcome { at_ms, .. }
            | TranscriptEvent::Vote { at_ms, .. }
            | TranscriptEvent::Comment { at_ms, .. }
            | TranscriptEvent::Message { at_ms, .. } => *at_ms,
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
    pub fn record_search(
        &mut self,
        at_ms: u64,
        query: &str,
        result_count: u64,
        shown: &[ShownResult],
    ) {
        let query = query.trim();
        if query.is_empty() {
            return;
        }
        let event = TranscriptEvent::Search {
            at_ms,
            query: query.to_owned(),
            result_count,
            top_results: shown.iter().take(MAX_RESULTS_PER_SEARCH).cloned().collect(),
            clicked: Vec::new(),
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

    /// Records that an article was opened. When the last search showed it, that search notes
    /// the click.
    pub fn record_article(&mut self, at_ms: u64, slug: &str, title: &str) {
        let last_search = self.events.iter_mut().rev().find_map(|e| match e {
            TranscriptEvent::Search {
                top_results,
                clicked,
                ..
            } => Some((top_results, clicked)),
            _ => None,
        });
        if let Some((shown, clicked)) = last_search
            && shown.iter().any(|r| r.slug == slug)
            && !clicked.iter().any(|c| c == slug)
        {
            clicked.push(slug.to_owned());
        }
        self.push(TranscriptEvent::ArticleOpened {
            at_ms,
            slug: slug.to_owned(),
            title: title.to_owned(),
            read_ms: None,
        });
    }

    /// Records that the customer left the article `slug` (the last opening of it not yet
    /// closed), so the transcript knows how long it was open.
    pub fn record_article_closed(&mut self, at_ms: u64, slug: &str) {
        let open = self.events.iter_mut().rev().find_map(|e| match e {
            TranscriptEvent::ArticleOpened {
                at_ms: opened,
                slug: s,
                read_ms,
                ..
            } if s == slug && read_ms.is_none() => Some((*opened, read_ms)),
            _ => None,
        });
        if let Some((opened, read_ms)) = open {
            *read_ms = Some(at_ms.saturating_sub(opened));
        }
    }

    /// Records a "Was this helpful?" answer on an article.
    pub fn record_vote(&mut self, at_ms: u64, slug: &str, helpful: bool) {
        self.push(TranscriptEvent::Vote {
            at_ms,
            slug: slug.to_owned(),
            helpful,
        });
    }

    /// Records a comment left on an article.
    pub fn record_comment(&mut self, at_ms: u64, slug: &str, text: &str) {
        self.push(TranscriptEvent::Comment {
            at_ms,
            slug: slug.to_owned(),
            text: text.trim().to_owned(),
        });
    }

    /// Records the customer's own message (the server adds it when it stores a handoff).
    pub fn record_message(&mut self, at_ms: u64, text: &str) {
        self.push(TranscriptEvent::Message {
            at_ms,
            text: text.trim().to_owned(),
        });
    }

    /// Checks what a client cannot be trusted with: a known version, at most [`MAX_EVENTS`]
    /// events, no text longer than [`MAX_TEXT_CHARS`]. Answers the problem in words.
    pub fn check_limits(&self) -> Result<(), String> {
        if self.version == 0 || self.version > TRANSCRIPT_VERSION {
            return Err(format!(
                "transcript version {} is not supported (1 to {TRANSCRIPT_VERSION}).",
                self.version
            ));
        }
        if self.events.len() > MAX_EVENTS {
            return Err(format!(
                "a transcript can have at most {MAX_EVENTS} events, this one has {}.",
                self.events.len()
            ));
        }
        let mut too_long = None;
        let mut clone = self.clone();
        clone.map_texts(&mut |text: &str| {
            if too_long.is_none() && text.chars().count() > MAX_TEXT_CHARS {
                too_long = Some(text.chars().take(40).collect::<String>());
            }
            text.to_owned()
        });
        match too_long {
            Some(start) => Err(format!(
                "a text in the transcript is longer than {MAX_TEXT_CHARS} characters (it starts with '{start}')."
            )),
            None => Ok(()),
        }
    }

    /// Replaces every free text of the transcript (URLs, queries, titles, prompts, answers,
    /// comments, messages, context values, identity) with `f(text)`: the server redacts
    /// personal data this way before storing anything. Ids and slugs are left alone.
    pub fn map_texts(&mut self, f: &mut dyn FnMut(&str) -> String) {
        let mut apply = |s: &mut String| *s = f(s);
        for value in self.context.values_mut() {
            apply(value);
        }
        if let Some(identity) = &mut self.identity {
            for value in [&mut identity.id, &mut identity.name, &mut identity.email]
                .into_iter()
                .flatten()
            {
                apply(value);
            }
        }
        for event in &mut self.events {
            match event {
                TranscriptEvent::PageView { url, .. } => apply(url),
                TranscriptEvent::Search {
                    query, top_results, ..
                } => {
                    apply(query);
                    for r in top_results {
                        apply(&mut r.title);
                    }
                }
                TranscriptEvent::ArticleOpened { title, .. }
                | TranscriptEvent::FlowStarted { title, .. } => apply(title),
                TranscriptEvent::Vote { .. } => {}
                TranscriptEvent::Comment { text, .. } | TranscriptEvent::Message { text, .. } => {
                    apply(text)
                }
                TranscriptEvent::FlowStep { prompt, answer, .. } => {
                    apply(prompt);
                    if let Some(answer) = answer {
                        apply(answer);
                    }
                }
                TranscriptEvent::FlowOutcome {
                    detail, context, ..
                } => {
                    apply(detail);
                    for value in context.values_mut() {
                        apply(value);
                    }
                }
            }
        }
    }

    /// The priority of the last flow outcome that handed off (`normal`, `high`, `urgent`), if any.
    pub fn handoff_priority(&self) -> Option<&str> {
        self.events.iter().rev().find_map(|e| match e {
            TranscriptEvent::FlowOutcome {
                outcome: FlowOutcomeKind::Handoff,
                detail,
                ..
            } => detail
                .strip_prefix("priority ")
                .map(|rest| rest.split(',').next().unwrap_or(rest).trim()),
            _ => None,
        })
    }

    /// Records that a flow was started.
    pub fn record_flow_started(&mut self, at_ms: u64, flow_id: &str, title: &str) {
        self.push(TranscriptEvent::FlowStarted {
            at_ms,
            flow_id: flow_id.to_owned(),
            title: title.to_owned(),
        });
    }

    /// Records a step of a flow: the prompt shown and the answer as the customer saw it.
    pub fn record_flow_step(
        &mut self,
        at_ms: u64,
        flow_id: &str,
        node_id: &str,
        prompt: &str,
        answer: Option<&str>,
    ) {
        self.push(TranscriptEvent::FlowStep {
            at_ms,
            flow_id: flow_id.to_owned(),
            node_id: node_id.to_owned(),
            prompt: prompt.to_owned(),
            answer: answer.map(str::to_owned),
        });
    }

    /// Records the outcome a finished run reached, with the context and the answers that led
    /// there, so that the server can [`replay`](crate::flow::replay) it. Does nothing while the
    /// run is unfinished.
    pub fn record_flow_outcome(&mut self, at_ms: u64, run: &FlowRun) {
        let Some(outcome) = run.outcome() else {
            return;
        };
        let (kind, detail) = match &outcome.kind {
            OutcomeKind::Resolved { .. } => (FlowOutcomeKind::Resolved, String::new()),
            OutcomeKind::Handoff { priority, team, .. } => (
                FlowOutcomeKind::Handoff,
                format!("priority {}, team {team}", priority.as_str()),
            ),
            OutcomeKind::Article { slug, .. } => (FlowOutcomeKind::Article, slug.clone()),
        };
        self.push(TranscriptEvent::FlowOutcome {
            at_ms,
            flow_id: run.flow().id.clone(),
            outcome: kind,
            detail,
            context: run.context().clone(),
            path: run.recorded_answers(),
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
    /// results). Pages: /setup, /shop.` A guided flow reads as its answered prompts and its
    /// outcome: `ran 'Wi-Fi troubleshooting': Restarted hub? → still failing; Firmware? → 4.2
    /// → handoff, priority high, team connectivity`, or ends in `(not finished)`. The same
    /// transcript always gives the same text.
    pub fn what_was_tried(&self) -> String {
        let mut steps: Vec<String> = Vec::new();
        let mut pages: Vec<&str> = Vec::new();
        // The flow being summarized, and the index of its summary in `steps`.
        let mut open_flow: Option<(&str, usize)> = None;
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
                TranscriptEvent::ArticleOpened { title, read_ms, .. } => {
                    let opened = match read_ms {
                        Some(ms) => format!("opened '{title}' (read {})", duration_words(*ms)),
                        None => format!("opened '{title}'"),
                    };
                    match steps.last_mut() {
                        Some(last)
                            if last.starts_with("searched") || last.starts_with("opened") =>
                        {
                            last.push_str(", ");
                            last.push_str(&opened);
                        }
                        _ => steps.push(opened),
                    }
                }
                TranscriptEvent::Vote { helpful, .. } => {
                    let vote = if *helpful {
                        "voted helpful"
                    } else {
                        "voted not helpful"
                    };
                    match steps.last_mut() {
                        Some(last)
                            if last.starts_with("searched") || last.starts_with("opened") =>
                        {
                            last.push_str(", ");
                            last.push_str(vote);
                        }
                        _ => steps.push(vote.to_owned()),
                    }
                }
                TranscriptEvent::Comment { text, .. } => {
                    steps.push(format!("commented '{}'", short_prompt(text)));
                }
                TranscriptEvent::Message { .. } => {}
                TranscriptEvent::PageView { url, .. } => {
                    if !pages.contains(&url.as_str()) {
                        pages.push(url);
                    }
                }
                TranscriptEvent::FlowStarted { flow_id, title, .. } => {
                    close_flow(&mut steps, open_flow.take());
                    open_flow = Some((flow_id.as_str(), steps.len()));
                    steps.push(format!("ran '{title}':"));
                }
                TranscriptEvent::FlowStep {
                    flow_id,
                    prompt,
                    answer: Some(answer),
                    ..
                } => {
                    if let Some(summary) = open_summary(&mut steps, open_flow, flow_id) {
                        let sep = if summary.ends_with(':') { " " } else { "; " };
                        summary.push_str(&format!("{sep}{} → {answer}", short_prompt(prompt)));
                    }
                }
                TranscriptEvent::FlowStep { answer: None, .. } => {}
                TranscriptEvent::FlowOutcome {
                    flow_id,
                    outcome,
                    detail,
                    ..
                } => {
                    if let Some(summary) = open_summary(&mut steps, open_flow, flow_id) {
                        summary.push_str(if summary.ends_with(':') { " " } else { " → " });
                        summary.push_str(outcome.as_str());
                        if !detail.is_empty() {
                            summary.push_str(", ");
                            summary.push_str(detail);
                        }
                        open_flow = None;
                    }
                }
            }
        }
        close_flow(&mut steps, open_flow);
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

/// The summary of the flow still open, when `flow_id` is that flow.
fn open_summary<'s>(
    steps: &'s mut [String],
    open_flow: Option<(&str, usize)>,
    flow_id: &str,
) -> Option<&'s mut String> {
    match open_flow {
        Some((open_id, index)) if open_id == flow_id => steps.get_mut(index),
        _ => None,
    }
}

/// Marks a flow left without an outcome.
fn close_flow(steps: &mut [String], open_flow: Option<(&str, usize)>) {
    if let Some(summary) = open_flow.and_then(|(_, index)| steps.get_mut(index)) {
        if let Some(bare) = summary.strip_suffix(':') {
            *summary = format!("{bare} (not finished)");
        } else {
            summary.push_str(" (not finished)");
        }
    }
}

/// A reading time in words: `12 s`, `3 min`.
fn duration_words(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min", (seconds + 30) / 60)
    }
}

/// Longest prompt quoted in the summary, in characters.
const MAX_PROMPT_CHARS: usize = 60;

/// The first line of a prompt without Markdown emphasis, cut to [`MAX_PROMPT_CHARS`].
fn short_prompt(prompt: &str) -> String {
    let line = prompt
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .replace(['*', '`'], "");
    let line = line.trim();
    if line.chars().count() <= MAX_PROMPT_CHARS {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(MAX_PROMPT_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
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
        t.record_search(
            3,
            "router blinking red",
            3,
            &[shown("reset", "Reset your hub")],
        );
        t.record_article(4, "reset", "Reset your hub");
        t.record_search(5, "warranty claim", 0, &[]);
        t.record_page_view(6, "/support");
        assert_eq!(
            t.what_was_tried(),
            "Searched 'router blinking red' (3 results), opened 'Reset your hub'; \
             searched 'warranty claim' (no results). Pages: /setup, /support."
        );
    }

    /// A whole session: context, identity, searches with clicks, reading time, votes, a
    /// comment, a flow that hands off, and the customer's message.
    fn full_session() -> Transcript {
        let mut t = Transcript::new(Some("en".into()));
        t.context =
            host_context(&serde_json::json!({"plan": "plus", "order": "NB-1001", "seats": 3}));
        t.identity =
            Identity::from_host(&serde_json::json!({"id": 42, "name": "Ada", "hash": "x"}));
        t.record_page_view(1_000, "/setup");
        t.record_search(
            2_000,
            "router blinking red",
            3,
            &[
                shown("reset", "Reset your hub"),
                shown("leds", "LED colours"),
            ],
        );
        t.record_article(3_000, "reset", "Reset your hub");
        t.record_article_closed(48_000, "reset");
        t.record_vote(48_500, "reset", false);
        t.record_comment(49_000, "reset", "Step 3 does not match my hub");
        t.record_flow_started(50_000, "hub-connectivity", "Wi-Fi troubleshooting");
        t.record_flow_step(
            51_000,
            "hub-connectivity",
            "restart",
            "Restarted hub?",
            Some("still failing"),
        );
        t.record_flow_step(
            52_000,
            "hub-connectivity",
            "fw",
            "Firmware version?",
            Some("2.3"),
        );
        let handoff = "kind = \"handoff\"\npriority = \"high\"\nteam = \"connectivity\"";
        t.record_flow_outcome(53_000, &finished_run("hub-connectivity", handoff, &[]));
        t.record_search(60_000, "warranty claim", 0, &[]);
        t.record_page_view(61_000, "/support");
        t.record_message(62_000, "  My hub blinks red since the update.  ");
        t
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn what_was_tried_snapshot() {
        insta::assert_snapshot!(full_session().what_was_tried());
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn transcript_wire_format_snapshot() {
        insta::assert_json_snapshot!(full_session());
    }

    #[test]
    fn a_session_records_clicks_reading_time_votes_and_priority() {
        let t = full_session();
        let TranscriptEvent::Search { clicked, .. } = &t.events[1] else {
            panic!("search first");
        };
        assert_eq!(clicked, &["reset".to_owned()]);
        assert!(matches!(
            t.events[2],
            TranscriptEvent::ArticleOpened {
                read_ms: Some(45_000),
                ..
            }
        ));
        assert_eq!(t.handoff_priority(), Some("high"));
        assert_eq!(
            t.identity.as_ref().and_then(|i| i.id.as_deref()),
            Some("42")
        );
        assert!(!t.identity.as_ref().is_some_and(|i| i.verified));
        assert_eq!(t.context.get("seats").map(String::as_str), Some("3"));
        assert_eq!(t.check_limits(), Ok(()));
        // The same session always gives the same summary.
        assert_eq!(t.what_was_tried(), full_session().what_was_tried());
    }

    #[test]
    fn limits_refuse_oversize_and_unknown_transcripts() {
        let mut t = Transcript::default();
        t.record_search(1, &"x".repeat(MAX_TEXT_CHARS + 1), 0, &[]);
        assert!(t.check_limits().is_err_and(|e| e.contains("longer than")));
        let future = Transcript {
            version: TRANSCRIPT_VERSION + 1,
            ..Transcript::default()
        };
        assert!(future.check_limits().is_err());
        let many = Transcript {
            events: (0..=MAX_EVENTS as u64)
                .map(|i| TranscriptEvent::Vote {
                    at_ms: i,
                    slug: "a".into(),
                    helpful: true,
                })
                .collect(),
            ..Transcript::default()
        };
        assert!(many.check_limits().is_err());
    }

    #[test]
    fn map_texts_reaches_every_free_text() {
        let mut t = full_session();
        t.map_texts(&mut |_| "•".to_owned());
        let json = serde_json::to_string(&t).expect("json");
        for secret in [
            "Ada",
            "plus",
            "router",
            "Step 3",
            "blinks",
            "/setup",
            "still failing",
        ] {
            assert!(!json.contains(secret), "{secret} left in {json}");
        }
        assert!(json.contains("\"slug\":\"reset\""), "slugs stay: {json}");
    }

    #[test]
    fn version_1_transcripts_still_parse() {
        let old = serde_json::json!({"version": 1, "events": [
            {"type": "article_opened", "at_ms": 1, "slug": "a", "title": "A"}]});
        let t: Transcript = serde_json::from_value(old).expect("parses");
        assert_eq!(t.check_limits(), Ok(()));
        assert_eq!(t.what_was_tried(), "Opened 'A'.");
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
                "version": 2,
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

    /// A run of a one-question flow `id` that ends in the outcome node written in `outcome`.
    fn finished_run(id: &str, outcome: &str, context: &[(&str, &str)]) -> FlowRun {
        let toml = format!(
            "title = \"T\"\nstart = \"q\"\n[[nodes]]\nid = \"q\"\nkind = \"question\"\n\
             text = \"What?\"\n[[nodes.choices]]\nid = \"hub\"\nlabel = \"Hub\"\nnext = \"end\"\n\
             [[nodes]]\nid = \"end\"\n{outcome}\n"
        );
        let mut flow: crate::flow::Flow = toml::from_str(&toml).expect("test flow parses");
        flow.id = id.into();
        let context = context
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut run = FlowRun::start(&flow, &context).expect("starts");
        run.answer(crate::flow::Answer::Choice("hub".into()))
            .expect("answered");
        run
    }

    #[test]
    fn what_was_tried_tells_the_flow_path_and_outcome() {
        let mut t = Transcript::new(Some("en".into()));
        t.record_search(1, "wifi", 2, &[]);
        t.record_flow_started(2, "hub-connectivity", "Wi-Fi troubleshooting");
        t.record_flow_step(3, "hub-connectivity", "tip", "Read this first", None);
        t.record_flow_step(
            4,
            "hub-connectivity",
            "restart",
            "Restarted hub",
            Some("still failing"),
        );
        t.record_flow_step(
            5,
            "hub-connectivity",
            "fw",
            "**Firmware** version?",
            Some("4.2"),
        );
        let handoff = "kind = \"handoff\"\npriority = \"high\"\nteam = \"connectivity\"";
        t.record_flow_outcome(6, &finished_run("hub-connectivity", handoff, &[]));
        assert_eq!(
            t.what_was_tried(),
            "Searched 'wifi' (2 results); ran 'Wi-Fi troubleshooting': Restarted hub → still failing; \
             Firmware version? → 4.2 → handoff, priority high, team connectivity."
        );
    }

    #[test]
    fn an_unfinished_flow_says_so() {
        let mut t = Transcript::default();
        t.record_flow_started(1, "reset", "Reset");
        t.record_flow_started(2, "billing", "Billing");
        t.record_flow_step(3, "billing", "topic", "What about?", Some("Refund"));
        t.record_flow_step(4, "other", "x", "Not this flow", Some("ignored"));
        assert_eq!(
            t.what_was_tried(),
            "Ran 'Reset' (not finished); ran 'Billing': What about? → Refund (not finished)."
        );
        let mut t = Transcript::default();
        t.record_flow_started(1, "orders", "Orders");
        let article = "kind = \"article\"\narticle = \"track-your-order\"";
        t.record_flow_outcome(2, &finished_run("orders", article, &[]));
        assert_eq!(
            t.what_was_tried(),
            "Ran 'Orders': article, track-your-order."
        );
    }

    #[test]
    fn flow_events_have_a_stable_wire_format() {
        let mut t = Transcript::default();
        t.record_flow_started(1, "reset", "Reset");
        t.record_flow_step(2, "reset", "q", "What?", Some("Hub"));
        let run = finished_run("reset", "kind = \"resolved\"", &[("plan", "plus")]);
        t.record_flow_outcome(3, &run);
        let json = serde_json::to_value(&t.events).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!([
                {"type": "flow_started", "at_ms": 1, "flow_id": "reset", "title": "Reset"},
                {"type": "flow_step", "at_ms": 2, "flow_id": "reset", "node_id": "q",
                 "prompt": "What?", "answer": "Hub"},
                {"type": "flow_outcome", "at_ms": 3, "flow_id": "reset", "outcome": "resolved",
                 "detail": "", "context": {"plan": "plus"},
                 "path": [{"node_id": "q", "answer": {"type": "choice", "value": "hub"}}]}
            ])
        );
        let back: Vec<TranscriptEvent> = serde_json::from_value(json).expect("parse");
        assert_eq!(back, t.events);
    }

    #[test]
    fn a_recorded_flow_outcome_replays_to_the_same_outcome() {
        let mut t = Transcript::default();
        let run = finished_run("reset", "kind = \"resolved\"", &[("plan", "free")]);
        t.record_flow_outcome(1, &run);
        let Some(TranscriptEvent::FlowOutcome { context, path, .. }) = t.events.last() else {
            panic!("no outcome recorded");
        };
        let replayed = crate::flow::replay(run.flow(), context, path).expect("replays");
        assert_eq!(Some(&replayed), run.outcome());
    }
}
