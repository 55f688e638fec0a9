//! The `baton` binary as scripts and the end-to-end tests use it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use baton_core::api::HandoffRequest;
use baton_server::storage::Storage;

fn baton() -> Command {
    Command::new(env!("CARGO_BIN_EXE_baton"))
}

#[tokio::test]
async fn ticket_show_prints_the_stored_ticket_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Storage::open(dir.path()).await.expect("storage");
    let request: HandoffRequest = serde_json::from_value(serde_json::json!({
        "site": "demo", "name": "Ada", "email": "ada@example.com", "message": "Help",
        "transcript": {"version": 1, "events": [
            {"type": "search", "at_ms": 1, "query": "reset", "result_count": 0}
        ]}
    }))
    .expect("request");
    let outcome = storage
        .create_handoff(&request, "en", None, time::OffsetDateTime::now_utc())
        .await
        .expect("stored");
    storage.close().await;
    let reference = outcome.ticket().reference.to_string();

    let output = baton()
        .args(["ticket", "show", &reference.to_lowercase(), "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(json["reference"], reference);
    assert_eq!(json["site"], "demo");
    assert_eq!(json["email"], "ada@example.com");
    assert_eq!(json["summary"], "Searched 'reset' (no results).");
    assert_eq!(json["transcript"]["events"][0]["query"], "reset");
    for key in ["name", "message", "locale", "created_at"] {
        assert!(json[key].is_string(), "{key} missing: {json}");
    }
}

#[tokio::test]
async fn ticket_show_of_an_unknown_reference_fails_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    Storage::open(dir.path())
        .await
        .expect("storage")
        .close()
        .await;
    let output = baton()
        .args(["ticket", "show", "K7QM-4XRT", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no ticket K7QM-4XRT"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn ticket_show_without_a_database_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = baton()
        .args(["ticket", "show", "K7QM-4XRT", "--data-dir"])
        .arg(dir.path().join("nothing-here"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no database"), "{stderr}");
}

#[test]
fn serve_announces_its_address_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/content");
    let mut server = Server::start(dir.path(), &content, &["--log-format", "json"]);

    let response = http_get(&server.addr, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"status\":\"ok\""), "{response}");
    assert!(dir.path().join("data/baton.sqlite3").is_file());

    server.stop();
}

/// A `baton serve` process on a free port, its address and its stderr lines.
struct Server {
    child: std::process::Child,
    addr: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &Path, content: &Path, extra: &[&str]) -> Self {
        let mut child = baton()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .arg("--content-dir")
            .arg(content)
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--widget-dir")
            .arg(dir.join("no-widget"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let (tx, stderr) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("reads");
        let addr = line
            .trim()
            .strip_prefix("baton listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child,
            addr,
            stderr,
        }
    }

    /// Waits for a line on the server's stderr containing `needle`; panics with what it saw
    /// after a generous limit (file watching is asynchronous).
    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no line containing {needle:?}; saw:\n{}", seen.join("\n"));
    }

    /// SIGTERM, then expects a clean exit.
    fn stop(&mut self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = self.child.wait().expect("exits");
        assert!(status.success(), "{status}");
    }
}

#[test]
fn serve_refuses_broken_content_with_the_place_of_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("site.toml"),
        "id = \"x\"\nnmae = \"typo\"\n",
    )
    .expect("write");
    let output = baton()
        .args(["serve", "--addr", "127.0.0.1:0", "--content-dir"])
        .arg(dir.path())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("site.toml:2:1"), "{stderr}");
}

/// Copies a folder tree (the fixture knowledge base) so a test can edit it.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A plain HTTP/1.1 GET; returns the whole response (status line, headers, body).
fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    response
}

