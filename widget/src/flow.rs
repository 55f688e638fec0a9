//! Guided flows, run in the browser with `baton_core`'s engine: one step at a time, with back,
//! start over and progress; focus moves to each new step's heading and a live region says where
//! the customer is. Every answer goes into the transcript. `resolved` ends in a micro-survey
//! posted to the server; `handoff` opens the handoff form with the message drafted by the flow
//! (the path travels in the transcript, and the server replays it); `article` opens the article.
//!
//! The flow document is read from the parsed JSON by hand ([`decode`]), like every API answer.

use std::collections::BTreeMap;

use baton_core::api::{FlowPath, SurveyRequest};
use baton_core::flow::definition::{
    ArticleNode, Branch, CheckNode, Choice, ConditionNode, HandoffNode, InputNode, InputType,
    MessageNode, QuestionNode, ResolvedNode, SelectOption, Subject, Test, When,
};
use baton_core::flow::{Answer, Flow, FlowRun, Node, OutcomeKind, Priority, Step};
use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen::JsValue;
use web_sys::SubmitEvent;

use crate::app::{Env, focus_soon};
use crate::chunk::chunked;
use crate::http::{field, list, text};
use crate::i18n::flow_messages;
use crate::session::{Screen, now_ms};

/// A flow being run, with the HTML of its texts.
#[derive(Clone, Debug)]
pub struct Running {
    pub run: FlowRun,
    /// Node id → sanitized HTML of its text, rendered by the server.
    pub html: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Survey {
    Asking,
    Sending,
    Failed(String),
    Sent,
}

/// The guided-flow screen: the flow view and core's flow engine are in the `flow` wasm chunk.
pub fn flow_screen(env: Env, id: String) -> impl IntoView {
    chunked(env, move || flow_chunk(env, id.clone()))
}

/// The split point of the `flow` chunk: the flow view, the survey and core's engine.
#[wasm_split(flow, wasm_split_path = ::leptos::wasm_split, fallible)]
fn flow_chunk(env: Env, id: String) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <FlowView env=env id=id /> }.into_any())
}

