//! `synonyms.toml`: words customers use for the same thing, per locale, for search.
//!
//! ```toml
//! [en]
//! equivalent = [["wifi", "wi-fi", "wireless"]]   # any of them finds the others
//! [en.one_way]
//! "fb" = ["facebook"]                             # "fb" also finds "facebook", not back
//! ```
//!
//! Terms are lowercased and trimmed; a term may be several words ("base station").

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::config::{SiteConfig, key_offset};
use crate::diagnostic::Diagnostic;

/// File name of the synonyms inside the content directory.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// The synonyms of one locale.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocaleSynonyms {
    /// Groups of interchangeable terms.
    #[serde(default)]
    pub equivalent: Vec<Vec<String>>,
    /// Term → terms it should also find (but not the other way round).
    #[serde(default)]
    pub one_way: BTreeMap<String, Vec<String>>,
}

impl LocaleSynonyms {
    /// Every other term a search for `term` (lowercase, trimmed) should also find, without
    /// `term` itself and without repeats.
    pub fn expand(&self, term: &str) -> Vec<&str> {
        let mut found: Vec<&str> = Vec::new();
        for group in &self.equivalent {
            if group.iter().any(|t| t == term) {
                found.extend(group.iter().map(String::as_str).filter(|t| *t != term));
            }
        }
        if let Some(targets) = self.one_way.get(term) {
            found.extend(targets.iter().map(String::as_str));
        }
        let mut unique = Vec::with_capacity(found.len());
        for t in found {
            if !unique.contains(&t) {
                unique.push(t);
            }
        }
        unique
    }

    fn normalize(&mut self) {
        let norm = |t: &mut String| *t = t.trim().to_lowercase();
        for group in &mut self.equivalent {
            group.iter_mut().for_each(norm);
        }
        self.one_way = std::mem::take(&mut self.one_way)
            .into_iter()
            .map(|(k, mut v)| {
                v.iter_mut().for_each(norm);
                (k.trim().to_lowercase(), v)
            })
            .collect();
    }
}

/// Synonyms of every locale.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms(pub BTreeMap<String, LocaleSynonyms>);

impl Synonyms {
    /// The synonyms of `locale` (empty when it has none).
    pub fn for_locale(&self, locale: &str) -> &LocaleSynonyms {
        static EMPTY: std::sync::LazyLock<LocaleSynonyms> =
            std::sync::LazyLock::new(LocaleSynonyms::default);
        self.0.get(locale).unwrap_or(&EMPTY)
    }

    /// Parses and checks `synonyms.toml`; problems go to `out`.
    pub fn parse(
        path: &Path,
        text: &str,
        site: &SiteConfig,
        out: &mut Vec<Diagnostic>,
    ) -> Synonyms {
        let mut map: BTreeMap<String, LocaleSynonyms> = match toml::from_str(text) {
            Ok(map) => map,
            Err(e) => {
                out.push(Diagnostic::from_toml(path, text, 1, &e));
                return Synonyms::default();
            }
        };
        for (locale, synonyms) in &mut map {
            let at =
                |m: String| Diagnostic::at_offset(path, text, key_offset(text, locale, 0), 1, m);
            if !site.locales.contains(locale) {
                out.push(
                    at(format!("'{locale}' is not one of the site's locales"))
                        .with_hint(format!("the locales are {}", site.locales.join(", "))),
                );
            }
            synonyms.normalize();
            let mut grouped: Vec<&str> = Vec::new();
            for group in &synonyms.equivalent {
                if group.len() < 2 {
                    out.push(at(format!(
                        "the group {group:?} needs at least two terms to be synonyms"
                    )));
                }
                for term in group {
                    if term.is_empty() {
                        out.push(at("a synonym must not be empty".into()));
                    } else if grouped.contains(&term.as_str()) {
                        out.push(
                            at(format!("'{term}' is in more than one group of synonyms"))
                                .warning()
                                .with_hint("merge the groups, or keep the term in one of them"),
                        );
                    }
                    grouped.push(term);
                }
            }
            for (from, to) in &synonyms.one_way {
                if from.is_empty() || to.is_empty() || to.iter().any(String::is_empty) {
                    out.push(at(format!(
                        "one-way synonym '{from}' needs a term and at least one non-empty target"
                    )));
                }
            }
        }
        Synonyms(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_one_way_synonyms_expand() {
        let s = LocaleSynonyms {
            equivalent: vec![vec!["wifi".into(), "wi-fi".into(), "wireless".into()]],
            one_way: BTreeMap::from([("fb".into(), vec!["facebook".into()])]),
        };
        assert_eq!(s.expand("wifi"), ["wi-fi", "wireless"]);
        assert_eq!(s.expand("fb"), ["facebook"]);
        assert!(s.expand("facebook").is_empty());
    }
}
