//! The REST/webhook channel: API keys (shown once, stored as their SHA-256) and the
//! webhook's `X-Relais-Signature` (`sha256=` and the HMAC-SHA256 of the body with the
//! webhook secret, hex), with which later events are POSTed to the business's app.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::{SendError, answer};

/// What a new key starts with, so one found in a log is recognised.
const KEY_PREFIX: &str = "rlk_";

/// A new API key from 32 random bytes.
pub fn new_key(random: [u8; 32]) -> String {
    format!("{KEY_PREFIX}{}", hex::encode(random))
}

/// What the store keeps of a key.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

/// The `X-Relais-Signature` of a webhook body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs `body` (JSON) to the webhook, signed.
pub fn post(agent: &ureq::Agent, url: &str, secret: &str, body: &str) -> Result<(), SendError> {
    let result = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Relais-Signature", signature(secret, body.as_bytes()))
        .send(body);
    answer("the webhook", result).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hashed_and_bodies_signed() {
        let key = new_key([7; 32]);
        assert!(key.starts_with("rlk_") && key.len() == 68);
        assert_eq!(key_hash(&key), key_hash(&format!(" {key}\n")));
        assert_ne!(key_hash(&key), key_hash(&new_key([8; 32])));
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published vector.
        assert_eq!(
            signature("key", b"The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
