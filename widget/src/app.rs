//! The panel: header, the current screen (search, article or handoff form) and footer.

use baton_core::Transcript;
use baton_core::api::SiteInfo;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement, KeyboardEvent};

use crate::Config;
use crate::article::ArticleView;
use crate::handoff::{Draft, HandoffView};
use crate::http::Api;
use crate::search::{Search, SearchView};
use crate::session::{Screen, SessionStore, now_ms};

/// The panel's CSS, placed in a `<style>` element inside the shadow root.
const STYLE: &str = include_str!("style.css");

/// Id of the panel, named by the launcher's `aria-controls`.
const PANEL_ID: &str = "baton-panel";

/// What every screen of the panel works with. All fields are cheap handles (`Copy`).
#[derive(Clone, Copy)]
pub struct Env {
    pub api: StoredValue<Api>,
    pub site: StoredValue<String>,
    /// The locale to ask the server for; empty until known (the server then uses its default).
    pub locale: Signal<String>,
    pub transcript: RwSignal<Transcript>,
    pub screen: RwSignal<Screen>,
}

/// Loading state of the site description.
#[derive(Clone, Debug, PartialEq)]
enum SiteState {
    Loading,
    Ready(SiteInfo),
    Failed(String),
}

/// The whole widget. `open` is shared with the loader's [`crate::Widget`] handle; `root` is the
/// mount container, which receives `baton:openchange` events and the theme variables.
#[component]
pub fn App(config: Config, open: RwSignal<bool>, root: HtmlElement) -> impl IntoView {
    let store = StoredValue::new(SessionStore::new(&config.site));
    let root = StoredValue::new_local(root);

    let transcript = store
        .with_value(|s| s.transcript())
        .unwrap_or_else(|| Transcript::new(config.locale.clone()));
    let transcript = RwSignal::new(transcript);
    transcript.update(|t| t.record_page_view(now_ms(), &config.page_url));
    let restored_open = store.with_value(SessionStore::open);
    open.set(restored_open);

    let site_state = RwSignal::new(SiteState::Loading);
    let fixed_locale = config.locale.clone();
    let locale = Signal::derive(move || {
        fixed_locale.clone().unwrap_or_else(|| {
            site_state.with(|s| match s {
                SiteState::Ready(site) => site.default_locale.clone(),
                _ => String::new(),
            })
        })
    });
    let env = Env {
        api: StoredValue::new(Api::new(&config.api_base)),
        site: StoredValue::new(config.site.clone()),
        locale,
        transcript,
        screen: RwSignal::new(store.with_value(SessionStore::screen)),
    };
    let search = Search::new(store.with_value(SessionStore::query));
    let draft = Draft::new();
    let search_input = NodeRef::<html::Input>::new();
    let close_button = NodeRef::<html::Button>::new();

    let load_site = move || {
        site_state.set(SiteState::Loading);
        spawn_local(async move {
            match env.api.get_value().site().await {
                Ok(site) => {
                    let brand = css_color(&site.brand_color);
                    store.with_value(|s| s.save_brand(&brand));
                    root.with_value(|r| {
                        _ = r.set_attribute("style", &format!("--baton-brand:{brand}"));
                    });
                    transcript.update(|t| {
                        if t.locale.is_none() {
                            t.locale = Some(site.default_locale.clone());
                        }
                    });
                    site_state.set(SiteState::Ready(site));
                }
                Err(e) => site_state.set(SiteState::Failed(e.message())),
            }
        });
    };
    load_site();
    if !search.query.get_untracked().trim().is_empty() {
        search.run(env);
    }

    Effect::new(move || transcript.with(|t| store.with_value(|s| s.save_transcript(t))));
    Effect::new(move |previous: Option<Screen>| {
        let screen = env.screen.get();
        store.with_value(|s| s.save_screen(&screen));
        // Coming back to the search keeps focus in the panel (the button pressed is gone).
        if previous.is_some_and(|p| p != screen) && screen == Screen::Search {
            request_animation_frame(move || {
                if let Some(input) = search_input.get_untracked() {
                    _ = input.focus();
                }
            });
        }
        screen
    });
    Effect::new(move || search.query.with(|q| store.with_value(|s| s.save_query(q))));
    Effect::new(move |previous: Option<bool>| {
        let is_open = open.get();
        store.with_value(|s| s.save_open(is_open));
        root.with_value(|r| announce_open(r, is_open));
        // Focus follows the customer opening the panel, not a panel restored on page load.
        let opened = match previous {
            Some(was_open) => !was_open,
            None => !restored_open,
        };
        if is_open && opened {
            request_animation_frame(move || {
                if let Some(input) = search_input.get_untracked() {
                    _ = input.focus();
                } else if let Some(button) = close_button.get_untracked() {
                    _ = button.focus();
                }
            });
        }
        is_open
    });

    let name = move || {
        site_state.with(|s| match s {
            SiteState::Ready(site) => site.name.clone(),
            _ => "Support".to_owned(),
        })
    };
    let greeting = move || {
        site_state.with(|s| match s {
            SiteState::Ready(site) => site.greeting.clone(),
            _ => "How can we help?".to_owned(),
        })
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            // Keep the query: a search box clears itself on Escape by default.
            ev.prevent_default();
            open.set(false);
        }
    };

    view! {
        <style>{STYLE}</style>
        <div
            class="panel"
            id=PANEL_ID
            role="dialog"
            aria-label=name
            hidden=move || !open.get()
            on:keydown=on_keydown
        >
            <header class="header">
                <div class="header-text">
                    <p class="site-name">{name}</p>
                    <p class="greeting">{greeting}</p>
                </div>
                <button
                    type="button"
                    class="icon-button"
                    aria-label="Close support"
                    node_ref=close_button
                    on:click=move |_| open.set(false)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                        <path
                            d="M6 6l12 12M18 6L6 18"
                            stroke="currentColor"
                            stroke-width="2"
                            stroke-linecap="round"
                        />
                    </svg>
                </button>
            </header>
            {move || match site_state.get() {
                SiteState::Failed(message) => {
                    Some(
                        view! {
                            <div class="notice" role="alert">
                                <span>{message}</span>
                                <button type="button" class="link-button" on:click=move |_| load_site()>
                                    "Retry"
                                </button>
                            </div>
                        },
                    )
                }
                _ => None,
            }}
            <div class="body">
                {move || match env.screen.get() {
                    Screen::Search => {
                        view! { <SearchView env=env search=search input_ref=search_input /> }
                            .into_any()
                    }
                    Screen::Article { slug } => view! { <ArticleView env=env slug=slug /> }.into_any(),
                    Screen::Handoff => view! { <HandoffView env=env draft=draft /> }.into_any(),
                }}
            </div>
            <Show when=move || env.screen.with(|s| *s != Screen::Handoff)>
                <footer class="footer">
                    <span>"Can't find what you need?"</span>
                    <button
                        type="button"
                        class="secondary-button"
                        on:click=move |_| env.screen.set(Screen::Handoff)
                    >
                        "Talk to a person"
                    </button>
                </footer>
            </Show>
        </div>
    }
}

/// Tells the loader that the panel opened or closed.
fn announce_open(root: &HtmlElement, open: bool) {
    let init = CustomEventInit::new();
    init.set_detail(&JsValue::from_bool(open));
    if let Ok(event) = CustomEvent::new_with_event_init_dict("baton:openchange", &init) {
        _ = root.dispatch_event(&event);
    }
}

/// The site's brand colour, reduced to characters that can only form a colour value, so site
/// configuration can never inject other declarations into the `style` attribute.
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
