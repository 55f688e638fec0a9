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

async fn post_as(app: &TestApp, content_type: &str, body: String) -> Answer {
    app.send(
        Request::post("/api/v1/events")
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

/// `navigator.sendBeacon` sends a string as `text/plain;charset=UTF-8` (a cross-origin
/// `application/json` beacon would need a preflight the browser refuses).
#[tokio::test]
async fn a_batch_sent_as_text_plain_is_checked_and_stored_like_json() {
    let app = TestApp::start().await;
    let at = now_ms();
    let good = batch(json!([
        {"kind": "search", "at": at, "query": "wifi drops", "result_count": 0},
        {"kind": "widget_opened", "at": at}
    ]));
    let answer = post_as(&app, "text/plain;charset=UTF-8", good.to_string()).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{:?}", answer.json());
    assert_eq!(answer.json()["stored"], 2);

    let bad = batch(json!([{"kind": "search", "at": at, "result_count": 0}]));
    let answer = post_as(&app, "text/plain", bad.to_string()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_event");
    let answer = post_as(&app, "text/plain;charset=UTF-8", "{\"site\": ".into()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_json");
    let answer = post_as(&app, "text/csv", good.to_string()).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(answer.error_code(), "unsupported_media_type");
    let huge = "x".repeat(EVENTS_BODY_LIMIT + 1);
    let answer = post_as(&app, "text/plain", huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error_code(), "payload_too_large");
    assert_eq!(app.storage.event_count().await.expect("count"), 2);
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

// ---- The replayed month ----

use std::collections::{BTreeMap, BTreeSet, HashMap};

use baton_core::api::HandoffRequest;
use baton_server::storage::reports::{
    ArticleFigures, Csat, FlowFunnel, FunnelStep, NO_TOPIC, QueryFigures, READ_SECONDS,
    SATISFIED_RATING, SearchDay, SlaTier, TOP_ROWS, Tally, UNASSIGNED,
};
use baton_server::storage::{
    MessageAuthor, NewHandoff, NewSatisfaction, SatisfactionOutcome, TicketStatus, day_of,
    fingerprint,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Queries and how many results each finds (0: a content gap).
const QUERIES: &[(&str, i64)] = &[
    ("reset password", 4),
    ("invoice", 3),
    ("refund", 5),
    ("cancel subscription", 2),
    ("change email", 3),
    ("two factor", 2),
    ("shipping time", 4),
    ("api rate limit", 1),
    ("export data", 2),
    ("delete account", 3),
    ("warp drive", 0),
    ("sso with okta", 0),
    ("dark mode", 0),
    ("bulk import csv", 0),
    ("gift cards", 0),
    ("vat number", 1),
    ("team seats", 2),
    ("mobile app", 1),
    ("webhooks retry", 1),
    ("language settings", 2),
    ("invoice address", 1),
    ("student discount", 0),
];
const SLUGS: &[&str] = &[
    "reset-your-password",
    "invoices",
    "refunds",
    "cancel",
    "change-email",
    "two-factor",
    "shipping",
    "api-limits",
];
/// Flow id and its steps in order.
const FLOWS: &[(&str, &[&str])] = &[
    ("login", &["device", "error", "browser"]),
    ("billing", &["plan", "card"]),
    ("shipping", &["order", "carrier", "address", "wait"]),
];
const SESSIONS: usize = 4_000;
/// November 2026: the month replayed.
const FIRST_DAY_MS: i64 = 1_793_491_200_000;
const DAY_MS: i64 = 86_400_000;

struct Session {
    id: String,
    locale: &'static str,
    events: Vec<NewEvent>,
}

fn ev(kind: EventKind, at: &mut i64, rng: &mut StdRng) -> NewEvent {
    *at += rng.random_range(1_000..60_000);
    NewEvent::new(kind, *at)
}

/// A deterministic month of sessions; `references` are tickets a survey may be about, and
/// the first handoffs submitted are theirs (in order).
fn generate(references: &[String]) -> Vec<Session> {
    let mut rng = StdRng::seed_from_u64(20_261_101);
    let mut sessions = Vec::with_capacity(SESSIONS);
    let mut handed = 0;
    for n in 0..SESSIONS {
        let day = rng.random_range(0..30);
        let mut at = FIRST_DAY_MS + day * DAY_MS + rng.random_range(0..DAY_MS - 4 * 3_600_000);
        let locale = if rng.random_bool(0.7) { "en" } else { "de" };
        let mut events = vec![ev(EventKind::WidgetOpened, &mut at, &mut rng)];
        let mut read_any = false;
        if rng.random_bool(0.8) {
            for _ in 0..rng.random_range(1..=3) {
                let (query, results) = QUERIES[rng.random_range(0..QUERIES.len())];
                let mut search = ev(EventKind::Search, &mut at, &mut rng);
                search.query = Some(query.to_owned());
                search.result_count = Some(results);
                events.push(search);
                if results > 0 && rng.random_bool(0.55) {
                    let slug = SLUGS[rng.random_range(0..SLUGS.len())];
                    let mut click = ev(EventKind::ResultClicked, &mut at, &mut rng);
                    click.query = Some(query.to_owned());
                    click.position = Some(rng.random_range(1..=results));
                    click.slug = Some(slug.to_owned());
                    events.push(click);
                    let mut view = ev(EventKind::ArticleViewed, &mut at, &mut rng);
                    view.slug = Some(slug.to_owned());
                    view.seconds = Some(rng.random_range(0..120));
                    read_any = true;
                    events.push(view);
                    if rng.random_bool(0.3) {
                        let mut vote = ev(EventKind::Vote, &mut at, &mut rng);
                        vote.slug = Some(slug.to_owned());
                        vote.helpful =
                            Some(rng.random_bool(if slug == "refunds" { 0.2 } else { 0.7 }));
                        events.push(vote);
                    }
                }
            }
        }
        let mut flow_used = None;
        if rng.random_bool(if read_any { 0.1 } else { 0.3 }) {
            let (flow, steps) = FLOWS[rng.random_range(0..FLOWS.len())];
            flow_used = Some(flow);
            let mut start = ev(EventKind::FlowStarted, &mut at, &mut rng);
            start.flow_id = Some(flow.to_owned());
            events.push(start);
            let mut finished = true;
            for step in steps {
                let mut s = ev(EventKind::FlowStep, &mut at, &mut rng);
                s.flow_id = Some(flow.to_owned());
                s.step = Some((*step).to_owned());
                events.push(s);
                if rng.random_bool(0.15) {
                    let mut left = ev(EventKind::FlowAbandoned, &mut at, &mut rng);
                    left.flow_id = Some(flow.to_owned());
                    left.step = Some((*step).to_owned());
                    events.push(left);
                    finished = false;
                    break;
                }
            }
            if finished {
                let mut outcome = ev(EventKind::FlowOutcome, &mut at, &mut rng);
                outcome.flow_id = Some(flow.to_owned());
                outcome.outcome = Some(
                    if rng.random_bool(0.6) {
                        "resolved"
                    } else {
                        "escalate"
                    }
                    .to_owned(),
                );
                events.push(outcome);
            }
        }
        if rng.random_bool(0.15) {
            events.push(ev(EventKind::HandoffStarted, &mut at, &mut rng));
            if rng.random_bool(0.75) {
                let mut sent = ev(EventKind::HandoffSubmitted, &mut at, &mut rng);
                sent.reference = Some(
                    references
                        .get(handed)
                        .cloned()
                        .unwrap_or_else(|| format!("BT-{n:04}")),
                );
                handed += 1;
                events.push(sent);
            } else {
                events.push(ev(EventKind::HandoffAbandoned, &mut at, &mut rng));
            }
        }
        if rng.random_bool(0.12) {
            let mut survey = ev(EventKind::SurveyAnswered, &mut at, &mut rng);
            survey.rating = Some(rng.random_range(1..=5));
            survey.solved = Some(rng.random_bool(0.5));
            survey.flow_id = flow_used.map(str::to_owned);
            if rng.random_bool(0.3) {
                survey.reference = Some(references[rng.random_range(0..references.len())].clone());
            }
            events.push(survey);
        }
        sessions.push(Session {
            id: format!("sess-{n:05}"),
            locale,
            events,
        });
    }
    sessions
}

/// The events in the filter's scope, with their session.
fn in_scope<'a>(
    sessions: &'a [Session],
    filter: &'a ReportFilter,
    kind: EventKind,
) -> impl Iterator<Item = (&'a Session, &'a NewEvent)> + 'a {
    sessions
        .iter()
        .filter(|s| filter.locale.as_deref().is_none_or(|l| l == s.locale))
        .flat_map(|s| s.events.iter().map(move |e| (s, e)))
        .filter(move |(_, e)| {
            let day = day_of(e.at_ms);
            e.kind == kind && day >= filter.from && day <= filter.to
        })
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

fn sorted_top<T: Clone>(
    mut list: Vec<T>,
    key: impl Fn(&T) -> (std::cmp::Reverse<u64>, String),
) -> Vec<T> {
    list.sort_by_key(|t| key(t));
    list.truncate(TOP_ROWS);
    list
}

fn tallies(counts: BTreeMap<String, u64>) -> Vec<Tally> {
    sorted_top(
        counts
            .into_iter()
            .map(|(key, count)| Tally { key, count })
            .collect(),
        |t| (std::cmp::Reverse(t.count), t.key.clone()),
    )
}

fn has(session: &Session, kind: EventKind, also: impl Fn(&NewEvent) -> bool) -> bool {
    session.events.iter().any(|e| e.kind == kind && also(e))
}

/// The last event of `kind` at or before `at` in the session.
fn last_before(session: &Session, kind: EventKind, at: i64) -> Option<&NewEvent> {
    session
        .events
        .iter()
        .filter(|e| e.kind == kind && e.at_ms <= at)
        .max_by_key(|e| e.at_ms)
}

async fn check_searches(app: &TestApp, sessions: &[Session], filter: &ReportFilter) {
    let report = app.storage.search_report(filter).await.expect("searches");
    let mut groups: BTreeMap<String, (QueryFigures, BTreeSet<String>)> = BTreeMap::new();
    let mut days: BTreeMap<String, SearchDay> = BTreeMap::new();
    for (s, e) in in_scope(sessions, filter, EventKind::Search) {
        let query = e.query.clone().expect("query");
        let results = e.result_count.expect("count");
        let clicked = results > 0
            && has(s, EventKind::ResultClicked, |c| {
                c.query.as_deref() == Some(&query)
            });
        let (g, who) = groups.entry(query.clone()).or_insert_with(|| {
            (
                QueryFigures {
                    query: query.clone(),
                    searches: 0,
                    sessions: 0,
                    zero_result_searches: 0,
                    searches_with_results: 0,
                    clicked_searches: 0,
                },
                BTreeSet::new(),
            )
        });
        g.searches += 1;
        who.insert(s.id.clone());
        g.sessions = who.len() as u64;
        g.zero_result_searches += u64::from(results == 0);
        g.searches_with_results += u64::from(results > 0);
        g.clicked_searches += u64::from(clicked);
        let day = day_of(e.at_ms);
        let d = days.entry(day.clone()).or_insert(SearchDay {
            day,
            searches: 0,
            zero_result_searches: 0,
            clicked_searches: 0,
        });
        d.searches += 1;
        d.zero_result_searches += u64::from(results == 0);
        d.clicked_searches += u64::from(clicked);
    }
    let all: Vec<QueryFigures> = groups.into_values().map(|(g, _)| g).collect();
    let with_results: u64 = all.iter().map(|q| q.searches_with_results).sum();
    let clicked: u64 = all.iter().map(|q| q.clicked_searches).sum();
    assert_eq!(report.searches, all.iter().map(|q| q.searches).sum::<u64>());
    assert_eq!(report.searches_with_results, with_results);
    assert_eq!(report.clicked_searches, clicked);
    assert!(close(
        report.click_through_rate,
        ratio(clicked, with_results)
    ));
    let positions: Vec<i64> = in_scope(sessions, filter, EventKind::ResultClicked)
        .map(|(_, e)| e.position.expect("position"))
        .collect();
    let mean = (!positions.is_empty())
        .then(|| positions.iter().sum::<i64>() as f64 / positions.len() as f64);
    assert!(
        close(report.mean_clicked_position, mean),
        "{:?} {mean:?}",
        report.mean_clicked_position
    );
    let top = |by: fn(&QueryFigures) -> u64, keep: fn(&QueryFigures) -> bool| {
        sorted_top(all.iter().filter(|q| keep(q)).cloned().collect(), |q| {
            (std::cmp::Reverse(by(q)), q.query.clone())
        })
    };
    assert_eq!(report.top, top(|q| q.searches, |_| true));
    assert_eq!(
        report.zero_result,
        top(|q| q.zero_result_searches, |q| q.zero_result_searches > 0)
    );
    assert_eq!(
        report.no_click,
        top(
            |q| q.searches_with_results,
            |q| q.searches_with_results > 0 && q.clicked_searches == 0
        )
    );
    assert!(!report.zero_result.is_empty());
    assert_eq!(report.by_day, days.into_values().collect::<Vec<_>>());
}

async fn check_self_service(app: &TestApp, sessions: &[Session], filter: &ReportFilter) {
    let report = app
        .storage
        .self_service_report(filter)
        .await
        .expect("self-service");
    let mut considered: BTreeSet<&str> = BTreeSet::new();
    for kind in [EventKind::Search, EventKind::FlowStarted] {
        considered.extend(in_scope(sessions, filter, kind).map(|(s, _)| s.id.as_str()));
    }
    let by_id: HashMap<&str, &Session> = sessions.iter().map(|s| (s.id.as_str(), s)).collect();
    let deflected = considered
        .iter()
        .filter(|id| {
            let s = by_id[*id];
            (has(s, EventKind::ArticleViewed, |e| {
                e.seconds >= Some(READ_SECONDS)
            }) || has(s, EventKind::FlowOutcome, |e| {
                e.outcome.as_deref() == Some("resolved")
            })) && !has(s, EventKind::HandoffSubmitted, |_| true)
        })
        .count() as u64;
    assert_eq!(report.sessions, considered.len() as u64);
    assert_eq!(report.deflected, deflected);
    assert!(close(
        report.deflection_rate,
        ratio(deflected, considered.len() as u64)
    ));
    let handoffs: Vec<(&Session, &NewEvent)> =
        in_scope(sessions, filter, EventKind::HandoffSubmitted).collect();
    assert_eq!(report.handoffs, handoffs.len() as u64);
    let mut by_flow = BTreeMap::new();
    let mut by_article = BTreeMap::new();
    let mut searches = BTreeMap::new();
    for (s, h) in &handoffs {
        let flow = last_before(s, EventKind::FlowStarted, h.at_ms)
            .and_then(|e| e.flow_id.clone())
            .unwrap_or_else(|| NO_TOPIC.to_owned());
        *by_flow.entry(flow).or_insert(0) += 1;
        let article = last_before(s, EventKind::ArticleViewed, h.at_ms)
            .and_then(|e| e.slug.clone())
            .unwrap_or_else(|| NO_TOPIC.to_owned());
        *by_article.entry(article).or_insert(0) += 1;
        let queries: BTreeSet<String> = s
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Search && e.at_ms <= h.at_ms)
            .filter_map(|e| e.query.clone())
            .collect();
        for q in queries {
            *searches.entry(q).or_insert(0) += 1;
        }
    }
    let every = |counts: BTreeMap<String, u64>| {
        let mut list: Vec<Tally> = counts
            .into_iter()
            .map(|(key, count)| Tally { key, count })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        list
    };
    assert_eq!(report.by_flow, every(by_flow));
    assert_eq!(report.by_last_article, every(by_article));
    assert_eq!(report.searches_before_handoff, tallies(searches));
}

async fn check_articles(app: &TestApp, sessions: &[Session], filter: &ReportFilter) {
    let report = app.storage.article_report(filter).await.expect("articles");
    let mut articles: BTreeMap<String, (ArticleFigures, i64)> = BTreeMap::new();
    let blank = |slug: &str| {
        (
            ArticleFigures {
                slug: slug.to_owned(),
                views: 0,
                mean_seconds: None,
                helpful_votes: 0,
                unhelpful_votes: 0,
                helpful_ratio: None,
                before_handoff: 0,
            },
            0,
        )
    };
    for (_, e) in in_scope(sessions, filter, EventKind::ArticleViewed) {
        let slug = e.slug.clone().expect("slug");
        let (a, seconds) = articles.entry(slug.clone()).or_insert_with(|| blank(&slug));
        a.views += 1;
        *seconds += e.seconds.expect("seconds");
    }
    for (_, e) in in_scope(sessions, filter, EventKind::Vote) {
        let slug = e.slug.clone().expect("slug");
        let (a, _) = articles.entry(slug.clone()).or_insert_with(|| blank(&slug));
        if e.helpful == Some(true) {
            a.helpful_votes += 1;
        } else {
            a.unhelpful_votes += 1;
        }
    }
    for (s, h) in in_scope(sessions, filter, EventKind::HandoffSubmitted) {
        let read: BTreeSet<String> = s
            .events
            .iter()
            .filter(|e| e.kind == EventKind::ArticleViewed && e.at_ms <= h.at_ms)
            .filter_map(|e| e.slug.clone())
            .collect();
        for slug in read {
            articles
                .entry(slug.clone())
                .or_insert_with(|| blank(&slug))
                .0
                .before_handoff += 1;
        }
    }
    let mut expected: Vec<ArticleFigures> = articles
        .into_values()
        .map(|(mut a, seconds)| {
            a.mean_seconds = (a.views > 0).then(|| seconds as f64 / a.views as f64);
            a.helpful_ratio = ratio(a.helpful_votes, a.helpful_votes + a.unhelpful_votes);
            a
        })
        .collect();
    expected.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.slug.cmp(&b.slug)));
    assert_eq!(report.len(), expected.len());
    for (got, want) in report.iter().zip(&expected) {
        assert_eq!(
            (
                &got.slug,
                got.views,
                got.helpful_votes,
                got.unhelpful_votes,
                got.before_handoff
            ),
            (
                &want.slug,
                want.views,
                want.helpful_votes,
                want.unhelpful_votes,
                want.before_handoff
            )
        );
        assert!(
            close(got.mean_seconds, want.mean_seconds),
            "{got:?} {want:?}"
        );
        assert!(
            close(got.helpful_ratio, want.helpful_ratio),
            "{got:?} {want:?}"
        );
    }
    let refunds = report
        .iter()
        .find(|a| a.slug == "refunds")
        .expect("refunds read");
    assert!(refunds.helpful_ratio < Some(0.5), "{refunds:?}");
}

async fn check_flows(app: &TestApp, sessions: &[Session], filter: &ReportFilter) {
    let report = app.storage.flow_report(filter).await.expect("flows");
    let distinct = |kind: EventKind, item: fn(&NewEvent) -> String| {
        let mut sets: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
        for (s, e) in in_scope(sessions, filter, kind) {
            sets.entry((e.flow_id.clone().expect("flow"), item(e)))
                .or_default()
                .insert(s.id.as_str());
        }
        sets.into_iter()
            .map(|(k, v)| (k, v.len() as u64))
            .collect::<BTreeMap<_, _>>()
    };
    let started = distinct(EventKind::FlowStarted, |_| String::new());
    let reached = distinct(EventKind::FlowStep, |e| e.step.clone().expect("step"));
    let left = distinct(EventKind::FlowAbandoned, |e| e.step.clone().expect("step"));
    let left_any = distinct(EventKind::FlowAbandoned, |_| String::new());
    let outcomes = distinct(EventKind::FlowOutcome, |e| {
        e.outcome.clone().expect("outcome")
    });
    let expected: Vec<FlowFunnel> = started
        .iter()
        .map(|((flow, _), n)| {
            let mut steps: Vec<FunnelStep> = reached
                .iter()
                .filter(|((f, _), _)| f == flow)
                .map(|((_, step), r)| {
                    let a = left
                        .get(&(flow.clone(), step.clone()))
                        .copied()
                        .unwrap_or(0);
                    FunnelStep {
                        step: step.clone(),
                        reached: *r,
                        abandoned: a,
                        drop_off: ratio(a, *r),
                    }
                })
                .collect();
            steps.sort_by(|a, b| b.reached.cmp(&a.reached).then_with(|| a.step.cmp(&b.step)));
            let mut outs: Vec<Tally> = outcomes
                .iter()
                .filter(|((f, _), _)| f == flow)
                .map(|((_, o), c)| Tally {
                    key: o.clone(),
                    count: *c,
                })
                .collect();
            outs.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
            FlowFunnel {
                flow_id: flow.clone(),
                started: *n,
                steps,
                outcomes: outs,
                abandoned: left_any
                    .get(&(flow.clone(), String::new()))
                    .copied()
                    .unwrap_or(0),
            }
        })
        .collect();
    assert_eq!(report, expected);
    assert_eq!(report.len(), FLOWS.len());
}

/// The flow last started before the handoff that made ticket `reference`.
fn ticket_topic(sessions: &[Session], reference: &str) -> String {
    sessions
        .iter()
        .find_map(|s| {
            let sent = s.events.iter().find(|e| {
                e.kind == EventKind::HandoffSubmitted && e.reference.as_deref() == Some(reference)
            })?;
            Some(
                last_before(s, EventKind::FlowStarted, sent.at_ms)?
                    .flow_id
                    .clone(),
            )
        })
        .flatten()
        .unwrap_or_else(|| NO_TOPIC.into())
}

async fn check_satisfaction(
    app: &TestApp,
    sessions: &[Session],
    filter: &ReportFilter,
    tickets: &Tickets,
) {
    let report = app
        .storage
        .satisfaction_report(filter)
        .await
        .expect("satisfaction");
    let mut groups: [BTreeMap<String, (u64, u64)>; 4] = Default::default();
    let mut add = |rating: i64, day: String, agent: Option<String>, topic: String| {
        let happy = u64::from(rating >= SATISFIED_RATING);
        let keys = [Some("all".to_owned()), Some(day), agent, Some(topic)];
        for (g, key) in keys.into_iter().enumerate() {
            if let Some(key) = key {
                let c = groups[g].entry(key).or_insert((0, 0));
                c.0 += 1;
                c.1 += happy;
            }
        }
    };
    let agent_of = |reference: &str| {
        tickets
            .assignees
            .get(reference)
            .cloned()
            .unwrap_or_else(|| UNASSIGNED.into())
    };
    let answered: BTreeSet<&str> = tickets
        .answers
        .iter()
        .map(|a| a.reference.as_str())
        .collect();
    for (_, e) in in_scope(sessions, filter, EventKind::SurveyAnswered) {
        // An event about a ticket that holds an answer repeats it: counted once, from the ticket.
        if e.reference.as_deref().is_some_and(|r| answered.contains(r)) {
            continue;
        }
        // One about a flow without a ticket repeats a stored flow survey, which counts instead.
        if e.flow_id.is_some() && e.reference.is_none() {
            continue;
        }
        add(
            e.rating.expect("rating"),
            day_of(e.at_ms),
            e.reference.as_deref().map(agent_of),
            e.flow_id.clone().unwrap_or_else(|| NO_TOPIC.into()),
        );
    }
    let mut comments = Vec::new();
    for a in &tickets.answers {
        let in_range =
            a.day.as_str() >= filter.from.as_str() && a.day.as_str() <= filter.to.as_str();
        if !in_range || filter.locale.as_deref().is_some_and(|l| l != a.locale) {
            continue;
        }
        if let Some(rating) = a.rating {
            add(
                rating,
                a.day.clone(),
                Some(agent_of(&a.reference)),
                ticket_topic(sessions, &a.reference),
            );
        }
        if let Some(comment) = &a.comment {
            comments.push((a.created_at.clone(), a.reference.clone(), comment.clone()));
        }
    }
    let csat = |g: &BTreeMap<String, (u64, u64)>| -> Vec<Csat> {
        g.iter()
            .map(|(k, (n, yes))| Csat {
                key: k.clone(),
                answers: *n,
                satisfied: *yes,
                csat: ratio(*yes, *n),
            })
            .collect()
    };
    assert_eq!(vec![report.overall.clone()], csat(&groups[0]));
    assert_eq!(report.by_day, csat(&groups[1]));
    assert_eq!(report.by_agent, csat(&groups[2]));
    assert_eq!(report.by_topic, csat(&groups[3]));
    assert!(report.by_agent.len() >= 2, "{:?}", report.by_agent);
    comments.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    comments.truncate(TOP_ROWS);
    let shown: Vec<(String, String, String)> = report
        .comments
        .iter()
        .map(|c| (c.created_at.clone(), c.about.clone(), c.comment.clone()))
        .collect();
    assert_eq!(shown, comments);
}

/// A customer's answer on a solved ticket, as the test gave it.
struct TicketAnswer {
    reference: String,
    locale: &'static str,
    created_at: String,
    day: String,
    rating: Option<i64>,
    comment: Option<String>,
}

/// The tickets of the month: references, assignees' names, expected SLA rows and the answers
/// customers gave once they were solved.
struct Tickets {
    references: Vec<String>,
    assignees: HashMap<String, String>,
    sla: Vec<SlaTier>,
    answers: Vec<TicketAnswer>,
}

/// Tickets in the month with promises, agents' first replies, and most of them solved and
/// answered by the customer (some not resolved, solved again and answered again).
async fn store_tickets(app: &TestApp) -> Tickets {
    let hash = baton_server::password::hash("correct horse battery").expect("hash");
    let first = OffsetDateTime::from_unix_timestamp(FIRST_DAY_MS / 1000).expect("time");
    let ada = app
        .storage
        .add_agent("ada@example.com", "Ada", &hash, first)
        .await
        .expect("agent");
    let bob = app
        .storage
        .add_agent("bob@example.com", "Bob", &hash, first)
        .await
        .expect("agent");
    let mut rng = StdRng::seed_from_u64(7);
    let mut references = Vec::new();
    let mut assignees = HashMap::new();
    let mut sla: BTreeMap<String, SlaTier> = BTreeMap::new();
    let mut answers = Vec::new();
    for n in 0..60_i64 {
        let locale = if n % 4 == 3 { "de" } else { "en" };
        let created = first + time::Duration::hours(n * 11);
        let urgency = ["high", "normal"][usize::from(n % 3 == 0)];
        let promise = time::Duration::hours(if urgency == "high" { 4 } else { 24 });
        let reply_by = created + promise;
        let request: HandoffRequest =
            serde_json::from_value(fixture::handoff(&format!("ticket {n}"))).expect("request");
        let ticket = app
            .storage
            .store_handoff(&NewHandoff {
                request: &request,
                fingerprint: fingerprint(&request),
                locale,
                idempotency_key: None,
                urgency: Some(urgency.to_owned()),
                reply_by: Some(rfc3339(reply_by)),
                deliveries: Vec::new(),
                verified_identity: None,
                now: created,
            })
            .await
            .expect("ticket")
            .ticket()
            .clone();
        let reference = ticket.reference.as_str().to_owned();
        let id = app
            .storage
            .console_ticket(&reference)
            .await
            .expect("read")
            .expect("ticket")
            .id;
        let row = sla.entry(urgency.to_owned()).or_insert(SlaTier {
            urgency: urgency.to_owned(),
            tickets: 0,
            in_time: 0,
            late: 0,
            unanswered: 0,
            share_in_time: None,
        });
        row.tickets += 1;
        let agent = if n % 2 == 0 { &ada } else { &bob };
        match rng.random_range(0..4) {
            0 => row.unanswered += 1,
            k => {
                let after = if k == 1 {
                    promise + time::Duration::minutes(5)
                } else {
                    promise / 2
                };
                if k == 1 {
                    row.late += 1;
                } else {
                    row.in_time += 1;
                }
                // A note first does not count as a reply.
                app.storage
                    .add_agent_message(id, agent.id, MessageAuthor::Note, "note", None, created)
                    .await
                    .expect("note");
                app.storage
                    .add_agent_message(
                        id,
                        agent.id,
                        MessageAuthor::Agent,
                        "hi",
                        None,
                        created + after,
                    )
                    .await
                    .expect("reply");
            }
        }
        if n % 5 != 4 {
            assert!(
                app.storage
                    .assign_ticket(id, agent.id, Some(agent.id), created)
                    .await
                    .expect("assign")
            );
            assignees.insert(reference.clone(), agent.name.clone());
        }
        if n % 6 != 5 {
            answer_after_solving(
                app,
                &ticket.reference,
                id,
                agent.id,
                created,
                locale,
                &mut rng,
            )
            .await
            .into_iter()
            .for_each(|a| answers.push(a));
        }
        references.push(reference);
    }
    let sla = sla
        .into_values()
        .map(|mut t| {
            t.share_in_time = ratio(t.in_time, t.tickets);
            t
        })
        .collect();
    Tickets {
        references,
        assignees,
        sla,
        answers,
    }
}

/// Solves the ticket a day or two after `created` and answers as its customer; a "not
/// resolved" answer reopens it, and it is solved and answered once more.
async fn answer_after_solving(
    app: &TestApp,
    reference: &baton_core::TicketRef,
    id: i64,
    agent_id: i64,
    created: OffsetDateTime,
    locale: &'static str,
    rng: &mut StdRng,
) -> Vec<TicketAnswer> {
    let token = app.storage.conversation_token(reference);
    let mut at = created + time::Duration::hours(rng.random_range(20..60));
    let mut answers = Vec::new();
    for round in 0..2 {
        assert!(
            app.storage
                .set_ticket_status(id, agent_id, TicketStatus::Solved, at)
                .await
                .expect("solve")
        );
        at += time::Duration::hours(3);
        let resolved = round == 1 || rng.random_bool(0.75);
        let rating = rng.random_bool(0.85).then(|| rng.random_range(1..=5_u8));
        let comment = rng
            .random_bool(0.4)
            .then(|| format!("answer {} round {round}", reference.as_str()));
        let outcome = app
            .storage
            .answer_satisfaction(
                reference,
                &token,
                &NewSatisfaction {
                    resolved,
                    rating,
                    comment: comment.as_deref(),
                },
                at,
            )
            .await
            .expect("answer");
        assert!(
            matches!(outcome, Some(SatisfactionOutcome::Stored(_))),
            "{outcome:?}"
        );
        let created_at = rfc3339(at);
        answers.push(TicketAnswer {
            reference: reference.as_str().to_owned(),
            locale,
            day: created_at[..10].to_owned(),
            created_at,
            rating: rating.map(i64::from),
            comment,
        });
        if resolved {
            break;
        }
        at += time::Duration::hours(5);
    }
    answers
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

#[tokio::test]
async fn a_replayed_month_gives_the_figures_computed_from_its_events() {
    let app = TestApp::start().await;
    let tickets = store_tickets(&app).await;
    let sessions = generate(&tickets.references);
    assert!(tickets.answers.len() > 40, "{}", tickets.answers.len());
    assert!(
        tickets
            .answers
            .iter()
            .any(|a| ticket_topic(&sessions, &a.reference) != NO_TOPIC)
    );
    let events: usize = sessions.iter().map(|s| s.events.len()).sum();
    assert!(events > 15_000, "{events}");
    let batches: Vec<EventBatch<'_>> = sessions
        .iter()
        .flat_map(|s| {
            s.events.chunks(MAX_EVENTS).map(|chunk| EventBatch {
                site: "acme",
                session_id: &s.id,
                locale: s.locale,
                events: chunk,
            })
        })
        .collect();
    let received =
        OffsetDateTime::from_unix_timestamp(FIRST_DAY_MS / 1000 + 31 * 86_400).expect("t");
    app.storage
        .store_events(&batches, received)
        .await
        .expect("stored");
    assert_eq!(
        app.storage.event_count().await.expect("count"),
        events as u64
    );

    let month = ReportFilter {
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        locale: None,
    };
    let german_middle = ReportFilter {
        from: "2026-11-10".into(),
        to: "2026-11-19".into(),
        locale: Some("de".into()),
    };
    for filter in [&month, &german_middle] {
        check_searches(&app, &sessions, filter).await;
        check_self_service(&app, &sessions, filter).await;
        check_articles(&app, &sessions, filter).await;
        check_flows(&app, &sessions, filter).await;
        check_satisfaction(&app, &sessions, filter, &tickets).await;
    }
    assert_eq!(
        app.storage.sla_report(&month).await.expect("sla"),
        tickets.sla
    );
}

#[tokio::test]
async fn report_content_gaps_prints_zero_result_and_no_click_queries_and_unhelpful_articles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = baton_server::storage::Storage::open(dir.path())
        .await
        .expect("storage");
    let now = OffsetDateTime::now_utc();
    let at = unix_ms(now) - 60_000;
    let search = |query: &str, results: i64| {
        let mut e = NewEvent::new(EventKind::Search, at);
        e.query = Some(query.to_owned());
        e.result_count = Some(results);
        e
    };
    let vote = |helpful: bool| {
        let mut e = NewEvent::new(EventKind::Vote, at);
        e.slug = Some("refunds".to_owned());
        e.helpful = Some(helpful);
        e
    };
    let events = [
        search("warp drive", 0),
        search("warp drive", 0),
        search("invoice", 2),
        vote(false),
        vote(false),
        vote(true),
    ];
    let german = [search("lieferzeit", 0)];
    storage
        .store_events(
            &[
                EventBatch {
                    site: "acme",
                    session_id: "s-cli-1",
                    locale: "en",
                    events: &events,
                },
                EventBatch {
                    site: "acme",
                    session_id: "s-cli-2",
                    locale: "de",
                    events: &german,
                },
            ],
            now,
        )
        .await
        .expect("stored");
    storage.close().await;

    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["report", "content-gaps", "--data-dir"])
            .arg(dir.path())
            .args(args)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let text = run(&["--days", "7", "--locale", "en"]);
    assert!(text.contains("  2\twarp drive\n"), "{text}");
    assert!(text.contains("  1\tinvoice\n"), "{text}");
    assert!(text.contains("  33%\t3\trefunds\n"), "{text}");
    assert!(!text.contains("lieferzeit"), "{text}");
    let json: Value = serde_json::from_str(&run(&["--format", "json"])).expect("json");
    let zero: Vec<&str> = json["zero_result"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|q| q["query"].as_str())
        .collect();
    assert_eq!(zero, ["warp drive", "lieferzeit"]);
    assert_eq!(json["unhelpful"][0]["slug"], "refunds");
}

// ---- The console's report pages ----

/// An agent's session cookie, made in storage.
async fn console_cookie(app: &TestApp) -> String {
    let hash = baton_server::password::hash("correct horse battery").expect("hash");
    let now = OffsetDateTime::now_utc();
    let agent = app
        .storage
        .add_agent("editor@example.com", "Eddie", &hash, now)
        .await
        .expect("agent");
    let token = app
        .storage
        .create_agent_session(agent.id, now, time::Duration::hours(1))
        .await
        .expect("session");
    format!("baton_agent={token}")
}

async fn console_get(app: &TestApp, cookie: &str, uri: &str) -> Answer {
    app.send(
        Request::get(uri)
            .header("cookie", cookie)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn report_pages_need_a_session() {
    let app = TestApp::start().await;
    for uri in [
        "/agent/reports",
        "/agent/reports/searches",
        "/agent/reports/searches?format=csv",
        "/agent/reports/sla?format=json",
    ] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            answer
                .header("location")
                .unwrap_or_default()
                .starts_with("/agent/login"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn every_report_page_draws_its_charts_and_tables_and_escapes_queries() {
    let app = TestApp::start().await;
    let cookie = console_cookie(&app).await;
    let hostile = "<script>alert(1)</script>";
    let body = batch(json!([
        {"kind": "search", "at": now_ms(), "query": hostile, "result_count": 0},
        {"kind": "search", "at": now_ms(), "query": "invoice", "result_count": 2},
        {"kind": "flow_started", "at": now_ms(), "flow_id": "login"},
        {"kind": "flow_step", "at": now_ms(), "flow_id": "login", "step": "device"},
        {"kind": "handoff_submitted", "at": now_ms(), "reference": "BT-ABCD-EFGH"}
    ]));
    assert_eq!(post_events(&app, &body).await.status, StatusCode::ACCEPTED);
    let index = console_get(&app, &cookie, "/agent/reports").await;
    assert_eq!(index.status, StatusCode::OK);
    for id in [
        "searches",
        "self-service",
        "articles",
        "flows",
        "satisfaction",
        "sla",
        "content-gaps",
    ] {
        let page = console_get(&app, &cookie, &format!("/agent/reports/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{id}");
        let html = String::from_utf8_lossy(&page.body).into_owned();
        assert!(String::from_utf8_lossy(&index.body).contains(&format!("/agent/reports/{id}")));
        assert!(!html.contains("<script>alert"), "{id}: {html}");
        assert!(html.contains("<table"), "{id}");
        assert!(html.contains("format=csv&amp;table="), "{id}");
        if id != "content-gaps" {
            assert!(html.contains("<svg") && html.contains("<desc"), "{id}");
        }
    }
    let searches = console_get(&app, &cookie, "/agent/reports/searches").await;
    let html = String::from_utf8_lossy(&searches.body).into_owned();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}

#[tokio::test]
async fn report_tables_download_as_quoted_csv_and_reports_as_json() {
    let app = TestApp::start().await;
    let cookie = console_cookie(&app).await;
    let body = batch(json!([
        {"kind": "search", "at": now_ms(), "query": "say \"hi\", then", "result_count": 0},
        {"kind": "search", "at": now_ms(), "query": "=cmd|calc", "result_count": 0}
    ]));
    assert_eq!(post_events(&app, &body).await.status, StatusCode::ACCEPTED);
    let csv = console_get(
        &app,
        &cookie,
        "/agent/reports/searches?format=csv&table=zero-result&from=2000-01-01&to=2999-12-31",
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"baton-searches-zero-result-2000-01-01-2999-12-31.csv\"")
    );
    let text = String::from_utf8_lossy(&csv.body).into_owned();
    assert_eq!(
        text,
        "Query,Searches,Sessions,No results,With results,Clicked\r\n\
         '=cmd|calc,1,1,1,0,0\r\n\
         \"say \"\"hi\"\", then\",1,1,1,0,0\r\n"
    );
    let json = console_get(
        &app,
        &cookie,
        "/agent/reports/searches?format=json&locale=en",
    )
    .await;
    assert_eq!(json.status, StatusCode::OK);
    let report = json.json();
    assert_eq!(report["searches"], 2);
    assert_eq!(report["zero_result"][1]["query"], "say \"hi\", then");
    let german = console_get(
        &app,
        &cookie,
        "/agent/reports/searches?format=json&locale=de",
    )
    .await;
    assert_eq!(german.json()["searches"], 0);
    let bad = console_get(&app, &cookie, "/agent/reports/searches?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = console_get(
        &app,
        &cookie,
        "/agent/reports/searches?format=csv&table=nope",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
