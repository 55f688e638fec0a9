//! The HTTP side of the metrics: timing every request by its route template, and the
//! `GET /metrics` router served on its own listener (`baton serve --metrics-listen`).

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::knowledge::LiveKnowledge;
use crate::storage::Storage;
use crate::telemetry::{self, ProcessStats, Scrape};

/// The route label of a request no route matched (fallbacks): one series, whatever the path.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Middleware: records [`telemetry::HTTP_REQUEST_DURATION`] for every request, labelled with
/// the matched route template (`/api/v1/articles/{slug}`), never the raw path.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED_ROUTE.to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    telemetry::http_request(
        &method,
        route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// What a scrape reads.
#[derive(Clone, Debug)]
pub struct MetricsState {
    pub handle: PrometheusHandle,
    pub storage: Storage,
    pub knowledge: Arc<LiveKnowledge>,
}

/// `GET /metrics` in the Prometheus text format; nothing else. Bind it only where the
/// scraper can reach it: it is not meant for the public.
pub fn router(state: MetricsState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// Folds recorded histogram samples into their buckets every few seconds, so memory stays flat
/// between scrapes (or when nobody scrapes).
pub fn spawn_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    })
}

const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

async fn scrape(State(state): State<MetricsState>) -> Response {
    let outbox = match state.storage.outbox_backlog().await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "metrics cannot read the outbox backlog");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read the outbox backlog: {e}\n"),
            )
                .into_response();
        }
    };
    let knowledge = state.knowledge.current();
    let library = &knowledge.library;
    let documents = library
        .locales()
        .map(|locale| {
            let n = library.articles(locale).count();
            (locale.to_owned(), u64::try_from(n).unwrap_or(u64::MAX))
        })
        .collect();
    let snapshot = Scrape {
        outbox: outbox
            .into_iter()
            .map(|(kind, state, rows)| (kind.as_str().to_owned(), state.as_str().to_owned(), rows))
            .collect(),
        content_version: library.version.clone(),
        documents,
        process: ProcessStats::read(),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        telemetry::render(&state.handle.render(), &snapshot),
    )
        .into_response()
}
