//! Verified identity: the host site signs the id of its signed-in customer with a secret it
//! shares with Baton (`[identity]` in `site.toml`), and Baton trusts the id only when the
//! signature matches.
//!
//! The signature is `hash = lowercase hex HMAC-SHA256(secret, id)`, computed on the site's
//! server (never in the browser, which must not see the secret) and passed to
//! `Baton.identify({ id, hash, … })`. Comparison is constant-time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::config::IdentitySettings;

/// What a claimed identity turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The hash matches the id: the site vouches for this customer.
    Verified,
    /// No claim to check: no hash on a site that does not require one, or a site without a
    /// secret (its identities stay claims).
    Unverified,
    /// A hash that does not match, or none where the site requires one.
    Rejected(Rejection),
}

/// Why an identity was rejected (for logs; the client only learns `identity_rejected`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    WrongHash,
    MissingHash,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::WrongHash => "wrong hash",
            Rejection::MissingHash => "missing hash",
        }
    }
}

/// `hash` for `id` under `secret`: lowercase hex HMAC-SHA256.
pub fn expected_hash(secret: &[u8], id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this arm is never taken.
        return String::new();
    };
    mac.update(id.as_bytes());
    crate::storage::hex(&mac.finalize().into_bytes())
}

/// Checks a claimed `id` and `hash` (either may be absent) against the site's settings.
pub fn verify(settings: &IdentitySettings, id: Option<&str>, hash: Option<&str>) -> Verdict {
    let Some(secret) = settings.secret() else {
        return Verdict::Unverified;
    };
    match (id, hash.map(str::trim).filter(|h| !h.is_empty())) {
        (Some(id), Some(hash)) => {
            let expected = expected_hash(secret, id);
            let given = hash.to_ascii_lowercase();
            if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
                Verdict::Verified
            } else {
                Verdict::Rejected(Rejection::WrongHash)
            }
        }
        (None, Some(_)) => Verdict::Rejected(Rejection::WrongHash),
        _ if settings.required => Verdict::Rejected(Rejection::MissingHash),
        _ => Verdict::Unverified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of `docs/identity.md`.
    pub const VECTOR_SECRET: &str = "baton-test-secret";
    pub const VECTOR_ID: &str = "user-42";

    fn settings(required: bool) -> IdentitySettings {
        IdentitySettings::with_secret(VECTOR_SECRET.as_bytes(), required)
    }

    #[test]
    fn right_hash_verifies_in_any_case_wrong_or_missing_is_rejected_when_required() {
        let hash = expected_hash(VECTOR_SECRET.as_bytes(), VECTOR_ID);
        assert_eq!(
            hash,
            "b1874626b1af54df3221caffc69f48b5b581b7a12dacc5bc22f96d4e8e36a914"
        );
        let s = settings(true);
        assert_eq!(verify(&s, Some(VECTOR_ID), Some(&hash)), Verdict::Verified);
        assert_eq!(
            verify(&s, Some(VECTOR_ID), Some(&hash.to_uppercase())),
            Verdict::Verified
        );
        assert_eq!(
            verify(&s, Some("user-43"), Some(&hash)),
            Verdict::Rejected(Rejection::WrongHash)
        );
        assert_eq!(
            verify(&s, Some(VECTOR_ID), None),
            Verdict::Rejected(Rejection::MissingHash)
        );
        assert_eq!(
            verify(&settings(false), Some(VECTOR_ID), None),
            Verdict::Unverified
        );
        assert_eq!(
            verify(&IdentitySettings::default(), Some(VECTOR_ID), Some("x")),
            Verdict::Unverified
        );
    }
}
