//! The customer's side of a ticket after the handoff (`/api/v1/conversations/...`) and the
//! drafts of unfinished handoff forms (`/api/v1/handoff-drafts`), through the whole app.

mod fixture;

use axum::http::StatusCode;
use baton_server::http::rate_limit::Limits;
use fixture::{Setup, TestApp, handoff};
use serde_json::{Value, json};

const SITE: &str = r#"
[handoff]
follow_up_after = "30m"

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
async fn ticket(app: &TestApp, message: &str, key: &str) -> (String, String) {
    let answer = app
        .post_handoff(handoff(message).to_string(), Some(key))
        .await;
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

async fn read(app: &TestApp, reference: &str, token: Option<&str>) -> fixture::Answer {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("authorization", b.as_str()))
        .collect();
    app.get_with(&format!("/api/v1/conversations/{reference}"), &headers)
        .await
}

async fn post(
    app: &TestApp,
    reference: &str,
    token: &str,
    body: &Value,
    key: Option<&str>,
) -> fixture::Answer {
    let bearer = format!("Bearer {token}");
    let mut headers = vec![("authorization", bearer.as_str())];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    app.post_json(
        &format!("/api/v1/conversations/{reference}/messages"),
        body.to_string(),
        &headers,
    )
    .await
}

fn bodies(conversation: &Value) -> Vec<String> {
    conversation["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Writes an agent reply or note as the agent console does.
async fn write_as_agent(app: &TestApp, reference: &str, author: &str, body: &str) {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.dir.path().join("data/baton.sqlite3").display()
    ))
    .await
    .expect("db");
    sqlx::query(
        "INSERT INTO ticket_messages (ticket_id, author, agent_id, body, created_at) \
         SELECT id, ?, 1, ?, '2099-01-01T00:00:00Z' FROM tickets WHERE reference = ?",
    )
    .bind(author)
    .bind(body)
    .bind(reference)
    .execute(&pool)
    .await
    .expect("insert");
    pool.close().await;
}

#[tokio::test]
async fn the_handoff_token_opens_its_conversation_and_a_replay_answers_the_same_token() {
    let app = app().await;
    let (reference, token) = ticket(&app, "My hub blinks red.", "k1").await;
    assert_eq!(token.len(), 64, "{token}");
    let replay = app
        .post_handoff(handoff("My hub blinks red.").to_string(), Some("k1"))
        .await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.json()["conversation_token"], token.as_str());

    let answer = read(&app, &reference, Some(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let conversation = answer.json();
    assert_eq!(conversation["reference"], reference.as_str());
    assert_eq!(conversation["status"], "open");
    assert!(conversation["created_at"].is_string());
    assert_eq!(
        conversation["messages"],
        json!([{
            "id": 0,
            "author": "customer",
            "body": "My hub blinks red.",
            "created_at": conversation["created_at"],
        }])
    );
}

#[tokio::test]
async fn a_missing_wrong_or_other_tickets_token_and_an_unknown_reference_answer_the_same_404() {
    let app = app().await;
    let (reference, token) = ticket(&app, "first", "k1").await;
    let (other, other_token) = ticket(&app, "second", "k2").await;
    let unknown = if reference.starts_with('A') {
        "BBBB-BBBB"
    } else {
        "AAAA-AAAA"
    };
    let mut answers = vec![
        read(&app, &reference, None).await,
        read(&app, &reference, Some("not-the-token")).await,
        read(&app, &reference, Some(&other_token)).await,
        read(&app, unknown, Some(&token)).await,
        read(&app, "not-a-reference", Some(&token)).await,
        post(&app, &reference, &other_token, &json!({"body": "hi"}), None).await,
        post(&app, unknown, &token, &json!({"body": "hi"}), None).await,
    ];
    answers.push(
        app.post_json(
            &format!("/api/v1/conversations/{reference}/messages"),
            json!({"body": "hi"}).to_string(),
            &[],
        )
        .await,
    );
    let first = answers[0].body.clone();
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.error_code(), "conversation_not_found");
        assert_eq!(answer.body, first, "the same answer every time");
    }
    // The other ticket's own token still works, and nothing was added anywhere.
    let theirs = read(&app, &other, Some(&other_token)).await.json();
    assert_eq!(bodies(&theirs), ["second"]);
    assert_eq!(
        bodies(&read(&app, &reference, Some(&token)).await.json()),
        ["first"]
    );
}

