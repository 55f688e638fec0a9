//! The relevance harness behind `baton eval`: index a test collection with the production
//! index, run its queries through [`SearchIndex::search`] (what `GET /api/v1/search` calls),
//! and score the rankings.
//!
//! A collection is a folder with `docs.jsonl` (`{"id", "title", "body"}`), `queries.jsonl`
//! (`{"id", "text"}`) and `qrels.tsv` (`query_id<TAB>doc_id<TAB>grade`). The metrics are
//! defined exactly as in `tests/data/relevance.py`, which a test runs on the same run file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ArticleSource, SearchError, SearchIndex, SearchRequest};
use crate::content::{LoadedArticle, LocaleSynonyms};

/// Rank cut-off of the metrics.
pub const K: usize = 10;
/// The locale the collection is indexed as.
pub const LOCALE: &str = "en";

/// What can go wrong reading a collection; names the file and line.
#[derive(Debug, thiserror::Error)]
pub enum RelevanceError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Search(#[from] SearchError),
}

#[derive(Debug, Deserialize)]
struct Doc {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// A query of the collection.
#[derive(Clone, Debug, Deserialize)]
pub struct Query {
    pub id: String,
    pub text: String,
}

/// A test collection, loaded.
#[derive(Debug)]
pub struct Collection {
    /// The documents as articles: slug = doc id, title, body as text.
    pub articles: BTreeMap<String, LoadedArticle>,
    pub queries: Vec<Query>,
    /// Query id → doc id → grade, in file order of first appearance.
    pub qrels: Vec<(String, HashMap<String, f64>)>,
}

/// The ranked doc ids of each query, in query order.
pub type Run = Vec<(String, Vec<String>)>;

/// The scores of a run, averaged over the judged queries, rounded to 4 decimals.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub queries: usize,
    #[serde(rename = "nDCG@10")]
    pub ndcg: f64,
    #[serde(rename = "MRR@10")]
    pub mrr: f64,
    #[serde(rename = "Recall@10")]
    pub recall: f64,
    #[serde(rename = "Recall@1")]
    pub recall_at_1: f64,
}

/// Articles by slug, all in [`LOCALE`].
struct Corpus<'a>(&'a BTreeMap<String, LoadedArticle>);

impl ArticleSource for Corpus<'_> {
    fn article(&self, locale: &str, slug: &str) -> Option<&LoadedArticle> {
        (locale == LOCALE).then(|| self.0.get(slug)).flatten()
    }
}

impl Collection {
    /// Reads `docs.jsonl`, `queries.jsonl` and `qrels.tsv` from `dir`.
    pub fn load(dir: &Path) -> Result<Collection, RelevanceError> {
        let mut articles = BTreeMap::new();
        for doc in jsonl::<Doc>(&dir.join("docs.jsonl"))? {
            articles.insert(doc.id.clone(), article(doc));
        }
        let queries = jsonl::<Query>(&dir.join("queries.jsonl"))?;
        let path = dir.join("qrels.tsv");
        let mut qrels: Vec<(String, HashMap<String, f64>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (n, line) in read(&path)?.lines().enumerate() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if parts.is_empty() || parts[0].starts_with('#') {
                continue;
            }
            let (qid, did, grade) = match parts.as_slice() {
                [q, d, g] | [q, _, d, g] => (*q, *d, *g),
                _ => {
                    return Err(RelevanceError::Parse {
                        path,
                        line: n + 1,
                        message: "expected `query_id<TAB>doc_id<TAB>grade`".into(),
                    });
                }
            };
            let grade: f64 = grade.parse().map_err(|_| RelevanceError::Parse {
                path: path.clone(),
                line: n + 1,
                message: format!("grade `{grade}` is not a number"),
            })?;
            let slot = *index.entry(qid.to_owned()).or_insert_with(|| {
                qrels.push((qid.to_owned(), HashMap::new()));
                qrels.len() - 1
            });
            qrels[slot].1.insert(did.to_owned(), grade);
        }
        Ok(Collection {
            articles,
            queries,
            qrels,
        })
    }

    /// Indexes the documents with the production index and ranks every query's top [`K`].
    pub fn run(&self) -> Result<Run, RelevanceError> {
        let synonyms = LocaleSynonyms::default();
        let index = SearchIndex::build_locales([(LOCALE, self.articles.values(), &synonyms)])?;
        let corpus = Corpus(&self.articles);
        let mut run = Vec::with_capacity(self.queries.len());
        for query in &self.queries {
            let request = SearchRequest {
                query: &query.text,
                limit: K,
                ..SearchRequest::default()
            };
            let response = index.search(&corpus, LOCALE, &request)?;
            run.push((
                query.id.clone(),
                response.hits.into_iter().map(|h| h.slug).collect(),
            ));
        }
        Ok(run)
    }

