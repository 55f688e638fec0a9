//! The widget's only way to talk to the Baton server: `fetch`, with JSON parsed by the browser.
//!
//! Answers are decoded with `Response.json()` and a few targeted field reads into the small view
//! types below, not with serde: serde_json's deserializers were the largest part of the wasm,
//! and the widget reads only a handful of fields. Unknown and missing fields are ignored, so the
//! server can grow its answers without breaking deployed widgets.

use js_sys::{Array, JSON, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

/// How many hits the widget asks for.
const SEARCH_LIMIT: &str = "8";

/// Why a request gave no answer, in a form the UI can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// A newer request replaced this one; nothing to show.
    Aborted,
    /// The server could not be reached (offline, DNS, CORS, timeout); worth a retry.
    Network,
    /// The server answered with an error; `message` is the server's words, when it sent any.
    Server(Option<String>),
    /// The server refused the admin token of a preview (401).
    Unauthorized,
}

impl ApiError {
    /// A sentence for the customer, in their language.
    pub fn message(&self, t: &crate::i18n::Messages) -> String {
        match self {
            ApiError::Aborted => String::new(),
            ApiError::Network => t.network_error.into(),
            ApiError::Server(Some(message)) => message.clone(),
            ApiError::Server(None) => t.server_error.into(),
            ApiError::Unauthorized => t.preview_denied.into(),
        }
    }
}

/// `GET /api/v1/site`, the fields the widget draws with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub greeting: String,
    pub brand_color: String,
    pub default_locale: String,
    /// The announcements showing now.
    pub announcements: Vec<Notice>,
    /// Urgency tiers the customer may choose from: (id, label); empty when the site decides.
    pub urgencies: Vec<(String, String)>,
    /// Whether unfinished handoff forms are saved as drafts for a follow-up email.
    pub follow_up: bool,
}

/// An announcement banner: `severity` is `info`, `warning` or `critical`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub id: String,
    pub severity: String,
    pub text: String,
}

/// An article in a list (search hit or page suggestion).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub slug: String,
    pub title: String,
    pub category: String,
    /// Snippet fragments: text, and whether it matched the query.
    pub snippet: Vec<(String, bool)>,
}

/// `GET /api/v1/search`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Results {
    pub query: String,
    pub total: u64,
    pub hits: Vec<Hit>,
    /// "Did you mean": a corrected query.
    pub suggestion: Option<String>,
    /// Guided flows that match: (id, title).
    pub flows: Vec<(String, String)>,
}

