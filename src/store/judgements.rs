//! Judgements (issue 13, DESIGN §1–§3): an analyst's answer to "are these two records the
//! same?", kept as a record like any other so that a merge is reversible, audited, signed and
//! exchanged, and ids are never rewritten.
//!
//! - A judgement is a `Judgement` record (category "internal") whose id is a UUIDv5 of the
//!   two records in a fixed order: two offices judging the same pair write to ONE record, so
//!   their concurrent contradictory verdicts are two heads of the single-valued `verdict` — a
//!   conflict listed by the existing machinery (`liaison conflicts`) — while a later verdict
//!   of the same office replaces its earlier one (its parents are the heads it saw).
//! - The two records are the statements `first` and `second`, not the `src`/`dst` of a link:
//!   every link listing, the network and the path search read `src`/`dst`, and a judgement is
//!   not a relationship between two people. The derived table `judged` (rebuilt from the
//!   statements by projection, compared by `store check`) indexes judgements by each record,
//!   so the judgements of a record are one index seek, never a scan of all judgements.
//! - Its marking is at least the join of both records' markings (a judgement says something
//!   about both) and of what the analyst typed; it never falls.
//! - Bundles carry it only where both records travel: `case_scope` takes a judgement in only
//!   between two members of the shared cases, and the existence rule (a record with ends goes
//!   only with both ends) is fed its two records (`visit_scope_ends`).

pub mod cluster;
pub mod resolve;

pub use cluster::{Cluster, Contradiction, ProfileStatement, ResolvedProfile};
pub use resolve::{Profile, Profiles};

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::query::{RecordRef, record_ref, uid_from_blob};
use super::{Provenance, Result, Store, StoreError, Txn};
use crate::model::hlc::Hlc;
use crate::model::ids::observable_id;
use crate::model::op::Assertion;
use crate::model::schema::{Category, Schema};

/// The kind of a judgement record.
pub const KIND: &str = "Judgement";

/// Schema step 6 (see `migrations.rs`). Derived: `store rebuild` empties and refills it.
/// Deleted judgements keep their rows, so their tombstones still travel to the offices that
/// hold them (the release scope finds them here); readers skip them.
pub(super) const V6: &str = r"
CREATE TABLE judged(
  rec INTEGER NOT NULL,    -- object n of one of the two records
  other INTEGER NOT NULL,  -- object n of the other record
  obj INTEGER NOT NULL,    -- object n of the judgement
  PRIMARY KEY(rec, obj)
) WITHOUT ROWID;
CREATE INDEX judged_obj ON judged(obj);
";

/// An analyst's answer about two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "same")]
    Same,
    #[serde(rename = "not-same")]
    NotSame,
    #[serde(rename = "unsure")]
    Unsure,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::NotSame => "not-same",
            Verdict::Unsure => "unsure",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        match text.trim().to_lowercase().as_str() {
            "same" => Some(Verdict::Same),
            "not-same" => Some(Verdict::NotSame),
            "unsure" => Some(Verdict::Unsure),
            _ => None,
        }
    }
}

/// The id of the judgement about `a` and `b`, whichever order they are given in.
pub fn judgement_id(a: Uuid, b: Uuid) -> Uuid {
    let (lo, hi) = ordered(a, b);
    observable_id(KIND, &format!("{lo}:{hi}"))
}

fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a <= b { (a, b) } else { (b, a) }
}

/// One competing verdict (several only while offices disagree: a conflict).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerdictView {
    pub verdict: String,
    /// The office whose device gave it (its device id if unknown).
    pub office: String,
    pub recorded_at: String,
    pub marking: String,
    pub source: Option<String>,
    pub grade: Option<String>,
}

/// A judgement as `liaison judgements` lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JudgementView {
    pub id: Uuid,
    pub records: Vec<RecordRef>,
    /// The current verdict; while offices disagree, the latest one (as every single-valued
    /// property shows its latest head) and `contested` is true.
    pub verdict: String,
    pub contested: bool,
    /// Every current verdict, newest first.
    pub verdicts: Vec<VerdictView>,
    pub reason: Option<String>,
    /// The judgement's strongest marking.
    pub marking: String,
}

/// A judgement seen from one of its records (cluster walks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    pub judgement: i64,
    pub other: i64,
    /// None: offices disagree (a conflict on `verdict`).
    pub verdict: Option<Verdict>,
}

