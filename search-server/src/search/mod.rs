//! Full-text search over a [`Library`]: the only module that knows tantivy.
//!
//! Each locale gets an in-RAM index built from the library's published articles. A query never
//! fails because of what a customer typed: it is cleaned ([`query::clean`]) and turned into
//! term queries directly, without a query parser. Ranking: OR over the words; title ×3, tags
//! ×2, summary ×1.5, body ×1; the last word also matches as a prefix and long words also match
//! with one typo, both scoring below an exact match.

pub mod query;
pub mod snippet;

use std::collections::HashMap;

use baton_core::api::{SearchHit, SearchResponse};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::content::Library;
use query::QueryWord;

/// Most hits a search returns.
pub const MAX_LIMIT: usize = 50;

/// Weight of an exact word match per field.
const FIELD_BOOSTS: [(FieldName, f32); 4] = [
    (FieldName::Title, 3.0),
    (FieldName::Tags, 2.0),
    (FieldName::Summary, 1.5),
    (FieldName::Body, 1.0),
];
/// A prefix match scores this fraction of the field's boost (a constant score).
const PREFIX_FACTOR: f32 = 0.4;
/// A one-typo match scores this fraction of the field's boost (a constant score). An exact
/// match also matches the fuzzy query, so it always scores above a typo of the same word.
const FUZZY_FACTOR: f32 = 0.2;

/// Why the index could not be built or searched. Not caused by queries.
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

#[derive(Clone, Copy, Debug)]
enum FieldName {
    Title,
    Tags,
    Summary,
    Body,
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    slug: Field,
    title: Field,
    summary: Field,
    tags: Field,
    body: Field,
    category: Field,
}

impl Fields {
    fn text(&self, name: FieldName) -> Field {
        match name {
            FieldName::Title => self.title,
            FieldName::Tags => self.tags,
            FieldName::Summary => self.summary,
            FieldName::Body => self.body,
        }
    }
}

struct LocaleIndex {
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
}

/// The search indexes of a library, one per locale.
pub struct SearchIndex {
    locales: HashMap<String, LocaleIndex>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("locales", &self.locales.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The tokenizer for a locale's text: English stemming for `en`, plain words otherwise.
fn tokenizer_for(locale: &str) -> &'static str {
    if locale == "en" || locale.starts_with("en-") {
        "en_stem"
    } else {
        "default"
    }
}

fn schema(tokenizer: &str) -> (Schema, Fields) {
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        slug: builder.add_text_field("slug", STRING | STORED),
        title: builder.add_text_field("title", text.clone()),
        summary: builder.add_text_field("summary", text.clone()),
        tags: builder.add_text_field("tags", text.clone()),
        body: builder.add_text_field("body", text),
        category: builder.add_text_field("category", STRING | STORED),
    };
    (builder.build(), fields)
}

/// Memory for the index writer; tantivy's minimum, plenty for a knowledge base.
const WRITER_MEMORY: usize = 15_000_000;

impl SearchIndex {
    /// Indexes every published article of every locale of the library.
    pub fn build(library: &Library) -> Result<SearchIndex, SearchError> {
        let mut locales = HashMap::new();
        for locale in library.locales() {
            let tokenizer = tokenizer_for(locale);
            let (schema, fields) = schema(tokenizer);
            let index = Index::create_in_ram(schema);
            let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
            for article in library.articles(locale) {
                let mut doc = TantivyDocument::default();
                doc.add_text(fields.slug, &article.slug);
                doc.add_text(fields.title, &article.title);
                doc.add_text(fields.summary, &article.summary);
                for tag in &article.tags {
                    doc.add_text(fields.tags, tag);
                }
                doc.add_text(fields.body, &article.text);
                doc.add_text(fields.category, &article.category);
                writer.add_document(doc)?;
            }
            writer.commit()?;
            let reader = index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()?;
            let analyzer = index.tokenizers().get(tokenizer).ok_or_else(|| {
                tantivy::TantivyError::InvalidArgument(format!("no tokenizer {tokenizer}"))
            })?;
            locales.insert(
                locale.to_owned(),
                LocaleIndex {
                    reader,
                    fields,
                    analyzer,
                },
            );
        }
        Ok(SearchIndex { locales })
    }

    /// Searches the articles of `locale` for what a customer typed. `limit` is clamped to
    /// `1..=MAX_LIMIT`. Any text is a valid query; text without words finds nothing.
    pub fn search(
        &self,
        library: &Library,
        locale: &str,
        typed: &str,
        limit: usize,
    ) -> Result<SearchResponse, SearchError> {
        let cleaned = query::clean(typed);
        let empty = |query: String| SearchResponse {
            query,
            total: 0,
            hits: Vec::new(),
        };
        let Some(target) = self.locales.get(locale) else {
            return Ok(empty(cleaned));
        };
        let mut analyzer = target.analyzer.clone();
        let words = query::words(&cleaned, &mut analyzer);
        if words.is_empty() {
            return Ok(empty(cleaned));
        }
        let query = build_query(&words, &target.fields);
        let searcher = target.reader.searcher();
        let limit = limit.clamp(1, MAX_LIMIT);
        let (top, total) = searcher.search(
            &query,
            &(TopDocs::with_limit(limit).order_by_score(), Count),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (_score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(slug) = doc.get_first(target.fields.slug).and_then(|v| v.as_str()) else {
                continue;
            };
            let Some(article) = library.article(locale, slug) else {
                continue;
            };
            hits.push(SearchHit {
                slug: article.slug.clone(),
                title: article.title.clone(),
                summary: article.summary.clone(),
                category: article.category.clone(),
                snippet: snippet::snippet(&article.text, &words, &mut analyzer),
            });
        }
        Ok(SearchResponse {
            query: cleaned,
            total: total as u64,
            hits,
        })
    }
}

fn build_query(words: &[QueryWord], fields: &Fields) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut add = |query: Box<dyn Query>, boost: f32| {
        clauses.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
    };
    for word in words {
        for (name, boost) in FIELD_BOOSTS {
            let field = fields.text(name);
            let term = Term::from_field_text(field, &word.term);
            add(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                boost,
            );
            if word.fuzzy {
                add(
                    Box::new(FuzzyTermQuery::new(term, 1, true)),
                    boost * FUZZY_FACTOR,
                );
            }
            if word.prefix {
                let mut prefixes = vec![word.term.as_str()];
                if word.typed != word.term {
                    prefixes.push(word.typed.as_str());
                }
                for prefix in prefixes {
                    let term = Term::from_field_text(field, prefix);
                    add(
                        Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
                        boost * PREFIX_FACTOR,
                    );
                }
            }
        }
    }
    BooleanQuery::new(clauses)
}
