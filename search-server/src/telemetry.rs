//! Prometheus metrics: every metric's name, what records it, and the text `GET /metrics` answers.
//!
//! Events are recorded through the `metrics` facade, which does nothing until
//! [`install_recorder`] installs the Prometheus recorder (`baton serve --metrics-listen`), so
//! tests and commands that never install it pay nothing. What is cheaper to read than to track
//! (the outbox backlog, the published index, the process) is read on each scrape
//! ([`Scrape`]) and rendered after the recorder's own metrics.
//!
//! Labels only ever hold bounded values: methods, route templates (never raw paths), status
//! classes, locales of the site, outbox kinds and states, event rejection codes.

use std::fmt::Write as _;
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// HTTP requests: `method`, `route` (the matched route template, or `unmatched`), `status`
/// (`2xx` … `5xx`). Time until the response headers.
pub const HTTP_REQUEST_DURATION: &str = "baton_http_request_duration_seconds";
/// `GET /api/v1/search`: time in the index (articles and flows), by `locale`.
pub const SEARCH_DURATION: &str = "baton_search_duration_seconds";
/// `GET /api/v1/search`: how many articles matched, by `locale`.
pub const SEARCH_RESULTS: &str = "baton_search_results";
/// New tickets (a replayed idempotency key does not count).
pub const HANDOFFS_CREATED: &str = "baton_handoffs_created_total";
/// Delivery attempts of outbox rows, by `kind` and `outcome` (`delivered`, `failed`).
pub const DELIVERY_ATTEMPTS: &str = "baton_delivery_attempts_total";
/// Outbox rows that failed their last allowed attempt, by `kind`.
pub const DELIVERIES_DEAD: &str = "baton_deliveries_dead_total";
/// Outbox rows waiting (`pending`) or given up (`dead`), by `kind` and `state`; read on scrape.
pub const OUTBOX_ROWS: &str = "baton_outbox_rows";
/// Search index builds (start, publish, rollback, reload).
pub const INDEX_BUILDS: &str = "baton_index_builds_total";
/// How long the last index build took.
pub const INDEX_BUILD_SECONDS: &str = "baton_index_build_seconds";
/// Always 1, with the served content `version` as a label; read on scrape.
pub const INDEX_INFO: &str = "baton_index_info";
/// Articles in the served index, by `locale`; read on scrape.
pub const INDEX_DOCUMENTS: &str = "baton_index_documents";
/// Server-Sent Event streams open now (agent consoles following the inbox, customers'
/// widgets following their conversation).
pub const SSE_STREAMS_OPEN: &str = "baton_sse_streams_open";
/// Widget events stored by `POST /api/v1/events`.
pub const EVENTS_INGESTED: &str = "baton_events_ingested_total";
/// Event batches refused by `POST /api/v1/events`, by `reason` (the error code).
pub const EVENT_BATCHES_REJECTED: &str = "baton_event_batches_rejected_total";
/// Resident memory of the process, from `/proc/self/status`; read on scrape.
pub const PROCESS_RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// Open file descriptors of the process, from `/proc/self/fd`; read on scrape.
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";

/// Every metric `GET /metrics` can answer, for the guide's table (docs/operations.md).
pub const ALL: &[&str] = &[
    HTTP_REQUEST_DURATION,
    SEARCH_DURATION,
    SEARCH_RESULTS,
    HANDOFFS_CREATED,
    DELIVERY_ATTEMPTS,
    DELIVERIES_DEAD,
    OUTBOX_ROWS,
    INDEX_BUILDS,
    INDEX_BUILD_SECONDS,
    INDEX_INFO,
    INDEX_DOCUMENTS,
    SSE_STREAMS_OPEN,
    EVENTS_INGESTED,
    EVENT_BATCHES_REJECTED,
    PROCESS_RESIDENT_MEMORY,
    PROCESS_OPEN_FDS,
];

/// Buckets of the duration histograms, in seconds: 0.5 ms to 10 s.
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Buckets of the search result counts.
const RESULT_BUCKETS: &[f64] = &[0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 500.0, 1000.0];

/// Builds the Prometheus recorder with Baton's buckets and installs it for the whole process.
/// Fails if a recorder is installed already.
pub fn install_recorder() -> Result<PrometheusHandle, BuildError> {
    let handle = builder()?.install_recorder()?;
    describe();
    // Series without labels exist from the start, so a rate over them needs no first event.
    counter!(HANDOFFS_CREATED).increment(0);
    counter!(EVENTS_INGESTED).increment(0);
    gauge!(SSE_STREAMS_OPEN).increment(0.0);
    Ok(handle)
}

