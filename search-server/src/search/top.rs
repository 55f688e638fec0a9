//! The best hits of a [`Plan`], with the proximity clauses scored for a few candidates only.
//!
//! The matching clauses are scored for every matching article (the total and the facets need
//! every match anyway), keeping the [`CANDIDATES`] best. The proximity clauses are then scored
//! for the candidates, best first, a [`CHUNK`] at a time, by seeking their scorers to each
//! candidate. An article not scored yet scores at most `(1 + proximity_bound)` times the first
//! score of the next candidate (see [`Plan::proximity_bound`]); as soon as the last hit
//! scores more than that, nothing left could take its place, and the hits and their order are
//! exactly the whole query's. If that never happens within the candidates (their scores are
//! very close together), the whole query is scored for every match, as without candidates.

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocAddress, DocSet as _, Score, Searcher, TERMINATED};

use super::SearchError;
use super::facets::CategoryCounts;
use super::ranking::Plan;

/// Most articles, best first by the matching clauses, that may get their proximity scored.
pub const CANDIDATES: usize = 500;

/// How many candidates get their proximity scored at a time before checking whether the order
/// of the hits is settled.
const CHUNK: usize = 50;

/// What one search found: its best hits, how many articles match, and the facets.
pub(super) struct Found {
    pub hits: Vec<(Score, DocAddress)>,
    pub total: usize,
    /// By category, as [`CategoryCounts`] counts.
    pub categories: Vec<u64>,
}

/// The best `limit` hits of `plan` restricted by `filter` (which must not change scores:
/// `with_filters` boosts filters by zero), the number of matches and the category counts of
/// the matches (collected with `counts`).
pub(super) fn search(
    searcher: &Searcher,
    plan: &Plan,
    filter: &dyn Fn(Box<dyn Query>) -> Box<dyn Query>,
    limit: usize,
    counts: CategoryCounts<'_>,
) -> Result<Found, SearchError> {
    let matching = filter(plan.matching.box_clone());
    if plan.proximity.is_empty() {
        let top = TopDocs::with_limit(limit).order_by_score();
        let (hits, total, categories) = searcher.search(&*matching, &(top, Count, counts))?;
        return Ok(Found {
            hits,
            total,
            categories,
        });
    }
    let wanted = CANDIDATES.max(limit);
    let top = TopDocs::with_limit(wanted).order_by_score();
    let (candidates, total, categories) = searcher.search(&*matching, &(top, Count, counts))?;
    let complete = candidates.len() < wanted;
    let hits = hits(searcher, plan, filter, &candidates, limit, complete)?;
    Ok(Found {
        hits,
        total,
        categories,
    })
}

/// The best `limit` hits of `plan` from `candidates`: at most [`CANDIDATES`] matches, best
/// first by the matching clauses (every match if `complete`).
pub(super) fn hits(
    searcher: &Searcher,
    plan: &Plan,
    filter: &dyn Fn(Box<dyn Query>) -> Box<dyn Query>,
    candidates: &[(Score, DocAddress)],
    limit: usize,
    complete: bool,
) -> Result<Vec<(Score, DocAddress)>, SearchError> {
    if plan.proximity.is_empty() {
        return Ok(candidates.iter().take(limit).copied().collect());
    }
    Ok(match rerank(searcher, plan, candidates, limit, complete)? {
        Some(hits) => hits,
        None => {
            let whole = filter(plan.whole());
            searcher.search(&*whole, &TopDocs::with_limit(limit).order_by_score())?
        }
    })
}

