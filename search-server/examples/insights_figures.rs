//! Insights on SQLite at a million events: ingest through `POST /api/v1/events` (in-process,
//! each batch its own durable transaction), then every report over a month of 1,000,000 events.
//! `cargo run --profile server -p baton-server --example insights_figures [EVENTS]`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use baton_server::content::Library;
use baton_server::http::rate_limit::{Limits, RateLimiter};
use baton_server::http::{AppState, app};
use baton_server::knowledge::{Knowledge, LiveKnowledge};
use baton_server::storage::reports::ReportFilter;
use baton_server::storage::{EventBatch, EventKind, NewEvent, Storage, unix_ms};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// Events sent through the endpoint (the rest of the million goes straight to storage).
const HTTP_EVENTS: usize = 100_000;
const CLIENTS: usize = 4;
const DAY_MS: i64 = 86_400_000;

/// One session's events, `at` from `start`.
fn session(rng: &mut StdRng, start: i64) -> Vec<NewEvent> {
    let mut at = start;
    let mut next = |kind: EventKind, rng: &mut StdRng| {
        at += rng.random_range(1_000..30_000);
        NewEvent::new(kind, at)
    };
    let mut events = vec![next(EventKind::WidgetOpened, rng)];
    for _ in 0..rng.random_range(1..=3) {
        let q = rng.random_range(0..500);
        let results = if q % 7 == 0 { 0 } else { 1 + q % 5 };
        let mut s = next(EventKind::Search, rng);
        s.query = Some(format!("query {q}"));
        s.result_count = Some(results);
        events.push(s);
        if results > 0 && rng.random_bool(0.5) {
            let slug = format!("article-{}", q % 80);
            let mut c = next(EventKind::ResultClicked, rng);
            c.query = Some(format!("query {q}"));
            c.position = Some(rng.random_range(1..=results));
            c.slug = Some(slug.clone());
            events.push(c);
            let mut v = next(EventKind::ArticleViewed, rng);
            v.slug = Some(slug.clone());
            v.seconds = Some(rng.random_range(0..120));
            events.push(v);
            if rng.random_bool(0.2) {
                let mut vote = next(EventKind::Vote, rng);
                vote.slug = Some(slug);
                vote.helpful = Some(rng.random_bool(0.7));
                events.push(vote);
            }
        }
    }
    if rng.random_bool(0.2) {
        let flow = format!("flow-{}", rng.random_range(0..6));
        let mut f = next(EventKind::FlowStarted, rng);
        f.flow_id = Some(flow.clone());
        events.push(f);
        for step in 0..rng.random_range(1..4) {
            let mut s = next(EventKind::FlowStep, rng);
            s.flow_id = Some(flow.clone());
            s.step = Some(format!("step-{step}"));
            events.push(s);
        }
        let mut o = next(EventKind::FlowOutcome, rng);
        o.flow_id = Some(flow);
        o.outcome = Some(
            if rng.random_bool(0.6) {
                "resolved"
            } else {
                "escalate"
            }
            .into(),
        );
        events.push(o);
    }
    if rng.random_bool(0.06) {
        events.push(next(EventKind::HandoffStarted, rng));
        let mut h = next(EventKind::HandoffSubmitted, rng);
        h.reference = Some(format!("BT-{}", rng.random_range(0..1_000_000)));
        events.push(h);
    }
    if rng.random_bool(0.05) {
        let mut s = next(EventKind::SurveyAnswered, rng);
        s.rating = Some(rng.random_range(1..=5));
        events.push(s);
    }
    events
}

