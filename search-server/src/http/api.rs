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

/// `GET /healthz`: the process is up and answering (for liveness probes).
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        content_version: state.knowledge.current().library.version.clone(),
    })
}

/// How long `GET /readyz` waits for the database before answering not ready.
pub const READY_DATABASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub status: &'static str,
    pub content_version: String,
    /// Articles in the served index, every locale.
    pub documents: usize,
}

/// `GET /readyz`: the search index is loaded (it is built before the socket is bound, and a
/// publish swaps in a complete one) and the database answers within
/// [`READY_DATABASE_TIMEOUT`]; else `503 not_ready`, so a load balancer sends traffic elsewhere.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    let database = tokio::time::timeout(READY_DATABASE_TIMEOUT, state.storage.ping()).await;
    let problem = match database {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("The database does not answer: {e}")),
        Err(_) => Some(format!(
            "The database did not answer within {} s.",
            READY_DATABASE_TIMEOUT.as_secs()
        )),
    };
    if let Some(message) = problem {
        tracing::warn!(%message, "not ready");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            message,
        ));
    }
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    Ok(Json(Readiness {
        status: "ready",
        content_version: library.version.clone(),
        documents: library.locales().map(|l| library.articles(l).count()).sum(),
    }))
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
    let started = std::time::Instant::now();
    let mut found: SearchResponse = knowledge
        .index
        .search(library, locale, &request)
        .map_err(|e| ApiError::internal(&e))?;
    // Guided fixes are offered for the query as such, not inside a category or tag filter.
    if request.category.is_none_or(|c| c.trim().is_empty()) && tags.is_empty() {
        found.flows = crate::search::flows::search(library, locale, &found.query);
    }
    crate::telemetry::search(locale, found.total, started.elapsed());
    Ok(super::admin::with_version(&library.version, Json(found)))
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

/// `POST /api/v1/handoffs`: rate limit, validate, complete the transcript (host identity and
/// context, the customer's message), redact, pick the urgency tier and the promised reply
/// time, then store ticket, idempotency key and outbox rows in one transaction before answering.
pub async fn create_handoff(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(request): ApiJson<HandoffRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    if let Err(refused) = state.handoff.limiter.check(&client_of(&extensions)) {
        return Ok(rate_limited(refused));
    }
    request.validate()?;
    let knowledge = state.knowledge.current();
    let site = super::served_site(&knowledge.library, &request.site)?;
    if let Some(choice) = &request.urgency
        && site.handoff.customer_chooses_urgency
        && !site.urgency.iter().any(|t| &t.id == choice)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("urgency: '{choice}' is not one of this site's urgencies."),
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    // The fingerprint is of the request as sent, so that a retry matches it.
    let fingerprint = crate::storage::fingerprint(&request);
    super::flows::verify_transcript(&knowledge.library, &request.transcript)?;
    let locale = site.resolve_locale(request.transcript.locale.as_deref());
    let mut request = request;
    complete_transcript(&mut request, now);
    let verified_identity = verify_identity(site, &mut request, &client_of(&extensions))?;
    knowledge.redactor.redact_request(&mut request);
    let tier = site.urgency_tier(
        request.transcript.handoff_priority(),
        request.urgency.as_deref(),
    );
    let reply_by = tier
        .and_then(|t| crate::config::parse_duration_minutes(&t.reply_within))
        .map(|minutes| {
            crate::storage::rfc3339(crate::sla::reply_by(
                now,
                minutes,
                site.support_hours.as_ref(),
            ))
        });
    let new = crate::storage::NewHandoff {
        request: &request,
        fingerprint,
        locale,
        idempotency_key: key.as_deref(),
        urgency: tier.map(|t| t.id.clone()),
        reply_by,
        verified_identity,
        deliveries: state.handoff.delivery.deliveries_for(&site.support_email),
        now,
    };
    let outcome = state
        .storage
        .store_handoff(&new)
        .await
        .map_err(storage_error)?;
    let status = match &outcome {
        HandoffOutcome::Created(t) => {
            tracing::info!(reference = %t.reference, site = %t.site, "ticket stored");
            crate::telemetry::handoff_created();
            StatusCode::CREATED
        }
        HandoffOutcome::Replayed(_) => StatusCode::OK,
    };
    let ticket = outcome.ticket();
    let body = HandoffResponse {
        reference: ticket.reference.clone(),
        created_at: ticket.created_at.clone(),
        urgency: ticket.urgency.clone(),
        reply_by: ticket.reply_by.clone(),
        conversation_token: state.storage.conversation_token(&ticket.reference),
    };
    Ok((status, Json(body)).into_response())
}

/// Moves what the host page said (`identity`, `context`) into the transcript, never as
/// verified, and records the customer's message as the last event.
fn complete_transcript(request: &mut HandoffRequest, now: time::OffsetDateTime) {
    let transcript = &mut request.transcript;
    if let Some(identity) = &request.identity {
        transcript.identity = baton_core::transcript::Identity::from_host(identity);
    }
    if let Some(identity) = &mut transcript.identity {
        // Only `verify_identity` may vouch for an identity, never the client.
        identity.verified = false;
    }
    if let Some(context) = &request.context {
        transcript.context = baton_core::transcript::host_context(context);
    }
    transcript.version = baton_core::transcript::TRANSCRIPT_VERSION;
    let at_ms = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or_default();
    transcript.record_message(at_ms, &request.message);
}

/// Checks the host's `identity.hash` against the site's secret before anything is redacted:
/// a match marks the transcript's identity verified and answers its id; a wrong hash (or
/// none where the site requires one) is `401 identity_rejected`.
fn verify_identity(
    site: &crate::config::SiteConfig,
    request: &mut HandoffRequest,
    client: &str,
) -> Result<Option<String>, ApiError> {
    let hash = request
        .identity
        .as_ref()
        .and_then(|i| i.get("hash"))
        .and_then(serde_json::Value::as_str);
    let identity = &mut request.transcript.identity;
    let id = identity.as_ref().and_then(|i| i.id.as_deref());
    let verified = super::identity::check(site, id, hash, client)?;
    match identity {
        Some(identity) if verified => {
            identity.verified = true;
            Ok(identity.id.clone())
        }
        _ => Ok(None),
    }
}

/// A storage failure as an answer: `409 idempotency_key_conflict`, else `500 internal`.
pub(super) fn storage_error(e: StorageError) -> ApiError {
    match e {
        StorageError::Conflict => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_conflict",
            "This Idempotency-Key was already used for a different request; \
             use a new key for a new request.",
        ),
        other => ApiError::internal(&other),
    }
}

/// The key the rate limits count a request under: the client's IP address.
pub(super) fn client_of(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string())
}

/// `429 rate_limited` with `Retry-After` in seconds.
pub(super) fn rate_limited(refused: crate::http::rate_limit::Refused) -> Response {
    use crate::http::rate_limit::Refused;
    let (wait, message) = match refused {
        Refused::Client(wait) => (
            wait,
            "Too many requests for help from this connection; please wait a moment and try again.",
        ),
        Refused::Site(wait) => (
            wait,
            "We are receiving very many requests for help right now; please try again in a moment.",
        ),
    };
    let seconds = wait.as_secs().max(1);
    (
        [(axum::http::header::RETRY_AFTER, seconds.to_string())],
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message),
    )
        .into_response()
}

/// The `Idempotency-Key` header, if sent: 1 to 200 visible ASCII characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
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
