//! The panel: header, the current screen (search, article or handoff form) and footer, plus
//! what every screen works with ([`Env`]).

use baton_core::Transcript;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, HtmlElement, KeyboardEvent};

use crate::Config;
use crate::article::article_screen;
use crate::banner::Banners;
use crate::handoff::{Draft, handoff_screen};
use crate::http::{Api, Hit, Site, field, text};
use crate::i18n::{EN, Messages};
use crate::search::{Search, SearchView};
use crate::session::{Journal, Screen, SessionStore, now_ms};

/// Id of the panel, named by the launcher's `aria-controls`.
const PANEL_ID: &str = "baton-panel";

/// What every screen of the panel works with. All fields are cheap handles (`Copy`).
#[derive(Clone, Copy)]
pub struct Env {
    pub t: &'static Messages,
    pub api: StoredValue<Api>,
    pub store: StoredValue<SessionStore>,
    pub site: StoredValue<String>,
    /// The locale sent to the server and recorded in the transcript.
    pub locale: StoredValue<String>,
    pub page_url: StoredValue<String>,
    pub open: RwSignal<bool>,
    /// This page's events; earlier pages' are in `journal`.
    pub transcript: RwSignal<Transcript>,
    pub journal: StoredValue<Journal, LocalStorage>,
    pub screen: RwSignal<Screen>,
    pub search: Search,
    pub draft: Draft,
    /// `{ site: SiteInfo }` once loaded; `None` while loading; `Some(Err)` when it failed.
    pub site_info: RwSignal<Option<Result<Site, String>>>,
    pub suggestions: RwSignal<Vec<Hit>>,
    /// Guided flows offered on this page: (id, title).
    pub flow_suggestions: RwSignal<Vec<(String, String)>>,
    /// The guided flow being run, kept while the customer looks at an article it links.
    pub flow: RwSignal<Option<crate::flow::Running>>,
    /// The slug an editor previews (`Baton.preview`), with the admin token kept in
    /// `sessionStorage` under `preview-token`.
    pub preview: RwSignal<Option<String>>,
    /// The mount container: receives events and the theme variables.
    pub root: StoredValue<HtmlElement, LocalStorage>,
    /// Whether the panel was open when the page loaded (restored, so focus is left alone).
    pub restored_open: bool,
    /// The customer's conversation after a handoff, (reference, token), kept in `localStorage`.
    pub conversation: RwSignal<Option<(String, String)>>,
}

impl Env {
    /// The environment of a widget for `config`, in English: [`crate::mount`] sets `t` to the
    /// locale's table once it is loaded.
    pub fn new(config: &Config, root: HtmlElement) -> Env {
        let store = SessionStore::new(&config.site);
        let journal = Journal::restore(&store);
        let mut transcript = Transcript::new(Some(config.locale.clone()));
        if journal.last_page().as_deref() != Some(config.page_url.as_str()) {
            transcript.record_page_view(now_ms(), &config.page_url);
        }
        let restored_open = store.get("open").as_deref() == Some("1");
        let screen = Screen::decode(&store.get("screen").unwrap_or_default());
        let query = store.get("query").unwrap_or_default();
        let draft = Draft::restore(&store);
        let env = Env {
            t: &EN,
            api: StoredValue::new(Api::new(&config.api_base)),
            site: StoredValue::new(config.site.clone()),
            locale: StoredValue::new(config.locale.clone()),
            page_url: StoredValue::new(config.page_url.clone()),
            open: RwSignal::new(restored_open),
            transcript: RwSignal::new(transcript),
            journal: StoredValue::new_local(journal),
            screen: RwSignal::new(screen),
            search: Search::new(query),
            draft,
            site_info: RwSignal::new(None),
            suggestions: RwSignal::new(Vec::new()),
            flow_suggestions: RwSignal::new(Vec::new()),
            flow: RwSignal::new(None),
            preview: RwSignal::new(store.get("preview").filter(|s| !s.is_empty())),
            root: StoredValue::new_local(root),
            restored_open,
            conversation: RwSignal::new(crate::conversation::saved(&config.site)),
            store: StoredValue::new(store),
        };
        env.prefill(&env.store.with_value(|s| s.get_json("identity")));
        env
    }

    /// The whole transcript (earlier pages and this one) as a JavaScript object.
    pub fn transcript_js(self) -> JsValue {
        self.transcript
            .with_untracked(|t| self.journal.with_value(|j| j.to_js(t)))
    }

