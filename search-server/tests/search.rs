//! Search behaviour over HTTP: filters, facets, "did you mean", page suggestions, and no query
//! ever failing.

mod fixture;

use axum::http::StatusCode;
use baton_server::content::Library;
use baton_server::knowledge::Knowledge;
use baton_server::search::SearchRequest;
use fixture::{TestApp, content_dir, encode};
use proptest::prelude::*;
use serde_json::Value;

fn slugs(response: &Value) -> Vec<&str> {
    response["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["slug"].as_str().expect("slug"))
        .collect()
}

#[tokio::test]
async fn a_category_filter_keeps_only_that_category_but_facets_show_all() {
    let app = TestApp::start().await;
    let all = app.get("/api/v1/search?q=reset").await.json();
    assert_eq!(slugs(&all).len(), 2, "{all}");
    let json = app
        .get("/api/v1/search?q=reset&category=account")
        .await
        .json();
    assert_eq!(slugs(&json), ["reset-your-password"], "{json}");
    assert_eq!(json["total"], 1);
    let facets = json["facets"].as_array().expect("facets");
    assert_eq!(facets.len(), 2, "{json}");
    for facet in facets {
        assert_eq!(facet["count"], 1, "{json}");
    }
}

#[tokio::test]
async fn a_tags_filter_needs_every_tag() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/search?q=reset&tags=login").await.json();
    assert_eq!(slugs(&json), ["reset-your-password"], "{json}");
    let json = app
        .get("/api/v1/search?q=reset&tags=login,wipe")
        .await
        .json();
    assert_eq!(json["total"], 0, "{json}");
}

#[tokio::test]
async fn a_query_that_finds_nothing_gets_a_did_you_mean_from_the_articles_words() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/search?q=hbu%20rset").await.json();
    assert_eq!(json["total"], 0, "{json}");
    assert_eq!(json["suggestion"], "hub reset", "{json}");
    let found = app.get("/api/v1/search?q=hub").await.json();
    assert!(found.get("suggestion").is_none(), "{found}");
}

#[tokio::test]
async fn a_misspelled_word_still_finds_the_article_and_is_highlighted() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/search?q=pasword%20emial").await.json();
    assert_eq!(slugs(&json).first(), Some(&"reset-your-password"), "{json}");
    let snippet = &json["hits"][0]["snippet"];
    let highlighted: Vec<&str> = snippet
        .as_array()
        .expect("fragments")
        .iter()
        .filter(|f| f["highlight"] == true)
        .map(|f| f["text"].as_str().expect("text"))
        .collect();
    assert!(highlighted.contains(&"password"), "{snippet}");
    assert!(highlighted.contains(&"email"), "{snippet}");
}

#[tokio::test]
async fn short_words_and_numbers_are_never_fuzzy() {
    let app = TestApp::start().await;
    // "hug" is one edit from "hub", but three letters must be spelled right.
    let json = app.get("/api/v1/search?q=hug%20").await.json();
    assert_eq!(json["total"], 0, "{json}");
}

#[tokio::test]
async fn suggestions_put_articles_for_the_page_first_then_the_editorial_order() {
    let app = TestApp::start().await;
    let url = encode("https://shop.acme.example/account/security?tab=2");
    let json = app
        .get(&format!("/api/v1/suggestions?page_url={url}"))
        .await
        .json();
    assert_eq!(json["path"], "/account/security", "{json}");
    let articles = json["articles"].as_array().expect("articles");
    assert_eq!(articles[0]["slug"], "reset-your-password", "{json}");
    assert_eq!(articles[0]["reason"], "page_match", "{json}");
    assert_eq!(
        articles.len(),
        3,
        "every published article, drafts excluded: {json}"
    );
    assert!(
        articles[1..].iter().all(|a| a["reason"] == "editorial"),
        "{json}"
    );
}

#[tokio::test]
async fn suggestions_without_a_page_url_are_the_editorial_order_and_limit_is_checked() {
    let app = TestApp::start().await;
    let json = app.get("/api/v1/suggestions?limit=2").await.json();
    assert_eq!(json["articles"].as_array().map(Vec::len), Some(2), "{json}");
    let bad = app.get("/api/v1/suggestions?limit=zero").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_code(), "invalid_query");
}

fn suggested(json: &Value) -> Vec<(String, String)> {
    json["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|a| {
            let text = |k: &str| a[k].as_str().expect("text").to_owned();
            (text("slug"), text("reason"))
        })
        .collect()
}

