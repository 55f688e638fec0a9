//! How text becomes terms, per locale: the same analyzer indexes articles and reads queries.
//!
//! Words are split on anything that is not a letter or digit, lowercased, and — where tantivy
//! has them for the locale's language — stop words are dropped and the rest stemmed (Snowball).
//! Locales whose language tantivy does not know get lowercased, accent-folded words.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// Name under which each locale's index registers its text analyzer.
pub const TEXT: &str = "baton_text";
/// Name of the analyzer of the spelling field: words as written, lowercased, never stemmed.
pub const SPELLING: &str = "baton_spelling";

/// Longest token indexed, in bytes; longer ones (hashes, base64) are dropped.
const MAX_TOKEN_BYTES: usize = 40;

/// The Snowball language of a locale such as `en`, `de-AT` or `pt-br`, if tantivy has one.
pub fn language(locale: &str) -> Option<Language> {
    let primary = locale
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(match primary.as_str() {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "en" => Language::English,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => return None,
    })
}

/// The analyzer of a locale's searchable text.
pub fn text_analyzer(locale: &str) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser);
    match language(locale) {
        Some(language) => match StopWordFilter::new(language) {
            Some(stop_words) => base
                .filter(stop_words)
                .filter(Stemmer::new(language))
                .build(),
            None => base.filter(Stemmer::new(language)).build(),
        },
        None => base.filter(AsciiFoldingFilter).build(),
    }
}

/// The analyzer of the spelling field, used for "did you mean".
pub fn spelling_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::tokens;

    fn terms(locale: &str, text: &str) -> Vec<String> {
        tokens(text, &mut text_analyzer(locale))
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn english_drops_stop_words_and_stems() {
        assert_eq!(
            terms("en", "Resetting the passwords"),
            ["reset", "password"]
        );
        assert_eq!(terms("en-GB", "It is connected"), ["connect"]);
    }

    #[test]
    fn german_drops_stop_words_and_stems() {
        assert_eq!(
            terms("de", "Das Passwort zurücksetzen"),
            ["passwort", "zurucksetz"]
        );
    }

    #[test]
    fn unknown_languages_are_lowercased_and_folded() {
        assert_eq!(terms("xx", "Café Öl"), ["cafe", "ol"]);
    }
}
