//! Identifiers and signatures: conversation ids, the conversation tokens that let only
//! their holder resume a conversation (HMAC-SHA256 with a key kept in the data folder),
//! and host-site identity signatures.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ConfigError;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the signing key.
const KEY_BYTES: usize = 32;

/// Signs and checks conversation tokens.
#[derive(Clone)]
pub struct Signer {
    key: [u8; KEY_BYTES],
}

impl Signer {
    /// Reads the key at `path`, or creates it on first start, so tokens stay valid
    /// across restarts; either way it is left readable by its owner only.
    pub fn load_or_create(path: &Path) -> Result<Self, ConfigError> {
        let secret_error = |source| ConfigError::Secret {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let key = from_hex(text.trim()).ok_or_else(|| ConfigError::BadSecret {
                    path: PathBuf::from(path),
                })?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let private = std::fs::Permissions::from_mode(0o600);
                    std::fs::set_permissions(path, private).map_err(secret_error)?;
                }
                Ok(Self { key })
            }
            Err(error) if error.kind() == ErrorKind::NotFound => {
                let key = random_bytes::<KEY_BYTES>().map_err(secret_error)?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(secret_error)?;
                }
                write_private(path, &hex(&key)).map_err(secret_error)?;
                Ok(Self { key })
            }
            Err(error) => Err(secret_error(error)),
        }
    }

    /// A signer with a fresh random key (tests, throwaway servers).
    pub fn ephemeral() -> std::io::Result<Self> {
        Ok(Self {
            key: random_bytes::<KEY_BYTES>()?,
        })
    }

    /// The token that lets its holder resume `conversation_id`.
    pub fn token(&self, conversation_id: &str) -> String {
        hex(&self.mac(conversation_id).finalize().into_bytes())
    }

    /// Whether `token` was made by [`Signer::token`] for `conversation_id` (constant time).
    pub fn verify(&self, conversation_id: &str, token: &str) -> bool {
        match from_hex_vec(token) {
            Some(bytes) => self.mac(conversation_id).verify_slice(&bytes).is_ok(),
            None => false,
        }
    }

    fn mac(&self, conversation_id: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any size");
        mac.update(b"relais conversation ");
        mac.update(conversation_id.as_bytes());
        mac
    }
}

/// Whether `signature` (hex) is HMAC-SHA256(`secret`, `user_id`): how a host site vouches
/// for a logged-in visitor.
pub fn identity_is_signed(secret: &str, user_id: &str, signature: &str) -> bool {
    let Some(bytes) = from_hex_vec(signature) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key size");
    mac.update(user_id.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// A new random conversation id (128 bits, hex).
pub fn new_conversation_id() -> std::io::Result<String> {
    Ok(hex(&random_bytes::<16>()?))
}

fn random_bytes<const N: usize>() -> std::io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex_vec(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn from_hex(text: &str) -> Option<[u8; KEY_BYTES]> {
    from_hex_vec(text)?.try_into().ok()
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_belong_to_one_conversation_and_survive_a_reload() {
        let dir = std::env::temp_dir().join(format!("relais-token-{}", std::process::id()));
        let path = dir.join("secret.key");
        let _ = std::fs::remove_dir_all(&dir);
        let signer = Signer::load_or_create(&path).unwrap();
        let token = signer.token("c1");
        assert!(signer.verify("c1", &token));
        assert!(!signer.verify("c2", &token));
        assert!(!signer.verify("c1", "zz"));
        assert!(!signer.verify("c1", &token[..10]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            Signer::load_or_create(&path).unwrap();
            assert_eq!(mode(&path), 0o600, "a key left readable by others is tightened");
        }
        let reloaded = Signer::load_or_create(&path).unwrap();
        assert!(reloaded.verify("c1", &token));
        assert!(!Signer::ephemeral().unwrap().verify("c1", &token));
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            Signer::load_or_create(&path),
            Err(ConfigError::BadSecret { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn identity_signatures() {
        let mut mac = HmacSha256::new_from_slice(b"shh").unwrap();
        mac.update(b"user-7");
        let signature = hex(&mac.finalize().into_bytes());
        assert!(identity_is_signed("shh", "user-7", &signature));
        assert!(!identity_is_signed("shh", "user-8", &signature));
        assert!(!identity_is_signed("other", "user-7", &signature));
    }
}
