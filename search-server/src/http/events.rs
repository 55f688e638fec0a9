//! `POST /api/v1/events`: the widget's batches of events for the insights reports.
//!
//! A batch is `{"site", "session", "locale", "events": [{"kind", "at", …}]}` (limits below).
//! Every event is checked before any is stored; the first problem is a 400 `invalid_event`
//! naming the event's index and field (or `invalid_batch` for the batch's own fields), too many
//! events a 413 `too_many_events`, a body over [`EVENTS_BODY_LIMIT`] a 413 `payload_too_large`.
//! Batches are rate-limited per client address and site ([`rate_limit`](super::rate_limit)),
//! but the address is never stored. Queries are scrubbed ([`crate::privacy::scrub_query`]); the
//! client's `at` is clamped to the server's clock. Answers `202` with `{"stored": n}`.
//!
//! The body is JSON, sent as `application/json` or as `text/plain` ([`BatchBody`]): the widget
//! sends its last batch with `navigator.sendBeacon` as the page hides, and a cross-origin beacon
//! with `application/json` needs a CORS preflight, which Chrome refuses to send for beacons.
//! `text/plain` is a simple request, so it goes out without one. The same checks apply to both.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::AppState;
use super::error::{ApiError, ApiJson};
use super::rate_limit::Limits;
use crate::storage::{EventBatch, EventKind, NewEvent, unix_ms};

/// Most events in one batch.
pub const MAX_EVENTS: usize = 50;
/// Largest body of a batch.
pub const EVENTS_BODY_LIMIT: usize = 32 * 1024;
/// Most characters of a query, slug, flow id, step, outcome or reference.
pub const MAX_TEXT_CHARS: usize = 200;
/// How far in the past a client's `at` may be (a batch retried after a while); older is
/// clamped to this.
pub const MAX_CLIENT_DELAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Batches allowed per minute by default: per client address and site, and per site.
pub const DEFAULT_LIMITS: Limits = Limits {
    per_client_per_minute: 60,
    per_site_per_minute: 30_000,
};

/// The fields each kind needs (all required unless listed as optional).
const FIELDS: &[(EventKind, &[Field], &[Field])] = &[
    (EventKind::WidgetOpened, &[], &[]),
    (EventKind::Search, &[Field::Query, Field::ResultCount], &[]),
    (
        EventKind::ResultClicked,
        &[Field::Query, Field::Position, Field::Slug],
        &[],
    ),
    (
        EventKind::ArticleViewed,
        &[Field::Slug, Field::Seconds],
        &[],
    ),
    (EventKind::Vote, &[Field::Slug, Field::Helpful], &[]),
    (EventKind::FlowStarted, &[Field::FlowId], &[]),
    (EventKind::FlowStep, &[Field::FlowId, Field::Step], &[]),
    (
        EventKind::FlowOutcome,
        &[Field::FlowId, Field::Outcome],
        &[],
    ),
    (EventKind::FlowAbandoned, &[Field::FlowId, Field::Step], &[]),
    (EventKind::HandoffStarted, &[], &[]),
    (EventKind::HandoffAbandoned, &[], &[]),
    (EventKind::HandoffSubmitted, &[Field::Reference], &[]),
    (
        EventKind::SurveyAnswered,
        &[Field::Rating],
        &[Field::Solved, Field::Reference, Field::FlowId],
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Query,
    ResultCount,
    Position,
    Slug,
    Seconds,
    Helpful,
    FlowId,
    Step,
    Outcome,
    Reference,
    Rating,
    Solved,
}

impl Field {
    const ALL: [Field; 12] = [
        Field::Query,
        Field::ResultCount,
        Field::Position,
        Field::Slug,
        Field::Seconds,
        Field::Helpful,
        Field::FlowId,
        Field::Step,
        Field::Outcome,
        Field::Reference,
        Field::Rating,
        Field::Solved,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Query => "query",
            Field::ResultCount => "result_count",
            Field::Position => "position",
            Field::Slug => "slug",
            Field::Seconds => "seconds",
            Field::Helpful => "helpful",
            Field::FlowId => "flow_id",
            Field::Step => "step",
            Field::Outcome => "outcome",
            Field::Reference => "reference",
            Field::Rating => "rating",
            Field::Solved => "solved",
        }
    }

    /// Sets the field of `event` from `value`, or says what is wrong with it.
    fn set(self, event: &mut NewEvent, value: &Value) -> Result<(), String> {
        match self {
            Field::Query => event.query = Some(crate::privacy::scrub_query(&text(value)?)),
            Field::ResultCount => event.result_count = Some(integer(value, 0, 10_000)?),
            Field::Position => event.position = Some(integer(value, 1, 1_000)?),
            Field::Slug => event.slug = Some(text(value)?),
            Field::Seconds => event.seconds = Some(integer(value, 0, 86_400)?),
            Field::Helpful => event.helpful = Some(boolean(value)?),
            Field::FlowId => event.flow_id = Some(text(value)?),
            Field::Step => event.step = Some(text(value)?),
            Field::Outcome => event.outcome = Some(text(value)?),
            Field::Reference => event.reference = Some(text(value)?),
            Field::Rating => event.rating = Some(integer(value, 1, 5)?),
            Field::Solved => event.solved = Some(boolean(value)?),
        }
        Ok(())
    }
}

fn text(value: &Value) -> Result<String, String> {
    let s = value.as_str().ok_or("must be a string")?.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_owned())
}

fn integer(value: &Value, min: i64, max: i64) -> Result<i64, String> {
    value
        .as_i64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("must be a whole number from {min} to {max}"))
}

fn boolean(value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| "must be true or false".to_owned())
}

