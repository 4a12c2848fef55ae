//! The shortest chain of links between two entities: "how is this phone connected to that
//! company?". A breadth-first walk from both ends at once, bounded in depth, in links read
//! per record and in records visited, so a hub with a million calls cannot stall it; when
//! the bounds are reached before the ends meet, the answer is "no chain found within the
//! bounds", never a wrong chain.
//!
//! A filter keeps only links of some kinds, of at least a grade, or dated within a period
//! ("how is he connected through calls of last spring?"); it narrows each read, so the
//! bounds hold as before. Each step says which way its link points: the chain is walked in
//! either direction, but "A paid B" must not read as "B paid A".

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use rusqlite::params;
use uuid::Uuid;

use crate::store::query::{CASE_RECORDS, RecordRef, uid_from_blob};
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

/// Which links a path may use. The default keeps every link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathFilter {
    /// Link kinds (schema names, e.g. "Call"); empty: any kind.
    pub kinds: Vec<String>,
    /// Only links graded at least this strongly ([`crate::model::grade::Grade::score`]).
    pub min_grade: Option<u8>,
    /// Only links with a date on or after this one (any precision).
    pub from: Option<String>,
    /// Only links with a date on or before this one ("2024-06" includes all of June).
    pub to: Option<String>,
}

impl PathFilter {
    pub fn is_empty(&self) -> bool {
        *self == PathFilter::default()
    }
}

/// One link of a chain, from the record before it to `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathStep {
    pub link: Uuid,
    pub schema: String,
    pub to: RecordRef,
    /// The link points from the record before it to `to` (A → B); false: from `to` back to
    /// the record before it (A ← B).
    pub forward: bool,
}

/// A link read from a record: its uid, its kind, the record at its other end and whether
/// it points away from the record read.
type Hop = (Uuid, String, i64, bool);

/// The links of record `n` (both directions, case work excluded) that `filter` keeps.
fn neighbours(store: &Store, n: i64, fanout: u32, filter: &PathFilter) -> Result<Vec<Hop>> {
    let mut keep = String::new();
    if !filter.kinds.is_empty() {
        // Kind names come from the schema, not from the analyst's text: safe to inline
        // once checked, and the list stays short.
        let names: Vec<String> = filter
            .kinds
            .iter()
            .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(|k| format!("'{k}'"))
            .collect();
        let _ = write!(keep, " AND l.schema IN ({})", names.join(","));
    }
    if filter.min_grade.is_some() {
        keep.push_str(" AND l.grade_score >= ?3");
    }
    if filter.from.is_some() || filter.to.is_some() {
        keep.push_str(
            " AND EXISTS (SELECT 1 FROM timeline t WHERE t.obj = l.n AND t.at >= ?4 AND t.at < ?5)",
        );
    }
    let sql = format!(
        "SELECT * FROM (SELECT l.uid, l.schema, l.dst, 1 FROM object l WHERE l.src = ?1 AND l.deleted = 0
               AND l.schema NOT IN {CASE_RECORDS} AND l.dst IS NOT NULL{keep}
             ORDER BY l.n DESC LIMIT ?2)
         UNION ALL
         SELECT * FROM (SELECT l.uid, l.schema, l.src, 0 FROM object l WHERE l.dst = ?1 AND l.deleted = 0
               AND l.schema <> 'CaseMember'{keep} ORDER BY l.n DESC LIMIT ?2)"
    );
    let from = filter.from.clone().unwrap_or_default();
    // '~' sorts after every character of an ISO date: "2024-06~" is past all of June.
    let to = filter.to.as_ref().map_or_else(|| "~".to_owned(), |t| format!("{t}~"));
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let map = |r: &rusqlite::Row<'_>| {
        Ok((uid_from_blob(&r.get::<_, Vec<u8>>(0)?), r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? == 1))
    };
    let grade = i64::from(filter.min_grade.unwrap_or(0));
    // rusqlite refuses parameters the statement does not name: pass only those it uses.
    let rows = match (filter.min_grade.is_some(), filter.from.is_some() || filter.to.is_some()) {
        (false, false) => stmt.query_map(params![n, fanout], map)?.collect::<Result<_, _>>()?,
        (true, false) => stmt.query_map(params![n, fanout, grade], map)?.collect::<Result<_, _>>()?,
        (_, true) => stmt.query_map(params![n, fanout, grade, from, to], map)?.collect::<Result<_, _>>()?,
    };
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
    shortest_path_where(store, from, to, limits, &PathFilter::default())
}

/// Record n -> how it was reached from its side's start: (previous n, link uid, kind, the
/// link points from the previous record to this one).
type Seen = HashMap<i64, Option<(i64, Uuid, String, bool)>>;

/// The shortest chain from `from` to `to` through links `filter` keeps, within `limits`.
pub fn shortest_path_where(
    store: &Store,
    from: Uuid,
    to: Uuid,
    limits: PathLimits,
    filter: &PathFilter,
) -> Result<Option<Vec<PathStep>>> {
    let (Some(a), Some(b)) = (store.object_n(from)?, store.object_n(to)?) else { return Ok(None) };
    if a == b {
        return Ok(Some(Vec::new()));
    }
    let mut seen: [Seen; 2] = [HashMap::new(), HashMap::new()];
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
        let layer = std::mem::take(&mut frontier[side]);
        // Records judged the same are one node (issue 13): a record's links are also its
        // profile mates' (one `judged` look-up per layer), as in `liaison path`.
        let profiles = store.profiles_of_ns(&layer.iter().copied().collect::<Vec<_>>())?;
        for n in layer {
            let mut hops = neighbours(store, n, limits.fanout, filter)?;
            for mate in profiles.of(n).map(|p| p.ns.clone()).unwrap_or_default() {
                if mate != n {
                    hops.extend(neighbours(store, mate, limits.fanout, filter)?);
                }
            }
            for (link, schema, other, away) in hops {
                if seen[side].contains_key(&other) {
                    continue;
                }
                seen[side].insert(other, Some((n, link, schema, away)));
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
fn join(store: &Store, seen: &[Seen; 2], meet: i64) -> Result<Vec<PathStep>> {
    // (record reached, link, kind, forward) from the start to `meet`.
    let mut first: Vec<(i64, Uuid, String, bool)> = Vec::new();
    let mut at = meet;
    while let Some(Some((prev, link, schema, away))) = seen[0].get(&at) {
        first.push((at, *link, schema.clone(), *away));
        at = *prev;
    }
    first.reverse();
    // From `meet` on to the other end: each step's link leads to the previous record, and
    // was read from that record's side, so its direction turns round.
    let mut at = meet;
    while let Some(Some((prev, link, schema, away))) = seen[1].get(&at) {
        first.push((*prev, *link, schema.clone(), !*away));
        at = *prev;
    }
    first
        .into_iter()
        .map(|(n, link, schema, forward)| {
            let to = crate::store::query::record_ref(store.conn(), n)?
                .ok_or_else(|| crate::store::StoreError::NotFound(format!("record {n}")))?;
            Ok(PathStep { link, schema, to, forward })
        })
        .collect()
}