#[component]
fn FlowView(env: Env, id: String) -> impl IntoView {
    let t = env.t;
    let f = flow_messages(&env.locale.get_value());
    let failed = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let value = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let step_heading = NodeRef::<html::H3>::new();

    let load = move |id: String| {
        failed.set(None);
        let api = env.api.get_value();
        let locale = env.locale.get_value();
        spawn_local(async move {
            let doc = match api.flow(&id, &locale).await {
                Ok(doc) => doc,
                Err(e) => {
                    _ = failed.try_set(Some(e.message(env.t)));
                    return;
                }
            };
            let flow = decode(&field(&doc, "flow"));
            let context = env.store.with_value(|s| strings_of(&s.get_json("context")));
            match FlowRun::start(&flow, &context) {
                Ok(run) => {
                    env.transcript
                        .update(|t| t.record_flow_started(now_ms(), &flow.id, &flow.title));
                    crate::insights::track("flow_started", &[("flow_id", flow.id.as_str().into())]);
                    reached(&run);
                    let html = strings_of(&field(&doc, "html"));
                    env.flow.set(Some(Running { run, html }));
                    focus_soon(step_heading);
                }
                Err(broken) => _ = failed.try_set(Some(broken.to_string())),
            }
        });
    };
    let resumes = env.flow.with_untracked(|r| {
        r.as_ref()
            .is_some_and(|r| r.run.flow().id == id && r.run.outcome().is_none())
    });
    if resumes {
        focus_soon(step_heading);
    } else {
        env.flow.set(None);
        load(id.clone());
    }

    // Insights: leaving an unfinished flow (not for an article it links) abandons it.
    on_cleanup(move || {
        if matches!(env.screen.try_get_untracked(), Some(Screen::Article(_))) {
            return;
        }
        let left = env.flow.try_with_untracked(|r| {
            let run = &r.as_ref()?.run;
            match run.step() {
                Step::Show { node, .. } => Some((run.flow().id.clone(), node.id().to_owned())),
                Step::Finished { .. } => None,
            }
        });
        if let Some(Some((flow_id, step))) = left {
            crate::insights::track(
                "flow_abandoned",
                &[
                    ("flow_id", flow_id.as_str().into()),
                    ("step", step.as_str().into()),
                ],
            );
        }
    });

    // After every change of step: say where the customer is, and move focus to the step.
    let announce = move |step: &Step| {
        let progress = step.progress();
        let said = match step {
            Step::Show { .. } => {
                progress_text(f.step_of, progress.steps_taken, progress.remaining_max)
            }
            Step::Finished { .. } => String::new(),
        };
        status.set(said);
        error.set(None);
        value.set(String::new());
        focus_soon(step_heading);
    };

    // Answers the node shown now; on an outcome, records it and acts on it.
    let answer = move |given: Answer| {
        let mut finished = None;
        env.flow.update(|running| {
            let Some(running) = running else { return };
            let shown = match running.run.step() {
                Step::Show { node, .. } => node.clone(),
                Step::Finished { .. } => return,
            };
            match running.run.answer(given) {
                Ok(step) => {
                    // The path ends with any conditions passed after the answered node.
                    let label = running
                        .run
                        .path()
                        .iter()
                        .rev()
                        .find(|v| v.node_id == shown.id())
                        .and_then(|v| v.label.clone());
                    let flow_id = running.run.flow().id.clone();
                    env.transcript.update(|t| {
                        t.record_flow_step(
                            now_ms(),
                            &flow_id,
                            shown.id(),
                            shown.text().unwrap_or_default(),
                            label.as_deref(),
                        );
                        t.record_flow_outcome(now_ms(), &running.run);
                    });
                    finished = step.outcome().map(|o| o.kind.clone());
                    reached(&running.run);
                    // A handoff leaves this view at once: nothing to announce or focus here.
                    if !matches!(finished, Some(OutcomeKind::Handoff { .. })) {
                        announce(&step);
                    }
                }
                Err(e) => error.set(Some(e.customer_message(&env.locale.get_value()))),
            }
        });
        match finished {
            Some(OutcomeKind::Handoff { message_draft, .. }) => {
                // The priority, team and path travel in the transcript's flow outcome.
                let draft = message_draft.unwrap_or_default();
                env.draft.message.set(draft.clone());
                env.store.with_value(|s| s.set("draft:message", &draft));
                env.screen.set(Screen::Handoff);
            }
            Some(OutcomeKind::Resolved { .. }) => {
                let id = env
                    .flow
                    .with_untracked(|r| r.as_ref().map(|r| r.run.flow().id.clone()));
                env.emit("resolved", "flow", &id.unwrap_or_default());
            }
            _ => {}
        }
    };
    let back = move |_| {
        let step = env.flow.try_update(|r| r.as_mut().map(|r| r.run.back()));
        if let Some(Some(step)) = step {
            announce(&step);
        }
    };
    let restart = move |_| {
        let step = env.flow.try_update(|r| r.as_mut().map(|r| r.run.restart()));
        if let Some(Some(step)) = step {
            announce(&step);
        }
    };

    let title = move || {
        env.flow
            .with(|r| r.as_ref().map(|r| r.run.flow().title.clone()))
            .unwrap_or_default()
    };

    view! {
        <button type="button" class="back-button" on:click=move |_| env.screen.set(Screen::Search)>
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                <path d="M15 6l-6 6 6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
            {t.back_to_help}
        </button>
        <p class="sr-only" role="status" aria-live="polite">{move || status.get()}</p>
        {move || {
            if let Some(message) = failed.get() {
                let id = id.clone();
                return view! {
                    <div class="notice" role="alert">
                        <span>{message}</span>
                        <button type="button" class="link-button" on:click=move |_| load(id.clone())>{t.retry}</button>
                    </div>
                }
                .into_any();
            }
            let Some(step) = env.flow.with(|r| r.as_ref().map(|r| r.run.step().clone())) else {
                return view! { <p class="hint" role="status">{f.loading}</p> }.into_any();
            };
            let html_of = move |id: &str| {
                env.flow
                    .with_untracked(|r| r.as_ref().and_then(|r| r.html.get(id).cloned()))
                    .unwrap_or_default()
            };
            let progress = step.progress();
            let controls = progress.can_go_back.then(|| view! {
                <div class="flow-controls">
                    <button type="button" class="secondary-button" on:click=back>{f.back}</button>
                    <button type="button" class="link-button" on:click=restart>{f.restart}</button>
                </div>
            });
            match step {
                Step::Show { node, progress } => {
                    let shown = progress_text(f.step_of, progress.steps_taken, progress.remaining_max);
                    let total = progress.steps_taken + progress.remaining_max;
                    view! {
                        <section class="flow" aria-labelledby="baton-flow-title">
                            <h2 class="flow-title" id="baton-flow-title">{title}</h2>
                            <progress class="flow-progress" max=total.to_string() value=(progress.steps_taken + 1).to_string() aria-hidden="true"></progress>
                            <h3 class="flow-step" tabindex="-1" node_ref=step_heading>{shown}</h3>
                            <div class="flow-text article-body" id="baton-flow-text" inner_html=html_of(node.id())></div>
                            <StepControls env=env node=node answer=answer error=error value=value />
                            {controls}
                        </section>
                    }
                    .into_any()
                }
                Step::Finished { outcome, .. } => {
                    let text = html_of(&outcome.node_id);
                    match outcome.kind {
                        OutcomeKind::Resolved { .. } => view! {
                            <section class="flow" aria-labelledby="baton-flow-title">
                                <h2 class="flow-title" id="baton-flow-title">{title}</h2>
                                <h3 class="flow-step" tabindex="-1" node_ref=step_heading>{f.resolved}</h3>
                                {(!text.is_empty()).then(|| view! { <div class="flow-text article-body" inner_html=text></div> })}
                                <SurveyForm env=env />
                                {controls}
                            </section>
                        }
                        .into_any(),
                        OutcomeKind::Article { slug, .. } => view! {
                            <section class="flow" aria-labelledby="baton-flow-title">
                                <h2 class="flow-title" id="baton-flow-title">{title}</h2>
                                <h3 class="flow-step" tabindex="-1" node_ref=step_heading>{f.read_article}</h3>
                                {(!text.is_empty()).then(|| view! { <div class="flow-text article-body" inner_html=text></div> })}
                                <button type="button" class="primary-button" on:click=move |_| env.screen.set(Screen::Article(slug.clone()))>
                                    {f.open_article}
                                </button>
                                {controls}
                            </section>
                        }
                        .into_any(),
                        // The handoff form opens by itself; this shows only for a moment.
                        OutcomeKind::Handoff { .. } => view! { <p class="hint">{t.talk_to_person}</p> }.into_any(),
                    }
                }
            }
        }}
    }
}

