//! The agent console at `/agent`: server-rendered HTML (maud, which escapes every value unless
//! told otherwise) with a few lines of progressive-enhancement JavaScript for live updates and
//! keyboard shortcuts. Every page works without JavaScript.
//!
//! - [`session`]: sign-in (Argon2id, rate limits), the session cookie, CSRF tokens, sign-out.
//! - [`inbox`]: `GET /agent` and the live event stream `GET /agent/events`.
//! - [`ticket`]: `GET /agent/tickets/{reference}` and the actions posted from it.
//! - [`timeline`]: the transcript as a timeline.
//! - [`views`]: the page layout and shared pieces.
//!
//! Pages without a valid session redirect to `/agent/login`; the event stream answers 401 JSON.
//! Every state change is a POST form with the session's CSRF token, answered with a redirect.

pub mod inbox;
pub mod session;
pub mod ticket;
pub mod timeline;
pub mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;

/// Largest body of a console form (a reply can be long, and is URL-encoded).
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// What every console answer is allowed to load: only its own stylesheet and script.
const CONSOLE_CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

const CONSOLE_CSS: &str = include_str!("console.css");
const CONSOLE_JS: &str = include_str!("console.js");

/// The console's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agent", get(inbox::page))
        .route("/agent/events", get(inbox::events))
        .route(
            "/agent/login",
            get(session::login_page).post(session::login),
        )
        .route("/agent/logout", post(session::logout))
        .route("/agent/tickets/{reference}", get(ticket::page))
        .route("/agent/tickets/{reference}/reply", post(ticket::reply))
        .route("/agent/tickets/{reference}/note", post(ticket::note))
        .route("/agent/tickets/{reference}/status", post(ticket::status))
        .route("/agent/tickets/{reference}/assign", post(ticket::assign))
        .route("/agent/tickets/{reference}/tags", post(ticket::add_tag))
        .route(
            "/agent/tickets/{reference}/tags/remove",
            post(ticket::remove_tag),
        )
        .route("/agent/articles/{locale}/{slug}", get(ticket::article))
        .route("/agent/console.css", get(stylesheet))
        .route("/agent/console.js", get(script))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

async fn stylesheet() -> Response {
    static_file("text/css; charset=utf-8", CONSOLE_CSS)
}

async fn script() -> Response {
    static_file("text/javascript; charset=utf-8", CONSOLE_JS)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// An error page of the console: status, a title and what to do.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        PageError {
            status,
            title,
            message: message.into(),
        }
    }

    /// An unexpected failure: logs the cause, shows nothing of it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error in the agent console");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Something went wrong on our side. Please try again.",
        )
    }

    pub fn csrf() -> Self {
        PageError::new(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form was not sent from this console session (missing or wrong security \
             token). Go back, reload the page and try again.",
        )
    }

    pub fn not_found(what: &str) -> Self {
        PageError::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("There is no {what}."),
        )
    }

    pub fn bad_form(message: impl Into<String>) -> Self {
        PageError::new(StatusCode::BAD_REQUEST, "This form is not valid", message)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.status, views::error_page(self.title, &self.message)).into_response()
    }
}

impl From<crate::storage::StorageError> for PageError {
    fn from(e: crate::storage::StorageError) -> Self {
        PageError::internal(&e)
    }
}

/// The client address of a request, for sign-in rate limits.
pub(crate) fn client_address(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string())
}