/// The best `limit` of `candidates` (best first by the matching clauses) with the proximity
/// clauses added, scored a [`CHUNK`] at a time until no candidate left and no article outside
/// (unless `complete`: the candidates are every match) can reach the last hit; `None` if that
/// never happens.
fn rerank(
    searcher: &Searcher,
    plan: &Plan,
    candidates: &[(Score, DocAddress)],
    limit: usize,
    complete: bool,
) -> Result<Option<Vec<(Score, DocAddress)>>, SearchError> {
    let weights = plan
        .proximity
        .iter()
        .map(|query| query.weight(EnableScoring::enabled_from_searcher(searcher)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut hits: Vec<(Score, DocAddress)> = Vec::with_capacity(candidates.len());
    for (index, chunk) in candidates.chunks(CHUNK).enumerate() {
        let mut scored = chunk.to_vec();
        for weight in &weights {
            add_scores(searcher, &**weight, &mut scored)?;
        }
        hits.extend(scored);
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        hits.truncate(limit);
        // Everything not scored yet has at most the next candidate's first score.
        let next = match candidates.get(index * CHUNK + chunk.len()) {
            Some((score, _)) => *score,
            None if complete => return Ok(Some(hits)),
            None => candidates.last().map_or(0.0, |(score, _)| *score),
        };
        if hits.len() == limit
            && hits
                .last()
                .is_some_and(|(last, _)| *last > (1.0 + plan.proximity_bound) * next)
        {
            return Ok(Some(hits));
        }
    }
    Ok(None)
}

/// Adds the score of `weight` to every hit it matches.
fn add_scores(
    searcher: &Searcher,
    weight: &dyn Weight,
    hits: &mut [(Score, DocAddress)],
) -> Result<(), SearchError> {
    let mut order: Vec<usize> = (0..hits.len()).collect();
    order.sort_by_key(|&i| hits[i].1);
    let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
    for i in order {
        let address = hits[i].1;
        let scorer = match &mut current {
            Some((segment, scorer)) if *segment == address.segment_ord => scorer,
            _ => {
                let reader = searcher.segment_reader(address.segment_ord);
                &mut current
                    .insert((address.segment_ord, weight.scorer(reader, 1.0)?))
                    .1
            }
        };
        let mut doc = scorer.doc();
        if doc != TERMINATED && doc < address.doc_id {
            doc = scorer.seek(address.doc_id);
        }
        if doc == address.doc_id {
            hits[i].0 += scorer.score();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;

    use super::*;
    use crate::content::{LoadedArticle, LocaleSynonyms};
    use crate::search::{SearchIndex, query, ranking, with_filters};

    /// Many articles whose matching scores are close together, and whose proximity decides.
    fn index() -> SearchIndex {
        let words = [
            "reset", "password", "hub", "router", "light", "account", "app",
        ];
        let articles: Vec<LoadedArticle> = (0..400)
            .map(|i| {
                let body: Vec<&str> = (0..30)
                    .map(|j| words[(i * 7 + j * (i % 5 + 1)) % 7])
                    .collect();
                LoadedArticle {
                    slug: format!("a{i}"),
                    locale: "en".into(),
                    title: format!("{} {}", words[i % 7], words[(i / 7) % 7]),
                    text: body.join(" "),
                    ..LoadedArticle::default()
                }
            })
            .collect();
        let synonyms = LocaleSynonyms::default();
        SearchIndex::build_locales([("en", articles.iter(), &synonyms)]).expect("index builds")
    }

    #[test]
    fn candidates_give_the_whole_querys_hits_in_its_order() {
        let index = index();
        let target = &index.locales["en"];
        let searcher = target.reader.searcher();
        for text in [
            "reset password",
            "hub router light",
            "password reset app",
            "light",
        ] {
            let mut words = query::words(text, &mut target.analyzer.clone());
            let plan = ranking::build(&mut words, &searcher, &target.fields, &target.synonyms)
                .expect("plan");
            for limit in [1, 10, 50] {
                let found = search(
                    &searcher,
                    &plan,
                    &|q| with_filters(q, &[]),
                    limit,
                    CategoryCounts::new(&target.categories),
                )
                .expect("search");
                let whole = searcher
                    .search(&*plan.whole(), &TopDocs::with_limit(limit).order_by_score())
                    .expect("whole");
                let addresses = |hits: &[(Score, DocAddress)]| -> Vec<DocAddress> {
                    hits.iter().map(|(_, a)| *a).collect()
                };
                assert_eq!(
                    addresses(&found.hits),
                    addresses(&whole),
                    "{text} / {limit}"
                );
                for ((a, _), (b, _)) in found.hits.iter().zip(&whole) {
                    assert!((a - b).abs() <= 1e-4 * b.abs(), "{text}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn precomputed_scores_are_the_matching_clauses_scores() {
        let index = index();
        let target = &index.locales["en"];
        let searcher = target.reader.searcher();
        let impacts = target.impacts.as_ref().expect("one segment");
        for text in ["reset password", "hub rou", "pasword", "light ap", "zzz"] {
            let mut words = query::words(text, &mut target.analyzer.clone());
            let plan = ranking::build(&mut words, &searcher, &target.fields, &target.synonyms)
                .expect("plan");
            let scores = impacts.scores(plan.terms.as_ref().expect("single words"));
            let all = searcher
                .search(&*plan.matching, &TopDocs::with_limit(1000).order_by_score())
                .expect("search");
            assert_eq!(
                scores.iter().filter(|s| **s > 0.0).count(),
                all.len(),
                "{text}"
            );
            for (score, address) in all {
                let precomputed = scores[address.doc_id as usize];
                assert!(
                    (precomputed - score).abs() <= 1e-4 * score,
                    "{text}: {precomputed} vs {score}"
                );
            }
        }
    }
}
