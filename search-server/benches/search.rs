//! Search latency by kind of query on generated knowledge bases of 1k and 10k articles:
//!
//! - `search_<n>`: server side without HTTP, [`SearchIndex::search`] with snippets and facets,
//!   as the API handler calls it;
//! - `http_oneshot_<n>`: the whole axum app (`http::app`: routing, query parsing, JSON,
//!   middleware) driven in-process with `tower::ServiceExt::oneshot`;
//! - `http_socket_<n>`: the same app served on a real 127.0.0.1 socket, one keep-alive client.
//!
//! Run with `cargo bench -p baton-server --bench search`; set `BATON_BENCH_100K=1` to add 100k
//! articles (indexing them takes a while), and `BATON_BENCH_HTTP=0` to skip the HTTP groups.
//! The HTTP groups stop at the largest knowledge base a content folder may hold
//! ([`MAX_FILES`]): 100k articles are measured without HTTP only.

mod corpus;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use baton_server::content::files::MAX_FILES;
use baton_server::content::{Library, LoadedArticle, LocaleSynonyms};
use baton_server::http::{AppState, app};
use baton_server::knowledge::{Knowledge, LiveKnowledge};
use baton_server::search::{ArticleSource, SearchIndex, SearchRequest};
use baton_server::storage::Storage;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

struct Articles(BTreeMap<String, LoadedArticle>);

impl ArticleSource for Articles {
    fn article(&self, _locale: &str, slug: &str) -> Option<&LoadedArticle> {
        self.0.get(slug)
    }
}

fn loaded(doc: corpus::Doc) -> LoadedArticle {
    LoadedArticle {
        slug: doc.slug,
        locale: "en".into(),
        title: doc.title,
        summary: doc.summary,
        category: doc.category,
        tags: doc.tags,
        text: doc.body,
        ..LoadedArticle::default()
    }
}

fn sizes() -> Vec<usize> {
    let mut sizes = vec![1_000, 10_000];
    if std::env::var_os("BATON_BENCH_100K").is_some() {
        sizes.push(100_000);
    }
    sizes
}

fn search(c: &mut Criterion) {
    let synonyms = LocaleSynonyms::default();
    for n in sizes() {
        let articles = Articles(
            corpus::articles(n)
                .into_iter()
                .map(|d| (d.slug.clone(), loaded(d)))
                .collect(),
        );
        let index = SearchIndex::build_locales([("en", articles.0.values(), &synonyms)])
            .expect("index builds");
        let mut group = c.benchmark_group(format!("search_{n}"));
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(2));
        for (kind, query) in corpus::QUERIES {
            let request = SearchRequest {
                query,
                limit: 10,
                ..SearchRequest::default()
            };
            group.bench_with_input(BenchmarkId::from_parameter(kind), &request, |b, r| {
                b.iter(|| index.search(&articles, "en", r).expect("search"));
            });
        }
        group.finish();
    }
}

/// The production app over a generated content folder, with a fresh database.
async fn bench_app(n: usize, dir: &std::path::Path) -> axum::Router {
    let content = dir.join("content");
    corpus::write_content(&content, &corpus::articles(n)).expect("content written");
    let library = Library::load(&content).expect("generated content loads");
    let knowledge = Knowledge::build(library).expect("index builds");
    let storage = Storage::open(&dir.join("data"))
        .await
        .expect("storage opens");
    app(AppState {
        knowledge: Arc::new(LiveKnowledge::new(knowledge)),
        storage,
        widget_dir: dir.join("widget"),
        host_page: None,
        handoff: Default::default(),
        events: Default::default(),
    })
}

fn http(c: &mut Criterion) {
    if std::env::var_os("BATON_BENCH_HTTP").is_some_and(|v| v == "0") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for n in sizes().into_iter().filter(|n| *n < MAX_FILES) {
        let dir = tempfile::tempdir().expect("tempdir");
        let router = runtime.block_on(bench_app(n, dir.path()));

        let mut group = c.benchmark_group(format!("http_oneshot_{n}"));
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(2));
        for (kind, query) in corpus::QUERIES {
            let uri = format!("/api/v1/search?limit=10&q={}", corpus::encode(query));
            group.bench_with_input(BenchmarkId::from_parameter(kind), &uri, |b, uri| {
                b.iter(|| {
                    runtime.block_on(async {
                        let request = Request::get(uri.as_str())
                            .header("accept-encoding", "gzip")
                            .body(Body::empty())
                            .expect("request");
                        let response = router.clone().oneshot(request).await.expect("infallible");
                        assert_eq!(response.status(), StatusCode::OK);
                        response.into_body().collect().await.expect("body")
                    })
                });
            });
        }
        group.finish();

        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let server = runtime.spawn(async move { axum::serve(listener, router).await });
        let agent = ureq::Agent::new_with_defaults();
        let mut group = c.benchmark_group(format!("http_socket_{n}"));
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(2));
        for (kind, query) in corpus::QUERIES {
            let url = format!(
                "http://{addr}/api/v1/search?limit=10&q={}",
                corpus::encode(query)
            );
            group.bench_with_input(BenchmarkId::from_parameter(kind), &url, |b, url| {
                b.iter(|| {
                    let mut response = agent.get(url).call().expect("answer");
                    response.body_mut().read_to_vec().expect("body")
                });
            });
        }
        group.finish();
        server.abort();
    }
}

criterion_group!(benches, search, http);
criterion_main!(benches);
