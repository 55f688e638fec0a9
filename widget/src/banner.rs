//! Announcement banners from `site.toml` (`GET /api/v1/site` lists the active ones) at the top
//! of the panel. A dismissed banner stays dismissed on this site: its id is kept in
//! `localStorage` (`baton:<site>:dismissed`), so it does not come back on the next visit.

use leptos::prelude::*;

use crate::app::Env;
use crate::http::Notice;

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn storage_key(env: Env) -> String {
    String::from("baton:") + &env.site.get_value() + ":dismissed"
}

/// Ids of the banners dismissed on this site, space-separated (ids have no spaces).
fn dismissed(env: Env) -> String {
    local_storage()
        .and_then(|s| s.get_item(&storage_key(env)).ok().flatten())
        .unwrap_or_default()
}

#[component]
pub fn Banners(env: Env) -> impl IntoView {
    let t = env.t;
    let hidden = RwSignal::new(dismissed(env));
    let dismiss = move |id: &str| {
        let list = hidden.get_untracked() + " " + id;
        if let Some(storage) = local_storage() {
            _ = storage.set_item(&storage_key(env), list.trim());
        }
        hidden.set(list);
    };
    move || {
        env.site_info.with(|site| {
            let notices: Vec<Notice> = match site {
                Some(Ok(site)) => site.announcements.clone(),
                _ => Vec::new(),
            };
            hidden.with(|hidden| {
                notices
                    .into_iter()
                    .filter(|n| !hidden.split(' ').any(|d| d == n.id))
                    .map(|n| {
                        let critical = n.severity == "critical";
                        let id = n.id;
                        view! {
                            <div
                                class="banner"
                                data-severity=n.severity
                                role=if critical { "alert" } else { "status" }
                            >
                                <p>{n.text}</p>
                                <button
                                    type="button"
                                    class="icon-button"
                                    aria-label=t.dismiss
                                    on:click=move |_| dismiss(&id)
                                >
                                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                                        <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                                    </svg>
                                </button>
                            </div>
                        }
                    })
                    .collect_view()
            })
        })
    }
}
