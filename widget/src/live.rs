//! The customer's conversation, kept up to date: loaded once, then followed over the server's
//! event stream (`EventSource` on `/api/v1/conversations/{reference}/events`) for as long as
//! the page shows the widget, whether the panel is open or not. The conversation view reads it,
//! and the launcher shows the number of agent replies the customer has not seen yet.
//!
//! Only the `conversation` chunk reaches this module: the app calls
//! [`crate::conversation::watch`] at start-up when a conversation is stored (and after a
//! handoff), so visitors without one load none of it.
//!
//! Resuming: the first connection passes the conversation's `events_cursor` as `?last=`, so
//! nothing written between the load and the connection is missed; on a dropped connection the
//! browser reconnects by itself and sends the last event's id as `Last-Event-ID`. A message
//! already shown (the customer's own, answered by the POST) is not added twice (by id).
//!
//! Seen replies: the id of the last agent reply shown with the conversation on screen is kept
//! in `localStorage` (`baton:<site>:seen` = `<reference> <id>`), so the badge survives reloads.

use std::cell::RefCell;

use js_sys::{Function, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

use crate::app::Env;
use crate::http::{field, list, text};
use crate::session::Screen;

/// A message of the conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: f64,
    /// `customer` or `agent`.
    pub author: String,
    pub body: String,
    pub at: String,
}

/// The conversation as last heard.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Loaded {
    pub reply_by: String,
    /// `open`, `pending` or `solved`.
    pub status: String,
    pub satisfaction_due: bool,
    pub messages: Vec<Message>,
}

fn message(v: &JsValue) -> Message {
    Message {
        id: field(v, "id").as_f64().unwrap_or(-1.0),
        author: text(v, "author"),
        body: text(v, "body"),
        at: text(v, "created_at"),
    }
}

fn decode(v: &JsValue) -> Loaded {
    Loaded {
        reply_by: text(v, "reply_by"),
        status: text(v, "status"),
        satisfaction_due: field(v, "satisfaction_due").is_truthy(),
        messages: list(v, "messages").iter().map(|m| message(&m)).collect(),
    }
}

/// The live state of one conversation: cheap to copy.
#[derive(Clone, Copy)]
pub struct Live {
    /// `None` while loading; `Some(Err)` with the message when loading failed.
    pub loaded: RwSignal<Option<Result<Loaded, String>>>,
}

impl Live {
    /// Adds a message unless it is there already.
    pub fn add(self, new: Message) {
        self.loaded.update(|l| {
            if let Some(Ok(l)) = l
                && !l.messages.iter().any(|m| m.id == new.id)
            {
                l.messages.push(new);
            }
        });
    }
}

/// What keeps the current conversation's stream and effects alive.
struct Running {
    reference: String,
    live: Live,
    /// The `EventSource`, reached through `Reflect` (no bindings of its own in the glue).
    source: Option<EventTarget>,
    _listeners: Vec<Closure<dyn FnMut(JsValue)>>,
    /// Owns the signal and the badge effect; dropped (disposed) with the conversation.
    _owner: Owner,
}

thread_local! {
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
}

/// The host's verified identity as request headers (empty without a hash).
pub fn identity_headers(env: Env) -> Vec<(&'static str, String)> {
    let identity = env.store.with_value(|s| s.get_json("identity"));
    let (id, hash) = (text(&identity, "id"), text(&identity, "hash"));
    if id.is_empty() || hash.is_empty() {
        return Vec::new();
    }
    vec![("Baton-Identity-Id", id), ("Baton-Identity-Hash", hash)]
}

/// The live state of the stored conversation, loading it and opening its stream the first
/// time (and again when the conversation changed). `None` without a conversation.
pub fn live(env: Env) -> Option<Live> {
    let (reference, _) = env.conversation.get_untracked()?;
    let current = RUNNING.with_borrow(|r| {
        r.as_ref()
            .filter(|r| r.reference == reference)
            .map(|r| r.live)
    });
    if current.is_some() {
        return current;
    }
    if let Some(old) = RUNNING.take()
        && let Some(source) = &old.source
    {
        close(source);
    }
    let owner = Owner::new_root(None);
    let live = owner.with(|| {
        let live = Live {
            loaded: RwSignal::new(None),
        };
        badge(env, live, reference.clone());
        live
    });
    RUNNING.set(Some(Running {
        reference,
        live,
        source: None,
        _listeners: Vec::new(),
        _owner: owner,
    }));
    reload(env, live, true);
    Some(live)
}

