//! `GET /api/v1/conversations/{reference}/events`: the customer's live conversation, as
//! Server-Sent Events.
//!
//! - `message` events: a customer's or an agent's message (`{ id, author, body, created_at }`,
//!   as in the conversation), including the customer's own from another tab; `status` events:
//!   `{ status, by, created_at }` (`by`: `agent` or `customer`). Notes, assignments and tags are
//!   never sent.
//! - Every event has an `id` (the [`EventCursor`] after it). A reconnecting `EventSource` sends
//!   it back as `Last-Event-ID` and hears exactly what came after, once. The first connection
//!   after a reload passes the cursor it last saw (or the conversation's `events_cursor`) as
//!   `?last=`; without either, the stream tells only what happens from now on.
//! - Comments every 15 s keep proxies from closing an idle stream; a server shutdown ends it.
//! - Each client address may hold [`crate::storage::MAX_STREAMS_PER_CLIENT`] streams (consoles
//!   included); more answer `429 too_many_streams`.
//!
//! The stream waits on the storage's [`crate::live::Notifier`], and looks again every
//! [`FALLBACK_POLL`] for what another process wrote.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use baton_core::TicketRef;
use serde::Deserialize;

use super::AppState;
use super::api::client_of;
use super::error::ApiError;
use crate::live::{Changes, Slot};
use crate::storage::{ConversationEvent, EventCursor};

/// How often an idle stream reads again even without a notice (writes from other processes).
pub const FALLBACK_POLL: Duration = Duration::from_secs(20);

/// The query string. `EventSource` cannot send headers, so the conversation token comes as
/// `?token=` here (not `Authorization: Bearer` as on the other conversation calls). It is the
/// same per-conversation secret either way: it opens this one conversation and nothing else,
/// and the answer is `Cache-Control: no-store`.
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    token: Option<String>,
    /// The cursor to resume after on the first connection (`Last-Event-ID` wins).
    last: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "conversation_not_found",
        "There is no conversation with this reference and token.",
    )
}

/// The state of one open stream.
struct Stream {
    state: AppState,
    ticket_id: i64,
    cursor: EventCursor,
    pending: VecDeque<ConversationEvent>,
    changes: Changes,
    stop: tokio::sync::watch::Receiver<bool>,
    /// Given back when the stream ends.
    _slot: Slot,
    /// Counted in the open-streams gauge until the stream ends.
    _open: crate::telemetry::OpenStream,
}

fn to_sse(event: &ConversationEvent) -> Event {
    let (kind, data) = match event {
        ConversationEvent::Message { message, .. } => (
            "message",
            serde_json::json!({
                "id": message.id,
                "author": message.author,
                "body": message.body,
                "created_at": message.created_at,
            }),
        ),
        ConversationEvent::Status {
            status,
            by_customer,
            created_at,
            ..
        } => (
            "status",
            serde_json::json!({
                "status": status,
                "by": if *by_customer { "customer" } else { "agent" },
                "created_at": created_at,
            }),
        ),
    };
    Event::default()
        .event(kind)
        .id(event.cursor().to_string())
        .data(data.to_string())
}

/// `GET /api/v1/conversations/{reference}/events?token=…[&last=…]` (see the module
/// documentation). An unknown reference, a missing token and a wrong one answer the same 404
/// as `GET /api/v1/conversations/{reference}`.
pub async fn events(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    query: Result<Query<EventsQuery>, QueryRejection>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Result<Response, ApiError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let reference: TicketRef = reference.parse().map_err(|_| not_found())?;
    let token = query
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(not_found)?;
    let ticket_id = state
        .storage
        .conversation_ticket(&reference, token)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(not_found)?;
    let client = client_of(&extensions);
    let Some(slot) = state.storage.stream_slots().take(&client) else {
        tracing::warn!(client = %client, "too many event streams");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            "Too many live connections from this address; close other tabs and try again.",
        ));
    };
    // Listen before reading, so that nothing written in between is missed.
    let changes = state.storage.notifier().subscribe();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(query.last.as_deref())
        .and_then(|c| c.parse::<EventCursor>().ok());
    let cursor = match resume {
        Some(cursor) => cursor,
        None => state
            .storage
            .conversation_cursor(ticket_id)
            .await
            .map_err(|e| ApiError::internal(&e))?,
    };
    let start = Stream {
        state,
        ticket_id,
        cursor,
        pending: VecDeque::new(),
        changes,
        stop: crate::live::closing(),
        _slot: slot,
        _open: crate::telemetry::OpenStream::new(),
    };
    let stream = futures_util::stream::unfold(start, |mut s| async move {
        loop {
            if *s.stop.borrow() {
                return None;
            }
            if let Some(event) = s.pending.pop_front() {
                s.cursor = event.cursor();
                return Some((Ok::<_, Infallible>(to_sse(&event)), s));
            }
            match s
                .state
                .storage
                .conversation_events(s.ticket_id, s.cursor)
                .await
            {
                Ok(events) if !events.is_empty() => {
                    s.pending.extend(events);
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "conversation stream cannot read"),
            }
            tokio::select! {
                () = s.changes.next(Some(s.ticket_id)) => {}
                () = tokio::time::sleep(FALLBACK_POLL) => {}
                _ = s.stop.changed() => return None,
            }
        }
    });
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Sse::new(stream).keep_alive(KeepAlive::default()),
    )
        .into_response())
}
