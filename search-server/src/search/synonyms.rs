//! Synonyms from `synonyms.toml`, compared the way the index sees words: every term of a group
//! (or the left side of a one-way entry) is analysed with the locale's analyzer, so "passwords"
//! finds the synonyms of "password" and "log in" those of "login" once stop words are gone.

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

use super::query::{self, QueryWord};
use crate::content::LocaleSynonyms;

/// Longest synonym key looked for in a query, in words.
const MAX_KEY_WORDS: usize = 3;

/// Analysed key (terms joined by a space) → what else it finds (each a list of terms).
#[derive(Clone, Debug, Default)]
pub(super) struct SynonymTable(HashMap<String, Vec<Vec<String>>>);

impl SynonymTable {
    pub(super) fn new(synonyms: &LocaleSynonyms, analyzer: &mut TextAnalyzer) -> SynonymTable {
        let mut analyse = |text: &str| -> Vec<String> {
            query::tokens(text, analyzer)
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        let mut table: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        let mut add = |key: &[String], target: Vec<String>| {
            if key.is_empty() || target.is_empty() || key == target.as_slice() {
                return;
            }
            let targets = table.entry(key.join(" ")).or_default();
            if !targets.contains(&target) {
                targets.push(target);
            }
        };
        for group in &synonyms.equivalent {
            let analysed: Vec<Vec<String>> = group.iter().map(|t| analyse(t)).collect();
            for key in &analysed {
                for other in &analysed {
                    add(key, other.clone());
                }
            }
        }
        for (from, targets) in &synonyms.one_way {
            let key = analyse(from);
            for target in targets {
                add(&key, analyse(target));
            }
        }
        SynonymTable(table)
    }

    /// What the query's words (and runs of up to three neighbouring words) also find, without
    /// what the query already has.
    pub(super) fn expand(&self, words: &[QueryWord]) -> Vec<Vec<String>> {
        let mut found: Vec<Vec<String>> = Vec::new();
        if self.0.is_empty() {
            return found;
        }
        for start in 0..words.len() {
            for len in 1..=MAX_KEY_WORDS.min(words.len() - start) {
                let key = words[start..start + len]
                    .iter()
                    .map(|w| w.term.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                for target in self.0.get(&key).into_iter().flatten() {
                    let known =
                        matches!(target.as_slice(), [t] if words.iter().any(|w| &w.term == t));
                    if !known && !found.contains(target) {
                        found.push(target.clone());
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::search::analysis::text_analyzer;

    #[test]
    fn groups_and_one_way_entries_expand_in_analysed_form() {
        let synonyms = LocaleSynonyms {
            equivalent: vec![vec!["wifi".into(), "wi-fi".into(), "wireless".into()]],
            one_way: BTreeMap::from([("led".into(), vec!["light ring".into()])]),
        };
        let mut analyzer = text_analyzer("en");
        let table = SynonymTable::new(&synonyms, &mut analyzer);
        let words = query::words("Wireless LEDs", &mut analyzer);
        let found = table.expand(&words);
        assert!(found.contains(&vec!["wifi".to_owned()]), "{found:?}");
        assert!(
            found.contains(&vec!["wi".to_owned(), "fi".to_owned()]),
            "{found:?}"
        );
        assert!(
            found.contains(&vec!["light".to_owned(), "ring".to_owned()]),
            "{found:?}"
        );
        let words = query::words("light ring", &mut analyzer);
        assert!(table.expand(&words).is_empty(), "one way only");
    }
}
