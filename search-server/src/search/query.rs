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

/// Shortest word that may have one typo; shorter words must be spelled right.
pub const ONE_TYPO_CHARS: usize = 5;

/// Shortest word that may have two typos.
pub const TWO_TYPOS_CHARS: usize = 9;

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
    /// Position of the word in the query, as the analyzer counts (stop words leave gaps).
    pub position: usize,
    /// How many typos a match may have: 0, 1 or 2 (see [`typos_allowed`]).
    pub typos: u8,
    /// Also match words that start with it (only the last word of the query).
    pub prefix: bool,
}

/// Typos tolerated in a word as typed: none under [`ONE_TYPO_CHARS`] characters or in words
/// with digits (numbers, model names), one up to 8 characters, two from [`TWO_TYPOS_CHARS`].
pub fn typos_allowed(typed: &str) -> u8 {
    let chars = typed.chars().count();
    if typed.chars().any(|c| c.is_numeric()) || chars < ONE_TYPO_CHARS {
        0
    } else if chars < TWO_TYPOS_CHARS {
        1
    } else {
        2
    }
}

/// The distinct words of a cleaned query, in order.
pub fn words(cleaned: &str, analyzer: &mut TextAnalyzer) -> Vec<QueryWord> {
    let mut words: Vec<QueryWord> = Vec::new();
    let mut last_end = 0;
    for token in tokens(cleaned, analyzer) {
        last_end = token.offset_to;
        let typed = cleaned
            .get(token.offset_from..token.offset_to)
            .unwrap_or(&token.text)
            .to_lowercase();
        if words.iter().any(|w| w.term == token.text) {
            continue;
        }
        words.push(QueryWord {
            typos: typos_allowed(&typed),
            term: token.text,
            typed,
            position: token.position,
            prefix: false,
        });
        if words.len() == MAX_WORDS {
            break;
        }
    }
    // Only a word still being typed is a prefix: the query ends with it.
    let ends_with_word =
        last_end == cleaned.len() && cleaned.chars().last().is_some_and(char::is_alphanumeric);
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
        || (word.typos > 0 && within_edits(term, &word.term, word.typos))
}

/// Whether `a` becomes `b` with at most `max` insertions, deletions, substitutions or swaps of
/// two neighbouring characters (what tantivy's fuzzy query with transpositions matches).
pub fn within_edits(a: &str, b: &str, max: u8) -> bool {
    edit_distance(a, b, max).is_some()
}

/// The optimal-string-alignment distance between `a` and `b` if it is at most `max`.
pub fn edit_distance(a: &str, b: &str, max: u8) -> Option<u8> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (prev2, rest) = rows.split_at_mut(1);
        let (prev, current) = rest.split_at_mut(1);
        let (prev2, prev, current) = (&prev2[0], &prev[0], &mut current[0]);
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j] + 1)
                .min(current[j - 1] + 1)
                .min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(prev2[j - 2] + 1);
            }
            current[j] = best;
            row_min = row_min.min(best);
        }
        if row_min > max {
            return None;
        }
        rows.rotate_left(1);
    }
    let distance = rows[1][b.len()];
    (distance <= max).then(|| u8::try_from(distance).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> TextAnalyzer {
        crate::search::analysis::text_analyzer("en")
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
    fn only_the_last_word_is_a_prefix_and_typos_depend_on_length() {
        let w = words("resetting passw", &mut analyzer());
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].term, "reset");
        assert_eq!((w[0].typos, w[0].prefix), (2, false));
        assert_eq!((w[1].typos, w[1].prefix), (1, true));
        let w = words("a", &mut analyzer());
        assert!(w.is_empty(), "stop words are not looked up");
        let w = words("wifi", &mut analyzer());
        assert_eq!((w[0].typos, w[0].prefix), (0, true));
        let w = words("wifi?", &mut analyzer());
        assert!(!w[0].prefix, "a finished word is not a prefix");
    }

    #[test]
    fn numbers_never_get_typos() {
        assert_eq!(typos_allowed("123456789"), 0);
        assert_eq!(typos_allowed("x1000"), 0);
        assert_eq!(typos_allowed("hubs"), 0);
        assert_eq!(typos_allowed("router"), 1);
        assert_eq!(typos_allowed("connection"), 2);
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("password", "pasword", 2), Some(1));
        assert_eq!(edit_distance("password", "passwrod", 2), Some(1));
        assert_eq!(edit_distance("password", "passward", 2), Some(1));
        assert_eq!(edit_distance("password", "password", 0), Some(0));
        assert_eq!(edit_distance("password", "pswrd", 2), None);
        assert_eq!(edit_distance("password", "paswodr", 2), Some(2));
        assert!(!within_edits("password", "passwodr1", 1));
    }
}
