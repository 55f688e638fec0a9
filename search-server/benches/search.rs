//! Search latency by kind of query on generated knowledge bases of 1k and 10k articles,
//! server side without HTTP: [`SearchIndex::search`] with snippets and facets, as the API
//! handler calls it. Run with `cargo bench -p baton-server --bench search`; set
//! `BATON_BENCH_100K=1` to add 100k articles (indexing them takes a while).

mod corpus;

use std::collections::BTreeMap;
use std::time::Duration;

use baton_server::content::{LoadedArticle, LocaleSynonyms};
use baton_server::search::{ArticleSource, SearchIndex, SearchRequest};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

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

fn search(c: &mut Criterion) {
    let mut sizes = vec![1_000, 10_000];
    if std::env::var_os("BATON_BENCH_100K").is_some() {
        sizes.push(100_000);
    }
    let synonyms = LocaleSynonyms::default();
    for n in sizes {
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

criterion_group!(benches, search);
criterion_main!(benches);
