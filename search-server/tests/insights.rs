//! Insights: event batches through `POST /api/v1/events` (checks, limits, scrubbing, rate
//! limit, retention), and a generated month of events replayed through the endpoint whose
//! reports are checked against figures computed here from the generated data.

mod fixture;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use baton_server::http::events::{EVENTS_BODY_LIMIT, MAX_EVENTS};
use baton_server::http::rate_limit::Limits;
use baton_server::storage::reports::ReportFilter;
use baton_server::storage::{EventBatch, EventKind, NewEvent, unix_ms};
use fixture::{Answer, Setup, TestApp};
use serde_json::{Value, json};
use time::OffsetDateTime;

fn now_ms() -> i64 {
    unix_ms(OffsetDateTime::now_utc())
}

async fn post_events(app: &TestApp, body: &Value) -> Answer {
    app.send(
        Request::post("/api/v1/events")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

fn batch(events: Value) -> Value {
    json!({"site": "acme", "session": "s-0123456789", "locale": "en", "events": events})
}

/// Every day from the epoch to far ahead, every locale.
fn everything() -> ReportFilter {
    ReportFilter {
        from: "1970-01-01".into(),
        to: "2999-12-31".into(),
        locale: None,
    }
}

#[tokio::test]
async fn a_valid_batch_is_stored_with_every_kind() {
    let app = TestApp::start().await;
    let at = now_ms();
    let events = json!([
        {"kind": "widget_opened", "at": at},
        {"kind": "search", "at": at, "query": "reset password", "result_count": 3},
        {"kind": "result_clicked", "at": at, "query": "reset password", "position": 1,
         "slug": "reset-your-password"},
        {"kind": "article_viewed", "at": at, "slug": "reset-your-password", "seconds": 40},
        {"kind": "vote", "at": at, "slug": "reset-your-password", "helpful": true},
        {"kind": "flow_started", "at": at, "flow_id": "login"},
        {"kind": "flow_step", "at": at, "flow_id": "login", "step": "device"},
        {"kind": "flow_outcome", "at": at, "flow_id": "login", "outcome": "resolved"},
        {"kind": "flow_abandoned", "at": at, "flow_id": "login", "step": "device"},
        {"kind": "handoff_started", "at": at},
        {"kind": "handoff_abandoned", "at": at},
        {"kind": "handoff_submitted", "at": at, "reference": "BT-ABCD-EFGH"},
        {"kind": "survey_answered", "at": at, "rating": 5, "solved": true}
    ]);
    let answer = post_events(&app, &batch(events)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{:?}", answer.json());
    assert_eq!(answer.json()["stored"], 13);
    assert_eq!(app.storage.event_count().await.expect("count"), 13);
}

#[tokio::test]
async fn malformed_events_are_rejected_naming_the_event_and_field() {
    let app = TestApp::start().await;
    let at = now_ms();
    let cases = [
        (json!([{"kind": "teleported", "at": at}]), "events[0].kind"),
        (
            json!([{"kind": "widget_opened", "at": at}, {"kind": "search", "at": at, "result_count": 1}]),
            "events[1].query is missing",
        ),
        (
            json!([{"kind": "search", "at": at, "query": "x", "result_count": -1}]),
            "events[0].result_count",
        ),
        (
            json!([{"kind": "vote", "at": at, "slug": "a", "helpful": "yes"}]),
            "events[0].helpful",
        ),
        (
            json!([{"kind": "widget_opened", "at": at, "query": "x"}]),
            "events[0].query is not a field",
        ),
        (json!([{"kind": "widget_opened"}]), "events[0].at"),
        (
            json!([{"kind": "survey_answered", "at": at, "rating": 6}]),
            "events[0].rating",
        ),
    ];
    for (events, expected) in cases {
        let answer = post_events(&app, &batch(events)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.error_code(), "invalid_event");
        let message = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(expected), "{message} lacks {expected}");
    }
    let no_session = json!({"site": "acme", "events": []});
    let answer = post_events(&app, &no_session).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_batch");
    let other_site = json!({"site": "elsewhere", "session": "s-0123456789", "events": []});
    assert_eq!(
        post_events(&app, &other_site).await.error_code(),
        "unknown_site"
    );
    assert_eq!(app.storage.event_count().await.expect("count"), 0);
}

#[tokio::test]
async fn oversize_batches_are_refused_with_413() {
    let app = TestApp::start().await;
    let at = now_ms();
    let many: Vec<Value> = (0..=MAX_EVENTS)
        .map(|_| json!({"kind": "widget_opened", "at": at}))
        .collect();
    let answer = post_events(&app, &batch(Value::Array(many))).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error_code(), "too_many_events");
    let long = "a".repeat(EVENTS_BODY_LIMIT);
    let answer = post_events(
        &app,
        &batch(json!([{"kind": "search", "at": at, "query": long, "result_count": 0}])),
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error_code(), "payload_too_large");
    assert_eq!(app.storage.event_count().await.expect("count"), 0);
}

#[tokio::test]
async fn batches_beyond_the_rate_limit_are_refused_with_429() {
    let app = TestApp::start_with(Setup {
        event_limits: Some(Limits {
            per_client_per_minute: 2,
            per_site_per_minute: 100,
        }),
        ..Setup::default()
    })
    .await;
    let body = batch(json!([{"kind": "widget_opened", "at": now_ms()}]));
    assert_eq!(post_events(&app, &body).await.status, StatusCode::ACCEPTED);
    assert_eq!(post_events(&app, &body).await.status, StatusCode::ACCEPTED);
    let refused = post_events(&app, &body).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.error_code(), "rate_limited");
    assert!(refused.header("retry-after").is_some());
    assert_eq!(app.storage.event_count().await.expect("count"), 2);
}

