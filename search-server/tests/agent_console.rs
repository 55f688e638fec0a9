//! The agent console at `/agent`, driven in-process through `http::app`: nothing without a
//! session, sign-in with its rate limits, CSRF on every form, session expiry and sign-out,
//! customer text escaped everywhere in the ticket view, the inbox's order and marks, the event
//! stream, and every action's round trip.

mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use baton_core::api::HandoffRequest;
use baton_server::delivery::DeliveryConfig;
use baton_server::delivery::email::{SmtpConfig, SmtpSecurity};
use baton_server::http::agent::session::{
    MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_CLIENT, SESSION_TTL,
};
use baton_server::storage::{Agent, MessageAuthor, NewHandoff, TicketStatus, fingerprint};
use fixture::{Answer, Setup, TestApp, csrf_field, encode, handoff};
use http_body_util::BodyExt as _;
use serde_json::json;
use time::OffsetDateTime;

const PASSWORD: &str = "correct horse battery";

async fn add_agent(app: &TestApp, email: &str, name: &str) -> Agent {
    let hash = baton_server::password::hash(PASSWORD).expect("hashes");
    app.storage
        .add_agent(email, name, &hash, OffsetDateTime::now_utc())
        .await
        .expect("agent added")
}

/// The value of cookie `name` that the answer sets.
fn set_cookie<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    set_cookie_line(answer, name).map(|line| {
        line.split(';')
            .next()
            .and_then(|kv| kv.split_once('='))
            .map_or("", |(_, v)| v)
    })
}

fn set_cookie_line<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
}

fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn location(answer: &Answer) -> &str {
    answer.header("location").unwrap_or_default()
}

/// A browser's view of the console: its session cookie and the session's CSRF token.
struct Console {
    cookie: String,
    csrf: String,
}

impl Console {
    fn get(&self, uri: &str) -> Request<Body> {
        Request::get(uri)
            .header("cookie", format!("baton_agent={}", self.cookie))
            .body(Body::empty())
            .expect("request")
    }

    fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
        Request::post(uri)
            .header("cookie", format!("baton_agent={}", self.cookie))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form_body(fields)))
            .expect("request")
    }

    /// Posts a form with this session's token.
    fn action(&self, uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(uri, &all)
    }
}

/// Opens the sign-in page and posts `email` and `password` with its form token.
async fn sign_in(app: &TestApp, email: &str, password: &str, host: &str) -> Answer {
    let page = app
        .send(
            Request::get("/agent/login")
                .header("host", host)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let login_cookie = set_cookie(&page, "baton_login")
        .expect("form cookie")
        .to_owned();
    let csrf = csrf_field(&text(&page));
    app.send(
        Request::post("/agent/login")
            .header("host", host)
            .header("cookie", format!("baton_login={login_cookie}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("email", email),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/agent"),
            ])))
            .expect("request"),
    )
    .await
}

async fn signed_in(app: &TestApp, email: &str) -> Console {
    let answer = sign_in(app, email, PASSWORD, "127.0.0.1:8080").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", text(&answer));
    let cookie = set_cookie(&answer, "baton_agent")
        .expect("session cookie")
        .to_owned();
    let console = Console {
        cookie,
        csrf: String::new(),
    };
    let inbox = app.send(console.get("/agent")).await;
    assert_eq!(inbox.status, StatusCode::OK);
    Console {
        csrf: csrf_field(&text(&inbox)),
        ..console
    }
}

