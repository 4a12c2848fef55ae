//! Hit disclosure with consent (`docs/deconfliction.md`, "What a hit may say"): the
//! answering office B may tell the asking office A, for each selector A turns out to share
//! with it, its case reference and a contact — and nothing about its other selectors.
//!
//! B does not know which of its selectors are hits, so it seals a note for every selector it
//! answers with, under a key only an office holding that selector can derive:
//! - B draws a second key `c` and returns A's request points raised to it, `H(x)^ac`, in the
//!   request's order; A removes its own key: `H(x)^c` for each of its selectors.
//! - B seals the note of its selector `y` (AEAD, ChaCha20-Poly1305) under `KDF(run, H(y)^c)`,
//!   in the order of its blinded points. A opens the note of a hit `y = x` with `H(x)^c`; for
//!   any other `y` it would need `H(y)^c`, which takes B's key `c` — no offline guessing.
//! - Notes have one length whatever they say; the contact is sealed once, under a key each
//!   note carries, so the reply does not grow with the contact's length.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use curve25519_dalek::ristretto::RistrettoPoint;
use serde::{Deserialize, Serialize};

use super::{
    Pending, PsiError, PsiKey, Reply, Request, RunId, Selector, decode, hash_to_group, parallel_map,
};

/// A note's clear length: the case reference's length, the reference (padded), the contact key.
const NOTE_LEN: usize = 1 + REF_MAX + 16;
/// Longest case reference disclosed, in bytes (longer ones are cut at a character boundary).
pub const REF_MAX: usize = 47;

/// What B chose to say about a hit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub case: Option<String>,
    pub contact: Option<String>,
}

/// The disclosure part of a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    #[serde(with = "super::run_id")]
    pub run: RunId,
    /// A's request points raised to B's disclosure key, in the request's order.
    #[serde(with = "super::points")]
    pub doubly_blinded: Vec<[u8; 32]>,
    /// One sealed note per point of the reply's `blinded`, in its order.
    pub sealed: Vec<serde_bytes::ByteBuf>,
    /// The contact, sealed once under the contact key the notes carry.
    pub contact: Option<serde_bytes::ByteBuf>,
}

fn note_key(run: &RunId, point: &RistrettoPoint) -> [u8; 32] {
    let mut input = run.to_vec();
    input.extend_from_slice(&point.compress().to_bytes());
    blake3::derive_key("liaison-psi-v1 disclosure note", &input)
}

fn contact_key(short: &[u8; 16]) -> [u8; 32] {
    blake3::derive_key("liaison-psi-v1 disclosure contact", short)
}

/// Every key seals one message only, so the nonce may be fixed.
fn seal(key: &[u8; 32], clear: &[u8]) -> Vec<u8> {
    ChaCha20Poly1305::new(key.into()).encrypt(&Nonce::default(), clear).expect("sealing never fails")
}

fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    ChaCha20Poly1305::new(key.into()).decrypt(&Nonce::default(), sealed).ok()
}

fn cut(reference: &str) -> &str {
    let mut end = reference.len().min(REF_MAX);
    while !reference.is_char_boundary(end) {
        end -= 1;
    }
    &reference[..end]
}

/// B's reply with notes: `selectors` with the case reference each may disclose; `contact`
/// if disclosed. The plain reply is the same as [`super::reply_with_key`]'s.
pub fn reply_disclosing(
    key: &PsiKey,
    disclosure_key: &PsiKey,
    request: &Request,
    selectors: &[(Selector, Option<String>)],
    contact: Option<&str>,
) -> Result<(Reply, Disclosure), PsiError> {
    if request.blinded.len() > super::MAX_SELECTORS || selectors.len() > super::MAX_SELECTORS {
        return Err(PsiError::TooMany);
    }
    let theirs: Vec<RistrettoPoint> = request.blinded.iter().map(decode).collect::<Result<_, _>>()?;
    let doubly_blinded = parallel_map(&theirs, |p| (p * key.0).compress().to_bytes());
    let for_notes = parallel_map(&theirs, |p| (p * disclosure_key.0).compress().to_bytes());
    let mut unique = selectors.to_vec();
    unique.sort();
    unique.dedup_by(|a, b| a.0 == b.0);
    let mut short = [0u8; 16];
    let contact = match contact {
        Some(c) => {
            getrandom::fill(&mut short).expect("the operating system's random source");
            Some(serde_bytes::ByteBuf::from(seal(&contact_key(&short), c.as_bytes())))
        }
        None => None,
    };
    let run = request.run;
    let mut pairs: Vec<([u8; 32], Vec<u8>)> = parallel_map(&unique, |(s, case)| {
        let h = hash_to_group(&run, s);
        let mut clear = [0u8; NOTE_LEN];
        if let Some(case) = case {
            let case = cut(case);
            clear[0] = case.len() as u8;
            clear[1..=case.len()].copy_from_slice(case.as_bytes());
        }
        clear[1 + REF_MAX..].copy_from_slice(&short);
        ((h * key.0).compress().to_bytes(), seal(&note_key(&run, &(h * disclosure_key.0)), &clear))
    });
    pairs.sort_unstable_by_key(|p| p.0);
    let (blinded, sealed): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
    Ok((
        Reply { run, doubly_blinded, blinded },
        Disclosure {
            run,
            doubly_blinded: for_notes,
            sealed: sealed.into_iter().map(serde_bytes::ByteBuf::from).collect(),
            contact,
        },
    ))
}