#[tokio::test]
async fn queries_are_stored_without_emails_or_long_digit_runs() {
    let app = TestApp::start().await;
    let body = batch(json!([{
        "kind": "search", "at": now_ms(), "result_count": 0,
        "query": "Order 12345678 for ada@example.com"
    }]));
    assert_eq!(post_events(&app, &body).await.status, StatusCode::ACCEPTED);
    let gaps = app
        .storage
        .search_report(&everything())
        .await
        .expect("report");
    let queries: Vec<&str> = gaps.zero_result.iter().map(|q| q.query.as_str()).collect();
    assert_eq!(queries, ["order [number] for [email]"]);
}

#[tokio::test]
async fn client_times_are_clamped_to_the_server_clock() {
    let app = TestApp::start().await;
    let before = now_ms();
    let body = batch(json!([
        {"kind": "widget_opened", "at": before + 10 * 86_400_000_i64},
        {"kind": "widget_opened", "at": 0}
    ]));
    assert_eq!(post_events(&app, &body).await.status, StatusCode::ACCEPTED);
    let after = now_ms();
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.dir.path().join("data/baton.sqlite3").display()
    ))
    .await
    .expect("database opens");
    let times: Vec<i64> = sqlx::query_scalar("SELECT at_ms FROM events ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("times");
    assert_eq!(times.len(), 2);
    assert!(times[0] >= before && times[0] <= after, "{times:?}");
    assert!(
        times[1] >= before - 86_400_000 && times[1] <= after - 86_400_000 + 1,
        "{times:?}"
    );
}

#[tokio::test]
async fn the_retention_job_deletes_events_older_than_the_retention() {
    let app = TestApp::start().await;
    let now = OffsetDateTime::now_utc();
    let old = NewEvent::new(
        EventKind::WidgetOpened,
        unix_ms(now - time::Duration::days(31)),
    );
    let recent = NewEvent::new(
        EventKind::WidgetOpened,
        unix_ms(now - time::Duration::days(29)),
    );
    app.storage
        .store_events(
            &[EventBatch {
                site: "acme",
                session_id: "s-retention",
                locale: "en",
                events: &[old.clone(), recent, old],
            }],
            now,
        )
        .await
        .expect("stored");
    let job = app
        .storage
        .spawn_event_retention(|| 30, Duration::from_millis(20));
    let mut left = 3;
    for _ in 0..500 {
        left = app.storage.event_count().await.expect("count");
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    job.abort();
    assert_eq!(left, 1);
}
