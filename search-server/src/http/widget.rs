//! The widget's static files and the page at `/`.
//!
//! `loader.js` keeps its name across releases, so it is cached briefly; every other file has a
//! content hash in its name and is cached for a year.

use std::path::Path;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use tower_http::services::ServeDir;

use super::AppState;
use super::error::ApiError;

/// `Cache-Control` of `loader.js`: short, so a release reaches visitors within minutes.
pub const LOADER_CACHE: &str = "public, max-age=300";
/// `Cache-Control` of content-hashed files.
pub const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";

/// Routes `/widget/...` to the files in `widget_dir`, or to a JSON 404 when it is missing.
pub fn router(widget_dir: &Path) -> Router<AppState> {
    if !widget_dir.is_dir() {
        tracing::warn!(
            widget_dir = %widget_dir.display(),
            "the widget directory does not exist, so /widget/ answers 404; \
             build the widget with `cargo xtask build-widget` or pass --widget-dir"
        );
        return Router::new().route("/widget/{*path}", any(widget_missing));
    }
    // `cargo xtask build-widget` writes `<file>.gz` (zopfli) and `<file>.br` next to each file:
    // served as they are to browsers that accept them, smaller than compressing on the fly.
    let files = ServeDir::new(widget_dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service("/widget", files)
        .layer(middleware::from_fn(widget_headers))
}

async fn widget_missing() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "The widget is not available on this server.",
    )
}

async fn widget_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return ApiError::not_found().into_response();
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return ApiError::method_not_allowed().into_response();
    }
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        let cache = if path == "/widget/loader.js" {
            LOADER_CACHE
        } else {
            IMMUTABLE_CACHE
        };
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
        if path.ends_with(".wasm") {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/wasm"));
        }
    }
    response
}

const DEFAULT_PAGE: &str = "<!doctype html>\n<html lang=\"en\">\n<meta charset=\"utf-8\">\n\
<title>Baton</title>\n<h1>Baton</h1>\n<p>This is a Baton support server. \
<a href=\"/healthz\">Health check</a>.</p>\n</html>\n";

/// `GET /`: the configured host page, or a short page saying what this server is.
pub async fn root(State(state): State<AppState>) -> Response {
    let Some(path) = &state.host_page else {
        return Html(DEFAULT_PAGE).into_response();
    };
    match tokio::fs::read(path).await {
        Ok(bytes) => Html(bytes).into_response(),
        Err(e) => ApiError::internal(&format!("cannot read host page {}: {e}", path.display()))
            .into_response(),
    }
}
