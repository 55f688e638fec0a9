//! The customer's side of a ticket after the handoff: `GET /api/v1/conversations/{reference}`,
//! `POST /api/v1/conversations/{reference}/messages`, `…/satisfaction` and `…/reopen` (the
//! conversation token as `Authorization: Bearer …`; the live stream `…/events` is in
//! [`super::conversation_events`]), and `POST /api/v1/handoff-drafts`, which saves an
//! unfinished handoff form for the "Still need help?" follow-up.
//!
//! `GET /api/v1/conversations?site=…` lists a verified customer's conversations (the identity
//! in the `Baton-Identity-Id` and `Baton-Identity-Hash` headers). Conversation calls that carry
//! those headers have them checked too: a wrong hash is `401 identity_rejected`.
//!
//! An unknown reference, a missing token and a wrong token all answer the same
//! `404 conversation_not_found`, so the API tells nobody which references exist.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_core::TicketRef;
use baton_core::api::{
    Conversation, ConversationList, ConversationMessage, ConversationStatus, ConversationSummary,
    DraftRequest, DraftResponse, NewMessageRequest, SatisfactionAnswer, SatisfactionRequest,
};

use super::AppState;
use super::api::{client_of, idempotency_key, rate_limited, storage_error};
use super::error::{ApiError, ApiJson, ApiQuery};
use crate::storage::{
    DraftFields, MessageOutcome, NewMessage, NewSatisfaction, SatisfactionOutcome, StoredMessage,
    TicketStatus,
};

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "conversation_not_found",
        "There is no conversation with this reference and token.",
    )
}

/// The reference from the path and the token from `Authorization: Bearer`, or the 404.
fn credentials(reference: &str, headers: &HeaderMap) -> Result<(TicketRef, String), ApiError> {
    let reference: TicketRef = reference.parse().map_err(|_| not_found())?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(not_found)?;
    Ok((reference, token.to_owned()))
}

fn to_api(message: StoredMessage) -> ConversationMessage {
    ConversationMessage {
        id: message.id,
        author: message.author,
        body: message.body,
        created_at: message.created_at,
    }
}

/// Most conversations one list answers.
pub const MAX_LISTED: u32 = 50;

#[derive(Debug, serde::Deserialize)]
pub struct ListParams {
    site: String,
}

/// The conversations of the verified customer, newest first, each with its token. Without a
/// verified identity the answer is `401 identity_rejected`: an unverified caller gets nothing.
pub async fn list_conversations(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ConversationList>, ApiError> {
    let knowledge = state.knowledge.current();
    let site = super::served_site(&knowledge.library, &params.site)?;
    let client = client_of(&extensions);
    let (id, hash) = super::identity::from_headers(&headers);
    let verified = super::identity::check(site, id, hash, &client)?;
    let Some(id) = id.filter(|_| verified) else {
        tracing::warn!(site = %site.id, client = %client, "conversation list without verified identity");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "identity_rejected",
            "Listing conversations needs a verified identity (see docs/identity.md).",
        ));
    };
    let found = state
        .storage
        .conversations_of(&site.id, id, MAX_LISTED)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let conversations = found
        .into_iter()
        .map(|c| ConversationSummary {
            conversation_token: state.storage.conversation_token(&c.reference),
            reference: c.reference,
            status: c.status,
            created_at: c.created_at,
            last_message_at: c.last_message_at,
        })
        .collect();
    Ok(Json(ConversationList { conversations }))
}

