//! How a query's words become one scored tantivy query.
//!
//! - Every word is looked up exactly in each text field, scored by BM25 times the field's
//!   boost (title ×2, tags ×1.5, summary ×1.25, body ×1); the words are OR-ed, so an article that
//!   has more of them ranks higher.
//! - A word the index does not have is probably misspelled: it is replaced by the index's
//!   closest words within its typo allowance ([`query::typos_allowed`]), each scored by BM25 at
//!   [`TYPO_FACTOR`] of an exact match. A word the index has is taken as spelled right, so an
//!   exact match always ranks above a typo match of the same word.
//! - The last word, while still being typed, also matches as a prefix at a constant
//!   [`PREFIX_FACTOR`] of the field's boost.
//! - Synonyms from `synonyms.toml` (of a word, or of up to three neighbouring words such as
//!   "base station") match at [`SYNONYM_FACTOR`] of an exact match; a synonym of several words
//!   as a phrase.
//! - Neighbouring words of the query found close together (within [`PHRASE_SLOP`] extra
//!   positions) in the title or body add a phrase score: proximity is evidence of meaning.
//!
//! The proximity clauses are kept apart ([`Plan::proximity`]): they only ever match articles
//! the other clauses match, and decoding positions for every such article is most of the cost
//! of a many-word query, so the search adds them to the best candidates only (see
//! [`super::top`]). [`Plan::proximity_bound`] says how much they can add at most.

use std::collections::HashMap;
use std::ops::Bound;

use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, InvertedIndexRangeQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::query::{self, QueryWord};
use super::synonyms::SynonymTable;
use super::{Fields, SearchError};

/// Weight of an exact word match per field: the more curated and shorter the field, the
/// stronger its evidence (BM25 already favours short fields, so the steps are small).
pub(super) const FIELD_BOOSTS: [(TextField, f32); 4] = [
    (TextField::Title, 2.0),
    (TextField::Tags, 1.5),
    (TextField::Summary, 1.25),
    (TextField::Body, 1.0),
];
/// A prefix match scores this fraction of the field's boost (a constant score).
pub const PREFIX_FACTOR: f32 = 0.4;
/// A typo match scores this fraction of an exact match of the corrected word.
pub const TYPO_FACTOR: f32 = 0.6;
/// Most corrections tried for one misspelled word (the most frequent ones).
pub const MAX_CORRECTIONS: usize = 4;
/// Extra positions allowed between two neighbouring query words for a phrase match.
pub const PHRASE_SLOP: u32 = 2;
/// Weight of a phrase match relative to the field's boost.
pub const PHRASE_FACTOR: f32 = 0.25;
/// A synonym match scores this fraction of an exact match.
pub const SYNONYM_FACTOR: f32 = 0.8;

#[derive(Clone, Copy, Debug)]
pub(super) enum TextField {
    Title,
    Tags,
    Summary,
    Body,
}

impl Fields {
    pub(super) fn text(&self, name: TextField) -> Field {
        match name {
            TextField::Title => self.title,
            TextField::Tags => self.tags,
            TextField::Summary => self.summary,
            TextField::Body => self.body,
        }
    }
}

/// A query in two parts whose scores add up to the score of the whole query.
pub(super) struct Plan {
    /// Exact, typo, prefix and synonym clauses: which articles match, and most of their score.
    pub matching: Box<dyn Query>,
    /// The phrase clauses of neighbouring words, each boosted. An article they match is always
    /// matched by [`Plan::matching`] (both words are exact clauses of the same field).
    pub proximity: Vec<Box<dyn Query>>,
    /// For every article, the proximity clauses together score at most this factor times its
    /// score by [`Plan::matching`].
    ///
    /// Why: a phrase of two words in a field counts at most as many matches as the rarer word
    /// occurs there, and BM25 grows with the count, so its score is at most
    /// `(idf₁ + idf₂) · (k₁ + 1) · tf(min(f₁, f₂))` times its boost, which is [`PHRASE_FACTOR`]
    /// times the two words' exact scores in that field (same field norms, boost
    /// `PHRASE_FACTOR` × the field's). Each exact clause belongs to at most two neighbouring
    /// pairs (one when the query has two words), and every clause scores zero or more.
    pub proximity_bound: f32,
    /// The matching clauses as words, for the precomputed scores of [`super::impact`]; `None`
    /// when they hold a phrase (a synonym of several words).
    pub terms: Option<MatchingTerms>,
}

