//! The HTTP API: the only module that knows axum.
//!
//! [`app`] builds the whole router, so tests drive it with `tower::ServiceExt::oneshot` and
//! `baton serve` binds it to a socket.

pub mod admin;
pub mod agent;
pub mod api;
pub mod conversation_events;
pub mod conversations;
pub mod error;
pub mod events;
pub mod flows;
pub mod identity;
pub mod metrics;
pub mod rate_limit;
pub mod widget;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::routing::{get, post};
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::knowledge::LiveKnowledge;
use crate::storage::Storage;
use error::ApiError;

/// Largest request body, except where a route says otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;
/// Largest handoff body (the transcript can be long).
pub const HANDOFF_BODY_LIMIT: usize = 256 * 1024;
/// Largest body of a conversation message or a handoff draft: room for the longest message in
/// any script (up to 4 bytes a character) and JSON escapes.
pub const MESSAGE_BODY_LIMIT: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub knowledge: Arc<LiveKnowledge>,
    pub storage: Storage,
    /// Where the built widget is (`loader.js`, hashed `.js` and `.wasm` files).
    pub widget_dir: PathBuf,
    /// An HTML file served at `/` (the demo page), if any.
    pub host_page: Option<PathBuf>,
    /// Where tickets are delivered, and the handoff rate limits.
    pub handoff: HandoffServices,
    /// Rate limits of `POST /api/v1/events`, per client address and site.
    pub events: Arc<rate_limit::RateLimiter>,
}

/// What the handoff endpoint needs besides storage.
#[derive(Clone, Debug, Default)]
pub struct HandoffServices {
    /// Which outbox rows a new ticket gets.
    pub delivery: Arc<crate::delivery::DeliveryConfig>,
    pub limiter: Arc<rate_limit::RateLimiter>,
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let knowledge = Arc::clone(&state.knowledge);
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            let current = knowledge.current();
            current
                .library
                .site
                .allowed_origins
                .iter()
                .any(|allowed| allowed.as_bytes() == origin.as_bytes())
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            axum::http::header::AUTHORIZATION,
            HeaderName::from_static(identity::ID_HEADER),
            HeaderName::from_static(identity::HASH_HEADER),
        ])
        .expose_headers([HeaderName::from_static(admin::CONTENT_VERSION_HEADER)]);

    Router::new()
        .route("/", get(widget::root))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/api/v1/site", get(api::site))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/suggestions", get(api::suggestions))
        .route("/api/v1/articles/{slug}", get(api::article))
        .route("/api/v1/flows/{id}", get(flows::flow))
        .route("/api/v1/surveys", post(flows::create_survey))
        .route(
            "/api/v1/handoffs",
            post(api::create_handoff).layer(DefaultBodyLimit::max(HANDOFF_BODY_LIMIT)),
        )
        .route(
            "/api/v1/handoff-drafts",
            post(conversations::save_draft).layer(DefaultBodyLimit::max(MESSAGE_BODY_LIMIT)),
        )
        .route(
            "/api/v1/conversations",
            get(conversations::list_conversations),
        )
        .route(
            "/api/v1/conversations/{reference}",
            get(conversations::conversation),
        )
        .route(
            "/api/v1/conversations/{reference}/messages",
            post(conversations::add_message).layer(DefaultBodyLimit::max(MESSAGE_BODY_LIMIT)),
        )
        .route(
            "/api/v1/conversations/{reference}/events",
            get(conversation_events::events),
        )
        .route(
            "/api/v1/conversations/{reference}/satisfaction",
            post(conversations::answer_satisfaction),
        )
        .route(
            "/api/v1/conversations/{reference}/reopen",
            post(conversations::reopen),
        )
        .route(
            "/api/v1/events",
            post(events::create_events).layer(DefaultBodyLimit::max(events::EVENTS_BODY_LIMIT)),
        )
        .merge(admin::router())
        .merge(agent::router())
        .merge(widget::router(&state.widget_dir))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(compression())
        .layer(cors)
        .layer(axum::middleware::from_fn(metrics::track_requests))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Smallest answer that is compressed, in bytes.
pub const COMPRESS_FROM: u16 = 860;

/// Compression of answers made per request (the widget's files are sent as compressed at
/// build time): the fastest level, since a search answer is a few KB and the default levels
/// (brotli's is 11) cost more time than the bytes saved; nothing under [`COMPRESS_FROM`]
/// bytes, which would rarely save a packet.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_FROM)))
}

/// The site a request names, when this server serves it; else `404 unknown_site`.
pub fn served_site<'a>(
    library: &'a crate::content::Library,
    site: &str,
) -> Result<&'a crate::config::SiteConfig, ApiError> {
    if library.site.id == site {
        Ok(&library.site)
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown_site",
            format!("This server does not serve the site '{site}'."),
        ))
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
