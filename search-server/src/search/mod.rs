//! Full-text search over a [`Library`]: the only module that knows tantivy.
//!
//! Each locale gets an in-RAM index built from the library's published articles, analysed for
//! the locale's language ([`analysis`]). A query never fails because of what a customer typed:
//! it is cleaned ([`query::clean`]) and turned into term queries directly, without a query
//! parser ([`ranking`] says how they score). Snippets are built by our own highlighter
//! ([`snippet`]) so that typo and prefix matches are highlighted too. A query that finds
//! nothing gets a "did you mean" built from the index's own words ([`spelling`]).

pub mod analysis;
mod facets;
pub mod flows;
mod impact;
pub mod pages;
pub mod query;
mod ranking;
pub mod relevance;
pub mod snippet;
mod spelling;
mod synonyms;
mod top;

use std::collections::HashMap;

use baton_core::api::{SearchHit, SearchResponse};
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, ReloadPolicy, Score, Searcher, TantivyDocument, Term,
};

use crate::content::{Library, LoadedArticle, LocaleSynonyms};

/// Most hits a search returns.
pub const MAX_LIMIT: usize = 50;

/// Why the index could not be built or searched. Not caused by queries.
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

/// What to search for: the text as typed, and optional filters.
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchRequest<'a> {
    /// What the customer typed; any text is valid.
    pub query: &'a str,
    /// Most hits to return; clamped to `1..=MAX_LIMIT`.
    pub limit: usize,
    /// Only articles of this category (exact name).
    pub category: Option<&'a str>,
    /// Only articles that have every one of these tags (exact).
    pub tags: &'a [String],
}

/// Where a search finds the articles it returns: the [`Library`] in production, a plain map in
/// the relevance harness. The index only stores slugs.
pub trait ArticleSource {
    /// The published article `slug` of `locale`, if there is one.
    fn article(&self, locale: &str, slug: &str) -> Option<&LoadedArticle>;
}

impl ArticleSource for Library {
    fn article(&self, locale: &str, slug: &str) -> Option<&LoadedArticle> {
        Library::article(self, locale, slug)
    }
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    slug: Field,
    title: Field,
    summary: Field,
    tags: Field,
    body: Field,
    category: Field,
    /// Each tag as one exact term, for filtering.
    tag: Field,
    /// Every word as written (lowercased, not stemmed), for "did you mean".
    spelling: Field,
}

const CATEGORY_FIELD: &str = "category";

struct LocaleIndex {
    reader: IndexReader,
    /// The slug of every document, by segment and document id: read once when the index is
    /// built (it never changes), so a hit needs no trip to the compressed document store.
    slugs: Vec<Vec<String>>,
    /// The category of every document, for the facets.
    categories: facets::CategoryTable,
    /// Precomputed scores of every term (`None` if the index has several segments).
    impacts: Option<impact::Impacts>,
    fields: Fields,
    analyzer: TextAnalyzer,
    synonyms: synonyms::SynonymTable,
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

fn schema() -> (Schema, Fields) {
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::TEXT)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let spelling = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::SPELLING)
            .set_index_option(IndexRecordOption::Basic),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        slug: builder.add_text_field("slug", STRING | STORED),
        title: builder.add_text_field("title", text.clone()),
        summary: builder.add_text_field("summary", text.clone()),
        tags: builder.add_text_field("tags", text.clone()),
        body: builder.add_text_field("body", text),
        category: builder.add_text_field(CATEGORY_FIELD, STRING | FAST | STORED),
        tag: builder.add_text_field("tag", STRING),
        spelling: builder.add_text_field("spelling", spelling),
    };
    (builder.build(), fields)
}

/// Memory for the index writer; tantivy's minimum, plenty for a knowledge base.
const WRITER_MEMORY: usize = 15_000_000;

impl SearchIndex {
    /// Indexes every published article of every locale of the library.
    pub fn build(library: &Library) -> Result<SearchIndex, SearchError> {
        SearchIndex::build_locales(library.locales().map(|locale| {
            (
                locale,
                library.articles(locale),
                library.synonyms.for_locale(locale),
            )
        }))
    }

