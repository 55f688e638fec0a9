//! One article, read inside the widget. Links to other articles open here too.

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen::JsCast;
use web_sys::{Element, MouseEvent};

use crate::app::{Env, focus_soon};
use crate::chunk::chunked;
use crate::http::Article;
use crate::session::{Screen, now_ms};

#[derive(Clone, Debug, PartialEq)]
enum Loaded {
    Loading,
    Ready(Article),
    Failed(String),
}

/// The article screen: the article view is in the `article` wasm chunk.
pub fn article_screen(env: Env, slug: String) -> impl IntoView {
    chunked(env, move || article_chunk(env, slug.clone()))
}

/// The split point of the `article` chunk.
#[wasm_split(article, wasm_split_path = ::leptos::wasm_split, fallible)]
fn article_chunk(env: Env, slug: String) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <ArticleView env=env slug=slug /> }.into_any())
}

#[component]
fn ArticleView(env: Env, slug: String) -> impl IntoView {
    let t = env.t;
    let state = RwSignal::new(Loaded::Loading);
    let voted = RwSignal::new(false);
    let heading = NodeRef::<html::H2>::new();

    // An editor's preview of this article: drafts included, not recorded in the transcript.
    let preview_token = StoredValue::new(
        (env.preview.get_untracked().as_deref() == Some(slug.as_str()))
            .then(|| env.store.with_value(|s| s.get("preview-token")))
            .flatten()
            .filter(|token| !token.is_empty()),
    );
    let previewing = preview_token.with_value(Option::is_some);
    let load = move |slug: String| {
        state.set(Loaded::Loading);
        let api = env.api.get_value();
        let locale = env.locale.get_value();
        let token = preview_token.get_value();
        spawn_local(async move {
            let next = match api.article(&slug, &locale, token.as_deref()).await {
                Ok(article) => {
                    if token.is_none() {
                        env.transcript.update(|t| {
                            t.record_article(now_ms(), &article.slug, &article.title);
                        });
                        // Sent with the seconds on the article when the view closes or the page
                        // hides.
                        crate::insights::hold(
                            "article_viewed",
                            &[("slug", article.slug.as_str().into())],
                        );
                    }
                    focus_soon(heading);
                    Loaded::Ready(article)
                }
                Err(error) => Loaded::Failed(error.message(env.t)),
            };
            // The customer may have left this view while the article loaded.
            _ = state.try_set(next);
        });
    };
    load(slug.clone());
    // Time on the article counts until the view closes (or the page hides).
    on_cleanup(crate::insights::release);

    let on_body_click = move |ev: MouseEvent| {
        let Some(link) = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let href = link.get_attribute("href").unwrap_or_default();
        if let Some(slug) = internal_slug(&href) {
            ev.prevent_default();
            env.screen.set(Screen::Article(slug));
        } else if href.starts_with('#') {
            // In-page anchors would change the host page's URL.
            ev.prevent_default();
        } else if href.starts_with("http://") || href.starts_with("https://") {
            ev.prevent_default();
            if let Some(window) = web_sys::window() {
                _ = window.open_with_url_and_target_and_features(
                    &href,
                    "_blank",
                    "noopener,noreferrer",
                );
            }
        }
    };
    let vote = move |helpful: bool, slug: String| {
        voted.set(true);
        if !previewing {
            crate::insights::track(
                "vote",
                &[("slug", slug.as_str().into()), ("helpful", helpful.into())],
            );
        }
        if helpful {
            env.emit("resolved", "slug", &slug);
        }
    };

    view! {
        <button type="button" class="back-button" on:click=move |_| env.screen.set(Screen::Search)>
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                <path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
            {t.back_to_results}
        </button>
        {move || match state.get() {
            Loaded::Loading => view! { <p class="hint" role="status">{t.loading_article}</p> }.into_any(),
            Loaded::Failed(message) => {
                let slug = slug.clone();
                view! {
                    <div class="notice" role="alert">
                        <span>{message}</span>
                        <button type="button" class="link-button" on:click=move |_| load(slug.clone())>
                            {t.retry}
                        </button>
                    </div>
                }
                    .into_any()
            }
            Loaded::Ready(article) => {
                let (yes, no) = (article.slug.clone(), article.slug.clone());
                let offered = article.flow.clone();
                view! {
                    <article class="article">
                        <p>
                            <span class="result-category">{article.category}</span>
                            {previewing.then(|| view! { <span class="preview-badge">{t.preview}</span> })}
                        </p>
                        <h2 tabindex="-1" node_ref=heading>{article.title}</h2>
                        <div class="article-body" inner_html=article.html on:click=on_body_click></div>
                        {offered.map(|id| view! { <crate::flow::OfferedFlow env=env id=id /> })}
                    </article>
                    <div class="feedback" role="group" aria-label=t.helpful>
                        {move || if voted.get() {
                            Either::Left(view! { <p role="status">{t.thanks_feedback}</p> })
                        } else {
                            let (yes, no) = (yes.clone(), no.clone());
                            Either::Right(view! {
                                <span>{t.helpful}</span>
                                <button type="button" class="secondary-button" on:click=move |_| vote(true, yes.clone())>{t.yes}</button>
                                <button type="button" class="secondary-button" on:click=move |_| vote(false, no.clone())>{t.no}</button>
                            })
                        }}
                    </div>
                }
                    .into_any()
            }
        }}
    }
}

/// The slug a link inside an article points to, when it points to another article: a relative
/// href such as `factory-reset-your-hub`, `./factory-reset-your-hub` or `…#section`.
fn internal_slug(href: &str) -> Option<String> {
    let path = href.strip_prefix("./").unwrap_or(href);
    let path = path.split(['#', '?']).next()?;
    let path = path.strip_suffix(".md").unwrap_or(path);
    let is_slug = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    is_slug.then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::internal_slug;

    #[test]
    fn relative_slug_links_stay_in_the_widget() {
        assert_eq!(
            internal_slug("factory-reset-your-hub"),
            Some("factory-reset-your-hub".into())
        );
        assert_eq!(
            internal_slug("./update-firmware#steps"),
            Some("update-firmware".into())
        );
        assert_eq!(
            internal_slug("pair-a-device.md"),
            Some("pair-a-device".into())
        );
    }

    #[test]
    fn other_links_are_not_slugs() {
        for href in [
            "https://nimbus.example/shop",
            "/pricing",
            "#steps",
            "mailto:a@b.co",
            "",
            "../x",
        ] {
            assert_eq!(internal_slug(href), None, "{href}");
        }
    }
}
