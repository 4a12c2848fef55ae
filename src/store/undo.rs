//! Undo: a commit of this store's own device taken back by new ops, never by rewriting the
//! log (other offices may hold the commit already; the undo reaches them as any edit does).
//!
//! Each op has its inverse: a record created is deleted (its values go with it), an add is
//! removed by naming exactly that add, a set is set back to the values it replaced, a removed
//! value is added again, a deletion is restored and a restoration deleted. A commit whose
//! effects were changed since (a value removed or replaced by a later edit, a record deleted
//! or written to afterwards) is refused: undoing it would take back more, or less, than the
//! analyst sees named. The values an undo writes keep their original markings, joined with
//! the marking of the value they replace: never lower.
//!
//! [`Store::undo_preview`] runs the undo in a transaction that is then dropped, so what is
//! listed is exactly what [`Change::Undo`](super::change::Change::Undo) will do.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store, StoreError, Txn, oplog};
use crate::model::ids::DeviceId;
use crate::model::op::{Assertion, CommitHeader, DELETED, Op, OpBody, OpId};
use crate::model::schema::Schema;

/// Changes described per commit in `history`.
pub const DESCRIBED: usize = 20;
/// How far back the op of a replaced value is looked for (commits, newest first).
const PARENT_SEARCH_COMMITS: i64 = 20_000;

/// One commit of this device, as `liaison history` lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommitEntry {
    pub seq: u64,
    /// When it was written (UTC, RFC 3339).
    pub at: String,
    pub ops: usize,
    /// What it did, one line per change, in the analyst's words (at most [`DESCRIBED`]).
    pub did: Vec<String>,
    /// Changes not described (a bulk import's commit holds thousands).
    pub more: usize,
    /// The commit that undid it, if one did.
    pub undone_by: Option<u64>,
    /// The commits it undid, if it is an undo.
    pub undoes: Vec<u64>,
}

impl CommitEntry {
    /// The first change and how many more ("added phone +33… to Karim BENALI (+2 more)").
    pub fn summary(&self) -> String {
        let first = self.did.first().cloned().unwrap_or_else(|| "(nothing this store can name)".into());
        match self.did.len() + self.more {
            0 | 1 => first,
            n => format!("{first} (+{} more)", n - 1),
        }
    }
}

/// What an undo will do, in the analyst's words, before it is done.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UndoPlan {
    pub commits: Vec<u64>,
    pub description: Vec<String>,
}

/// One inverse step.
enum Step {
    Delete(Uuid),
    Restore(Uuid),
    /// A membership taken back (its tombstone under the case's marking).
    Unmember {
        case: Uuid,
        entity: Uuid,
    },
    SetBack {
        uid: Uuid,
        assertion: Assertion,
    },
    Unadd {
        uid: Uuid,
        prop: String,
        value: String,
        source: Option<Uuid>,
        removes: Vec<OpId>,
    },
    Readd {
        uid: Uuid,
        assertion: Assertion,
    },
}