impl Txn<'_> {
    /// Writes `verdict` about records `a` and `b` (creating the judgement, or bringing back
    /// one an undo deleted). Returns the judgement's id.
    pub fn judge(
        &mut self,
        a: Uuid,
        b: Uuid,
        verdict: Verdict,
        reason: Option<&str>,
        prov: &Provenance,
    ) -> Result<Uuid> {
        self.check_judgeable(a, b)?;
        let (first, second) = ordered(a, b);
        let id = judgement_id(a, b);
        // A judgement says something about both records: at least as restricted as either,
        // and as what the analyst typed (joined with the case's, as every value).
        let mut marking =
            self.marking_context(id, prov.case)?.resolve(prov.marking.as_ref(), prov.clear_chosen);
        for end in [first, second] {
            if let Some(m) = self.record_marking(end)? {
                marking = marking.join(&m);
            }
        }
        let source = prov.source.as_deref().map(|s| self.source_record_marked(s, &marking)).transpose()?;
        let kind = Schema::builtin().kind(KIND)?;
        let reason = reason
            .map(|r| crate::model::validate(kind, "reason", r, crate::model::values::Locale::default()))
            .transpose()?;
        let before = self.current_verdict(id)?;
        match self.schema_of(id)? {
            None => self.create(id, KIND, None, None)?,
            Some(_) if self.is_deleted(id)? => self.restore_record(id)?,
            Some(_) => {}
        }
        let assertion = |prop: &str, value: &str| Assertion {
            source,
            grade: prov.grade.as_ref().map(ToString::to_string),
            case: prov.case,
            ..Assertion::marked(prop, value, &marking)
        };
        self.set(id, assertion("first", &first.to_string()))?;
        self.set(id, assertion("second", &second.to_string()))?;
        self.set(id, assertion("verdict", verdict.as_str()))?;
        match reason {
            Some(r) => self.set(id, assertion("reason", &r))?,
            // A reason given for an earlier, different verdict would read as this one's.
            None if before.is_some_and(|v| v != verdict.as_str()) && self.has_live(id, "reason")? => {
                self.set(id, assertion("reason", "(no reason given)"))?;
            }
            None => {}
        }
        Ok(id)
    }

    fn check_judgeable(&mut self, a: Uuid, b: Uuid) -> Result<()> {
        if a == b {
            return Err(StoreError::Input(format!(
                "a judgement compares two different records: both ids are {a}"
            )));
        }
        let mut kinds = Vec::with_capacity(2);
        for uid in [a, b] {
            let schema = self
                .schema_of(uid)?
                .ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?;
            let kind = Schema::builtin().kind(&schema)?;
            if kind.category != Category::Entity {
                return Err(StoreError::Input(format!(
                    "{uid} is a {schema}, not an entity: only people, companies and other entities are judged the same"
                )));
            }
            if self.is_deleted(uid)? {
                return Err(StoreError::Input(format!(
                    "{uid} is deleted: restore it first (`liaison entity restore {uid}`)"
                )));
            }
            kinds.push(kind);
        }
        // One kind, or a kind and a kind it extends (a Person may be the LegalEntity another
        // office recorded; a Person is never a Vehicle, nor a Company).
        if !kinds[0].is_a(&kinds[1].name) && !kinds[1].is_a(&kinds[0].name) {
            return Err(StoreError::Input(format!(
                "{a} is a {} and {b} is a {}: records of these kinds cannot be the same",
                kinds[0].name, kinds[1].name
            )));
        }
        Ok(())
    }

    fn current_verdict(&self, id: Uuid) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj
                 WHERE o.uid = ?1 AND s.prop = 'verdict' AND s.live = 1 AND o.deleted = 0
                 ORDER BY s.hlc DESC LIMIT 1",
            )?
            .query_row([id.as_bytes()], |r| r.get(0))
            .optional()?)
    }

    fn has_live(&self, id: Uuid, prop: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM stmt s JOIN object o ON o.n = s.obj WHERE o.uid = ?1 AND s.prop = ?2 AND s.live = 1",
            )?
            .query_row(params![id.as_bytes(), prop], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

/// Re-derives the `judged` rows of judgement `n` from its `first` and `second` statements
/// (called by projection, so a local write, an import and a rebuild all keep it).
pub(super) fn project(conn: &Connection, n: i64, first_projection: bool) -> Result<()> {
    if !first_projection {
        conn.prepare_cached("DELETE FROM judged WHERE obj = ?1")?.execute([n])?;
    }
    let Some((a, b)) = ends_of(conn, n)? else { return Ok(()) };
    let (a, b) = (object_n_or_placeholder(conn, a)?, object_n_or_placeholder(conn, b)?);
    for (rec, other) in [(a, b), (b, a)] {
        conn.prepare_cached("INSERT OR IGNORE INTO judged(rec, other, obj) VALUES(?1, ?2, ?3)")?
            .execute(params![rec, other, n])?;
    }
    Ok(())
}

/// The two records a judgement names (the latest value of each end, should offices ever
/// disagree: they cannot for one id, which is derived from both).
fn ends_of(conn: &Connection, n: i64) -> Result<Option<(Uuid, Uuid)>> {
    let end = |prop: &str| -> Result<Option<Uuid>> {
        let v: Option<String> = conn
            .prepare_cached(
                "SELECT value FROM stmt WHERE obj = ?1 AND prop = ?2 AND live = 1 ORDER BY hlc DESC LIMIT 1",
            )?
            .query_row(params![n, prop], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| Uuid::parse_str(&v).ok()))
    };
    Ok(end("first")?.zip(end("second")?).filter(|(a, b)| a != b))
}

