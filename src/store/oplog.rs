//! How a commit's ops are kept: all the ops of one commit that this store holds, framed
//! (index, length, bytes) and compressed together with zstd. Ops of one commit share most
//! of their bytes (record ids, source, case, marking), so this takes about a third of the
//! space of one row per op, and a commit is read back in one go for export and rebuild.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, StoreError};
use crate::model::op::Op;

/// Largest decoded size accepted for one commit's ops (a commit holds at most a few
/// thousand ops of at most a few KiB each).
const MAX_DECODED: usize = 256 * 1024 * 1024;

/// Stores the ops (`(index in the commit, canonical bytes)`) held for commit `commit_n`,
/// adding to those already held (a commit may arrive in parts from different bundles).
pub fn write(conn: &Connection, commit_n: i64, ops: &[(u32, Vec<u8>)]) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let mut all = read_raw(conn, commit_n)?;
    if all.is_empty() {
        all = ops.to_vec();
    } else {
        all.extend(ops.iter().filter(|(i, _)| !all.iter().any(|(j, _)| j == i)).cloned().collect::<Vec<_>>());
        all.sort_by_key(|(i, _)| *i);
    }
    let mut framed = Vec::with_capacity(all.iter().map(|(_, b)| b.len() + 8).sum());
    for (idx, body) in &all {
        framed.extend_from_slice(&idx.to_le_bytes());
        framed.extend_from_slice(&(body.len() as u32).to_le_bytes());
        framed.extend_from_slice(body);
    }
    let packed =
        zstd::bulk::compress(&framed, 3).map_err(|e| StoreError::Io(format!("compressing ops: {e}")))?;
    conn.prepare_cached("INSERT OR REPLACE INTO commit_ops(commit_n, held, ops) VALUES(?1, ?2, ?3)")?
        .execute(params![commit_n, all.len() as i64, packed])?;
    Ok(())
}

/// The ops held for commit `commit_n`, decoded, with their index in the commit, in order.
pub fn read(conn: &Connection, commit_n: i64) -> Result<Vec<(u32, Op)>> {
    read_raw(conn, commit_n)?
        .into_iter()
        .map(|(idx, body)| {
            Op::decode(&body)
                .map(|op| (idx, op))
                .map_err(|_| StoreError::Corrupt(format!("ops of commit {commit_n}: an op does not decode")))
        })
        .collect()
}

/// The indexes of the ops held for commit `commit_n`.
pub fn held(conn: &Connection, commit_n: i64) -> Result<Vec<u32>> {
    Ok(read_raw(conn, commit_n)?.into_iter().map(|(i, _)| i).collect())
}

/// The ops held for commit `commit_n` as their canonical bytes (byte-exact for export).
pub fn read_raw(conn: &Connection, commit_n: i64) -> Result<Vec<(u32, Vec<u8>)>> {
    let packed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT ops FROM commit_ops WHERE commit_n = ?1")?
        .query_row([commit_n], |r| r.get(0))
        .optional()?;
    let Some(packed) = packed else { return Ok(Vec::new()) };
    let bad = |why: &str| StoreError::Corrupt(format!("ops of commit {commit_n}: {why}"));
    let framed = zstd::bulk::decompress(&packed, MAX_DECODED).map_err(|_| bad("not readable"))?;
    let mut ops = Vec::new();
    let mut rest = framed.as_slice();
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(bad("truncated"));
        }
        let idx = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
        let len = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes")) as usize;
        let body = rest.get(8..8 + len).ok_or_else(|| bad("truncated"))?;
        ops.push((idx, body.to_vec()));
        rest = &rest[8 + len..];
    }
    Ok(ops)
}

impl super::Store {
    /// Every op this store holds, commit by commit in arrival order, streamed to `visit`
    /// (for measurements and diagnostics: the plain-JSON size of a store's history).
    /// Returns how many ops were visited.
    pub fn for_each_op(&self, visit: &mut dyn FnMut(&Op)) -> Result<u64> {
        let mut commits = self.conn.prepare("SELECT commit_n FROM commit_ops ORDER BY commit_n")?;
        let mut rows = commits.query([])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            for (_, op) in read(&self.conn, row.get(0)?)? {
                visit(&op);
                count += 1;
            }
        }
        Ok(count)
    }
}
