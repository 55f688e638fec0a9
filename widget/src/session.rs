//! What the widget remembers while the customer moves around the host site: the transcript,
//! whether the panel was open, which view it showed, the query and the handoff draft. Kept in
//! `sessionStorage` under keys namespaced by site (`baton:<site>:<name>`), so two widgets on one
//! origin never mix, and no cookie is ever set.
//!
//! Values are plain strings; the transcript is JSON handled by the browser (`JSON.parse` and
//! `JSON.stringify`), so restoring it costs the wasm no deserializer. Events from earlier pages
//! stay JavaScript objects ([`Journal::earlier`]); only this page's events live in a
//! [`Transcript`], which records them with `baton-core`'s rules.

use baton_core::Transcript;
use baton_core::transcript::MAX_EVENTS;
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
}

impl Screen {
    /// `search`, `handoff` or `article:<slug>`.
    pub fn encode(&self) -> String {
        match self {
            Screen::Search => "search".into(),
            Screen::Handoff => "handoff".into(),
            Screen::Article(slug) => String::from("article:") + slug,
            Screen::Flow(id) => String::from("flow:") + id,
        }
    }

    pub fn decode(text: &str) -> Screen {
        match text {
            "handoff" => Screen::Handoff,
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
        let object = serde_json::to_string(current)
            .ok()
            .and_then(|json| JSON::parse(&json).ok())
            .unwrap_or_else(|| Object::new().into());
        let events = self.earlier.concat(&list(&object, "events"));
        let excess = events.length().saturating_sub(MAX_EVENTS as u32);
        let events = events.slice(excess, events.length());
        _ = Reflect::set(&object, &"events".into(), &events);
        object
    }
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
        ] {
            assert_eq!(Screen::decode(&screen.encode()), screen);
        }
        assert_eq!(Screen::decode("article:"), Screen::Search);
        assert_eq!(Screen::decode("garbage"), Screen::Search);
    }
}