#[tokio::test]
async fn suggestions_fill_with_the_most_viewed_articles_and_views_are_stored() {
    let app = TestApp::start().await;
    let before = app.get("/api/v1/suggestions").await.json();
    assert!(
        suggested(&before).iter().all(|(_, r)| r == "editorial"),
        "{before}"
    );
    for slug in [
        "track-your-order",
        "track-your-order",
        "factory-reset-your-hub",
    ] {
        let answer = app.get(&format!("/api/v1/articles/{slug}")).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    // A missing article counts nothing.
    app.get("/api/v1/articles/no-such-article").await;
    let pair = |slug: &str, reason: &str| (slug.to_owned(), reason.to_owned());

    let json = app.get("/api/v1/suggestions").await.json();
    assert_eq!(
        suggested(&json),
        [
            pair("track-your-order", "most_viewed"),
            pair("factory-reset-your-hub", "most_viewed"),
            pair("reset-your-password", "editorial"),
        ],
        "{json}"
    );
    // Page matches still come first.
    let url = encode("https://shop.acme.example/account");
    let json = app
        .get(&format!("/api/v1/suggestions?page_url={url}"))
        .await
        .json();
    assert_eq!(
        suggested(&json),
        [
            pair("reset-your-password", "page_match"),
            pair("track-your-order", "most_viewed"),
            pair("factory-reset-your-hub", "most_viewed"),
        ],
        "{json}"
    );

    // The counts survive a restart: closing writes them, opening reads them back.
    app.storage.close().await;
    let reopened = baton_server::storage::Storage::open(&app.dir.path().join("data"))
        .await
        .expect("storage reopens");
    let counts = reopened.with_view_counts("en", |views| {
        [
            "track-your-order",
            "factory-reset-your-hub",
            "reset-your-password",
        ]
        .map(views)
    });
    assert_eq!(counts, [2, 1, 0]);
    // A flush adds to what is stored.
    reopened.record_view("en", "reset-your-password");
    reopened.flush_views().await.expect("flush");
    reopened.close().await;
    let again = baton_server::storage::Storage::open(&app.dir.path().join("data"))
        .await
        .expect("storage reopens");
    assert_eq!(
        again.with_view_counts("en", |views| views("reset-your-password")),
        1
    );
    assert_eq!(
        again.with_view_counts("de", |views| views("track-your-order")),
        0
    );
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 +\\-\"*:~()\\[\\]{}^!?/\\\\<>=&|.,'`\u{0}-\u{1f}]{0,300}",
        "(reset|password|hub|order|ünïcödé|🔥|AND|OR|NOT|title:|\\*| ){0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_query_makes_the_search_function_fail(
        query in hostile_text(),
        category in proptest::option::of(hostile_text()),
        tags in proptest::collection::vec(hostile_text(), 0..3),
        limit in 0usize..100,
    ) {
        let knowledge = knowledge();
        let request = SearchRequest { query: &query, limit, category: category.as_deref(), tags: &tags };
        let response = knowledge.index.search(&knowledge.library, "en", &request);
        prop_assert!(response.is_ok(), "{query:?}: {response:?}");
        let response = response.unwrap_or_else(|_| unreachable!());
        prop_assert!(response.query.chars().count() <= baton_core::api::MAX_QUERY_CHARS);
        prop_assert!(response.hits.len() <= limit.max(1));
    }

    #[test]
    fn no_query_makes_the_search_endpoint_answer_500(
        query in hostile_text(),
        category in hostile_text(),
        tags in hostile_text(),
    ) {
        let (runtime, app) = app();
        let uri = format!(
            "/api/v1/search?q={}&category={}&tags={}&locale={}",
            encode(&query), encode(&category), encode(&tags), encode(&category)
        );
        let answer = runtime.block_on(app.get(&uri));
        prop_assert!(
            answer.status == StatusCode::OK || answer.status == StatusCode::BAD_REQUEST,
            "{uri}: {}", answer.status
        );
        let page = format!("/api/v1/suggestions?page_url={}", encode(&query));
        let answer = runtime.block_on(app.get(&page));
        prop_assert_eq!(answer.status, StatusCode::OK, "{}", page);
    }
}

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: std::sync::OnceLock<Knowledge> = std::sync::OnceLock::new();
    KNOWLEDGE.get_or_init(|| {
        let library = Library::load(&content_dir()).expect("fixture content loads");
        Knowledge::build(library).expect("index builds")
    })
}

fn app() -> &'static (tokio::runtime::Runtime, TestApp) {
    static APP: std::sync::OnceLock<(tokio::runtime::Runtime, TestApp)> =
        std::sync::OnceLock::new();
    APP.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let app = runtime.block_on(TestApp::start());
        (runtime, app)
    })
}

fn demo_knowledge() -> Knowledge {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
    let library = Library::load(&dir).expect("kb-content loads");
    Knowledge::build(library).expect("index builds")
}

fn demo_search(knowledge: &Knowledge, locale: &str, query: &str) -> Vec<String> {
    let request = SearchRequest {
        query,
        limit: 10,
        ..SearchRequest::default()
    };
    let response = knowledge
        .index
        .search(&knowledge.library, locale, &request)
        .expect("search");
    response.hits.into_iter().map(|h| h.slug).collect()
}

#[test]
fn synonyms_from_the_knowledge_base_find_articles_that_use_another_word() {
    let knowledge = demo_knowledge();
    let direct = demo_search(&knowledge, "en", "wifi");
    assert!(!direct.is_empty());
    let via_synonym = demo_search(&knowledge, "en", "wlan");
    assert!(
        via_synonym.iter().any(|s| direct.contains(s)),
        "wlan: {via_synonym:?}, wifi: {direct:?}"
    );
}

#[test]
fn german_articles_are_found_with_german_stemming() {
    let knowledge = demo_knowledge();
    let hits = demo_search(&knowledge, "de", "Passwörter");
    assert!(!hits.is_empty(), "a plural finds the singular");
}
