//! "Did you mean": when a query finds nothing, each word the index has never seen is replaced
//! by the most frequent word as written in the articles within a small edit distance.

use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::SearchError;
use super::analysis;
use super::query;
use super::ranking::{closest, terms_within};

/// Shortest word for which a correction is looked for.
const MIN_CHARS: usize = 3;
/// Words up to this many characters get corrections one edit away; longer ones two.
const ONE_EDIT_MAX_CHARS: usize = 5;

/// A corrected version of `cleaned`, if any of its words can be corrected.
pub(super) fn suggest(
    cleaned: &str,
    searcher: &Searcher,
    spelling: Field,
) -> Result<Option<String>, SearchError> {
    let mut analyzer = analysis::spelling_analyzer();
    let mut suggestion = String::with_capacity(cleaned.len());
    let mut cursor = 0;
    let mut changed = false;
    for token in query::tokens(cleaned, &mut analyzer) {
        let chars = token.text.chars().count();
        if chars < MIN_CHARS || token.text.chars().any(char::is_numeric) {
            continue;
        }
        if searcher.doc_freq(&Term::from_field_text(spelling, &token.text))? > 0 {
            continue;
        }
        let distance = if chars <= ONE_EDIT_MAX_CHARS { 1 } else { 2 };
        let found = terms_within(searcher, [spelling], &token.text, distance)?;
        if let Some(best) = closest(found, &token.text, distance, 1).into_iter().next() {
            suggestion.push_str(&cleaned[cursor..token.offset_from]);
            suggestion.push_str(&best);
            cursor = token.offset_to;
            changed = true;
        }
    }
    if !changed {
        return Ok(None);
    }
    suggestion.push_str(&cleaned[cursor..]);
    Ok(Some(suggestion))
}
