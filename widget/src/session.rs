//! What the widget remembers while the customer moves around the host site: the transcript,
//! whether the panel was open, which view it showed, the query and the handoff draft. Kept in
//! `sessionStorage` under keys namespaced by site (`baton:<site>:<name>`), so two widgets on one
//! origin never mix, and no cookie is ever set.
//!
//! Values are plain strings; the transcript is JSON handled by the browser (`JSON.parse` and
//! `JSON.stringify`), so restoring it costs the wasm no deserializer. Events from earlier pages
//! stay JavaScript objects ([`Journal::earlier`]); only this page's events live in a
//! [`Transcript`], which records them with `baton-core`'s rules.

use std::collections::BTreeMap;

use baton_core::Transcript;
use baton_core::flow::{Answer, RecordedAnswer};
use baton_core::transcript::{MAX_EVENTS, TranscriptEvent};
use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::http::{list, text};

/// What the panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    Search,
    Article(String),
    Handoff,
    /// A guided flow, by id.
    Flow(String),
    /// The customer's conversation after a handoff.
    Conversation,
}

impl Screen {
    /// `search`, `handoff`, `conversation`, `article:<slug>` or `flow:<id>`.
    pub fn encode(&self) -> String {
        match self {
            Screen::Search => "search".into(),
            Screen::Handoff => "handoff".into(),
            Screen::Conversation => "conversation".into(),
            Screen::Article(slug) => String::from("article:") + slug,
            Screen::Flow(id) => String::from("flow:") + id,
        }
    }

    pub fn decode(text: &str) -> Screen {
        match text {
            "handoff" => Screen::Handoff,
            "conversation" => Screen::Conversation,
            _ => match text.strip_prefix("article:") {
                Some(slug) if !slug.is_empty() => Screen::Article(slug.to_owned()),
                _ => match text.strip_prefix("flow:") {
                    Some(id) if !id.is_empty() => Screen::Flow(id.to_owned()),
                    _ => Screen::Search,
                },
            },
        }
    }
}

/// The per-site slice of `sessionStorage`. Storage can be missing or full (private modes,
/// quotas); then the widget simply forgets, it never fails.
#[derive(Clone, Debug)]
pub struct SessionStore {
    prefix: String,
}

