//! The customer's conversation after a handoff: the reference, the status, the promise and the
//! messages (theirs and the support team's, arriving live through [`crate::live`]), a form to
//! add more, "Was your issue resolved?" once it is solved, "Reopen", and a verified
//! customer's earlier conversations. The reference and its secret token are kept in
//! `localStorage` under `baton:<site>:conversation`, so the conversation is reachable on later
//! pages and visits; the token never leaves this browser except to the Baton server.

use js_sys::{JSON, Object, Reflect};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen::JsValue;
use web_sys::SubmitEvent;

use crate::app::{Env, focus_soon};
use crate::chunk::chunked;
use crate::handoff::{bool_attr, format_time, idempotency_key};
use crate::http::text;
use crate::session::Screen;

fn key(site: &str) -> String {
    String::from("baton:") + site + ":conversation"
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The conversation this browser has with the site: (reference, token).
pub fn saved(site: &str) -> Option<(String, String)> {
    let value = local()?.get_item(&key(site)).ok()??;
    let (reference, token) = value.split_once(' ')?;
    (!reference.is_empty() && !token.is_empty()).then(|| (reference.to_owned(), token.to_owned()))
}

/// Remembers the conversation of a handoff just sent.
pub fn remember(env: Env, reference: &str, token: &str) {
    if reference.is_empty() || token.is_empty() {
        return;
    }
    if let Some(storage) = local() {
        _ = storage.set_item(
            &key(&env.site.get_value()),
            &(String::from(reference) + " " + token),
        );
    }
    env.conversation
        .set(Some((reference.to_owned(), token.to_owned())));
}

/// The conversation screen: the view and its reply form are in the `conversation` wasm chunk.
/// Without `show` it only starts following the conversation (see [`crate::live`]): the app
/// places that next to the "Your conversation" button under the search, so the stream and the
/// launcher's badge start with the page while fresh visitors load nothing.
pub fn conversation_screen(env: Env, show: bool) -> impl IntoView {
    chunked(env, move || conversation_chunk(env, show))
}

/// For a verified customer in a browser with no stored conversation: loads the `conversation`
/// chunk, which looks for the customer's conversations (see [`newest`]).
pub fn find(env: Env) {
    if env.conversation.with_untracked(Option::is_none) {
        spawn_local(async move {
            _ = conversation_chunk(env, false).await;
        });
    }
}

/// The split point of the `conversation` chunk: starts [`crate::live`] for the stored
/// conversation (without one, looks for a verified customer's newest) and, with `show`,
/// answers its view (else nothing to show).
#[wasm_split(conversation, wasm_split_path = ::leptos::wasm_split, fallible)]
fn conversation_chunk(env: Env, show: bool) -> Result<AnyView, SplitLoaderError> {
    if crate::live::live(env).is_none() {
        newest(env);
    }
    Ok(if show {
        view! { <ConversationView env=env /> }.into_any()
    } else {
        ().into_any()
    })
}

/// Makes the newest of a verified customer's conversations (`GET /api/v1/conversations`) the
/// widget's, for this page only (nothing is stored): the search screen then shows the same
/// "Your conversation" entry as for a stored one, and its view lists the others.
fn newest(env: Env) {
    let identity = crate::live::identity_headers(env);
    if identity.is_empty() {
        return;
    }
    spawn_local(async move {
        let site = env.site.get_value();
        if let Ok(list) = env.api.get_value().conversations(&site, &identity).await
            && let Some(first) = list.into_iter().next()
            && env.conversation.with_untracked(Option::is_none)
        {
            env.conversation.set(Some(first));
        }
    });
}

/// A JSON body from `(key, value)` pairs.
fn json_body(fields: &[(&str, JsValue)]) -> String {
    let body = Object::new();
    for (key, value) in fields {
        _ = Reflect::set(&body, &(*key).into(), value);
    }
    JSON::stringify(&body)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

#[component]
fn ConversationView(env: Env) -> impl IntoView {
    let t = env.t;
    let l = crate::i18n::live_messages(t.lang);
    let (reference, token) = env.conversation.get_untracked().unwrap_or_default();
    let Some(live) = crate::live::live(env) else {
        return ().into_any();
    };
    let loaded = live.loaded;
    let reply = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let post_key = StoredValue::new(None::<String>);
    let heading = NodeRef::<html::H2>::new();
    focus_soon(heading);

    let submit = {
        let (reference, token) = (reference.clone(), token.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let message = reply.get_untracked().trim().to_owned();
            if message.is_empty() || sending.get_untracked() {
                return;
            }
            let body = json_body(&[("body", message.as_str().into())]);
            let key = post_key.get_value().unwrap_or_else(idempotency_key);
            post_key.set_value(Some(key.clone()));
            sending.set(true);
            let (reference, token) = (reference.clone(), token.clone());
            spawn_local(async move {
                let api = env.api.get_value();
                let post = Some(("messages", body.as_str(), key.as_str()));
                let identity = crate::live::identity_headers(env);
                match api.conversation(&reference, &token, post, &identity).await {
                    Ok(v) => {
                        reply.set(String::new());
                        post_key.set_value(None);
                        failed.set(None);
                        live.add(crate::live::Message {
                            id: crate::http::field(&v, "id").as_f64().unwrap_or(-1.0),
                            author: "customer".into(),
                            body: text(&v, "body"),
                            at: text(&v, "created_at"),
                        });
                    }
                    Err(e) => failed.set(Some(e.message(t))),
                }
                sending.set(false);
            });
        }
    };

    let locale = env.locale.get_value();
    let messages = move || {
        let locale = locale.clone();
        loaded.get().map(|state| match state {
            Err(message) => view! { <div class="notice" role="alert"><span>{message}</span></div> }.into_any(),
            Ok(found) => {
                let reply_by = found.reply_by;
                let promise = (!reply_by.is_empty() && found.status != "solved").then(|| {
                    let due = format_time(&reply_by, &locale);
                    view! { <p class="baton-promise" data-testid="reply-by">{t.reply_by} " " <time datetime=reply_by.clone()>{due}</time>"."</p> }
                });
                let status = match found.status.as_str() {
                    "pending" => l.status_pending,
                    "solved" => l.status_solved,
                    _ => l.status_open,
                };
                let items = found
                    .messages
                    .into_iter()
                    .map(|m| {
                        let mine = m.author == "customer";
                        let who = if mine { t.you } else { t.support };
                        let class = if mine { "message mine" } else { "message" };
                        let when = format_time(&m.at, &locale);
                        view! {
                            <li class=class>
                                <p class="message-meta"><strong>{who}</strong> " · " <time datetime=m.at>{when}</time></p>
                                <p class="message-body">{m.body}</p>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <p class="hint" data-testid="conversation-status" data-status=found.status.clone()>{l.status} " " <strong>{status}</strong></p>
                    {promise}
                    <ol class="messages" data-testid="messages">{items}</ol>
                }
                .into_any()
            }
        })
    };

    // What the last satisfaction answer or reopening did, told in a live region.
    let news = RwSignal::new(None::<String>);
    let due = move || {
        loaded.with(|l| matches!(l, Some(Ok(l)) if l.status == "solved" && l.satisfaction_due))
    };

    view! {
        <div class="conversation">
            <button type="button" class="back-button" on:click=move |_| env.screen.set(Screen::Search)>
                <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                    <path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                </svg>
                {t.back_to_help}
            </button>
            <h2 tabindex="-1" node_ref=heading>
                {t.your_conversation} " " <span class="baton-reference" data-testid="conversation-reference">{reference.clone()}</span>
            </h2>
            <div aria-live="polite" aria-busy=move || bool_attr(loaded.with(Option::is_none))>
                {move || loaded.with(Option::is_none).then(|| view! { <p class="hint">{t.loading_conversation}</p> })}
                {messages}
            </div>
            {move || due().then(|| view! { <Satisfaction env=env live=live news=news /> })}
            <Reopen env=env live=live news=news />
            <form class="reply" novalidate on:submit=submit>
                <div class="field">
                    <label for="baton-reply">{t.add_message}</label>
                    <textarea
                        id="baton-reply"
                        rows="3"
                        prop:value=move || reply.get()
                        on:input=move |ev| {
                            reply.set(event_target_value(&ev));
                            post_key.set_value(None);
                        }
                    ></textarea>
                </div>
                {move || failed.get().map(|message| view! { <div class="notice" role="alert"><span>{message}</span></div> })}
                <button type="submit" class="primary-button" aria-disabled=move || bool_attr(sending.get())>
                    {move || if sending.get() { t.sending } else { t.send }}
                </button>
            </form>
            <Earlier env=env current=reference />
        </div>
    }
    .into_any()
}

/// "Was your issue resolved?" once the ticket is solved: yes or no, an optional 1–5 rating
/// and an optional comment. "No" reopens the ticket.
#[component]
fn Satisfaction(
    env: Env,
    live: crate::live::Live,
    news: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = env.t;
    let l = crate::i18n::live_messages(t.lang);
    // 0: not chosen, 1: yes, 2: no. (Signal types the main module already has cost no bytes.)
    let resolved = RwSignal::new(0u32);
    // 0: none, else 1 to 5.
    let rating = RwSignal::new(0u32);
    let comment = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let answer = match resolved.get_untracked() {
            1 => true,
            2 => false,
            _ => {
                problem.set(Some(l.answer_needed.to_owned()));
                return;
            }
        };
        if sending.get_untracked() {
            return;
        }
        let Some((reference, token)) = env.conversation.get_untracked() else {
            return;
        };
        let mut fields = vec![("resolved", JsValue::from_bool(answer))];
        let stars = rating.get_untracked();
        if stars > 0 {
            fields.push(("rating", JsValue::from_f64(f64::from(stars))));
        }
        let note = comment.get_untracked().trim().to_owned();
        if !note.is_empty() {
            fields.push(("comment", note.as_str().into()));
        }
        let body = json_body(&fields);
        sending.set(true);
        spawn_local(async move {
            let api = env.api.get_value();
            let post = Some(("satisfaction", body.as_str(), ""));
            match api
                .conversation(
                    &reference,
                    &token,
                    post,
                    &crate::live::identity_headers(env),
                )
                .await
            {
                Ok(_) => {
                    if stars > 0 {
                        crate::insights::track(
                            "survey_answered",
                            &[
                                ("rating", f64::from(stars).into()),
                                ("solved", answer.into()),
                                ("reference", reference.as_str().into()),
                            ],
                        );
                    }
                    problem.set(None);
                    news.set(Some(
                        if answer { l.thanks_answer } else { l.reopened }.to_owned(),
                    ));
                    crate::live::reload(env, live, false);
                }
                Err(e) => problem.set(Some(e.message(t))),
            }
            sending.set(false);
        });
    };
    let choice = move |name: &'static str, label: &'static str, value: u32| {
        view! {
            <label class="flow-rating-option" data-choice=name>
                <input type="radio" name="baton-resolved" on:change=move |_| { resolved.set(value); problem.set(None); } />
                {label}
            </label>
        }
    };
    view! {
        <form class="reply satisfaction" novalidate on:submit=submit data-testid="satisfaction">
            <fieldset class="flow-fieldset flow-rating">
                <legend>{l.resolved_question}</legend>
                {choice("yes", t.yes, 1)}
                {choice("no", t.no, 2)}
            </fieldset>
            <fieldset class="flow-fieldset flow-rating">
                <legend>{l.rating_legend}</legend>
                {l.ratings.iter().enumerate().map(|(i, label)| {
                    let value = i as u32 + 1;
                    view! {
                        <label class="flow-rating-option">
                            <input type="radio" name="baton-rating" value=value.to_string() on:change=move |_| rating.set(value) />
                            {*label}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field">
                <label for="baton-comment">{l.comment_label}</label>
                <textarea id="baton-comment" rows="2" maxlength="2000"
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            </div>
            <div role="alert">{move || problem.get().map(|p| view! { <p class="field-error">{p}</p> })}</div>
            <button type="submit" class="primary-button" aria-disabled=move || bool_attr(sending.get())>
                {move || if sending.get() { t.sending } else { l.send_answer }}
            </button>
        </form>
    }
}

/// "Reopen" in one click while the ticket is solved, and the news of the last answer or
/// reopening in a live region.
#[component]
fn Reopen(env: Env, live: crate::live::Live, news: RwSignal<Option<String>>) -> impl IntoView {
    let l = crate::i18n::live_messages(env.t.lang);
    let reopen = move |_| {
        let Some((reference, token)) = env.conversation.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let api = env.api.get_value();
            let post = Some(("reopen", "{}", ""));
            if api
                .conversation(
                    &reference,
                    &token,
                    post,
                    &crate::live::identity_headers(env),
                )
                .await
                .is_ok()
            {
                news.set(Some(l.reopened.to_owned()));
                crate::live::reload(env, live, false);
            }
        });
    };
    let solved = move || {
        live.loaded
            .with(|l| matches!(l, Some(Ok(l)) if l.status == "solved"))
    };
    view! {
        <div class="reopen">
            <p role="status" class="hint" data-testid="conversation-news">{move || news.get()}</p>
            {move || solved().then(|| view! {
                <button type="button" class="secondary-button" data-testid="reopen" on:click=reopen>{l.reopen}</button>
            })}
        </div>
    }
}

/// A verified customer's other conversations (from `GET /api/v1/conversations`), to open.
#[component]
fn Earlier(env: Env, current: String) -> impl IntoView {
    let l = crate::i18n::live_messages(env.t.lang);
    // (reference, token), newest first.
    let found = RwSignal::new(Vec::<(String, String)>::new());
    let identity = crate::live::identity_headers(env);
    if !identity.is_empty() {
        spawn_local(async move {
            let site = env.site.get_value();
            if let Ok(mut list) = env.api.get_value().conversations(&site, &identity).await {
                list.retain(|c| c.0 != current);
                found.set(list);
            }
        });
    }
    move || {
        let list = found.get();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|(reference, token)| {
                    let label = reference.clone();
                    view! {
                        <li>
                            <button type="button" class="link-button" data-testid="earlier-conversation"
                                on:click=move |_| {
                                    remember(env, &reference, &token);
                                    // The same screen again: the view is drawn anew for this one.
                                    env.screen.set(Screen::Conversation);
                                }>
                                {label}
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="hint" aria-labelledby="baton-earlier">
                    <h3 id="baton-earlier">{l.earlier}</h3>
                    <ul>{items}</ul>
                </section>
            }
        })
    }
}
