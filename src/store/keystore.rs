//! The keystore: the store's secrets, encrypted with the user's passphrase (DESIGN §4).
//!
//! It holds the random 256-bit database key, the device's Ed25519 signing key and its age
//! X25519 identity. It is an age file (scrypt at 2^18, ~0.5 s of work and 256 MiB of memory,
//! see [`MIN_SCRYPT_LOG_N`]) so changing the passphrase
//! rewrites this small file only, never the database. Plaintext secrets live in zeroizing
//! buffers and are never printed: `Debug` is redacted.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::StoreError;
use crate::model::ids::{DeviceId, hex, hex_decode};

/// Refuse keystores whose scrypt cost would take minutes (a hostile or corrupt file).
const MAX_SCRYPT_LOG_N: u8 = 22;
/// The scrypt work factor of every keystore sealed by Liaison: N = 2^18 (256 MiB, about half
/// a second). Fixed rather than calibrated: age's calibration times one small derivation, and
/// on a loaded machine it came out 2^17 where the same machine idle gives 2^19, so a store's
/// protection depended on what else ran during `init`. `passwd` raises older keystores to it.
pub const MIN_SCRYPT_LOG_N: u8 = 18;
/// A keystore is a few hundred bytes; anything larger is not ours.
const MAX_KEYSTORE_BYTES: u64 = 64 * 1024;

/// The unlocked secrets of a store.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Keys {
    db_key: [u8; 32],
    signing_key: [u8; 32],
    #[zeroize(skip)]
    age_identity: AgeIdentity,
}

/// Wrapper so the age identity sits inside `Keys` (it zeroizes itself on drop).
struct AgeIdentity(age::x25519::Identity);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys {{ device: {}, <redacted> }}", self.device_id())
    }
}

#[derive(Serialize, Deserialize)]
struct KeystoreFile {
    version: u32,
    db_key: String,
    signing_key: String,
    age_identity: String,
}

impl Drop for KeystoreFile {
    fn drop(&mut self) {
        self.db_key.zeroize();
        self.signing_key.zeroize();
        self.age_identity.zeroize();
    }
}

impl Keys {
    /// Fresh random keys for a new store.
    pub fn generate() -> Result<Keys, StoreError> {
        let mut db_key = [0u8; 32];
        let mut signing_key = [0u8; 32];
        getrandom::fill(&mut db_key).map_err(|e| StoreError::Io(format!("no randomness: {e}")))?;
        getrandom::fill(&mut signing_key).map_err(|e| StoreError::Io(format!("no randomness: {e}")))?;
        Ok(Keys { db_key, signing_key, age_identity: AgeIdentity(age::x25519::Identity::generate()) })
    }

    /// Keys with a given device identity (and a fresh database key), for test fixtures whose
    /// device keys must be fixed, such as the golden bundles. The application never calls it.
    #[doc(hidden)]
    pub fn from_fixture(signing_key: [u8; 32], age_identity: &str) -> Result<Keys, StoreError> {
        let mut db_key = [0u8; 32];
        getrandom::fill(&mut db_key).map_err(|e| StoreError::Io(format!("no randomness: {e}")))?;
        let identity: age::x25519::Identity =
            age_identity.parse().map_err(|_| StoreError::Input("not an age X25519 identity".into()))?;
        Ok(Keys { db_key, signing_key, age_identity: AgeIdentity(identity) })
    }

