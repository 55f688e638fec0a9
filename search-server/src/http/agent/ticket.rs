//! The ticket view (`GET /agent/tickets/{reference}`): the "what was tried" summary first, the
//! customer and the transcript as a timeline, then the conversation and the actions. Each
//! action is a POST form with the session's CSRF token, answered with a redirect back.

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use baton_core::Transcript;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use time::OffsetDateTime;

use super::session::{Signed, redirect};
use super::views::{self, Banner};
use super::{PageError, timeline};
use crate::http::AppState;
use crate::storage::{
    Agent, ConsoleTicket, CustomerEmail, MessageAuthor, Satisfaction, TicketMessage, TicketStatus,
};

/// Longest reply or note, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// Most tags on one ticket.
pub const MAX_TAGS: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct TicketQuery {
    /// What the last action did, for the status line.
    done: Option<String>,
}

async fn load(state: &AppState, reference: &str) -> Result<ConsoleTicket, PageError> {
    state
        .storage
        .console_ticket(reference)
        .await?
        .ok_or_else(|| PageError::not_found(&format!("ticket {reference}")))
}

/// `GET /agent/tickets/{reference}`; marks the ticket read for this agent.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    query: Result<Query<TicketQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let ticket = load(&state, &reference).await?;
    let done = query.ok().and_then(|Query(q)| q.done);
    let agents = state.storage.agents().await?;
    let last_message = ticket.messages.last().map_or(0, |m| m.id);
    state
        .storage
        .mark_ticket_read(signed.agent.id, ticket.id, last_message)
        .await?;
    let emails_customers = emails_customers(&state);
    let content = view(&ticket, &agents, &signed, done.as_deref(), emails_customers);
    Ok(views::layout(
        &format!("Ticket {}", ticket.ticket.reference),
        "ticket",
        Some(Banner {
            agent: &signed.agent,
            csrf: &signed.csrf,
        }),
        content,
    )
    .into_response())
}

/// What the status line says after an action.
fn done_text(done: &str, emails_customers: bool) -> Option<&'static str> {
    Some(match done {
        "reply" if emails_customers => "Reply sent. It is emailed to the customer.",
        "reply" => "Reply stored. (Not emailed: this server has no sender address.)",
        "note" => "Internal note added.",
        "status" => "Status changed.",
        "assign" => "Assignment changed.",
        "tag-added" => "Tag added.",
        "tag-removed" => "Tag removed.",
        "unchanged" => "Nothing changed.",
        _ => return None,
    })
}

