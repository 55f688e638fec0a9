//! Precomputed scores: for every term of the text fields, the articles that have it with the
//! term's BM25 score summed over the fields, each times the field's boost, and in which fields
//! it occurs. Built once with the index (the statistics BM25 uses never change for an index),
//! so a query's matching clauses are scored term at a time into one array: one list per word
//! instead of one scorer per word and field, and no union of scorers to merge. The scores are
//! the ones tantivy computes for the same clauses (same weights, same field norms); only the
//! order of the additions differs.

use std::collections::BTreeMap;

use tantivy::postings::Postings as _;
use tantivy::query::{Bm25StatisticsProvider as _, Bm25Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet as _, Score, Searcher, TERMINATED, Term};

use super::Fields;
use super::ranking::{FIELD_BOOSTS, MatchingTerms, PREFIX_FACTOR};

/// The articles of one term: document ids (ascending), scores, and field masks (bit `i` for
/// the `i`th field of [`FIELD_BOOSTS`]).
#[derive(Debug, Default)]
struct Postings {
    docs: Vec<DocId>,
    scores: Vec<Score>,
    fields: Vec<u8>,
}

/// The precomputed scores of an index of one segment.
#[derive(Debug)]
pub(super) struct Impacts {
    terms: BTreeMap<String, Postings>,
    max_doc: u32,
    /// By field mask: what the prefix clauses of those fields add together.
    prefix_scores: [Score; 16],
}

impl Impacts {
    /// The scores of the searcher's index, if it has exactly one segment.
    pub(super) fn build(searcher: &Searcher, fields: &Fields) -> tantivy::Result<Option<Impacts>> {
        let [segment] = searcher.segment_readers() else {
            return Ok(None);
        };
        let total_docs = searcher.total_num_docs()?;
        let mut merged: BTreeMap<String, Vec<(DocId, Score, u8)>> = BTreeMap::new();
        for (bit, (name, boost)) in FIELD_BOOSTS.iter().enumerate() {
            let field: Field = fields.text(*name);
            let average = searcher.total_num_tokens(field)? as Score / total_docs.max(1) as Score;
            let inverted = segment.inverted_index(field)?;
            let norms = segment.get_fieldnorms_reader(field)?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                let Ok(key) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let info = stream.value();
                let weight =
                    Bm25Weight::for_one_term(u64::from(info.doc_freq), total_docs, average)
                        .boost_by(*boost);
                let mut postings =
                    inverted.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                let entries = merged.entry(key.to_owned()).or_default();
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    let score = weight.score(norms.fieldnorm_id(doc), postings.term_freq());
                    entries.push((doc, score, 1 << bit));
                    doc = postings.advance();
                }
            }
        }
        let terms = merged
            .into_iter()
            .map(|(term, mut entries)| {
                entries.sort_by_key(|(doc, _, _)| *doc);
                let mut postings = Postings::default();
                for (doc, score, mask) in entries {
                    if postings.docs.last() == Some(&doc) {
                        *postings.scores.last_mut().expect("same length") += score;
                        *postings.fields.last_mut().expect("same length") |= mask;
                    } else {
                        postings.docs.push(doc);
                        postings.scores.push(score);
                        postings.fields.push(mask);
                    }
                }
                (term, postings)
            })
            .collect();
        let mut prefix_scores = [0.0; 16];
        for (mask, score) in prefix_scores.iter_mut().enumerate() {
            for (bit, (_, boost)) in FIELD_BOOSTS.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    *score += boost * PREFIX_FACTOR;
                }
            }
        }
        Ok(Some(Impacts {
            terms,
            max_doc: segment.max_doc(),
            prefix_scores,
        }))
    }

    /// The score of every document by the matching clauses `terms` (zero: no match).
    pub(super) fn scores(&self, terms: &MatchingTerms) -> Vec<Score> {
        let mut scores = vec![0.0; self.max_doc as usize];
        for (term, factor) in &terms.exact {
            let Some(postings) = self.terms.get(term) else {
                continue;
            };
            for (&doc, &score) in postings.docs.iter().zip(&postings.scores) {
                scores[doc as usize] += score * factor;
            }
        }
        let mut masks = vec![
            0u8;
            if terms.prefixes.is_empty() {
                0
            } else {
                scores.len()
            }
        ];
        for prefix in &terms.prefixes {
            masks.iter_mut().for_each(|m| *m = 0);
            for (term, postings) in self.terms.range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            )) {
                if !term.starts_with(prefix.as_str()) {
                    break;
                }
                for (&doc, &mask) in postings.docs.iter().zip(&postings.fields) {
                    masks[doc as usize] |= mask;
                }
            }
            for (score, &mask) in scores.iter_mut().zip(&masks) {
                if mask != 0 {
                    *score += self.prefix_scores[usize::from(mask & 0xf)];
                }
            }
        }
        scores
    }
}

/// Which documents of the first segment have the exact term `value` in `field` (a filter).
pub(super) fn having(searcher: &Searcher, field: Field, value: &str) -> tantivy::Result<Vec<bool>> {
    let Some(segment) = searcher.segment_readers().first() else {
        return Ok(Vec::new());
    };
    let mut found = vec![false; segment.max_doc() as usize];
    let term = Term::from_field_text(field, value);
    if let Some(mut postings) = segment
        .inverted_index(field)?
        .read_postings(&term, IndexRecordOption::Basic)?
    {
        let mut doc = postings.doc();
        while doc != TERMINATED {
            found[doc as usize] = true;
            doc = postings.advance();
        }
    }
    Ok(found)
}
