//! Search as you type: debounced queries, stale requests aborted, results with highlighted
//! snippets, and a polite live region that says how it went.

use std::time::Duration;

use baton_core::api::{Fragment, SearchHit, SearchResponse};
use baton_core::transcript::ShownResult;
use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::app::Env;
use crate::http::ApiError;
use crate::session::{Screen, now_ms};

/// Pause in typing after which a search starts.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The search box's state. It outlives the search view, so returning from an article shows the
/// same results without asking the server again.
#[derive(Clone, Copy)]
pub struct Search {
    pub query: RwSignal<String>,
    results: RwSignal<Option<SearchResponse>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    in_flight: StoredValue<Option<AbortController>, LocalStorage>,
}

impl Search {
    pub fn new(query: String) -> Self {
        Search {
            query: RwSignal::new(query),
            results: RwSignal::new(None),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            timer: StoredValue::new_local(None),
            in_flight: StoredValue::new_local(None),
        }
    }

    /// Starts a search for the current query once typing pauses.
    fn schedule(self, env: Env) {
        if let Some(timer) = self.timer.get_value() {
            timer.clear();
        }
        if self.query.with_untracked(|q| q.trim().is_empty()) {
            self.cancel();
            self.results.set(None);
            self.error.set(None);
            return;
        }
        let timer = set_timeout_with_handle(move || self.run(env), DEBOUNCE).ok();
        self.timer.set_value(timer);
    }

    /// Searches for the current query now, aborting the search in flight.
    pub fn run(self, env: Env) {
        self.cancel();
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        self.in_flight.set_value(controller);
        self.loading.set(true);
        let query = self.query.get_untracked();
        let locale = env.locale.get_untracked();
        let api = env.api.get_value();
        spawn_local(async move {
            match api.search(&query, &locale, signal.as_ref()).await {
                // A newer search owns the loading state now.
                Err(ApiError::Aborted) => {}
                Ok(response) => {
                    let shown: Vec<ShownResult> = response
                        .hits
                        .iter()
                        .map(|hit| ShownResult {
                            slug: hit.slug.clone(),
                            title: hit.title.clone(),
                        })
                        .collect();
                    env.transcript.update(|t| {
                        t.record_search(now_ms(), &response.query, response.total, &shown);
                    });
                    self.error.set(None);
                    self.results.set(Some(response));
                    self.loading.set(false);
                }
                Err(error) => {
                    self.error.set(Some(error.message()));
                    self.loading.set(false);
                }
            }
        });
    }

    fn cancel(self) {
        if let Some(controller) = self.in_flight.get_value() {
            controller.abort();
        }
        self.in_flight.set_value(None);
        self.loading.set(false);
    }
}

/// What the live region says about the latest results.
fn announcement(response: &SearchResponse) -> String {
    match response.total {
        0 => format!("No results for “{}”", response.query),
        1 => "1 result".to_owned(),
        n => format!("{n} results"),
    }
}

#[component]
pub fn SearchView(env: Env, search: Search, input_ref: NodeRef<html::Input>) -> impl IntoView {
    let on_input = move |ev| {
        search.query.set(event_target_value(&ev));
        search.schedule(env);
    };
    let status = move || {
        search
            .results
            .with(|r| r.as_ref().map(announcement))
            .unwrap_or_default()
    };

    view! {
        <div class="search">
            <div class="search-box" class:loading=move || search.loading.get()>
                <svg class="search-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                    <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
                    <path d="M20 20l-3.5-3.5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
                <input
                    type="search"
                    aria-label="Search help articles"
                    placeholder="Search for answers…"
                    autocomplete="off"
                    spellcheck="false"
                    maxlength="200"
                    node_ref=input_ref
                    prop:value=move || search.query.get()
                    on:input=on_input
                />
                <span class="spinner" aria-hidden="true"></span>
            </div>
            <p class="sr-only" role="status" aria-live="polite">{status}</p>
            <div class="results-area" aria-busy=move || search.loading.get().to_string()>
                {move || {
                    if let Some(message) = search.error.get() {
                        return Either::Left(view! { <p class="notice" role="alert">{message}</p> });
                    }
                    Either::Right(
                        search
                            .results
                            .with(|r| match r {
                                None if search.loading.get() => {
                                    Some(view! { <p class="hint">"Searching…"</p> }.into_any())
                                }
                                None => Some(view! { <EmptyState /> }.into_any()),
                                Some(r) if r.hits.is_empty() => {
                                    Some(view! { <NoResults query=r.query.clone() /> }.into_any())
                                }
                                Some(r) => Some(view! { <ResultList env=env hits=r.hits.clone() /> }.into_any()),
                            }),
                    )
                }}
            </div>
        </div>
    }
}

#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <div class="empty">
            <p class="empty-title">"Search our help center"</p>
            <p class="hint">"Try “reset hub”, “pair a device” or “Nimbus Plus”."</p>
        </div>
    }
}

#[component]
fn NoResults(query: String) -> impl IntoView {
    view! {
        <div class="empty">
            <p class="empty-title">"No results for “" {query} "”"</p>
            <p class="hint">"Try fewer or different words, or talk to a person below."</p>
        </div>
    }
}

#[component]
fn ResultList(env: Env, hits: Vec<SearchHit>) -> impl IntoView {
    view! {
        <ul class="results">
            {hits
                .into_iter()
                .map(|hit| {
                    let slug = hit.slug;
                    view! {
                        <li>
                            <button
                                type="button"
                                class="result"
                                on:click=move |_| env.screen.set(Screen::Article { slug: slug.clone() })
                            >
                                <span class="result-title">{hit.title}</span>
                                <span class="result-category">{hit.category}</span>
                                <span class="result-snippet">{snippet(hit.snippet)}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Snippet fragments as text nodes, matches wrapped in `<mark>`; never parsed as HTML.
fn snippet(fragments: Vec<Fragment>) -> impl IntoView {
    fragments
        .into_iter()
        .map(|f| {
            if f.highlight {
                Either::Left(view! { <mark>{f.text}</mark> })
            } else {
                Either::Right(f.text)
            }
        })
        .collect_view()
}
