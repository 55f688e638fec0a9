//! The HTTP API, driven in-process: what clients can rely on.

mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use baton_core::TicketRef;
use baton_server::http::COMPRESS_FROM;
use fixture::{JS_FILE, PRECOMPRESSED, Setup, TestApp, WASM_FILE, encode, handoff};
use serde_json::Value;

async fn search(app: &TestApp, q: &str) -> Value {
    let answer = app.get(&format!("/api/v1/search?q={}", encode(q))).await;
    assert_eq!(answer.status, StatusCode::OK, "{q:?}: {:?}", answer.body);
    answer.json()
}

fn slugs(response: &Value) -> Vec<String> {
    response["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["slug"].as_str().expect("slug").to_owned())
        .collect()
}

// --- health and site -------------------------------------------------------------------------

#[tokio::test]
async fn healthz_reports_ok_and_the_content_version() {
    let app = TestApp::start().await;
    let answer = app.get("/healthz").await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["status"], "ok");
    let version = json["content_version"].as_str().expect("version");
    assert!(
        version.len() >= 8 && version.bytes().all(|b| b.is_ascii_hexdigit()),
        "{version}"
    );
}

#[tokio::test]
async fn site_info_comes_from_site_toml() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/site").await.json();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "acme",
            "name": "Acme Help",
            "greeting": "Hello! What can we help with?",
            "brand_color": "#aa3300",
            "default_locale": "en",
            "locales": ["en"],
            "announcements": [{
                "id": "new-returns-policy",
                "severity": "info",
                "text": "Returns are free until the end of the century."
            }]
        })
    );
}

#[tokio::test]
async fn site_info_lists_only_the_announcements_showing_now() {
    let app = TestApp::start().await;
    // The fixture also has one that ended in 2020; an unknown locale gets the default's text.
    let json = app.get("/api/v1/site?locale=fr").await.json();
    let ids: Vec<&str> = json["announcements"]
        .as_array()
        .expect("announcements")
        .iter()
        .map(|a| a["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["new-returns-policy"]);
}

// --- search ----------------------------------------------------------------------------------

#[tokio::test]
async fn search_finds_an_article_by_a_title_word() {
    let app = TestApp::start().await;
    let json = search(&app, "password").await;
    assert_eq!(slugs(&json)[0], "reset-your-password");
    assert_eq!(json["query"], "password");
    assert!(json["total"].as_u64() >= Some(1));
}

#[tokio::test]
async fn search_forgives_a_typo() {
    let app = TestApp::start().await;
    assert_eq!(
        slugs(&search(&app, "pasword").await)[0],
        "reset-your-password"
    );
}

#[tokio::test]
async fn search_matches_the_last_word_as_a_prefix_while_typing() {
    let app = TestApp::start().await;
    assert_eq!(
        slugs(&search(&app, "passw").await)[0],
        "reset-your-password"
    );
    assert_eq!(
        slugs(&search(&app, "track your ord").await)[0],
        "track-your-order"
    );
}

#[tokio::test]
async fn a_title_match_ranks_above_a_body_match() {
    let app = TestApp::start().await;
    let json = search(&app, "factory reset").await;
    assert_eq!(slugs(&json)[0], "factory-reset-your-hub");
}

#[tokio::test]
async fn snippets_highlight_matched_words_and_carry_no_markup() {
    let app = TestApp::start().await;
    let json = search(&app, "bold snippet").await;
    let hit = &json["hits"][0];
    assert_eq!(hit["slug"], "factory-reset-your-hub");
    let fragments = hit["snippet"].as_array().expect("fragments");
    let highlighted: Vec<&str> = fragments
        .iter()
        .filter(|f| f["highlight"] == true)
        .map(|f| f["text"].as_str().expect("text"))
        .collect();
    assert!(highlighted.contains(&"snippet"), "{fragments:?}");
    for fragment in fragments {
        let text = fragment["text"].as_str().expect("text");
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(!text.contains("alert"), "{text}");
    }
}

#[tokio::test]
async fn a_missing_or_blank_query_is_refused() {
    let app = TestApp::start().await;
    for uri in [
        "/api/v1/search",
        "/api/v1/search?q=",
        "/api/v1/search?q=%20%20",
    ] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(answer.error_code(), "missing_query", "{uri}");
    }
}

#[tokio::test]
async fn hostile_queries_never_fail() {
    let app = TestApp::start().await;
    let long = "password ".repeat(1200);
    let queries = [
        "\"",
        "AND",
        "OR NOT",
        "(((",
        "title:",
        "title:reset AND body:(",
        "*",
        "reset~2^3",
        "a\u{0}b\u{7}c\u{1b}[31m",
        "🔥🙈 reset 🔑",
        "\\",
        "[1 TO 5]",
        "-",
        "'",
        long.as_str(),
    ];
    for q in queries {
        let json = search(&app, q).await;
        let cleaned = json["query"].as_str().expect("query");
        assert!(
            cleaned.chars().count() <= baton_core::api::MAX_QUERY_CHARS,
            "{q:?}"
        );
        assert!(!cleaned.chars().any(char::is_control), "{q:?}");
    }
}

#[tokio::test]
async fn limit_caps_the_hits_but_not_the_total() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/search?q=your&limit=1").await.json();
    assert_eq!(json["hits"].as_array().map(Vec::len), Some(1));
    assert!(json["total"].as_u64() >= Some(2), "{json}");
    let answer = app.get("/api/v1/search?q=your&limit=lots").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_query");
    let answer = app.get("/api/v1/search?q=your&limit=5000").await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_locale_falls_back_to_the_default() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/search?q=password&locale=xx").await.json();
    assert_eq!(slugs(&json)[0], "reset-your-password");
}

