//! The customer's live side of a ticket: the event stream
//! (`GET /api/v1/conversations/{reference}/events`), satisfaction answers and reopening.
//!
//! The stream test runs a real `baton serve` on 127.0.0.1 and an agent who replies through the
//! console's HTTP forms; the others drive the whole app in process.

mod fixture;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fixture::{Process, Setup, TestApp, cookie_set, csrf_field, handoff};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tower::ServiceExt as _;

const SITE: &str = r#"
[privacy]
redact = ["ACME-SECRET-\\d+"]
"#;

async fn app() -> TestApp {
    TestApp::start_with(Setup {
        site_toml: Some(SITE),
        ..Setup::default()
    })
    .await
}

/// Makes a ticket; answers its reference and conversation token.
async fn ticket(app: &TestApp, message: &str) -> (String, String) {
    let answer = app.post_handoff(handoff(message).to_string(), None).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let json = answer.json();
    (
        json["reference"].as_str().expect("reference").to_owned(),
        json["conversation_token"]
            .as_str()
            .expect("token")
            .to_owned(),
    )
}

async fn read(app: &TestApp, reference: &str, token: &str) -> Value {
    let bearer = format!("Bearer {token}");
    let answer = app
        .get_with(
            &format!("/api/v1/conversations/{reference}"),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.json()
}

async fn post(
    app: &TestApp,
    reference: &str,
    token: &str,
    what: &str,
    body: Value,
) -> fixture::Answer {
    let bearer = format!("Bearer {token}");
    app.post_json(
        &format!("/api/v1/conversations/{reference}/{what}"),
        body.to_string(),
        &[("authorization", &bearer)],
    )
    .await
}

/// Solves the ticket as an agent would in the console.
async fn solve(app: &TestApp, reference: &str) {
    let agents = app.storage.agents().await.expect("agents");
    let agent = match agents.first() {
        Some(a) => a.clone(),
        None => app
            .storage
            .add_agent(
                "sam@example.com",
                "Sam",
                "unused",
                OffsetDateTime::now_utc(),
            )
            .await
            .expect("agent"),
    };
    let ticket = app
        .storage
        .console_ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert!(
        app.storage
            .set_ticket_status(
                ticket.id,
                agent.id,
                baton_server::storage::TicketStatus::Solved,
                OffsetDateTime::now_utc()
            )
            .await
            .expect("solve")
    );
}

/// Opens an event stream in process; answers the response (its body is the stream).
async fn open_stream(app: &TestApp, uri: &str) -> axum::response::Response {
    app.router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("answer")
}

#[tokio::test]
async fn a_wrong_missing_or_other_tickets_token_gets_the_same_404_as_the_conversation() {
    let app = app().await;
    let (reference, token) = ticket(&app, "My hub blinks red.").await;
    let (other, other_token) = ticket(&app, "Another customer's ticket.").await;
    let good = open_stream(
        &app,
        &format!("/api/v1/conversations/{reference}/events?token={token}"),
    )
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    assert_eq!(
        good.headers()["content-type"].to_str().ok(),
        Some("text/event-stream")
    );
    drop(good);
    for uri in [
        format!("/api/v1/conversations/{reference}/events"),
        format!("/api/v1/conversations/{reference}/events?token="),
        format!(
            "/api/v1/conversations/{reference}/events?token={}",
            "0".repeat(64)
        ),
        // Another ticket's token opens only that ticket.
        format!("/api/v1/conversations/{reference}/events?token={other_token}"),
        format!("/api/v1/conversations/{other}/events?token={token}"),
        format!("/api/v1/conversations/ZZZZ-ZZZZ/events?token={token}"),
    ] {
        let answer = app.get(&uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(answer.error_code(), "conversation_not_found", "{uri}");
    }
}

#[tokio::test]
async fn one_address_holds_at_most_the_stream_limit_and_gets_a_slot_back_when_one_closes() {
    let app = app().await;
    let (reference, token) = ticket(&app, "My hub blinks red.").await;
    let uri = format!("/api/v1/conversations/{reference}/events?token={token}");
    let mut open = Vec::new();
    for _ in 0..baton_server::storage::MAX_STREAMS_PER_CLIENT {
        let answer = open_stream(&app, &uri).await;
        assert_eq!(answer.status(), StatusCode::OK);
        open.push(answer);
    }
    let refused = app.get(&uri).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.error_code(), "too_many_streams");
    drop(open.pop());
    let again = open_stream(&app, &uri).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn satisfaction_is_due_once_solved_is_stored_redacted_and_a_second_answer_is_refused() {
    let app = app().await;
    let (reference, token) = ticket(&app, "My hub blinks red.").await;
    let before = read(&app, &reference, &token).await;
    assert_eq!(before["satisfaction_due"], false);
    assert!(
        before["events_cursor"]
            .as_str()
            .is_some_and(|c| c.contains('-'))
    );

    let early = post(
        &app,
        &reference,
        &token,
        "satisfaction",
        json!({"resolved": true, "rating": 5}),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.error_code(), "satisfaction_not_due");

    solve(&app, &reference).await;
    let solved = read(&app, &reference, &token).await;
    assert_eq!(solved["status"], "solved");
    assert_eq!(solved["satisfaction_due"], true);

    for (body, field) in [
        (json!({"resolved": true, "rating": 0}), "rating"),
        (json!({"resolved": true, "rating": 6}), "rating"),
        (
            json!({"resolved": true, "comment": "x".repeat(2_001)}),
            "comment",
        ),
    ] {
        let answer = post(&app, &reference, &token, "satisfaction", body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            answer.body
        );
        assert_eq!(answer.error_code(), "invalid_field");
        let message = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.starts_with(&format!("{field}:")), "{message}");
    }
    let missing = post(
        &app,
        &reference,
        &token,
        "satisfaction",
        json!({"rating": 5}),
    )
    .await;
    assert_eq!(
        missing.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        missing.body
    );
    assert_eq!(missing.error_code(), "invalid_json");

    let stored = post(
        &app,
        &reference,
        &token,
        "satisfaction",
        json!({"resolved": true, "rating": 5, "comment": "  Great, thanks! Card 4111 1111 1111 1111 and ACME-SECRET-42 <b>x</b> "}),
    )
    .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{:?}", stored.body);
    assert_eq!(stored.json()["status"], "solved");
    let after = read(&app, &reference, &token).await;
    assert_eq!(after["satisfaction_due"], false);
    assert_eq!(after["satisfaction"]["resolved"], true);
    assert_eq!(after["satisfaction"]["rating"], 5);
    let comment = after["satisfaction"]["comment"].as_str().expect("comment");
    assert!(comment.starts_with("Great, thanks!"), "{comment}");
    assert!(!comment.contains("4111 1111"), "{comment}");
    assert!(!comment.contains("ACME-SECRET-42"), "{comment}");
    assert!(comment.ends_with("<b>x</b>"), "stored as text: {comment}");

    let again = post(
        &app,
        &reference,
        &token,
        "satisfaction",
        json!({"resolved": true, "rating": 1}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "satisfaction_already_given");
    let wrong = post(
        &app,
        &reference,
        &"0".repeat(64),
        "satisfaction",
        json!({"resolved": true}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    let console = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(console.satisfaction.len(), 1);
    assert_eq!(console.satisfaction[0].rating, Some(5));
    let by_customer: Vec<_> = console
        .changes
        .iter()
        .filter(|c| c.agent_name.is_none())
        .map(|c| (c.what.as_str(), c.detail.as_str()))
        .collect();
    assert_eq!(by_customer, [("satisfaction", "resolved")]);
}

#[tokio::test]
async fn not_resolved_reopens_the_ticket_and_a_new_solve_asks_again() {
    let app = app().await;
    let (reference, token) = ticket(&app, "My hub blinks red.").await;
    solve(&app, &reference).await;
    let answer = post(
        &app,
        &reference,
        &token,
        "satisfaction",
        json!({"resolved": false, "rating": 2}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert_eq!(answer.json()["status"], "open");
    let reopened = read(&app, &reference, &token).await;
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["satisfaction_due"], false);
    assert_eq!(reopened["satisfaction"]["resolved"], false);

    solve(&app, &reference).await;
    assert_eq!(
        read(&app, &reference, &token).await["satisfaction_due"],
        true
    );
    let console = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("read")
        .expect("ticket");
    let by_customer: Vec<_> = console
        .changes
        .iter()
        .filter(|c| c.agent_name.is_none())
        .map(|c| (c.what.as_str(), c.detail.as_str()))
        .collect();
    assert_eq!(
        by_customer,
        [("satisfaction", "not_resolved"), ("status", "open")]
    );
}

#[tokio::test]
async fn reopen_is_one_call_logged_as_the_customers_and_the_inbox_sees_it_open() {
    let app = app().await;
    let (reference, token) = ticket(&app, "My hub blinks red.").await;
    solve(&app, &reference).await;
    let answer = post(&app, &reference, &token, "reopen", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.json()["status"], "open");
    assert_eq!(read(&app, &reference, &token).await["status"], "open");
    let again = post(&app, &reference, &token, "reopen", json!({})).await;
    assert_eq!(again.status, StatusCode::OK);
    let wrong = post(&app, &reference, &"0".repeat(64), "reopen", json!({})).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    let agent = app.storage.agents().await.expect("agents")[0].clone();
    let open = app
        .storage
        .inbox(
            agent.id,
            &baton_server::storage::InboxFilter {
                status: Some(baton_server::storage::TicketStatus::Open),
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert!(open.iter().any(|t| t.reference == reference));
    let console = app
        .storage
        .console_ticket(&reference)
        .await
        .expect("read")
        .expect("ticket");
    let last = console.changes.last().expect("changes");
    assert_eq!(
        (last.what.as_str(), last.detail.as_str()),
        ("status", "open")
    );
    assert_eq!(last.agent_name, None);
}

// ---- A real server, a real agent in the console, a customer's stream. ----

fn baton(data: &std::path::Path, args: &[&str], stdin: Option<&str>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("baton runs");
    if let Some(input) = stdin {
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), input.as_bytes())
            .expect("stdin written");
    }
    drop(child.stdin.take());
    assert!(child.wait().expect("exits").success(), "baton {args:?}");
}

fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// An agent signed in to the console of the server at `url`.
struct Console {
    url: String,
    session: String,
}

impl Console {
    fn sign_in(url: &str, email: &str, password: &str) -> Console {
        let agent = http();
        let mut form = agent
            .get(&format!("{url}/agent/login"))
            .call()
            .expect("login page");
        let login_cookie = cookie_set(&form, "baton_login");
        let csrf = csrf_field(&form.body_mut().read_to_string().expect("page"));
        let signed = agent
            .post(&format!("{url}/agent/login"))
            .header("Cookie", &format!("baton_login={login_cookie}"))
            .send_form([
                ("email", email),
                ("password", password),
                ("csrf", csrf.as_str()),
            ])
            .expect("signs in");
        assert_eq!(signed.status().as_u16(), 303);
        Console {
            url: url.to_owned(),
            session: format!("baton_agent={}", cookie_set(&signed, "baton_agent")),
        }
    }

    fn page(&self, reference: &str) -> String {
        http()
            .get(&format!("{}/agent/tickets/{reference}", self.url))
            .header("Cookie", &self.session)
            .call()
            .expect("ticket page")
            .body_mut()
            .read_to_string()
            .expect("page")
    }

    /// Posts one of the ticket view's forms (`reply`, `note`, `status`).
    fn act(&self, reference: &str, action: &str, fields: &[(&str, &str)]) {
        let csrf = csrf_field(&self.page(reference));
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let done = http()
            .post(&format!("{}/agent/tickets/{reference}/{action}", self.url))
            .header("Cookie", &self.session)
            .send_form(form)
            .expect("posts");
        assert_eq!(done.status().as_u16(), 303, "{action}");
    }
}

/// A customer's open event stream, read event by event.
struct EventStream {
    reader: Box<dyn std::io::BufRead>,
}

#[derive(Debug, PartialEq)]
struct SseEvent {
    id: String,
    event: String,
    data: Value,
}

impl EventStream {
    fn open(url: &str, last_event_id: Option<&str>) -> EventStream {
        let mut request = http().get(url);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.call().expect("stream opens");
        assert_eq!(response.status().as_u16(), 200);
        EventStream {
            reader: Box::new(BufReader::new(response.into_body().into_reader())),
        }
    }

    /// Whether the stream ends (at the server's end) before any further event.
    fn ended(&mut self) -> bool {
        loop {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => return true,
                Ok(_) if line.starts_with(':') || line.trim().is_empty() => {}
                Ok(_) => return false,
            }
        }
    }

    /// The next event (heartbeat comments skipped).
    fn next(&mut self) -> SseEvent {
        let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
        loop {
            let mut line = String::new();
            let read = self.reader.read_line(&mut line).expect("stream reads");
            assert!(read > 0, "the stream ended");
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if !event.is_empty() {
                    return SseEvent {
                        id,
                        event,
                        data: serde_json::from_str(&data).expect("JSON data"),
                    };
                }
                continue;
            }
            if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    }
}

#[test]
fn an_agents_console_reply_reaches_the_stream_live_a_resume_repeats_nothing_and_shutdown_ends_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    fixture::copy_dir(&fixture::content_dir(), &content);
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(&data)
        .arg("--content-dir")
        .arg(&content)
        .arg("--widget-dir")
        .arg(dir.path().join("no-widget"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("baton starts");
    let stdout = child.stdout.take().expect("stdout");
    let server = Process(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let url = line
        .trim()
        .strip_prefix("baton listening on ")
        .expect("listening line")
        .to_owned();
    baton(
        &data,
        &[
            "agent",
            "add",
            "sam@example.com",
            "--name",
            "Sam",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );

    let mut answer = http()
        .post(&format!("{url}/api/v1/handoffs"))
        .send_json(handoff("My hub blinks red."))
        .expect("handoff");
    assert_eq!(answer.status().as_u16(), 201);
    let created: Value = answer.body_mut().read_json().expect("json");
    let reference = created["reference"].as_str().expect("reference").to_owned();
    let token = created["conversation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let events = format!("{url}/api/v1/conversations/{reference}/events?token={token}");

    let console = Console::sign_in(&url, "sam@example.com", "correct horse battery");
    let mut stream = EventStream::open(&events, None);
    console.act(
        &reference,
        "reply",
        &[("body", "Hold the reset button for 10 s.")],
    );
    let first = stream.next();
    assert_eq!(first.event, "message");
    assert_eq!(first.data["author"], "agent");
    assert_eq!(first.data["body"], "Hold the reset button for 10 s.");
    drop(stream);

    // While the customer is away: a note (never told), another reply, the solve.
    console.act(
        &reference,
        "note",
        &[("body", "Internal: check the firmware.")],
    );
    console.act(&reference, "reply", &[("body", "Did that help?")]);
    console.act(&reference, "status", &[("status", "solved")]);

    for resumed in [
        EventStream::open(&events, Some(&first.id)),
        EventStream::open(&format!("{events}&last={}", first.id), None),
    ] {
        let mut resumed = resumed;
        let reply = resumed.next();
        assert_eq!(
            (reply.event.as_str(), &reply.data["body"]),
            ("message", &json!("Did that help?"))
        );
        let status = resumed.next();
        assert_eq!(status.event, "status");
        assert_eq!(status.data["status"], "solved");
        assert_eq!(status.data["by"], "agent");
        // Nothing else is pending: the customer's own message is the next event.
        let bearer = format!("Bearer {token}");
        let sent = http()
            .post(&format!("{url}/api/v1/conversations/{reference}/messages"))
            .header("Authorization", &bearer)
            .send_json(json!({"body": "From my other tab"}))
            .expect("message");
        assert_eq!(sent.status().as_u16(), 201);
        let own = resumed.next();
        assert_eq!(
            (own.event.as_str(), &own.data["author"]),
            ("message", &json!("customer"))
        );
        assert_eq!(own.data["body"], "From my other tab");
        assert!(own.id != status.id && status.id != reply.id);
    }

    // The customer rates; the console shows it, as text.
    let bearer = format!("Bearer {token}");
    let rated = http()
        .post(&format!(
            "{url}/api/v1/conversations/{reference}/satisfaction"
        ))
        .header("Authorization", &bearer)
        .send_json(json!({"resolved": true, "rating": 5, "comment": "Great <script>x</script>"}))
        .expect("rated");
    assert_eq!(rated.status().as_u16(), 201);
    let page = console.page(&reference);
    assert!(page.contains("5 / 5"), "{page}");
    assert!(
        page.contains("Great &lt;script&gt;x&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("said the issue was resolved"), "{page}");

    // A graceful shutdown ends open streams instead of waiting for the browsers.
    let mut open = EventStream::open(&events, None);
    let mut server = server;
    let stopped = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    assert!(open.ended(), "the stream ends on shutdown");
    let status = server.0.wait().expect("baton exits");
    assert!(status.success(), "baton stops cleanly: {status}");
}