/// A's reading of the notes: for each of its selectors B holds too, what B said of it.
pub fn open_notes(
    pending: &Pending,
    reply: &Reply,
    disclosure: &Disclosure,
) -> Result<Vec<(Selector, Note)>, PsiError> {
    if reply.run != pending.run || disclosure.run != pending.run {
        return Err(PsiError::OtherRun);
    }
    let want = pending.selectors.len();
    if reply.doubly_blinded.len() != want || disclosure.doubly_blinded.len() != want {
        return Err(PsiError::Incomplete { got: disclosure.doubly_blinded.len(), want });
    }
    if disclosure.sealed.len() != reply.blinded.len() || reply.blinded.len() > super::MAX_SELECTORS {
        return Err(PsiError::TooMany);
    }
    let theirs: Vec<RistrettoPoint> = reply.blinded.iter().map(decode).collect::<Result<_, _>>()?;
    let mut held: Vec<([u8; 32], usize)> =
        parallel_map(&theirs, |p| (p * pending.key.0).compress().to_bytes())
            .into_iter()
            .enumerate()
            .map(|(j, p)| (p, j))
            .collect();
    held.sort_unstable();
    let unblind = pending.key.0.invert();
    let mut out = Vec::new();
    for (i, (selector, point)) in pending.selectors.iter().zip(&reply.doubly_blinded).enumerate() {
        let Ok(at) = held.binary_search_by_key(point, |h| h.0) else { continue };
        let j = held[at].1;
        let mine = decode(&disclosure.doubly_blinded[i])? * unblind;
        let note = open(&note_key(&pending.run, &mine), &disclosure.sealed[j])
            .filter(|clear| clear.len() == NOTE_LEN)
            .map(|clear| read_note(&clear, disclosure.contact.as_ref().map(|c| c.as_slice())))
            .unwrap_or_default();
        out.push((selector.clone(), note));
    }
    Ok(out)
}

fn read_note(clear: &[u8], contact: Option<&[u8]>) -> Note {
    let len = usize::from(clear[0]).min(REF_MAX);
    let case = (len > 0).then(|| String::from_utf8_lossy(&clear[1..=len]).into_owned());
    let short: [u8; 16] = clear[1 + REF_MAX..].try_into().unwrap_or_default();
    let contact = contact
        .filter(|_| short != [0u8; 16])
        .and_then(|sealed| open(&contact_key(&short), sealed))
        .map(|c| String::from_utf8_lossy(&c).into_owned());
    Note { case, contact }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::psi::{SelectorKind, request};

    fn phone(n: u32) -> Selector {
        Selector { kind: SelectorKind::Phone, value: format!("+3361{n:07}") }
    }

    #[test]
    fn a_note_opens_for_a_common_selector_only_and_says_what_was_disclosed() {
        let ours: Vec<Selector> = (0..50).map(phone).collect();
        let theirs: Vec<(Selector, Option<String>)> =
            (45..120).map(|n| (phone(n), Some(if n < 100 { "B-1".into() } else { "B-2".into() }))).collect();
        let (req, pending) = request(*b"run-disclose-001", &ours).unwrap();
        let (reply, disclosure) =
            reply_disclosing(&PsiKey::generate(), &PsiKey::generate(), &req, &theirs, Some("Insp. de Vries"))
                .unwrap();
        // The plain part still answers as a plain reply does.
        let mut common = super::super::intersect(&pending, &reply).unwrap();
        common.sort();
        assert_eq!(common, (45..50).map(phone).collect::<Vec<_>>());
        let notes = open_notes(&pending, &reply, &disclosure).unwrap();
        assert_eq!(notes.len(), 5);
        for (s, note) in &notes {
            assert!((45..50).map(phone).any(|p| &p == s));
            assert_eq!(note.case.as_deref(), Some("B-1"));
            assert_eq!(note.contact.as_deref(), Some("Insp. de Vries"));
        }
        // Every note has one length: their count is B's set size, their content says nothing.
        assert_eq!(disclosure.sealed.len(), 75);
        assert!(disclosure.sealed.iter().all(|n| n.len() == NOTE_LEN + 16));
        // No key A can derive opens a note of B's other selectors (B-2's among them).
        let unblind = pending.key.0.invert();
        let mut opened = 0;
        for sealed in &disclosure.sealed {
            for p in &disclosure.doubly_blinded {
                let k = note_key(&req.run, &(decode(p).unwrap() * unblind));
                opened += usize::from(open(&k, sealed).is_some());
            }
        }
        assert_eq!(opened, 5, "only the 5 common selectors' notes open");
    }

    #[test]
    fn nothing_disclosed_reads_as_no_case_and_no_contact() {
        let ours = [phone(1)];
        let (req, pending) = request(*b"run-disclose-002", &ours).unwrap();
        let long = "R".repeat(60);
        let (reply, disclosure) =
            reply_disclosing(&PsiKey::generate(), &PsiKey::generate(), &req, &[(phone(1), Some(long))], None)
                .unwrap();
        let notes = open_notes(&pending, &reply, &disclosure).unwrap();
        assert_eq!(notes[0].1, Note { case: Some("R".repeat(REF_MAX)), contact: None });
        let (reply, disclosure) = reply_disclosing(
            &PsiKey::generate(),
            &PsiKey::generate(),
            &req,
            &[(phone(1), None)],
            Some("desk"),
        )
        .unwrap();
        let notes = open_notes(&pending, &reply, &disclosure).unwrap();
        assert_eq!(notes[0].1, Note { case: None, contact: Some("desk".into()) });
    }
}
