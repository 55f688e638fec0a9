//! Human-friendly ticket references such as `K7QM-4XRT`.
//!
//! A reference is eight characters from an alphabet without look-alikes (no `0`/`O`, `1`/`I`/`L`,
//! no `U`), shown as two groups of four. Customers read them over the phone and type them into
//! emails, so parsing forgives case, spaces and a missing dash.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The characters a reference is made of: digits and capitals that cannot be confused.
pub const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of significant characters in a reference.
pub const LEN: usize = 8;

/// A ticket reference, always in canonical form (`XXXX-XXXX`, upper case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketRef(String);

/// Why a string is not a ticket reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketRefError {
    #[error("a reference has {LEN} characters, this one has {0}")]
    Length(usize),
    #[error("'{0}' is not used in references (they use digits 2-9 and letters without I, L, O, U)")]
    Character(char),
}

impl TicketRef {
    /// Builds a reference from random bits supplied by the caller (the core draws none itself).
    /// Every `u64` maps to a valid reference; the low 40 bits are used.
    pub fn from_random(mut bits: u64) -> Self {
        let mut s = String::with_capacity(LEN + 1);
        for i in 0..LEN {
            if i == LEN / 2 {
                s.push('-');
            }
            let idx = (bits % ALPHABET.len() as u64) as usize;
            bits /= ALPHABET.len() as u64;
            s.push(ALPHABET[idx] as char);
        }
        TicketRef(s)
    }

    /// The canonical text, `XXXX-XXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TicketRef {
    type Err = TicketRefError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let chars: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.len() != LEN {
            return Err(TicketRefError::Length(chars.len()));
        }
        if let Some(bad) = chars
            .iter()
            .find(|c| !c.is_ascii() || !ALPHABET.contains(&(**c as u8)))
        {
            return Err(TicketRefError::Character(*bad));
        }
        let mut s: String = chars[..LEN / 2].iter().collect();
        s.push('-');
        s.extend(&chars[LEN / 2..]);
        Ok(TicketRef(s))
    }
}

impl TryFrom<String> for TicketRef {
    type Error = TicketRefError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<TicketRef> for String {
    fn from(value: TicketRef) -> Self {
        value.0
    }
}

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn random_bits_always_make_a_canonical_reference() {
        for bits in [0, 1, 29, 30, u64::MAX, 0xDEAD_BEEF_CAFE] {
            let r = TicketRef::from_random(bits);
            assert_eq!(r.as_str().len(), LEN + 1);
            assert_eq!(r.as_str().parse::<TicketRef>(), Ok(r.clone()));
        }
    }

    #[test]
    fn parsing_forgives_case_spaces_and_missing_dash() {
        let r: TicketRef = " k7qm 4xrt ".parse().expect("valid");
        assert_eq!(r.as_str(), "K7QM-4XRT");
        assert_eq!("K7QM4XRT".parse::<TicketRef>(), Ok(r));
    }

    #[test]
    fn look_alike_characters_are_rejected() {
        assert_eq!(
            "K7QM-4XR0".parse::<TicketRef>(),
            Err(TicketRefError::Character('0'))
        );
        assert_eq!(
            "K7QM-4XRI".parse::<TicketRef>(),
            Err(TicketRefError::Character('I'))
        );
        assert_eq!("K7QM".parse::<TicketRef>(), Err(TicketRefError::Length(4)));
    }

    #[test]
    fn serde_round_trips_as_a_plain_string() {
        let r = TicketRef::from_random(123_456_789);
        let json = serde_json::to_string(&r).expect("serialize");
        assert_eq!(json, format!("\"{r}\""));
        assert_eq!(serde_json::from_str::<TicketRef>(&json).expect("parse"), r);
        assert!(serde_json::from_str::<TicketRef>("\"OOOO-OOOO\"").is_err());
    }
}