/// The recorder's settings, for [`install_recorder`] and for tests with a local recorder.
pub fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("_duration_seconds".to_owned()),
            DURATION_BUCKETS,
        )?
        .set_buckets_for_metric(Matcher::Full(SEARCH_RESULTS.to_owned()), RESULT_BUCKETS)
}

/// Registers the help text of every metric the recorder holds.
pub fn describe() {
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "HTTP requests by method, matched route and status class, until the response headers."
    );
    describe_histogram!(
        SEARCH_DURATION,
        Unit::Seconds,
        "Time in the search index per search request, by locale."
    );
    describe_histogram!(
        SEARCH_RESULTS,
        Unit::Count,
        "Articles matched per search request, by locale."
    );
    describe_counter!(HANDOFFS_CREATED, "Tickets created by handoffs.");
    describe_counter!(
        DELIVERY_ATTEMPTS,
        "Attempts to deliver outbox rows, by kind and outcome."
    );
    describe_counter!(
        DELIVERIES_DEAD,
        "Outbox rows that failed their last allowed attempt, by kind."
    );
    describe_counter!(INDEX_BUILDS, "Search index builds.");
    describe_gauge!(
        INDEX_BUILD_SECONDS,
        Unit::Seconds,
        "How long the last search index build took."
    );
    describe_gauge!(SSE_STREAMS_OPEN, "Server-Sent Event streams open now.");
    describe_counter!(EVENTS_INGESTED, "Widget events stored.");
    describe_counter!(
        EVENT_BATCHES_REJECTED,
        "Widget event batches refused, by reason."
    );
}

/// One HTTP request answered. `route` must be a route template or `unmatched`, never a raw path.
pub fn http_request(method: &str, route: String, status: u16, elapsed: Duration) {
    histogram!(
        HTTP_REQUEST_DURATION,
        "method" => method_label(method),
        "route" => route,
        "status" => status_class(status),
    )
    .record(elapsed.as_secs_f64());
}

/// One search answered in `locale` with `results` matching articles.
pub fn search(locale: &str, results: u64, elapsed: Duration) {
    histogram!(SEARCH_DURATION, "locale" => locale.to_owned()).record(elapsed.as_secs_f64());
    #[allow(clippy::cast_precision_loss)] // result counts are far below 2^52
    histogram!(SEARCH_RESULTS, "locale" => locale.to_owned()).record(results as f64);
}

/// A handoff stored a new ticket.
pub fn handoff_created() {
    counter!(HANDOFFS_CREATED).increment(1);
}

/// One delivery attempt of an outbox row of `kind`; `dead` when it was the last one allowed.
pub fn delivery_attempt(kind: &'static str, delivered: bool, dead: bool) {
    let outcome = if delivered { "delivered" } else { "failed" };
    counter!(DELIVERY_ATTEMPTS, "kind" => kind, "outcome" => outcome).increment(1);
    if dead {
        counter!(DELIVERIES_DEAD, "kind" => kind).increment(1);
    }
}

/// A search index was built in `elapsed`.
pub fn index_built(elapsed: Duration) {
    counter!(INDEX_BUILDS).increment(1);
    gauge!(INDEX_BUILD_SECONDS).set(elapsed.as_secs_f64());
}

/// `n` widget events stored.
pub fn events_ingested(n: usize) {
    counter!(EVENTS_INGESTED).increment(u64::try_from(n).unwrap_or(u64::MAX));
}

/// An event batch refused with the error code `reason`.
pub fn event_batch_rejected(reason: &'static str) {
    counter!(EVENT_BATCHES_REJECTED, "reason" => reason).increment(1);
}

/// Counts an open Server-Sent Event stream for as long as it is alive.
#[derive(Debug)]
pub struct OpenStream(());

impl OpenStream {
    pub fn new() -> OpenStream {
        gauge!(SSE_STREAMS_OPEN).increment(1.0);
        OpenStream(())
    }
}

impl Default for OpenStream {
    fn default() -> Self {
        OpenStream::new()
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(SSE_STREAMS_OPEN).decrement(1.0);
    }
}

/// Methods as labels: the standard ones, anything else as `other`.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// What a scrape reads at the moment it runs.
#[derive(Debug, Default)]
pub struct Scrape {
    /// `(kind, state, rows)` for every kind and for `pending` and `dead`, zeros included.
    pub outbox: Vec<(String, String, u64)>,
    /// The served content version.
    pub content_version: String,
    /// `(locale, articles)` of the served index.
    pub documents: Vec<(String, u64)>,
    pub process: ProcessStats,
}