fn to_json(e: &NewEvent) -> Value {
    let mut v = json!({"kind": e.kind.as_str(), "at": e.at_ms});
    let fields: [(&str, Option<Value>); 12] = [
        ("query", e.query.clone().map(Value::from)),
        ("result_count", e.result_count.map(Value::from)),
        ("position", e.position.map(Value::from)),
        ("slug", e.slug.clone().map(Value::from)),
        ("seconds", e.seconds.map(Value::from)),
        ("helpful", e.helpful.map(Value::from)),
        ("flow_id", e.flow_id.clone().map(Value::from)),
        ("step", e.step.clone().map(Value::from)),
        ("outcome", e.outcome.clone().map(Value::from)),
        ("reference", e.reference.clone().map(Value::from)),
        ("rating", e.rating.map(Value::from)),
        ("solved", e.solved.map(Value::from)),
    ];
    for (k, x) in fields {
        if let Some(x) = x {
            v[k] = x;
        }
    }
    v
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Storage::open(&dir.path().join("data"))
        .await
        .expect("storage");
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/content");
    let library = Library::load(&content).expect("fixture content");
    let router = app(AppState {
        knowledge: Arc::new(LiveKnowledge::new(
            Knowledge::build(library).expect("index"),
        )),
        storage: storage.clone(),
        widget_dir: dir.path().join("widget"),
        host_page: None,
        handoff: Default::default(),
        events: Arc::new(RateLimiter::new(Limits {
            per_client_per_minute: u32::MAX / 2,
            per_site_per_minute: u32::MAX / 2,
        })),
    });
    let mut rng = StdRng::seed_from_u64(1);
    let now = unix_ms(time::OffsetDateTime::now_utc());

    // 1. Through the endpoint: batches of up to 50 events of one session, recent times.
    let mut bodies = Vec::new();
    let mut sent = 0;
    let mut n = 0;
    while sent < HTTP_EVENTS.min(total) {
        let events = session(&mut rng, now - 3_600_000);
        sent += events.len();
        let body = json!({
            "site": "acme", "session": format!("http-{n:08}"), "locale": "en",
            "events": events.iter().map(to_json).collect::<Vec<_>>(),
        });
        bodies.push(body.to_string());
        n += 1;
    }
    let bodies = Arc::new(bodies);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let router = router.clone();
        let bodies = Arc::clone(&bodies);
        tasks.push(tokio::spawn(async move {
            for body in bodies.iter().skip(client).step_by(CLIENTS) {
                let request = Request::post("/api/v1/events")
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .expect("request");
                let answer = router.clone().oneshot(request).await.expect("answer");
                assert_eq!(answer.status(), 202);
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "ingest via POST /api/v1/events: {sent} events in {} batches, {CLIENTS} clients, {took:.2} s = {:.0} events/s, {:.0} batches/s",
        bodies.len(),
        sent as f64 / took,
        bodies.len() as f64 / took
    );

    // 2. The rest of the month straight into storage, 200 sessions per transaction.
    let start = Instant::now();
    let mut stored = sent;
    let first_day = now - 30 * DAY_MS;
    while stored < total {
        let sessions: Vec<(String, &str, Vec<NewEvent>)> = (0..200)
            .map(|i| {
                let at = first_day + rng.random_range(0..29 * DAY_MS);
                let locale = if rng.random_bool(0.7) { "en" } else { "de" };
                (format!("bulk-{stored}-{i}"), locale, session(&mut rng, at))
            })
            .collect();
        let batches: Vec<EventBatch<'_>> = sessions
            .iter()
            .map(|(id, locale, events)| EventBatch {
                site: "acme",
                session_id: id,
                locale,
                events,
            })
            .collect();
        stored += sessions.iter().map(|s| s.2.len()).sum::<usize>();
        storage
            .store_events(&batches, time::OffsetDateTime::now_utc())
            .await
            .expect("stored");
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "bulk fill: {} events in {took:.2} s = {:.0} events/s; {} events stored",
        stored - sent,
        (stored - sent) as f64 / took,
        storage.event_count().await.expect("count")
    );

    // 3. Every report over the month, all locales and one.
    let today = time::OffsetDateTime::now_utc().date();
    for locale in [None, Some("de".to_owned())] {
        let filter = ReportFilter::last_days(31, today, locale.clone());
        let label = locale.unwrap_or_else(|| "all".into());
        let time = |name: &str, start: Instant| {
            println!(
                "report {name} (31 days, locale {label}): {:.0} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
        };
        let s = Instant::now();
        let r = storage.search_report(&filter).await.expect("searches");
        time("searches", s);
        assert!(r.searches > 0);
        let s = Instant::now();
        storage
            .self_service_report(&filter)
            .await
            .expect("self-service");
        time("self-service", s);
        let s = Instant::now();
        storage.article_report(&filter).await.expect("articles");
        time("articles", s);
        let s = Instant::now();
        storage.flow_report(&filter).await.expect("flows");
        time("flows", s);
        let s = Instant::now();
        storage
            .satisfaction_report(&filter)
            .await
            .expect("satisfaction");
        time("satisfaction", s);
        let s = Instant::now();
        storage.sla_report(&filter).await.expect("sla");
        time("sla", s);
        let s = Instant::now();
        storage.content_gaps(&filter).await.expect("content gaps");
        time("content-gaps", s);
    }
    storage.close().await;
}
