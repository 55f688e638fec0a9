//! Handoff delivery with real processes: `baton serve` as a child process, a real SMTP server
//! (`python -m aiosmtpd`, installed by `cargo xtask test` or on first use into a venv under the
//! target directory), and a real HTTP receiver (axum on 127.0.0.1) that records webhooks.
//!
//! Receivers count each delivery once by its id (`Message-ID`, `Baton-Delivery`), as the docs
//! tell them to; the tests check that every ticket reaches each of them exactly once that way,
//! through a kill -9 of the server and through receivers that are down for a while.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

mod fixture;

use fixture::{Process, cookie_set, csrf_field};

const SECRET: &str = "whsec_test_secret";

/// A Python that can `import aiosmtpd`: `BATON_TEST_PYTHON` (set by `cargo xtask test`), else a
/// venv made once under the target directory with the version pinned in
/// xtask/tools/requirements.txt.
fn smtp_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let works = |python: &Path| {
            Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if let Some(python) = std::env::var_os("BATON_TEST_PYTHON").map(PathBuf::from) {
            assert!(
                works(&python),
                "BATON_TEST_PYTHON={} cannot import aiosmtpd",
                python.display()
            );
            return python;
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aiosmtpd-venv");
        let python = venv.join("bin/python");
        if !works(&python) {
            let requirements =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask/tools/requirements.txt");
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success())
                && Command::new(venv.join("bin/pip"))
                    .args(["install", "--quiet", "-r"])
                    .arg(&requirements)
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(
                ok && works(&python),
                "cannot install aiosmtpd into {}; run `cargo xtask test --only tools,unit`",
                venv.display()
            );
        }
        python
    })
}

/// A free port on 127.0.0.1 (nobody listens on it until a test starts something there).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `python -m aiosmtpd` printing every message it receives to stdout.
struct SmtpServer {
    _process: Process,
    output: Arc<Mutex<String>>,
}

