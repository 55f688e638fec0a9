//! Events for the insights reports (`POST /api/v1/events`, see `docs/insights.md`): a session id
//! made for this page load (random, never stored), an in-memory queue, and its sender.
//!
//! - [`track`] queues an event; a batch leaves [`FLUSH_EVERY`] after the first event queued,
//!   with `fetch` (`keepalive`), and with `navigator.sendBeacon` when the page hides (`pagehide`,
//!   or `visibilitychange` to hidden), which the browser sends even as the page goes away.
//! - Bodies are JSON sent as `text/plain`: a cross-origin `sendBeacon` with
//!   `application/json` needs a preflight, which Chrome refuses; `text/plain` is a simple request.
//! - A batch that fails (network, 429, 5xx) is sent once more with the next one, then dropped; a
//!   batch the server refuses (other 4xx) is dropped. Nothing ever throws or shows.
//! - With `navigator.doNotTrack` = `"1"` or `navigator.globalPrivacyControl`, nothing is queued.
//! - A search counts once its answer stood [`SETTLE`] without a newer one (typing on replaces
//!   it), or at once when a result is clicked or the page hides.
//!
//! Only the queue, the sender and the search and open hooks live in the main module; the
//! article, flow and handoff chunks call [`track`] and [`hold`] from their own code.

use std::cell::RefCell;
use std::time::Duration;

use js_sys::{Array, JSON, Object};
use leptos::prelude::{document, set_timeout};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{RequestInit, Response};

use crate::http::{field, text};
use crate::session::{now_ms, set};

/// How long events wait in the queue before a batch leaves.
const FLUSH_EVERY: Duration = Duration::from_secs(4);
/// How long an answered search must stand before it counts, in milliseconds.
const SETTLE: f64 = 1500.0;
/// Most events in one batch (the server's limit).
const MAX_BATCH: u32 = 50;
/// The session id: this many letters and digits (the server takes 8 to 64).
const SESSION_CHARS: usize = 20;
const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct Sender {
    url: String,
    /// `{ site, session, locale }`; each batch sets its `events`.
    batch: Object,
    queue: Array,
    /// Events of a failed batch, sent once more with the next one.
    retry: Array,
    /// Whether a flush is scheduled.
    timer: bool,
    /// The latest answered search, until it settles.
    search: Option<Object>,
    /// An event that lasts (time on an article) and when it began: [`release`] adds `seconds`.
    held: Option<(Object, f64)>,
}

thread_local! {
    static SENDER: RefCell<Option<Sender>> = const { RefCell::new(None) };
}

/// Starts the sender for this page load, unless the visitor asked not to be tracked.
pub fn start(api_base: &str, site: &str, locale: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = field(&window, "navigator");
    if text(&navigator, "doNotTrack") == "1" || field(&navigator, "globalPrivacyControl") == true {
        return;
    }
    // Not a secret, only what ties this page load's events together: `Math.random` will do.
    let session: String = (0..SESSION_CHARS)
        .map(|_| {
            let at = (js_sys::Math::random() * ALPHABET.len() as f64) as usize;
            char::from(ALPHABET[at.min(ALPHABET.len() - 1)])
        })
        .collect();
    let batch = Object::new();
    set(&batch, "site", site.into());
    set(&batch, "session", session.as_str().into());
    set(&batch, "locale", locale.into());
    SENDER.set(Some(Sender {
        url: api_base.trim_end_matches('/').to_owned() + "/api/v1/events",
        batch,
        queue: Array::new(),
        retry: Array::new(),
        timer: false,
        search: None,
        held: None,
    }));
    let on_hide = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
        if ev.type_() == "pagehide" || text(&document(), "visibilityState") == "hidden" {
            release();
            flush(true);
        }
    });
    for (target, name) in [
        (window.unchecked_ref::<web_sys::EventTarget>(), "pagehide"),
        (document().unchecked_ref(), "visibilitychange"),
    ] {
        _ = target.add_event_listener_with_callback(name, on_hide.as_ref().unchecked_ref());
    }
    on_hide.forget();
}

fn event(kind: &str, fields: &[(&str, JsValue)]) -> Object {
    let event = Object::new();
    set(&event, "kind", kind.into());
    set(&event, "at", (now_ms() as f64).into());
    for (key, value) in fields {
        set(&event, key, value.clone());
    }
    event
}