async fn new_ticket(app: &TestApp, body: serde_json::Value) -> String {
    let answer = app.post_handoff(body.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", text(&answer));
    answer.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

#[tokio::test]
async fn console_pages_and_actions_redirect_to_sign_in_and_the_stream_answers_401_without_a_session()
 {
    let app = TestApp::start().await;
    let reference = new_ticket(&app, handoff("My password reset mail never arrives")).await;
    for uri in [
        "/agent".to_owned(),
        "/agent?status=solved".to_owned(),
        format!("/agent/tickets/{reference}"),
        "/agent/articles/en/reset-your-password".to_owned(),
    ] {
        let answer = app.get(&uri).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            location(&answer).starts_with("/agent/login?next=/agent"),
            "{uri}: {}",
            location(&answer)
        );
        assert!(!text(&answer).contains(&reference));
    }
    let stranger = Console {
        cookie: "0".repeat(64),
        csrf: "x".into(),
    };
    for action in ["reply", "note", "status", "assign", "tags", "tags/remove"] {
        let uri = format!("/agent/tickets/{reference}/{action}");
        let answer = app
            .send(stranger.action(&uri, &[("body", "hi"), ("status", "solved"), ("tag", "x")]))
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(location(&answer), "/agent/login?next=/agent", "{uri}");
    }
    for request in [
        Request::get("/agent/events")
            .body(Body::empty())
            .expect("request"),
        stranger.get("/agent/events"),
    ] {
        let answer = app.send(request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.error_code(), "unauthorized");
    }
    let ticket = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("reads")
        .expect("ticket");
    assert!(ticket.messages.is_empty() && ticket.tags.is_empty() && ticket.changes.is_empty());
    assert_eq!(ticket.status, TicketStatus::Open);
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_gives_a_strict_http_only_session_cookie() {
    let app = TestApp::start().await;
    add_agent(&app, "Sam@Example.com", "Sam").await;

    let wrong = sign_in(
        &app,
        "sam@example.com",
        "not the password",
        "127.0.0.1:8080",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(text(&wrong).contains("Wrong email or password."));
    assert!(set_cookie(&wrong, "baton_agent").is_none());
    let unknown = sign_in(&app, "nobody@example.com", PASSWORD, "127.0.0.1:8080").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(text(&unknown).contains("Wrong email or password."));

    let local = sign_in(&app, " SAM@example.com ", PASSWORD, "127.0.0.1:8080").await;
    assert_eq!(local.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&local), "/agent");
    let line = set_cookie_line(&local, "baton_agent").expect("session cookie");
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/agent",
        "Max-Age=43200",
    ] {
        assert!(line.contains(part), "{line}");
    }
    assert!(!line.contains("Secure"), "plain-HTTP loopback: {line}");
    assert_eq!(set_cookie(&local, "baton").map(str::len), None);
    assert_eq!(set_cookie(&local, "baton_agent").map(str::len), Some(64));

    let public = sign_in(&app, "sam@example.com", PASSWORD, "support.example.com").await;
    assert_eq!(public.status, StatusCode::SEE_OTHER);
    let line = set_cookie_line(&public, "baton_agent").expect("session cookie");
    assert!(line.contains("; Secure"), "{line}");
    assert_ne!(
        set_cookie(&public, "baton_agent"),
        set_cookie(&local, "baton_agent")
    );
}

#[tokio::test]
async fn sign_in_is_paused_for_an_account_after_repeated_failures_with_a_clear_message() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    add_agent(&app, "kim@example.com", "Kim").await;
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        let answer = sign_in(&app, "sam@example.com", "guess", "127.0.0.1").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in(&app, "sam@example.com", PASSWORD, "127.0.0.1").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").is_some());
    assert!(
        text(&refused).contains("Too many failed sign-ins for this account"),
        "{}",
        text(&refused)
    );
    assert!(set_cookie(&refused, "baton_agent").is_none());
    // Another account from the same address still signs in.
    let other = sign_in(&app, "kim@example.com", PASSWORD, "127.0.0.1").await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_is_paused_for_an_address_that_tries_many_accounts() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    for i in 0..MAX_FAILURES_PER_CLIENT {
        let answer = sign_in(&app, &format!("guess{i}@example.com"), "guess", "127.0.0.1").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in(&app, "sam@example.com", PASSWORD, "127.0.0.1").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(text(&refused).contains("Too many failed sign-ins from this network address"));
}

#[tokio::test]
async fn forms_without_or_with_a_wrong_csrf_token_are_refused_with_403_and_change_nothing() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    let reference = new_ticket(&app, handoff("Where is my order?")).await;
    let console = signed_in(&app, "sam@example.com").await;
    let other = signed_in(&app, "sam@example.com").await;
    assert_ne!(console.csrf, other.csrf, "one token per session");

    let fields: &[(&str, &str)] = &[
        ("body", "hi"),
        ("status", "solved"),
        ("tag", "x"),
        ("assignee", ""),
    ];
    for action in ["reply", "note", "status", "assign", "tags", "tags/remove"] {
        let uri = format!("/agent/tickets/{reference}/{action}");
        let missing = app.send(console.post(&uri, fields)).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{uri}");
        let mut wrong = vec![("csrf", other.csrf.as_str())];
        wrong.extend_from_slice(fields);
        let answer = app.send(console.post(&uri, &wrong)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(text(&answer).contains("security token"));
    }
    let logout = app
        .send(console.post("/agent/logout", &[("csrf", "nope")]))
        .await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert_eq!(app.send(console.get("/agent")).await.status, StatusCode::OK);

    // The sign-in form has its own token, in a cookie and the form.
    let login = app
        .send(
            Request::post("/agent/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[
                    ("email", "sam@example.com"),
                    ("password", PASSWORD),
                ])))
                .expect("request"),
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);

    let ticket = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("reads")
        .expect("ticket");
    assert!(ticket.messages.is_empty() && ticket.tags.is_empty() && ticket.changes.is_empty());
}

