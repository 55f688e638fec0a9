//! Turning what a customer typed into words to look for. Nothing here can fail: any text is a
//! valid query, because operators are treated as plain separators.

use baton_core::api::MAX_QUERY_CHARS;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream};

/// Characters with a meaning in search-engine query syntax; they become spaces.
const OPERATORS: &[char] = &[
    '+', '-', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?', ':', '\\', '/',
    '<', '>', '=', '`',
];

/// Most distinct words of a query that are looked up; the rest are ignored.
pub const MAX_WORDS: usize = 32;

/// Shortest last word that also matches as a prefix (as-you-type).
pub const MIN_PREFIX_CHARS: usize = 2;

/// Shortest word that also matches with one typo.
pub const MIN_FUZZY_CHARS: usize = 5;

/// The query as the server understands it: trimmed, control characters and operators replaced
/// by spaces, runs of spaces collapsed, at most [`MAX_QUERY_CHARS`] characters.
pub fn clean(raw: &str) -> String {
    let replaced: String = raw
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| {
            if c.is_control() || OPERATORS.contains(&c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word of the query, analysed the way the index analyses text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWord {
    /// The word as indexed (lowercased and stemmed).
    pub term: String,
    /// The word as typed, lowercased; used for prefix matching.
    pub typed: String,
    /// Also match words one edit away.
    pub fuzzy: bool,
    /// Also match words that start with it (only the last word of the query).
    pub prefix: bool,
}

/// The distinct words of a cleaned query, in order.
pub fn words(cleaned: &str, analyzer: &mut TextAnalyzer) -> Vec<QueryWord> {
    let mut words: Vec<QueryWord> = Vec::new();
    for token in tokens(cleaned, analyzer) {
        let typed = cleaned
            .get(token.offset_from..token.offset_to)
            .unwrap_or(&token.text)
            .to_lowercase();
        if words.iter().any(|w| w.term == token.text) {
            continue;
        }
        words.push(QueryWord {
            fuzzy: typed.chars().count() >= MIN_FUZZY_CHARS,
            term: token.text,
            typed,
            prefix: false,
        });
        if words.len() == MAX_WORDS {
            break;
        }
    }
    let ends_with_word = cleaned.chars().last().is_some_and(char::is_alphanumeric);
    if let Some(last) = words.last_mut() {
        last.prefix = ends_with_word && last.typed.chars().count() >= MIN_PREFIX_CHARS;
    }
    words
}

/// The tokens of `text` as the index sees them, with their byte offsets in `text`.
pub fn tokens(text: &str, analyzer: &mut TextAnalyzer) -> Vec<Token> {
    let mut tokens = Vec::new();
    analyzer
        .token_stream(text)
        .process(&mut |t: &Token| tokens.push(t.clone()));
    tokens
}

/// Whether a word of a document (analysed and as written, lowercased) matches a query word.
pub fn matches(word: &QueryWord, term: &str, written: &str) -> bool {
    term == word.term
        || (word.prefix && (term.starts_with(&word.term) || written.starts_with(&word.typed)))
        || (word.fuzzy && within_one_edit(term, &word.term))
}

/// Whether `a` becomes `b` with at most one insertion, deletion, substitution or swap of two
/// neighbouring characters (what tantivy's fuzzy query with distance 1 matches).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let start = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if start == short.len() {
        return true;
    }
    if short.len() == long.len() {
        let swapped = start + 1 < short.len()
            && short[start] == long[start + 1]
            && short[start + 1] == long[start]
            && short[start + 2..] == long[start + 2..];
        swapped || short[start + 1..] == long[start + 1..]
    } else {
        short[start..] == long[start + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> TextAnalyzer {
        tantivy::tokenizer::TokenizerManager::default()
            .get("en_stem")
            .expect("en_stem is built in")
    }

    #[test]
    fn operators_and_control_characters_become_spaces() {
        assert_eq!(
            clean("  title:(reset)\u{0}AND \"hub\"~2  "),
            "title reset AND hub 2"
        );
        assert_eq!(clean("((("), "");
    }

    #[test]
    fn long_queries_are_truncated() {
        assert_eq!(clean(&"a".repeat(10_000)).chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn only_the_last_word_is_a_prefix_and_only_long_words_are_fuzzy() {
        let w = words("resetting passw", &mut analyzer());
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].term, "reset");
        assert!(w[0].fuzzy && !w[0].prefix);
        assert!(w[1].prefix && w[1].fuzzy);
        let w = words("a", &mut analyzer());
        assert!(!w[0].prefix && !w[0].fuzzy);
    }

    #[test]
    fn one_edit_means_one() {
        assert!(within_one_edit("password", "pasword"));
        assert!(within_one_edit("password", "passwrod"));
        assert!(within_one_edit("password", "passward"));
        assert!(within_one_edit("password", "password"));
        assert!(!within_one_edit("password", "pswrd"));
        assert!(!within_one_edit("password", "passwodr1"));
    }
}