    pub fn db_key_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex(&self.db_key))
    }

    pub fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.signing_key)
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing_key().verifying_key().to_bytes()
    }

    pub fn device_id(&self) -> DeviceId {
        DeviceId::from_public_key(&self.public_key())
    }

    pub fn age_identity(&self) -> &age::x25519::Identity {
        &self.age_identity.0
    }

    pub fn age_recipient(&self) -> String {
        self.age_identity.0.to_public().to_string()
    }

    /// Reads and decrypts the keystore at `path`.
    pub fn unlock(path: &Path, passphrase: &SecretString) -> Result<Keys, StoreError> {
        let mut file = fs::File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NoStore(path.parent().unwrap_or(path).display().to_string())
            } else {
                StoreError::io(path, &e)
            }
        })?;
        let mut sealed = Vec::new();
        Read::by_ref(&mut file)
            .take(MAX_KEYSTORE_BYTES + 1)
            .read_to_end(&mut sealed)
            .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        if sealed.len() as u64 > MAX_KEYSTORE_BYTES {
            return Err(StoreError::Corrupt("the keystore is too large to be one".into()));
        }
        count_key_derivation();
        let mut identity = age::scrypt::Identity::new(passphrase.clone());
        identity.set_max_work_factor(MAX_SCRYPT_LOG_N);
        let decryptor = age::Decryptor::new_buffered(&sealed[..])
            .map_err(|e| StoreError::Corrupt(format!("keystore: {e}")))?;
        let mut reader =
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|e| match e {
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                    StoreError::WrongPassphrase
                }
                other => StoreError::Corrupt(format!("keystore: {other}")),
            })?;
        let mut plain = Zeroizing::new(Vec::new());
        reader.read_to_end(&mut plain).map_err(|_| StoreError::WrongPassphrase)?;
        let file: KeystoreFile = serde_json::from_slice(&plain)
            .map_err(|_| StoreError::Corrupt("keystore contents are not readable".into()))?;
        Keys::from_file(&file)
    }

    fn from_file(file: &KeystoreFile) -> Result<Keys, StoreError> {
        let bad = || StoreError::Corrupt("keystore contents are damaged".into());
        if file.version != 1 {
            return Err(StoreError::TooNew(format!("keystore version {}", file.version)));
        }
        let decode32 = |s: &str| -> Result<[u8; 32], StoreError> {
            let v = Zeroizing::new(hex_decode(s).ok_or_else(bad)?);
            v.as_slice().try_into().map_err(|_| bad())
        };
        let identity: age::x25519::Identity = file.age_identity.parse().map_err(|_| bad())?;
        Ok(Keys {
            db_key: decode32(&file.db_key)?,
            signing_key: decode32(&file.signing_key)?,
            age_identity: AgeIdentity(identity),
        })
    }

    /// The keys as the unlock agent holds and serves them (the keystore's plaintext). Only for
    /// the agent's pipe and socket (agent.rs); never written to a file.
    pub fn to_agent_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serde_json::to_vec(&self.to_file()).expect("keystore serialises"))
    }

    /// The keys back from [`Keys::to_agent_bytes`].
    pub fn from_agent_bytes(bytes: &[u8]) -> Result<Keys, StoreError> {
        let file: KeystoreFile = serde_json::from_slice(bytes)
            .map_err(|_| StoreError::Corrupt("the unlock agent gave unreadable keys".into()))?;
        Keys::from_file(&file)
    }

    fn to_file(&self) -> KeystoreFile {
        KeystoreFile {
            version: 1,
            db_key: hex(&self.db_key),
            signing_key: hex(&self.signing_key),
            age_identity: self.age_identity.0.to_string().expose_secret().to_owned(),
        }
    }

    /// Encrypts the keys with `passphrase` and atomically replaces the file at `path`.
    pub fn seal(&self, path: &Path, passphrase: &SecretString) -> Result<(), StoreError> {
        let file = self.to_file();
        let plain = Zeroizing::new(serde_json::to_vec(&file).expect("keystore serialises"));
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        recipient.set_work_factor(test_work_factor().unwrap_or(MIN_SCRYPT_LOG_N));
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| StoreError::Io(format!("keystore encryption: {e}")))?;
        let mut sealed = Vec::new();
        let mut writer = encryptor.wrap_output(&mut sealed).map_err(|e| StoreError::Io(e.to_string()))?;
        writer.write_all(&plain).map_err(|e| StoreError::Io(e.to_string()))?;
        writer.finish().map_err(|e| StoreError::Io(e.to_string()))?;
        super::files::write_atomically(path, &sealed)
    }
}

