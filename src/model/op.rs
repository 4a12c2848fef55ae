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

/// The version of the op encoding, and of commit headers that name no analyst.
pub const FORMAT_VERSION: u16 = 1;
/// Commit headers of this version also name the analyst who wrote the commit, after the
/// fields of version 1, so the signature covers who as well as what. Headers are postcard
/// (not self-describing): the leading version decides which layout follows.
pub const FORMAT_VERSION_ANALYST: u16 = 2;

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

/// What a device signs for one local transaction. Encoded by version (see
/// [`CommitHeader::encode`]), never with a derived layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitHeader {
    pub version: u16,
    pub device: DeviceId,
    /// 1 for a device's first commit, then +1 each.
    pub seq: u64,
    /// Hash of the device's previous commit (zeros for the first).
    pub prev: [u8; 32],
    pub hlc: Hlc,
    pub ops: Vec<OpId>,
    /// The analyst who wrote the commit (version 2 on); `None` in version 1 headers, written
    /// before analysts were recorded.
    pub analyst: Option<String>,
}

/// The layout of version 1: what older stores and bundles hold, byte for byte.
#[derive(Serialize, Deserialize)]
struct HeaderV1 {
    version: u16,
    device: DeviceId,
    seq: u64,
    prev: [u8; 32],
    hlc: Hlc,
    ops: Vec<OpId>,
}

/// Version 2: version 1's fields, then the analyst.
#[derive(Serialize, Deserialize)]
struct HeaderV2 {
    version: u16,
    device: DeviceId,
    seq: u64,
    prev: [u8; 32],
    hlc: Hlc,
    ops: Vec<OpId>,
    analyst: Option<String>,
}

impl CommitHeader {
    /// A header in the newest layout that fits: version 2 when an analyst is named, else
    /// version 1 (the bytes every earlier Liaison wrote).
    pub fn new(
        device: DeviceId,
        seq: u64,
        prev: [u8; 32],
        hlc: Hlc,
        ops: Vec<OpId>,
        analyst: Option<String>,
    ) -> Self {
        let version = if analyst.is_some() { FORMAT_VERSION_ANALYST } else { FORMAT_VERSION };
        CommitHeader { version, device, seq, prev, hlc, ops, analyst }
    }

    /// Whether this Liaison knows the header's layout.
    pub fn version_known(&self) -> bool {
        matches!(self.version, FORMAT_VERSION | FORMAT_VERSION_ANALYST)
    }

    pub fn hash(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"liaison-commit-v1");
        h.update(&self.encode());
        *h.finalize().as_bytes()
    }

    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.hash()).to_bytes()
    }

    pub fn verify(&self, key: &VerifyingKey, signature: &[u8; 64]) -> bool {
        key.verify(&self.hash(), &Signature::from_bytes(signature)).is_ok()
    }

    /// The canonical bytes, in the layout of the header's version. A version 1 header has no
    /// place for an analyst: [`CommitHeader::new`] never builds one with both.
    pub fn encode(&self) -> Vec<u8> {
        let c = self.clone();
        let bytes = if self.version == FORMAT_VERSION {
            debug_assert!(self.analyst.is_none(), "a version 1 header names no analyst");
            postcard::to_stdvec(&HeaderV1 {
                version: c.version,
                device: c.device,
                seq: c.seq,
                prev: c.prev,
                hlc: c.hlc,
                ops: c.ops,
            })
        } else {
            postcard::to_stdvec(&HeaderV2 {
                version: c.version,
                device: c.device,
                seq: c.seq,
                prev: c.prev,
                hlc: c.hlc,
                ops: c.ops,
                analyst: c.analyst,
            })
        };
        bytes.expect("a header always encodes")
    }

    /// Reads a header in the layout its leading version names. A version this Liaison does
    /// not know is read as far as version 1's fields go, so the caller can name the version
    /// ([`CommitHeader::version_known`]) rather than call the bytes unreadable.
    pub fn decode(bytes: &[u8]) -> Result<CommitHeader, postcard::Error> {
        let (version, _) = postcard::take_from_bytes::<u16>(bytes)?;
        if version == FORMAT_VERSION_ANALYST {
            let h: HeaderV2 = postcard::from_bytes(bytes)?;
            return Ok(CommitHeader {
                version: h.version,
                device: h.device,
                seq: h.seq,
                prev: h.prev,
                hlc: h.hlc,
                ops: h.ops,
                analyst: h.analyst,
            });
        }
        let h: HeaderV1 = postcard::from_bytes(bytes)?;
        Ok(CommitHeader {
            version: h.version,
            device: h.device,
            seq: h.seq,
            prev: h.prev,
            hlc: h.hlc,
            ops: h.ops,
            analyst: None,
        })
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
            analyst: None,
        };
        let sig = header.sign(&k);
        assert!(header.verify(&k.verifying_key(), &sig));
        let mut tampered = header.clone();
        tampered.ops.push(OpId([4; 32]));
        assert!(!tampered.verify(&k.verifying_key(), &sig));
        assert!(!header.verify(&key(8).verifying_key(), &sig));
    }

    #[test]
    fn the_analyst_is_signed_and_old_headers_keep_their_bytes() {
        let k = key(9);
        let device = DeviceId::from_public_key(&k.verifying_key().to_bytes());
        let old = CommitHeader::new(device, 1, [0; 32], Hlc(5), vec![OpId([3; 32])], None);
        assert_eq!(old.version, FORMAT_VERSION);
        // Version 1 bytes are exactly the struct of earlier Liaisons, field by field.
        let legacy =
            postcard::to_stdvec(&(1u16, device, 1u64, [0u8; 32], Hlc(5), vec![OpId([3; 32])])).unwrap();
        assert_eq!(old.encode(), legacy);
        assert_eq!(CommitHeader::decode(&legacy).unwrap(), old);

        let new = CommitHeader::new(device, 1, [0; 32], Hlc(5), vec![OpId([3; 32])], Some("Ana".into()));
        assert_eq!(new.version, FORMAT_VERSION_ANALYST);
        assert_eq!(CommitHeader::decode(&new.encode()).unwrap(), new);
        let sig = new.sign(&k);
        assert!(new.verify(&k.verifying_key(), &sig));
        let mut renamed = new.clone();
        renamed.analyst = Some("Bob".into());
        assert!(!renamed.verify(&k.verifying_key(), &sig), "the analyst is covered by the signature");
        let mut dropped = new.clone();
        dropped.analyst = None;
        assert!(!dropped.verify(&k.verifying_key(), &sig));

        // A layout from a later Liaison is read far enough to name its version.
        let mut later = legacy.clone();
        later[0] = 3;
        later.push(0);
        let read = CommitHeader::decode(&later).unwrap();
        assert_eq!(read.version, 3);
        assert!(!read.version_known());
        assert!(old.version_known() && new.version_known());
    }
}
