//! The inbox (`GET /agent`): tickets by reply-by time and priority, filters, overdue marks,
//! the signed-in agent's unread counts; and `GET /agent/events`, a Server-Sent Events stream
//! that says when the inbox changed, so the page refreshes its list without a reload.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use time::OffsetDateTime;

use super::PageError;
use super::session::{self, Signed};
use super::views::{self, Banner};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::storage::{InboxFacets, InboxFilter, InboxTicket, TicketStatus};

/// How often an open event stream looks for changes when no notice came (writes from
/// another process); changes made by this server are told at once by [`crate::live`].
pub const POLL: Duration = Duration::from_secs(20);

/// The inbox's query string; empty values mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    /// `open` (the default), `pending`, `solved` or `all`.
    status: Option<String>,
    urgency: Option<String>,
    site: Option<String>,
    locale: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl InboxQuery {
    fn filter(self) -> (String, InboxFilter) {
        let status = non_empty(self.status).unwrap_or_else(|| "open".to_owned());
        let filter = InboxFilter {
            status: TicketStatus::parse(&status),
            urgency: non_empty(self.urgency),
            site: non_empty(self.site),
            locale: non_empty(self.locale),
        };
        let status = match filter.status {
            Some(s) => s.as_str().to_owned(),
            None => "all".to_owned(),
        };
        (status, filter)
    }
}

/// `GET /agent`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let (status, filter) = query.filter();
    let marker = state.storage.inbox_marker().await?;
    let mut tickets = state.storage.inbox(signed.agent.id, &filter).await?;
    let facets = state.storage.inbox_facets().await?;
    let tiers: Vec<String> = {
        let knowledge = state.knowledge.current();
        knowledge
            .library
            .site
            .urgency
            .iter()
            .map(|t| t.id.clone())
            .collect()
    };
    sort(&mut tickets, &tiers);
    let now = crate::storage::rfc3339(OffsetDateTime::now_utc());
    let content = html! {
        h1 { "Inbox" }
        (filters(&status, &filter, &facets))
        (list(&tickets, &now, &marker))
        (views::shortcuts(&[
            ("j", "Next ticket"),
            ("k", "Previous ticket"),
            ("Enter", "Open the selected ticket"),
            ("/", "Go to the filters"),
        ]))
    };
    Ok(views::layout(
        "Inbox",
        "inbox",
        Some(Banner {
            agent: &signed.agent,
            csrf: &signed.csrf,
        }),
        content,
    )
    .into_response())
}

/// Soonest reply-by first (no promise last); at the same time, the more urgent tier first (the
/// site's tiers are listed most urgent first); then the oldest.
pub fn sort(tickets: &mut [InboxTicket], tiers: &[String]) {
    let rank = |t: &InboxTicket| {
        t.urgency
            .as_ref()
            .and_then(|u| tiers.iter().position(|tier| tier == u))
            .unwrap_or(tiers.len())
    };
    tickets.sort_by(|a, b| {
        (a.reply_by.is_none(), &a.reply_by, rank(a), &a.created_at).cmp(&(
            b.reply_by.is_none(),
            &b.reply_by,
            rank(b),
            &b.created_at,
        ))
    });
}

fn choice(
    id: &str,
    name: &str,
    label: &str,
    any: &str,
    options: &[String],
    chosen: Option<&str>,
) -> Markup {
    html! {
        p {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                option value="" selected[chosen.is_none()] { (any) }
                @for option in options {
                    option value=(option) selected[chosen == Some(option.as_str())] { (option) }
                }
            }
        }
    }
}

fn filters(status: &str, filter: &InboxFilter, facets: &InboxFacets) -> Markup {
    html! {
        form.filters #filters method="get" action="/agent" role="search" aria-label="Filter tickets" {
            p {
                label for="f-status" { "Status" }
                select #f-status name="status" {
                    @for s in ["open", "pending", "solved", "all"] {
                        option value=(s) selected[status == s] { (s) }
                    }
                }
            }
            (choice("f-urgency", "urgency", "Priority", "Any priority", &facets.urgencies, filter.urgency.as_deref()))
            (choice("f-site", "site", "Site", "Any site", &facets.sites, filter.site.as_deref()))
            (choice("f-locale", "locale", "Locale", "Any locale", &facets.locales, filter.locale.as_deref()))
            p { button type="submit" { "Apply filters" } }
        }
    }
}

/// The first line of a message, at most 90 characters.
fn excerpt(message: &str) -> String {
    let first = message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    let mut short: String = first.chars().take(90).collect();
    if first.chars().count() > 90 {
        short.push('…');
    }
    short
}

