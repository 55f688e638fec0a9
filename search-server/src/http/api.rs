//! Handlers of `/healthz` and `/api/v1/...`: parse, call one function, map the result.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_core::api::{
    Article, HandoffRequest, HandoffResponse, PageSuggestions, SearchResponse, SiteInfo,
};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery};
use crate::search::pages::{self, DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS};
use crate::search::{MAX_LIMIT, SearchRequest};
use crate::storage::{HandoffOutcome, StorageError};

/// Hits returned when the request does not say.
pub const DEFAULT_LIMIT: usize = 10;

/// Longest accepted `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub content_version: String,
}

pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        content_version: state.knowledge.current().library.version.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct SiteParams {
    locale: Option<String>,
}

/// The site's settings, with texts (the greeting) in the requested locale.
pub async fn site(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SiteParams>,
) -> Json<SiteInfo> {
    let knowledge = state.knowledge.current();
    let site = &knowledge.library.site;
    Json(site.info_for(site.resolve_locale(params.locale.as_deref())))
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    locale: Option<String>,
    limit: Option<String>,
    /// Only this category.
    category: Option<String>,
    /// Only articles with all of these tags, comma-separated.
    tags: Option<String>,
}

/// Most tags one search may filter by.
pub const MAX_TAG_FILTERS: usize = 10;

pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Response, ApiError> {
    let Some(q) = params.q.filter(|q| !q.trim().is_empty()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_query",
            "Add what to search for as `q`, like /api/v1/search?q=reset+password.",
        ));
    };
    let limit = parse_limit(params.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let tags: Vec<String> = params
        .tags
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if tags.len() > MAX_TAG_FILTERS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("`tags` can name at most {MAX_TAG_FILTERS} tags."),
        ));
    }
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    let locale = library.site.resolve_locale(params.locale.as_deref());
    let request = SearchRequest {
        query: &q,
        limit,
        category: params.category.as_deref(),
        tags: &tags,
    };
    knowledge
        .index
        .search(library, locale, &request)
        .map(|found: SearchResponse| super::admin::with_version(&library.version, Json(found)))
        .map_err(|e| ApiError::internal(&e))
}

/// `limit` from a query string: absent or blank gives `default`; otherwise a whole number
/// from 1, capped at `max`.
fn parse_limit(text: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(max))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("`limit` must be a whole number from 1 to {max}."),
                )
            }),
    }
}

#[derive(Debug, Deserialize)]
pub struct SuggestionParams {
    page_url: Option<String>,
    locale: Option<String>,
    limit: Option<String>,
}

/// `GET /api/v1/suggestions?page_url=&locale=&limit=`: articles for the page the widget is
/// on, those whose `page_urls` match first, then the most viewed, then the editorial order.
pub async fn suggestions(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SuggestionParams>,
) -> Result<Json<PageSuggestions>, ApiError> {
    let limit = parse_limit(
        params.limit.as_deref(),
        DEFAULT_SUGGESTIONS,
        MAX_SUGGESTIONS,
    )?;
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    let locale = library.site.resolve_locale(params.locale.as_deref());
    let page_url = params.page_url.unwrap_or_default();
    let found = state.storage.with_view_counts(locale, |views| {
        pages::suggest(library, locale, &page_url, limit, views)
    });
    Ok(Json(found))
}

#[derive(Debug, Deserialize)]
pub struct ArticleParams {
    locale: Option<String>,
    /// `preview=1` with an admin token also serves drafts.
    preview: Option<String>,
}

pub async fn article(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ArticleParams>,
) -> Result<Response, ApiError> {
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    let locale = library.site.resolve_locale(params.locale.as_deref());
    let preview = matches!(params.preview.as_deref(), Some("1" | "true"));
    if preview && !super::admin::is_admin(&state, &headers).await? {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Previewing drafts needs an admin token as `Authorization: Bearer <token>`.",
        ));
    }
    let found = if preview {
        library.article_or_draft(locale, &slug)
    } else {
        library.article(locale, &slug)
    };
    if !preview && let Some(article) = found {
        state.storage.record_view(locale, &article.slug);
    }
    found
        .map(|a| super::admin::with_version(&library.version, Json::<Article>(a.to_api())))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "article_not_found",
                format!("There is no article '{slug}' in '{locale}'."),
            )
        })
}

pub async fn create_handoff(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<HandoffRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    request.validate().map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            e.to_string(),
        )
    })?;
    let knowledge = state.knowledge.current();
    let site = &knowledge.library.site;
    if request.site != site.id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_site",
            format!("This server does not serve the site '{}'.", request.site),
        ));
    }
    let locale = site.resolve_locale(request.transcript.locale.as_deref());
    let outcome = state
        .storage
        .create_handoff(
            &request,
            locale,
            key.as_deref(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(|e| match e {
            StorageError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_conflict",
                "This Idempotency-Key was already used for a different request; \
                 use a new key for a new request.",
            ),
            other => ApiError::internal(&other),
        })?;
    let status = match &outcome {
        HandoffOutcome::Created(t) => {
            tracing::info!(reference = %t.reference, site = %t.site, "ticket stored");
            StatusCode::CREATED
        }
        HandoffOutcome::Replayed(_) => StatusCode::OK,
    };
    let ticket = outcome.ticket();
    let body = HandoffResponse {
        reference: ticket.reference.clone(),
        created_at: ticket.created_at.clone(),
    };
    Ok((status, Json(body)).into_response())
}

/// The `Idempotency-Key` header, if sent: 1 to 200 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let valid = !bytes.is_empty()
        && bytes.len() <= MAX_IDEMPOTENCY_KEY_CHARS
        && bytes.iter().all(u8::is_ascii_graphic);
    if !valid {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII \
                 characters, such as a UUID."
            ),
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}
