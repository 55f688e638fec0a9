//! What an operator relies on, with real `baton serve` processes: the Prometheus endpoint on
//! its own listener, `GET /healthz` and `GET /readyz`, online backups taken during handoffs
//! and restored, and a guide (docs/operations.md) that names every option and metric.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::Value;
use sqlx::Connection as _;
use tempfile::TempDir;

mod fixture;

use fixture::Process;

/// A running `baton serve` on the fixture knowledge base.
struct Baton {
    _process: Process,
    url: String,
    /// `http://ADDR/metrics`, when started with `--metrics-listen`.
    metrics: Option<String>,
}

fn baton_serve(dir: &Path, data_dir: &Path, extra: &[&str]) -> Baton {
    let log = std::fs::File::create(dir.join(format!(
        "baton-{}.log",
        data_dir.file_name().unwrap_or_default().to_string_lossy()
    )))
    .expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--content-dir")
        .arg(fixture::content_dir())
        .arg("--widget-dir")
        .arg(dir.join("no-widget"))
        .args([
            "--handoffs-per-client-per-minute",
            "100000",
            "--handoffs-per-site-per-minute",
            "100000",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("baton starts");
    let stdout = child.stdout.take().expect("stdout");
    let process = Process(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut line = || lines.next().and_then(Result::ok).unwrap_or_default();
    let first = line();
    let url = first
        .strip_prefix("baton listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let metrics = extra.contains(&"--metrics-listen").then(|| {
        let second = line();
        second
            .strip_prefix("baton metrics on ")
            .unwrap_or_else(|| panic!("unexpected second line {second:?}"))
            .to_owned()
    });
    Baton {
        _process: process,
        url,
        metrics,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn get(url: &str) -> (u16, String) {
    let mut response = agent().get(url).call().expect("baton answers");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().expect("text body"),
    )
}

/// Posts a handoff; answers the status and the JSON answer.
fn post_handoff(url: &str, message: &str, key: &str) -> (u16, Value) {
    let mut response = agent()
        .post(format!("{url}/api/v1/handoffs"))
        .header("Idempotency-Key", key)
        .send_json(fixture::handoff(message))
        .expect("baton answers");
    let status = response.status().as_u16();
    (status, response.body_mut().read_json().expect("JSON"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Waits (bounded) until `done`; fails the test naming `what` otherwise.
fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The value of the sample `series` (name and labels exactly as rendered), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[test]
fn metrics_name_routes_not_paths_and_count_searches_handoffs_events_and_the_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A webhook nobody listens to: its outbox row stays pending after a failed attempt.
    let hook = format!("http://127.0.0.1:{}/hook", free_port());
    let baton = baton_serve(
        dir.path(),
        &dir.path().join("data"),
        &[
            "--metrics-listen",
            "127.0.0.1:0",
            "--webhook",
            &hook,
            "--webhook-secret",
            "whsec_test",
        ],
    );
    let metrics = baton.metrics.clone().expect("metrics address");
    let url = &baton.url;

    assert_eq!(get(&format!("{url}/api/v1/search?q=password")).0, 200);
    let (status, _) = post_handoff(url, "I cannot sign in.", "metrics-1");
    assert_eq!(status, 201);
    for path in [
        "/no/such/page-1",
        "/no/such/page-2",
        "/api/v1/articles/missing-1",
        "/api/v1/articles/missing-2",
    ] {
        assert_eq!(get(&format!("{url}{path}")).0, 404, "{path}");
    }
    // Never on the public port.
    assert_eq!(get(&format!("{url}/metrics")).0, 404);
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    for (events, status) in [
        (
            serde_json::json!([{"kind": "widget_opened", "at": at}, {"kind": "handoff_started", "at": at}]),
            202,
        ),
        (serde_json::json!([{"kind": "no_such_kind", "at": at}]), 400),
    ] {
        let response = agent()
            .post(format!("{url}/api/v1/events"))
            .send_json(serde_json::json!({
                "site": "acme", "session": "s-0123456789", "locale": "en", "events": events
            }))
            .expect("baton answers");
        assert_eq!(response.status().as_u16(), status);
    }

    let mut text = String::new();
    wait_for(
        "the failed webhook attempt to be counted",
        Duration::from_secs(30),
        || {
            text = get(&metrics).1;
            // At least one: a slow machine may already have retried.
            sample(
                &text,
                r#"baton_delivery_attempts_total{kind="webhook",outcome="failed"}"#,
            )
            .is_some_and(|n| n >= 1.0)
        },
    );
    let count = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series}\n{text}"));
    assert_eq!(
        count(
            r#"baton_http_request_duration_seconds_count{method="GET",route="/api/v1/search",status="2xx"}"#
        ),
        1.0
    );
    assert_eq!(
        count(
            r#"baton_http_request_duration_seconds_count{method="POST",route="/api/v1/handoffs",status="2xx"}"#
        ),
        1.0
    );
    assert_eq!(
        count(
            r#"baton_http_request_duration_seconds_count{method="GET",route="unmatched",status="4xx"}"#
        ),
        3.0,
        "two unknown pages and /metrics"
    );
    assert_eq!(
        count(
            r#"baton_http_request_duration_seconds_count{method="GET",route="/api/v1/articles/{slug}",status="4xx"}"#
        ),
        2.0
    );
    for raw in ["page-1", "page-2", "missing-1", "missing-2", "/no/such"] {
        assert!(
            !text.contains(raw),
            "a raw path became a label: {raw}\n{text}"
        );
    }
    assert!(text.contains(
        r#"baton_http_request_duration_seconds_bucket{method="GET",route="/api/v1/search",status="2xx",le="10"} 1"#
    ));
    assert_eq!(
        count(r#"baton_search_duration_seconds_count{locale="en"}"#),
        1.0
    );
    assert_eq!(count(r#"baton_search_results_count{locale="en"}"#), 1.0);
    assert!(count(r#"baton_search_results_sum{locale="en"}"#) >= 1.0);
    assert_eq!(count("baton_handoffs_created_total"), 1.0);
    assert_eq!(
        count(r#"baton_outbox_rows{kind="webhook",state="pending"}"#),
        1.0
    );
    assert_eq!(
        count(r#"baton_outbox_rows{kind="webhook",state="dead"}"#),
        0.0
    );
    assert_eq!(
        count(r#"baton_outbox_rows{kind="email",state="pending"}"#),
        0.0
    );
    assert_eq!(count("baton_index_builds_total"), 1.0);
    assert!(count("baton_index_build_seconds") > 0.0);
    assert_eq!(count(r#"baton_index_documents{locale="en"}"#), 3.0);
    let (_, health) = get(&format!("{url}/healthz"));
    let version = serde_json::from_str::<Value>(&health).expect("JSON")["content_version"]
        .as_str()
        .expect("version")
        .to_owned();
    assert_eq!(
        count(&format!(r#"baton_index_info{{version="{version}"}}"#)),
        1.0
    );
    assert_eq!(count("baton_sse_streams_open"), 0.0);
    assert_eq!(count("baton_events_ingested_total"), 2.0);
    assert_eq!(
        count(r#"baton_event_batches_rejected_total{reason="invalid_event"}"#),
        1.0
    );
    assert!(count("process_resident_memory_bytes") > 1_000_000.0);
    assert!(count("process_open_fds") > 3.0);
    for family in [
        "# TYPE baton_http_request_duration_seconds histogram",
        "# TYPE baton_search_duration_seconds histogram",
        "# TYPE baton_handoffs_created_total counter",
        "# TYPE baton_outbox_rows gauge",
    ] {
        assert!(text.contains(family), "{family}\n{text}");
    }
}

#[test]
fn without_metrics_listen_no_metrics_are_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baton = baton_serve(dir.path(), &dir.path().join("data"), &[]);
    assert!(baton.metrics.is_none());
    assert_eq!(get(&format!("{}/metrics", baton.url)).0, 404);
}

#[tokio::test]
async fn healthz_answers_while_up_and_readyz_only_while_the_database_answers() {
    let app = fixture::TestApp::start().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    let json = ready.json();
    assert_eq!(json["status"], "ready");
    assert_eq!(json["documents"], 3, "published articles, drafts left out");
    assert_eq!(json["content_version"], health.json()["content_version"]);

    app.storage.close().await;
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(not_ready.error_code(), "not_ready");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

/// Runs `baton backup` and answers (success, stdout, stderr).
fn run_backup(data_dir: &Path, to: &Path, force: bool) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baton"));
    command
        .arg("backup")
        .arg("--to")
        .arg(to)
        .arg("--data-dir")
        .arg(data_dir);
    if force {
        command.arg("--force");
    }
    let out = command.output().expect("baton backup runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `PRAGMA integrity_check` and every ticket reference of a database file.
async fn read_copy(path: &Path) -> (Vec<String>, BTreeSet<String>) {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("the copy opens");
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .expect("integrity_check");
    let references: Vec<String> = sqlx::query_scalar("SELECT reference FROM tickets")
        .fetch_all(&mut conn)
        .await
        .expect("tickets");
    conn.close().await.expect("close");
    (integrity, references.into_iter().collect())
}

/// An acknowledged handoff: its reference and conversation token.
type Acknowledged = Arc<Mutex<Vec<(String, String)>>>;

#[test]
fn a_backup_during_handoffs_holds_every_acknowledged_ticket_and_restores() {
    let dir: TempDir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let baton = baton_serve(dir.path(), &data, &[]);

    // Four clients hand off until told to stop (at most 150 each).
    let acknowledged: Acknowledged = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let url = baton.url.clone();
            let acknowledged = Arc::clone(&acknowledged);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for n in 0..150 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let (status, json) = post_handoff(
                        &url,
                        &format!("Help {client}/{n}"),
                        &format!("k-{client}-{n}"),
                    );
                    assert_eq!(status, 201, "{json}");
                    let reference = json["reference"].as_str().expect("reference").to_owned();
                    let token = json["conversation_token"]
                        .as_str()
                        .expect("token")
                        .to_owned();
                    acknowledged.lock().expect("lock").push((reference, token));
                }
            })
        })
        .collect();
    let acked = || acknowledged.lock().expect("lock").len();
    wait_for("the first handoffs", Duration::from_secs(60), || {
        acked() >= 20
    });

    let copy = dir.path().join("backups/baton-copy.sqlite3");
    std::fs::create_dir_all(copy.parent().expect("parent")).expect("backups dir");
    let before: Vec<(String, String)> = acknowledged.lock().expect("lock").clone();
    let (ok, stdout, stderr) = run_backup(&data, &copy, false);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("backed up "), "{stdout}");
    assert!(stdout.contains("integrity ok"), "{stdout}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&copy).expect("copy").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads a backup");
    }
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().expect("client");
    }

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (integrity, in_copy) = runtime.block_on(read_copy(&copy));
    assert_eq!(integrity, ["ok"]);
    for (reference, _) in &before {
        assert!(
            in_copy.contains(reference),
            "{reference} is not in the backup"
        );
    }
    let all: BTreeSet<String> = acknowledged
        .lock()
        .expect("lock")
        .iter()
        .map(|(r, _)| r.clone())
        .collect();
    assert!(in_copy.is_subset(&all), "the copy holds only real tickets");

    // No file is ever replaced without --force.
    let (ok, _, stderr) = run_backup(&data, &copy, false);
    assert!(!ok);
    assert!(stderr.contains("exists already; add --force"), "{stderr}");
    let (integrity, still) = runtime.block_on(read_copy(&copy));
    assert_eq!(
        (integrity, still.len()),
        (vec!["ok".to_owned()], in_copy.len())
    );
    let forced = dir.path().join("backups/forced.sqlite3");
    std::fs::write(&forced, b"an old file").expect("old file");
    let (ok, _, stderr) = run_backup(&data, &forced, true);
    assert!(ok, "{stderr}");
    assert_eq!(runtime.block_on(read_copy(&forced)).1, all);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path().join("backups"))
        .expect("list")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files: {leftovers:?}");
    drop(baton);

    // Restore as the guide says: the copy becomes the database of a stopped server.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).expect("restored dir");
    std::fs::copy(&copy, restored.join("baton.sqlite3")).expect("put the copy in place");
    let baton = baton_serve(dir.path(), &restored, &[]);
    assert_eq!(get(&format!("{}/readyz", baton.url)).0, 200);
    let (reference, token) = &before[0];
    let mut response = agent()
        .get(format!("{}/api/v1/conversations/{reference}", baton.url))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("baton answers");
    assert_eq!(
        response.status().as_u16(),
        200,
        "the customer's link works after a restore: {}",
        response.body_mut().read_to_string().unwrap_or_default()
    );
}

#[test]
fn a_backup_needs_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, _, stderr) = run_backup(
        &dir.path().join("nothing"),
        &dir.path().join("copy.sqlite3"),
        false,
    );
    assert!(!ok);
    assert!(stderr.contains("no database at"), "{stderr}");
    assert!(!dir.path().join("copy.sqlite3").exists());
}

fn doc(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_operations_guide_names_every_serve_option_and_its_variable() {
    use clap::CommandFactory as _;
    let guide = doc("operations.md");
    let cli = baton_server::cli::Cli::command();
    let serve = cli.find_subcommand("serve").expect("serve");
    let mut missing = Vec::new();
    for arg in serve.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if long == "help" {
            continue;
        }
        if !guide.contains(&format!("`--{long}`")) {
            missing.push(format!("--{long}"));
        }
        if let Some(env) = arg.get_env()
            && !guide.contains(&format!("`{}`", env.to_string_lossy()))
        {
            missing.push(env.to_string_lossy().into_owned());
        }
    }
    assert!(missing.is_empty(), "not in docs/operations.md: {missing:?}");
}

#[test]
fn the_operations_guide_explains_every_metric() {
    let guide = doc("operations.md");
    let missing: Vec<&str> = baton_server::telemetry::ALL
        .iter()
        .copied()
        .filter(|name| !guide.contains(&format!("| `{name}` |")))
        .collect();
    assert!(missing.is_empty(), "not in the metrics table: {missing:?}");
}

/// The key names a `deny_unknown_fields` table accepts, from the error for an unknown key.
fn accepted_keys(config: &toml::Table, path: &[&str]) -> Vec<String> {
    let mut probed = config.clone();
    let mut table = &mut probed;
    for key in path {
        let value = table.get_mut(*key).expect("documented table");
        table = match value {
            toml::Value::Table(t) => t,
            toml::Value::Array(a) => a
                .first_mut()
                .and_then(toml::Value::as_table_mut)
                .expect("documented array of tables"),
            other => panic!("{key} is not a table: {other}"),
        };
    }
    table.insert("zz_probe".into(), toml::Value::Integer(1));
    let text = toml::to_string(&probed).expect("serialize");
    let error = toml::from_str::<baton_server::config::SiteConfig>(&text)
        .expect_err("an unknown key is refused")
        .to_string();
    let expected = error
        .split_once("expected")
        .unwrap_or_else(|| panic!("{error}"))
        .1;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_content_guide_shows_every_site_toml_key() {
    let guide = doc("content.md");
    let example = guide
        .split_once("## `site.toml`")
        .and_then(|(_, rest)| rest.split_once("```toml\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a TOML example after ## `site.toml`")
        .0;
    toml::from_str::<baton_server::config::SiteConfig>(example)
        .unwrap_or_else(|e| panic!("the documented site.toml does not load: {e}"));
    let config: toml::Table = toml::from_str(example).expect("TOML");
    let mut missing = Vec::new();
    for path in [
        &[][..],
        &["support_hours"],
        &["urgency"],
        &["handoff"],
        &["privacy"],
        &["insights"],
        &["identity"],
        &["announcements"],
    ] {
        let mut documented = config.clone();
        for key in path {
            documented = match documented.get(*key).expect("documented") {
                toml::Value::Table(t) => t.clone(),
                toml::Value::Array(a) => a[0].as_table().expect("table").clone(),
                _ => unreachable!(),
            };
        }
        for key in accepted_keys(&config, path) {
            if !documented.contains_key(&key) {
                missing.push(format!("{}.{key}", path.join(".")));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in the site.toml example of docs/content.md: {missing:?}"
    );
}