/// Reads the conversation again (status, satisfaction, messages); with `connect`, opens the
/// stream from the answer's cursor.
pub fn reload(env: Env, live: Live, connect: bool) {
    let Some((reference, token)) = env.conversation.get_untracked() else {
        return;
    };
    spawn_local(async move {
        let api = env.api.get_value();
        let answer = api
            .conversation(&reference, &token, None, &identity_headers(env))
            .await;
        let cursor = answer
            .as_ref()
            .map(|v| text(v, "events_cursor"))
            .unwrap_or_default();
        live.loaded.set(Some(
            answer.map(|v| decode(&v)).map_err(|e| e.message(env.t)),
        ));
        if connect {
            open_stream(env, live, &reference, &token, &cursor);
        }
    });
}

fn close(source: &EventTarget) {
    if let Ok(f) = Reflect::get(source, &"close".into()) {
        _ = f.unchecked_ref::<Function>().call0(source);
    }
}

fn open_stream(env: Env, live: Live, reference: &str, token: &str, cursor: &str) {
    let url = env.api.get_value().events_url(reference, token, cursor);
    let Some(source) = Reflect::get(&js_sys::global(), &"EventSource".into())
        .ok()
        .and_then(|c| {
            let constructor: &Function = c.dyn_ref()?;
            Reflect::construct(constructor, &js_sys::Array::of1(&url.into())).ok()
        })
        .map(JsCast::unchecked_into::<EventTarget>)
    else {
        return;
    };
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
        if let Ok(v) = js_sys::JSON::parse(&text(&ev, "data")) {
            live.add(message(&v));
        }
    });
    let on_status = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        // The status and whether satisfaction is due come with the conversation.
        reload(env, live, false);
    });
    _ = source.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    _ = source.add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref());
    let reference = reference.to_owned();
    RUNNING.with_borrow_mut(|r| match r {
        Some(r) if r.reference == reference => {
            r.source = Some(source);
            r._listeners = vec![on_message, on_status];
        }
        // The conversation changed while this one loaded.
        _ => close(&source),
    });
}

fn seen_key(env: Env) -> String {
    String::from("baton:") + &env.site.get_value() + ":seen"
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Keeps the launcher's unread badge and label in step: agent replies after the last one seen
/// with the conversation on screen.
fn badge(env: Env, live: Live, reference: String) {
    Effect::new(move || {
        let visible = env.open.get() && env.screen.with(|s| *s == Screen::Conversation);
        let replies: Vec<f64> = live.loaded.with(|l| match l {
            Some(Ok(l)) => l
                .messages
                .iter()
                .filter(|m| m.author == "agent")
                .map(|m| m.id)
                .collect(),
            _ => Vec::new(),
        });
        let storage = local();
        let stored = storage
            .as_ref()
            .and_then(|s| s.get_item(&seen_key(env)).ok().flatten())
            .unwrap_or_default();
        let mut seen = stored
            .strip_prefix(reference.as_str())
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|id| id.parse::<f64>().ok())
            .unwrap_or(0.0);
        let newest = replies.iter().copied().fold(0.0, f64::max);
        if visible && newest > seen {
            seen = newest;
            if let Some(s) = &storage {
                _ = s.set_item(
                    &seen_key(env),
                    &(reference.clone() + " " + &newest.to_string()),
                );
            }
        }
        let unread = replies.iter().filter(|id| **id > seen).count();
        show_unread(env, unread);
    });
}

/// Sets `data-unread` and the accessible label on the launcher (`.l`, drawn by the loader in
/// the same shadow root). In the strict-CSP iframe the launcher is on the host page: nothing.
fn show_unread(env: Env, unread: usize) {
    let Some(launcher) = env
        .root
        .with_value(|r| r.query_selector(".l").ok().flatten())
    else {
        return;
    };
    let base = launcher.get_attribute("data-label").unwrap_or_else(|| {
        let label = launcher.get_attribute("aria-label").unwrap_or_default();
        _ = launcher.set_attribute("data-label", &label);
        label
    });
    let l = crate::i18n::live_messages(env.t.lang);
    if unread == 0 {
        _ = launcher.remove_attribute("data-unread");
        _ = launcher.set_attribute("aria-label", &base);
    } else {
        let n = unread.to_string();
        let count = if unread == 1 {
            l.unread_one.to_owned()
        } else {
            l.unread_n.replace("{n}", &n)
        };
        _ = launcher.set_attribute("data-unread", &n);
        _ = launcher.set_attribute("aria-label", &(base + ", " + &count));
    }
}