#[tokio::test]
async fn drafts_are_neither_found_nor_served() {
    let app = TestApp::start().await;
    assert!(slugs(&search(&app, "teleporter").await).is_empty());
    let answer = app.get("/api/v1/articles/unreleased-feature").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

// --- articles --------------------------------------------------------------------------------

#[tokio::test]
async fn an_article_is_served_as_sanitized_html() {
    let app = TestApp::start().await;
    let answer = app
        .get("/api/v1/articles/factory-reset-your-hub?locale=en")
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["title"], "Factory reset your hub");
    assert_eq!(json["category"], "troubleshooting");
    assert_eq!(json["updated"], "2026-02-01");
    let html = json["html"].as_str().expect("html");
    assert!(html.contains("<table>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("alert"), "{html}");

    let html = app.get("/api/v1/articles/reset-your-password").await.json()["html"].clone();
    let html = html.as_str().expect("html");
    assert!(html.contains(r#"<h2 id="didn-t-get-the-email">"#), "{html}");
    assert!(
        html.contains(r#"<a href="factory-reset-your-hub" rel="noopener noreferrer">"#),
        "{html}"
    );
}

#[tokio::test]
async fn an_unknown_article_is_404_article_not_found() {
    let app = TestApp::start().await;
    let answer = app.get("/api/v1/articles/no-such-thing").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error_code(), "article_not_found");
}

// --- errors ----------------------------------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_400_invalid_json_with_the_place() {
    let app = TestApp::start().await;
    let answer = app
        .post_handoff("{\"site\": \"acme\",\n \"name\": }", None)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_json");
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("line 2"), "{message}");
}

#[tokio::test]
async fn a_missing_field_is_400_invalid_json_naming_it() {
    let app = TestApp::start().await;
    let answer = app
        .post_handoff(r#"{"site":"acme","name":"Ada"}"#, None)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_json");
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("email")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::start().await;
    let request = Request::post("/api/v1/handoffs")
        .header("content-type", "text/plain")
        .body(Body::from("hello"))
        .expect("request");
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(answer.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn an_oversize_body_is_413_payload_too_large() {
    let app = TestApp::start().await;
    let huge = handoff(&"x".repeat(300 * 1024)).to_string();
    let answer = app.post_handoff(huge, None).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error_code(), "payload_too_large");
}

#[tokio::test]
async fn a_long_transcript_fits_the_handoff_limit() {
    let app = TestApp::start().await;
    let mut body = handoff("help");
    let events: Vec<Value> = (0..500)
        .map(|i| serde_json::json!({"type": "page_view", "at_ms": i, "url": format!("/page/{i}")}))
        .collect();
    body["transcript"]["events"] = Value::Array(events);
    let body = body.to_string();
    assert!(body.len() > 16 * 1024);
    let answer = app.post_handoff(body, None).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
}

#[tokio::test]
async fn an_unknown_route_is_404_not_found() {
    let app = TestApp::start().await;
    for uri in ["/nope", "/api/v1/nope", "/api/v2/search?q=x"] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(answer.error_code(), "not_found", "{uri}");
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_method_not_allowed() {
    let app = TestApp::start().await;
    let answer = app.get("/api/v1/handoffs").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.error_code(), "method_not_allowed");
    let request = Request::delete("/api/v1/search")
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(request).await.error_code(), "method_not_allowed");
}

// --- handoffs --------------------------------------------------------------------------------

#[tokio::test]
async fn a_handoff_is_stored_before_it_is_answered() {
    let app = TestApp::start().await;
    let answer = app
        .post_handoff(handoff("My hub blinks red.").to_string(), Some("key-1"))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let json = answer.json();
    let reference: TicketRef = json["reference"]
        .as_str()
        .expect("reference")
        .parse()
        .expect("a valid ticket reference");
    let created_at = json["created_at"].as_str().expect("created_at");
    assert!(
        created_at.ends_with('Z') && created_at.contains('T'),
        "{created_at}"
    );

    let ticket = app
        .storage
        .ticket_by_reference(&reference)
        .await
        .expect("storage")
        .expect("the ticket is stored");
    assert_eq!(ticket.site, "acme");
    assert_eq!(ticket.name, "Ada Lovelace");
    assert_eq!(ticket.email, "ada@example.com");
    assert_eq!(ticket.message, "My hub blinks red.");
    assert_eq!(ticket.locale, "en");
    assert_eq!(ticket.created_at, created_at);
    let transcript: Value = serde_json::from_str(&ticket.transcript_json).expect("json");
    // Stored as sent, in the current version, with the customer's message as the last event.
    let sent = handoff("")["transcript"].clone();
    let events = transcript["events"].as_array().expect("events");
    assert_eq!(events[..3], sent["events"].as_array().expect("events")[..]);
    assert_eq!(events[3]["type"], "message");
    assert_eq!(events[3]["text"], "My hub blinks red.");
    assert_eq!(
        transcript["version"],
        baton_core::transcript::TRANSCRIPT_VERSION
    );
    assert_eq!(
        ticket.summary,
        "Searched 'pasword' (1 result), opened 'Reset your password'. Pages: /account."
    );
}

#[tokio::test]
async fn a_handoff_is_idempotent_per_key() {
    let app = TestApp::start().await;
    let body = handoff("Please call me.").to_string();
    let first = app.post_handoff(body.clone(), Some("retry-me")).await;
    let second = app.post_handoff(body, Some("retry-me")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(first.json(), second.json());
    assert_eq!(app.storage.ticket_count().await.expect("count"), 1);
}

#[tokio::test]
async fn handoffs_without_a_key_each_make_a_ticket() {
    let app = TestApp::start().await;
    let body = handoff("Twice.").to_string();
    let first = app.post_handoff(body.clone(), None).await.json();
    let second = app.post_handoff(body, None).await.json();
    assert_ne!(first["reference"], second["reference"]);
    assert_eq!(app.storage.ticket_count().await.expect("count"), 2);
}

#[tokio::test]
async fn reusing_a_key_for_a_different_request_is_409() {
    let app = TestApp::start().await;
    let first = app
        .post_handoff(handoff("One").to_string(), Some("k"))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = app
        .post_handoff(handoff("Two").to_string(), Some("k"))
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.error_code(), "idempotency_key_conflict");
    assert_eq!(app.storage.ticket_count().await.expect("count"), 1);
}

#[tokio::test]
async fn an_invalid_email_is_422_naming_the_field() {
    let app = TestApp::start().await;
    let mut body = handoff("Hi");
    body["email"] = "not-an-email".into();
    let answer = app.post_handoff(body.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_code(), "invalid_field");
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("email")
    );
    assert_eq!(app.storage.ticket_count().await.expect("count"), 0);
}

#[tokio::test]
async fn a_handoff_for_another_site_is_404_unknown_site() {
    let app = TestApp::start().await;
    let mut body = handoff("Hi");
    body["site"] = "other".into();
    let answer = app.post_handoff(body.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error_code(), "unknown_site");
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_400() {
    let app = TestApp::start().await;
    let too_long = "k".repeat(201);
    for key in ["", "has space", too_long.as_str()] {
        let answer = app.post_handoff(handoff("Hi").to_string(), Some(key)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{key:?}");
        assert_eq!(answer.error_code(), "invalid_idempotency_key", "{key:?}");
    }
}

// --- widget files and the page at / ----------------------------------------------------------

#[tokio::test]
async fn wasm_is_served_as_application_wasm_and_cached_forever() {
    let app = TestApp::start().await;
    let answer = app.get(&format!("/widget/{WASM_FILE}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), Some("application/wasm"));
    assert_eq!(
        answer.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(answer.body.starts_with(b"\0asm"));
    let js = app.get(&format!("/widget/{JS_FILE}")).await;
    assert_eq!(
        js.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn the_loader_is_cached_briefly() {
    let app = TestApp::start().await;
    let answer = app.get("/widget/loader.js").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("cache-control"), Some("public, max-age=300"));
    assert!(
        answer
            .header("content-type")
            .is_some_and(|t| t.contains("javascript"))
    );
}

#[tokio::test]
async fn a_missing_widget_file_is_a_json_404() {
    let app = TestApp::start().await;
    for uri in ["/widget/nope.js", "/widget/../Cargo.toml", "/widget/"] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(answer.error_code(), "not_found", "{uri}");
    }
}

#[tokio::test]
async fn without_a_built_widget_the_api_still_works() {
    let app = TestApp::start_with(Setup {
        without_widget: true,
        ..Setup::default()
    })
    .await;
    let answer = app.get("/widget/loader.js").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error_code(), "not_found");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_root_says_what_this_server_is() {
    let app = TestApp::start().await;
    let answer = app.get("/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&answer.body).contains("/healthz"));
}

#[tokio::test]
async fn the_root_serves_the_host_page_when_configured() {
    let app = TestApp::start_with(Setup {
        host_page: Some("<!doctype html><title>Demo shop</title>"),
        ..Setup::default()
    })
    .await;
    let answer = app.get("/").await;
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(&answer.body[..], b"<!doctype html><title>Demo shop</title>");
}

// --- layers ----------------------------------------------------------------------------------

#[tokio::test]
async fn responses_are_compressed_when_the_client_asks() {
    let app = TestApp::start().await;
    // A search answer with several hits and snippets: large enough to be compressed.
    const PATH: &str = "/api/v1/search?q=the%20hub%20reset%20password%20wifi%20router&limit=50";
    let plain = app.get(PATH).await;
    assert!(
        plain.body.len() >= usize::from(COMPRESS_FROM),
        "{} bytes",
        plain.body.len()
    );
    assert_eq!(plain.header("content-encoding"), None);
    for encoding in ["gzip", "br"] {
        let request = Request::get(PATH)
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .expect("request");
        let answer = app.send(request).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("content-encoding"), Some(encoding));
    }
}

#[tokio::test]
async fn small_answers_are_not_compressed() {
    let app = TestApp::start().await;
    let request = Request::get("/healthz")
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .expect("request");
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.len() < usize::from(COMPRESS_FROM));
    assert_eq!(answer.header("content-encoding"), None);
}

#[tokio::test]
async fn a_precompressed_widget_file_is_served_as_it_is() {
    let app = TestApp::start().await;
    let request = Request::get(format!("/widget/{WASM_FILE}"))
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .expect("request");
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    assert_eq!(answer.header("content-type"), Some("application/wasm"));
    assert_eq!(&answer.body[..], PRECOMPRESSED);
    // Without a `.br` next to it, a brotli client gets the file compressed on the fly.
    let request = Request::get(format!("/widget/{WASM_FILE}"))
        .header("accept-encoding", "br")
        .body(Body::empty())
        .expect("request");
    let answer = app.send(request).await;
    assert_eq!(answer.header("content-encoding"), Some("br"));
    assert_ne!(&answer.body[..], PRECOMPRESSED);
}

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/api/v1/handoffs")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,idempotency-key",
        )
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin_succeeds() {
    let app = TestApp::start().await;
    let answer = app.send(preflight("https://shop.acme.example")).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://shop.acme.example")
    );
    let methods = answer
        .header("access-control-allow-methods")
        .unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
    let headers = answer
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(headers.contains("idempotency-key"), "{headers}");
}

#[tokio::test]
async fn cors_preflight_from_another_origin_gets_no_allow_header() {
    let app = TestApp::start().await;
    let answer = app.send(preflight("https://evil.example")).await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn responses_forbid_content_sniffing() {
    let app = TestApp::start().await;
    for uri in ["/healthz", "/nope", "/widget/loader.js"] {
        assert_eq!(
            app.get(uri).await.header("x-content-type-options"),
            Some("nosniff"),
            "{uri}"
        );
    }
}

// --- guided flows ----------------------------------------------------------------------------

#[tokio::test]
async fn a_flow_is_served_with_its_texts_rendered_to_html() {
    let app = TestApp::start().await;
    let answer = app.get("/api/v1/flows/sign-in-trouble?locale=en").await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["locale"], "en");
    assert_eq!(json["flow"]["id"], "sign-in-trouble");
    assert_eq!(json["flow"]["start"], "forgot");
    assert_eq!(json["flow"]["nodes"][0]["kind"], "question");
    assert_eq!(json["flow"]["nodes"][0]["choices"][1]["id"], "no");
    assert_eq!(
        json["html"]["forgot"],
        "<p>Did you <strong>forget</strong> your password?</p>\n"
    );
    assert!(answer.header("x-baton-content-version").is_some());
}

#[tokio::test]
async fn an_unknown_flow_is_a_json_404() {
    let app = TestApp::start().await;
    let answer = app.get("/api/v1/flows/no-such-flow").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error_code(), "flow_not_found");
}

async fn post_survey(app: &TestApp, body: &Value) -> fixture::Answer {
    app.send(
        Request::post("/api/v1/surveys")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

fn resolved_path() -> Value {
    serde_json::json!({
        "flow_id": "sign-in-trouble",
        "answers": [
            {"node_id": "forgot", "answer": {"type": "choice", "value": "yes"}},
            {"node_id": "reset", "answer": {"type": "continue"}},
            {"node_id": "fixed", "answer": {"type": "check", "value": true}}
        ]
    })
}

#[tokio::test]
async fn a_survey_after_a_resolved_flow_is_stored_with_its_path() {
    let app = TestApp::start().await;
    let body = serde_json::json!({
        "site": "acme", "locale": "en", "solved": true, "rating": 5,
        "comment": "  Quick!  ", "flow": resolved_path()
    });
    let answer = post_survey(&app, &body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert!(answer.json()["created_at"].is_string());
    let stored = app.storage.recent_surveys(10).await.expect("surveys");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].flow_id, "sign-in-trouble");
    assert_eq!(stored[0].outcome, "done");
    assert!(stored[0].solved);
    assert_eq!(stored[0].rating, Some(5));
    assert_eq!(stored[0].comment, "Quick!");
    assert!(stored[0].path_json.contains("\"fixed\""));
}

#[tokio::test]
async fn a_forged_survey_path_or_rating_is_rejected_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let mut forged = resolved_path();
    forged["answers"][0]["answer"]["value"] = "maybe".into();
    let body = serde_json::json!({"site": "acme", "solved": true, "flow": forged});
    let answer = post_survey(&app, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_code(), "flow_path_rejected");
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("step 1"), "{message}");

    let mut skipped = resolved_path();
    skipped["answers"]
        .as_array_mut()
        .expect("answers")
        .remove(1);
    let body = serde_json::json!({"site": "acme", "solved": true, "flow": skipped});
    let answer = post_survey(&app, &body).await;
    assert_eq!(answer.error_code(), "flow_path_rejected");

    let body =
        serde_json::json!({"site": "acme", "solved": true, "rating": 9, "flow": resolved_path()});
    let answer = post_survey(&app, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_code(), "invalid_field");

    let mut unknown = resolved_path();
    unknown["flow_id"] = "nope".into();
    let body = serde_json::json!({"site": "acme", "solved": false, "flow": unknown});
    assert_eq!(post_survey(&app, &body).await.error_code(), "unknown_flow");
    assert!(
        app.storage
            .recent_surveys(10)
            .await
            .expect("surveys")
            .is_empty()
    );
}

fn handoff_with_flow(outcome: &str, email: &str) -> Value {
    let mut body = handoff("I cannot sign in.");
    let events = body["transcript"]["events"].as_array_mut().expect("events");
    events.push(serde_json::json!({"type": "flow_started", "at_ms": 4,
        "flow_id": "sign-in-trouble", "title": "Sign-in trouble"}));
    events.push(serde_json::json!({"type": "flow_step", "at_ms": 5,
        "flow_id": "sign-in-trouble", "node_id": "forgot",
        "prompt": "Did you forget your password?", "answer": "No, it is rejected"}));
    events.push(serde_json::json!({"type": "flow_outcome", "at_ms": 6,
    "flow_id": "sign-in-trouble", "outcome": outcome,
    "detail": "priority high, team accounts",
    "path": [
        {"node_id": "forgot", "answer": {"type": "choice", "value": "no"}},
        {"node_id": "email", "answer": {"type": "text", "value": email}}
    ]}));
    body
}

#[tokio::test]
async fn a_handoff_with_a_flow_path_replays_it_before_storing_the_ticket() {
    let app = TestApp::start().await;
    let answer = app
        .post_handoff(
            handoff_with_flow("handoff", "ada@example.com").to_string(),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let reference: TicketRef = answer.json()["reference"]
        .as_str()
        .expect("reference")
        .parse()
        .expect("valid reference");
    let ticket = app
        .storage
        .ticket_by_reference(&reference)
        .await
        .expect("read")
        .expect("stored");
    assert!(ticket.transcript_json.contains("ada@example.com"));
    assert!(
        ticket.summary.contains("No, it is rejected"),
        "{}",
        ticket.summary
    );

    // An outcome the path does not reach, and an answer the input rejects.
    for body in [
        handoff_with_flow("resolved", "ada@example.com"),
        handoff_with_flow("handoff", "not an email"),
    ] {
        let answer = app.post_handoff(body.to_string(), None).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.error_code(), "flow_path_rejected");
    }
    assert_eq!(app.storage.ticket_count().await.expect("count"), 1);
}

#[tokio::test]
async fn matching_flows_are_offered_in_search_and_on_their_pages_without_moving_articles() {
    let app = TestApp::start().await;
    let json = search(&app, "sign in").await;
    assert_eq!(
        json["flows"],
        serde_json::json!([{
            "id": "sign-in-trouble",
            "title": "Sign-in trouble",
            "description": "Get back into your account when signing in fails."
        }])
    );
    // Typed halfway, and by a tag.
    assert_eq!(
        search(&app, "locked ou").await["flows"][0]["id"],
        "sign-in-trouble"
    );
    // Articles are ranked as before; unrelated queries offer no flow.
    let json = search(&app, "password").await;
    assert_eq!(slugs(&json)[0], "reset-your-password");
    assert!(search(&app, "track order").await.get("flows").is_none());

    let json = app
        .get("/api/v1/suggestions?page_url=https%3A%2F%2Fshop.acme.example%2Faccount%2Fsecurity")
        .await
        .json();
    assert_eq!(json["flows"][0]["id"], "sign-in-trouble");
    let json = app.get("/api/v1/suggestions?page_url=%2Fshop").await.json();
    assert!(json.get("flows").is_none(), "{json}");
}