    /// Keeps the host's identity for this tab and prefills the form; a verified one (with a
    /// `hash`) in a browser with no stored conversation has the conversation chunk look for the
    /// customer's conversations (see [`crate::conversation::find`]).
    pub fn identify(self, identity: &JsValue) {
        if identity.is_object() {
            self.store.with_value(|s| s.set_json("identity", identity));
            self.prefill(identity);
            if !text(identity, "hash").is_empty() {
                crate::conversation::find(self);
            }
        }
    }

    pub fn set_context(self, context: &JsValue) {
        if context.is_object() {
            self.store.with_value(|s| s.set_json("context", context));
        }
    }

    /// Fills the handoff form's empty name and email from the host page's identity.
    fn prefill(self, identity: &JsValue) {
        for (signal, key) in [(self.draft.name, "name"), (self.draft.email, "email")] {
            let value = text(identity, key);
            if !value.is_empty() && signal.with_untracked(String::is_empty) {
                signal.set(value);
            }
        }
    }

    /// Tells the host page's `Baton.on(type, fn)` listeners about something.
    pub fn emit(self, kind: &str, key: &str, value: &str) {
        let detail = js_sys::Object::new();
        _ = js_sys::Reflect::set(&detail, &"type".into(), &kind.into());
        _ = js_sys::Reflect::set(&detail, &key.into(), &value.into());
        dispatch(self, "baton:event", &detail);
    }

    fn load_site(self) {
        self.site_info.set(None);
        spawn_local(async move {
            let result = self.api.get_value().site(&self.locale.get_value()).await;
            if let Ok(site) = &result {
                let brand = css_color(&site.brand_color);
                self.store.with_value(|s| s.set("brand", &brand));
                self.root.with_value(|r| {
                    _ = r.style().set_property("--baton-site-brand", &brand);
                });
            }
            self.site_info
                .set(Some(result.map_err(|e| e.message(self.t))));
        });
        spawn_local(async move {
            let page = self.page_url.get_value();
            let locale = self.locale.get_value();
            if let Ok((hits, flows)) = self.api.get_value().suggestions(&page, &locale).await {
                self.suggestions.set(hits);
                self.flow_suggestions.set(flows);
            }
        });
    }
}

fn dispatch(env: Env, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        env.root.with_value(|r| _ = r.dispatch_event(&event));
    }
}

/// Focuses `node` after the next frame, once it is rendered.
pub fn focus_soon<E>(node: NodeRef<E>)
where
    E: leptos::tachys::html::element::ElementType,
    E::Output: JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(el) = node.get_untracked() {
            _ = el.unchecked_into::<HtmlElement>().focus();
        }
    });
}