/// "Guided fix: …" entries above a list of articles.
#[component]
pub fn FlowLinks(env: Env, flows: Vec<(String, String)>) -> impl IntoView {
    let f = flow_messages(&env.locale.get_value());
    (!flows.is_empty()).then(|| {
        view! {
            <ul class="results flow-links">
                {flows
                    .into_iter()
                    .map(|(id, title)| {
                        view! {
                            <li>
                                <button type="button" class="result flow-link" on:click=move |_| start(env, &id)>
                                    <span class="result-title">{f.guided_fix} " " {title}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

/// A button that starts the flow an article offers.
#[component]
pub fn OfferedFlow(env: Env, id: String) -> impl IntoView {
    let f = flow_messages(&env.locale.get_value());
    view! {
        <p class="flow-offer">
            <button type="button" class="secondary-button" on:click=move |_| start(env, &id)>{f.start_guide}</button>
        </p>
    }
}

/// Opens a flow from its first step.
fn start(env: Env, id: &str) {
    env.flow.set(None);
    env.screen.set(Screen::Flow(id.to_owned()));
}

/// The answer controls of a shown node: continue, choices, yes/no or an input.
#[component]
fn StepControls(
    env: Env,
    node: Node,
    answer: impl Fn(Answer) + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
    value: RwSignal<String>,
) -> impl IntoView {
    let t = env.t;
    let f = flow_messages(&env.locale.get_value());
    match node {
        Node::Message(m) => {
            let image = m.image.clone().map(|path| {
                let path = path.trim_start_matches('/');
                let path = path.strip_prefix("assets/").unwrap_or(path);
                (env.api.with_value(|api| api.asset_url(path)), m.image_alt.clone().unwrap_or_default())
            });
            let article = m.article.clone();
            view! {
                {image.map(|(src, alt)| view! { <img class="flow-image" src=src alt=alt /> })}
                {article.map(|slug| view! {
                    <p>
                        <button type="button" class="link-button" on:click=move |_| env.screen.set(Screen::Article(slug.clone()))>
                            {f.read_article}
                        </button>
                    </p>
                })}
                <button type="button" class="primary-button" on:click=move |_| answer(Answer::Continue)>{f.continue_}</button>
            }
            .into_any()
        }
        Node::Question(q) => view! {
            <div class="flow-choices" role="group" aria-labelledby="baton-flow-text">
                {q.choices
                    .into_iter()
                    .map(|c| {
                        let id = c.id;
                        view! {
                            <button type="button" class="secondary-button flow-choice" on:click=move |_| answer(Answer::Choice(id.clone()))>
                                {c.label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        }
        .into_any(),
        Node::Check(_) => view! {
            <div class="flow-choices" role="group" aria-labelledby="baton-flow-text">
                <button type="button" class="secondary-button flow-choice" on:click=move |_| answer(Answer::Check(true))>{t.yes}</button>
                <button type="button" class="secondary-button flow-choice" on:click=move |_| answer(Answer::Check(false))>{t.no}</button>
            </div>
        }
        .into_any(),
        Node::Input(input) => {
            let submit = move |ev: SubmitEvent| {
                ev.prevent_default();
                answer(Answer::Text(value.get_untracked()));
            };
            let invalid = move || error.with(Option::is_some).to_string();
            let described = move || error.with(Option::is_some).then_some("baton-flow-error");
            let control = if input.input == InputType::Select {
                Either::Left(view! {
                    <select
                        id="baton-flow-input"
                        aria-labelledby="baton-flow-text"
                        aria-invalid=invalid
                        aria-describedby=described
                        on:change=move |ev| value.set(event_target_value(&ev))
                    >
                        <option value="">{f.choose}</option>
                        {input.options.into_iter().map(|o| view! { <option value=o.id>{o.label}</option> }).collect_view()}
                    </select>
                })
            } else {
                let kind = match input.input {
                    InputType::Email => "email",
                    InputType::Number => "text",
                    _ => "text",
                };
                let mode = match input.input {
                    InputType::Email => "email",
                    InputType::Number => "decimal",
                    _ => "text",
                };
                Either::Right(view! {
                    <input
                        id="baton-flow-input"
                        type=kind
                        inputmode=mode
                        aria-labelledby="baton-flow-text"
                        aria-required=input.required.to_string()
                        aria-invalid=invalid
                        aria-describedby=described
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    />
                })
            };
            view! {
                <form class="handoff flow-input" novalidate on:submit=submit>
                    <div class="field">
                        {control}
                        {move || error.get().map(|e| view! { <p class="field-error" id="baton-flow-error">{e}</p> })}
                    </div>
                    <button type="submit" class="primary-button">{f.continue_}</button>
                </form>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}

/// Insights: the step `run` shows now (`flow_step`), or the outcome it reached (`flow_outcome`).
fn reached(run: &FlowRun) {
    let flow_id = run.flow().id.as_str().into();
    match run.step() {
        Step::Show { node, .. } => {
            crate::insights::track(
                "flow_step",
                &[("flow_id", flow_id), ("step", node.id().into())],
            );
        }
        Step::Finished { outcome, .. } => crate::insights::track(
            "flow_outcome",
            &[
                ("flow_id", flow_id),
                ("outcome", outcome.kind.name().into()),
            ],
        ),
    }
}

/// "Did this solve your problem?", an optional rating and comment, posted with the flow path.
#[component]
fn SurveyForm(env: Env) -> impl IntoView {
    let t = env.t;
    let f = flow_messages(&env.locale.get_value());
    let solved = RwSignal::new(None::<bool>);
    let rating = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let state = RwSignal::new(Survey::Asking);
    let thanks = NodeRef::<html::P>::new();

    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked() == Survey::Sending {
            return;
        }
        let Some(path) = env.flow.with_untracked(|r| {
            r.as_ref().map(|r| FlowPath {
                flow_id: r.run.flow().id.clone(),
                context: r.run.context().clone(),
                answers: r.run.recorded_answers(),
            })
        }) else {
            return;
        };
        let request = SurveyRequest {
            site: env.site.get_value(),
            locale: Some(env.locale.get_value()),
            solved: solved.get_untracked().unwrap_or(true),
            rating: rating.get_untracked(),
            comment: comment.get_untracked(),
            flow: path,
        };
        if let Err(e) = request.validate() {
            state.set(Survey::Failed(e.message));
            return;
        }
        let body = survey_json(&request);
        let insights = (request.rating, request.solved, request.flow.flow_id.clone());
        state.set(Survey::Sending);
        let api = env.api.get_value();
        spawn_local(async move {
            let next = match api.survey(&body).await {
                Ok(()) => {
                    if let Some(rating) = insights.0 {
                        crate::insights::track(
                            "survey_answered",
                            &[
                                ("rating", f64::from(rating).into()),
                                ("solved", insights.1.into()),
                                ("flow_id", insights.2.as_str().into()),
                            ],
                        );
                    }
                    focus_soon(thanks);
                    Survey::Sent
                }
                Err(e) => Survey::Failed(e.message(env.t)),
            };
            _ = state.try_set(next);
        });
    };

    view! {
        {move || match state.get() {
            Survey::Sent => Either::Left(view! { <p class="flow-thanks" role="status" tabindex="-1" node_ref=thanks>{f.thanks}</p> }),
            current => Either::Right(view! {
                <form class="handoff flow-survey" novalidate on:submit=send>
                    <fieldset class="flow-fieldset">
                        <legend>{f.solved_question}</legend>
                        <div class="flow-choices">
                            <button type="button" class="secondary-button" aria-pressed=move || (solved.get() == Some(true)).to_string() on:click=move |_| solved.set(Some(true))>{t.yes}</button>
                            <button type="button" class="secondary-button" aria-pressed=move || (solved.get() == Some(false)).to_string() on:click=move |_| solved.set(Some(false))>{t.no}</button>
                        </div>
                    </fieldset>
                    <fieldset class="flow-fieldset flow-rating">
                        <legend>{f.rating_legend}</legend>
                        {(1..=5u8).map(|n| {
                            let id = format!("baton-rating-{n}");
                            view! {
                                <span class="flow-rating-option">
                                    <input type="radio" name="baton-rating" id=id.clone() value=n.to_string()
                                        prop:checked=move || rating.get() == Some(n)
                                        on:change=move |_| rating.set(Some(n)) />
                                    <label for=id>{f.rating_n.replace("{n}", &n.to_string())}</label>
                                </span>
                            }
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="baton-survey-comment">{f.comment}</label>
                        <textarea id="baton-survey-comment" rows="3" maxlength="2000"
                            prop:value=move || comment.get()
                            on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </div>
                    {match current {
                        Survey::Failed(message) => Some(view! { <div class="notice" role="alert"><span>{message}</span></div> }),
                        _ => None,
                    }}
                    <button type="submit" class="primary-button" aria-disabled=move || (state.get() == Survey::Sending).to_string()>
                        {f.send_feedback}
                    </button>
                </form>
            }),
        }}
    }
}

/// "Step {n} of up to {m}".
fn progress_text(template: &str, taken: usize, remaining: usize) -> String {
    template
        .replace("{n}", &(taken + 1).to_string())
        .replace("{m}", &(taken + remaining.max(1)).to_string())
}

/// The string values of a JavaScript object, by key (other values are left out).
fn strings_of(object: &JsValue) -> BTreeMap<String, String> {
    if !object.is_object() {
        return BTreeMap::new();
    }
    js_sys::Object::entries(object.unchecked_ref())
        .iter()
        .filter_map(|entry| {
            let pair: js_sys::Array = entry.unchecked_into();
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

use wasm_bindgen::JsCast as _;

/// `value[key]` as a string, `None` when missing or empty.
fn opt(v: &JsValue, key: &str) -> Option<String> {
    Some(text(v, key)).filter(|s| !s.is_empty())
}

fn strings(v: &JsValue, key: &str) -> Vec<String> {
    list(v, key).iter().filter_map(|s| s.as_string()).collect()
}

fn number(v: &JsValue, key: &str) -> Option<f64> {
    field(v, key).as_f64()
}

/// The `flow` of `GET /api/v1/flows/{id}` as core's [`Flow`], read field by field.
pub fn decode(v: &JsValue) -> Flow {
    Flow {
        id: text(v, "id"),
        title: text(v, "title"),
        description: text(v, "description"),
        tags: strings(v, "tags"),
        page_urls: Vec::new(),
        start: text(v, "start"),
        nodes: list(v, "nodes").iter().filter_map(|n| node(&n)).collect(),
    }
}

fn node(n: &JsValue) -> Option<Node> {
    let id = text(n, "id");
    Some(match text(n, "kind").as_str() {
        "message" => Node::Message(MessageNode {
            id,
            text: text(n, "text"),
            article: opt(n, "article"),
            image: opt(n, "image"),
            image_alt: opt(n, "image_alt"),
            next: text(n, "next"),
        }),
        "question" => Node::Question(QuestionNode {
            id,
            text: text(n, "text"),
            choices: list(n, "choices")
                .iter()
                .map(|c| Choice {
                    id: text(&c, "id"),
                    label: text(&c, "label"),
                    next: text(&c, "next"),
                })
                .collect(),
        }),
        "input" => Node::Input(InputNode {
            id,
            text: text(n, "text"),
            input: match text(n, "input").as_str() {
                "email" => InputType::Email,
                "number" => InputType::Number,
                "select" => InputType::Select,
                _ => InputType::Text,
            },
            required: field(n, "required").is_truthy(),
            min_length: number(n, "min_length").map(|x| x as usize),
            max_length: number(n, "max_length").map(|x| x as usize),
            pattern: opt(n, "pattern"),
            min: number(n, "min"),
            max: number(n, "max"),
            options: list(n, "options")
                .iter()
                .map(|o| SelectOption {
                    id: text(&o, "id"),
                    label: text(&o, "label"),
                })
                .collect(),
            next: text(n, "next"),
        }),
        "check" => Node::Check(CheckNode {
            id,
            text: text(n, "text"),
            yes: text(n, "yes"),
            no: text(n, "no"),
        }),
        "condition" => Node::Condition(ConditionNode {
            id,
            branches: list(n, "branches")
                .iter()
                .map(|b| {
                    let w = field(&b, "when");
                    let subject = match opt(&w, "answer") {
                        Some(node) => Subject::Answer(node),
                        None => Subject::Context(text(&w, "context")),
                    };
                    let test = match opt(&w, "equals") {
                        Some(value) => Test::Equals(value),
                        None => Test::OneOf(strings(&w, "one_of")),
                    };
                    Branch {
                        when: When { subject, test },
                        next: text(&b, "next"),
                    }
                })
                .collect(),
            otherwise: text(n, "otherwise"),
        }),
        "resolved" => Node::Resolved(ResolvedNode {
            id,
            text: opt(n, "text"),
        }),
        "handoff" => Node::Handoff(HandoffNode {
            id,
            priority: match text(n, "priority").as_str() {
                "urgent" => Priority::Urgent,
                "high" => Priority::High,
                _ => Priority::Normal,
            },
            team: text(n, "team"),
            tags: strings(n, "tags"),
            message_draft: opt(n, "message_draft"),
        }),
        "article" => Node::Article(ArticleNode {
            id,
            article: text(n, "article"),
            text: opt(n, "text"),
        }),
        _ => return None,
    })
}

/// The survey in its wire format ([`SurveyRequest`]), built as a JavaScript object: the widget
/// carries no serde_json.
fn survey_json(request: &SurveyRequest) -> String {
    use crate::session::{context_to_js, path_to_js, set};
    let body = js_sys::Object::new();
    set(&body, "site", request.site.as_str().into());
    if let Some(locale) = &request.locale {
        set(&body, "locale", locale.as_str().into());
    }
    set(&body, "solved", request.solved.into());
    if let Some(rating) = request.rating {
        set(&body, "rating", rating.into());
    }
    set(&body, "comment", request.comment.as_str().into());
    let flow = js_sys::Object::new();
    set(&flow, "flow_id", request.flow.flow_id.as_str().into());
    set(&flow, "context", context_to_js(&request.flow.context));
    set(&flow, "answers", path_to_js(&request.flow.answers));
    set(&body, "flow", flow.into());
    js_sys::JSON::stringify(&body)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::progress_text;

    #[test]
    fn progress_counts_from_one() {
        assert_eq!(progress_text("{n}/{m}", 0, 4), "1/4");
        assert_eq!(progress_text("{n}/{m}", 2, 0), "3/3");
    }
}
