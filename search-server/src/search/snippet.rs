//! Snippets: a window of an article's plain text around the words that matched, as fragments.
//! Fragments are plain text; the widget renders them as text nodes, so content can never inject
//! markup through a snippet.

use baton_core::api::Fragment;
use tantivy::tokenizer::TextAnalyzer;

use super::query::{self, QueryWord};

/// Roughly how long a snippet is, in bytes of text.
pub const SNIPPET_LEN: usize = 180;

/// How much text to show before the first highlighted word, in bytes.
const LEAD_IN: usize = 40;

const ELLIPSIS: &str = "…";

/// The part of `text` that best shows why it matched `words`, with matched words highlighted.
/// Text without matches gives its beginning without highlights.
pub fn snippet(text: &str, words: &[QueryWord], analyzer: &mut TextAnalyzer) -> Vec<Fragment> {
    if text.is_empty() {
        return Vec::new();
    }
    let tokens = query::tokens(text, analyzer);
    let matched: Vec<bool> = tokens
        .iter()
        .map(|t| {
            let written = text
                .get(t.offset_from..t.offset_to)
                .unwrap_or_default()
                .to_lowercase();
            words.iter().any(|w| query::matches(w, &t.text, &written))
        })
        .collect();

    // The window that starts at a match and holds the most matches; the first one on a tie.
    let hits: Vec<usize> = (0..tokens.len()).filter(|&i| matched[i]).collect();
    let best = hits
        .iter()
        .map(|&i| {
            let end = tokens[i].offset_from + SNIPPET_LEN - LEAD_IN;
            let count = hits
                .iter()
                .filter(|&&j| j >= i && tokens[j].offset_from < end)
                .count();
            (i, count)
        })
        .fold(None::<(usize, usize)>, |best, (i, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((i, n)),
        })
        .map(|(i, _)| i);

    let start = match best {
        Some(i) => {
            let earliest = tokens[i].offset_from.saturating_sub(LEAD_IN);
            tokens
                .iter()
                .find(|t| t.offset_from >= earliest)
                .map_or(0, |t| t.offset_from)
        }
        None => 0,
    };
    let start = if tokens.first().is_some_and(|t| t.offset_from >= start) {
        0
    } else {
        start
    };
    let limit = start + SNIPPET_LEN;
    let end = if text.len() <= limit {
        text.len()
    } else {
        tokens
            .iter()
            .take_while(|t| t.offset_to <= limit)
            .last()
            .map_or(floor_char_boundary(text, limit), |t| t.offset_to)
            .max(start)
    };

    let mut fragments = Vec::new();
    let mut plain = String::new();
    if start > 0 {
        plain.push_str(ELLIPSIS);
    }
    let mut cursor = start;
    for (token, &hit) in tokens.iter().zip(&matched) {
        if !hit || token.offset_from < start || token.offset_to > end {
            continue;
        }
        plain.push_str(&text[cursor..token.offset_from]);
        if !plain.is_empty() {
            fragments.push(Fragment {
                text: std::mem::take(&mut plain),
                highlight: false,
            });
        }
        fragments.push(Fragment {
            text: text[token.offset_from..token.offset_to].to_owned(),
            highlight: true,
        });
        cursor = token.offset_to;
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