impl SessionStore {
    pub fn new(site: &str) -> Self {
        SessionStore {
            prefix: String::from("baton:") + site + ":",
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        storage()?.get_item(&(self.prefix.clone() + name)).ok()?
    }

    pub fn set(&self, name: &str, value: &str) {
        if let Some(storage) = storage() {
            _ = storage.set_item(&(self.prefix.clone() + name), value);
        }
    }

    /// A JSON value saved with [`SessionStore::set_json`], `undefined` when there is none.
    pub fn get_json(&self, name: &str) -> JsValue {
        self.get(name)
            .and_then(|t| JSON::parse(&t).ok())
            .unwrap_or(JsValue::UNDEFINED)
    }

    pub fn set_json(&self, name: &str, value: &JsValue) {
        if let Some(json) = JSON::stringify(value).ok().and_then(|s| s.as_string()) {
            self.set(name, &json);
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The transcript of the whole visit: events of earlier pages, as restored, and this page's.
#[derive(Clone, Debug)]
pub struct Journal {
    /// Events recorded on earlier pages, as JavaScript objects, oldest first.
    pub earlier: Array,
}

impl Journal {
    /// The events saved by earlier pages of this visit.
    pub fn restore(store: &SessionStore) -> Journal {
        Journal {
            earlier: list(&store.get_json("transcript"), "events"),
        }
    }

    /// The URL of the last page view recorded on earlier pages, if any.
    pub fn last_page(&self) -> Option<String> {
        self.earlier
            .iter()
            .rev()
            .find(|e| text(e, "type") == "page_view")
            .map(|e| text(&e, "url"))
    }

    /// The whole transcript as a JavaScript object in the wire format of
    /// [`baton_core::Transcript`]: earlier events, then `current`'s, at most [`MAX_EVENTS`].
    pub fn to_js(&self, current: &Transcript) -> JsValue {
        let object = Object::new();
        set(&object, "version", current.version.into());
        if let Some(locale) = &current.locale {
            set(&object, "locale", locale.as_str().into());
        }
        let events: Array = current.events.iter().map(event_to_js).collect();
        let events = self.earlier.concat(&events);
        let excess = events.length().saturating_sub(MAX_EVENTS as u32);
        set(
            &object,
            "events",
            events.slice(excess, events.length()).into(),
        );
        object.into()
    }
}

pub fn set(object: &Object, key: &str, value: JsValue) {
    _ = Reflect::set(object, &key.into(), &value);
}

/// One event as the JSON serde makes of [`TranscriptEvent`] (`type` tag, snake_case), built as
/// a JavaScript object: serde_json's serializer costs the wasm more than these few lines.
fn event_to_js(event: &TranscriptEvent) -> JsValue {
    let o = Object::new();
    let text = |key: &str, value: &str| set(&o, key, value.into());
    let (kind, at_ms) = match event {
        TranscriptEvent::PageView { at_ms, url } => {
            text("url", url);
            ("page_view", at_ms)
        }
        TranscriptEvent::Search {
            at_ms,
            query,
            result_count,
            top_results,
            clicked,
        } => {
            text("query", query);
            set(&o, "result_count", (*result_count as f64).into());
            let shown: Array = top_results
                .iter()
                .map(|r| {
                    let item = Object::new();
                    set(&item, "slug", r.slug.as_str().into());
                    set(&item, "title", r.title.as_str().into());
                    JsValue::from(item)
                })
                .collect();
            set(&o, "top_results", shown.into());
            if !clicked.is_empty() {
                let slugs: Array = clicked.iter().map(|s| JsValue::from(s.as_str())).collect();
                set(&o, "clicked", slugs.into());
            }
            ("search", at_ms)
        }
        TranscriptEvent::ArticleOpened {
            at_ms,
            slug,
            title,
            read_ms,
        } => {
            text("slug", slug);
            text("title", title);
            if let Some(read_ms) = read_ms {
                set(&o, "read_ms", (*read_ms as f64).into());
            }
            ("article_opened", at_ms)
        }
        TranscriptEvent::Vote {
            at_ms,
            slug,
            helpful,
        } => {
            text("slug", slug);
            set(&o, "helpful", (*helpful).into());
            ("vote", at_ms)
        }
        TranscriptEvent::Comment {
            at_ms,
            slug,
            text: comment,
        } => {
            text("slug", slug);
            text("text", comment);
            ("comment", at_ms)
        }
        TranscriptEvent::Message { at_ms, text: words } => {
            text("text", words);
            ("message", at_ms)
        }
        TranscriptEvent::FlowStarted {
            at_ms,
            flow_id,
            title,
        } => {
            text("flow_id", flow_id);
            text("title", title);
            ("flow_started", at_ms)
        }
        TranscriptEvent::FlowStep {
            at_ms,
            flow_id,
            node_id,
            prompt,
            answer,
        } => {
            text("flow_id", flow_id);
            text("node_id", node_id);
            text("prompt", prompt);
            if let Some(answer) = answer {
                text("answer", answer);
            }
            ("flow_step", at_ms)
        }
        TranscriptEvent::FlowOutcome {
            at_ms,
            flow_id,
            outcome,
            detail,
            context,
            path,
        } => {
            text("flow_id", flow_id);
            text("outcome", outcome.as_str());
            text("detail", detail);
            if !context.is_empty() {
                set(&o, "context", context_to_js(context));
            }
            if !path.is_empty() {
                set(&o, "path", path_to_js(path));
            }
            ("flow_outcome", at_ms)
        }
    };
    text("type", kind);
    set(&o, "at_ms", (*at_ms as f64).into());
    o.into()
}

/// Host-page context in its wire format: a JSON object of strings.
pub fn context_to_js(context: &BTreeMap<String, String>) -> JsValue {
    let map = Object::new();
    for (key, value) in context {
        set(&map, key, value.as_str().into());
    }
    map.into()
}

/// Recorded flow answers in the wire format of [`RecordedAnswer`]
/// (`{ node_id, answer: { type, value } }`).
pub fn path_to_js(path: &[RecordedAnswer]) -> JsValue {
    let steps: Array = path
        .iter()
        .map(|step| {
            let item = Object::new();
            set(&item, "node_id", step.node_id.as_str().into());
            let answer = Object::new();
            let (kind, value): (&str, Option<JsValue>) = match &step.answer {
                Answer::Continue => ("continue", None),
                Answer::Choice(id) => ("choice", Some(id.as_str().into())),
                Answer::Text(typed) => ("text", Some(typed.as_str().into())),
                Answer::Check(fixed) => ("check", Some((*fixed).into())),
            };
            set(&answer, "type", kind.into());
            if let Some(value) = value {
                set(&answer, "value", value);
            }
            set(&item, "answer", answer.into());
            JsValue::from(item)
        })
        .collect();
    steps.into()
}

/// Milliseconds since the Unix epoch, for transcript events.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

#[cfg(test)]
mod tests {
    use super::Screen;

    #[test]
    fn screens_survive_a_round_trip_through_storage() {
        for screen in [
            Screen::Search,
            Screen::Handoff,
            Screen::Article("reset-your-hub".into()),
            Screen::Flow("hub-connectivity".into()),
            Screen::Conversation,
        ] {
            assert_eq!(Screen::decode(&screen.encode()), screen);
        }
        assert_eq!(Screen::decode("article:"), Screen::Search);
        assert_eq!(Screen::decode("garbage"), Screen::Search);
    }
}
