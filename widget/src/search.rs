//! Search as you type: debounced queries, stale requests aborted, results with highlighted
//! snippets, "did you mean", suggestions for the page, and a polite live region that says how
//! it went.

use std::time::Duration;

use baton_core::transcript::ShownResult;
use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::app::Env;
use crate::http::{ApiError, Hit, Results};
use crate::session::{Screen, now_ms};

/// Pause in typing after which a search starts.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The search box's state. It outlives the search view, so returning from an article shows the
/// same results without asking the server again.
#[derive(Clone, Copy)]
pub struct Search {
    pub query: RwSignal<String>,
    results: RwSignal<Option<Results>>,
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
        self.fetch(env, true);
    }

    /// Shows the results of a query restored from an earlier page, which insights counted
    /// there.
    pub fn show(self, env: Env) {
        self.fetch(env, false);
    }

    fn fetch(self, env: Env, counted: bool) {
        self.cancel();
        let query = self.query.get_untracked();
        if query.trim().is_empty() {
            return;
        }
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        self.in_flight.set_value(controller);
        self.loading.set(true);
        let locale = env.locale.get_value();
        let api = env.api.get_value();
        spawn_local(async move {
            match api.search(&query, &locale, signal.as_ref()).await {
                // A newer search owns the loading state now.
                Err(ApiError::Aborted) => {}
                Ok(results) => {
                    let shown: Vec<ShownResult> = results
                        .hits
                        .iter()
                        .map(|hit| ShownResult {
                            slug: hit.slug.clone(),
                            title: hit.title.clone(),
                        })
                        .collect();
                    env.transcript.update(|t| {
                        t.record_search(now_ms(), &results.query, results.total, &shown);
                    });
                    if counted {
                        crate::insights::search(&results.query, results.total);
                    }
                    self.error.set(None);
                    self.results.set(Some(results));
                    self.loading.set(false);
                }
                Err(error) => {
                    self.error.set(Some(error.message(env.t)));
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

#[component]
pub fn SearchView(env: Env, input_ref: NodeRef<html::Input>) -> impl IntoView {
    let t = env.t;
    let search = env.search;
    let on_input = move |ev| {
        search.query.set(event_target_value(&ev));
        search.schedule(env);
    };
    // What the live region says about the latest results.
    let status = move || {
        search.results.with(|r| match r {
            None => String::new(),
            Some(r) if r.total == 0 => t.no_results.replace("{q}", &r.query),
            Some(r) if r.total == 1 => t.one_result.into(),
            Some(r) => t.n_results.replace("{n}", &r.total.to_string()),
        })
    };

    view! {
        <div class="search-box" class:loading=move || search.loading.get()>
            <svg class="search-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
                <path d="M20 20l-3.5-3.5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
            <input
                type="search"
                aria-label=t.search_label
                placeholder=t.search_placeholder
                autocomplete="off"
                spellcheck="false"
                maxlength="200"
                enterkeyhint="search"
                node_ref=input_ref
                prop:value=move || search.query.get()
                on:input=on_input
            />
            <span class="spinner" aria-hidden="true"></span>
        </div>
        <p class="sr-only" role="status" aria-live="polite">{status}</p>
        <div class="results-area" aria-busy=move || crate::handoff::bool_attr(search.loading.get())>
            {move || {
                if let Some(message) = search.error.get() {
                    return Either::Left(view! {
                        <div class="notice" role="alert">
                            <span>{message}</span>
                            <button type="button" class="link-button" on:click=move |_| search.run(env)>
                                {t.retry}
                            </button>
                        </div>
                    });
                }
                Either::Right(search.results.with(|r| match r {
                    None if search.loading.get() => view! { <p class="hint">{t.searching}</p> }.into_any(),
                    None => view! {
                        <div class="empty">
                            <p class="empty-title">{t.empty_title}</p>
                            <p class="hint">{t.empty_hint}</p>
                        </div>
                        {move || {
                            let flows = env.flow_suggestions.get();
                            env.suggestions.with(|s| (!s.is_empty() || !flows.is_empty()).then(|| view! {
                                <h3 class="list-title">{t.suggested}</h3>
                                <crate::flow::FlowLinks env=env flows=flows />
                                <HitList env=env hits=s.clone() query=None />
                            }))
                        }}
                    }
                    .into_any(),
                    Some(r) if r.hits.is_empty() && r.flows.is_empty() => {
                        let suggestion = r.suggestion.clone();
                        view! {
                            <div class="empty">
                                <p class="empty-title">{t.no_results.replace("{q}", &r.query)}</p>
                                {suggestion.map(|s| view! {
                                    <p>
                                        {t.did_you_mean} " "
                                        <button type="button" class="link-button" on:click=move |_| {
                                            search.query.set(s.clone());
                                            search.run(env);
                                        }>{s.clone()}</button>
                                    </p>
                                })}
                                <p class="hint">{t.no_results_hint}</p>
                            </div>
                        }
                        .into_any()
                    }
                    Some(r) => view! {
                        <crate::flow::FlowLinks env=env flows=r.flows.clone() />
                        <HitList env=env hits=r.hits.clone() query=Some(r.query.clone()) />
                    }
                    .into_any(),
                }))
            }}
        </div>
    }
}

/// Articles to open: search results (`query` is the search, for insights) or suggestions.
#[component]
fn HitList(env: Env, hits: Vec<Hit>, query: Option<String>) -> impl IntoView {
    view! {
        <ul class="results">
            {hits
                .into_iter()
                .enumerate()
                .map(|(index, hit)| {
                    let slug = hit.slug;
                    let query = query.clone();
                    let open = move |_| {
                        if let Some(query) = &query {
                            crate::insights::clicked(query, index + 1, &slug);
                        }
                        env.screen.set(Screen::Article(slug.clone()));
                    };
                    view! {
                        <li>
                            <button
                                type="button"
                                class="result"
                                on:click=open
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
fn snippet(fragments: Vec<(String, bool)>) -> impl IntoView {
    fragments
        .into_iter()
        .map(|(text, highlight)| {
            if highlight {
                Either::Left(view! { <mark>{text}</mark> })
            } else {
                Either::Right(text)
            }
        })
        .collect_view()
}
