//! "Talk to a person": the handoff form, its validation and the confirmation with the ticket
//! reference. What the customer types is kept in `sessionStorage` as they type, so neither a
//! failed request nor a page navigation loses it.

use baton_core::api::HandoffRequest;
use js_sys::{JSON, Object, Reflect};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::SubmitEvent;

use crate::app::{Env, focus_soon};
use crate::chunk::chunked;
use crate::session::{Screen, SessionStore};

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Editing,
    Sending,
    /// Not sent; everything typed is kept and the same submission can be retried.
    Failed(String),
    /// Sent: the reference, when it was stored, and the promised reply time (may be empty).
    Sent(String, String, String),
}

/// Which field a validation error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Name,
    Email,
    Message,
}

/// What the customer typed. It outlives the form, so looking something up and coming back
/// loses nothing.
#[derive(Clone, Copy)]
pub struct Draft {
    pub name: RwSignal<String>,
    pub email: RwSignal<String>,
    pub message: RwSignal<String>,
    error: RwSignal<Option<Field>>,
    status: RwSignal<Status>,
    /// The `Idempotency-Key` of the current submission: reused when it is retried, replaced
    /// once the customer edits the form.
    key: StoredValue<Option<String>>,
    /// The urgency tier id chosen, empty for none.
    pub urgency: RwSignal<String>,
    /// The pending save of the draft to the server (for the follow-up email), debounced.
    save_timer: StoredValue<Option<leptos::prelude::TimeoutHandle>, LocalStorage>,
}

/// How long typing must pause before the draft is saved to the server.
const DRAFT_SAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(1500);

impl Draft {
    /// The draft saved by an earlier page of this visit, if any.
    pub fn restore(store: &SessionStore) -> Self {
        let saved = |name| RwSignal::new(store.get(name).unwrap_or_default());
        Draft {
            name: saved("draft:name"),
            email: saved("draft:email"),
            message: saved("draft:message"),
            error: RwSignal::new(None),
            status: RwSignal::new(Status::Editing),
            key: StoredValue::new(None),
            urgency: saved("draft:urgency"),
            save_timer: StoredValue::new_local(None),
        }
    }
}

/// The handoff screen: the form and its confirmation are in the `handoff` wasm chunk.
pub fn handoff_screen(env: Env) -> impl IntoView {
    chunked(env, move || handoff_chunk(env))
}

/// The split point of the `handoff` chunk.
#[wasm_split(handoff, wasm_split_path = ::leptos::wasm_split, fallible)]
fn handoff_chunk(env: Env) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <HandoffView env=env /> }.into_any())
}