/// The list the page script swaps in when the inbox changes (`#inbox`).
fn list(tickets: &[InboxTicket], now: &str, marker: &str) -> Markup {
    let overdue = |t: &InboxTicket| {
        t.status != TicketStatus::Solved && t.reply_by.as_deref().is_some_and(|r| r < now)
    };
    let overdue_count = tickets.iter().filter(|t| overdue(t)).count();
    html! {
        div #inbox data-marker=(marker) {
            p #inbox-count {
                (tickets.len()) " " (if tickets.len() == 1 { "ticket" } else { "tickets" })
                @if overdue_count > 0 { ", " strong { (overdue_count) " overdue" } }
            }
            @if tickets.is_empty() {
                p { "No tickets match these filters." }
            } @else {
                table.inbox {
                    caption { "Tickets, the soonest reply-by first" }
                    thead {
                        tr {
                            th scope="col" { "Ticket" }
                            th scope="col" { "Customer" }
                            th scope="col" { "Message" }
                            th scope="col" { "Status" }
                            th scope="col" { "Priority" }
                            th scope="col" { "Reply by" }
                            th scope="col" { "Site" }
                            th scope="col" { "Locale" }
                            th scope="col" { "Assignee" }
                            th scope="col" { "Tags" }
                        }
                    }
                    tbody {
                        @for t in tickets {
                            tr.overdue[overdue(t)] data-reference=(t.reference) {
                                td {
                                    a.ticket-link href={"/agent/tickets/" (t.reference)} { (t.reference) }
                                    @if t.unread > 0 {
                                        " " span.unread { (t.unread) " unread" }
                                    }
                                }
                                td { (t.name) }
                                td { (excerpt(&t.message)) }
                                td { (views::status_badge(t.status)) }
                                td { (t.urgency.as_deref().unwrap_or("—")) }
                                td {
                                    @if let Some(reply_by) = &t.reply_by { (views::time(reply_by)) } @else { "—" }
                                    @if overdue(t) { " " span.badge.overdue-mark { "Overdue" } }
                                }
                                td { (t.site) }
                                td { (t.locale) }
                                td { (t.assignee.as_deref().unwrap_or("—")) }
                                td {
                                    @for tag in &t.tags { span.tag { (tag) } " " }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

struct Stream {
    state: AppState,
    token: String,
    last: Option<String>,
    first: bool,
    changes: crate::live::Changes,
    stop: tokio::sync::watch::Receiver<bool>,
    /// Given back when the stream ends.
    _slot: crate::live::Slot,
    /// Counted in the open-streams gauge until the stream ends or the client goes away.
    _open: crate::telemetry::OpenStream,
}

/// `GET /agent/events`: an `inbox` event (its data and id: the inbox mark) whenever the
/// inbox changed since the last event (or the `Last-Event-ID` the browser resumes with). Ends
/// when the session does. Without a session: 401 JSON; over the per-address stream limit: 429.
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Response {
    let signed = match session::current(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Sign in at /agent/login to follow the inbox.",
            )
            .into_response();
        }
        Err(e) => return e.into_response(),
    };
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let client = super::client_address(&extensions);
    let Some(slot) = state.storage.stream_slots().take(&client) else {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            "Too many live connections from this address; close other tabs and try again.",
        )
        .into_response();
    };
    let start = Stream {
        changes: state.storage.notifier().subscribe(),
        state,
        token: signed.token().to_owned(),
        last,
        first: true,
        stop: crate::live::closing(),
        _slot: slot,
        _open: crate::telemetry::OpenStream::new(),
    };
    let stream = futures_util::stream::unfold(start, |mut s| async move {
        loop {
            if *s.stop.borrow() {
                return None;
            }
            if !s.first {
                tokio::select! {
                    () = s.changes.next(None) => {}
                    () = tokio::time::sleep(POLL) => {}
                    _ = s.stop.changed() => return None,
                }
            }
            s.first = false;
            let now = OffsetDateTime::now_utc();
            match s.state.storage.agent_for_session(&s.token, now).await {
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "event stream cannot check its session");
                    continue;
                }
            }
            match s.state.storage.inbox_marker().await {
                Ok(marker) if s.last.as_deref() != Some(marker.as_str()) => {
                    s.last = Some(marker.clone());
                    let event = Event::default()
                        .event("inbox")
                        .id(marker.clone())
                        .data(marker);
                    return Some((Ok::<_, Infallible>(event), s));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "event stream cannot read the inbox"),
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(reference: &str, reply_by: Option<&str>, urgency: Option<&str>) -> InboxTicket {
        InboxTicket {
            reference: reference.to_owned(),
            site: "demo".into(),
            name: "Ada".into(),
            message: "help".into(),
            locale: "en".into(),
            urgency: urgency.map(str::to_owned),
            reply_by: reply_by.map(str::to_owned),
            status: TicketStatus::Open,
            created_at: format!("2026-12-04T10:00:0{}Z", reference.len()),
            assignee: None,
            tags: Vec::new(),
            unread: 0,
        }
    }

    #[test]
    fn the_soonest_reply_by_comes_first_then_the_more_urgent_tier_then_no_promise() {
        let tiers = vec!["urgent".to_owned(), "high".to_owned(), "normal".to_owned()];
        let mut tickets = vec![
            ticket("none", None, Some("urgent")),
            ticket("late-normal", Some("2026-12-05T10:00:00Z"), Some("normal")),
            ticket("soon-high", Some("2026-12-04T12:00:00Z"), Some("high")),
            ticket("soon-urgent", Some("2026-12-04T12:00:00Z"), Some("urgent")),
            ticket("soon-unknown", Some("2026-12-04T12:00:00Z"), Some("gone")),
        ];
        sort(&mut tickets, &tiers);
        let order: Vec<&str> = tickets.iter().map(|t| t.reference.as_str()).collect();
        assert_eq!(
            order,
            [
                "soon-urgent",
                "soon-high",
                "soon-unknown",
                "late-normal",
                "none"
            ]
        );
    }
}
