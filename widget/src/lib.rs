//! Baton's customer widget: a Leptos app compiled to WebAssembly.
//!
//! `loader.js` draws the launcher, loads this module and calls [`mount`] with an element inside
//! its shadow root. The contract between the two:
//!
//! - `mount(container, { site, apiBase, locale?, pageUrl? })` renders the panel into
//!   `container` and returns a [`Widget`] handle with `open()`, `close()`, `toggle()` and
//!   `set_open(bool)`.
//! - Whenever the panel opens or closes (launcher, close button, Escape, restored session), the
//!   app dispatches `baton:openchange` on `container` with `detail` = the new state (a
//!   boolean), so the loader can keep the launcher's `aria-expanded` in step.
//! - The app sets `--baton-brand` on `container`, so the launcher follows the site's colour.
//!
//! All CSS of the panel is compiled in (`style.css`) and placed in a `<style>` element inside
//! the shadow root; the launcher's CSS lives in `loader.js`.

mod app;
mod article;
mod handoff;
mod http;
mod search;
mod session;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// What the embedding script tag told the loader.
#[derive(Clone, Debug)]
pub struct Config {
    /// The site id from `data-site`.
    pub site: String,
    /// Origin of the Baton server.
    pub api_base: String,
    /// `data-locale`, when the host page chose one.
    pub locale: Option<String>,
    /// `location.pathname + location.search` of the host page.
    pub page_url: String,
}

impl Config {
    fn from_js(options: &JsValue) -> Result<Config, JsValue> {
        let text = |key: &str| {
            js_sys::Reflect::get(options, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let site = text("site").ok_or_else(|| JsValue::from_str("Baton: `site` is required"))?;
        let api_base =
            text("apiBase").ok_or_else(|| JsValue::from_str("Baton: `apiBase` is required"))?;
        let page_url = text("pageUrl").unwrap_or_else(|| {
            web_sys::window()
                .map(|w| w.location())
                .and_then(|l| Some(l.pathname().ok()? + &l.search().ok()?))
                .unwrap_or_else(|| "/".into())
        });
        Ok(Config {
            site,
            api_base,
            locale: text("locale"),
            page_url,
        })
    }
}

/// The loader's handle on a mounted widget.
#[wasm_bindgen]
pub struct Widget {
    open: RwSignal<bool>,
}

#[wasm_bindgen]
impl Widget {
    pub fn open(&self) {
        self.open.set(true);
    }

    pub fn close(&self) {
        self.open.set(false);
    }

    pub fn toggle(&self) {
        self.open.update(|open| *open = !*open);
    }

    pub fn set_open(&self, open: bool) {
        self.open.set(open);
    }

    pub fn is_open(&self) -> bool {
        self.open.get_untracked()
    }
}

/// Renders the widget into `container` (an element inside the loader's shadow root).
#[wasm_bindgen]
pub fn mount(container: web_sys::HtmlElement, options: JsValue) -> Result<Widget, JsValue> {
    let config = Config::from_js(&options)?;
    let open = RwSignal::new(false);
    let root = container.clone();
    leptos::mount::mount_to(container, move || {
        view! { <app::App config=config open=open root=root /> }
    })
    .forget();
    Ok(Widget { open })
}