    /// Indexes articles by locale, with the locale's synonyms. [`SearchIndex::build`] and the
    /// relevance harness both use it, so the harness measures the production index.
    pub fn build_locales<'a, L, A>(locales: L) -> Result<SearchIndex, SearchError>
    where
        L: IntoIterator<Item = (&'a str, A, &'a LocaleSynonyms)>,
        A: IntoIterator<Item = &'a LoadedArticle>,
    {
        let mut indexes = HashMap::new();
        for (locale, articles, synonyms) in locales {
            let (schema, fields) = schema();
            let index = Index::create_in_ram(schema);
            let analyzer = analysis::text_analyzer(locale);
            index
                .tokenizers()
                .register(analysis::TEXT, analyzer.clone());
            index
                .tokenizers()
                .register(analysis::SPELLING, analysis::spelling_analyzer());
            let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
            writer.set_merge_policy(Box::new(NoMergePolicy));
            for article in articles {
                writer.add_document(document(&fields, article))?;
            }
            writer.commit()?;
            // One segment: every query clause is set up once instead of once per segment.
            let segments = index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
            writer.wait_merging_threads()?;
            let reader: IndexReader = index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()?;
            let slugs = slugs(&reader.searcher(), fields.slug)?;
            let categories = facets::CategoryTable::read(&reader.searcher(), CATEGORY_FIELD)?;
            let impacts = impact::Impacts::build(&reader.searcher(), &fields)?;
            let table = synonyms::SynonymTable::new(synonyms, &mut analyzer.clone());
            indexes.insert(
                locale.to_owned(),
                LocaleIndex {
                    reader,
                    slugs,
                    categories,
                    impacts,
                    fields,
                    analyzer,
                    synonyms: table,
                },
            );
        }
        Ok(SearchIndex { locales: indexes })
    }

