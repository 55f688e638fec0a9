//! The customer's conversation after a handoff: the reference, the promise and the messages
//! (theirs and the support team's), and a form to add more. The reference and its secret
//! token are kept in `localStorage` under `baton:<site>:conversation`, so the conversation is
//! reachable on later pages and visits; the token never leaves this browser except to the
//! Baton server.

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
use crate::http::{list, text};
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

/// A conversation as loaded: the promised reply time and the messages (author, body, when).
#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    reply_by: String,
    messages: Vec<(String, String, String)>,
}

fn decode(v: &JsValue) -> Loaded {
    Loaded {
        reply_by: text(v, "reply_by"),
        messages: list(v, "messages")
            .iter()
            .map(|m| (text(&m, "author"), text(&m, "body"), text(&m, "created_at")))
            .collect(),
    }
}

/// The conversation screen: the view and its reply form are in the `conversation` wasm chunk.
pub fn conversation_screen(env: Env) -> impl IntoView {
    chunked(env, move || conversation_chunk(env))
}

/// The split point of the `conversation` chunk.
#[wasm_split(conversation, wasm_split_path = ::leptos::wasm_split, fallible)]
fn conversation_chunk(env: Env) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <ConversationView env=env /> }.into_any())
}

#[component]
fn ConversationView(env: Env) -> impl IntoView {
    let t = env.t;
    let (reference, token) = env.conversation.get_untracked().unwrap_or_default();
    let loaded = RwSignal::new(None::<Result<Loaded, String>>);
    let reply = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let post_key = StoredValue::new(None::<String>);
    let heading = NodeRef::<html::H2>::new();
    focus_soon(heading);

    let load = {
        let (reference, token) = (reference.clone(), token.clone());
        move || {
            let (reference, token) = (reference.clone(), token.clone());
            spawn_local(async move {
                let api = env.api.get_value();
                let result = api.conversation(&reference, &token, None).await;
                loaded.set(Some(result.map(|v| decode(&v)).map_err(|e| e.message(t))));
            });
        }
    };
    load();

    let submit = {
        let (reference, token) = (reference.clone(), token.clone());
        let load = load.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let message = reply.get_untracked().trim().to_owned();
            if message.is_empty() || sending.get_untracked() {
                return;
            }
            let body = Object::new();
            _ = Reflect::set(&body, &"body".into(), &message.as_str().into());
            let body: String = JSON::stringify(&body)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            let key = post_key.get_value().unwrap_or_else(idempotency_key);
            post_key.set_value(Some(key.clone()));
            sending.set(true);
            let (reference, token, load) = (reference.clone(), token.clone(), load.clone());
            spawn_local(async move {
                let api = env.api.get_value();
                match api
                    .conversation(&reference, &token, Some((body.as_str(), key.as_str())))
                    .await
                {
                    Ok(_) => {
                        reply.set(String::new());
                        post_key.set_value(None);
                        failed.set(None);
                        load();
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
                let promise = (!reply_by.is_empty()).then(|| {
                    let due = format_time(&reply_by, &locale);
                    view! { <p class="baton-promise" data-testid="reply-by">{t.reply_by} " " <time datetime=reply_by.clone()>{due}</time>"."</p> }
                });
                let items = found
                    .messages
                    .into_iter()
                    .map(|(author, body, at)| {
                        let mine = author == "customer";
                        let who = if mine { t.you } else { t.support };
                        let class = if mine { "message mine" } else { "message" };
                        let when = format_time(&at, &locale);
                        view! {
                            <li class=class>
                                <p class="message-meta"><strong>{who}</strong> " · " <time datetime=at>{when}</time></p>
                                <p class="message-body">{body}</p>
                            </li>
                        }
                    })
                    .collect_view();
                view! { {promise}<ol class="messages" data-testid="messages">{items}</ol> }.into_any()
            }
        })
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
                {t.your_conversation} " " <span class="baton-reference" data-testid="conversation-reference">{reference}</span>
            </h2>
            <div aria-live="polite" aria-busy=move || bool_attr(loaded.with(Option::is_none))>
                {move || loaded.with(Option::is_none).then(|| view! { <p class="hint">{t.loading_conversation}</p> })}
                {messages}
            </div>
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
        </div>
    }
}