#[tokio::test]
async fn messages_are_listed_in_order_and_notes_are_never_shown() {
    let app = app().await;
    let (reference, token) = ticket(&app, "first", "k1").await;
    let answer = post(&app, &reference, &token, &json!({"body": "second"}), None).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let posted = answer.json();
    assert_eq!(posted["author"], "customer");
    assert_eq!(posted["body"], "second");
    write_as_agent(&app, &reference, "note", "internal: check the firmware").await;
    write_as_agent(&app, &reference, "agent", "Please restart the hub.").await;
    let answer = post(&app, &reference, &token, &json!({"body": "  done  "}), None).await;
    assert_eq!(answer.status, StatusCode::CREATED);

    let conversation = read(&app, &reference, Some(&token)).await.json();
    assert_eq!(
        bodies(&conversation),
        ["first", "second", "Please restart the hub.", "done"]
    );
    let authors: Vec<&str> = conversation["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["author"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(authors, ["customer", "customer", "agent", "customer"]);
    let ids: Vec<i64> = conversation["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(
        !String::from_utf8_lossy(&read(&app, &reference, Some(&token)).await.body)
            .contains("internal")
    );
}

#[tokio::test]
async fn a_message_retried_with_its_key_is_stored_once_and_a_reused_key_is_409() {
    let app = app().await;
    let (reference, token) = ticket(&app, "first", "k1").await;
    let body = json!({"body": "more details"});
    let first = post(&app, &reference, &token, &body, Some("m1")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = post(&app, &reference, &token, &body, Some("m1")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json(), first.json());
    let other = post(
        &app,
        &reference,
        &token,
        &json!({"body": "else"}),
        Some("m1"),
    )
    .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert_eq!(other.error_code(), "idempotency_key_conflict");
    let conversation = read(&app, &reference, Some(&token)).await.json();
    assert_eq!(bodies(&conversation), ["first", "more details"]);
}

#[tokio::test]
async fn empty_and_oversize_messages_are_refused_with_the_limit() {
    let app = app().await;
    let (reference, token) = ticket(&app, "first", "k1").await;
    for body in [json!({"body": "   "}), json!({"body": ""})] {
        let answer = post(&app, &reference, &token, &body, None).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.error_code(), "invalid_field");
    }
    let limit = baton_core::api::MAX_CONVERSATION_MESSAGE_CHARS;
    // Multi-byte characters up to the limit fit the body limit.
    let longest = "ü".repeat(limit);
    let answer = post(&app, &reference, &token, &json!({"body": longest}), None).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let answer = post(
        &app,
        &reference,
        &token,
        &json!({"body": "x".repeat(limit + 1)}),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&limit.to_string())
    );
    let answer = post(&app, &reference, &token, &json!({"text": "hi"}), None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_json");
    assert_eq!(
        read(&app, &reference, Some(&token)).await.json()["messages"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn html_is_stored_as_text_and_cards_and_site_patterns_are_redacted() {
    let app = app().await;
    let (reference, token) = ticket(&app, "first", "k1").await;
    let hostile = "<script>alert(1)</script> card 4111 1111 1111 1111, code ACME-SECRET-7";
    let answer = post(&app, &reference, &token, &json!({"body": hostile}), None).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let stored = "<script>alert(1)</script> card [card number removed], code [removed]";
    assert_eq!(answer.json()["body"], stored);
    let conversation = read(&app, &reference, Some(&token)).await;
    assert_eq!(bodies(&conversation.json())[1], stored);
    assert!(
        conversation
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
}

#[tokio::test]
async fn a_flood_of_messages_from_one_client_gets_a_clear_429() {
    let app = TestApp::start_with(Setup {
        limits: Some(Limits {
            per_client_per_minute: 3,
            per_site_per_minute: 1000,
        }),
        ..Setup::default()
    })
    .await;
    let (reference, token) = ticket(&app, "first", "k1").await;
    for i in 0..2 {
        let answer = post(
            &app,
            &reference,
            &token,
            &json!({"body": format!("m{i}")}),
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
    let answer = post(&app, &reference, &token, &json!({"body": "flood"}), None).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.error_code(), "rate_limited");
    assert!(answer.header("retry-after").is_some());
}

#[tokio::test]
async fn drafts_are_saved_under_one_id_and_a_handoff_with_it_deletes_it() {
    let app = app().await;
    let save = |body: Value| {
        let app = &app;
        async move {
            app.post_json("/api/v1/handoff-drafts", body.to_string(), &[])
                .await
        }
    };
    let first = save(json!({"site": "acme", "email": "ada@example.com", "message": "hub"})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let id = first.json()["draft_id"].as_str().expect("id").to_owned();
    let update = save(
        json!({"site": "acme", "draft_id": id, "email": "ada@example.com",
                             "message": "hub blinks"}),
    )
    .await;
    assert_eq!(update.status, StatusCode::OK);
    assert_eq!(update.json()["draft_id"], id.as_str());
    assert_eq!(app.storage.draft_count().await.expect("count"), 1);

    let bad = save(json!({"site": "acme", "email": "ada"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_code(), "invalid_field");
    let other_site = save(json!({"site": "other", "email": "ada@example.com"})).await;
    assert_eq!(other_site.error_code(), "unknown_site");

    let mut body = handoff("hub blinks");
    body["draft_id"] = json!(id);
    let answer = app.post_handoff(body.to_string(), Some("k1")).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(app.storage.draft_count().await.expect("count"), 0);
}

#[tokio::test]
async fn a_site_without_follow_up_keeps_no_drafts_and_says_so_in_site_info() {
    let app = TestApp::start().await;
    let answer = app
        .post_json(
            "/api/v1/handoff-drafts",
            json!({"site": "acme", "email": "ada@example.com"}).to_string(),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error_code(), "follow_up_disabled");
    assert_eq!(app.storage.draft_count().await.expect("count"), 0);
    assert!(
        app.get("/api/v1/site")
            .await
            .json()
            .get("follow_up")
            .is_none()
    );
    assert_eq!(app_with_follow_up_site_info().await["follow_up"], true);
}

async fn app_with_follow_up_site_info() -> Value {
    app().await.get("/api/v1/site").await.json()
}