/// A batch, checked: what [`crate::storage::Storage::store_events`] takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedBatch {
    pub site: String,
    pub session_id: String,
    /// As sent; resolved against the site's locales by the handler.
    pub locale: Option<String>,
    pub events: Vec<NewEvent>,
}

/// Checks a batch received at `now`: the whole batch or the first problem.
pub fn check_batch(body: &Value, now: OffsetDateTime) -> Result<CheckedBatch, ApiError> {
    let batch = body
        .as_object()
        .ok_or_else(|| invalid_batch("the body must be a JSON object"))?;
    if let Some(unknown) = batch
        .keys()
        .find(|k| !matches!(k.as_str(), "site" | "session" | "locale" | "events"))
    {
        return Err(invalid_batch(format!("unknown field `{unknown}`")));
    }
    let site = batch
        .get("site")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_batch("`site` must be the site id"))?;
    let session_id = batch
        .get("session")
        .and_then(Value::as_str)
        .filter(|s| {
            (8..=64).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .ok_or_else(|| invalid_batch("`session` must be 8 to 64 letters, digits, `-` or `_`"))?;
    let locale = match batch.get("locale") {
        None | Some(Value::Null) => None,
        Some(Value::String(l)) if l.len() <= 35 => Some(l.clone()),
        Some(_) => return Err(invalid_batch("`locale` must be a short string like \"en\"")),
    };
    let events = batch
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_batch("`events` must be a list"))?;
    if events.len() > MAX_EVENTS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!(
                "A batch holds at most {MAX_EVENTS} events; this one has {}.",
                events.len()
            ),
        ));
    }
    let now_ms = unix_ms(now);
    let events = events
        .iter()
        .enumerate()
        .map(|(i, e)| check_event(i, e, now_ms))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CheckedBatch {
        site: site.to_owned(),
        session_id: session_id.to_owned(),
        locale,
        events,
    })
}

fn check_event(index: usize, value: &Value, now_ms: i64) -> Result<NewEvent, ApiError> {
    let bad = |field: &str, problem: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_event",
            format!("events[{index}].{field} {problem}."),
        )
    };
    let object: &Map<String, Value> = value
        .as_object()
        .ok_or_else(|| bad("", "must be an object"))?;
    let name = object
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("kind", "is missing"))?;
    let kind = EventKind::parse(name).ok_or_else(|| {
        bad(
            "kind",
            &format!("\"{}\" is not a kind of event", name.escape_debug()),
        )
    })?;
    let at = object
        .get("at")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("at", "must be the time in Unix milliseconds"))?;
    let mut event = NewEvent::new(kind, at.clamp(now_ms - MAX_CLIENT_DELAY_MS, now_ms));
    let (required, optional) = FIELDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or((&[][..], &[][..]), |(_, r, o)| (*r, *o));
    for key in object.keys() {
        if key == "kind" || key == "at" {
            continue;
        }
        let known = Field::ALL
            .into_iter()
            .find(|f| f.name() == key)
            .filter(|f| required.contains(f) || optional.contains(f));
        if known.is_none() {
            return Err(bad(key, &format!("is not a field of a {name} event")));
        }
    }
    for field in required {
        let value = object
            .get(field.name())
            .ok_or_else(|| bad(field.name(), "is missing"))?;
        field
            .set(&mut event, value)
            .map_err(|p| bad(field.name(), &p))?;
    }
    for field in optional {
        if let Some(value) = object.get(field.name()).filter(|v| !v.is_null()) {
            field
                .set(&mut event, value)
                .map_err(|p| bad(field.name(), &p))?;
        }
    }
    Ok(event)
}

fn invalid_batch(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_batch", message)
}

/// A batch's JSON body, sent as `application/json` or `text/plain` (see the module docs); read
/// like [`ApiJson`], with its errors (`invalid_json`, `unsupported_media_type`,
/// `payload_too_large`).
#[derive(Clone, Debug)]
pub struct BatchBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for BatchBody {
    type Rejection = ApiError;

    async fn from_request(mut req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let plain = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/plain"));
        if plain {
            req.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let ApiJson(body) = ApiJson::<Value>::from_request(req, state).await?;
        Ok(BatchBody(body))
    }
}

/// `POST /api/v1/events`.
pub async fn create_events(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    BatchBody(body): BatchBody,
) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let batch =
        check_batch(&body, now).inspect_err(|e| crate::telemetry::event_batch_rejected(e.code))?;
    let knowledge = state.knowledge.current();
    let site = &knowledge.library.site;
    if batch.site != site.id {
        crate::telemetry::event_batch_rejected("unknown_site");
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_site",
            format!("This server does not serve the site '{}'.", batch.site),
        ));
    }
    let client = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string());
    if let Err(refused) = state.events.check(&format!("{client} {}", batch.site)) {
        crate::telemetry::event_batch_rejected("rate_limited");
        return Ok(rate_limited(refused));
    }
    let locale = site.resolve_locale(batch.locale.as_deref());
    state
        .storage
        .store_events(
            &[EventBatch {
                site: &batch.site,
                session_id: &batch.session_id,
                locale,
                events: &batch.events,
            }],
            now,
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
    crate::telemetry::events_ingested(batch.events.len());
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "stored": batch.events.len() })),
    )
        .into_response())
}

/// `429 rate_limited` with `Retry-After` in seconds.
fn rate_limited(refused: super::rate_limit::Refused) -> Response {
    let (super::rate_limit::Refused::Client(wait) | super::rate_limit::Refused::Site(wait)) =
        refused;
    (
        [(
            axum::http::header::RETRY_AFTER,
            wait.as_secs().max(1).to_string(),
        )],
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many events from this connection; send fewer, less often.",
        ),
    )
        .into_response()
}
