//! Redaction of personal data before a handoff is stored: card numbers (runs of 13 to 19 digits,
//! spaces or dashes allowed between them, that pass the Luhn check) and the site's own patterns
//! (`[privacy] redact = [...]` in `site.toml`). Applied on the server to the name, the message and
//! every free text of the transcript, so no client can skip it.

use baton_core::api::HandoffRequest;
use regex::Regex;

/// What a redacted card number becomes.
pub const CARD_MARK: &str = "[card number removed]";
/// What a match of a site pattern becomes.
pub const PATTERN_MARK: &str = "[removed]";

/// The compiled redaction rules of a site.
#[derive(Clone, Debug)]
pub struct Redactor {
    card: Regex,
    patterns: Vec<Regex>,
}

impl Redactor {
    /// Compiles the site's patterns; patterns that do not compile are left out (`baton check`
    /// refuses them before they can be published).
    pub fn new(patterns: &[String]) -> Redactor {
        Redactor {
            #[allow(clippy::unwrap_used)] // A constant pattern, covered by the tests.
            card: Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").unwrap(),
            patterns: patterns.iter().filter_map(|p| Regex::new(p).ok()).collect(),
        }
    }

    /// `text` with card numbers and the site's patterns replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = self
            .card
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let found = &caps[0];
                if luhn_valid(found) {
                    CARD_MARK.to_owned()
                } else {
                    found.to_owned()
                }
            })
            .into_owned();
        for pattern in &self.patterns {
            out = pattern.replace_all(&out, PATTERN_MARK).into_owned();
        }
        out
    }

    /// Redacts every text of a handoff the customer or the page typed: name, message, the
    /// identity, the context and the transcript. The email address is kept: it is how the
    /// customer gets an answer.
    pub fn redact_request(&self, request: &mut HandoffRequest) {
        request.name = self.redact(&request.name);
        request.message = self.redact(&request.message);
        request.transcript.map_texts(&mut |t: &str| self.redact(t));
    }
}

/// The Luhn check over the digits of `s` (other characters are skipped).
pub fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 13 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// What an email address in a search query becomes.
pub const EMAIL_MARK: &str = "[email]";
/// What a run of six or more digits in a search query becomes.
pub const DIGITS_MARK: &str = "[number]";

/// A search query as the insights reports keep it: email addresses and runs of six or more
/// digits (order numbers, phone numbers, card numbers) replaced, lowercased, whitespace
/// collapsed.
pub fn scrub_query(query: &str) -> String {
    static EMAIL: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        #[allow(clippy::unwrap_used)] // A constant pattern, covered by the tests.
        Regex::new(r"[^\s@]+@[^\s@]+").unwrap()
    });
    static DIGITS: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        #[allow(clippy::unwrap_used)] // A constant pattern, covered by the tests.
        Regex::new(r"\d(?:[-.]?\d){5,}").unwrap()
    });
    let text = EMAIL.replace_all(query, EMAIL_MARK);
    let text = DIGITS.replace_all(&text, DIGITS_MARK);
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_lose_emails_and_long_digit_runs() {
        assert_eq!(
            scrub_query("  Refund for ADA@example.com  order 12345678 "),
            "refund for [email] order [number]"
        );
        assert_eq!(scrub_query("call 030-123-4567"), "call [number]");
        assert_eq!(
            scrub_query("error 404 on step 12345"),
            "error 404 on step 12345"
        );
    }

    #[test]
    fn card_numbers_that_pass_luhn_are_removed_others_stay() {
        let r = Redactor::new(&[]);
        assert_eq!(
            r.redact("card 4111 1111 1111 1111, thanks"),
            format!("card {CARD_MARK}, thanks")
        );
        assert_eq!(r.redact("4111-1111-1111-1111"), CARD_MARK);
        assert_eq!(r.redact("5500005555555559"), CARD_MARK);
        // An order number of 16 digits that fails Luhn is not a card.
        assert_eq!(r.redact("order 4111111111111112"), "order 4111111111111112");
        assert_eq!(r.redact("call 0301234567"), "call 0301234567");
    }

    #[test]
    fn site_patterns_apply_after_cards() {
        let r = Redactor::new(&[r"(?i)\bDE\d{2}(?: ?\d{4}){4} ?\d{2}\b".into(), "[".into()]);
        assert_eq!(
            r.redact("IBAN DE89 3704 0044 0532 0130 00 please"),
            format!("IBAN {PATTERN_MARK} please")
        );
    }

    #[test]
    fn every_text_of_a_request_is_redacted() {
        let mut request = HandoffRequest {
            name: "Ada 4111111111111111".into(),
            message: "my card 4111 1111 1111 1111".into(),
            ..HandoffRequest::default()
        };
        request
            .transcript
            .record_search(1, "4111111111111111", 0, &[]);
        Redactor::new(&[]).redact_request(&mut request);
        let json = serde_json::to_string(&request).expect("json");
        assert!(!json.contains("4111"), "{json}");
    }
}