/// Figures of this process, where the platform gives them cheaply.
#[derive(Debug, Default)]
pub struct ProcessStats {
    pub resident_memory_bytes: Option<u64>,
    pub open_fds: Option<u64>,
}

impl ProcessStats {
    /// Reads `/proc/self`; `None` for what cannot be read (other platforms).
    pub fn read() -> ProcessStats {
        let resident_memory_bytes = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| vm_rss_bytes(&status));
        let open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|entries| u64::try_from(entries.count()).unwrap_or(u64::MAX));
        ProcessStats {
            resident_memory_bytes,
            open_fds,
        }
    }
}

/// `VmRSS` of a `/proc/<pid>/status` text, in bytes.
fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// The whole `/metrics` answer: the recorder's metrics, then what the scrape read.
pub fn render(recorded: &str, scrape: &Scrape) -> String {
    let mut out = String::with_capacity(recorded.len() + 1024);
    out.push_str(recorded);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    family(
        &mut out,
        OUTBOX_ROWS,
        "Outbox rows waiting (pending) or given up (dead), by kind and state.",
    );
    for (kind, state, rows) in &scrape.outbox {
        sample(
            &mut out,
            OUTBOX_ROWS,
            &[("kind", kind), ("state", state)],
            *rows,
        );
    }
    family(
        &mut out,
        INDEX_INFO,
        "Always 1; the label is the served content version.",
    );
    sample(
        &mut out,
        INDEX_INFO,
        &[("version", &scrape.content_version)],
        1,
    );
    family(
        &mut out,
        INDEX_DOCUMENTS,
        "Articles in the served search index, by locale.",
    );
    for (locale, n) in &scrape.documents {
        sample(&mut out, INDEX_DOCUMENTS, &[("locale", locale)], *n);
    }
    if let Some(bytes) = scrape.process.resident_memory_bytes {
        family(
            &mut out,
            PROCESS_RESIDENT_MEMORY,
            "Resident memory size in bytes.",
        );
        sample(&mut out, PROCESS_RESIDENT_MEMORY, &[], bytes);
    }
    if let Some(fds) = scrape.process.open_fds {
        family(
            &mut out,
            PROCESS_OPEN_FDS,
            "Number of open file descriptors.",
        );
        sample(&mut out, PROCESS_OPEN_FDS, &[], fds);
    }
    out
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape_label(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the Prometheus text format wants it.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_labelled_by_method_route_and_status_class() {
        let recorder = builder().expect("builder").build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe();
            http_request(
                "GET",
                "/api/v1/search".to_owned(),
                200,
                Duration::from_millis(3),
            );
            http_request(
                "BREW",
                "unmatched".to_owned(),
                404,
                Duration::from_millis(1),
            );
        });
        let text = handle.render();
        assert!(
            text.contains(
                r#"baton_http_request_duration_seconds_bucket{method="GET",route="/api/v1/search",status="2xx",le="0.005"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"method="other",route="unmatched",status="4xx""#),
            "{text}"
        );
        assert!(
            text.contains("# TYPE baton_http_request_duration_seconds histogram"),
            "{text}"
        );
    }

    #[test]
    fn sse_streams_are_counted_while_open() {
        let recorder = builder().expect("builder").build_recorder();
        let handle = recorder.handle();
        let (while_open, after) = metrics::with_local_recorder(&recorder, || {
            let first = OpenStream::new();
            let second = OpenStream::new();
            drop(first);
            let while_open = handle.render();
            drop(second);
            (while_open, handle.render())
        });
        assert!(
            while_open.contains("baton_sse_streams_open 1"),
            "{while_open}"
        );
        assert!(after.contains("baton_sse_streams_open 0"), "{after}");
    }

    #[test]
    fn scraped_gauges_escape_labels_and_skip_what_the_platform_lacks() {
        let scrape = Scrape {
            outbox: vec![("email".into(), "pending".into(), 3)],
            content_version: "v\"1\\\n".into(),
            documents: vec![("en".into(), 12)],
            process: ProcessStats::default(),
        };
        let text = render("", &scrape);
        assert!(
            text.contains(r#"baton_outbox_rows{kind="email",state="pending"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"baton_index_info{version="v\"1\\\n"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"baton_index_documents{locale="en"} 12"#),
            "{text}"
        );
        assert!(!text.contains("process_"), "{text}");
    }

    #[test]
    fn resident_memory_is_read_from_proc_status() {
        let status = "Name:\tbaton\nVmPeak:\t  9000 kB\nVmRSS:\t   36560 kB\nThreads:\t4\n";
        assert_eq!(vm_rss_bytes(status), Some(36_560 * 1024));
        assert_eq!(vm_rss_bytes("Name:\tbaton\n"), None);
    }
}