impl SmtpServer {
    fn start(port: u16) -> SmtpServer {
        let mut child = Command::new(smtp_python())
            .args(["-u", "-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let mut stdout = child.stdout.take().expect("stdout");
        let output = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let server = SmtpServer {
            _process: Process(child),
            output,
        };
        wait_for("aiosmtpd to listen", Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        server
    }

    /// Every message received, as printed (headers and MIME body).
    fn messages(&self) -> Vec<String> {
        let out = self.output.lock().expect("lock").clone();
        out.split("---------- MESSAGE FOLLOWS ----------")
            .skip(1)
            .map(|m| {
                m.split("------------ END MESSAGE ------------")
                    .next()
                    .unwrap_or(m)
                    .to_owned()
            })
            .collect()
    }

    /// The distinct `Message-ID`s received, and how many messages there were in all.
    fn message_ids(&self) -> (BTreeSet<String>, usize) {
        let messages = self.messages();
        let ids = messages
            .iter()
            .filter_map(|m| header(m, "Message-ID"))
            .collect();
        (ids, messages.len())
    }
}

fn header(message: &str, name: &str) -> Option<String> {
    message.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// One webhook as the receiver got it.
#[derive(Clone, Debug)]
struct Received {
    delivery: String,
    signature: String,
    body: Vec<u8>,
}

/// An HTTP receiver recording webhooks, answering 200.
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(port: u16) -> Receiver {
        use axum::http::HeaderMap;
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let app = axum::Router::new().route(
                    "/hook",
                    axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                        let sink = Arc::clone(&sink);
                        async move {
                            let get = |name: &str| {
                                headers
                                    .get(name)
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_owned()
                            };
                            sink.lock().expect("lock").push(Received {
                                delivery: get("baton-delivery"),
                                signature: get("baton-signature"),
                                body: body.to_vec(),
                            });
                            "ok"
                        }
                    }),
                );
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("receiver binds");
                ready_tx.send(()).expect("ready");
                axum::serve(listener, app).await.expect("receiver serves");
            });
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("receiver ready");
        Receiver { received }
    }

    fn deliveries(&self) -> (BTreeSet<String>, usize) {
        let all = self.received.lock().expect("lock");
        (all.iter().map(|r| r.delivery.clone()).collect(), all.len())
    }

    fn all(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

/// The fixture knowledge base, with urgency tiers, support hours and a redaction pattern.
fn content(dir: &Path) -> PathBuf {
    let to = dir.join("content");
    fixture::copy_dir(&fixture::content_dir(), &to);
    let mut site = std::fs::read_to_string(to.join("site.toml")).expect("site.toml");
    site.push_str(
        r#"
[handoff]
customer_chooses_urgency = true
follow_up_after = "1s"

[privacy]
redact = ["ACME-SECRET-\\d+"]

[support_hours]
time_zone = "Europe/Berlin"
weekly = { mon = "08:00-20:00", tue = "08:00-20:00", wed = "08:00-20:00", thu = "08:00-20:00", fri = "08:00-20:00" }

[[urgency]]
id = "high"
label = "Something stopped working"
reply_within = "4h"

[[urgency]]
id = "normal"
label = "A question"
reply_within = "1d"
"#,
    );
    std::fs::write(to.join("site.toml"), site).expect("write site.toml");
    to
}

/// A `baton serve` process.
struct Baton {
    process: Process,
    url: String,
}

struct Setup {
    dir: TempDir,
    content: PathBuf,
    smtp_port: u16,
    hook_port: u16,
    max_attempts: u32,
    /// More `baton serve` options.
    extra_args: Vec<String>,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let content = content(dir.path());
        Setup {
            dir,
            content,
            smtp_port: free_port(),
            hook_port: free_port(),
            max_attempts: 10,
            extra_args: Vec::new(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start(&self) -> Baton {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("baton.log"))
            .expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--content-dir")
            .arg(&self.content)
            .arg("--widget-dir")
            .arg(self.dir.path().join("no-widget"))
            .args(["--smtp-host", "127.0.0.1", "--smtp-security", "none"])
            .args(["--smtp-port", &self.smtp_port.to_string()])
            .args([
                "--webhook",
                &format!("http://127.0.0.1:{}/hook", self.hook_port),
            ])
            .args(["--webhook-secret", SECRET])
            .args([
                "--delivery-backoff-ms",
                "200",
                "--delivery-backoff-max-ms",
                "1000",
            ])
            .args([
                "--delivery-timeout-ms",
                "2000",
                "--delivery-lease-ms",
                "3000",
            ])
            .args(["--delivery-max-attempts", &self.max_attempts.to_string()])
            .args(["--follow-up-interval-ms", "200"])
            .args(&self.extra_args)
            .env("BATON_LOG", "info,baton_server=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("baton starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read");
        let url = line
            .trim()
            .strip_prefix("baton listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}; log: {}", self.log()))
            .to_owned();
        Baton {
            process: Process(child),
            url,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("baton.log")).unwrap_or_default()
    }

    /// Runs `baton ARGS --data-dir DATA` and answers its stdout.
    fn baton(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir())
            .output()
            .expect("baton runs");
        assert!(
            out.status.success(),
            "baton {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn outbox(&self) -> Vec<Value> {
        let json: Value =
            serde_json::from_str(&self.baton(&["outbox", "list", "--format", "json"]))
                .expect("json");
        json.as_array().cloned().unwrap_or_default()
    }
}

fn post_handoff(url: &str, body: &Value, key: &str) -> (u16, Value) {
    post_json(
        &format!("{url}/api/v1/handoffs"),
        body,
        &[("Idempotency-Key", key)],
    )
}

/// POSTs `body` as JSON with `headers`; answers the status and the JSON answer.
fn post_json(url: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut request = agent.post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.send_json(body).expect("baton answers");
    let status = response.status().as_u16();
    let json = response.body_mut().read_json().expect("JSON answer");
    (status, json)
}

/// A handoff with hostile text in every field, a card number and a site-redacted secret.
fn hostile_handoff() -> Value {
    json!({
        "site": "acme",
        "name": "<img src=x onerror=alert(1)> Ada",
        "email": "ada@example.com",
        "message": "<script>alert('hi')</script> My card 4111 1111 1111 1111 and ACME-SECRET-42 & more",
        "urgency": "high",
        "identity": {"id": "u-42", "name": "<b>Ada</b>", "hash": "whatever"},
        "context": {"plan": "<i>plus</i>"},
        "transcript": {
            "version": 2,
            "locale": "en",
            "events": [
                {"type": "page_view", "at_ms": 1, "url": "/account?<script>"},
                {"type": "search", "at_ms": 2, "query": "<svg onload=alert(2)>", "result_count": 0}
            ]
        }
    })
}

fn check_signature(received: &Received) {
    let (t, v1) = received
        .signature
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("bad signature header {:?}", received.signature));
    let expected = baton_server::delivery::webhook::signature(
        SECRET,
        t.parse().expect("timestamp"),
        &received.body,
    );
    assert_eq!(expected, format!("t={t},v1={v1}"));
}

#[test]
fn kill_9_right_after_answering_loses_nothing_and_delivers_once() {
    let setup = Setup::new();
    let smtp = SmtpServer::start(setup.smtp_port);
    let receiver = Receiver::start(setup.hook_port);
    let mut first = setup.start();
    let (status, answer) = post_handoff(&first.url, &hostile_handoff(), "kill-9-key");
    // SIGKILL the moment the answer is in: no graceful shutdown, no flush.
    first.process.0.kill().expect("kill -9");
    first.process.0.wait().expect("reaped");
    assert_eq!(status, 201, "{answer}");
    let reference = answer["reference"].as_str().expect("reference").to_owned();
    assert_eq!(answer["urgency"], "high");
    assert!(
        answer["reply_by"]
            .as_str()
            .is_some_and(|r| r.ends_with('Z')),
        "{answer}"
    );

    // The ticket survived, and the restarted server delivers what the first one may not have.
    let shown: Value =
        serde_json::from_str(&setup.baton(&["ticket", "show", &reference])).expect("ticket json");
    assert_eq!(shown["reference"], reference.as_str());
    let second = setup.start();
    let email_id = format!("<{reference}.email.0@baton>");
    let hook_id = format!("{reference}.webhook.1");
    wait_for(
        "both deliveries to be recorded",
        Duration::from_secs(30),
        || {
            let rows = setup.outbox();
            rows.len() == 2 && rows.iter().all(|r| r["state"] == "delivered")
        },
    );
    // A retry of the same request after the restart is the same ticket, with nothing new to send.
    let (status, again) = post_handoff(&second.url, &hostile_handoff(), "kill-9-key");
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["reference"], reference.as_str());
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(setup.outbox().len(), 2);

    let (emails, _) = smtp.message_ids();
    assert_eq!(
        emails,
        BTreeSet::from([email_id.clone()]),
        "log: {}",
        setup.log()
    );
    let (hooks, _) = receiver.deliveries();
    assert_eq!(hooks, BTreeSet::from([hook_id.clone()]));

    // The email: to support, Reply-To the customer, summary first, customer text escaped in HTML.
    let email = smtp
        .messages()
        .into_iter()
        .find(|m| header(m, "Message-ID").as_deref() == Some(email_id.as_str()))
        .expect("the email");
    assert!(
        header(&email, "To").is_some_and(|t| t.contains("help@acme.example")),
        "{email}"
    );
    assert!(
        header(&email, "Reply-To").is_some_and(|t| t.contains("ada@example.com")),
        "{email}"
    );
    assert!(
        header(&email, "Subject").is_some_and(|s| s.contains(&reference)),
        "{email}"
    );
    let html = decoded_part(&email, "text/html");
    let text = decoded_part(&email, "text/plain");
    assert!(text.starts_with("What was tried:"), "{text}");
    for raw in ["<script", "<img", "<svg", "<b>", "<i>"] {
        assert!(
            !html.contains(raw),
            "{raw} unescaped in the HTML part:\n{html}"
        );
    }
    assert!(html.contains("&lt;script&gt;"), "{html}");
    for secret in ["4111 1111 1111 1111", "ACME-SECRET-42"] {
        assert!(
            !email.contains(secret) && !text.contains(secret),
            "{secret} not redacted"
        );
    }

    // The webhook: signed, the whole ticket, customer text as text.
    let hook = receiver
        .all()
        .into_iter()
        .find(|r| r.delivery == hook_id)
        .expect("webhook");
    check_signature(&hook);
    let body: Value = serde_json::from_slice(&hook.body).expect("JSON body");
    assert_eq!(body["ticket"]["reference"], reference.as_str());
    assert_eq!(body["ticket"]["name"], "<img src=x onerror=alert(1)> Ada");
    assert_eq!(body["ticket"]["transcript"]["identity"]["verified"], false);
    assert_eq!(
        body["ticket"]["transcript"]["context"]["plan"],
        "<i>plus</i>"
    );
    assert!(!String::from_utf8_lossy(&hook.body).contains("4111"));
    drop(second);
}

