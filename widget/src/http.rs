//! The widget's only way to talk to the Baton server: `fetch` with JSON bodies.
//!
//! Built on `window.fetch` directly (no HTTP crate) to keep the wasm small. Every request can
//! carry an `AbortSignal`, so a newer search cancels the one still in flight.

use baton_core::api::{
    Article, ErrorBody, HandoffRequest, HandoffResponse, SearchResponse, SiteInfo,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, Request, RequestInit, Response};

/// How many hits the widget asks for.
const SEARCH_LIMIT: u32 = 8;

/// Why a request gave no answer, in a form the UI can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// A newer request replaced this one; nothing to show.
    Aborted,
    /// The server could not be reached (offline, DNS, CORS, timeout); worth a retry.
    Network,
    /// The server answered with an error; `message` is written for customers.
    Server { status: u16, message: String },
}

impl ApiError {
    /// A sentence for the customer.
    pub fn message(&self) -> String {
        match self {
            ApiError::Aborted => String::new(),
            ApiError::Network => {
                "We couldn't reach the help center. Check your connection and try again.".into()
            }
            ApiError::Server { message, .. } => message.clone(),
        }
    }
}

/// The API of one Baton server, as seen from the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    /// Origin of the server, such as `https://help.example.com`, without a trailing slash.
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// `GET /api/v1/site`.
    pub async fn site(&self) -> Result<SiteInfo, ApiError> {
        self.get(&format!("{}/api/v1/site", self.base), None).await
    }

    /// `GET /api/v1/search`; `signal` lets a newer search abort this one.
    pub async fn search(
        &self,
        query: &str,
        locale: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<SearchResponse, ApiError> {
        let mut url = format!(
            "{}/api/v1/search?q={}&limit={SEARCH_LIMIT}",
            self.base,
            encode(query)
        );
        if !locale.is_empty() {
            url.push_str("&locale=");
            url.push_str(&encode(locale));
        }
        self.get(&url, signal).await
    }

    /// `GET /api/v1/articles/{slug}`.
    pub async fn article(
        &self,
        slug: &str,
        locale: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Article, ApiError> {
        let mut url = format!("{}/api/v1/articles/{}", self.base, encode(slug));
        if !locale.is_empty() {
            url.push_str("?locale=");
            url.push_str(&encode(locale));
        }
        self.get(&url, signal).await
    }

    /// `POST /api/v1/handoffs`. Retrying with the same `idempotency_key` never makes a second
    /// ticket.
    pub async fn handoff(
        &self,
        request: &HandoffRequest,
        idempotency_key: &str,
    ) -> Result<HandoffResponse, ApiError> {
        let url = format!("{}/api/v1/handoffs", self.base);
        send(&url, "POST", Some(request), Some(idempotency_key), None).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<T, ApiError> {
        send::<(), T>(url, "GET", None, None, signal).await
    }
}

fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

async fn send<B: Serialize, T: DeserializeOwned>(
    url: &str,
    method: &str,
    body: Option<&B>,
    idempotency_key: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Result<T, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_signal(signal);
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    headers
        .set("Accept", "application/json")
        .map_err(|_| ApiError::Network)?;
    if let Some(body) = body {
        let json = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(|_| ApiError::Network)?;
        init.set_body(&JsValue::from_str(&json));
    }
    if let Some(key) = idempotency_key {
        headers
            .set("Idempotency-Key", key)
            .map_err(|_| ApiError::Network)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| ApiError::Network)?;
    let window = web_sys::window().ok_or(ApiError::Network)?;

    let aborted = || signal.is_some_and(AbortSignal::aborted);
    let fail = |_| {
        if aborted() {
            ApiError::Aborted
        } else {
            ApiError::Network
        }
    };
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    let text = JsFuture::from(response.text().map_err(fail)?)
        .await
        .map_err(fail)?
        .as_string()
        .unwrap_or_default();
    if aborted() {
        return Err(ApiError::Aborted);
    }
    let status = response.status();
    if !response.ok() {
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.error.message)
            .unwrap_or_else(|_| format!("Something went wrong on our side (HTTP {status})."));
        return Err(ApiError::Server { status, message });
    }
    serde_json::from_str(&text).map_err(|_| ApiError::Server {
        status,
        message: "The help center sent an answer we could not read.".into(),
    })
}
