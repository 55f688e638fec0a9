//! Publishing through the admin API: only with a valid token, only valid content, swapped in
//! atomically, rolled back on demand; and the preview and asset routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use baton_server::content::{Bundle, BundleFile, ContentFiles, Library};
use baton_server::http::{AppState, app};
use baton_server::knowledge::{Knowledge, LiveKnowledge};
use baton_server::storage::Storage;
use fixture::Answer;
use serde_json::{Value, json};

mod fixture;

struct Admin {
    router: Router,
    storage: Storage,
    token: String,
    files: ContentFiles,
    _dir: tempfile::TempDir,
}

async fn start() -> Admin {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut files, checked) = Library::read_and_check(&fixture::content_dir());
    files.root = "".into();
    let knowledge = Knowledge::build(checked.into_result().expect("fixture loads")).expect("index");
    let storage = Storage::open(&dir.path().join("data"))
        .await
        .expect("storage");
    // As `baton serve` does: the version served at start is kept, so it can be rolled back to.
    let bundle = serde_json::to_vec(&files.to_bundle()).expect("json");
    let now = time::OffsetDateTime::now_utc();
    storage
        .activate_version(
            &files.version(),
            &bundle,
            knowledge.library.article_count(),
            "start",
            now,
        )
        .await
        .expect("record");
    let token = storage
        .create_admin_token("test", time::OffsetDateTime::now_utc())
        .await
        .expect("token");
    let state = AppState {
        knowledge: Arc::new(LiveKnowledge::new(knowledge)),
        storage: storage.clone(),
        widget_dir: dir.path().join("widget"),
        host_page: None,
        handoff: Default::default(),
        events: Default::default(),
    };
    Admin {
        router: app(state),
        storage,
        token,
        files,
        _dir: dir,
    }
}

impl Admin {
    async fn send(&self, request: Request<Body>) -> Answer {
        fixture::send(&self.router, request).await
    }