    /// Scores a run the way `relevance.py` does.
    pub fn evaluate(&self, run: &Run) -> Metrics {
        let rankings: HashMap<&str, &[String]> = run
            .iter()
            .map(|(q, docs)| (q.as_str(), docs.as_slice()))
            .collect();
        let (mut ndcg, mut mrr, mut recall, mut recall_1) = (0.0, 0.0, 0.0, 0.0);
        let mut n = 0;
        for (qid, judged) in &self.qrels {
            let relevant: HashMap<&str, f64> = judged
                .iter()
                .filter(|(_, g)| **g > 0.0)
                .map(|(d, g)| (d.as_str(), *g))
                .collect();
            if relevant.is_empty() {
                continue;
            }
            n += 1;
            let ranking = dedupe(rankings.get(qid.as_str()).copied().unwrap_or_default());
            if ranking.is_empty() {
                continue;
            }
            let top = &ranking[..ranking.len().min(K)];
            let dcg: f64 = top
                .iter()
                .enumerate()
                .map(|(i, d)| relevant.get(d).copied().unwrap_or(0.0) / ((i + 2) as f64).log2())
                .sum();
            let mut ideal: Vec<f64> = relevant.values().copied().collect();
            ideal.sort_by(|a, b| b.total_cmp(a));
            let idcg: f64 = ideal
                .iter()
                .take(K)
                .enumerate()
                .map(|(i, g)| g / ((i + 2) as f64).log2())
                .sum();
            ndcg += dcg / idcg;
            if let Some(i) = top.iter().position(|d| relevant.contains_key(d)) {
                mrr += 1.0 / (i + 1) as f64;
            }
            let hits = top.iter().filter(|d| relevant.contains_key(*d)).count();
            recall += hits as f64 / relevant.len() as f64;
            let first = top
                .iter()
                .take(1)
                .filter(|d| relevant.contains_key(*d))
                .count();
            recall_1 += first as f64 / relevant.len() as f64;
        }
        let average = |total: f64| {
            if n == 0 {
                0.0
            } else {
                round4(total / n as f64)
            }
        };
        Metrics {
            queries: n,
            ndcg: average(ndcg),
            mrr: average(mrr),
            recall: average(recall),
            recall_at_1: average(recall_1),
        }
    }
}

/// Formats of a written run file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFormat {
    /// `qid Q0 docid rank score tag` lines.
    Trec,
    /// `{"query_id", "doc_ids"}` lines.
    Jsonl,
}

/// A run as a run file that `relevance.py` reads.
pub fn run_file(run: &Run, format: RunFormat) -> String {
    let mut out = String::new();
    for (qid, docs) in run {
        match format {
            RunFormat::Trec => {
                for (i, doc) in docs.iter().enumerate() {
                    let _ = writeln!(out, "{qid} Q0 {doc} {} {} baton", i + 1, docs.len() - i);
                }
            }
            RunFormat::Jsonl => {
                let line = serde_json::json!({ "query_id": qid, "doc_ids": docs });
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

fn article(doc: Doc) -> LoadedArticle {
    LoadedArticle {
        slug: doc.id,
        locale: LOCALE.to_owned(),
        title: doc.title,
        text: doc.body,
        ..LoadedArticle::default()
    }
}

fn dedupe(docs: &[String]) -> Vec<&str> {
    let mut seen = HashSet::new();
    docs.iter()
        .map(String::as_str)
        .filter(|d| seen.insert(*d))
        .collect()
}

/// Rounds to 4 decimals, half to even on the exact binary value, like Python's `round`.
fn round4(x: f64) -> f64 {
    format!("{x:.4}").parse().unwrap_or(x)
}

fn read(path: &Path) -> Result<String, RelevanceError> {
    std::fs::read_to_string(path).map_err(|source| RelevanceError::Read {
        path: path.to_owned(),
        source,
    })
}

fn jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, RelevanceError> {
    let mut items = Vec::new();
    for (n, line) in read(path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(line).map_err(|e| RelevanceError::Parse {
            path: path.to_owned(),
            line: n + 1,
            message: e.to_string(),
        })?;
        items.push(item);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_files_list_each_query_best_first() {
        let run: Run = vec![("q1".into(), vec!["d2".into(), "d1".into()])];
        assert_eq!(
            run_file(&run, RunFormat::Trec),
            "q1 Q0 d2 1 2 baton\nq1 Q0 d1 2 1 baton\n"
        );
        assert_eq!(
            run_file(&run, RunFormat::Jsonl),
            "{\"doc_ids\":[\"d2\",\"d1\"],\"query_id\":\"q1\"}\n"
        );
    }

    #[test]
    fn rounding_matches_python() {
        assert_eq!(round4(0.871_149_9), 0.8711);
        assert_eq!(round4(0.762_820_5), 0.7628);
        assert_eq!(round4(1.0), 1.0);
    }
}