#[tokio::test]
async fn an_expired_session_a_signed_out_one_and_a_removed_agents_are_refused() {
    let app = TestApp::start().await;
    let sam = add_agent(&app, "sam@example.com", "Sam").await;
    let long_ago = OffsetDateTime::now_utc() - SESSION_TTL - time::Duration::minutes(1);
    let expired = Console {
        cookie: app
            .storage
            .create_agent_session(sam.id, long_ago, SESSION_TTL)
            .await
            .expect("session"),
        csrf: String::new(),
    };
    let answer = app.send(expired.get("/agent")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/agent/login?next=/agent");
    assert_eq!(
        app.send(expired.get("/agent/events")).await.status,
        StatusCode::UNAUTHORIZED
    );

    let console = signed_in(&app, "sam@example.com").await;
    let out = app.send(console.action("/agent/logout", &[])).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/agent/login?signed_out=1");
    let cleared = set_cookie_line(&out, "baton_agent").expect("cleared cookie");
    assert!(
        cleared.starts_with("baton_agent=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(
        app.send(console.get("/agent")).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get("/agent/login?signed_out=1").await;
    assert!(text(&page).contains("You are signed out."));

    let again = signed_in(&app, "sam@example.com").await;
    assert!(
        app.storage
            .remove_agent("SAM@example.com", OffsetDateTime::now_utc())
            .await
            .expect("removes")
    );
    assert_eq!(
        app.send(again.get("/agent")).await.status,
        StatusCode::SEE_OTHER
    );
    let refused = sign_in(&app, "sam@example.com", PASSWORD, "127.0.0.1").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

/// A handoff with markup in every field a customer or host page fills in.
fn hostile_handoff() -> serde_json::Value {
    json!({
        "site": "acme",
        "name": "<script>alert('name')</script>",
        "email": "o'hara&co@example.com",
        "message": "<img src=x onerror=alert('message')>",
        "context": {"<b>plan</b>": "<script>alert('context')</script>"},
        "identity": {"id": "<svg onload=alert('id')>", "name": "<i>n</i>", "email": "<u>e</u>"},
        "transcript": {
            "version": 2,
            "locale": "en",
            "events": [
                {"type": "page_view", "at_ms": 1, "url": "javascript:alert('url')//<script>x</script>"},
                {"type": "search", "at_ms": 2, "query": "<script>alert('query')</script>", "result_count": 1,
                 "top_results": [{"slug": "reset-your-password\"><script>alert('slug')</script>",
                                  "title": "<img src=x onerror=alert('title')>"}]},
                {"type": "article_opened", "at_ms": 3, "slug": "reset-your-password",
                 "title": "<b>opened</b>"},
                {"type": "vote", "at_ms": 4, "slug": "reset-your-password", "helpful": false},
                {"type": "comment", "at_ms": 5, "slug": "reset-your-password",
                 "text": "<script>alert('comment')</script>"}
            ]
        }
    })
}

#[tokio::test]
async fn markup_in_every_customer_field_is_shown_as_text_in_the_ticket_view_and_the_inbox() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    let reference = new_ticket(&app, hostile_handoff()).await;
    let console = signed_in(&app, "sam@example.com").await;
    let view = app
        .send(console.get(&format!("/agent/tickets/{reference}")))
        .await;
    assert_eq!(view.status, StatusCode::OK);
    let inbox = app.send(console.get("/agent")).await;
    for page in [text(&view), text(&inbox)] {
        for raw in [
            "<script>alert",
            "<img src=x",
            "<svg",
            "<b>plan",
            "<b>opened",
            "<i>n</i>",
            "<u>e</u>",
            "href=\"javascript:",
            "\"><script>",
        ] {
            assert!(!page.contains(raw), "{raw} unescaped in {page}");
        }
    }
    let view = text(&view);
    for escaped in [
        "&lt;script&gt;alert('name')&lt;/script&gt;",
        "o'hara&amp;co@example.com",
        "&lt;img src=x onerror=alert('message')&gt;",
        "&lt;b&gt;plan&lt;/b&gt;",
        "&lt;script&gt;alert('context')&lt;/script&gt;",
        "&lt;svg onload=alert('id')&gt;",
        "javascript:alert('url')//&lt;script&gt;x&lt;/script&gt;",
        "&lt;script&gt;alert('query')&lt;/script&gt;",
        "&lt;img src=x onerror=alert('title')&gt;",
        "&lt;script&gt;alert('comment')&lt;/script&gt;",
        "Not verified",
    ] {
        assert!(view.contains(escaped), "{escaped} missing from {view}");
    }
    // The summary comes before the timeline, which comes before the conversation.
    let at = |needle: &str| {
        view.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("What was tried") < at("id=\"timeline-title\""));
    assert!(at("id=\"timeline-title\"") < at("id=\"conversation-title\""));
}

#[tokio::test]
async fn the_inbox_lists_by_reply_by_marks_overdue_and_unread_and_filters() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    let now = OffsetDateTime::now_utc();
    let mut references = Vec::new();
    for (message, urgency, reply_by, locale) in [
        ("later", Some("low"), Some("2099-01-01T00:00:00Z"), "en"),
        ("overdue", Some("high"), Some("2020-01-01T00:00:00Z"), "en"),
        ("no promise", None, None, "de"),
    ] {
        let request: HandoffRequest =
            serde_json::from_value(handoff(message)).expect("handoff request");
        let stored = app
            .storage
            .store_handoff(&NewHandoff {
                request: &request,
                fingerprint: fingerprint(&request),
                locale,
                idempotency_key: None,
                urgency: urgency.map(str::to_owned),
                reply_by: reply_by.map(str::to_owned),
                verified_identity: None,
                deliveries: Vec::new(),
                now,
            })
            .await
            .expect("stored");
        references.push(stored.ticket().reference.to_string());
    }
    let (later, overdue, unpromised) = (&references[0], &references[1], &references[2]);
    let console = signed_in(&app, "sam@example.com").await;
    let page = text(&app.send(console.get("/agent")).await);
    let at = |r: &str| {
        page.find(&format!("data-reference=\"{r}\""))
            .expect("listed")
    };
    assert!(
        at(overdue) < at(later) && at(later) < at(unpromised),
        "{page}"
    );
    assert!(page.contains(&format!(
        "<tr class=\"overdue\" data-reference=\"{overdue}\""
    )));
    assert!(!page.contains(&format!("<tr class=\"overdue\" data-reference=\"{later}\"")));
    assert!(
        page.contains("3 tickets, <strong>1 overdue</strong>"),
        "{page}"
    );
    assert_eq!(page.matches("1 unread").count(), 3);

    // Opening a ticket marks it read for this agent only.
    app.send(console.get(&format!("/agent/tickets/{overdue}")))
        .await;
    let page = text(&app.send(console.get("/agent")).await);
    assert_eq!(page.matches("1 unread").count(), 2);
    add_agent(&app, "kim@example.com", "Kim").await;
    let kim = signed_in(&app, "kim@example.com").await;
    let kims = text(&app.send(kim.get("/agent")).await);
    assert_eq!(kims.matches("1 unread").count(), 3);

    assert_eq!(
        listed(&app, &console, &references, "urgency=high").await,
        vec![overdue.clone()]
    );
    assert_eq!(
        listed(&app, &console, &references, "locale=de").await,
        vec![unpromised.clone()]
    );
    assert_eq!(
        listed(&app, &console, &references, "site=acme&status=all")
            .await
            .len(),
        3
    );
    assert!(
        listed(&app, &console, &references, "site=other")
            .await
            .is_empty()
    );
    assert!(
        listed(&app, &console, &references, "status=solved")
            .await
            .is_empty()
    );
    let solve = app
        .send(console.action(
            &format!("/agent/tickets/{later}/status"),
            &[("status", "solved")],
        ))
        .await;
    assert_eq!(solve.status, StatusCode::SEE_OTHER);
    assert_eq!(
        listed(&app, &console, &references, "status=solved").await,
        vec![later.clone()]
    );
    assert_eq!(
        listed(&app, &console, &references, "").await,
        vec![overdue.clone(), unpromised.clone()]
    );
}

/// Which of `references` the inbox lists with this query string.
async fn listed(
    app: &TestApp,
    console: &Console,
    references: &[String],
    query: &str,
) -> Vec<String> {
    let page = text(&app.send(console.get(&format!("/agent?{query}"))).await);
    references
        .iter()
        .filter(|r| page.contains(&format!("data-reference=\"{r}\"")))
        .cloned()
        .collect()
}

/// The next `inbox` event of an event stream body: its id.
async fn next_inbox_event(body: &mut Body) -> String {
    let mut buffer = String::new();
    loop {
        let frame = body
            .frame()
            .await
            .expect("the stream goes on")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            buffer.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.lines().any(|l| l == "event: inbox") {
                let id = event
                    .lines()
                    .find_map(|l| l.strip_prefix("id: "))
                    .expect("an id");
                return id.to_owned();
            }
        }
    }
}

#[tokio::test]
async fn the_event_stream_says_when_the_inbox_changes_and_resumes_from_the_last_event_id() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    let console = signed_in(&app, "sam@example.com").await;
    let response = tower::ServiceExt::oneshot(app.router.clone(), console.get("/agent/events"))
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut body = response.into_body();
    let first = next_inbox_event(&mut body).await;
    new_ticket(&app, handoff("A new one")).await;
    let second = next_inbox_event(&mut body).await;
    assert_ne!(first, second);

    // A browser that reconnects with the last id it saw hears of the next change only.
    let mut resumed = console.get("/agent/events");
    resumed
        .headers_mut()
        .insert("last-event-id", second.parse().expect("header"));
    let mut body = tower::ServiceExt::oneshot(app.router.clone(), resumed)
        .await
        .expect("answers")
        .into_body();
    new_ticket(&app, handoff("And another")).await;
    let third = next_inbox_event(&mut body).await;
    assert_ne!(third, second);
}