fn view(
    ticket: &ConsoleTicket,
    agents: &[Agent],
    signed: &Signed,
    done: Option<&str>,
    emails_customers: bool,
) -> Markup {
    let t = &ticket.ticket;
    let transcript: Option<Transcript> = serde_json::from_str(&t.transcript_json).ok();
    let base = format!("/agent/tickets/{}", t.reference);
    let csrf = html! { input type="hidden" name="csrf" value=(signed.csrf); };
    html! {
        p.back { a href="/agent" { "← Inbox" } }
        h1 { "Ticket " (t.reference) " " (views::status_badge(ticket.status)) }
        div #action-status role="status" {
            @if let Some(text) = done.and_then(|d| done_text(d, emails_customers)) { p.notice { (text) } }
        }
        section.summary aria-labelledby="summary-title" {
            h2 #summary-title { "What was tried" }
            p #summary { (t.summary) }
        }
        section aria-labelledby="customer-title" {
            h2 #customer-title { "Customer" }
            dl.facts #ticket-facts {
                div { dt { "Name" } dd { (t.name) } }
                div { dt { "Email" } dd { (t.email) } }
                div { dt { "Site" } dd { (t.site) } }
                div { dt { "Locale" } dd { (t.locale) } }
                div { dt { "Priority" } dd { (t.urgency.as_deref().unwrap_or("—")) } }
                div { dt { "Reply by" } dd { @if let Some(r) = &t.reply_by { (views::time(r)) } @else { "—" } } }
                div { dt { "Received" } dd { (views::time(&t.created_at)) } }
                div { dt { "Assignee" } dd { (ticket.assignee.as_ref().map_or("nobody", |a| a.name.as_str())) } }
                div { dt { "Tags" } dd { @if ticket.tags.is_empty() { "none" } @for tag in &ticket.tags { span.tag { (tag) } " " } } }
            }
            h3 { "Identity" }
            @if let Some(transcript) = &transcript { (timeline::identity(transcript)) }
            h3 { "Context from the page" }
            @if let Some(transcript) = &transcript { (timeline::context(transcript)) }
        }
        section aria-labelledby="timeline-title" {
            h2 #timeline-title { "Timeline" }
            @if let Some(transcript) = &transcript {
                (timeline::timeline(transcript, &t.locale))
            } @else {
                p { "The stored transcript cannot be read." }
            }
        }
        section #conversation aria-labelledby="conversation-title" {
            h2 #conversation-title { "Conversation" }
            ol.conversation #conversation-list {
                li.message.from-customer {
                    p.meta { strong { (t.name) } " (customer) · " (views::time(&t.created_at)) }
                    p.body { (t.message) }
                }
                @for message in &ticket.messages { (message_item(message, &t.name)) }
                @for answer in &ticket.satisfaction { (satisfaction_item(answer, &t.name)) }
            }
            @if !ticket.changes.is_empty() {
                h3 { "Changes" }
                ul.changes {
                    @for change in &ticket.changes {
                        li { (views::time(&change.created_at)) " " (change.agent_name.as_deref().unwrap_or("The customer")) " " (change_text(&change.what, &change.detail)) }
                    }
                }
            }
        }
        section.actions aria-labelledby="actions-title" {
            h2 #actions-title { "Actions" }
            form.compose method="post" action={(base) "/reply"} {
                (csrf)
                label for="reply" { "Reply to the customer" }
                textarea #reply name="body" rows="5" required maxlength=(MAX_MESSAGE_CHARS) aria-describedby="reply-hint" {}
                p.hint #reply-hint {
                    @if emails_customers { "It is stored with the ticket and emailed to the customer." }
                    @else { "It is stored with the ticket. This server emails no one: it has no sender address (--smtp-from)." }
                    " Ctrl+Enter sends."
                }
                button type="submit" { "Send reply" }
            }
            form.compose method="post" action={(base) "/note"} {
                (csrf)
                label for="note" { "Internal note" }
                textarea #note name="body" rows="3" required maxlength=(MAX_MESSAGE_CHARS) aria-describedby="note-hint" {}
                p.hint #note-hint { "Only agents see notes. Ctrl+Enter adds it." }
                button type="submit" { "Add note" }
            }
            div.row {
                form method="post" action={(base) "/status"} #status-form {
                    (csrf)
                    fieldset {
                        legend { "Status" }
                        @for s in TicketStatus::ALL {
                            @if s != ticket.status {
                                button type="submit" name="status" value=(s.as_str()) id={"status-" (s.as_str())} {
                                    (match (ticket.status, s) {
                                        (TicketStatus::Solved, TicketStatus::Open) => "Reopen",
                                        (_, TicketStatus::Open) => "Mark open",
                                        (_, TicketStatus::Pending) => "Mark pending",
                                        (_, TicketStatus::Solved) => "Solve",
                                    })
                                }
                                " "
                            }
                        }
                    }
                }
                form method="post" action={(base) "/assign"} {
                    (csrf)
                    p {
                        label for="assignee" { "Assign to" }
                        select #assignee name="assignee" {
                            option value="" selected[ticket.assignee.is_none()] { "Nobody" }
                            @for agent in agents {
                                option value=(agent.id) selected[ticket.assignee.as_ref().is_some_and(|a| a.id == agent.id)] {
                                    (agent.name) " (" (agent.email) ")"
                                }
                            }
                        }
                        " "
                        button type="submit" { "Assign" }
                    }
                }
                form method="post" action={(base) "/tags"} {
                    (csrf)
                    p {
                        label for="tag" { "Add a tag" }
                        input #tag type="text" name="tag" maxlength=(MAX_TAG_CHARS) pattern="[A-Za-z0-9_-]+" aria-describedby="tag-hint" required;
                        " "
                        button type="submit" { "Add tag" }
                    }
                    p.hint #tag-hint { "Letters, digits, - and _." }
                }
                @if !ticket.tags.is_empty() {
                    form method="post" action={(base) "/tags/remove"} {
                        (csrf)
                        fieldset {
                            legend { "Remove a tag" }
                            @for tag in &ticket.tags {
                                button type="submit" name="tag" value=(tag) aria-label={"Remove tag " (tag)} { "× " (tag) } " "
                            }
                        }
                    }
                }
            }
        }
        (views::shortcuts(&[
            ("r", "Write a reply"),
            ("n", "Write an internal note"),
            ("s", "Solve the ticket"),
            ("i", "Back to the inbox"),
            ("Ctrl+Enter", "Send the reply or note being written"),
        ]))
    }
}

