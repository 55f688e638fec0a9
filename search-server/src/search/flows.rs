//! Guided flows in search results. There are few flows, so they are matched directly rather
//! than indexed: the query's words, analysed like the article index (stemming, stop words),
//! against each flow's title, tags and description. Every word must match somewhere (the last
//! one as a prefix while typing, typos allowed as for articles), so a flow only shows when it
//! clearly fits. Articles are ranked by the index alone; flows never change their order.

use baton_core::api::FlowHit;

use super::analysis::text_analyzer;
use super::query::{self, QueryWord};
use crate::content::{Library, LoadedFlow};

/// Most flows shown above the articles.
pub const MAX_FLOW_HITS: usize = 2;

/// Weight of a match in the title, tags and description; a fuzzy or prefix match counts less.
const TITLE: f32 = 2.0;
const TAGS: f32 = 1.5;
const DESCRIPTION: f32 = 1.0;
const INEXACT: f32 = 0.6;

/// The flows of `locale` that match `cleaned` (a query after [`query::clean`]), best first.
pub fn search(library: &Library, locale: &str, cleaned: &str) -> Vec<FlowHit> {
    if library.flows(locale).next().is_none() {
        return Vec::new();
    }
    let mut analyzer = text_analyzer(locale);
    let words = query::words(cleaned, &mut analyzer);
    if words.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f32, &LoadedFlow)> = library
        .flows(locale)
        .filter_map(|flow| {
            let fields = [
                (TITLE, flow.flow.title.clone()),
                (TAGS, flow.flow.tags.join(" , ")),
                (DESCRIPTION, flow.flow.description.clone()),
            ];
            let analysed: Vec<(f32, Vec<(String, String)>)> = fields
                .iter()
                .map(|(weight, text)| {
                    let terms = query::tokens(text, &mut analyzer)
                        .into_iter()
                        .map(|t| {
                            let written = text
                                .get(t.offset_from..t.offset_to)
                                .unwrap_or(&t.text)
                                .to_lowercase();
                            (t.text, written)
                        })
                        .collect();
                    (*weight, terms)
                })
                .collect();
            let mut score = 0.0;
            for word in &words {
                score += best_match(word, &analysed)?;
            }
            Some((score, flow))
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.flow.title.cmp(&b.1.flow.title))
    });
    scored
        .into_iter()
        .take(MAX_FLOW_HITS)
        .map(|(_, f)| f.to_hit())
        .collect()
}

/// The best weight with which `word` matches a field, or `None` when it matches none.
fn best_match(word: &QueryWord, fields: &[(f32, Vec<(String, String)>)]) -> Option<f32> {
    fields
        .iter()
        .filter_map(|(weight, terms)| {
            terms
                .iter()
                .filter_map(|(term, written)| {
                    if *term == word.term {
                        Some(*weight)
                    } else if query::matches(word, term, written) {
                        Some(weight * INEXACT)
                    } else {
                        None
                    }
                })
                .reduce(f32::max)
        })
        .reduce(f32::max)
}
