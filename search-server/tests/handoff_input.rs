//! Bad input to `POST /api/v1/handoffs`: every case answers a clear JSON error (or stores the
//! text as text), never a 500, never a ticket it should not make. Limits are documented in
//! docs/operations.md.

mod fixture;

use axum::http::StatusCode;
use baton_core::TicketRef;
use baton_server::http::rate_limit::Limits;
use fixture::{Setup, TestApp, handoff};
use serde_json::json;

#[tokio::test]
async fn oversize_messages_transcripts_and_bodies_are_refused_with_the_limit() {
    let app = TestApp::start().await;
    let long = "x".repeat(baton_core::api::MAX_MESSAGE_CHARS + 1);
    let answer = app.post_handoff(handoff(&long).to_string(), None).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.error_code(), "invalid_field");
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("10000")
    );

    let mut many = handoff("hello");
    let event = json!({"type": "page_view", "at_ms": 1, "url": "/"});
    many["transcript"]["events"] = json!(vec![event; baton_core::transcript::MAX_EVENTS + 1]);
    let answer = app.post_handoff(many.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("transcript:")
    );

    let mut long_text = handoff("hello");
    long_text["transcript"]["events"][0]["url"] =
        json!("/".repeat(baton_core::transcript::MAX_TEXT_CHARS + 1));
    let answer = app.post_handoff(long_text.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut future = handoff("hello");
    future["transcript"]["version"] = json!(99);
    let answer = app.post_handoff(future.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut huge = handoff("hello");
    huge["padding"] = json!("y".repeat(baton_server::http::HANDOFF_BODY_LIMIT));
    let answer = app.post_handoff(huge.to_string(), None).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error_code(), "payload_too_large");
    assert_eq!(app.storage.ticket_count().await.expect("count"), 0);
}

#[tokio::test]
async fn invalid_emails_are_refused() {
    let app = TestApp::start().await;
    for email in [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "a b@example.com",
        "ada@@x.io",
        "<script>@x.io\n",
    ] {
        let mut body = handoff("hello");
        body["email"] = json!(email);
        let answer = app.post_handoff(body.to_string(), None).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{email:?}");
        assert!(
            answer.json()["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("email:")
        );
    }
    assert_eq!(app.storage.ticket_count().await.expect("count"), 0);
}

#[tokio::test]
async fn html_and_script_in_every_field_are_stored_as_text_and_cards_are_redacted() {
    let app = TestApp::start().await;
    let script = "<script>alert(1)</script>";
    let mut body = handoff(&format!("{script} card 4111-1111-1111-1111"));
    body["name"] = json!(format!("{script}Ada"));
    body["identity"] = json!({"id": script, "name": script, "email": script, "hash": "x"});
    body["context"] = json!({"plan": script, "n": 3, "nested": {"a": script}});
    body["transcript"]["events"][1]["query"] = json!(script);
    let answer = app.post_handoff(body.to_string(), Some("html")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let reference: TicketRef = answer.json()["reference"]
        .as_str()
        .expect("reference")
        .parse()
        .expect("ref");
    let ticket = app
        .storage
        .ticket_by_reference(&reference)
        .await
        .expect("db")
        .expect("ticket");
    assert_eq!(ticket.name, format!("{script}Ada"));
    assert_eq!(
        ticket.message,
        format!("{script} card [card number removed]")
    );
    let transcript: serde_json::Value =
        serde_json::from_str(&ticket.transcript_json).expect("json");
    assert_eq!(transcript["identity"]["id"], script);
    assert_eq!(transcript["identity"]["verified"], false);
    assert!(transcript["identity"].get("hash").is_none());
    assert_eq!(transcript["context"]["plan"], script);
    assert_eq!(transcript["context"]["n"], "3");
    assert_eq!(transcript["events"][1]["query"], script);
    assert!(!ticket.transcript_json.contains("4111"));
    assert!(
        ticket.summary.contains(script),
        "the summary is text: {}",
        ticket.summary
    );
}

#[tokio::test]
async fn a_flood_from_one_client_gets_a_clear_429() {
    let app = TestApp::start_with(Setup {
        limits: Some(Limits {
            per_client_per_minute: 3,
            per_site_per_minute: 1000,
        }),
        ..Setup::default()
    })
    .await;
    for i in 0..3 {
        let answer = app
            .post_handoff(handoff("hello").to_string(), Some(&format!("k{i}")))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
    let answer = app
        .post_handoff(handoff("hello").to_string(), Some("k-flood"))
        .await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.error_code(), "rate_limited");
    let retry_after: u64 = answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(app.storage.ticket_count().await.expect("count"), 3);
}
