//! Applying ops to the derived tables: the convergence rules of DESIGN §3.
//!
//! The result depends only on the set of ops applied, never on their order, so that every
//! office that has seen the same ops shows the same state, and `store rebuild` reproduces the
//! live tables exactly:
//! - multi-valued properties are add-wins sets: a remove cancels exactly the adds it names;
//! - single-valued properties keep every head not superseded by a later edit's `parents`;
//!   more than one distinct value among the heads is a conflict, and the displayed winner is
//!   the greatest (hlc, device);
//! - a statement's grade and validity come from its latest add, its marking is the join
//!   (most restrictive) of all its adds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::Result;
use crate::model::hlc::Hlc;
use crate::model::ids::DeviceId;
use crate::model::marking::Marking;
use crate::model::op::{Assertion, Op, OpBody, OpId};

/// Applies ops and remembers what they touched. Holds small caches that make bulk loads
/// cheap; they only ever hold facts that cannot change within a transaction.
#[derive(Debug)]
pub struct Applier {
    /// Records touched, to be re-projected once at the end of a commit.
    pub dirty: BTreeSet<i64>,
    /// Recently seen uid → local number (bounded; cleared when full).
    numbers: HashMap<Uuid, i64>,
    /// Recently created records' kinds.
    kinds: HashMap<Uuid, String>,
    /// Whether any remove has ever been applied (if not, no add can have been removed).
    any_removed: bool,
    /// Whether any single-valued edit was ever superseded.
    any_superseded: bool,
}

/// Entries kept in each cache before it is cleared.
const CACHE_LIMIT: usize = 1 << 16;

impl Applier {
    pub fn new(conn: &Connection) -> Result<Applier> {
        let exists = |table: &str| -> Result<bool> {
            Ok(conn.query_row(&format!("SELECT EXISTS(SELECT 1 FROM {table})"), [], |r| r.get(0))?)
        };
        Ok(Applier {
            dirty: BTreeSet::new(),
            numbers: HashMap::new(),
            kinds: HashMap::new(),
            any_removed: exists("removed")?,
            any_superseded: exists("superseded")?,
        })
    }

    /// The local number of the record `uid`, creating a placeholder row if it is only
    /// referenced so far (ops may arrive before the record's creation).
    pub fn object_n(&mut self, conn: &Connection, uid: Uuid) -> Result<i64> {
        if let Some(n) = self.numbers.get(&uid) {
            return Ok(*n);
        }
        let found: Option<i64> = conn
            .prepare_cached("SELECT n FROM object WHERE uid = ?1")?
            .query_row([uid.as_bytes()], |r| r.get(0))
            .optional()?;
        let n = if let Some(n) = found {
            n
        } else {
            conn.prepare_cached("INSERT INTO object(uid, schema) VALUES(?1, '')")?
                .execute([uid.as_bytes()])?;
            conn.last_insert_rowid()
        };
        if self.numbers.len() >= CACHE_LIMIT {
            self.numbers.clear();
        }
        self.numbers.insert(uid, n);
        Ok(n)
    }

    /// The kind of a created record, if it exists.
    pub fn kind_of(&mut self, conn: &Connection, uid: Uuid) -> Result<Option<String>> {
        if let Some(k) = self.kinds.get(&uid) {
            return Ok(Some(k.clone()));
        }
        let found: Option<String> = conn
            .prepare_cached("SELECT schema FROM object WHERE uid = ?1 AND schema <> ''")?
            .query_row([uid.as_bytes()], |r| r.get(0))
            .optional()?;
        if let Some(k) = &found {
            // A record's kind is fixed at creation (only a clash of two offices' creations of
            // one id as different kinds could change it), so a positive answer is kept.
            if self.kinds.len() >= CACHE_LIMIT {
                self.kinds.clear();
            }
            self.kinds.insert(uid, k.clone());
        }
        Ok(found)
    }

    /// Applies one op authored by `author`. Values are not put through the text rule
    /// (`model::text`): ops from another office are signed and kept exactly as sent; every
    /// face escapes them on the way to a terminal instead.
    pub fn apply(&mut self, conn: &Connection, author: DeviceId, id: &OpId, op: &Op) -> Result<()> {
        let n = self.object_n(conn, op.object)?;
        self.dirty.insert(n);
        match &op.body {
            OpBody::Create { schema, source, target } => {
                let src = source.map(|u| self.object_n(conn, u)).transpose()?;
                let dst = target.map(|u| self.object_n(conn, u)).transpose()?;
                // The earliest creation wins should two ever disagree (deterministic either way).
                conn.prepare_cached(
                    "UPDATE object SET schema = ?2, src = ?3, dst = ?4, created = ?5
                     WHERE n = ?1 AND (schema = '' OR created > ?5 OR (created = ?5 AND schema > ?2))",
                )?
                .execute(params![n, schema, src, dst, op.hlc.0])?;
                if self.kinds.len() >= CACHE_LIMIT {
                    self.kinds.clear();
                }
                self.kinds.entry(op.object).or_insert_with(|| schema.clone());
            }
            OpBody::Add(a) => self.add(conn, author, id, op.hlc, n, a)?,
            OpBody::Set { assertion, parents } => {
                self.set(conn, author, id, op.hlc, n, assertion, parents)?;
            }
            OpBody::Remove { prop, value, source, removes } => {
                self.any_removed = true;
                self.remove(conn, n, prop, value, *source, removes)?;
            }
        }
        Ok(())
    }

