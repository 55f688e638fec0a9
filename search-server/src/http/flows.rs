//! Guided flows over HTTP: `GET /api/v1/flows/{id}` for the widget to run, `POST
//! /api/v1/surveys` after a run, and the replay that checks every path a client sends against
//! the published flow before anything is stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_core::api::{FlowDocument, FlowPath, SurveyRequest, SurveyResponse};
use baton_core::flow::{Outcome, replay};
use baton_core::{Transcript, TranscriptEvent};
use serde::Deserialize;

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery};
use crate::content::{Library, LoadedFlow};

#[derive(Debug, Deserialize)]
pub struct FlowParams {
    locale: Option<String>,
}

/// A flow in the requested locale (or the default locale when it has no version there).
pub async fn flow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<FlowParams>,
) -> Result<Response, ApiError> {
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    let locale = library.site.resolve_locale(params.locale.as_deref());
    let found = find(library, locale, &id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "flow_not_found",
            format!("There is no guided flow '{id}'."),
        )
    })?;
    Ok(super::admin::with_version(
        &library.version,
        Json::<FlowDocument>(found.to_api()),
    ))
}

fn find<'a>(library: &'a Library, locale: &str, id: &str) -> Option<&'a LoadedFlow> {
    library
        .flow(locale, id)
        .or_else(|| library.flow(&library.site.default_locale, id))
}

/// Replays a path a client sent against the published flow: the outcome it reaches, or a 422
/// naming the first step that does not fit.
pub fn verify_path(library: &Library, locale: &str, path: &FlowPath) -> Result<Outcome, ApiError> {
    let flow = find(library, locale, &path.flow_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_flow",
            format!("There is no guided flow '{}'.", path.flow_id),
        )
    })?;
    replay(&flow.flow, &path.context, &path.answers).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "flow_path_rejected",
            format!(
                "The path does not fit the published flow '{}': {e}.",
                path.flow_id
            ),
        )
    })
}

/// Checks every flow outcome recorded in a handoff's transcript by replaying its path: a
/// transcript cannot claim answers or an outcome the published flow does not give.
pub fn verify_transcript(library: &Library, transcript: &Transcript) -> Result<(), ApiError> {
    let locale = library.site.resolve_locale(transcript.locale.as_deref());
    for event in &transcript.events {
        let TranscriptEvent::FlowOutcome {
            flow_id,
            outcome,
            context,
            path,
            ..
        } = event
        else {
            continue;
        };
        let replayed = verify_path(
            library,
            locale,
            &FlowPath {
                flow_id: flow_id.clone(),
                context: context.clone(),
                answers: path.clone(),
            },
        )?;
        if replayed.kind.name() != outcome.as_str() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "flow_path_rejected",
                format!(
                    "The path through '{flow_id}' ends in '{}', not '{}'.",
                    replayed.kind.name(),
                    outcome.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// Stores a micro-survey after its path replays.
pub async fn create_survey(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SurveyRequest>,
) -> Result<Response, ApiError> {
    request.validate()?;
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    let site = super::served_site(library, &request.site)?;
    let locale = site.resolve_locale(request.locale.as_deref());
    let outcome = verify_path(library, locale, &request.flow)?;
    let stored = state
        .storage
        .create_survey(
            &request,
            locale,
            &outcome.node_id,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
    tracing::info!(flow = %stored.flow_id, solved = stored.solved, "survey stored");
    let body = SurveyResponse {
        created_at: stored.created_at,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