/// For tests and CI only: `LIAISON_KDF_LOG_N` (10..=20) sets the scrypt cost of keystores
/// sealed while it is set, so that hundreds of test unlocks stay fast. Never set it for a real
/// store: below [`MIN_SCRYPT_LOG_N`] a stolen keystore's passphrase is guessed that much
/// faster (the command line warns, see [`work_factor_lowered`]). The value is recorded in the
/// keystore itself, so it only affects keystores sealed while it is set (`init`, `passwd`);
/// it is never read when opening a store.
fn test_work_factor() -> Option<u8> {
    std::env::var("LIAISON_KDF_LOG_N")
        .ok()
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|n| (10..=20).contains(n))
}

/// For tests only: with `LIAISON_KDF_COUNT_FILE` set, every key derivation appends a line to
/// that file, so a test can tell how many derivations a series of commands cost (the unlock
/// agent's promise: one). The line says nothing of the keys.
fn count_key_derivation() {
    if let Some(path) = std::env::var_os("LIAISON_KDF_COUNT_FILE") {
        let _ = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(b"key derivation\n"));
    }
}

/// The test override's work factor, when it lowers the cost of a keystore sealed now below
/// [`MIN_SCRYPT_LOG_N`].
pub fn work_factor_lowered() -> Option<u8> {
    test_work_factor().filter(|n| *n < MIN_SCRYPT_LOG_N)
}

/// The scrypt work factor (log2 N) a keystore file was sealed with, read from its age
/// header (`-> scrypt SALT LOG_N`); None if the file is not a passphrase-sealed age file.
pub fn work_factor(path: &Path) -> Option<u8> {
    let mut head = Vec::new();
    fs::File::open(path).ok()?.take(1024).read_to_end(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.lines();
    if lines.next()? != "age-encryption.org/v1" {
        return None;
    }
    let stanza = lines.next()?.strip_prefix("-> scrypt ")?;
    stanza.split(' ').nth(1)?.parse().ok()
}

/// Reads a passphrase from a file: the first line, without its line ending.
pub fn passphrase_from_file(path: &Path) -> Result<SecretString, StoreError> {
    let mut text = Zeroizing::new(String::new());
    fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_string(&mut text))
        .map_err(|e| StoreError::Io(format!("passphrase file {}: {e}", path.display())))?;
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(StoreError::Input(format!(
            "passphrase file {} is empty: put the passphrase on its first line",
            path.display()
        )));
    }
    Ok(SecretString::from(line.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn seal_then_unlock_gives_the_same_keys_and_a_wrong_passphrase_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keystore.age");
        let keys = Keys::generate().unwrap();
        keys.seal(&path, &pass("correct horse")).unwrap();
        let again = Keys::unlock(&path, &pass("correct horse")).unwrap();
        assert_eq!(again.device_id(), keys.device_id());
        assert_eq!(*again.db_key_hex(), *keys.db_key_hex());
        assert_eq!(again.age_recipient(), keys.age_recipient());
        assert!(matches!(Keys::unlock(&path, &pass("wrong")), Err(StoreError::WrongPassphrase)));
        let shown = format!("{keys:?}");
        assert!(!shown.contains(&*keys.db_key_hex()), "Debug must not show the key");
    }

    #[test]
    fn the_work_factor_is_read_back_from_the_keystore() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keystore.age");
        let keys = Keys::generate().unwrap();
        // Only under the override (tests set it to 10), so that this stays fast.
        if let Some(n) = test_work_factor() {
            keys.seal(&path, &pass("correct horse")).unwrap();
            assert_eq!(work_factor(&path), Some(n));
        }
        fs::write(&path, b"not an age file").unwrap();
        assert_eq!(work_factor(&path), None);
    }

    #[test]
    fn a_missing_or_garbage_keystore_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keystore.age");
        assert!(matches!(Keys::unlock(&path, &pass("x")), Err(StoreError::NoStore(_))));
        fs::write(&path, b"not an age file").unwrap();
        assert!(matches!(Keys::unlock(&path, &pass("x")), Err(StoreError::Corrupt(_))));
    }
}