fn message_item(message: &TicketMessage, customer: &str) -> Markup {
    let (class, who) = match message.author {
        MessageAuthor::Customer => ("from-customer", format!("{customer} (customer)")),
        MessageAuthor::Agent => (
            "from-agent",
            format!(
                "{} (reply)",
                message.agent_name.as_deref().unwrap_or("Agent")
            ),
        ),
        MessageAuthor::Note => (
            "note",
            format!(
                "{} (internal note)",
                message.agent_name.as_deref().unwrap_or("Agent")
            ),
        ),
    };
    html! {
        li class={"message " (class)} {
            p.meta { strong { (who) } " · " (views::time(&message.created_at)) }
            p.body { (message.body) }
        }
    }
}

/// The customer's answer to "Was your issue resolved?", in the conversation.
fn satisfaction_item(answer: &Satisfaction, customer: &str) -> Markup {
    html! {
        li.message.from-customer.satisfaction data-testid="satisfaction" {
            p.meta { strong { (customer) " (customer)" } " · satisfaction · " (views::time(&answer.created_at)) }
            p.body {
                (if answer.resolved { "Resolved" } else { "Not resolved (reopened)" })
                @if let Some(rating) = answer.rating {
                    " · " span.rating aria-label={"Rated " (rating) " out of 5"} { (rating) " / 5" }
                }
            }
            @if let Some(comment) = &answer.comment { p.body.comment { (comment) } }
        }
    }
}

fn change_text(what: &str, detail: &str) -> String {
    match what {
        "status" => format!("set the status to {detail}"),
        "assign" if detail.is_empty() => "unassigned the ticket".to_owned(),
        "assign" => format!("assigned the ticket to {detail}"),
        "tag_added" => format!("added the tag {detail}"),
        "tag_removed" => format!("removed the tag {detail}"),
        "satisfaction" if detail == "resolved" => "said the issue was resolved".to_owned(),
        "satisfaction" => "said the issue was not resolved".to_owned(),
        other => format!("{other} {detail}"),
    }
}

/// Whether this server emails replies to customers: SMTP is set up with a sender address
/// (`--smtp-from`: customers see it and reply to it).
fn emails_customers(state: &AppState) -> bool {
    state
        .handoff
        .delivery
        .smtp
        .as_ref()
        .is_some_and(|smtp| smtp.from.is_some())
}

/// The customer email that goes with a reply, when this server sends them.
fn customer_email(state: &AppState, to: &str) -> Option<CustomerEmail> {
    emails_customers(state).then(|| CustomerEmail { to: to.to_owned() })
}

fn back(reference: &str, done: &str, anchor: &str) -> Response {
    redirect(&format!("/agent/tickets/{reference}?done={done}#{anchor}"))
}

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    csrf: Option<String>,
    #[serde(default)]
    body: String,
}

async fn add_message(
    state: AppState,
    signed: Signed,
    reference: String,
    form: Result<Form<MessageForm>, FormRejection>,
    author: MessageAuthor,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    signed.check_csrf(form.csrf.as_deref())?;
    let ticket = load(&state, &reference).await?;
    let body = form.body.trim();
    if body.is_empty() {
        return Err(PageError::bad_form("Write something before sending."));
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(PageError::bad_form(format!(
            "A message can have at most {MAX_MESSAGE_CHARS} characters."
        )));
    }
    let email = match author {
        MessageAuthor::Agent => customer_email(&state, &ticket.ticket.email),
        _ => None,
    };
    let id = state
        .storage
        .add_agent_message(
            ticket.id,
            signed.agent.id,
            author,
            body,
            email.as_ref(),
            OffsetDateTime::now_utc(),
        )
        .await?;
    state
        .storage
        .mark_ticket_read(signed.agent.id, ticket.id, id)
        .await?;
    tracing::info!(reference = %ticket.ticket.reference, agent = %signed.agent.email, kind = author.as_str(), emailed = email.is_some(), "agent message stored");
    let done = if author == MessageAuthor::Agent {
        "reply"
    } else {
        "note"
    };
    Ok(back(&reference, done, "conversation"))
}

/// `POST …/reply`: a reply to the customer, emailed through the outbox when possible.
pub async fn reply(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    form: Result<Form<MessageForm>, FormRejection>,
) -> Result<Response, PageError> {
    add_message(state, signed, reference, form, MessageAuthor::Agent).await
}

/// `POST …/note`: an internal note.
pub async fn note(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    form: Result<Form<MessageForm>, FormRejection>,
) -> Result<Response, PageError> {
    add_message(state, signed, reference, form, MessageAuthor::Note).await
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    csrf: Option<String>,
    #[serde(default)]
    status: String,
}

