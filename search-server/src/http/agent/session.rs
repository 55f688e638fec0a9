//! Signing in and out, the session cookie and CSRF tokens.
//!
//! - The session cookie `baton_agent` holds a random 256-bit id (only its SHA-256 is stored),
//!   `HttpOnly`, `SameSite=Strict`, `Path=/agent`, and `Secure` unless the console is reached
//!   over plain HTTP on a loopback name (`localhost`, `127.0.0.1`, `[::1]`), where browsers
//!   would drop a `Secure` cookie. A session ends after [`SESSION_TTL`] or on sign-out.
//! - Every form carries the session's CSRF token, derived from the session id (a SHA-256 with
//!   its own prefix, so it tells nothing about the id) and compared in constant time. The sign-in
//!   form, before any session, uses a random token in a short-lived cookie (double submit).
//! - Sign-in is refused for [`LOGIN_WINDOW`] after [`MAX_FAILURES_PER_ACCOUNT`] failed
//!   attempts for one account, or [`MAX_FAILURES_PER_CLIENT`] from one address.

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, HOST, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;

use super::{PageError, views};
use crate::http::AppState;
use crate::storage::Agent;

/// The session cookie.
pub const SESSION_COOKIE: &str = "baton_agent";
/// The sign-in form's CSRF cookie.
pub const LOGIN_COOKIE: &str = "baton_login";
/// How long a session lasts after signing in.
pub const SESSION_TTL: time::Duration = time::Duration::hours(12);
/// The window failed sign-ins are counted in.
pub const LOGIN_WINDOW: time::Duration = time::Duration::minutes(15);
/// Failed sign-ins for one account within the window before it is refused.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed sign-ins from one address within the window before it is refused.
pub const MAX_FAILURES_PER_CLIENT: u32 = 20;

/// A signed-in agent, extracted from the session cookie. Pages that take it redirect to the
/// sign-in page without a valid session.
#[derive(Clone, Debug)]
pub struct Signed {
    pub agent: Agent,
    /// The token every form of this session carries.
    pub csrf: String,
    token: String,
}

impl Signed {
    /// The session id (the cookie's value).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Refuses a form whose token is missing or is not this session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), PageError> {
        if tokens_match(&self.csrf, sent) {
            Ok(())
        } else {
            Err(PageError::csrf())
        }
    }
}