    /// Searches the articles of `locale` for what a customer typed, best first, with facet
    /// counts by category and, when nothing is found, a spelling suggestion. Any text is a
    /// valid query; text without words finds nothing.
    pub fn search<S: ArticleSource + ?Sized>(
        &self,
        articles: &S,
        locale: &str,
        request: &SearchRequest<'_>,
    ) -> Result<SearchResponse, SearchError> {
        let cleaned = query::clean(request.query);
        let empty = |query: String| SearchResponse {
            query,
            total: 0,
            hits: Vec::new(),
            facets: Vec::new(),
            suggestion: None,
            flows: Vec::new(),
        };
        let Some(target) = self.locales.get(locale) else {
            return Ok(empty(cleaned));
        };
        let fields = &target.fields;
        let mut analyzer = target.analyzer.clone();
        let mut words = query::words(&cleaned, &mut analyzer);
        if words.is_empty() {
            return Ok(empty(cleaned));
        }
        let searcher = target.reader.searcher();
        let plan = ranking::build(&mut words, &searcher, fields, &target.synonyms)?;

        let filters: Vec<Box<dyn Query>> = request
            .tags
            .iter()
            .map(|tag| exact(fields.tag, tag.trim()))
            .collect();
        let limit = request.limit.clamp(1, MAX_LIMIT);
        let category = request.category.map(str::trim).filter(|c| !c.is_empty());
        let mut all_filters: Vec<Box<dyn Query>> = filters.iter().map(|f| f.box_clone()).collect();
        all_filters.extend(category.map(|c| exact(fields.category, c)));
        let filter = |query| with_filters(query, &all_filters);
        let counts = facets::CategoryCounts::new(&target.categories);
        let found = match (&target.impacts, &plan.terms, category) {
            (Some(impacts), Some(terms), _) => {
                let scores = impacts.scores(terms);
                let mut allowed: Option<Vec<bool>> = None;
                for tag in request.tags {
                    let having = impact::having(&searcher, fields.tag, tag.trim())?;
                    allowed = Some(match allowed {
                        None => having,
                        Some(a) => a.iter().zip(&having).map(|(x, y)| *x && *y).collect(),
                    });
                }
                let wanted = category.map(|c| target.categories.ord_of(c));
                let mut categories = vec![0; target.categories.len()];
                let mut candidates = Vec::new();
                for (doc, &score) in scores.iter().enumerate() {
                    if score <= 0.0 || allowed.as_ref().is_some_and(|a| !a[doc]) {
                        continue;
                    }
                    let ord = target.categories.ord(doc as DocId);
                    if let Some(ord) = ord {
                        categories[ord] += 1;
                    }
                    if wanted.is_none_or(|w| w.is_some() && w == ord) {
                        candidates.push((score, DocAddress::new(0, doc as DocId)));
                    }
                }
                let total = candidates.len();
                let keep = top::CANDIDATES.max(limit);
                let best = |a: &(Score, DocAddress), b: &(Score, DocAddress)| {
                    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
                };
                if candidates.len() > keep {
                    candidates.select_nth_unstable_by(keep - 1, best);
                    candidates.truncate(keep);
                }
                candidates.sort_unstable_by(best);
                let hits = top::hits(&searcher, &plan, &filter, &candidates, limit, total < keep)?;
                top::Found {
                    hits,
                    total,
                    categories,
                }
            }
            (_, _, Some(_)) => {
                // The facets ignore the category filter, so the customer sees the others.
                let faceted = with_filters(plan.matching.box_clone(), &filters);
                let categories = searcher.search(&*faceted, &counts)?;
                let found = top::search(&searcher, &plan, &filter, limit, counts)?;
                top::Found {
                    categories,
                    ..found
                }
            }
            _ => top::search(&searcher, &plan, &filter, limit, counts)?,
        };
        let (top, total, categories) = (found.hits, found.total, found.categories);

        let mut hits = Vec::with_capacity(top.len());
        let mut highlighter = snippet::Highlighter::new(&words, analyzer);
        for (_score, address) in top {
            let Some(slug) = target
                .slugs
                .get(address.segment_ord as usize)
                .and_then(|segment| segment.get(address.doc_id as usize))
            else {
                continue;
            };
            let Some(article) = articles.article(locale, slug) else {
                continue;
            };
            hits.push(SearchHit {
                slug: article.slug.clone(),
                title: article.title.clone(),
                summary: article.summary.clone(),
                category: article.category.clone(),
                snippet: highlighter.snippet(&article.text),
            });
        }
        let suggestion = if total == 0 {
            spelling::suggest(&cleaned, &searcher, fields.spelling)?
        } else {
            None
        };
        Ok(SearchResponse {
            query: cleaned,
            total: total as u64,
            hits,
            facets: facets::sorted(target.categories.named(&categories)),
            suggestion,
            flows: Vec::new(),
        })
    }
}

/// The stored slug of every document of the searcher, by segment and document id.
fn slugs(searcher: &Searcher, field: Field) -> Result<Vec<Vec<String>>, SearchError> {
    searcher
        .segment_readers()
        .iter()
        .map(|segment| {
            let store = segment
                .get_store_reader(1)
                .map_err(tantivy::TantivyError::from)?;
            (0..segment.max_doc())
                .map(|id| {
                    let doc: TantivyDocument = store.get(id)?;
                    Ok(doc
                        .get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned())
                })
                .collect()
        })
        .collect()
}

fn document(fields: &Fields, article: &LoadedArticle) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.slug, &article.slug);
    doc.add_text(fields.title, &article.title);
    doc.add_text(fields.summary, &article.summary);
    for tag in &article.tags {
        doc.add_text(fields.tags, tag);
        doc.add_text(fields.tag, tag);
    }
    doc.add_text(fields.body, &article.text);
    doc.add_text(fields.category, &article.category);
    for text in [&article.title, &article.summary, &article.text] {
        doc.add_text(fields.spelling, text);
    }
    for tag in &article.tags {
        doc.add_text(fields.spelling, tag);
    }
    doc
}

/// A filter clause on an exact (untokenized) value.
fn exact(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// `query` restricted to documents matching every filter; filters do not change scores.
fn with_filters(query: Box<dyn Query>, filters: &[Box<dyn Query>]) -> Box<dyn Query> {
    if filters.is_empty() {
        return query;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
    for filter in filters {
        clauses.push((
            Occur::Must,
            Box::new(BoostQuery::new(filter.box_clone(), 0.0)),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}