    fn source_n(&mut self, conn: &Connection, source: Option<Uuid>) -> Result<i64> {
        source.map_or(Ok(0), |u| self.object_n(conn, u))
    }

    /// Whether a remove of this very statement (same record, property, value, source) named
    /// the add `id`. A remove that names an add of another statement removes nothing, in
    /// whichever order the two arrive.
    fn is_removed(
        &self,
        conn: &Connection,
        id: &OpId,
        n: i64,
        prop: &str,
        value: &str,
        source: i64,
    ) -> Result<bool> {
        if !self.any_removed {
            return Ok(false);
        }
        Ok(conn
            .prepare_cached(
                "SELECT 1 FROM removed WHERE op = ?1 AND obj = ?2 AND prop = ?3 AND value = ?4 AND source = ?5",
            )?
            .query_row(params![id.0.as_slice(), n, prop, value, source], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn add(
        &mut self,
        conn: &Connection,
        author: DeviceId,
        id: &OpId,
        hlc: Hlc,
        n: i64,
        a: &Assertion,
    ) -> Result<()> {
        let source = self.source_n(conn, a.source)?;
        let case_n = a.case.map(|u| self.object_n(conn, u)).transpose()?;
        let removed = self.is_removed(conn, id, n, &a.prop, &a.value, source)?;
        // Most adds are of a new value: try the insert first, look up only on a clash.
        let first_adds: &[u8] = if removed { &[] } else { &id.0 };
        let inserted = conn
            .prepare_cached(
                "INSERT INTO stmt(obj, prop, value, source, grade, marking, origin, hlc,
                                  valid_from, valid_to, case_n, live, adds)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                n,
                a.prop,
                a.value,
                source,
                a.grade,
                a.marking,
                author.0.as_slice(),
                hlc.0,
                a.valid_from,
                a.valid_to,
                case_n,
                !removed,
                first_adds
            ])?;
        if inserted == 1 {
            return Ok(());
        }
        let (sn, old_hlc, old_origin, old_marking, mut adds): (i64, i64, Vec<u8>, String, Vec<u8>) = conn
            .prepare_cached(
                "SELECT n, hlc, origin, marking, adds FROM stmt
                 WHERE obj = ?1 AND prop = ?2 AND value = ?3 AND source = ?4",
            )?
            .query_row(params![n, a.prop, a.value, source], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        let marking = join_markings(&old_marking, &a.marking);
        if !removed && !contains_op(&adds, id) {
            adds.extend_from_slice(&id.0);
        }
        let newer = (hlc.0, author.0.as_slice()) > (old_hlc, old_origin.as_slice());
        if newer {
            conn.prepare_cached(
                "UPDATE stmt SET grade = ?2, marking = ?3, origin = ?4, hlc = ?5, valid_from = ?6,
                             valid_to = ?7, case_n = ?8, live = ?9, adds = ?10 WHERE n = ?1",
            )?
            .execute(params![
                sn,
                a.grade,
                marking,
                author.0.as_slice(),
                hlc.0,
                a.valid_from,
                a.valid_to,
                case_n,
                !adds.is_empty(),
                adds
            ])?;
        } else {
            conn.prepare_cached("UPDATE stmt SET marking = ?2, live = ?3, adds = ?4 WHERE n = ?1")?
                .execute(params![sn, marking, !adds.is_empty(), adds])?;
        }
        Ok(())
    }

    fn remove(
        &mut self,
        conn: &Connection,
        n: i64,
        prop: &str,
        value: &str,
        source: Option<Uuid>,
        removes: &[OpId],
    ) -> Result<()> {
        let source = self.source_n(conn, source)?;
        for r in removes {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO removed(op, obj, prop, value, source) VALUES(?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![r.0.as_slice(), n, prop, value, source])?;
        }
        let existing: Option<(i64, Vec<u8>)> = conn
            .prepare_cached(
                "SELECT n, adds FROM stmt WHERE obj = ?1 AND prop = ?2 AND value = ?3 AND source = ?4",
            )?
            .query_row(params![n, prop, value, source], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((sn, adds)) = existing {
            let kept: Vec<u8> = adds
                .chunks_exact(32)
                .filter(|c| !removes.iter().any(|r| r.0.as_slice() == *c))
                .flatten()
                .copied()
                .collect();
            conn.prepare_cached("UPDATE stmt SET live = ?2, adds = ?3 WHERE n = ?1")?.execute(params![
                sn,
                !kept.is_empty(),
                kept
            ])?;
        }
        Ok(())
    }

    fn set(
        &mut self,
        conn: &Connection,
        author: DeviceId,
        id: &OpId,
        hlc: Hlc,
        n: i64,
        a: &Assertion,
        parents: &[OpId],
    ) -> Result<()> {
        if !parents.is_empty() {
            self.any_superseded = true;
        }
        for p in parents {
            conn.prepare_cached("INSERT OR IGNORE INTO superseded(op) VALUES(?1)")?
                .execute([p.0.as_slice()])?;
            conn.prepare_cached("DELETE FROM head WHERE obj = ?1 AND prop = ?2 AND op = ?3")?
                .execute(params![n, a.prop, p.0.as_slice()])?;
        }
        let superseded = self.any_superseded
            && conn
                .prepare_cached("SELECT 1 FROM superseded WHERE op = ?1")?
                .query_row([id.0.as_slice()], |_| Ok(()))
                .optional()?
                .is_some();
        if !superseded {
            let body = postcard::to_stdvec(a).expect("an assertion always encodes");
            conn.prepare_cached(
                "INSERT OR IGNORE INTO head(obj, prop, op, hlc, device, assertion)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![n, a.prop, id.0.as_slice(), hlc.0, author.0.as_slice(), body])?;
        }
        self.rederive_single(conn, n, &a.prop)
    }

    /// Rewrites the statements of a single-valued property from its heads.
    fn rederive_single(&mut self, conn: &Connection, n: i64, prop: &str) -> Result<()> {
        struct Head {
            id: Vec<u8>,
            hlc: i64,
            device: Vec<u8>,
            a: Assertion,
        }
        let heads: Vec<Head> = conn
            .prepare_cached("SELECT op, hlc, device, assertion FROM head WHERE obj = ?1 AND prop = ?2")?
            .query_map(params![n, prop], |r| {
                let body: Vec<u8> = r.get(3)?;
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, body))
            })?
            .filter_map(|row| {
                let (id, hlc, device, body) = row.ok()?;
                Some(Head { id, hlc, device, a: postcard::from_bytes(&body).ok()? })
            })
            .collect();
        conn.prepare_cached("DELETE FROM stmt WHERE obj = ?1 AND prop = ?2")?.execute(params![n, prop])?;
        // One statement per (value, source); its details from the latest head among them.
        let mut groups: BTreeMap<(String, Option<Uuid>), Vec<&Head>> = BTreeMap::new();
        for h in &heads {
            groups.entry((h.a.value.clone(), h.a.source)).or_default().push(h);
        }
        for ((value, source), members) in &groups {
            let latest = members
                .iter()
                .max_by(|x, y| (x.hlc, &x.device).cmp(&(y.hlc, &y.device)))
                .expect("a group is never empty");
            let marking =
                members.iter().fold(String::from("TLP:CLEAR"), |m, h| join_markings(&m, &h.a.marking));
            let adds: Vec<u8> = members.iter().flat_map(|h| h.id.iter().copied()).collect();
            let source = self.source_n(conn, *source)?;
            let case_n = latest.a.case.map(|u| self.object_n(conn, u)).transpose()?;
            conn.prepare_cached(
                "INSERT INTO stmt(obj, prop, value, source, grade, marking, origin, hlc,
                              valid_from, valid_to, case_n, live, adds)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12)",
            )?
            .execute(params![
                n,
                prop,
                value,
                source,
                latest.a.grade,
                marking,
                latest.device,
                latest.hlc,
                latest.a.valid_from,
                latest.a.valid_to,
                case_n,
                adds
            ])?;
        }
        let distinct_values: BTreeSet<&str> = heads.iter().map(|h| h.a.value.as_str()).collect();
        if distinct_values.len() > 1 {
            conn.prepare_cached("INSERT OR IGNORE INTO conflict(obj, prop) VALUES(?1, ?2)")?
                .execute(params![n, prop])?;
        } else {
            conn.prepare_cached("DELETE FROM conflict WHERE obj = ?1 AND prop = ?2")?
                .execute(params![n, prop])?;
        }
        Ok(())
    }
}

fn contains_op(adds: &[u8], id: &OpId) -> bool {
    adds.chunks_exact(32).any(|c| c == id.0)
}

/// The most restrictive of two marking texts; unparseable text (from a newer vocabulary)
/// is kept as the more restrictive, never dropped.
pub fn join_markings(a: &str, b: &str) -> String {
    if a == b {
        return a.to_owned();
    }
    match (Marking::parse(a), Marking::parse(b)) {
        (Ok(x), Ok(y)) => x.join(&y).to_string(),
        (Err(_), Err(_)) => a.max(b).to_owned(),
        (Err(_), Ok(_)) => a.to_owned(),
        (_, Err(_)) => b.to_owned(),
    }
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
