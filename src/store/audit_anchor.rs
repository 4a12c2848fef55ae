//! What makes the audit log hard to shorten or re-chain (docs/audit.md).
//!
//! - Entries written since schema 4 are chained with a keyed BLAKE3 hash whose key is derived
//!   from the store's secret keys: re-hashing a chain after removing entries needs the keys.
//! - A one-row checkpoint holds the log's head (entries, hash) and the number of the first
//!   keyed entry, signed with this device's Ed25519 key. Every append advances it in the same
//!   transaction, so a log that ends before its checkpoint, or differs from it, was cut.
//!
//! `audit::append` only receives a connection (it runs inside other modules' transactions),
//! so the two operations that need secrets are SQL functions registered on the store's own
//! connection when it is opened: the key never becomes an SQL value and never leaves Rust.
//! They are DIRECTONLY: a trigger or view planted in the database cannot call them.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use super::Result;
use super::keystore::Keys;

/// SQL function: the keyed (v2) hash of an entry: (prev, n, at, action, detail) → 32 bytes.
pub(super) const HASH_FN: &str = "liaison_audit_hash";
/// SQL function: this device's signature of a checkpoint message → 64 bytes.
const SIGN_FN: &str = "liaison_audit_sign";
/// Set by migration 4 as a TEMP table: the next append on the connection that ran the upgrade
/// starts the keyed chain and the checkpoint. Temporary tables live in the connection, never
/// in the file, so whoever can write the database cannot plant this request to make Liaison
/// sign a fresh checkpoint over a wiped or forged log.
const PENDING_TABLE: &str = "audit_anchor_start";
/// The action of the entry that resumes the log after entries were found missing at its end.
pub const RESUMED_ACTION: &str = "audit log found cut short";

/// The signed head of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Entries numbered from here on are chained with the keyed hash.
    pub keyed_from: i64,
    /// The number of the last entry, and its hash.
    pub entries: i64,
    pub hash: Vec<u8>,
    pub at: String,
    pub sig: Vec<u8>,
}

/// The entry hash of logs written before schema 4 (no key).
pub(super) fn hash_v1(prev: &[u8], n: i64, at: &str, action: &str, detail: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-audit-v1");
    feed(&mut h, prev, n, at, action, detail);
    *h.finalize().as_bytes()
}

/// The keyed entry hash (schema 4 on).
pub(super) fn hash_v2(key: &[u8; 32], prev: &[u8], n: i64, at: &str, action: &str, detail: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(b"liaison-audit-v2");
    feed(&mut h, prev, n, at, action, detail);
    *h.finalize().as_bytes()
}

fn feed(h: &mut blake3::Hasher, prev: &[u8], n: i64, at: &str, action: &str, detail: &str) {
    h.update(prev);
    h.update(&n.to_le_bytes());
    for part in [at, action, detail] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
}

/// The chain key: derived from both the database key and the device's signing key, so
/// neither a leaked database key alone nor a copy of the log can re-chain it.
pub(super) fn chain_key(keys: &Keys) -> Zeroizing<[u8; 32]> {
    let mut material = Zeroizing::new(Vec::with_capacity(96));
    material.extend_from_slice(keys.db_key_hex().as_bytes());
    material.extend_from_slice(&keys.signing_key().to_bytes());
    Zeroizing::new(blake3::derive_key("liaison audit chain v2", &material))
}

