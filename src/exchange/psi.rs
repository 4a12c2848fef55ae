//! Deconfliction without disclosure: which of our selectors another office also holds,
//! learned without either office handing over its list (`docs/deconfliction.md`).
//!
//! Diffie–Hellman private set intersection over ristretto255 (the construction of Meadows
//! 1986 and Huberman–Franklin–Hogg 1999, used by Google's private-join-and-compute and by
//! OpenMined's PSI library), with the group and its hash-to-group from `curve25519-dalek`:
//! 1. A hashes each selector to a point `H(x)`, raises it to its secret `a` and sends the
//!    sorted `H(x)^a` (the request).
//! 2. B raises each of those to its secret `b` and returns them **in the order received**,
//!    with its own selectors as `H(y)^b`, sorted (the reply).
//! 3. A raises B's points to `a`: `H(y)^ba = H(x)^ab` exactly when `x = y`, and A knows which
//!    of its requests each returned point answers, so it learns which of its selectors B holds.
//!
//! What each side learns: A the intersection and the size of B's set; B the size of A's set.
//! Neither can test a guess offline: `H(g)^b` needs B's key, `H(g)^a` A's. The run id is
//! hashed into every point, so points from one run say nothing in another and a reply only
//! answers the request it was made for. Keys are fresh per run and wiped when dropped.
//!
//! Pure functions: no store, no file. The bundle carrying a request or a reply is signed,
//! encrypted, addressed and replay-checked like any bundle.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use zeroize::Zeroize;

pub use crate::model::selector::{Selector, SelectorKind};

/// Most selectors one side may put into a run: the reply to a request of this size stays
/// under 70 MB, and a request larger than any office's holdings is a sign of guessing.
pub const MAX_SELECTORS: usize = 1_000_000;

/// Domain separation for the hash to the group: a point of this protocol is never a point of
/// another protocol that hashes the same bytes.
const DOMAIN: &[u8] = b"liaison-psi-v1";

/// One run's identity, chosen by the requesting office and hashed into every point.
pub type RunId = [u8; 16];

/// One side's secret for one run. Never stored in clear, never written to a bundle, wiped
/// when dropped.
pub struct PsiKey(Scalar);

impl PsiKey {
    pub fn generate() -> PsiKey {
        let mut wide = [0u8; 64];
        getrandom::fill(&mut wide).expect("the operating system's random source");
        let key = PsiKey(Scalar::from_bytes_mod_order_wide(&wide));
        wide.zeroize();
        key
    }

    /// The key's bytes, to keep it in the encrypted store between request and reply.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Option<PsiKey> {
        Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes)).filter(|s| *s != Scalar::ZERO).map(PsiKey)
    }
}

impl Drop for PsiKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// What A sends: its blinded selectors, sorted (their order says nothing of A's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    #[serde(with = "run_id")]
    pub run: RunId,
    #[serde(with = "points")]
    pub blinded: Vec<[u8; 32]>,
}

/// What B returns: A's points blinded again, in the request's order, and B's own points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    #[serde(with = "run_id")]
    pub run: RunId,
    #[serde(with = "points")]
    pub doubly_blinded: Vec<[u8; 32]>,
    #[serde(with = "points")]
    pub blinded: Vec<[u8; 32]>,
}

/// What A keeps until the reply comes: which selector each request point stands for.
pub struct Pending {
    pub run: RunId,
    pub key: PsiKey,
    /// In the request's order.
    pub selectors: Vec<Selector>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PsiError {
    #[error("more than {MAX_SELECTORS} selectors in one deconfliction run")]
    TooMany,
    #[error("the deconfliction data is damaged: a value is not a valid group element")]
    BadPoint,
    #[error("this reply answers another deconfliction request")]
    OtherRun,
    #[error("the reply does not answer every selector of the request ({got} of {want})")]
    Incomplete { got: usize, want: usize },
}

/// The selector as a group element, bound to the run.
fn hash_to_group(run: &RunId, selector: &Selector) -> RistrettoPoint {
    let mut input = Vec::with_capacity(DOMAIN.len() + 18 + selector.value.len());
    input.extend_from_slice(DOMAIN);
    input.extend_from_slice(run);
    input.push(selector.kind.tag());
    input.extend_from_slice(selector.value.as_bytes());
    RistrettoPoint::hash_from_bytes::<Sha512>(&input)
}

fn decode(bytes: &[u8; 32]) -> Result<RistrettoPoint, PsiError> {
    let point = CompressedRistretto(*bytes).decompress().ok_or(PsiError::BadPoint)?;
    // The identity would answer "yes" to every selector: refuse it.
    if point == RistrettoPoint::default() {
        return Err(PsiError::BadPoint);
    }
    Ok(point)
}

/// `f` over `items` on the machine's cores (the group operations are the whole cost).
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if threads == 1 || items.len() < 1024 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a PSI worker thread")).collect()
    })
}

fn blind_all(key: &PsiKey, run: &RunId, selectors: &[Selector]) -> Vec<[u8; 32]> {
    parallel_map(selectors, |s| (hash_to_group(run, s) * key.0).compress().to_bytes())
}