/// `POST …/status`: open, pending or solved (and back).
pub async fn status(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    signed.check_csrf(form.csrf.as_deref())?;
    let status = TicketStatus::parse(&form.status)
        .ok_or_else(|| PageError::bad_form("The status must be open, pending or solved."))?;
    let ticket = load(&state, &reference).await?;
    let changed = state
        .storage
        .set_ticket_status(
            ticket.id,
            signed.agent.id,
            status,
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(back(
        &reference,
        if changed { "status" } else { "unchanged" },
        "action-status",
    ))
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    csrf: Option<String>,
    #[serde(default)]
    assignee: String,
}

/// `POST …/assign`: to an agent (by id), or to nobody (empty).
pub async fn assign(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    form: Result<Form<AssignForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    signed.check_csrf(form.csrf.as_deref())?;
    let assignee = match form.assignee.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| PageError::bad_form("Choose an agent from the list."))?,
        ),
    };
    let ticket = load(&state, &reference).await?;
    let done = state
        .storage
        .assign_ticket(
            ticket.id,
            signed.agent.id,
            assignee,
            OffsetDateTime::now_utc(),
        )
        .await?;
    if !done {
        return Err(PageError::bad_form("There is no such agent."));
    }
    Ok(back(&reference, "assign", "action-status"))
}

#[derive(Debug, Deserialize)]
pub struct TagForm {
    csrf: Option<String>,
    #[serde(default)]
    tag: String,
}

/// A tag as stored: trimmed, lowercased; letters, digits, `-` and `_`.
pub fn clean_tag(tag: &str) -> Result<String, PageError> {
    let tag = tag.trim().to_lowercase();
    let valid = !tag.is_empty()
        && tag.chars().count() <= MAX_TAG_CHARS
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(tag)
    } else {
        Err(PageError::bad_form(format!(
            "A tag is 1 to {MAX_TAG_CHARS} letters, digits, - or _."
        )))
    }
}

/// `POST …/tags`: adds a tag.
pub async fn add_tag(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    form: Result<Form<TagForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    signed.check_csrf(form.csrf.as_deref())?;
    let tag = clean_tag(&form.tag)?;
    let ticket = load(&state, &reference).await?;
    if ticket.tags.len() >= MAX_TAGS && !ticket.tags.contains(&tag) {
        return Err(PageError::bad_form(format!(
            "A ticket can have at most {MAX_TAGS} tags."
        )));
    }
    let added = state
        .storage
        .add_ticket_tag(ticket.id, signed.agent.id, &tag, OffsetDateTime::now_utc())
        .await?;
    Ok(back(
        &reference,
        if added { "tag-added" } else { "unchanged" },
        "action-status",
    ))
}

/// `POST …/tags/remove`: removes a tag.
pub async fn remove_tag(
    State(state): State<AppState>,
    signed: Signed,
    Path(reference): Path<String>,
    form: Result<Form<TagForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    signed.check_csrf(form.csrf.as_deref())?;
    let tag = clean_tag(&form.tag)?;
    let ticket = load(&state, &reference).await?;
    let removed = state
        .storage
        .remove_ticket_tag(ticket.id, signed.agent.id, &tag, OffsetDateTime::now_utc())
        .await?;
    Ok(back(
        &reference,
        if removed { "tag-removed" } else { "unchanged" },
        "action-status",
    ))
}

/// `GET /agent/articles/{locale}/{slug}`: a published article as the customer read it (its
/// sanitized HTML), for the links of the timeline.
pub async fn article(
    State(state): State<AppState>,
    signed: Signed,
    Path((locale, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let knowledge = state.knowledge.current();
    let article = knowledge
        .library
        .article(&locale, &slug)
        .map(|a| a.to_api())
        .ok_or_else(|| {
            PageError::not_found(&format!("published article '{slug}' in '{locale}'"))
        })?;
    let content = html! {
        p.back { a href="/agent" { "← Inbox" } }
        article.kb-article {
            h1 { (article.title) }
            p.hint { "As the customer sees it in the widget (" (locale) ", " (slug) ")." }
            // Rendered from Markdown and sanitized with an allow-list when the content loaded.
            div.article-body { (PreEscaped(&article.html)) }
        }
    };
    Ok(views::layout(
        &article.title,
        "article",
        Some(Banner {
            agent: &signed.agent,
            csrf: &signed.csrf,
        }),
        content,
    )
    .into_response())
}