#[test]
fn serve_watch_reloads_good_changes_and_keeps_serving_through_broken_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("kb");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/content"),
        &content,
    );
    let mut server = Server::start(dir.path(), &content, &["--watch"]);
    let addr = server.addr.clone();
    server.wait_for_line("watching");
    let search = "/api/v1/search?q=thermostat&locale=en";
    assert!(http_get(&addr, search).contains("\"total\":0"));

    // A new article is searchable once the editor saves it.
    let article = content.join("articles/en/pair-a-thermostat.md");
    std::fs::write(
        &article,
        "+++\ntitle = \"Pair a thermostat\"\nsummary = \"Add a thermostat to your hub.\"\n\
         category = \"orders\"\n+++\n\nHold the thermostat's button until it blinks.\n",
    )
    .expect("write");
    server.wait_for_line("reloaded");
    let found = http_get(&addr, search);
    assert!(found.contains("pair-a-thermostat"), "{found}");

    // A broken save prints the problem with its place and keeps the last good version serving.
    std::fs::write(
        &article,
        "+++\ntitle = \"Pair a thermostat\"\ncolour = 1\n+++\n\nText\n",
    )
    .expect("write");
    let problem = server.wait_for_line("pair-a-thermostat.md:3:1");
    assert!(problem.contains("error"), "{problem}");
    server.wait_for_line("still serving");
    let still = http_get(&addr, search);
    assert!(still.contains("pair-a-thermostat"), "{still}");
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));

    server.stop();
}

#[test]
fn flow_list_and_graph_print_the_demo_flows() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
    let output = baton()
        .args(["flow", "list", "--content-dir"])
        .arg(&content)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list = String::from_utf8_lossy(&output.stdout);
    assert_eq!(list.lines().count(), 5, "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with("hub-connectivity\ten,de\t")),
        "{list}"
    );

    let output = baton()
        .args([
            "flow",
            "graph",
            "login-password",
            "--locale",
            "de",
            "--content-dir",
        ])
        .arg(&content)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mermaid = String::from_utf8_lossy(&output.stdout);
    assert!(
        mermaid.starts_with("flowchart TD\n    start((\"start\")) --> n"),
        "{mermaid}"
    );

    let output = baton()
        .args([
            "flow",
            "graph",
            "order-problem",
            "--format",
            "dot",
            "--content-dir",
        ])
        .arg(&content)
        .output()
        .expect("runs");
    let dot = String::from_utf8_lossy(&output.stdout);
    assert!(dot.starts_with("digraph \"order-problem\" {"), "{dot}");
    assert!(dot.trim_end().ends_with('}'), "{dot}");

    let output = baton()
        .args(["flow", "graph", "login-pasword", "--content-dir"])
        .arg(&content)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("there is no flow 'login-pasword' in 'en'"),
        "{err}"
    );
}

/// Runs `baton agent ARGS --data-dir DIR` with `stdin` as its input.
fn agent_command(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = baton()
        .arg("agent")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("exits")
}

#[tokio::test]
async fn agents_are_added_with_a_hashed_password_listed_and_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let add = |email: &str, password: &str| {
        agent_command(
            dir.path(),
            &["add", email, "--name", "Anna K", "--password-stdin"],
            &format!("{password}\n"),
        )
    };
    let short = add("anna@example.com", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));
    let bad = add("not-an-email", "long enough password");
    assert!(!bad.status.success());

    let added = add("Anna@Example.com", "long enough password");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        String::from_utf8_lossy(&added.stdout).contains("added agent anna@example.com (Anna K)")
    );
    let again = add("anna@example.com", "another long password");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already an agent anna@example.com"));

    let list = agent_command(dir.path(), &["list", "--format", "json"], "");
    assert!(list.status.success());
    let agents: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(agents[0]["email"], "anna@example.com");
    assert_eq!(agents[0]["name"], "Anna K");
    assert!(agents[0].get("password_hash").is_none(), "{agents}");

    let storage = Storage::open_existing(dir.path()).await.expect("storage");
    let (_, hash) = storage
        .agent_credentials("anna@example.com")
        .await
        .expect("reads")
        .expect("agent");
    storage.close().await;
    assert!(hash.starts_with("$argon2id$") && !hash.contains("long enough password"));
    assert!(baton_server::password::verify(
        "long enough password",
        Some(&hash)
    ));

    let removed = agent_command(dir.path(), &["remove", "anna@example.com"], "");
    assert!(removed.status.success());
    let gone = agent_command(dir.path(), &["remove", "anna@example.com"], "");
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("there is no agent anna@example.com"));
    let list = agent_command(dir.path(), &["list"], "");
    assert!(String::from_utf8_lossy(&list.stdout).contains("no agents"));
}