/// What the checkpoint's signature covers.
fn checkpoint_message(keyed_from: i64, entries: i64, hash: &[u8], at: &str) -> Vec<u8> {
    let mut m = b"liaison audit checkpoint v1".to_vec();
    m.extend_from_slice(&keyed_from.to_le_bytes());
    m.extend_from_slice(&entries.to_le_bytes());
    m.extend_from_slice(&(hash.len() as u64).to_le_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(at.as_bytes());
    m
}

/// Registers the keyed functions on the store's connection.
pub(super) fn install(conn: &Connection, keys: &Keys) -> Result<()> {
    let flags =
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_DIRECTONLY;
    let key = chain_key(keys);
    conn.create_scalar_function(HASH_FN, 5, flags, move |ctx| {
        let prev: Vec<u8> = ctx.get(0)?;
        let n: i64 = ctx.get(1)?;
        let (at, action, detail): (String, String, String) = (ctx.get(2)?, ctx.get(3)?, ctx.get(4)?);
        Ok(hash_v2(&key, &prev, n, &at, &action, &detail).to_vec())
    })?;
    let signing: SigningKey = keys.signing_key();
    conn.create_scalar_function(SIGN_FN, 1, flags, move |ctx| {
        let msg: Vec<u8> = ctx.get(0)?;
        Ok(signing.sign(&msg).to_bytes().to_vec())
    })?;
    Ok(())
}

pub(super) fn keyed_hash(
    conn: &Connection,
    prev: &[u8],
    n: i64,
    at: &str,
    action: &str,
    detail: &str,
) -> Result<Vec<u8>> {
    Ok(conn
        .prepare_cached("SELECT liaison_audit_hash(?1, ?2, ?3, ?4, ?5)")?
        .query_row(params![prev, n, at, action, detail], |r| r.get(0))?)
}

pub(super) fn read(conn: &Connection) -> Result<Option<Checkpoint>> {
    Ok(conn
        .prepare_cached("SELECT keyed_from, entries, hash, at, sig FROM audit_checkpoint WHERE id = 1")?
        .query_row([], |r| {
            Ok(Checkpoint {
                keyed_from: r.get(0)?,
                entries: r.get(1)?,
                hash: r.get(2)?,
                at: r.get(3)?,
                sig: r.get(4)?,
            })
        })
        .optional()?)
}

/// Whether migration 4, on this connection, asked the next append to start the keyed chain.
pub(super) fn pending(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = ?1")?
        .query_row([PENDING_TABLE], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Signs and stores the checkpoint (entries, hash); `first` clears the migration's request.
pub(super) fn write(
    conn: &Connection,
    first: bool,
    keyed_from: i64,
    entries: i64,
    hash: &[u8],
    at: &str,
) -> Result<()> {
    let sig: Vec<u8> = conn
        .prepare_cached("SELECT liaison_audit_sign(?1)")?
        .query_row([checkpoint_message(keyed_from, entries, hash, at)], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO audit_checkpoint(id, keyed_from, entries, hash, at, sig) VALUES(1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET keyed_from = excluded.keyed_from, entries = excluded.entries,
           hash = excluded.hash, at = excluded.at, sig = excluded.sig",
    )?
    .execute(params![keyed_from, entries, hash, at, sig])?;
    if first {
        conn.execute_batch("DROP TABLE IF EXISTS temp.audit_anchor_start")?;
    }
    Ok(())
}

/// Whether the checkpoint's signature is this device's.
pub(super) fn signature_holds(cp: &Checkpoint, public_key: &[u8; 32]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else { return false };
    let Ok(sig) = <[u8; 64]>::try_from(cp.sig.as_slice()) else { return false };
    key.verify(&checkpoint_message(cp.keyed_from, cp.entries, &cp.hash, &cp.at), &Signature::from_bytes(&sig))
        .is_ok()
}

/// Schema 4: the checkpoint, the partners' audit heads, and the request (for this connection
/// only) to start the keyed chain at the next append; the older, unkeyed entries stay
/// verifiable as they are.
pub(super) const V4: &str = r"
-- The signed head of the audit log (one row): see store/audit_anchor.rs.
CREATE TABLE audit_checkpoint(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  keyed_from INTEGER NOT NULL,
  entries INTEGER NOT NULL,
  hash BLOB NOT NULL,
  at TEXT NOT NULL,
  sig BLOB NOT NULL
);

-- The last audit head each sending device announced in a bundle, and the latest time one
-- did not extend the head held before it (entries may have been removed from its log).
CREATE TABLE peer_audit_head(
  device BLOB PRIMARY KEY,
  office TEXT NOT NULL,
  entries INTEGER NOT NULL,
  hash TEXT NOT NULL,
  bundle TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  warning TEXT,
  warned_at TEXT
) WITHOUT ROWID;

CREATE TEMP TABLE audit_anchor_start(since INTEGER);
";
