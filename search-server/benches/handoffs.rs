//! Durable handoffs per second on SQLite: `POST /api/v1/handoffs` through the whole router
//! (JSON, validation, redaction, reply-by in support hours), each committed with its ticket,
//! idempotency key and two outbox rows before the answer. Run with
//! `cargo bench -p baton-server --bench handoffs` or `cargo xtask bench handoffs`.
//!
//! Prints one line per setting: `synchronous` FULL (what Baton uses) and NORMAL (for
//! comparison), with 1 and 4 pooled connections, 16 concurrent clients. The database lives
//! under the target directory, on the same disk as a real data directory would.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use baton_server::content::Library;
use baton_server::delivery::DeliveryConfig;
use baton_server::delivery::email::{SmtpConfig, SmtpSecurity};
use baton_server::http::rate_limit::{Limits, RateLimiter};
use baton_server::http::{AppState, HandoffServices, app};
use baton_server::knowledge::{Knowledge, LiveKnowledge};
use baton_server::storage::Storage;
use serde_json::json;
use sqlx::sqlite::SqliteSynchronous;
use tower::ServiceExt as _;

const CLIENTS: usize = 16;

fn body(i: usize) -> String {
    let mut events = vec![json!({"type": "page_view", "at_ms": 1, "url": "/setup"})];
    for n in 0..8 {
        events.push(json!({"type": "search", "at_ms": 2 + n, "query": format!("hub offline {n}"),
            "result_count": 3, "top_results": [{"slug": "hub-offline", "title": "Your hub is offline"}]}));
        events.push(
            json!({"type": "article_opened", "at_ms": 3 + n, "slug": "hub-offline",
            "title": "Your hub is offline", "read_ms": 40_000}),
        );
    }
    json!({
        "site": "demo",
        "name": format!("Customer {i}"),
        "email": format!("customer{i}@example.com"),
        "message": "My hub blinks red since the update; I restarted it twice. Card 4111 1111 1111 1111.",
        "context": {"plan": "plus", "order": format!("NB-{i}")},
        "transcript": {"version": 2, "locale": "en", "events": events}
    })
    .to_string()
}

async fn run(synchronous: SqliteSynchronous, label: &str, pool: u32, total: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let storage = Storage::open_with_synchronous(dir.path(), synchronous, pool)
        .await
        .expect("storage");
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
    let library = Library::load(&content).expect("kb-content loads");
    let delivery = DeliveryConfig {
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: None,
        }),
        webhooks: vec!["http://127.0.0.1:9/hook".into()],
        webhook_secret: Some("secret".into()),
        ..DeliveryConfig::default()
    };
    let state = AppState {
        knowledge: Arc::new(LiveKnowledge::new(
            Knowledge::build(library).expect("index"),
        )),
        storage: storage.clone(),
        widget_dir: dir.path().join("widget"),
        host_page: None,
        handoff: HandoffServices {
            delivery: Arc::new(delivery),
            limiter: Arc::new(RateLimiter::new(Limits {
                per_client_per_minute: u32::MAX / 2,
                per_site_per_minute: u32::MAX / 2,
            })),
        },
        events: Arc::new(RateLimiter::default()),
    };
    let router = app(state);
    let bodies: Vec<String> = (0..total).map(body).collect();
    let bodies = Arc::new(bodies);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let router = router.clone();
        let bodies = Arc::clone(&bodies);
        tasks.push(tokio::spawn(async move {
            for i in (client..bodies.len()).step_by(CLIENTS) {
                let request = Request::post("/api/v1/handoffs")
                    .header("content-type", "application/json")
                    .header("idempotency-key", format!("bench-{i}"))
                    .body(Body::from(bodies[i].clone()))
                    .expect("request");
                let response = router.clone().oneshot(request).await.expect("infallible");
                assert_eq!(response.status(), StatusCode::CREATED);
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    let elapsed = start.elapsed();
    let stored = storage.ticket_count().await.expect("count");
    assert_eq!(stored, total as u64);
    println!(
        "handoffs/{label}/pool={pool}: {total} durable handoffs (ticket + key + 2 outbox rows) \
         by {CLIENTS} clients in {:.2} s = {:.0} handoffs/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    storage.close().await;
}

fn main() {
    // `cargo test --benches` runs this once with `--test`: keep that quick.
    let quick = std::env::args().any(|a| a == "--test");
    let total = if quick { 64 } else { 4_000 };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        for (synchronous, label) in [
            (SqliteSynchronous::Full, "synchronous=FULL"),
            (SqliteSynchronous::Normal, "synchronous=NORMAL"),
        ] {
            for pool in [1, 4] {
                run(synchronous, label, pool, total).await;
            }
        }
    });
}
