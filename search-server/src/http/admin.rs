//! The admin API (publish, rollback, versions), authenticated with an admin token, and the
//! asset route.
//!
//! A publish checks the bundle (paths, sizes, content hash) and the content (every check of
//! `baton check`), builds the index for every locale off to the side, stores the version, and
//! only then swaps it in. Any failure answers every problem as JSON and leaves the serving
//! version untouched.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::content::files::RelPath;
use crate::content::{Bundle, ContentFiles, Library};
use crate::diagnostic::Diagnostic;
use crate::knowledge::Knowledge;
use crate::storage::ContentVersion;

/// Largest publish bundle (the content limit, base64-encoded, plus JSON).
pub const PUBLISH_BODY_LIMIT: usize = crate::content::files::MAX_TOTAL_BYTES / 3 * 4 + 1024 * 1024;

/// The response header naming the content version an answer was made from.
pub const CONTENT_VERSION_HEADER: &str = "x-baton-content-version";

/// The admin and asset routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/publish",
            post(publish).layer(DefaultBodyLimit::max(PUBLISH_BODY_LIMIT)),
        )
        .route("/api/v1/admin/rollback", post(rollback))
        .route("/api/v1/admin/versions", get(versions))
        .route("/api/v1/assets/{*path}", get(asset))
}

/// An error answer that also lists content problems: `{"error":{"code","message","diagnostics"}}`.
#[derive(Debug)]
pub struct AdminError {
    pub error: ApiError,
    pub diagnostics: Vec<Diagnostic>,
}

impl From<ApiError> for AdminError {
    fn from(error: ApiError) -> Self {
        AdminError {
            error,
            diagnostics: Vec::new(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "code": self.error.code,
                "message": self.error.message,
                "diagnostics": self.diagnostics,
            }
        });
        let mut response = (self.error.status, Json(body)).into_response();
        if self.error.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Whether the request carries a valid admin token (`Authorization: Bearer …`).
pub async fn is_admin(state: &AppState, headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(token) = bearer(headers) else {
        return Ok(false);
    };
    state
        .storage
        .is_admin_token(token)
        .await
        .map_err(|e| ApiError::internal(&e))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Refuses the request unless it carries a valid admin token.
async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if bearer(headers).is_none() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send an admin token as `Authorization: Bearer <token>`; create one with `baton admin-token create`.",
        ));
    }
    if !is_admin(state, headers).await? {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "This admin token is not valid (mistyped, revoked, or from another server).",
        ));
    }
    Ok(())
}

/// What a successful publish or rollback answers.
#[derive(Debug, Serialize)]
pub struct Published {
    pub version: String,
    pub previous: String,
    pub articles: usize,
    /// True when this version was already serving (nothing was swapped).
    pub unchanged: bool,
    pub warnings: Vec<Diagnostic>,
}

async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(bundle): ApiJson<Bundle>,
) -> Result<Json<Published>, AdminError> {
    authorize(&state, &headers).await?;
    let files = ContentFiles::from_bundle(&bundle).map_err(|diagnostics| AdminError {
        error: ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_bundle",
            format!(
                "The bundle has {} problem(s); nothing was published.",
                diagnostics.len()
            ),
        ),
        diagnostics,
    })?;
    publish_files(&state, files, "publish").await.map(Json)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackRequest {
    version: String,
}

async fn rollback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RollbackRequest>,
) -> Result<Json<Published>, AdminError> {
    authorize(&state, &headers).await?;
    let stored = state
        .storage
        .version_bundle(&request.version)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_version",
                format!(
                    "There is no stored version '{}'; GET /api/v1/admin/versions lists them.",
                    request.version
                ),
            )
        })?;
    let bundle: Bundle = serde_json::from_slice(&stored).map_err(|e| ApiError::internal(&e))?;
    let files =
        ContentFiles::from_bundle(&bundle).map_err(|d| ApiError::internal(&format!("{d:?}")))?;
    publish_files(&state, files, "rollback").await.map(Json)
}

/// Checks, indexes, stores and swaps in `files`. The serving version changes only at the very
/// end, and only if everything before succeeded.
pub async fn publish_files(
    state: &AppState,
    files: ContentFiles,
    action: &str,
) -> Result<Published, AdminError> {
    let _publishing = state.knowledge.lock_for_publishing().await;
    let previous = state.knowledge.current().library.version.clone();
    let version = files.version();
    if version == previous {
        let library = &state.knowledge.current().library;
        return Ok(Published {
            articles: library.article_count(),
            version,
            previous,
            unchanged: true,
            warnings: Vec::new(),
        });
    }
    let built = tokio::task::spawn_blocking(move || {
        let checked = Library::from_files(&files);
        let Some(library) = checked.library else {
            return Err(checked.diagnostics);
        };
        let warnings = checked.diagnostics;
        let bundle = serde_json::to_vec(&files.to_bundle()).map_err(|e| {
            vec![Diagnostic::in_file(
                std::path::Path::new("bundle"),
                e.to_string(),
            )]
        })?;
        let knowledge = Knowledge::build(library).map_err(|e| {
            vec![Diagnostic::in_file(
                std::path::Path::new("index"),
                format!("cannot build the search index: {e}"),
            )]
        })?;
        Ok((knowledge, bundle, warnings))
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let (knowledge, bundle, warnings) = built.map_err(|diagnostics| AdminError {
        error: ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_content",
            format!(
                "The content has {} error(s); nothing was published and version {previous} keeps serving.",
                diagnostics.iter().filter(|d| d.is_error()).count()
            ),
        ),
        diagnostics,
    })?;
    let articles = knowledge.library.article_count();
    state
        .storage
        .activate_version(
            &version,
            &bundle,
            articles,
            action,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
    state.knowledge.publish(knowledge);
    tracing::info!(%version, %previous, articles, action, "content version swapped in");
    Ok(Published {
        version,
        previous,
        articles,
        unchanged: false,
        warnings,
    })
}

#[derive(Debug, Serialize)]
pub struct Versions {
    pub current: String,
    pub versions: Vec<ContentVersion>,
}

async fn versions(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Versions>, AdminError> {
    authorize(&state, &headers).await?;
    let versions = state
        .storage
        .versions()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(Versions {
        current: state.knowledge.current().library.version.clone(),
        versions,
    }))
}

/// A file from the knowledge base's `assets/`. Only paths that exist in the published library
/// are served, so no path can reach outside it.
async fn asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "asset_not_found",
            "There is no such file in the knowledge base's assets.",
        )
    };
    RelPath::new(&path).map_err(|_| not_found())?;
    let knowledge = state.knowledge.current();
    let asset = knowledge.library.asset(&path).ok_or_else(not_found)?;
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
        (
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
        // An SVG opened directly must not run scripts on this origin.
        (
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        ),
    ];
    Ok((headers, axum::body::Bytes::from(asset.bytes.to_vec())).into_response())
}

/// Adds [`CONTENT_VERSION_HEADER`] to a response made from `version`.
pub fn with_version(version: &str, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    if let Ok(value) = HeaderValue::from_str(version) {
        response.headers_mut().insert(CONTENT_VERSION_HEADER, value);
    }
    response
}