/// Checks the identity headers a conversation call may carry (see the module documentation).
fn check_identity(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Result<(), ApiError> {
    let knowledge = state.knowledge.current();
    super::identity::check_headers(&knowledge.library.site, headers, &client_of(extensions))
        .map(|_| ())
}

/// The conversation: the handoff's message first, then customer and agent messages.
pub async fn conversation(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Result<Json<Conversation>, ApiError> {
    let (reference, token) = credentials(&reference, &headers)?;
    check_identity(&state, &headers, &extensions)?;
    let view = state
        .storage
        .conversation(&reference, &token)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(not_found)?;
    let ticket = view.ticket;
    let first = ConversationMessage {
        id: 0,
        author: "customer".into(),
        body: ticket.message,
        created_at: ticket.created_at.clone(),
    };
    let messages = std::iter::once(first)
        .chain(view.messages.into_iter().map(to_api))
        .collect();
    Ok(Json(Conversation {
        reference: ticket.reference,
        status: view.status,
        created_at: ticket.created_at,
        urgency: ticket.urgency,
        reply_by: ticket.reply_by,
        messages,
        satisfaction_due: view.satisfaction.due,
        satisfaction: view.satisfaction.latest.map(|s| SatisfactionAnswer {
            resolved: s.resolved,
            rating: s.rating,
            comment: s.comment,
            created_at: s.created_at,
        }),
        events_cursor: view.cursor.to_string(),
    }))
}

/// The customer answers "Was your issue resolved?" for the ticket's current solve: validate,
/// redact the comment, then the answer, its change row and (for `resolved: false`) the
/// reopening in one transaction before answering `201` with the status. A ticket that is not
/// solved is `409 satisfaction_not_due`; a second answer for the same solve is `409
/// satisfaction_already_given` (the first one stands; see `storage::satisfaction`).
pub async fn answer_satisfaction(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(request): ApiJson<SatisfactionRequest>,
) -> Result<Response, ApiError> {
    let (reference, token) = credentials(&reference, &headers)?;
    check_identity(&state, &headers, &extensions)?;
    if let Err(refused) = state.handoff.limiter.check(&client_of(&extensions)) {
        return Ok(rate_limited(refused));
    }
    request.validate()?;
    let knowledge = state.knowledge.current();
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| knowledge.redactor.redact(c));
    let answer = NewSatisfaction {
        resolved: request.resolved,
        rating: request.rating,
        comment: comment.as_deref(),
    };
    let outcome = state
        .storage
        .answer_satisfaction(&reference, &token, &answer, time::OffsetDateTime::now_utc())
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(not_found)?;
    match outcome {
        SatisfactionOutcome::Stored(status) => {
            tracing::info!(reference = %reference, resolved = request.resolved, rating = ?request.rating, "satisfaction stored");
            Ok((
                StatusCode::CREATED,
                Json(ConversationStatus {
                    status: status.as_str().to_owned(),
                }),
            )
                .into_response())
        }
        SatisfactionOutcome::NotDue => Err(ApiError::new(
            StatusCode::CONFLICT,
            "satisfaction_not_due",
            "This conversation is not solved, so there is nothing to rate yet.",
        )),
        SatisfactionOutcome::AlreadyGiven => Err(ApiError::new(
            StatusCode::CONFLICT,
            "satisfaction_already_given",
            "You already answered for this conversation. Thank you!",
        )),
    }
}

/// Reopens the conversation in one click: status `open` (a change by the customer), `200` with
/// the status; reopening an open conversation changes nothing.
pub async fn reopen(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Result<Json<ConversationStatus>, ApiError> {
    let (reference, token) = credentials(&reference, &headers)?;
    check_identity(&state, &headers, &extensions)?;
    let changed = state
        .storage
        .reopen_conversation(&reference, &token, time::OffsetDateTime::now_utc())
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(not_found)?;
    if changed {
        tracing::info!(reference = %reference, "reopened by the customer");
    }
    Ok(Json(ConversationStatus {
        status: TicketStatus::Open.as_str().to_owned(),
    }))
}

/// Adds the customer's message: rate limit, validate, redact, then message and outbox rows in
/// one transaction before answering `201` (or `200` with the first message for a retry with
/// the same `Idempotency-Key`).
pub async fn add_message(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(request): ApiJson<NewMessageRequest>,
) -> Result<Response, ApiError> {
    let (reference, token) = credentials(&reference, &headers)?;
    check_identity(&state, &headers, &extensions)?;
    let key = idempotency_key(&headers)?;
    if let Err(refused) = state.handoff.limiter.check(&client_of(&extensions)) {
        return Ok(rate_limited(refused));
    }
    request.validate()?;
    let knowledge = state.knowledge.current();
    let body = knowledge.redactor.redact(request.body.trim());
    let new = NewMessage {
        reference: &reference,
        token: &token,
        body: &body,
        fingerprint: crate::storage::sha256_hex(request.body.as_bytes()),
        idempotency_key: key.as_deref(),
        deliveries: state
            .handoff
            .delivery
            .deliveries_for(&knowledge.library.site.support_email),
        now: time::OffsetDateTime::now_utc(),
    };
    let outcome = state
        .storage
        .add_customer_message(&new)
        .await
        .map_err(storage_error)?
        .ok_or_else(not_found)?;
    let (status, message) = match outcome {
        MessageOutcome::Created(m) => {
            tracing::info!(reference = %reference, message = m.id, "message stored");
            (StatusCode::CREATED, m)
        }
        MessageOutcome::Replayed(m) => (StatusCode::OK, m),
    };
    Ok((status, Json(to_api(message))).into_response())
}

/// Saves what the customer typed in the handoff form so far (the email must be valid), for
/// one follow-up email if the form is never sent. Only sites with `[handoff]
/// follow_up_after` take drafts; a first save counts against the handoff rate limit.
pub async fn save_draft(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    ApiJson(request): ApiJson<DraftRequest>,
) -> Result<Response, ApiError> {
    request.validate()?;
    let knowledge = state.knowledge.current();
    let site = super::served_site(&knowledge.library, &request.site)?;
    if site.handoff.follow_up_after().is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "follow_up_disabled",
            "This site does not follow up unfinished requests, so it keeps no drafts.",
        ));
    }
    if request.draft_id.is_none()
        && let Err(refused) = state.handoff.limiter.check(&client_of(&extensions))
    {
        return Ok(rate_limited(refused));
    }
    let name = knowledge.redactor.redact(request.name.trim());
    let message = knowledge.redactor.redact(request.message.trim());
    let fields = DraftFields {
        site: &site.id,
        name: &name,
        email: request.email.trim(),
        message: &message,
        locale: site.resolve_locale(request.locale.as_deref()),
    };
    let now_ms = crate::storage::unix_ms(time::OffsetDateTime::now_utc());
    let saved = state
        .storage
        .save_draft(request.draft_id.as_deref(), fields, now_ms)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(DraftResponse { draft_id: saved.id })).into_response())
}
