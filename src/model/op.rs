//! Ops and commits (DESIGN §3): every change is an op; one local transaction is a commit,
//! hash-chained per device and signed with the device's Ed25519 key.
//!
//! Hashes are computed over a canonical binary encoding (postcard) with a domain tag, so the
//! same op has the same id in every office and in every exchange format. A commit signs the
//! list of its op hashes rather than the ops themselves: a bundle may then carry only the ops
//! a recipient may see, and the recipient can still prove each one was signed.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::hlc::Hlc;
use super::ids::{DeviceId, hex};
use super::marking::Marking;

/// The version of the op and commit encoding.
pub const FORMAT_VERSION: u16 = 1;

/// Reserved property recording an entity's deletion ("true") or restoration ("false").
pub const DELETED: &str = "$deleted";

/// BLAKE3 hash of an op, its identity everywhere.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpId(pub [u8; 32]);

impl std::fmt::Debug for OpId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpId({})", &hex(&self.0)[..12])
    }
}

impl std::fmt::Display for OpId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

/// One value of one property, with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assertion {
    pub prop: String,
    /// Normalised value.
    pub value: String,
    /// The Source record this value comes from.
    pub source: Option<Uuid>,
    /// Canonical grade text ("B2", "EU:A1"), if graded.
    pub grade: Option<String>,
    /// Canonical marking text ("TLP:AMBER H2").
    pub marking: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// The case under which the value was recorded (decides release to other offices).
    pub case: Option<Uuid>,
}

impl Assertion {
    /// A value with no source or grade marked TLP:CLEAR: for fixtures and tests, whose op
    /// bytes are pinned. Writers of user data use [`Assertion::marked`] with the marking of
    /// the value's context (the case's, the record's, the office default).
    pub fn plain(prop: &str, value: &str) -> Assertion {
        Assertion::marked(prop, value, &Marking::default())
    }

    /// A value with no source or grade under `marking`.
    pub fn marked(prop: &str, value: &str, marking: &Marking) -> Assertion {
        Assertion {
            prop: prop.to_owned(),
            value: value.to_owned(),
            source: None,
            grade: None,
            marking: marking.to_string(),
            valid_from: None,
            valid_to: None,
            case: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpBody {
    /// A new record of a kind; links and case records name their endpoints here, once.
    Create { schema: String, source: Option<Uuid>, target: Option<Uuid> },
    /// Adds a value to a multi-valued property (an add-wins set element).
    Add(Assertion),
    /// Sets a single-valued property; `parents` are the values this edit replaces. Edits
    /// that do not know of each other both stay as heads: a conflict for the analyst.
    Set { assertion: Assertion, parents: Vec<OpId> },
    /// Removes a value: exactly the adds named in `removes`, so a concurrent add survives.
    Remove { prop: String, value: String, source: Option<Uuid>, removes: Vec<OpId> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    pub object: Uuid,
    pub hlc: Hlc,
    pub body: OpBody,
}

impl Op {
    /// The op's identity: its author and its canonical encoding.
    pub fn id(&self, author: DeviceId) -> OpId {
        let mut h = blake3::Hasher::new();
        h.update(b"liaison-op-v1");
        h.update(&author.0);
        h.update(&self.encode());
        OpId(*h.finalize().as_bytes())
    }

    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("an op always encodes")
    }

    pub fn decode(bytes: &[u8]) -> Result<Op, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

/// What a device signs for one local transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitHeader {
    pub version: u16,
    pub device: DeviceId,
    /// 1 for a device's first commit, then +1 each.
    pub seq: u64,
    /// Hash of the device's previous commit (zeros for the first).
    pub prev: [u8; 32],
    pub hlc: Hlc,
    pub ops: Vec<OpId>,
}

impl CommitHeader {
    pub fn hash(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"liaison-commit-v1");
        h.update(&postcard::to_stdvec(self).expect("a header always encodes"));
        *h.finalize().as_bytes()
    }

    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.hash()).to_bytes()
    }

    pub fn verify(&self, key: &VerifyingKey, signature: &[u8; 64]) -> bool {
        key.verify(&self.hash(), &Signature::from_bytes(signature)).is_ok()
    }

    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("a header always encodes")
    }

    pub fn decode(bytes: &[u8]) -> Result<CommitHeader, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn op_ids_depend_on_content_and_author() {
        let op = Op {
            object: Uuid::from_u128(7),
            hlc: Hlc(42),
            body: OpBody::Add(Assertion::plain("name", "Ana")),
        };
        let a = DeviceId([1; 16]);
        assert_eq!(op.id(a), op.clone().id(a));
        assert_ne!(op.id(a), op.id(DeviceId([2; 16])));
        let mut other = op.clone();
        other.hlc = Hlc(43);
        assert_ne!(op.id(a), other.id(a));
        assert_eq!(Op::decode(&op.encode()).unwrap(), op);
    }

    #[test]
    fn a_signed_commit_fails_verification_after_any_change() {
        let k = key(9);
        let header = CommitHeader {
            version: FORMAT_VERSION,
            device: DeviceId::from_public_key(&k.verifying_key().to_bytes()),
            seq: 1,
            prev: [0; 32],
            hlc: Hlc(5),
            ops: vec![OpId([3; 32])],
        };
        let sig = header.sign(&k);
        assert!(header.verify(&k.verifying_key(), &sig));
        let mut tampered = header.clone();
        tampered.ops.push(OpId([4; 32]));
        assert!(!tampered.verify(&k.verifying_key(), &sig));
        assert!(!header.verify(&key(8).verifying_key(), &sig));
    }
}
