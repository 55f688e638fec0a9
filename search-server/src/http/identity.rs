//! Checking a claimed identity in requests: the handoff's `identity.hash`, and the
//! `Baton-Identity-Id` / `Baton-Identity-Hash` headers of conversation calls. A rejection is
//! logged (site, id, client address; never the hash) and answered `401 identity_rejected`.

use axum::http::{HeaderMap, StatusCode};

use super::error::ApiError;
use crate::config::SiteConfig;
use crate::identity::{Verdict, verify};

/// The header with the customer's id on conversation calls.
pub const ID_HEADER: &str = "baton-identity-id";
/// The header with `hex(HMAC-SHA256(secret, id))` on conversation calls. A header, not a query
/// parameter, so that it stays out of access logs and browser history.
pub const HASH_HEADER: &str = "baton-identity-hash";

fn rejected() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "identity_rejected",
        "The identity could not be verified; sign the customer's id with the site's \
         identity secret (see docs/identity.md).",
    )
}

/// Whether the claim is verified (`Ok(true)`), a mere claim (`Ok(false)`), or rejected.
pub fn check(
    site: &SiteConfig,
    id: Option<&str>,
    hash: Option<&str>,
    client: &str,
) -> Result<bool, ApiError> {
    match verify(&site.identity, id, hash) {
        Verdict::Verified => Ok(true),
        Verdict::Unverified => Ok(false),
        Verdict::Rejected(why) => {
            tracing::warn!(
                site = %site.id,
                id = id.unwrap_or_default(),
                client = %client,
                reason = why.as_str(),
                "identity rejected"
            );
            Err(rejected())
        }
    }
}

/// The id and hash from the identity headers, if sent.
pub fn from_headers(headers: &HeaderMap) -> (Option<&str>, Option<&str>) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    (get(ID_HEADER), get(HASH_HEADER))
}

/// The verified id of a conversation call's identity headers; `401` for a wrong hash, or
/// for none where the site requires verification.
pub fn check_headers(
    site: &SiteConfig,
    headers: &HeaderMap,
    client: &str,
) -> Result<Option<String>, ApiError> {
    let (id, hash) = from_headers(headers);
    Ok(check(site, id, hash, client)?
        .then(|| id.map(str::to_owned))
        .flatten())
}