#[test]
fn receivers_down_for_a_while_get_everything_later_and_dead_letters_can_be_retried() {
    let mut setup = Setup::new();
    setup.max_attempts = 4;
    let baton = setup.start();
    let mut references = Vec::new();
    for i in 0..3 {
        let mut body = hostile_handoff();
        body["message"] = json!(format!("Ticket number {i}"));
        let (status, answer) = post_handoff(&baton.url, &body, &format!("down-{i}"));
        assert_eq!(status, 201, "{answer}");
        references.push(answer["reference"].as_str().expect("reference").to_owned());
    }
    // Nobody listens: attempts fail, wait with backoff, and after 4 attempts the rows are dead.
    wait_for("every delivery to be dead", Duration::from_secs(30), || {
        let rows = setup.outbox();
        rows.len() == 6 && rows.iter().all(|r| r["state"] == "dead")
    });
    let dead = setup.baton(&["outbox", "list", "--state", "dead"]);
    assert!(
        dead.contains("Connection refused") || dead.contains("refused"),
        "{dead}"
    );
    for row in setup.outbox() {
        assert_eq!(row["attempts"], 4, "{row}");
    }

    // The receivers come up; an operator retries the dead rows; everything arrives once.
    let smtp = SmtpServer::start(setup.smtp_port);
    let receiver = Receiver::start(setup.hook_port);
    for row in setup.outbox() {
        let id = row["id"].to_string();
        setup.baton(&["outbox", "retry", &id]);
    }
    wait_for(
        "every delivery after the retry",
        Duration::from_secs(30),
        || setup.outbox().iter().all(|r| r["state"] == "delivered"),
    );
    let (emails, _) = smtp.message_ids();
    let (hooks, _) = receiver.deliveries();
    let expected_emails: BTreeSet<String> = references
        .iter()
        .map(|r| format!("<{r}.email.0@baton>"))
        .collect();
    let expected_hooks: BTreeSet<String> = references
        .iter()
        .map(|r| format!("{r}.webhook.1"))
        .collect();
    assert_eq!(emails, expected_emails);
    assert_eq!(hooks, expected_hooks);
    for hook in receiver.all() {
        check_signature(&hook);
    }
    drop(baton);
}

