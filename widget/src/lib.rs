//! Baton's customer widget: a Leptos app compiled to WebAssembly.
//!
//! `loader.js` draws the launcher, loads this module and calls [`mount`] with an element inside
//! its shadow root (or, in the iframe fallback for strict CSPs, inside `frame.html` on the Baton
//! origin). The contract between the two:
//!
//! - `mount(container, { site, apiBase, locale?, pageUrl?, framed? })` renders the panel into
//!   `container` and returns a [`Widget`] handle: `open()`, `close()`, `toggle()`,
//!   `search(query)`, `open_article(slug)`, `identify(object)`, `set_context(object)`,
//!   `start_flow(id)`, `preview({ slug, token })`, `set_open(bool)`, `is_open()`.
//! - Whenever the panel opens or closes (launcher, close button, Escape, restored session), the
//!   app dispatches `baton:openchange` on `container` with `detail` = the new state (a
//!   boolean), so the loader can keep the launcher's `aria-expanded` in step.
//! - Other events for the host page's `Baton.on(...)` are dispatched as `baton:event` on
//!   `container` with `detail = { type, ... }`: `handoff` (with `reference`), `resolved` (with
//!   `slug`, when the customer says an article helped, or `flow`, when a guided flow ended
//!   resolved).
//! - The app sets `--baton-site-brand` on `container`, so the launcher follows the site's colour.
//!
//! The panel's CSS (`widget/style.css`) is not compiled in: the loader fetches it and adopts it
//! as a constructed stylesheet, which no `style-src` policy blocks and no host rule reaches.

mod app;
mod article;
mod banner;
mod chunk;
mod conversation;
mod flow;
mod handoff;
mod http;
mod i18n;
mod insights;
mod live;
mod search;
mod session;

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// What the embedding script tag told the loader.
#[derive(Clone, Debug)]
pub struct Config {
    /// The site id from `data-site`.
    pub site: String,
    /// Origin of the Baton server.
    pub api_base: String,
    /// The UI locale: `data-locale`, else the host page's `<html lang>`, else the browser's.
    pub locale: String,
    /// `location.pathname + location.search` of the host page.
    pub page_url: String,
}

impl Config {
    fn from_js(options: &JsValue) -> Result<Config, JsValue> {
        let text =
            |key: &str| Some(http::text(options, key).trim().to_owned()).filter(|s| !s.is_empty());
        let site = text("site").ok_or_else(|| JsValue::from_str("Baton: `site` is required"))?;
        let api_base =
            text("apiBase").ok_or_else(|| JsValue::from_str("Baton: `apiBase` is required"))?;
        Ok(Config {
            site,
            api_base,
            locale: text("locale").unwrap_or_else(|| "en".into()),
            page_url: text("pageUrl").unwrap_or_else(|| "/".into()),
        })
    }
}

/// The loader's handle on a mounted widget: the JavaScript API of `window.Baton`.
#[wasm_bindgen]
pub struct Widget {
    /// The widget's environment; its `t` changes once, when the locale's table is loaded.
    env: Rc<Cell<app::Env>>,
}

impl Widget {
    fn env(&self) -> app::Env {
        self.env.get()
    }
}

#[wasm_bindgen]
impl Widget {
    pub fn open(&self) {
        self.env().open.set(true);
    }

    pub fn close(&self) {
        self.env().open.set(false);
    }

    pub fn toggle(&self) {
        self.env().open.update(|open| *open = !*open);
    }

    pub fn set_open(&self, open: bool) {
        self.env().open.set(open);
    }

    pub fn is_open(&self) -> bool {
        self.env().open.get_untracked()
    }

    /// Opens the panel on the results for `query`.
    pub fn search(&self, query: String) {
        self.env().search.query.set(query);
        self.env().screen.set(session::Screen::Search);
        self.env().search.run(self.env());
        self.env().open.set(true);
    }

    /// Opens the panel on one article.
    pub fn open_article(&self, slug: String) {
        if !slug.trim().is_empty() {
            self.env().screen.set(session::Screen::Article(slug));
            self.env().open.set(true);
        }
    }

    /// Who the customer is, as the host page knows them: `{ id, name, email, hash }`. Prefills
    /// the handoff form and travels with the handoff.
    pub fn identify(&self, identity: JsValue) {
        self.env().identify(&identity);
    }

    /// Facts of the host page (plan, order number, …) sent along with a handoff.
    pub fn set_context(&self, context: JsValue) {
        self.env().set_context(&context);
    }

    /// Opens the panel on a guided flow, from its first step.
    pub fn start_flow(&self, id: JsValue) {
        let Some(id) = id.as_string().filter(|id| !id.trim().is_empty()) else {
            return;
        };
        self.env().flow.set(None);
        self.env()
            .screen
            .set(session::Screen::Flow(id.trim().to_owned()));
        self.env().open.set(true);
    }

    /// Opens an article as an editor previews it, drafts included: `{ slug, token }` with an
    /// admin token, kept in `sessionStorage` only.
    pub fn preview(&self, request: JsValue) {
        let slug = http::text(&request, "slug").trim().to_owned();
        let token = http::text(&request, "token").trim().to_owned();
        if slug.is_empty() || token.is_empty() {
            return;
        }
        self.env().store.with_value(|s| {
            s.set("preview-token", &token);
            s.set("preview", &slug);
        });
        self.env().preview.set(Some(slug.clone()));
        self.env().screen.set(session::Screen::Article(slug));
        self.env().open.set(true);
    }
}

/// Renders the widget into `container`: at once in English, after the `locales` chunk is
/// fetched in German or Arabic. The handle works from the start: what it is asked before the
/// panel renders is shown when it does.
#[wasm_bindgen]
pub fn mount(container: web_sys::HtmlElement, options: JsValue) -> Result<Widget, JsValue> {
    let config = Config::from_js(&options)?;
    insights::start(&config.api_base, &config.site, &config.locale);
    let env = Rc::new(Cell::new(app::Env::new(&config, container.clone())));
    let render = move |env: app::Env| {
        leptos::mount::mount_to(container, move || app::App(app::AppProps { env })).forget();
    };
    if i18n::is_english(&config.locale) {
        render(env.get());
    } else {
        let shared = Rc::clone(&env);
        wasm_bindgen_futures::spawn_local(async move {
            let mut env = shared.get();
            env.t = i18n::messages(&config.locale).await;
            shared.set(env);
            render(env);
        });
    }
    Ok(Widget { env })
}