/// Runs `f` on the sender, when there is one, and schedules a flush.
fn with(f: impl FnOnce(&mut Sender)) {
    SENDER.with_borrow_mut(|s| {
        if let Some(s) = s {
            f(s);
            if !s.timer {
                s.timer = true;
                set_timeout(|| flush(false), FLUSH_EVERY);
            }
        }
    });
}

/// Queues an event of `kind` with `fields`.
pub fn track(kind: &str, fields: &[(&str, JsValue)]) {
    let event = event(kind, fields);
    with(|s| _ = s.queue.push(&event));
}

/// An answered search (it counts once it settles).
pub fn search(query: &str, result_count: u64) {
    let event = event(
        "search",
        &[
            ("query", query.into()),
            ("result_count", (result_count as f64).into()),
        ],
    );
    with(|s| s.search = Some(event));
}

/// A click on the result at `position` (1 = first) of the search for `query`: its search
/// counts now.
pub fn clicked(query: &str, position: usize, slug: &str) {
    let event = event(
        "result_clicked",
        &[
            ("query", query.into()),
            ("position", (position as f64).into()),
            ("slug", slug.into()),
        ],
    );
    with(|s| {
        if let Some(search) = s.search.take() {
            s.queue.push(&search);
        }
        s.queue.push(&event);
    });
}

/// Keeps `event` (of something that lasts) until [`release`] or the page hides; one held before
/// is released first.
pub fn hold(kind: &str, fields: &[(&str, JsValue)]) {
    release();
    let event = event(kind, fields);
    with(|s| s.held = Some((event, js_sys::Date::now())));
}

/// Queues the held event, if any, with `seconds` since it began.
pub fn release() {
    with(|s| {
        if let Some((event, began)) = s.held.take() {
            let seconds = ((js_sys::Date::now() - began) / 1000.0)
                .floor()
                .min(86_400.0);
            set(&event, "seconds", seconds.into());
            s.queue.push(&event);
        }
    });
}

/// Sends what is queued (a failed batch's events again first, up to [`MAX_BATCH`] in all) with
/// `sendBeacon` when the page hides, else with `fetch`.
fn flush(hiding: bool) {
    let batch = SENDER.with_borrow_mut(|s| {
        let s = s.as_mut()?;
        s.timer = false;
        if let Some(search) = s.search.take() {
            if hiding || js_sys::Date::now() - field(&search, "at").as_f64()? >= SETTLE {
                s.queue.push(&search);
            } else {
                s.search = Some(search);
            }
        }
        let again = std::mem::take(&mut s.retry);
        let room = MAX_BATCH.saturating_sub(again.length());
        let fresh = s.queue.slice(0, room);
        s.queue = s.queue.slice(room, s.queue.length());
        if (s.queue.length() > 0 || s.search.is_some()) && !s.timer {
            s.timer = true;
            set_timeout(|| flush(false), FLUSH_EVERY);
        }
        if again.length() + fresh.length() == 0 {
            return None;
        }
        set(&s.batch, "events", again.concat(&fresh).into());
        let json = JSON::stringify(&s.batch).ok()?.as_string()?;
        Some((s.url.clone(), json, fresh))
    });
    let Some((url, json, fresh)) = batch else {
        return;
    };
    if hiding
        && web_sys::window().and_then(|w| {
            w.navigator()
                .send_beacon_with_opt_str(&url, Some(&json))
                .ok()
        }) == Some(true)
    {
        return;
    }
    spawn_local(async move {
        if !post(&url, &json).await {
            SENDER.with_borrow_mut(|s| {
                if let Some(s) = s {
                    s.retry = fresh;
                }
            });
        }
    });
}

/// `POST`s a batch with `fetch` (`keepalive`, so it outlives the page). `false` when it is worth
/// sending again: no answer, `429` or a server error.
async fn post(url: &str, json: &str) -> bool {
    let init = RequestInit::new();
    init.set_method("POST");
    set(&init, "keepalive", true.into());
    init.set_body(&JsValue::from_str(json));
    if let Ok(headers) = web_sys::Headers::new() {
        _ = headers.set("Content-Type", "text/plain;charset=UTF-8");
        init.set_headers(&headers);
    }
    let Some(window) = web_sys::window() else {
        return true;
    };
    match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(response) => {
            let status = response.unchecked_into::<Response>().status();
            status != 429 && status < 500
        }
        Err(_) => false,
    }
}