#[test]
fn receivers_down_briefly_are_retried_with_backoff_until_they_answer() {
    let mut setup = Setup::new();
    // Never dead here: the rows keep waiting (backoff capped at 1 s) however slow the start.
    setup.max_attempts = 10_000;
    let baton = setup.start();
    let (status, answer) = post_handoff(&baton.url, &hostile_handoff(), "brief");
    assert_eq!(status, 201, "{answer}");
    let reference = answer["reference"].as_str().expect("reference").to_owned();
    wait_for("failed attempts", Duration::from_secs(20), || {
        setup
            .outbox()
            .iter()
            .all(|r| r["attempts"].as_i64() >= Some(2) && r["state"] == "pending")
    });
    let smtp = SmtpServer::start(setup.smtp_port);
    let receiver = Receiver::start(setup.hook_port);
    wait_for(
        "delivery once the receivers are up",
        Duration::from_secs(30),
        || setup.outbox().iter().all(|r| r["state"] == "delivered"),
    );
    assert_eq!(
        smtp.message_ids().0,
        BTreeSet::from([format!("<{reference}.email.0@baton>")])
    );
    assert_eq!(
        receiver.deliveries().0,
        BTreeSet::from([format!("{reference}.webhook.1")])
    );
    drop(baton);
}

/// The decoded body of the MIME part with this content type (quoted-printable, base64 or as is).
fn decoded_part(message: &str, content_type: &str) -> String {
    use base64::Engine as _;
    let normalized = message.replace("\r\n", "\n");
    let start = normalized
        .find(&format!("Content-Type: {content_type}"))
        .unwrap_or_else(|| panic!("no {content_type} part in\n{message}"));
    let part = &normalized[start..];
    let (head, rest) = part.split_once("\n\n").expect("part headers");
    let body = rest.split("\n--").next().unwrap_or(rest);
    let encoding = header(head, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_lowercase();
    match encoding.as_str() {
        "base64" => {
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .expect("base64"),
            )
            .expect("utf-8")
        }
        "quoted-printable" => {
            let soft = body.replace("=\n", "");
            let bytes = soft.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'='
                    && i + 2 < bytes.len()
                    && let Ok(b) = u8::from_str_radix(&soft[i + 1..i + 3], 16)
                {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        _ => body.to_owned(),
    }
}

#[test]
fn a_follow_up_message_reaches_support_once_and_an_abandoned_form_the_customer_once() {
    let setup = Setup::new();
    let smtp = SmtpServer::start(setup.smtp_port);
    let receiver = Receiver::start(setup.hook_port);
    let baton = setup.start();

    // A message added to the conversation goes to support (and every webhook), once.
    let (status, ticket) = post_handoff(&baton.url, &hostile_handoff(), "conversation-key");
    assert_eq!(status, 201, "{ticket}");
    let reference = ticket["reference"].as_str().expect("reference").to_owned();
    let token = ticket["conversation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let bearer = format!("Bearer {token}");
    let url = format!("{}/api/v1/conversations/{reference}/messages", baton.url);
    let message = json!({"body": "Still blinking <b>red</b>; card 4111 1111 1111 1111"});
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Idempotency-Key", "message-1"),
    ];
    let (status, posted) = post_json(&url, &message, &headers);
    assert_eq!(status, 201, "{posted}");
    // The widget retrying the same message adds nothing.
    let (status, again) = post_json(&url, &message, &headers);
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], posted["id"]);
    let message_id = posted["id"].as_i64().expect("id");
    let email_id = format!("<{reference}.m{message_id}.email.0@baton>");
    let hook_id = format!("{reference}.m{message_id}.webhook.1");
    wait_for(
        "the message to be delivered",
        Duration::from_secs(30),
        || smtp.message_ids().0.contains(&email_id) && receiver.deliveries().0.contains(&hook_id),
    );

    // Two forms left with an email: one is sent after all, the other is followed up.
    let drafts = format!("{}/api/v1/handoff-drafts", baton.url);
    let (status, sent) = post_json(
        &drafts,
        &json!({"site": "acme", "name": "Carol", "email": "carol@example.com",
                "message": "I will send this one"}),
        &[],
    );
    assert_eq!(status, 201, "{sent}");
    let (status, left) = post_json(
        &drafts,
        &json!({"site": "acme", "name": "Bob", "email": "bob@example.com",
                "message": "My <i>hub</i> will not pair"}),
        &[],
    );
    assert_eq!(status, 201, "{left}");
    let mut submitted = hostile_handoff();
    submitted["email"] = json!("carol@example.com");
    submitted["draft_id"] = sent["draft_id"].clone();
    let (status, answer) = post_handoff(&baton.url, &submitted, "carol-key");
    assert_eq!(status, 201, "{answer}");
    let to = |who: &str| {
        smtp.messages()
            .into_iter()
            .filter(|m| header(m, "To").is_some_and(|t| t.contains(who)))
            .collect::<Vec<_>>()
    };
    // Carol's draft was due first, so once Bob's follow-up is in, hers was passed over.
    wait_for("the follow-up email", Duration::from_secs(30), || {
        !to("bob@example.com").is_empty()
    });
    let (_, all) = smtp.message_ids();
    let emails = smtp.messages();
    assert_eq!(
        emails
            .iter()
            .filter(|m| header(m, "Message-ID").as_deref() == Some(email_id.as_str()))
            .count(),
        1,
        "the message reached support once"
    );
    let email = emails
        .iter()
        .find(|m| header(m, "Message-ID").as_deref() == Some(email_id.as_str()))
        .expect("the message email");
    assert!(
        header(email, "Subject").is_some_and(|s| s == format!("New message on {reference}")),
        "{email}"
    );
    assert!(
        header(email, "Reply-To").is_some_and(|t| t.contains("ada@example.com")),
        "{email}"
    );
    let html = decoded_part(email, "text/html");
    assert!(
        html.contains("&lt;b&gt;red&lt;/b&gt;") && !html.contains("<b>red"),
        "{html}"
    );
    assert!(!email.contains("4111"), "{email}");
    let hook = receiver
        .all()
        .into_iter()
        .find(|r| r.delivery == hook_id)
        .expect("webhook");
    check_signature(&hook);
    let body: Value = serde_json::from_slice(&hook.body).expect("JSON body");
    assert_eq!(body["type"], "message.created");
    assert_eq!(body["ticket"]["reference"], reference.as_str());
    assert_eq!(body["message"]["id"], message_id);

    let bob = to("bob@example.com");
    assert_eq!(bob.len(), 1, "one follow-up: {bob:?}");
    let follow_up = &bob[0];
    assert!(
        header(follow_up, "Subject")
            .is_some_and(|s| s.contains("Still need help?") && s.contains("Acme Help")),
        "{follow_up}"
    );
    let text = decoded_part(follow_up, "text/plain");
    assert!(text.contains("> My <i>hub</i> will not pair"), "{text}");
    let html = decoded_part(follow_up, "text/html");
    assert!(!html.contains("<i>hub"), "{html}");
    assert!(
        to("carol@example.com").is_empty(),
        "no follow-up after the handoff was sent"
    );
    // Followed up means forgotten: saving under the old id starts a new draft.
    let (status, _) = post_json(
        &drafts,
        &json!({"site": "acme", "draft_id": left["draft_id"], "email": "bob@example.com"}),
        &[],
    );
    assert_eq!(status, 201);
    assert!(
        all >= 3,
        "ticket emails, the message and the follow-up: {all}"
    );
    drop(baton);
}