    async fn post(&self, uri: &str, token: Option<&str>, body: &Value) -> Answer {
        let mut request = Request::post(uri).header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    async fn publish(&self, bundle: &Bundle) -> Answer {
        let body = serde_json::to_value(bundle).expect("json");
        self.post("/api/v1/admin/publish", Some(&self.token), &body)
            .await
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Answer {
        let mut request = Request::get(uri);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    async fn serving(&self) -> String {
        self.get("/healthz", None).await.json()["content_version"]
            .as_str()
            .expect("version")
            .to_owned()
    }

    /// The fixture plus one more article.
    fn with_article(&self, slug: &str, body: &str) -> ContentFiles {
        let mut files = self.files.clone();
        let text = format!(
            "+++\ntitle = \"New {slug}\"\nsummary = \"S\"\ncategory = \"devices\"\n+++\n{body}\n"
        );
        files
            .insert(&format!("articles/en/{slug}.md"), text.into_bytes())
            .expect("insert");
        files
    }
}

#[tokio::test]
async fn a_missing_wrong_or_revoked_token_is_refused_and_nothing_changes() {
    let admin = start().await;
    let before = admin.serving().await;
    let bundle =
        serde_json::to_value(admin.with_article("extra", "Hello.").to_bundle()).expect("json");
    let none = admin.post("/api/v1/admin/publish", None, &bundle).await;
    assert_eq!(
        (none.status, none.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let wrong = format!("{}x", admin.token);
    let answer = admin
        .post("/api/v1/admin/publish", Some(&wrong), &bundle)
        .await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    admin
        .storage
        .revoke_admin_tokens("test", time::OffsetDateTime::now_utc())
        .await
        .expect("revoke");
    let replayed = admin
        .post("/api/v1/admin/publish", Some(&admin.token), &bundle)
        .await;
    assert_eq!(replayed.error_code(), "invalid_token");
    let versions = admin
        .get("/api/v1/admin/versions", Some(&admin.token))
        .await;
    assert_eq!(versions.status, StatusCode::UNAUTHORIZED);
    assert_eq!(admin.serving().await, before);
}

#[tokio::test]
async fn bad_bundles_are_refused_with_every_problem_and_the_old_version_keeps_serving() {
    let admin = start().await;
    let before = admin.serving().await;

    let mut wrong_hash = admin.with_article("extra", "Hello.").to_bundle();
    wrong_hash.version = "0000000000000000".into();

    let mut traversal = admin.files.to_bundle();
    for path in ["../escape.md", "assets/../../etc/passwd", "/etc/passwd"] {
        traversal.files.push(BundleFile {
            path: path.into(),
            base64: "eA==".into(),
        });
    }

    let mut huge = admin.files.to_bundle();
    huge.files.push(BundleFile {
        path: "articles/en/huge.md".into(),
        base64: base64_of(&vec![b'a'; 2 * 1024 * 1024]),
    });

    let mut not_utf8 = admin.files.clone();
    not_utf8
        .insert(
            "articles/en/latin1.md",
            b"+++\ntitle = \"caf\xe9\"\n+++\n".to_vec(),
        )
        .expect("insert");

    let mut malformed = admin.with_article("extra", "See [gone](no-such-article).");
    malformed
        .insert(
            "articles/en/broken.md",
            b"+++\ntitel = \"x\"\n+++\n".to_vec(),
        )
        .expect("insert");

    let cases = [
        ("wrong hash", wrong_hash, "invalid_bundle", "hash to"),
        (
            "path traversal",
            traversal,
            "invalid_bundle",
            "not an allowed file path",
        ),
        ("huge file", huge, "invalid_bundle", "at most"),
        (
            "non-UTF-8",
            not_utf8.to_bundle(),
            "invalid_content",
            "is not UTF-8 text",
        ),
        (
            "malformed",
            malformed.to_bundle(),
            "invalid_content",
            "did you mean `title`?",
        ),
    ];
    for (what, bundle, code, needle) in cases {
        let answer = admin.publish(&bundle).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert_eq!(answer.error_code(), code, "{what}");
        assert!(answer.body.len() < 64 * 1024, "{what}: answers stay small");
        let shown = String::from_utf8_lossy(&answer.body);
        assert!(shown.contains(needle), "{what}: {shown}");
        assert_eq!(admin.serving().await, before, "{what}");
    }
    let not_json = admin
        .post(
            "/api/v1/admin/publish",
            Some(&admin.token),
            &json!({"files": 1}),
        )
        .await;
    assert_eq!(not_json.error_code(), "invalid_json");
    // Every problem of the malformed bundle at once: the bad key and the broken link.
    let answer = admin
        .publish(&{
            let mut m = admin.with_article("extra", "See [gone](no-such-article).");
            m.insert(
                "articles/en/broken.md",
                b"+++\ntitel = \"x\"\n+++\n".to_vec(),
            )
            .expect("insert");
            m.to_bundle()
        })
        .await;
    let diagnostics = answer.json()["error"]["diagnostics"].clone();
    let errors = diagnostics
        .as_array()
        .map(|all| all.iter().filter(|d| d["severity"] == "error").count());
    // Both errors (the fixture's raw <script> adds a warning).
    assert_eq!(errors, Some(2), "{diagnostics:#}");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn a_publish_swaps_the_new_version_in_and_a_rollback_brings_the_old_one_back() {
    let admin = start().await;
    let before = admin.serving().await;
    let files = admin.with_article("zebra-pairing", "How to pair a zebrafrobnicator.");
    let answer = admin.publish(&files.to_bundle()).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.json());
    let new = answer.json()["version"]
        .as_str()
        .expect("version")
        .to_owned();
    assert_eq!(new, files.version());
    assert_eq!(answer.json()["previous"], before);
    assert_eq!(admin.serving().await, new);
    let found = admin.get("/api/v1/search?q=zebrafrobnicator", None).await;
    assert_eq!(found.header("x-baton-content-version"), Some(new.as_str()));
    assert_eq!(found.json()["total"], 1);

    // Publishing the same bundle again changes nothing.
    let again = admin.publish(&files.to_bundle()).await;
    assert_eq!(again.json()["unchanged"], true);

    let versions = admin
        .get("/api/v1/admin/versions", Some(&admin.token))
        .await
        .json();
    assert_eq!(versions["current"], new);
    assert_eq!(versions["versions"][0]["version"], new);

    let back = admin
        .post(
            "/api/v1/admin/rollback",
            Some(&admin.token),
            &json!({ "version": before }),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.json());
    assert_eq!(admin.serving().await, before);
    let gone = admin.get("/api/v1/search?q=zebrafrobnicator", None).await;
    assert_eq!(gone.json()["total"], 0);

    let unknown = admin
        .post(
            "/api/v1/admin/rollback",
            Some(&admin.token),
            &json!({ "version": "ffff" }),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (StatusCode::NOT_FOUND, "unknown_version")
    );
    assert_eq!(admin.serving().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn searches_during_a_publish_all_succeed_and_see_the_old_or_the_new_version() {
    let admin = Arc::new(start().await);
    let old = admin.serving().await;
    let files = admin.with_article("zebra-pairing", "How to pair a zebrafrobnicator.");
    let new = files.version();
    let stop = Arc::new(AtomicBool::new(false));
    let searchers: Vec<_> = (0..2)
        .map(|_| {
            let (admin, stop) = (Arc::clone(&admin), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let answer = admin.get("/api/v1/search?q=zebrafrobnicator", None).await;
                    assert_eq!(answer.status, StatusCode::OK);
                    let version = answer
                        .header("x-baton-content-version")
                        .expect("version header")
                        .to_owned();
                    seen.push((version, answer.json()["total"].as_u64().expect("total")));
                    // A search answers without ever waiting: yield so the publish gets a turn.
                    tokio::task::yield_now().await;
                }
                seen
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        admin.publish(&files.to_bundle()).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stop.store(true, Ordering::Relaxed);
    let mut versions = std::collections::BTreeSet::new();
    for searcher in searchers {
        for (version, total) in searcher.await.expect("searcher") {
            let expected = if version == old {
                0
            } else {
                assert_eq!(version, new, "only the old or the new version is ever seen");
                1
            };
            assert_eq!(
                total, expected,
                "the index matches the version it was served from"
            );
            versions.insert(version);
        }
    }
    assert_eq!(versions.len(), 2, "searches ran before and after the swap");
}

#[tokio::test]
async fn drafts_are_served_only_in_preview_with_an_admin_token() {
    let admin = start().await;
    let uri = "/api/v1/articles/unreleased-feature?preview=1";
    assert_eq!(
        admin
            .get("/api/v1/articles/unreleased-feature", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(admin.get(uri, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        admin.get(uri, Some("baton_admin_nope")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let draft = admin.get(uri, Some(&admin.token)).await;
    assert_eq!(draft.status, StatusCode::OK);
    assert!(
        draft.json()["html"]
            .as_str()
            .unwrap_or_default()
            .contains("teleporter")
    );
}

#[tokio::test]
async fn assets_are_served_and_no_path_reaches_outside_them() {
    let admin = start().await;
    let mut files = admin.with_article("photo", "![The hub](assets/img/hub.png)");
    files
        .insert("assets/img/hub.png", vec![0x89, b'P', b'N', b'G'])
        .expect("insert");
    assert_eq!(
        admin.publish(&files.to_bundle()).await.status,
        StatusCode::OK
    );
    let article = admin.get("/api/v1/articles/photo", None).await.json();
    assert!(
        article["html"]
            .as_str()
            .unwrap_or_default()
            .contains(r#"src="/api/v1/assets/img/hub.png""#)
    );
    let png = admin.get("/api/v1/assets/img/hub.png", None).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(&png.body[..], &[0x89, b'P', b'N', b'G']);
    for bad in [
        "/api/v1/assets/../site.toml",
        "/api/v1/assets/%2e%2e/site.toml",
        "/api/v1/assets/img/%2e%2e/%2e%2e/site.toml",
        "/api/v1/assets/..%2f..%2fCargo.toml",
        "/api/v1/assets/site.toml",
    ] {
        let answer = admin.get(bad, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{bad}");
    }
}
