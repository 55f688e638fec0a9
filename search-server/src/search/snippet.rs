//! Snippets: a window of an article's plain text around the words that matched, as fragments.
//! Fragments are plain text; the widget renders them as text nodes, so content can never inject
//! markup through a snippet.
//!
//! The text is only split into words here (as the analyzer's tokenizer splits it); whether a
//! word matches is decided once per distinct word and query by the full analyzer (stemming is
//! the expensive part) and remembered for the other hits of the same query.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use baton_core::api::Fragment;
use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer, TokenStream as _, Tokenizer as _};

use super::query::{self, QueryWord};

/// Roughly how long a snippet is, in bytes of text.
pub const SNIPPET_LEN: usize = 180;

/// How much text to show before the first highlighted word, in bytes.
const LEAD_IN: usize = 40;

const ELLIPSIS: &str = "…";

/// The part of `text` that best shows why it matched `words`, with matched words highlighted.
/// Text without matches gives its beginning without highlights.
pub fn snippet(text: &str, words: &[QueryWord], analyzer: &mut TextAnalyzer) -> Vec<Fragment> {
    Highlighter::new(words, analyzer.clone()).snippet(text)
}

/// Builds the snippets of one query's hits, remembering which words match.
pub struct Highlighter<'a> {
    words: &'a [QueryWord],
    analyzer: TextAnalyzer,
    splitter: SimpleTokenizer,
    /// Whether a word, as written, matches one of `words`.
    memo: HashMap<String, bool, BuildHasherDefault<Fnv>>,
    /// Byte ranges of the words of the current text.
    spans: Vec<(usize, usize)>,
}

impl std::fmt::Debug for Highlighter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("words", &self.words)
            .finish_non_exhaustive()
    }
}

impl<'a> Highlighter<'a> {
    /// A highlighter for `words`, analysed by `analyzer` (the index's analyzer of the locale).
    pub fn new(words: &'a [QueryWord], analyzer: TextAnalyzer) -> Self {
        Highlighter {
            words,
            analyzer,
            splitter: SimpleTokenizer::default(),
            memo: HashMap::default(),
            spans: Vec::new(),
        }
    }

    /// Whether the word `written` matches a query word: the analyzer drops it (a stop word,
    /// too long) or gives its term, compared with each query word.
    fn matches(&mut self, written: &str) -> bool {
        if let Some(&known) = self.memo.get(written) {
            return known;
        }
        let lowercase = written.to_lowercase();
        let words = self.words;
        let mut matched = false;
        self.analyzer
            .token_stream(written)
            .process(&mut |t: &tantivy::tokenizer::Token| {
                matched |= words.iter().any(|w| query::matches(w, &t.text, &lowercase));
            });
        self.memo.insert(written.to_owned(), matched);
        matched
    }

    /// The snippet of `text` (see [`snippet`]).
    pub fn snippet(&mut self, text: &str) -> Vec<Fragment> {
        if text.is_empty() {
            return Vec::new();
        }
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        self.splitter
            .token_stream(text)
            .process(&mut |t: &tantivy::tokenizer::Token| spans.push((t.offset_from, t.offset_to)));
        let matched: Vec<bool> = spans
            .iter()
            .map(|&(from, to)| self.matches(&text[from..to]))
            .collect();
        let fragments = fragments(text, &spans, &matched);
        self.spans = spans;
        fragments
    }
}

/// FNV-1a, for the memo: its keys are short words, looked up once per word of every hit, for
/// which SipHash's setup costs more than the hashing. The keys come from one query's hits, so
/// flooding the table is not a concern.
#[derive(Clone, Copy, Debug)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The fragments of the best window of `text`, whose words are at `spans` (byte ranges),
/// `matched` telling which are highlighted.
fn fragments(text: &str, spans: &[(usize, usize)], matched: &[bool]) -> Vec<Fragment> {
    // The window that starts at a match and holds the most matches; the first one on a tie.
    let hits: Vec<usize> = (0..spans.len()).filter(|&i| matched[i]).collect();
    let best = hits
        .iter()
        .map(|&i| {
            let end = spans[i].0 + SNIPPET_LEN - LEAD_IN;
            let count = hits.iter().filter(|&&j| j >= i && spans[j].0 < end).count();
            (i, count)
        })
        .fold(None::<(usize, usize)>, |best, (i, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((i, n)),
        })
        .map(|(i, _)| i);

    let start = match best {
        Some(i) => {
            let earliest = spans[i].0.saturating_sub(LEAD_IN);
            spans
                .iter()
                .find(|(from, _)| *from >= earliest)
                .map_or(0, |(from, _)| *from)
        }
        None => 0,
    };
    let start = if spans.first().is_some_and(|(from, _)| *from >= start) {
        0
    } else {
        start
    };
    let limit = start + SNIPPET_LEN;
    let end = if text.len() <= limit {
        text.len()
    } else {
        spans
            .iter()
            .take_while(|(_, to)| *to <= limit)
            .last()
            .map_or(floor_char_boundary(text, limit), |(_, to)| *to)
            .max(start)
    };

    let mut fragments = Vec::new();
    let mut plain = String::new();
    if start > 0 {
        plain.push_str(ELLIPSIS);
    }
    let mut cursor = start;
    for (&(from, to), &hit) in spans.iter().zip(matched) {
        if !hit || from < start || to > end {
            continue;
        }
        plain.push_str(&text[cursor..from]);
        if !plain.is_empty() {
            fragments.push(Fragment {
                text: std::mem::take(&mut plain),
                highlight: false,
            });
        }
        fragments.push(Fragment {
            text: text[from..to].to_owned(),
            highlight: true,
        });
        cursor = to;
    }
    plain.push_str(&text[cursor..end]);
    if end < text.len() {
        plain.push_str(ELLIPSIS);
    }
    if !plain.is_empty() {
        fragments.push(Fragment {
            text: plain,
            highlight: false,
        });
    }
    fragments
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> TextAnalyzer {
        tantivy::tokenizer::TokenizerManager::default()
            .get("en_stem")
            .expect("en_stem is built in")
    }

    fn render(fragments: &[Fragment]) -> String {
        fragments
            .iter()
            .map(|f| {
                if f.highlight {
                    format!("[{}]", f.text)
                } else {
                    f.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn matched_words_are_highlighted_including_stems_and_typos() {
        let mut a = analyzer();
        let words = query::words("resetting pasword", &mut a);
        let s = snippet("To reset your password, open the app.", &words, &mut a);
        assert_eq!(render(&s), "To [reset] your [password], open the app.");
    }

    #[test]
    fn a_long_text_is_cut_around_the_match() {
        let mut a = analyzer();
        let text = format!(
            "{} the router blinks red {}",
            "filler ".repeat(60),
            "tail ".repeat(60)
        );
        let words = query::words("router", &mut a);
        let s = render(&snippet(&text, &words, &mut a));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("[router]"), "{s}");
        assert!(s.len() < SNIPPET_LEN + 20, "{s}");
    }

    #[test]
    fn text_without_matches_shows_its_beginning() {
        let mut a = analyzer();
        let words = query::words("zebra", &mut a);
        let s = snippet("Plain words here.", &words, &mut a);
        assert_eq!(render(&s), "Plain words here.");
    }
}