#[tokio::test]
async fn reply_note_status_assignment_and_tags_round_trip() {
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port: 2525,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: Some("help@acme.example".into()),
    };
    let app = TestApp::start_with(Setup {
        delivery: Some(DeliveryConfig {
            smtp: Some(smtp),
            ..DeliveryConfig::default()
        }),
        ..Setup::default()
    })
    .await;
    add_agent(&app, "sam@example.com", "Sam").await;
    let kim = add_agent(&app, "kim@example.com", "Kim").await;
    let reference = new_ticket(&app, handoff("My router blinks red")).await;
    let console = signed_in(&app, "sam@example.com").await;
    let base = format!("/agent/tickets/{reference}");
    let act = |path: &str, fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        console.action(&format!("{base}{path}"), &fields)
    };

    let steps = [
        (
            "/reply",
            vec![(
                "body",
                "Hold the reset button for 10 s, <please>.".to_owned(),
            )],
            "reply",
        ),
        (
            "/note",
            vec![("body", "Firmware 2.3 is known to do this.".to_owned())],
            "note",
        ),
        ("/status", vec![("status", "pending".to_owned())], "status"),
        ("/status", vec![("status", "solved".to_owned())], "status"),
        (
            "/status",
            vec![("status", "solved".to_owned())],
            "unchanged",
        ),
        ("/assign", vec![("assignee", kim.id.to_string())], "assign"),
        ("/tags", vec![("tag", " Billing ".to_owned())], "tag-added"),
        ("/tags", vec![("tag", "vip".to_owned())], "tag-added"),
        (
            "/tags/remove",
            vec![("tag", "vip".to_owned())],
            "tag-removed",
        ),
    ];
    for (path, fields, done) in steps {
        let answer = app.send(act(path, fields)).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            text(&answer)
        );
        assert!(
            location(&answer).starts_with(&format!("{base}?done={done}#")),
            "{path}: {}",
            location(&answer)
        );
    }
    for (path, fields) in [
        ("/reply", vec![("body", "   ".to_owned())]),
        ("/status", vec![("status", "closed".to_owned())]),
        ("/assign", vec![("assignee", "999".to_owned())]),
        ("/tags", vec![("tag", "<b>".to_owned())]),
    ] {
        assert_eq!(
            app.send(act(path, fields)).await.status,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }

    let ticket = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("reads")
        .expect("ticket");
    assert_eq!(ticket.status, TicketStatus::Solved);
    assert_eq!(ticket.assignee.as_ref().map(|a| a.id), Some(kim.id));
    assert_eq!(ticket.tags, vec!["billing".to_owned()]);
    let messages: Vec<(MessageAuthor, &str, Option<&str>)> = ticket
        .messages
        .iter()
        .map(|m| (m.author, m.body.as_str(), m.agent_name.as_deref()))
        .collect();
    assert_eq!(
        messages,
        vec![
            (
                MessageAuthor::Agent,
                "Hold the reset button for 10 s, <please>.",
                Some("Sam")
            ),
            (
                MessageAuthor::Note,
                "Firmware 2.3 is known to do this.",
                Some("Sam")
            ),
        ]
    );
    assert_eq!(ticket.changes.len(), 6, "{:?}", ticket.changes);

    // The reply waits in the outbox for the customer; the note does not.
    let outbox = app.storage.outbox(None, 10).await.expect("outbox");
    let replies: Vec<_> = outbox
        .iter()
        .filter(|row| row.delivery_id.contains(".reply."))
        .collect();
    assert_eq!(replies.len(), 1, "{outbox:?}");
    assert_eq!(replies[0].target, "ada@example.com");
    assert_eq!(
        replies[0].delivery_id,
        format!("{reference}.reply.{}", ticket.messages[0].id)
    );

    let page = text(&app.send(console.get(&format!("{base}?done=reply"))).await);
    for shown in [
        "Reply sent. It is emailed to the customer.",
        "Hold the reset button for 10 s, &lt;please&gt;.",
        "Sam (reply)",
        "Sam (internal note)",
        "Firmware 2.3 is known to do this.",
        "Reopen",
        "assigned the ticket to kim@example.com",
        "added the tag billing",
        "removed the tag vip",
    ] {
        assert!(page.contains(shown), "{shown} missing from {page}");
    }
    let reopen = app
        .send(act("/status", vec![("status", "open".to_owned())]))
        .await;
    assert_eq!(reopen.status, StatusCode::SEE_OTHER);
    let ticket = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("reads")
        .expect("ticket");
    assert_eq!(ticket.status, TicketStatus::Open);
}

#[tokio::test]
async fn timeline_links_open_the_article_as_the_customer_read_it() {
    let app = TestApp::start().await;
    add_agent(&app, "sam@example.com", "Sam").await;
    let reference = new_ticket(&app, handoff("Reset does not work")).await;
    let console = signed_in(&app, "sam@example.com").await;
    let view = text(
        &app.send(console.get(&format!("/agent/tickets/{reference}")))
            .await,
    );
    assert!(
        view.contains("href=\"/agent/articles/en/reset-your-password\""),
        "{view}"
    );
    let article = app
        .send(console.get("/agent/articles/en/reset-your-password"))
        .await;
    assert_eq!(article.status, StatusCode::OK);
    assert!(text(&article).contains("Reset your password"));
    let missing = app.send(console.get("/agent/articles/en/nope")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