/// The whole widget.
#[component]
pub fn App(env: Env) -> impl IntoView {
    let t = env.t;
    let open = env.open;
    let search_input = NodeRef::<html::Input>::new();
    let panel = NodeRef::<html::Div>::new();

    env.load_site();
    if !env.search.query.with_untracked(|q| q.trim().is_empty()) {
        env.search.show(env);
    }

    Effect::new(move || {
        let json = env.transcript.with(|_| env.transcript_js());
        env.store.with_value(|s| s.set_json("transcript", &json));
    });
    Effect::new(move |previous: Option<Screen>| {
        let screen = env.screen.get();
        env.store.with_value(|s| s.set("screen", &screen.encode()));
        // Coming back to the search keeps focus in the panel (the button pressed is gone).
        if previous.is_some_and(|p| p != screen) && screen == Screen::Search {
            focus_soon(search_input);
        }
        screen
    });
    Effect::new(move || {
        env.search
            .query
            .with(|q| env.store.with_value(|s| s.set("query", q)))
    });
    Effect::new(move |previous: Option<bool>| {
        let is_open = open.get();
        env.store
            .with_value(|s| s.set("open", if is_open { "1" } else { "0" }));
        dispatch(env, "baton:openchange", &JsValue::from_bool(is_open));
        // Focus follows the customer opening the panel, not a panel restored on page load.
        let opened = match previous {
            Some(was_open) => !was_open,
            None => !env.restored_open,
        };
        if is_open && opened {
            crate::insights::track("widget_opened", &[]);
            request_animation_frame(move || {
                let Some(panel) = panel.get_untracked() else {
                    return;
                };
                let target = panel
                    .query_selector("input,h2[tabindex],button.back-button")
                    .ok()
                    .flatten();
                if let Some(el) = target.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                    _ = el.focus();
                }
            });
        }
        is_open
    });

    let site_text = move |pick: fn(&Site) -> &String, fallback: &'static str| {
        move || {
            env.site_info.with(|s| match s {
                Some(Ok(site)) if !pick(site).is_empty() => pick(site).clone(),
                _ => fallback.to_owned(),
            })
        }
    };
    let name = site_text(|s| &s.name, t.support);
    let greeting = site_text(|s| &s.greeting, t.greeting);

    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            // Keep the query: a search box clears itself on Escape by default.
            ev.prevent_default();
            open.set(false);
        }
        "Tab" => {
            if let Some(panel) = panel.get_untracked() {
                trap_focus(&panel, &ev);
            }
        }
        _ => {}
    };

    view! {
        <div
            class="panel"
            id=PANEL_ID
            role="dialog"
            aria-modal="true"
            aria-labelledby="baton-title"
            lang=t.lang
            dir=t.dir
            hidden=move || !open.get()
            on:keydown=on_keydown
            node_ref=panel
        >
            <header class="header">
                <div>
                    <h2 class="site-name" id="baton-title">{name}</h2>
                    <p class="greeting">{greeting}</p>
                </div>
                <button
                    type="button"
                    class="icon-button"
                    aria-label=t.close
                    on:click=move |_| open.set(false)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                        <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                    </svg>
                </button>
            </header>
            <Banners env=env />
            {move || match env.site_info.get() {
                Some(Err(message)) => Some(view! {
                    <div class="notice" role="alert">
                        <span>{message}</span>
                        <button type="button" class="link-button" on:click=move |_| env.load_site()>
                            {t.retry}
                        </button>
                    </div>
                }),
                _ => None,
            }}
            <div class="body">
                {move || match env.screen.get() {
                    Screen::Article(slug) => article_screen(env, slug).into_any(),
                    Screen::Handoff => handoff_screen(env).into_any(),
                    Screen::Flow(id) => crate::flow::flow_screen(env, id).into_any(),
                    Screen::Conversation if env.conversation.with_untracked(Option::is_some) => crate::conversation::conversation_screen(env, true).into_any(),
                    Screen::Search | Screen::Conversation => view! { <SearchView env=env input_ref=search_input /> }.into_any(),
                }}
            </div>
            {move || env.conversation.get().filter(|_| env.screen.get() == Screen::Search).map(|(reference, _)| view! {
                <div class="conversation-entry">
                    <button type="button" class="link-button" data-testid="open-conversation" on:click=move |_| env.screen.set(Screen::Conversation)>
                        {t.your_conversation} " " {reference}
                    </button>
                    // Follows the conversation: live replies and the launcher's unread badge.
                    {crate::conversation::conversation_screen(env, false)}
                </div>
            })}
            {move || (!matches!(env.screen.get(), Screen::Handoff | Screen::Conversation)).then(|| view! {
                <footer class="footer">
                    <span>{t.cant_find}</span>
                    <button type="button" class="secondary-button" on:click=move |_| env.screen.set(Screen::Handoff)>
                        {t.talk_to_person}
                    </button>
                </footer>
            })}
        </div>
    }
}

/// Keeps Tab and Shift+Tab inside the open dialog, wrapping at either end.
fn trap_focus(panel: &web_sys::Element, ev: &KeyboardEvent) {
    let Ok(nodes) = panel.query_selector_all("button,input,textarea,a[href],[tabindex='0']") else {
        return;
    };
    let count = nodes.length();
    let (Some(first), Some(last)) = (nodes.get(0), nodes.get(count.saturating_sub(1))) else {
        return;
    };
    // The focused element of the shadow root (or of the frame's document).
    let root = panel.get_root_node();
    let active = field(&root, "activeElement");
    let (from, to) = if ev.shift_key() {
        (first, last)
    } else {
        (last, first)
    };
    let outside = !active.is_truthy() || !panel.contains(active.dyn_ref());
    if outside || JsValue::from(from) == active {
        ev.prevent_default();
        _ = to.unchecked_into::<HtmlElement>().focus();
    }
}

/// The site's brand colour, reduced to characters that can only form a colour value.
fn css_color(color: &str) -> String {
    let clean: String = color
        .chars()
        .filter(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '#' | '(' | ')' | ',' | '.' | '%' | ' ')
        })
        .collect();
    if clean.trim().is_empty() {
        "#2557d6".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::css_color;

    #[test]
    fn brand_colour_cannot_smuggle_declarations() {
        assert_eq!(css_color("#2557d6"), "#2557d6");
        assert_eq!(css_color("rgb(1, 2, 3)"), "rgb(1, 2, 3)");
        assert_eq!(css_color("red;background:url(x)"), "redbackgroundurl(x)");
        assert_eq!(css_color(";;"), "#2557d6");
    }
}