#[component]
fn HandoffView(env: Env) -> impl IntoView {
    let t = env.t;
    let draft = env.draft;
    let name_ref = NodeRef::<html::Input>::new();
    let email_ref = NodeRef::<html::Input>::new();
    let message_ref = NodeRef::<html::Textarea>::new();

    if draft.status.with_untracked(|s| *s == Status::Editing) {
        focus_soon(name_ref);
    }
    // Insights: a form opened and not sent before the customer leaves it is abandoned.
    if draft
        .status
        .with_untracked(|s| !matches!(s, Status::Sent(..)))
    {
        crate::insights::track("handoff_started", &[]);
        on_cleanup(move || {
            if draft
                .status
                .try_with_untracked(|s| !matches!(s, Status::Sent(..)))
                == Some(true)
            {
                crate::insights::track("handoff_abandoned", &[]);
            }
        });
    }
    let site = move || env.site_info.get().and_then(Result::ok);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if draft.status.with_untracked(|s| *s == Status::Sending) {
            return;
        }
        let request = HandoffRequest {
            site: env.site.get_value(),
            name: draft.name.get_untracked().trim().to_owned(),
            email: draft.email.get_untracked().trim().to_owned(),
            message: draft.message.get_untracked().trim().to_owned(),
            urgency: Some(draft.urgency.get_untracked()).filter(|u| !u.is_empty()),
            ..HandoffRequest::default()
        };
        if let Err(error) = request.validate() {
            let field = match error.field.as_str() {
                "name" => Field::Name,
                "email" => Field::Email,
                _ => Field::Message,
            };
            match field {
                Field::Name => focus_soon(name_ref),
                Field::Email => focus_soon(email_ref),
                Field::Message => focus_soon(message_ref),
            }
            draft.error.set(Some(field));
            return;
        }
        draft.error.set(None);
        let body = request_body(env, &request);
        let key = draft.key.get_value().unwrap_or_else(idempotency_key);
        draft.key.set_value(Some(key.clone()));
        draft.status.set(Status::Sending);
        let api = env.api.get_value();
        spawn_local(async move {
            let status = match api.handoff(&body, &key).await {
                Ok([reference, created_at, reply_by, token]) => {
                    env.store.with_value(|s| {
                        s.set("draft:message", "");
                        s.set("draft:id", "");
                    });
                    if let Some(timer) = draft.save_timer.get_value() {
                        timer.clear();
                    }
                    crate::conversation::remember(env, &reference, &token);
                    env.emit("handoff", "reference", &reference);
                    crate::insights::track(
                        "handoff_submitted",
                        &[("reference", reference.as_str().into())],
                    );
                    Status::Sent(reference, created_at, reply_by)
                }
                Err(error) => Status::Failed(error.message(env.t)),
            };
            draft.status.set(status);
        });
    };

    let error_for = move |field: Field| move || draft.error.get() == Some(field);
    let sending = move || draft.status.with(|s| *s == Status::Sending);

    let (closed, must_sign_in) = support_rules(env);
    view! {
        {move || match draft.status.get() {
            Status::Sent(reference, created_at, reply_by) => view! { <Confirmation env=env reference=reference created_at=created_at reply_by=reply_by closed=closed /> }.into_any(),
            _ if must_sign_in.get() => view! {
                <div class="handoff">
                    <button type="button" class="back-button" on:click=move |_| env.screen.set(Screen::Search)>
                        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                            <path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                        </svg>
                        {t.back_to_help}
                    </button>
                    <h2>{t.talk_to_person}</h2>
                    <div class="notice" role="alert" data-testid="sign-in-first"><span>{crate::i18n::live_messages(t.lang).sign_in_first}</span></div>
                </div>
            }.into_any(),
            _ => view! {
            <form class="handoff" novalidate on:submit=submit>
                <button type="button" class="back-button" on:click=move |_| env.screen.set(Screen::Search)>
                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                        <path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                    </svg>
                    {t.back_to_help}
                </button>
                <h2>{t.talk_to_person}</h2>
                <p class="hint">{t.handoff_intro}</p>
                <details class="hint shared">
                    <summary>{t.shared_title}</summary>
                    <ul>{t.shared_items.iter().map(|item| view! { <li>{*item}</li> }).collect_view()}</ul>
                </details>
                {input_field(env, name_ref, TextInput {
                    field: Field::Name,
                    id: "baton-name",
                    error_id: "baton-name-error",
                    label: t.your_name,
                    error: t.name_error,
                    kind: "text",
                    autocomplete: "name",
                    inputmode: "text",
                    value: draft.name,
                    key: "draft:name",
                })}
                {input_field(env, email_ref, TextInput {
                    field: Field::Email,
                    id: "baton-email",
                    error_id: "baton-email-error",
                    label: t.email,
                    error: t.email_error,
                    kind: "email",
                    autocomplete: "email",
                    inputmode: "email",
                    value: draft.email,
                    key: "draft:email",
                })}
                <div class="field">
                    <label for="baton-message">{t.how_can_we_help}</label>
                    <textarea
                        id="baton-message"
                        rows="5"
                        node_ref=message_ref
                        prop:value=move || draft.message.get()
                        on:input=on_edit(env, draft.message, Field::Message, "draft:message")
                        aria-invalid=move || bool_attr(error_for(Field::Message)())
                        aria-describedby=move || error_for(Field::Message)().then_some("baton-message-error")
                    ></textarea>
                    {move || error_for(Field::Message)().then(|| view! { <p class="field-error" id="baton-message-error">{t.message_error}</p> })}
                </div>
                {move || site().filter(|s| !s.urgencies.is_empty()).map(|s| view! {
                    <div class="field">
                        <label for="baton-urgency">{t.urgency}</label>
                        <select id="baton-urgency" on:change=move |ev| {
                            let value = event_target_value(&ev);
                            env.store.with_value(|s| s.set("draft:urgency", &value));
                            draft.urgency.set(value);
                            draft.key.set_value(None);
                        }>
                            <option value="" selected=move || draft.urgency.with(String::is_empty)>{t.urgency_unsure}</option>
                            {s.urgencies.into_iter().map(|(id, label)| {
                                let chosen = id.clone();
                                view! { <option value=id selected=move || draft.urgency.with(|u| *u == chosen)>{label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                })}
                {move || site().is_some_and(|s| s.follow_up).then(|| view! { <p class="hint">{t.reminder_note}</p> })}
                {closed_notice(closed)}
                {move || match draft.status.get() {
                    Status::Failed(message) => Some(view! {
                        <div class="notice" role="alert">
                            <span>{message}</span>
                            <button type="submit" class="link-button">{t.try_again}</button>
                        </div>
                    }),
                    _ => None,
                }}
                <button type="submit" class="primary-button" aria-disabled=move || bool_attr(sending())>
                    {move || if sending() { t.sending } else { t.send }}
                </button>
            </form>
            }.into_any(),
        }}
    }
}

/// One labelled `<input>` of the form. Name and email share this code (one copy in the wasm).
struct TextInput {
    field: Field,
    id: &'static str,
    error_id: &'static str,
    label: &'static str,
    error: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    inputmode: &'static str,
    value: RwSignal<String>,
    /// Where the draft is kept in `sessionStorage`.
    key: &'static str,
}

fn input_field(env: Env, node_ref: NodeRef<html::Input>, input: TextInput) -> impl IntoView {
    let draft = env.draft;
    let invalid = move || draft.error.get() == Some(input.field);
    view! {
        <div class="field">
            <label for=input.id>{input.label}</label>
            <input
                id=input.id
                type=input.kind
                autocomplete=input.autocomplete
                inputmode=input.inputmode
                node_ref=node_ref
                prop:value=move || input.value.get()
                on:input=on_edit(env, input.value, input.field, input.key)
                aria-invalid=move || bool_attr(invalid())
                aria-describedby=move || invalid().then_some(input.error_id)
            />
            {move || invalid().then(|| view! { <p class="field-error" id=input.error_id>{input.error}</p> })}
        </div>
    }
}

/// Keeps what the customer types, in the draft and in `sessionStorage`.
fn on_edit(
    env: Env,
    signal: RwSignal<String>,
    field: Field,
    key: &'static str,
) -> impl Fn(web_sys::Event) + 'static {
    let draft = env.draft;
    move |ev| {
        let value = event_target_value(&ev);
        env.store.with_value(|s| s.set(key, &value));
        signal.set(value);
        draft.key.set_value(None);
        if draft.error.get_untracked() == Some(field) {
            draft.error.set(None);
        }
        schedule_draft_save(env);
    }
}

/// Saves the form to the server once typing pauses, where the site follows up unfinished
/// requests and the email is valid; the draft id is kept in `sessionStorage`.
fn schedule_draft_save(env: Env) {
    let draft = env.draft;
    if let Some(timer) = draft.save_timer.get_value() {
        timer.clear();
    }
    let follow_up = env
        .site_info
        .with_untracked(|s| matches!(s, Some(Ok(site)) if site.follow_up));
    let email = draft.email.get_untracked().trim().to_owned();
    if !follow_up || !baton_core::api::is_plausible_email(&email) {
        return;
    }
    let timer = set_timeout_with_handle(
        move || {
            let body = Object::new();
            let set = |key: &str, value: &str| _ = Reflect::set(&body, &key.into(), &value.into());
            set("site", &env.site.get_value());
            set("email", &email);
            set("name", draft.name.get_untracked().trim());
            set("message", draft.message.get_untracked().trim());
            set("locale", &env.locale.get_value());
            let id = env
                .store
                .with_value(|s| s.get("draft:id"))
                .unwrap_or_default();
            if !id.is_empty() {
                set("draft_id", &id);
            }
            let body = JSON::stringify(&body)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            let api = env.api.get_value();
            spawn_local(async move {
                // A draft that cannot be saved only means no reminder; the form is unaffected.
                if let Ok(id) = api.save_draft(&body).await
                    && draft
                        .status
                        .with_untracked(|s| !matches!(s, Status::Sent(..)))
                {
                    env.store.with_value(|s| s.set("draft:id", &id));
                }
            });
        },
        DRAFT_SAVE_DELAY,
    )
    .ok();
    draft.save_timer.set_value(timer);
}

/// `"true"` or `"false"`, for ARIA state attributes.
pub fn bool_attr(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[component]
fn Confirmation(
    env: Env,
    reference: String,
    created_at: String,
    reply_by: String,
    closed: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = env.t;
    let draft = env.draft;
    let received = format_time(&created_at, &env.locale.get_value());
    let promise = (!reply_by.is_empty()).then(|| {
        let due = format_time(&reply_by, &env.locale.get_value());
        view! { <p class="baton-promise" data-testid="reply-by">{t.reply_by} " " <time datetime=reply_by>{due}</time>"."</p> }
    });
    // The form and its Send button are gone: focus the news, so Escape and Tab still work.
    let heading = NodeRef::<html::H2>::new();
    focus_soon(heading);
    let done = move |_| {
        draft.message.set(String::new());
        draft.key.set_value(None);
        draft.status.set(Status::Editing);
        env.screen.set(Screen::Search);
    };
    let open_conversation = move |_| {
        draft.message.set(String::new());
        draft.key.set_value(None);
        draft.status.set(Status::Editing);
        env.screen.set(Screen::Conversation);
    };
    view! {
        <div class="confirmation" role="status">
            <div class="check" aria-hidden="true">
                <svg viewBox="0 0 24 24" width="28" height="28">
                    <path d="M5 12.5l4.5 4.5L19 7.5" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
                </svg>
            </div>
            <h2 tabindex="-1" node_ref=heading>{t.sent_title}</h2>
            <p>
                {t.your_reference} " "
                <strong class="baton-reference" data-testid="reference">{reference}</strong>
            </p>
            {promise}
            {closed_notice(closed)}
            <p class="hint">
                {t.received} " " <time datetime=created_at>{received}</time>
                ". " {t.reply_to} " " {draft.email.get_untracked()} "."
            </p>
            <button type="button" class="primary-button" on:click=open_conversation>{t.your_conversation}</button>
            <button type="button" class="secondary-button" on:click=done>{t.back_to_help}</button>
        </div>
    }
}

/// What the handoff form reads from `GET /api/v1/site` beyond the main module's fields: the
/// "we're closed" sentence outside support hours (`None` while open), and whether the site
/// needs a verified identity the host page did not give (then the form is not shown).
fn support_rules(env: Env) -> (RwSignal<Option<String>>, RwSignal<bool>) {
    let closed = RwSignal::new(None);
    let must_sign_in = RwSignal::new(false);
    spawn_local(async move {
        let Ok(site) = env.api.get_value().site_json(&env.locale.get_value()).await else {
            return;
        };
        let support = crate::http::field(&site, "support");
        if support.is_object() && !crate::http::field(&support, "open").is_truthy() {
            let l = crate::i18n::live_messages(env.t.lang);
            let until = crate::http::text(&support, "opens_at");
            closed.set(Some(if until.is_empty() {
                l.closed.to_owned()
            } else {
                l.closed_until
                    .replace("{when}", &format_time(&until, &env.locale.get_value()))
            }));
        }
        must_sign_in.set(
            crate::http::field(&site, "identity_required").is_truthy()
                && crate::live::identity_headers(env).is_empty(),
        );
    });
    (closed, must_sign_in)
}

/// Outside support hours: when to expect an answer, instead of implying live chat.
fn closed_notice(closed: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        closed.get().map(
            |text| view! { <p class="notice" role="note" data-testid="support-closed">{text}</p> },
        )
    }
}

/// The JSON body of `POST /api/v1/handoffs`: the request's fields, the whole transcript, and
/// what the host page told us through `Baton.identify` and `Baton.setContext`.
fn request_body(env: Env, request: &HandoffRequest) -> String {
    let body = Object::new();
    let set = |key: &str, value: &JsValue| _ = Reflect::set(&body, &key.into(), value);
    set("site", &request.site.as_str().into());
    set("name", &request.name.as_str().into());
    set("email", &request.email.as_str().into());
    set("message", &request.message.as_str().into());
    set("transcript", &env.transcript_js());
    if let Some(urgency) = &request.urgency {
        set("urgency", &urgency.as_str().into());
    }
    env.store.with_value(|s| {
        if let Some(id) = s.get("draft:id").filter(|id| !id.is_empty()) {
            set("draft_id", &id.as_str().into());
        }
        for key in ["identity", "context"] {
            let value = s.get_json(key);
            if value.is_object() {
                set(key, &value);
            }
        }
    });
    JSON::stringify(&body)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// A fresh idempotency key: `crypto.randomUUID()` where the page allows it (secure contexts),
/// otherwise 128 bits from `Math.random`.
pub fn idempotency_key() -> String {
    let global = js_sys::global();
    let uuid = Reflect::get(&global, &"crypto".into())
        .ok()
        .and_then(|crypto| {
            let f = Reflect::get(&crypto, &"randomUUID".into()).ok()?;
            f.dyn_ref::<js_sys::Function>()?
                .call0(&crypto)
                .ok()?
                .as_string()
        });
    uuid.unwrap_or_else(|| {
        (0..4)
            .map(|_| {
                let n = js_sys::Math::random() * 4_294_967_296.0;
                String::from(
                    js_sys::Number::from(n.floor())
                        .to_string_with_radix(16)
                        .unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
            .join("-")
    })
}

/// `created_at` (RFC 3339) in the customer's words, such as "26 Nov 2026, 09:14".
pub fn format_time(created_at: &str, locale: &str) -> String {
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
    let options = Object::new();
    _ = Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    _ = Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(locale, &options).into()
}