/// `GET /api/v1/articles/{slug}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub category: String,
    /// Sanitized HTML rendered on the server.
    pub html: String,
    /// The id of a guided flow the article offers.
    pub flow: Option<String>,
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

    fn url(&self, path: &str, params: &[(&str, &str)]) -> String {
        let mut url = self.base.clone() + path;
        let mut sep = '?';
        for (key, value) in params.iter().filter(|(_, v)| !v.is_empty()) {
            url.push(sep);
            url.push_str(key);
            url.push('=');
            url.push_str(&String::from(js_sys::encode_uri_component(value)));
            sep = '&';
        }
        url
    }

    pub async fn site(&self, locale: &str) -> Result<Site, ApiError> {
        let url = self.url("/api/v1/site", &[("locale", locale)]);
        let v = send(&url, None, &[], None).await?;
        Ok(Site {
            urgencies: list(&v, "urgencies")
                .iter()
                .map(|u| (text(&u, "id"), text(&u, "label")))
                .collect(),
            follow_up: field(&v, "follow_up").is_truthy(),
            name: text(&v, "name"),
            greeting: text(&v, "greeting"),
            brand_color: text(&v, "brand_color"),
            default_locale: text(&v, "default_locale"),
            announcements: list(&v, "announcements")
                .iter()
                .map(|a| Notice {
                    id: text(&a, "id"),
                    severity: text(&a, "severity"),
                    text: text(&a, "text"),
                })
                .filter(|n| !n.id.is_empty() && !n.text.is_empty())
                .collect(),
        })
    }

    /// `signal` lets a newer search abort this one.
    pub async fn search(
        &self,
        query: &str,
        locale: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Results, ApiError> {
        let url = self.url(
            "/api/v1/search",
            &[("q", query), ("limit", SEARCH_LIMIT), ("locale", locale)],
        );
        let v = send(&url, None, &[], signal).await?;
        let suggestion = Some(text(&v, "suggestion")).filter(|s| !s.is_empty());
        Ok(Results {
            query: text(&v, "query"),
            total: field(&v, "total").as_f64().unwrap_or(0.0) as u64,
            hits: list(&v, "hits").iter().map(hit).collect(),
            suggestion,
            flows: flow_links(&v),
        })
    }

    /// `GET /api/v1/suggestions`: articles for the host page the customer is on, and the
    /// guided flows offered there as (id, title).
    pub async fn suggestions(
        &self,
        page_url: &str,
        locale: &str,
    ) -> Result<(Vec<Hit>, Vec<(String, String)>), ApiError> {
        let url = self.url(
            "/api/v1/suggestions",
            &[("page_url", page_url), ("locale", locale), ("limit", "3")],
        );
        let v = send(&url, None, &[], None).await?;
        Ok((
            list(&v, "articles").iter().map(hit).collect(),
            flow_links(&v),
        ))
    }

    /// One article; with an editor's admin `preview_token`, drafts too (`preview=1`).
    pub async fn article(
        &self,
        slug: &str,
        locale: &str,
        preview_token: Option<&str>,
    ) -> Result<Article, ApiError> {
        let path =
            String::from("/api/v1/articles/") + &String::from(js_sys::encode_uri_component(slug));
        let preview = if preview_token.is_some() { "1" } else { "" };
        let url = self.url(&path, &[("locale", locale), ("preview", preview)]);
        let auth = preview_token.map(|token| String::from("Bearer ") + token);
        let header: Vec<(&str, &str)> =
            auth.iter().map(|v| ("Authorization", v.as_str())).collect();
        let v = send(&url, None, &header, None).await?;
        Ok(Article {
            slug: text(&v, "slug"),
            title: text(&v, "title"),
            category: text(&v, "category"),
            html: text(&v, "html"),
            flow: Some(text(&v, "flow")).filter(|f| !f.is_empty()),
        })
    }

    /// The URL of a file from the knowledge base's `assets/`.
    pub fn asset_url(&self, path: &str) -> String {
        self.base.clone() + "/api/v1/assets/" + path
    }

    /// `GET /api/v1/flows/{id}`: the flow document, read by `flow::decode`.
    pub async fn flow(&self, id: &str, locale: &str) -> Result<JsValue, ApiError> {
        let path = String::from("/api/v1/flows/") + &String::from(js_sys::encode_uri_component(id));
        send(&self.url(&path, &[("locale", locale)]), None, &[], None).await
    }

    /// `POST /api/v1/surveys` with a JSON `body`.
    pub async fn survey(&self, body: &str) -> Result<(), ApiError> {
        send(&self.url("/api/v1/surveys", &[]), Some(body), &[], None)
            .await
            .map(|_| ())
    }

    /// `POST /api/v1/handoffs` with a JSON `body`. Retrying with the same `idempotency_key`
    /// never makes a second ticket. Answers the reference, when the ticket was stored, the
    /// promised reply time (RFC 3339; empty without a promise) and the conversation token.
    pub async fn handoff(
        &self,
        body: &str,
        idempotency_key: &str,
    ) -> Result<[String; 4], ApiError> {
        let url = self.url("/api/v1/handoffs", &[]);
        let v = send(
            &url,
            Some(body),
            &[("Idempotency-Key", idempotency_key)],
            None,
        )
        .await?;
        Ok(["reference", "created_at", "reply_by", "conversation_token"].map(|k| text(&v, k)))
    }

    /// `POST /api/v1/handoff-drafts` with a JSON `body`; answers the draft id.
    pub async fn save_draft(&self, body: &str) -> Result<String, ApiError> {
        let url = self.url("/api/v1/handoff-drafts", &[]);
        let v = send(&url, Some(body), &[], None).await?;
        Ok(text(&v, "draft_id"))
    }

    /// `GET /api/v1/conversations/{reference}` (read by `live`), or with `action` and a JSON
    /// `body`, `POST …/{action}` (`messages` with an `Idempotency-Key`, `satisfaction`,
    /// `reopen`). `identity` is the host's verified identity headers, if any.
    pub async fn conversation(
        &self,
        reference: &str,
        token: &str,
        post: Option<(&str, &str, &str)>,
        identity: &[(&'static str, String)],
    ) -> Result<JsValue, ApiError> {
        let mut path = String::from("/api/v1/conversations/")
            + &String::from(js_sys::encode_uri_component(reference));
        let bearer = String::from("Bearer ") + token;
        let mut headers = vec![("Authorization", bearer.as_str())];
        headers.extend(identity.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some((action, _, key)) = post {
            path.push('/');
            path.push_str(action);
            if !key.is_empty() {
                headers.push(("Idempotency-Key", key));
            }
        }
        send(&self.url(&path, &[]), post.map(|p| p.1), &headers, None).await
    }

    /// The URL of the conversation's event stream, resuming after `last`. `EventSource`
    /// cannot send headers, so the token goes in the query string. (Built here rather than
    /// with `url`, which the main module keeps to itself.)
    pub fn events_url(&self, reference: &str, token: &str, last: &str) -> String {
        let encode = |v: &str| String::from(js_sys::encode_uri_component(v));
        self.base.clone()
            + "/api/v1/conversations/"
            + &encode(reference)
            + "/events?token="
            + &encode(token)
            + "&last="
            + &encode(last)
    }

    /// `GET /api/v1/site` as sent, for the fields only the handoff form reads (`support`,
    /// `identity_required`), so the main module need not parse them.
    pub async fn site_json(&self, locale: &str) -> Result<JsValue, ApiError> {
        send(
            &self.url("/api/v1/site", &[("locale", locale)]),
            None,
            &[],
            None,
        )
        .await
    }

    /// `GET /api/v1/conversations?site=` with a verified identity: (reference, token), newest
    /// first.
    pub async fn conversations(
        &self,
        site: &str,
        identity: &[(&'static str, String)],
    ) -> Result<Vec<(String, String)>, ApiError> {
        let headers: Vec<(&str, &str)> = identity.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let v = send(
            &self.url("/api/v1/conversations", &[("site", site)]),
            None,
            &headers,
            None,
        )
        .await?;
        Ok(list(&v, "conversations")
            .iter()
            .map(|c| (text(&c, "reference"), text(&c, "conversation_token")))
            .collect())
    }
}

/// `value[key]`, `undefined` when `value` is not an object.
pub fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `value[key]` as a string, empty when it is not one.
pub fn text(value: &JsValue, key: &str) -> String {
    field(value, key).as_string().unwrap_or_default()
}

/// `value[key]` as an array, empty when it is not one.
pub fn list(value: &JsValue, key: &str) -> Array {
    field(value, key).dyn_into().unwrap_or_default()
}

/// The `flows` of a search or suggestions answer: (id, title).
fn flow_links(v: &JsValue) -> Vec<(String, String)> {
    list(v, "flows")
        .iter()
        .map(|f| (text(&f, "id"), text(&f, "title")))
        .collect()
}

fn hit(v: JsValue) -> Hit {
    Hit {
        slug: text(&v, "slug"),
        title: text(&v, "title"),
        category: text(&v, "category"),
        snippet: list(&v, "snippet")
            .iter()
            .map(|f| (text(&f, "text"), field(&f, "highlight").is_truthy()))
            .collect(),
    }
}

async fn send(
    url: &str,
    body: Option<&str>,
    extra_headers: &[(&str, &str)],
    signal: Option<&AbortSignal>,
) -> Result<JsValue, ApiError> {
    let init = RequestInit::new();
    init.set_signal(signal);
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    _ = headers.set("Accept", "application/json");
    if let Some(body) = body {
        init.set_method("POST");
        _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    for (name, value) in extra_headers {
        _ = headers.set(name, value);
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or(ApiError::Network)?;

    let aborted = || signal.is_some_and(AbortSignal::aborted);
    let fail = |_| {
        if aborted() {
            ApiError::Aborted
        } else {
            ApiError::Network
        }
    };
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    let text_promise = response.text().map_err(fail)?;
    let text = JsFuture::from(text_promise).await.map_err(fail)?;
    if aborted() {
        return Err(ApiError::Aborted);
    }
    let json = text
        .as_string()
        .and_then(|t| JSON::parse(&t).ok())
        .unwrap_or(JsValue::UNDEFINED);
    if response.status() == 401 {
        return Err(ApiError::Unauthorized);
    }
    if !response.ok() {
        let message = field(&field(&json, "error"), "message").as_string();
        return Err(ApiError::Server(message));
    }
    if json.is_object() {
        Ok(json)
    } else {
        Err(ApiError::Server(None))
    }
}