/// What the matching clauses look for, in every text field with the field's boost.
#[derive(Debug, Default)]
pub(super) struct MatchingTerms {
    /// Terms matched exactly, each with the fraction of an exact match it scores (one entry
    /// per clause: a word typed twice counts twice).
    pub exact: Vec<(String, f32)>,
    /// Prefixes, each scoring [`PREFIX_FACTOR`] of the field's boost where a term of the field
    /// starts with it.
    pub prefixes: Vec<String>,
}

impl Plan {
    /// The whole query as one: what the search runs when it cannot rank by candidates.
    pub fn whole(&self) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, self.matching.box_clone())];
        clauses.extend(
            self.proximity
                .iter()
                .map(|q| (Occur::Should, q.box_clone())),
        );
        Box::new(BooleanQuery::new(clauses))
    }
}

/// The query for `words`. Words the index has are marked as needing no typo tolerance, and
/// one-word synonyms are added to `words`, so the highlighter marks exactly what matched.
pub(super) fn build(
    words: &mut Vec<QueryWord>,
    searcher: &Searcher,
    fields: &Fields,
    synonyms: &SynonymTable,
) -> Result<Plan, SearchError> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut proximity: Vec<Box<dyn Query>> = Vec::new();
    let mut add = |query: Box<dyn Query>, boost: f32| {
        clauses.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
    };
    let mut terms = MatchingTerms::default();
    let mut single_words = true;
    let mut known = Vec::with_capacity(words.len());
    for word in words.iter_mut() {
        let in_index = doc_freq(searcher, fields, &word.term)? > 0;
        known.push(in_index);
        let corrections = if in_index || word.typos == 0 {
            word.typos = 0;
            Vec::new()
        } else {
            corrections(searcher, fields, word)?
        };
        if in_index {
            terms.exact.push((word.term.clone(), 1.0));
        }
        for correction in &corrections {
            terms.exact.push((correction.clone(), TYPO_FACTOR));
        }
        if word.prefix {
            terms.prefixes.push(word.term.clone());
            if word.typed != word.term {
                terms.prefixes.push(word.typed.clone());
            }
        }
        for (name, boost) in FIELD_BOOSTS {
            let field = fields.text(name);
            if in_index {
                add(term_query(field, &word.term), boost);
            }
            for correction in &corrections {
                add(term_query(field, correction), boost * TYPO_FACTOR);
            }
            if word.prefix {
                add(prefix_query(field, &word.term), boost * PREFIX_FACTOR);
                if word.typed != word.term {
                    add(prefix_query(field, &word.typed), boost * PREFIX_FACTOR);
                }
            }
        }
    }
    let mut pairs = 0;
    for (pair, known) in words.windows(2).zip(known.windows(2)) {
        if !(known[0] && known[1]) {
            continue;
        }
        pairs += 1;
        for (name, boost) in [FIELD_BOOSTS[0], FIELD_BOOSTS[3]] {
            let field = fields.text(name);
            let first = pair[0].position;
            let terms = pair
                .iter()
                .map(|w| {
                    (
                        w.position.saturating_sub(first),
                        Term::from_field_text(field, &w.term),
                    )
                })
                .collect();
            let phrase = PhraseQuery::new_with_offset_and_slop(terms, PHRASE_SLOP);
            proximity.push(Box::new(BoostQuery::new(
                Box::new(phrase),
                boost * PHRASE_FACTOR,
            )));
        }
    }
    // A word is in one pair when the query has two known neighbours, else in up to two.
    let proximity_bound = PHRASE_FACTOR * if pairs > 1 { 2.0 } else { 1.0 };
    let mut extra = Vec::new();
    for synonym in synonyms.expand(words) {
        match synonym.as_slice() {
            [term] => terms.exact.push((term.clone(), SYNONYM_FACTOR)),
            _ => single_words = false,
        }
        for (name, boost) in FIELD_BOOSTS {
            let field = fields.text(name);
            let query: Box<dyn Query> = match synonym.as_slice() {
                [term] => term_query(field, term),
                terms => Box::new(PhraseQuery::new(
                    terms
                        .iter()
                        .map(|t| Term::from_field_text(field, t))
                        .collect(),
                )),
            };
            add(query, boost * SYNONYM_FACTOR);
        }
        if let [term] = synonym.as_slice() {
            extra.push(QueryWord {
                term: term.clone(),
                typed: term.clone(),
                position: 0,
                typos: 0,
                prefix: false,
            });
        }
    }
    for word in extra {
        if !words.iter().any(|w| w.term == word.term) {
            words.push(word);
        }
    }
    Ok(Plan {
        matching: Box::new(BooleanQuery::new(clauses)),
        proximity,
        proximity_bound,
        terms: single_words.then_some(terms),
    })
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Every term of `field` that starts with `prefix`, at a constant score: the range of terms
/// from `prefix` up to the first byte string after all of its extensions (no automaton to build).
fn prefix_query(field: Field, prefix: &str) -> Box<dyn Query> {
    let start = Bound::Included(Term::from_field_text(field, prefix));
    let end = match prefix_end(prefix.as_bytes()) {
        Some(end) => Bound::Excluded(Term::from_field_bytes(field, &end)),
        None => Bound::Unbounded,
    };
    Box::new(InvertedIndexRangeQuery::new(start, end))
}

