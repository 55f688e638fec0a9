//! "Talk to a person": the handoff form, its validation and the confirmation with the ticket
//! reference.

use baton_core::api::{FieldError, HandoffRequest, HandoffResponse};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::SubmitEvent;

use crate::app::Env;
use crate::session::Screen;

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Editing,
    Sending,
    /// Not sent; everything typed is kept and the same submission can be retried.
    Failed(String),
    Sent(HandoffResponse),
}

/// What the customer typed. It outlives the form, so looking something up and coming back
/// loses nothing.
#[derive(Clone, Copy)]
pub struct Draft {
    name: RwSignal<String>,
    email: RwSignal<String>,
    message: RwSignal<String>,
    error: RwSignal<Option<FieldError>>,
    status: RwSignal<Status>,
    /// The `Idempotency-Key` of the current submission: reused when it is retried, replaced
    /// once the customer edits the form.
    key: StoredValue<Option<String>>,
}

impl Draft {
    pub fn new() -> Self {
        Draft {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            message: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            status: RwSignal::new(Status::Editing),
            key: StoredValue::new(None),
        }
    }

    fn edited(self) {
        self.key.set_value(None);
    }

    fn field_error(self, field: &'static str) -> impl Fn() -> Option<String> + Copy + Send {
        move || {
            self.error.with(|e| {
                e.as_ref()
                    .filter(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        }
    }
}

#[component]
pub fn HandoffView(env: Env, draft: Draft) -> impl IntoView {
    let name_ref = NodeRef::<html::Input>::new();
    let email_ref = NodeRef::<html::Input>::new();
    let message_ref = NodeRef::<html::Textarea>::new();

    if draft
        .status
        .with_untracked(|s| matches!(s, Status::Editing))
    {
        request_animation_frame(move || {
            if let Some(input) = name_ref.get_untracked() {
                _ = input.focus();
            }
        });
    }

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if draft
            .status
            .with_untracked(|s| matches!(s, Status::Sending))
        {
            return;
        }
        let request = HandoffRequest {
            site: env.site.get_value(),
            name: draft.name.get_untracked().trim().to_owned(),
            email: draft.email.get_untracked().trim().to_owned(),
            message: draft.message.get_untracked().trim().to_owned(),
            transcript: env.transcript.get_untracked(),
        };
        if let Err(error) = request.validate() {
            let focused = match error.field.as_str() {
                "name" => name_ref.get_untracked().map(|e| e.focus()),
                "email" => email_ref.get_untracked().map(|e| e.focus()),
                _ => message_ref.get_untracked().map(|e| e.focus()),
            };
            // Focusing can only fail for a detached element; the error is shown regardless.
            _ = focused;
            draft.error.set(Some(error));
            return;
        }
        draft.error.set(None);
        let key = draft.key.get_value().unwrap_or_else(idempotency_key);
        draft.key.set_value(Some(key.clone()));
        draft.status.set(Status::Sending);
        let api = env.api.get_value();
        spawn_local(async move {
            let status = match api.handoff(&request, &key).await {
                Ok(response) => Status::Sent(response),
                Err(error) => Status::Failed(error.message()),
            };
            draft.status.set(status);
        });
    };

    let text_input = move |signal: RwSignal<String>, field: &'static str| {
        move |ev: web_sys::Event| {
            signal.set(event_target_value(&ev));
            draft.edited();
            if draft
                .error
                .with_untracked(|e| e.as_ref().is_some_and(|e| e.field == field))
            {
                draft.error.set(None);
            }
        }
    };
    let name_error = draft.field_error("name");
    let email_error = draft.field_error("email");
    let message_error = draft.field_error("message");
    let sending = move || draft.status.with(|s| matches!(s, Status::Sending));
    let locale = env.locale;

    view! {
        <Show
            when=move || !matches!(draft.status.get(), Status::Sent(_))
            fallback=move || {
                let Status::Sent(response) = draft.status.get() else { return None };
                Some(view! { <Confirmation draft=draft env=env response=response locale=locale /> })
            }
        >
            <form class="handoff" novalidate on:submit=submit>
                <button type="button" class="back-button" on:click=move |_| env.screen.set(Screen::Search)>
                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                        <path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                    </svg>
                    "Back to help articles"
                </button>
                <h2>"Talk to a person"</h2>
                <p class="hint">
                    "We'll pass on your message along with what you've already looked at, so you won't have to repeat yourself."
                </p>
                <div class="field">
                    <label for="baton-name">"Your name"</label>
                    <input
                        id="baton-name"
                        type="text"
                        autocomplete="name"
                        node_ref=name_ref
                        prop:value=move || draft.name.get()
                        on:input=text_input(draft.name, "name")
                        aria-invalid=move || name_error().is_some().to_string()
                        aria-describedby=move || name_error().map(|_| "baton-name-error")
                    />
                    {move || name_error().map(|m| view! { <p class="field-error" id="baton-name-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="baton-email">"Email"</label>
                    <input
                        id="baton-email"
                        type="email"
                        autocomplete="email"
                        inputmode="email"
                        node_ref=email_ref
                        prop:value=move || draft.email.get()
                        on:input=text_input(draft.email, "email")
                        aria-invalid=move || email_error().is_some().to_string()
                        aria-describedby=move || email_error().map(|_| "baton-email-error")
                    />
                    {move || email_error().map(|m| view! { <p class="field-error" id="baton-email-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="baton-message">"How can we help?"</label>
                    <textarea
                        id="baton-message"
                        rows="5"
                        node_ref=message_ref
                        prop:value=move || draft.message.get()
                        on:input=text_input(draft.message, "message")
                        aria-invalid=move || message_error().is_some().to_string()
                        aria-describedby=move || message_error().map(|_| "baton-message-error")
                    ></textarea>
                    {move || message_error().map(|m| view! { <p class="field-error" id="baton-message-error">{m}</p> })}
                </div>
                {move || match draft.status.get() {
                    Status::Failed(message) => Some(view! {
                        <div class="notice" role="alert">
                            <span>{message}</span>
                            <button type="submit" class="link-button">"Try again"</button>
                        </div>
                    }),
                    _ => None,
                }}
                <button type="submit" class="primary-button" aria-disabled=move || sending().to_string()>
                    {move || if sending() { "Sending…" } else { "Send" }}
                </button>
            </form>
        </Show>
    }
}

#[component]
fn Confirmation(
    draft: Draft,
    env: Env,
    response: HandoffResponse,
    locale: Signal<String>,
) -> impl IntoView {
    let received = format_time(&response.created_at, &locale.get_untracked());
    let done = move |_| {
        draft.message.set(String::new());
        draft.key.set_value(None);
        draft.status.set(Status::Editing);
        env.screen.set(Screen::Search);
    };
    view! {
        <div class="confirmation" role="status">
            <div class="check" aria-hidden="true">
                <svg viewBox="0 0 24 24" width="28" height="28">
                    <path d="M5 12.5l4.5 4.5L19 7.5" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
                </svg>
            </div>
            <h2>"Thanks, we've got it"</h2>
            <p>
                "Your reference is "
                <strong class="baton-reference" data-testid="reference">{response.reference.to_string()}</strong>
            </p>
            <p class="hint">
                "Received " <time datetime=response.created_at.clone()>{received}</time>
                ". A person will reply to " {draft.email.get_untracked()} "."
            </p>
            <button type="button" class="secondary-button" on:click=done>"Back to help articles"</button>
        </div>
    }
}

/// A fresh idempotency key: `crypto.randomUUID()` where the page allows it (secure contexts),
/// otherwise 128 bits from `Math.random`.
fn idempotency_key() -> String {
    let global = js_sys::global();
    let uuid = js_sys::Reflect::get(&global, &JsValue::from_str("crypto"))
        .ok()
        .and_then(|crypto| {
            let f = js_sys::Reflect::get(&crypto, &JsValue::from_str("randomUUID")).ok()?;
            f.dyn_ref::<js_sys::Function>()?
                .call0(&crypto)
                .ok()?
                .as_string()
        });
    uuid.unwrap_or_else(|| {
        (0..4)
            .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32))
            .collect()
    })
}

/// `created_at` (RFC 3339) in the customer's words, such as "26 Nov 2026, 09:14".
fn format_time(created_at: &str, locale: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(created_at));
    if date.get_time().is_nan() {
        return created_at.to_owned();
    }
    // `toLocaleString` throws on a malformed tag; only pass well-formed ones.
    let well_formed = (2..=35).contains(&locale.len())
        && locale
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let locale = if well_formed { locale } else { "en" };
    let options = js_sys::Object::new();
    _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(locale, &options).into()
}