fn tokens_match(expected: &str, sent: Option<&str>) -> bool {
    let Some(sent) = sent else {
        return false;
    };
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// The CSRF token of a session: SHA-256 of a prefix and the session id, hex.
pub fn csrf_token(session: &str) -> String {
    Sha256::digest(format!("baton-csrf\0{session}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The signed-in agent of a request, if its session cookie is valid.
pub async fn current(state: &AppState, headers: &HeaderMap) -> Result<Option<Signed>, PageError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let agent = state
        .storage
        .agent_for_session(token, OffsetDateTime::now_utc())
        .await?;
    Ok(agent.map(|agent| Signed {
        agent,
        csrf: csrf_token(token),
        token: token.to_owned(),
    }))
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match current(state, &parts.headers).await {
            Ok(Some(signed)) => Ok(signed),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .filter(|_| parts.method == axum::http::Method::GET)
                    .unwrap_or("/agent");
                Err(redirect(&format!("/agent/login?next={}", encode(next))))
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A `303 See Other` to `location` (a path of this server).
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: a console path, never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if (n == "/agent" || n.starts_with("/agent/") || n.starts_with("/agent?"))
                && !n.contains("//")
                && !n.contains('\\')
                && !n.starts_with("/agent/login")
                && !n.starts_with("/agent/logout") =>
        {
            n
        }
        _ => "/agent",
    }
}

/// Whether cookies get `Secure`: always, except over plain HTTP on a loopback host name.
pub fn secure_cookies(headers: &HeaderMap) -> bool {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    if forwarded_https {
        return true;
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let name = if host.starts_with('[') {
        host.split_once(']')
            .map_or(host, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> (axum::http::HeaderName, String) {
    let secure = if secure_cookies(headers) {
        "; Secure"
    } else {
        ""
    };
    (
        SET_COOKIE,
        format!(
            "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

/// `GET /agent/login`: the sign-in form (or the inbox, when already signed in).
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.ok().map(|Query(q)| q);
    let next = safe_next(query.as_ref().and_then(|q| q.next.as_deref())).to_owned();
    if current(&state, &headers).await?.is_some() {
        return Ok(redirect(&next));
    }
    let notice = query
        .as_ref()
        .and_then(|q| q.signed_out.as_ref())
        .map(|_| "You are signed out.");
    Ok(login_form(
        &headers,
        StatusCode::OK,
        &next,
        "",
        None,
        notice,
    ))
}

/// The sign-in page with a fresh form token (set as a cookie too).
fn login_form(
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Response {
    let secret: [u8; 32] = rand::random();
    let token: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let cookie = set_cookie(headers, LOGIN_COOKIE, &token, "/agent/login", 3600);
    (
        status,
        [cookie],
        views::login_page(&token, next, email, error, notice),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    csrf: Option<String>,
    next: Option<String>,
}

/// `POST /agent/login`: checks the form token and the rate limits, then the password.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !tokens_match(expected, form.csrf.as_deref()) {
        return Err(PageError::csrf());
    }
    let next = safe_next(form.next.as_deref()).to_owned();
    let email = crate::storage::normalize_email(&form.email);
    let client = super::client_address(&extensions);
    let now = OffsetDateTime::now_utc();
    let failed = state
        .storage
        .failed_logins_since(&client, &email, now - LOGIN_WINDOW)
        .await?;
    let minutes = LOGIN_WINDOW.whole_minutes();
    let refused = if failed.by_email >= MAX_FAILURES_PER_ACCOUNT {
        Some(format!(
            "Too many failed sign-ins for this account. For its safety, signing in to it is \
             paused: try again in {minutes} minutes."
        ))
    } else if failed.by_client >= MAX_FAILURES_PER_CLIENT {
        Some(format!(
            "Too many failed sign-ins from this network address. Try again in {minutes} minutes."
        ))
    } else {
        None
    };
    if let Some(message) = refused {
        tracing::warn!(%client, %email, "agent sign-in refused by the rate limit");
        let mut response = login_form(
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &email,
            Some(&message),
            None,
        );
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from(LOGIN_WINDOW.whole_seconds()),
        );
        return Ok(response);
    }
    let account = state.storage.agent_credentials(&email).await?;
    let password = form.password;
    let stored = account.as_ref().map(|(_, hash)| hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || crate::password::verify(&password, stored.as_deref()))
            .await
            .map_err(|e| PageError::internal(&e))?;
    state
        .storage
        .record_login_attempt(&client, &email, matches, now)
        .await?;
    let Some((agent, _)) = account.filter(|_| matches) else {
        tracing::info!(%client, %email, "agent sign-in failed");
        return Ok(login_form(
            &headers,
            StatusCode::UNAUTHORIZED,
            &next,
            &email,
            Some("Wrong email or password."),
            None,
        ));
    };
    let token = state
        .storage
        .create_agent_session(agent.id, now, SESSION_TTL)
        .await?;
    tracing::info!(agent = %agent.email, "agent signed in");
    let session = set_cookie(
        &headers,
        SESSION_COOKIE,
        &token,
        "/agent",
        SESSION_TTL.whole_seconds(),
    );
    let clear = set_cookie(&headers, LOGIN_COOKIE, "", "/agent/login", 0);
    let mut response = redirect(&next);
    for (name, value) in [session, clear] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /agent/logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| PageError::bad_form(e.body_text()))?;
    signed.check_csrf(form.csrf.as_deref())?;
    state.storage.end_agent_session(&signed.token).await?;
    tracing::info!(agent = %signed.agent.email, "agent signed out");
    let (name, value) = set_cookie(&headers, SESSION_COOKIE, "", "/agent", 0);
    let mut response = redirect("/agent/login?signed_out=1");
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(name, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn cookies_are_secure_except_on_plain_http_loopback() {
        assert!(!secure_cookies(&host("127.0.0.1:8080")));
        assert!(!secure_cookies(&host("localhost")));
        assert!(!secure_cookies(&host("[::1]:8080")));
        assert!(secure_cookies(&host("support.example.com")));
        assert!(secure_cookies(&host("10.0.0.5:8080")));
        let mut proxied = host("127.0.0.1:8080");
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(secure_cookies(&proxied));
    }

    #[test]
    fn only_console_paths_are_followed_after_signing_in() {
        assert_eq!(
            safe_next(Some("/agent/tickets/K7QM-4XRT")),
            "/agent/tickets/K7QM-4XRT"
        );
        assert_eq!(
            safe_next(Some("/agent?status=solved")),
            "/agent?status=solved"
        );
        assert_eq!(safe_next(Some("https://evil.example/agent")), "/agent");
        assert_eq!(safe_next(Some("//evil.example")), "/agent");
        assert_eq!(safe_next(Some("/agent//evil.example")), "/agent");
        assert_eq!(safe_next(Some("/agentx")), "/agent");
        assert_eq!(safe_next(None), "/agent");
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let a = csrf_token("session-a");
        assert_ne!(a, csrf_token("session-b"));
        assert!(tokens_match(&a, Some(&a)));
        assert!(!tokens_match(&a, Some(&a[1..])));
        assert!(!tokens_match(&a, None));
        assert!(!tokens_match("", Some("")));
    }
}