/// The smallest byte string greater than every string that starts with `prefix`, if any.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Documents having `term` in any text field (summed over fields; an upper bound).
fn doc_freq(searcher: &Searcher, fields: &Fields, term: &str) -> Result<u64, SearchError> {
    let mut total = 0;
    for (name, _) in FIELD_BOOSTS {
        total += searcher.doc_freq(&Term::from_field_text(fields.text(name), term))?;
    }
    Ok(total)
}

/// The index's words closest to a misspelled word: those at the smallest edit distance within
/// its allowance, the most frequent first, at most [`MAX_CORRECTIONS`].
fn corrections(
    searcher: &Searcher,
    fields: &Fields,
    word: &QueryWord,
) -> Result<Vec<String>, SearchError> {
    let found = terms_within(
        searcher,
        FIELD_BOOSTS.iter().map(|(name, _)| fields.text(*name)),
        &word.term,
        word.typos,
    )?;
    Ok(closest(found, &word.term, word.typos, MAX_CORRECTIONS))
}

/// Every term of `fields` within `distance` edits of `text`, with its summed document frequency.
pub(super) fn terms_within(
    searcher: &Searcher,
    fields: impl IntoIterator<Item = Field>,
    text: &str,
    distance: u8,
) -> Result<HashMap<String, u64>, SearchError> {
    let mut found: HashMap<String, u64> = HashMap::new();
    let mut fields = fields.into_iter().peekable();
    let Some(&first) = fields.peek() else {
        return Ok(found);
    };
    // The automaton depends only on the text and the distance: build it once (building a
    // Levenshtein automaton for two edits costs more than running it over a term dictionary).
    let automaton =
        FuzzyTermQuery::new(Term::from_field_text(first, text), distance, true).automaton()?;
    for field in fields {
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted
                .terms()
                .search(&automaton)
                .into_stream()
                .map_err(tantivy::TantivyError::from)?;
            while stream.advance() {
                let Ok(key) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                *found.entry(key.to_owned()).or_insert(0) += u64::from(stream.value().doc_freq);
            }
        }
    }
    Ok(found)
}

/// The terms at the smallest distance from `text`, most frequent first, at most `limit`.
pub(super) fn closest(
    found: HashMap<String, u64>,
    text: &str,
    max: u8,
    limit: usize,
) -> Vec<String> {
    let mut scored: Vec<(u8, u64, String)> = found
        .into_iter()
        .filter(|(term, _)| term != text)
        .filter_map(|(term, df)| query::edit_distance(&term, text, max).map(|d| (d, df, term)))
        .collect();
    let Some(best) = scored.iter().map(|(d, _, _)| *d).min() else {
        return Vec::new();
    };
    scored.retain(|(d, _, _)| *d == best);
    scored.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
    scored.into_iter().take(limit).map(|(_, _, t)| t).collect()
}
