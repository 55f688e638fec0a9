//! Agent passwords: Argon2id hashes in the PHC string format (salt and parameters inside), so
//! stronger parameters later still verify old hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};

/// Shortest password `baton agent add` accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in bytes (hashing is costly; nobody types more).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A hash of a well-formed password nobody has, checked when the email is unknown so that a
/// sign-in takes as long whether or not the account exists.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YmF0b24tZGVjb3ktc2FsdA$\
    0Rz0d0mJb4xVlAgRpuGyQdl0iLDtvnh1uwc/rZ9H9rA";

/// What is wrong with a new password.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("the password must have at most {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Hashes a new password with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `stored` (a PHC string). A malformed hash matches nothing.
/// With `None` (no such account) the decoy hash is checked, for the same cost, and the answer
/// is false.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(DECOY_HASH)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash("correct horse battery").expect("hashes");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse batter", Some(&stored)));
        assert!(!verify("correct horse battery", Some("not a hash")));
        assert!(!verify("correct horse battery", None));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        assert_ne!(hash("0123456789ab").ok(), hash("0123456789ab").ok());
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert_eq!(hash("short"), Err(PasswordError::TooShort));
        assert_eq!(hash(&"x".repeat(2000)), Err(PasswordError::TooLong));
    }

    #[test]
    fn the_decoy_hash_is_well_formed() {
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
    }
}
