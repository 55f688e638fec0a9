//! Verified identity (`[identity]` in `site.toml`): the host's `hash` of the customer's id on
//! handoffs and conversation calls, and the verified customer's list of conversations.

mod fixture;

use axum::http::StatusCode;
use baton_core::TicketRef;
use fixture::{Setup, TestApp, handoff};
use serde_json::{Value, json};

/// Cargo sets `CARGO_PKG_NAME` for the test process, so the secret is a variable that is set
/// without the test changing its own environment.
const SECRET_ENV: &str = "CARGO_PKG_NAME";
const SECRET: &str = env!("CARGO_PKG_NAME");

const OPTIONAL: &str = "\n[identity]\nsecret_env = \"CARGO_PKG_NAME\"\n";
const REQUIRED: &str = "\n[identity]\nsecret_env = \"CARGO_PKG_NAME\"\nrequired = true\n";

fn hash(id: &str) -> String {
    baton_server::identity::expected_hash(SECRET.as_bytes(), id)
}

async fn app(site_toml: &'static str) -> TestApp {
    assert_eq!(std::env::var(SECRET_ENV).as_deref(), Ok(SECRET));
    TestApp::start_with(Setup {
        site_toml: Some(site_toml),
        ..Setup::default()
    })
    .await
}

fn with_identity(message: &str, identity: Value) -> String {
    let mut body = handoff(message);
    body["identity"] = identity;
    body.to_string()
}

async fn transcript_identity(app: &TestApp, reference: &str) -> Value {
    let reference: TicketRef = reference.parse().expect("reference");
    let ticket = app
        .storage
        .ticket_by_reference(&reference)
        .await
        .expect("read")
        .expect("ticket");
    let transcript: Value = serde_json::from_str(&ticket.transcript_json).expect("transcript");
    transcript["identity"].clone()
}

async fn list(app: &TestApp, id: Option<&str>, hash: Option<&str>) -> fixture::Answer {
    let mut headers = Vec::new();
    if let Some(id) = id {
        headers.push(("baton-identity-id", id));
    }
    if let Some(hash) = hash {
        headers.push(("baton-identity-hash", hash));
    }
    app.get_with("/api/v1/conversations?site=acme", &headers)
        .await
}

#[tokio::test]
async fn right_hash_marks_the_identity_verified() {
    let app = app(OPTIONAL).await;
    let answer = app
        .post_handoff(
            with_identity(
                "help",
                json!({"id": "user-42", "name": "Ada", "hash": hash("user-42")}),
            ),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let reference = answer.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    let identity = transcript_identity(&app, &reference).await;
    assert_eq!(identity["id"], "user-42");
    assert_eq!(identity["verified"], true);
    assert!(identity.get("hash").is_none());
}

#[tokio::test]
async fn wrong_hash_is_rejected_and_stores_nothing() {
    let app = app(OPTIONAL).await;
    let answer = app
        .post_handoff(
            with_identity("help", json!({"id": "user-42", "hash": hash("user-43")})),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.error_code(), "identity_rejected");
    assert_eq!(app.storage.ticket_count().await.expect("count"), 0);
}

#[tokio::test]
async fn without_a_hash_an_optional_identity_stays_a_claim() {
    let app = app(OPTIONAL).await;
    let answer = app
        .post_handoff(with_identity("help", json!({"id": "user-42"})), None)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let reference = answer.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    assert_eq!(
        transcript_identity(&app, &reference).await["verified"],
        false
    );
    // A claimed id lists nothing, even with that id's right hash.
    let listed = list(&app, Some("user-42"), Some(&hash("user-42"))).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()["conversations"], json!([]));
}

#[tokio::test]
async fn required_verification_rejects_a_missing_hash() {
    let app = app(REQUIRED).await;
    for identity in [json!({"id": "user-42"}), Value::Null] {
        let answer = app
            .post_handoff(with_identity("help", identity), None)
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{:?}", answer.body);
        assert_eq!(answer.error_code(), "identity_rejected");
    }
    let answer = app
        .post_handoff(
            with_identity("help", json!({"id": "user-42", "hash": hash("user-42")})),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_verified_customer_lists_only_their_own_conversations() {
    let app = app(OPTIONAL).await;
    let mut mine = Vec::new();
    for (id, message) in [
        ("user-42", "first"),
        ("user-7", "other"),
        ("user-42", "second"),
    ] {
        let answer = app
            .post_handoff(
                with_identity(message, json!({"id": id, "hash": hash(id)})),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
        if id == "user-42" {
            mine.push(answer.json()["reference"].as_str().expect("ref").to_owned());
        }
    }
    let listed = list(&app, Some("user-42"), Some(&hash("user-42"))).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let conversations = listed.json()["conversations"].clone();
    let references: Vec<&str> = conversations
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["reference"].as_str().expect("reference"))
        .collect();
    mine.reverse();
    assert_eq!(references, mine, "newest first, only user-42's");
    let first = &conversations[0];
    assert_eq!(first["status"], "open");
    let bearer = format!(
        "Bearer {}",
        first["conversation_token"].as_str().expect("token")
    );
    let opened = app
        .get_with(
            &format!(
                "/api/v1/conversations/{}",
                first["reference"].as_str().expect("ref")
            ),
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK);

    // Another id's hash, no hash, no identity: nothing.
    for (id, given) in [
        (Some("user-42"), Some(hash("user-7"))),
        (Some("user-42"), None),
        (None, None),
    ] {
        let refused = list(&app, id, given.as_deref()).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(refused.error_code(), "identity_rejected");
    }
}

#[tokio::test]
async fn conversation_calls_with_a_wrong_identity_hash_are_rejected() {
    let app = app(OPTIONAL).await;
    let answer = app.post_handoff(handoff("help").to_string(), None).await;
    let json = answer.json();
    let reference = json["reference"].as_str().expect("ref");
    let bearer = format!(
        "Bearer {}",
        json["conversation_token"].as_str().expect("token")
    );
    let uri = format!("/api/v1/conversations/{reference}");
    let wrong = hash("someone-else");
    let refused = app
        .get_with(
            &uri,
            &[
                ("authorization", bearer.as_str()),
                ("baton-identity-id", "user-42"),
                ("baton-identity-hash", wrong.as_str()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.error_code(), "identity_rejected");
    let right = hash("user-42");
    let opened = app
        .get_with(
            &uri,
            &[
                ("authorization", bearer.as_str()),
                ("baton-identity-id", "user-42"),
                ("baton-identity-hash", right.as_str()),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK);
}
