//! What the widget remembers while the customer moves around the host site: the transcript,
//! whether the panel was open and which view it showed. Kept in `sessionStorage` under keys
//! namespaced by site (`baton:<site>:<name>`), so two widgets on one origin never mix.

use baton_core::Transcript;
use serde::{Deserialize, Serialize};

/// What the panel shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum Screen {
    Search,
    Article { slug: String },
    Handoff,
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
            prefix: format!("baton:{site}:"),
        }
    }

    pub fn transcript(&self) -> Option<Transcript> {
        self.load("transcript")
    }

    pub fn save_transcript(&self, transcript: &Transcript) {
        self.save("transcript", transcript);
    }

    pub fn open(&self) -> bool {
        self.load("open").unwrap_or(false)
    }

    pub fn save_open(&self, open: bool) {
        self.save("open", &open);
    }

    pub fn screen(&self) -> Screen {
        self.load("screen").unwrap_or(Screen::Search)
    }

    pub fn save_screen(&self, screen: &Screen) {
        self.save("screen", screen);
    }

    pub fn query(&self) -> String {
        self.load("query").unwrap_or_default()
    }

    pub fn save_query(&self, query: &str) {
        self.save("query", &query);
    }

    /// The brand colour, read by `loader.js` to paint the launcher before the app loads.
    pub fn save_brand(&self, color: &str) {
        if let Some(storage) = storage() {
            _ = storage.set_item(&format!("{}brand", self.prefix), color);
        }
    }

    fn load<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Option<T> {
        let text = storage()?
            .get_item(&format!("{}{name}", self.prefix))
            .ok()??;
        serde_json::from_str(&text).ok()
    }

    fn save<T: Serialize + ?Sized>(&self, name: &str, value: &T) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(value)) {
            _ = storage.set_item(&format!("{}{name}", self.prefix), &json);
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Milliseconds since the Unix epoch, for transcript events.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