#[test]
fn an_agents_reply_reaches_the_customer_by_email_as_text() {
    let mut setup = Setup::new();
    setup.extra_args = vec!["--smtp-from".into(), "help@acme.example".into()];
    let smtp = SmtpServer::start(setup.smtp_port);
    let _hooks = Receiver::start(setup.hook_port);
    let baton = setup.start();
    let handoff = json!({
        "site": "acme", "name": "Ada", "email": "ada@example.com",
        "message": "The router blinks red",
        "transcript": {"version": 2, "locale": "en", "events": []}
    });
    let (status, answer) = post_handoff(&baton.url, &handoff, "reply-by-email");
    assert_eq!(status, 201, "{answer}");
    let reference = answer["reference"].as_str().expect("reference").to_owned();

    let mut add = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "agent",
            "add",
            "sam@example.com",
            "--name",
            "Sam",
            "--password-stdin",
        ])
        .arg("--data-dir")
        .arg(setup.data_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("baton agent add runs");
    std::io::Write::write_all(
        add.stdin.as_mut().expect("stdin"),
        b"correct horse battery\n",
    )
    .expect("password written");
    assert!(add.wait().expect("exits").success());

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut form = agent
        .get(&format!("{}/agent/login", baton.url))
        .call()
        .expect("login page");
    let login_cookie = cookie_set(&form, "baton_login");
    let csrf = csrf_field(&form.body_mut().read_to_string().expect("page"));
    let signed = agent
        .post(&format!("{}/agent/login", baton.url))
        .header("Cookie", &format!("baton_login={login_cookie}"))
        .send_form([
            ("email", "sam@example.com"),
            ("password", "correct horse battery"),
            ("csrf", csrf.as_str()),
        ])
        .expect("signs in");
    assert_eq!(signed.status().as_u16(), 303);
    let session = format!("baton_agent={}", cookie_set(&signed, "baton_agent"));
    let ticket = format!("{}/agent/tickets/{reference}", baton.url);
    let mut page = agent
        .get(&ticket)
        .header("Cookie", &session)
        .call()
        .expect("ticket page");
    let csrf = csrf_field(&page.body_mut().read_to_string().expect("page"));
    let replied = agent
        .post(&format!("{ticket}/reply"))
        .header("Cookie", &session)
        .send_form([
            ("csrf", csrf.as_str()),
            ("body", "<b>Hold</b> the reset button & wait 10 s."),
        ])
        .expect("replies");
    assert_eq!(replied.status().as_u16(), 303);

    let subject = format!("Re: [{reference}] The router blinks red");
    let replies = || {
        smtp.messages()
            .into_iter()
            .filter(|m| header(m, "Subject").as_deref() == Some(subject.as_str()))
            .collect::<Vec<_>>()
    };
    wait_for("the reply email", Duration::from_secs(30), || {
        !replies().is_empty()
    });
    let email = &replies()[0];
    assert_eq!(
        header(email, "To").as_deref(),
        Some("Ada <ada@example.com>")
    );
    assert_eq!(header(email, "From").as_deref(), Some("help@acme.example"));
    assert_eq!(
        header(email, "Reply-To").as_deref(),
        Some("help@acme.example")
    );
    assert!(
        header(email, "Message-ID")
            .is_some_and(|id| id.starts_with(&format!("<{reference}.reply."))),
        "{email}"
    );
    let text = decoded_part(email, "text/plain");
    assert!(text.contains("Sam answered your request"), "{text}");
    assert!(
        text.contains("<b>Hold</b> the reset button & wait 10 s."),
        "{text}"
    );
    let html = decoded_part(email, "text/html");
    assert!(!html.contains("<b>Hold"), "{html}");
    assert!(
        html.contains("&lt;b&gt;Hold&lt;/b&gt; the reset button &amp; wait 10 s."),
        "{html}"
    );
    wait_for(
        "the reply row to be delivered",
        Duration::from_secs(10),
        || {
            setup.outbox().iter().any(|row| {
                row["delivery_id"]
                    .as_str()
                    .is_some_and(|id| id.contains(".reply."))
                    && row["state"] == "delivered"
            })
        },
    );
    drop(baton);
}