impl Store {
    /// This device's latest commits, newest first, each described.
    pub fn history(&self, limit: u32) -> Result<Vec<CommitEntry>> {
        let rows: Vec<(i64, i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT n, seq, received_at FROM commit_log WHERE device = ?1 ORDER BY seq DESC LIMIT ?2",
            )?
            .query_map(params![self.device.0.as_slice(), limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let undos = self.undo_links()?;
        rows.into_iter()
            .map(|(n, seq, at)| {
                let seq = seq as u64;
                let ops = oplog::read(&self.conn, n)?;
                let mut lines = Vec::new();
                let mut described = 0;
                for (_, op) in &ops {
                    if lines.len() == DESCRIBED {
                        break;
                    }
                    described += 1;
                    lines.extend(did(&self.conn, op)?);
                }
                Ok(CommitEntry {
                    seq,
                    at: chrono::DateTime::from_timestamp_millis(at)
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default(),
                    ops: ops.len(),
                    did: lines,
                    more: ops.len() - described,
                    undone_by: undos
                        .iter()
                        .find(|(_, undid)| undid.contains(&seq))
                        .and_then(|(by, _)| by.last().copied()),
                    undoes: undos
                        .iter()
                        .find(|(by, _)| by.contains(&seq))
                        .map(|(_, u)| u.clone())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// This device's latest commit number (0 before its first): where a session's own
    /// writes start.
    pub fn last_own_commit(&self) -> Result<u64> {
        let seq: i64 = self.conn.query_row(
            "SELECT coalesce(max(seq), 0) FROM commit_log WHERE device = ?1",
            [self.device.0.as_slice()],
            |r| r.get(0),
        )?;
        Ok(seq as u64)
    }

    /// The latest `count` commits of this device that are neither undos nor undone: what
    /// "undo the last N" means to an analyst (a second undo does not redo the first).
    pub fn undoable(&self, count: u32) -> Result<Vec<u64>> {
        let undos = self.undo_links()?;
        let skip: HashSet<u64> =
            undos.iter().flat_map(|(by, undid)| undid.iter().chain(by)).copied().collect();
        let seqs: Vec<i64> = self
            .conn
            .prepare_cached("SELECT seq FROM commit_log WHERE device = ?1 ORDER BY seq DESC LIMIT ?2")?
            .query_map(params![self.device.0.as_slice(), i64::from(count) + skip.len() as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(seqs.into_iter().map(|s| s as u64).filter(|s| !skip.contains(s)).take(count as usize).collect())
    }

    /// What undoing `commits` (sequence numbers of this device) would do, without doing it.
    pub fn undo_preview(&mut self, commits: &[u64]) -> Result<UndoPlan> {
        let device = self.device;
        let mut tx = self.write("undo")?;
        let description = undo_in(&mut tx, device, commits)?;
        // Dropped unfinished: the transaction rolls back and nothing is written.
        drop(tx);
        Ok(UndoPlan { commits: commits.to_vec(), description })
    }

    /// (the undo's own commits, commits it undid) from the audit log's "undo" entries.
    fn undo_links(&self) -> Result<Vec<(Vec<u64>, Vec<u64>)>> {
        let details: Vec<String> = self
            .conn
            .prepare_cached("SELECT detail FROM audit WHERE action = 'undo' ORDER BY n DESC LIMIT 10000")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(details
            .iter()
            .filter_map(|d| {
                let v: serde_json::Value = serde_json::from_str(d).ok()?;
                let by = v.get("commits")?.as_array()?.iter().filter_map(serde_json::Value::as_u64).collect();
                let undid =
                    v.get("undid")?.as_array()?.iter().filter_map(serde_json::Value::as_u64).collect();
                Some((by, undid))
            })
            .collect())
    }
}

/// Undoes `commits` of `device` inside `tx`, newest first, each against the state the
/// previous one left; returns what was done, in the analyst's words.
pub(crate) fn undo_in(tx: &mut Txn<'_>, device: DeviceId, commits: &[u64]) -> Result<Vec<String>> {
    if commits.is_empty() {
        return Err(StoreError::Input("nothing to undo: this store has written nothing yet".into()));
    }
    let mut order = commits.to_vec();
    order.sort_unstable_by(|a, b| b.cmp(a));
    order.dedup();
    let mut said = Vec::new();
    for seq in order {
        let (steps, lines) = plan(tx.conn(), device, seq)?;
        for step in steps {
            run(tx, step)?;
        }
        // Sealed now, so the next (older) commit is judged on the records as this one left
        // them (deletions are projected when a commit is sealed).
        tx.seal()?;
        said.extend(lines);
    }
    Ok(said)
}

fn run(tx: &mut Txn<'_>, step: Step) -> Result<()> {
    match step {
        Step::Delete(uid) => tx.delete_record(uid),
        Step::Restore(uid) => tx.restore_record(uid),
        Step::Unmember { case, entity } => tx.remove_member(case, entity).map(|_| ()),
        Step::SetBack { uid, assertion } => tx.set(uid, assertion),
        Step::Unadd { uid, prop, value, source, removes } => {
            tx.remove_adds(uid, &prop, &value, source, removes)
        }
        Step::Readd { uid, assertion } => tx.add(uid, assertion),
    }
}

/// The inverse steps of commit `seq` of `device`, and their description.
fn plan(conn: &Connection, device: DeviceId, seq: u64) -> Result<(Vec<Step>, Vec<String>)> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT n FROM commit_log WHERE device = ?1 AND seq = ?2")?
        .query_row(params![device.0.as_slice(), seq as i64], |r| r.get(0))
        .optional()?;
    let n = n.ok_or_else(|| {
        StoreError::Input(format!("this store wrote no commit #{seq}: `liaison history` lists them"))
    })?;
    let ops: Vec<(OpId, Op)> = oplog::read(conn, n)?.into_iter().map(|(_, op)| (op.id(device), op)).collect();
    let ids: HashSet<OpId> = ops.iter().map(|(id, _)| *id).collect();
    let created: HashSet<Uuid> = ops
        .iter()
        .filter(|(_, op)| matches!(&op.body, OpBody::Create { schema, .. } if schema != "Source"))
        .map(|(_, op)| op.object)
        .collect();
    let (mut steps, mut lines) = (Vec::new(), Vec::new());
    let changed = |what: String| {
        StoreError::Input(format!(
            "commit #{seq} cannot be undone: {what} was changed by a later edit; undo that first \
             (`liaison history` lists them) or edit it by hand"
        ))
    };
    for (id, op) in &ops {
        let uid = op.object;
        if schema_of(conn, uid)? == "Source" {
            // A source named by a write may be cited since: it stays, with its name.
            continue;
        }
        match &op.body {
            OpBody::Create { schema, source, target } => {
                if is_deleted(conn, uid)? || written_since(conn, uid, &ids)? {
                    return Err(changed(named(conn, uid)?));
                }
                if let (true, Some(case), Some(entity)) = (schema == "CaseMember", source, target) {
                    lines.push(format!(
                        "take {} out of case {}",
                        caption(conn, *entity)?,
                        caption(conn, *case)?
                    ));
                    steps.push(Step::Unmember { case: *case, entity: *entity });
                } else {
                    lines.push(format!("delete {}", named(conn, uid)?));
                    steps.push(Step::Delete(uid));
                }
            }
            _ if created.contains(&uid) => {} // The record goes, and its values with it.
            OpBody::Add(a) => {
                if !add_live(conn, uid, a, id)? {
                    return Err(changed(format!("{} {}", a.prop, shown(conn, &a.value)?)));
                }
                lines.push(format!(
                    "remove {} {} from {}",
                    a.prop,
                    shown(conn, &a.value)?,
                    caption(conn, uid)?
                ));
                let (prop, value) = (a.prop.clone(), a.value.clone());
                steps.push(Step::Unadd { uid, prop, value, source: a.source, removes: vec![*id] });
            }
            OpBody::Set { assertion, parents } => {
                if !sole_head(conn, uid, &assertion.prop, id)? {
                    return Err(changed(format!("{} of {}", assertion.prop, caption(conn, uid)?)));
                }
                if assertion.prop == DELETED {
                    if assertion.value == "true" {
                        lines.push(format!("restore deleted {}", named(conn, uid)?));
                        steps.push(Step::Restore(uid));
                    } else {
                        lines.push(format!("delete {} again", named(conn, uid)?));
                        steps.push(Step::Delete(uid));
                    }
                    continue;
                }
                let old = parents.iter().map(|p| find_assertion(conn, *p)).collect::<Result<Vec<_>>>()?;
                let value = shown(conn, &assertion.value)?;
                let who = caption(conn, uid)?;
                match old.as_slice() {
                    [] => {
                        lines.push(format!("remove {} {value} from {who}", assertion.prop));
                        let (prop, value, source) =
                            (assertion.prop.clone(), assertion.value.clone(), assertion.source);
                        steps.push(Step::Unadd { uid, prop, value, source, removes: vec![*id] });
                    }
                    [Some(before), ..] => {
                        // Of several replaced values (a conflict resolved), the first comes back:
                        // one value, as a single-valued property holds.
                        let mut before = before.clone();
                        before.marking = super::apply::join_markings(&before.marking, &assertion.marking);
                        lines.push(format!(
                            "set {} of {who} back to {} (from {value})",
                            assertion.prop,
                            shown(conn, &before.value)?
                        ));
                        steps.push(Step::SetBack { uid, assertion: before });
                    }
                    [None, ..] => {
                        return Err(StoreError::Input(format!(
                            "commit #{seq} cannot be undone: the value of {} of {who} it replaced is no longer held here",
                            assertion.prop
                        )));
                    }
                }
            }
            OpBody::Remove { prop, value, source, .. } => {
                let Some(assertion) = removed_statement(conn, uid, prop, value, *source)? else {
                    return Err(changed(format!("{prop} {}", shown(conn, value)?)));
                };
                lines.push(format!("add {prop} {} to {} again", shown(conn, value)?, caption(conn, uid)?));
                steps.push(Step::Readd { uid, assertion });
            }
        }
    }
    if steps.is_empty() {
        return Err(StoreError::Input(format!("commit #{seq} changed nothing an undo can take back")));
    }
    Ok((steps, lines))
}

/// What an op did, in the past tense (for `history`); None for what an analyst never sees.
fn did(conn: &Connection, op: &Op) -> Result<Option<String>> {
    let uid = op.object;
    if schema_of(conn, uid)? == "Source" {
        return Ok(None);
    }
    Ok(match &op.body {
        OpBody::Create { schema, source: Some(case), target: Some(entity) } if schema == "CaseMember" => {
            Some(format!("put {} in case {}", caption(conn, *entity)?, caption(conn, *case)?))
        }
        OpBody::Create { .. } => Some(format!("created {}", named(conn, uid)?)),
        OpBody::Set { assertion: a, .. } if a.prop == DELETED => {
            let verb = if a.value == "true" { "deleted" } else { "restored" };
            Some(format!("{verb} {}", named(conn, uid)?))
        }
        OpBody::Add(a) => {
            Some(format!("added {} {} to {}", a.prop, shown(conn, &a.value)?, caption(conn, uid)?))
        }
        OpBody::Set { assertion: a, .. } => {
            Some(format!("set {} of {} to {}", a.prop, caption(conn, uid)?, shown(conn, &a.value)?))
        }
        OpBody::Remove { prop, value, .. } => {
            Some(format!("removed {prop} {} from {}", shown(conn, value)?, caption(conn, uid)?))
        }
    })
}

fn schema_of(conn: &Connection, uid: Uuid) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT schema FROM object WHERE uid = ?1")?
        .query_row([uid.as_bytes()], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// A record's caption ("Karim BENALI"; a case: its reference).
fn caption(conn: &Connection, uid: Uuid) -> Result<String> {
    let row: Option<(String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT o.schema, o.caption, (SELECT min(ref) FROM case_ref WHERE obj = o.n) FROM object o WHERE o.uid = ?1",
        )?
        .query_row([uid.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    // A judgement's caption is its verdict: named by its two records instead.
    if row.as_ref().is_some_and(|(schema, ..)| schema == super::judgements::KIND) {
        let n: i64 = conn.query_row("SELECT n FROM object WHERE uid = ?1", [uid.as_bytes()], |r| r.get(0))?;
        if let Some(label) = super::judgements::caption(conn, n)? {
            return Ok(label);
        }
    }
    Ok(match row {
        Some((_, _, Some(reference))) => reference,
        Some((_, caption, None)) if !caption.is_empty() => caption,
        Some((schema, _, None)) => schema,
        None => uid.to_string(),
    })
}

/// A record with its kind: "Person Karim BENALI", "link Call: A → B".
fn named(conn: &Connection, uid: Uuid) -> Result<String> {
    let row: Option<(String, Option<Vec<u8>>, Option<Vec<u8>>)> = conn
        .prepare_cached(
            "SELECT o.schema, a.uid, b.uid FROM object o LEFT JOIN object a ON a.n = o.src
             LEFT JOIN object b ON b.n = o.dst WHERE o.uid = ?1",
        )?
        .query_row([uid.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((schema, from, to)) = row else { return Ok(uid.to_string()) };
    let is_link = Schema::builtin().kind(&schema).is_ok_and(crate::model::schema::Kind::is_link);
    match (is_link, from, to) {
        (true, Some(a), Some(b)) => Ok(format!(
            "link {schema}: {} → {}",
            caption(conn, super::query::uid_from_blob(&a))?,
            caption(conn, super::query::uid_from_blob(&b))?
        )),
        _ => Ok(format!("{schema} {}", caption(conn, uid)?)),
    }
}

/// A value as the analyst knows it: a record's caption for an id.
fn shown(conn: &Connection, value: &str) -> Result<String> {
    match Uuid::parse_str(value) {
        Ok(uid) => caption(conn, uid),
        Err(_) => Ok(value.to_owned()),
    }
}

fn is_deleted(conn: &Connection, uid: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT deleted FROM object WHERE uid = ?1")?
        .query_row([uid.as_bytes()], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// Whether any current value of `uid` was written by an op outside `ops`. A deletion undone
/// since does not count: the record is live, and deleting it is what undoing its creation means.
fn written_since(conn: &Connection, uid: Uuid, ops: &HashSet<OpId>) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.adds FROM stmt s JOIN object o ON o.n = s.obj
         WHERE o.uid = ?1 AND s.live = 1 AND s.prop <> '$deleted'
         UNION ALL SELECT h.op FROM head h JOIN object o ON o.n = h.obj
         WHERE o.uid = ?1 AND h.prop <> '$deleted'",
    )?;
    let rows = stmt.query_map([uid.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
    for ids in rows {
        if ids?.chunks_exact(32).any(|c| c.try_into().is_ok_and(|c: [u8; 32]| !ops.contains(&OpId(c)))) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the add `id` of `a` still counts (no remove has taken it back).
fn add_live(conn: &Connection, uid: Uuid, a: &Assertion, id: &OpId) -> Result<bool> {
    let adds: Option<Vec<u8>> = conn
        .prepare_cached(
            "SELECT s.adds FROM stmt s JOIN object o ON o.n = s.obj
             LEFT JOIN object src ON src.n = s.source AND s.source <> 0
             WHERE o.uid = ?1 AND s.prop = ?2 AND s.value = ?3 AND src.uid IS ?4",
        )?
        .query_row(params![uid.as_bytes(), a.prop, a.value, a.source.as_ref().map(Uuid::as_bytes)], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(adds.is_some_and(|adds| adds.chunks_exact(32).any(|c| c == id.0)))
}

/// Whether the set `id` is the one current value of `prop` (nothing replaced it since, and
/// no other office's concurrent value stands beside it).
fn sole_head(conn: &Connection, uid: Uuid, prop: &str, id: &OpId) -> Result<bool> {
    let heads: Vec<Vec<u8>> = conn
        .prepare_cached(
            "SELECT h.op FROM head h JOIN object o ON o.n = h.obj WHERE o.uid = ?1 AND h.prop = ?2",
        )?
        .query_map(params![uid.as_bytes(), prop], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(heads.len() == 1 && heads[0] == id.0)
}

/// The statement a remove took away, as it was (grade, marking joined over its adds, case,
/// validity), if it is still away.
fn removed_statement(
    conn: &Connection,
    uid: Uuid,
    prop: &str,
    value: &str,
    source: Option<Uuid>,
) -> Result<Option<Assertion>> {
    Ok(conn
        .prepare_cached(
            "SELECT s.grade, s.marking, s.valid_from, s.valid_to, c.uid FROM stmt s
             JOIN object o ON o.n = s.obj LEFT JOIN object src ON src.n = s.source AND s.source <> 0
             LEFT JOIN object c ON c.n = s.case_n
             WHERE o.uid = ?1 AND s.prop = ?2 AND s.value = ?3 AND src.uid IS ?4 AND s.live = 0",
        )?
        .query_row(params![uid.as_bytes(), prop, value, source.as_ref().map(Uuid::as_bytes)], |r| {
            Ok(Assertion {
                prop: prop.to_owned(),
                value: value.to_owned(),
                source,
                grade: r.get(0)?,
                marking: r.get(1)?,
                valid_from: r.get(2)?,
                valid_to: r.get(3)?,
                case: r.get::<_, Option<Vec<u8>>>(4)?.map(|b| super::query::uid_from_blob(&b)),
            })
        })
        .optional()?)
}

/// The assertion of a set op replaced by an edit: looked for in the commits, newest first
/// (the value replaced is usually recent), at most [`PARENT_SEARCH_COMMITS`] of them. The op id
/// is searched for in the headers' bytes by SQLite, so only the commit holding it is decoded.
fn find_assertion(conn: &Connection, id: OpId) -> Result<Option<Assertion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n, header FROM (SELECT n, header FROM commit_log ORDER BY n DESC LIMIT ?1)
         WHERE instr(header, ?2) > 0",
    )?;
    let mut rows = stmt.query(params![PARENT_SEARCH_COMMITS, id.0.as_slice()])?;
    while let Some(row) = rows.next()? {
        let (n, header): (i64, Vec<u8>) = (row.get(0)?, row.get(1)?);
        let Ok(header) = CommitHeader::decode(&header) else { continue };
        let Some(idx) = header.ops.iter().position(|o| *o == id) else { continue };
        let found = oplog::read(conn, n)?.into_iter().find(|(i, _)| *i as usize == idx);
        return Ok(found.and_then(|(_, op)| match op.body {
            OpBody::Set { assertion, .. } | OpBody::Add(assertion) => Some(assertion),
            _ => None,
        }));
    }
    Ok(None)
}