/// A's first step: the request to send and what to keep for the reply. Duplicate selectors
/// are sent once.
pub fn request(run: RunId, selectors: &[Selector]) -> Result<(Request, Pending), PsiError> {
    request_with_key(PsiKey::generate(), run, selectors)
}

/// [`request`] with a given key (test vectors).
pub fn request_with_key(
    key: PsiKey,
    run: RunId,
    selectors: &[Selector],
) -> Result<(Request, Pending), PsiError> {
    if selectors.len() > MAX_SELECTORS {
        return Err(PsiError::TooMany);
    }
    let mut unique = selectors.to_vec();
    unique.sort();
    unique.dedup();
    let blinded = blind_all(&key, &run, &unique);
    // Sort the points (and the selectors with them): the request's order must not follow
    // the selectors' alphabetical order.
    let mut pairs: Vec<([u8; 32], Selector)> = blinded.into_iter().zip(unique).collect();
    pairs.sort_unstable_by_key(|p| p.0);
    let (blinded, selectors): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
    Ok((Request { run, blinded }, Pending { run, key, selectors }))
}

/// B's step: A's points blinded again, and B's own selectors blinded.
pub fn reply(request: &Request, selectors: &[Selector]) -> Result<Reply, PsiError> {
    reply_with_key(&PsiKey::generate(), request, selectors)
}

/// [`reply`] with a given key (test vectors).
pub fn reply_with_key(key: &PsiKey, request: &Request, selectors: &[Selector]) -> Result<Reply, PsiError> {
    if request.blinded.len() > MAX_SELECTORS || selectors.len() > MAX_SELECTORS {
        return Err(PsiError::TooMany);
    }
    let theirs: Vec<RistrettoPoint> = request.blinded.iter().map(decode).collect::<Result<_, _>>()?;
    let doubly_blinded = parallel_map(&theirs, |p| (p * key.0).compress().to_bytes());
    let mut unique = selectors.to_vec();
    unique.sort();
    unique.dedup();
    let mut blinded = blind_all(key, &request.run, &unique);
    blinded.sort_unstable();
    Ok(Reply { run: request.run, doubly_blinded, blinded })
}

/// A's last step: the selectors of A that B also holds.
pub fn intersect(pending: &Pending, reply: &Reply) -> Result<Vec<Selector>, PsiError> {
    if reply.run != pending.run {
        return Err(PsiError::OtherRun);
    }
    if reply.doubly_blinded.len() != pending.selectors.len() {
        return Err(PsiError::Incomplete { got: reply.doubly_blinded.len(), want: pending.selectors.len() });
    }
    if reply.blinded.len() > MAX_SELECTORS {
        return Err(PsiError::TooMany);
    }
    let theirs: Vec<RistrettoPoint> = reply.blinded.iter().map(decode).collect::<Result<_, _>>()?;
    let mut held: Vec<[u8; 32]> = parallel_map(&theirs, |p| (p * pending.key.0).compress().to_bytes());
    held.sort_unstable();
    Ok(pending
        .selectors
        .iter()
        .zip(&reply.doubly_blinded)
        .filter(|(_, point)| held.binary_search(point).is_ok())
        .map(|(selector, _)| selector.clone())
        .collect())
}

/// The run id as hex in JSON; bytes in postcard.
mod run_id {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::RunId;
    use crate::model::ids::{hex, hex_decode};

    pub fn serialize<S: Serializer>(run: &RunId, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.serialize_str(&hex(run)) } else { s.serialize_bytes(run) }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RunId, D::Error> {
        let bytes = if d.is_human_readable() {
            hex_decode(&String::deserialize(d)?).ok_or_else(|| D::Error::custom("bad run id"))?
        } else {
            serde_bytes::ByteBuf::deserialize(d)?.into_vec()
        };
        RunId::try_from(bytes.as_slice()).map_err(|_| D::Error::custom("a run id is 16 bytes"))
    }
}

/// Points as hex strings in JSON (test vectors, reports); bytes in postcard.
mod points {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::model::ids::{hex, hex_decode};

    pub fn serialize<S: Serializer>(points: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_seq(points.iter().map(|p| hex(p)))
        } else {
            s.collect_seq(points.iter().map(|p| serde_bytes::Bytes::new(p)))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        if d.is_human_readable() {
            let hex: Vec<String> = Vec::deserialize(d)?;
            hex.iter()
                .map(|h| {
                    hex_decode(h)
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .ok_or_else(|| D::Error::custom("a point is not 64 hex digits"))
                })
                .collect()
        } else {
            let raw: Vec<serde_bytes::ByteBuf> = Vec::deserialize(d)?;
            raw.iter().map(|b| <[u8; 32]>::try_from(b.as_slice()).map_err(D::Error::custom)).collect()
        }
    }
}

#[path = "psi_disclose.rs"]
pub mod disclose;

#[cfg(test)]
#[path = "psi_tests.rs"]
mod tests;
