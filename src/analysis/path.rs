//! The shortest chain of links between two entities: "how is this phone connected to that
//! company?". A breadth-first walk from both ends at once, bounded in depth, in links read
//! per record and in records visited, so a hub with a million calls cannot stall it; when
//! the bounds are reached before the ends meet, the answer is "no chain found within the
//! bounds", never a wrong chain.

use std::collections::{HashMap, VecDeque};

use rusqlite::params;
use uuid::Uuid;

use crate::store::query::{RecordRef, uid_from_blob};
use crate::store::{Result, Store};

/// Bounds of a path search.
#[derive(Debug, Clone, Copy)]
pub struct PathLimits {
    /// Most links in the chain.
    pub max_links: usize,
    /// Links read per record (the newest first).
    pub fanout: u32,
    /// Records visited in all.
    pub max_visited: usize,
}

impl Default for PathLimits {
    fn default() -> Self {
        PathLimits { max_links: 6, fanout: 200, max_visited: 20_000 }
    }
}

/// One link of a chain, from the record before it to `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathStep {
    pub link: Uuid,
    pub schema: String,
    pub to: RecordRef,
}

/// The links of record `n` (both directions, case work excluded): (link uid, kind, other n).
fn neighbours(store: &Store, n: i64, fanout: u32) -> Result<Vec<(Uuid, String, i64)>> {
    let rows = store
        .conn()
        .prepare_cached(
            "SELECT * FROM (SELECT l.uid, l.schema, l.dst FROM object l WHERE l.src = ?1 AND l.deleted = 0
                   AND l.schema NOT IN ('CaseMember','Note','Operation','Task') AND l.dst IS NOT NULL
                 ORDER BY l.n DESC LIMIT ?2)
             UNION ALL
             SELECT * FROM (SELECT l.uid, l.schema, l.src FROM object l WHERE l.dst = ?1 AND l.deleted = 0
                   AND l.schema <> 'CaseMember' ORDER BY l.n DESC LIMIT ?2)",
        )?
        .query_map(params![n, fanout], |r| {
            Ok((uid_from_blob(&r.get::<_, Vec<u8>>(0)?), r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The shortest chain of links from `from` to `to`, if one exists within `limits`.
/// `Some(vec![])` when they are the same record.
pub fn shortest_path(
    store: &Store,
    from: Uuid,
    to: Uuid,
    limits: PathLimits,
) -> Result<Option<Vec<PathStep>>> {
    let (Some(a), Some(b)) = (store.object_n(from)?, store.object_n(to)?) else { return Ok(None) };
    if a == b {
        return Ok(Some(Vec::new()));
    }
    // For each side: record n -> (previous n, link uid, link kind) on the way from that side.
    let mut seen: [HashMap<i64, Option<(i64, Uuid, String)>>; 2] = [HashMap::new(), HashMap::new()];
    seen[0].insert(a, None);
    seen[1].insert(b, None);
    let mut frontier = [VecDeque::from([a]), VecDeque::from([b])];
    let mut depth = [0usize, 0usize];
    while depth[0] + depth[1] < limits.max_links {
        // Grow the smaller side: fewer reads for the same reach.
        let side = usize::from(frontier[1].len() < frontier[0].len());
        if frontier[side].is_empty() {
            return Ok(None);
        }
        depth[side] += 1;
        let mut next = VecDeque::new();
        for n in std::mem::take(&mut frontier[side]) {
            for (link, schema, other) in neighbours(store, n, limits.fanout)? {
                if seen[side].contains_key(&other) {
                    continue;
                }
                seen[side].insert(other, Some((n, link, schema)));
                if seen[1 - side].contains_key(&other) {
                    return Ok(Some(join(store, &seen, other)?));
                }
                next.push_back(other);
                if seen[0].len() + seen[1].len() > limits.max_visited {
                    return Ok(None);
                }
            }
        }
        frontier[side] = next;
    }
    Ok(None)
}

/// The chain through the meeting record `meet`, from the first side's start to the second's.
fn join(
    store: &Store,
    seen: &[HashMap<i64, Option<(i64, Uuid, String)>>; 2],
    meet: i64,
) -> Result<Vec<PathStep>> {
    // (record reached, link, kind) from the start to `meet`.
    let mut first: Vec<(i64, Uuid, String)> = Vec::new();
    let mut at = meet;
    while let Some(Some((prev, link, schema))) = seen[0].get(&at) {
        first.push((at, *link, schema.clone()));
        at = *prev;
    }
    first.reverse();
    // From `meet` on to the other end: each step's link leads to the previous record.
    let mut at = meet;
    while let Some(Some((prev, link, schema))) = seen[1].get(&at) {
        first.push((*prev, *link, schema.clone()));
        at = *prev;
    }
    first
        .into_iter()
        .map(|(n, link, schema)| {
            let to = crate::store::query::record_ref(store.conn(), n)?
                .ok_or_else(|| crate::store::StoreError::NotFound(format!("record {n}")))?;
            Ok(PathStep { link, schema, to })
        })
        .collect()
}