/// "Karim BENALI = BENALI Karim": how the inbox and the history name judgement `n` (its own
/// caption is its verdict, which is what they are about).
pub(crate) fn caption(conn: &Connection, n: i64) -> Result<Option<String>> {
    let Some((a, b)) = ends_of(conn, n)? else { return Ok(None) };
    let name = |u: Uuid| -> Result<String> {
        let c: Option<String> = conn
            .prepare_cached("SELECT caption FROM object WHERE uid = ?1")?
            .query_row([u.as_bytes()], |r| r.get(0))
            .optional()?;
        Ok(c.filter(|c| !c.is_empty()).unwrap_or_else(|| u.to_string()))
    };
    Ok(Some(format!("{} = {}", name(a)?, name(b)?)))
}

/// A record's local number; a judgement may arrive before a record it names (ops of one
/// bundle are applied commit by commit), so the row is made as a placeholder, as the
/// applier does for any reference.
fn object_n_or_placeholder(conn: &Connection, uid: Uuid) -> Result<i64> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT n FROM object WHERE uid = ?1")?
        .query_row([uid.as_bytes()], |r| r.get(0))
        .optional()?;
    if let Some(n) = found {
        return Ok(n);
    }
    conn.prepare_cached("INSERT INTO object(uid, schema) VALUES(?1, '')")?.execute([uid.as_bytes()])?;
    Ok(conn.last_insert_rowid())
}

/// `store check`: the `judged` rows are exactly what the judgements' statements say.
pub(super) fn check(conn: &Connection) -> Result<Vec<String>> {
    let mut expected: BTreeSet<(i64, i64, i64)> = BTreeSet::new();
    let mut stmt = conn.prepare("SELECT n FROM object WHERE schema = ?1")?;
    let judgements: Vec<i64> = stmt.query_map([KIND], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for n in judgements {
        let Some((a, b)) = ends_of(conn, n)? else { continue };
        let number = |u: Uuid| -> Result<Option<i64>> {
            Ok(conn
                .prepare_cached("SELECT n FROM object WHERE uid = ?1")?
                .query_row([u.as_bytes()], |r| r.get(0))
                .optional()?)
        };
        if let (Some(a), Some(b)) = (number(a)?, number(b)?) {
            expected.insert((a, b, n));
            expected.insert((b, a, n));
        }
    }
    let held: BTreeSet<(i64, i64, i64)> = conn
        .prepare("SELECT rec, other, obj FROM judged")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut problems = Vec::new();
    let missing = expected.difference(&held).count();
    let extra = held.difference(&expected).count();
    if missing > 0 || extra > 0 {
        problems.push(format!(
            "judgement index: {missing} entries missing, {extra} not backed by a judgement (`liaison store rebuild` re-derives it)"
        ));
    }
    Ok(problems)
}

impl Store {
    /// The live judgements touching `uid`, newest first (one index seek on `judged`).
    pub fn judgements_of(&self, uid: Uuid) -> Result<Vec<JudgementView>> {
        let n =
            self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?;
        let objs: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT j.obj FROM judged j JOIN object o ON o.n = j.obj
                 WHERE j.rec = ?1 AND o.deleted = 0 AND o.schema = ?2 ORDER BY o.updated DESC, o.uid",
            )?
            .query_map(params![n, KIND], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        objs.into_iter().map(|j| self.judgement_view(j)).collect()
    }

    /// The store's live judgements, newest first, at most `limit`.
    pub fn judgement_list(&self, limit: u32) -> Result<Vec<JudgementView>> {
        let objs: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT n FROM object WHERE schema = ?1 AND deleted = 0 ORDER BY updated DESC, uid LIMIT ?2",
            )?
            .query_map(params![KIND, limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        objs.into_iter().map(|j| self.judgement_view(j)).collect()
    }

    /// The judgement `n`, with every current verdict.
    fn judgement_view(&self, n: i64) -> Result<JudgementView> {
        let (uid, marking): (Vec<u8>, String) =
            self.conn.query_row("SELECT uid, marking FROM object WHERE n = ?1", [n], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let mut records = Vec::with_capacity(2);
        if let Some((a, b)) = ends_of(&self.conn, n)? {
            for end in [a, b] {
                let r = match self.object_n(end)? {
                    Some(en) => record_ref(&self.conn, en)?,
                    None => None,
                };
                // A record this store has not received (yet): named by its id alone.
                records.push(r.unwrap_or(RecordRef {
                    id: end,
                    schema: String::new(),
                    caption: String::new(),
                }));
            }
        }
        let mut verdicts = self.verdict_heads(n)?;
        verdicts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.verdict.cmp(&b.1.verdict)));
        let distinct: BTreeSet<&str> = verdicts.iter().map(|(_, v)| v.verdict.as_str()).collect();
        let contested = distinct.len() > 1;
        let verdict = verdicts.first().map(|(_, v)| v.verdict.clone()).unwrap_or_default();
        let reason: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT value FROM stmt WHERE obj = ?1 AND prop = 'reason' AND live = 1 ORDER BY hlc DESC LIMIT 1",
            )?
            .query_row([n], |r| r.get(0))
            .optional()?;
        Ok(JudgementView {
            id: uid_from_blob(&uid),
            records,
            verdict,
            contested,
            verdicts: verdicts.into_iter().map(|(_, v)| v).collect(),
            reason,
            marking,
        })
    }

    /// See [`caption`].
    pub(crate) fn judgement_caption(&self, n: i64) -> Result<Option<String>> {
        caption(&self.conn, n)
    }

    /// The heads of `verdict` of judgement `n`, with (hlc, device) for ordering.
    fn verdict_heads(&self, n: i64) -> Result<Vec<((i64, Vec<u8>), VerdictView)>> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT h.hlc, h.device, h.assertion, d.office FROM head h LEFT JOIN device d ON d.id = h.device
                 WHERE h.obj = ?1 AND h.prop = 'verdict'",
            )?
            .query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (hlc, device, body, office) in rows {
            let Ok(a) = postcard::from_bytes::<Assertion>(&body) else { continue };
            let source = match a.source {
                Some(s) => self.record_label(s)?.map(|(_, caption)| caption),
                None => None,
            };
            let view = VerdictView {
                verdict: a.value,
                office: office.unwrap_or_else(|| super::offices::device_from_blob(&device).to_string()),
                recorded_at: Hlc(hlc).to_datetime().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                marking: a.marking,
                source,
                grade: a.grade,
            };
            out.push(((hlc, device), view));
        }
        Ok(out)
    }

    /// The live judgements of record `n` as edges (one index seek, then one small read each).
    /// A deleted record, or one this store has only heard named, joins no profile.
    pub(crate) fn judgement_edges(&self, n: i64) -> Result<Vec<Edge>> {
        let rows: Vec<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT j.obj, j.other FROM judged j JOIN object o ON o.n = j.obj
                 JOIN object r ON r.n = j.other
                 WHERE j.rec = ?1 AND o.deleted = 0 AND r.deleted = 0 AND r.schema <> '' ORDER BY j.obj",
            )?
            .query_map([n], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut edges = Vec::with_capacity(rows.len());
        for (judgement, other) in rows {
            let values: Vec<String> = self
                .conn
                .prepare_cached(
                    "SELECT DISTINCT value FROM stmt WHERE obj = ?1 AND prop = 'verdict' AND live = 1",
                )?
                .query_map([judgement], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let verdict = match values.as_slice() {
                [one] => Verdict::parse(one),
                [] => continue,
                _ => None,
            };
            edges.push(Edge { judgement, other, verdict });
        }
        Ok(edges)
    }
}
