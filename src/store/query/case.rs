//! Cases: the list, one case with its members and case work.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::Serialize;
use uuid::Uuid;

use super::{StatementView, uid_from_blob};
use crate::store::{Result, Store, StoreError};

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases with this status.
    pub status: Option<String>,
    /// Only cases whose reference or title contains this text (case-insensitive).
    pub text: Option<String>,
    pub limit: u32,
    pub offset: u32,
    /// Leave `members` at 0 (the workbench's pane: counting is slow on large cases).
    pub skip_member_count: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub lead_office: String,
    pub marking: String,
    pub members: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberView {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub role: Option<String>,
    pub grade: Option<String>,
    pub marking: String,
    /// Present with `--full`: every statement of the member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<Vec<StatementView>>,
    /// Present when this member is judged the same as other records: the row stands for the
    /// profile, and the other members of the profile on this page fold into it (their ids
    /// are in `profile.records`). Absent otherwise: the view reads as before any judgement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<MemberProfile>,
}

/// The profile a case member row stands for.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberProfile {
    /// The representative record's id.
    pub id: Uuid,
    /// "Karim Benali = Карим Бенали".
    pub caption: String,
    /// Every record of the profile (members of this case or not), by id.
    pub records: Vec<super::RecordRef>,
    /// The records folded into this row: members of the case on this page (with `--full`,
    /// nothing folds: each record keeps its row and its statements).
    pub members: Vec<Uuid>,
}

/// A note, operation or task, with its values by property.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecordView {
    pub id: Uuid,
    pub schema: String,
    pub fields: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CaseView {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub summary_text: Vec<String>,
    pub members: Vec<MemberView>,
    pub notes: Vec<RecordView>,
    pub operations: Vec<RecordView>,
    pub tasks: Vec<RecordView>,
}

impl Store {
    /// The live values of record `n`, by property.
    pub(crate) fn fields(&self, n: i64) -> Result<BTreeMap<String, Vec<String>>> {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT prop, value FROM stmt WHERE obj = ?1 AND live = 1 AND prop NOT LIKE '$%'
             ORDER BY prop, hlc, origin, value",
        )?;
        for row in stmt.query_map([n], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (p, v) = row?;
            let values = fields.entry(p).or_default();
            if !values.contains(&v) {
                values.push(v);
            }
        }
        Ok(fields)
    }

    /// The live cases holding `reference`, compared without regard to letter case (one, unless
    /// two offices opened the same reference unknowingly: see `duplicate_reference_rows`).
    pub fn case_reference_holders(&self, reference: &str) -> Result<Vec<Uuid>> {
        Ok(reference_holders(&self.conn, reference, 0)?.into_iter().map(|(uid, _)| uid).collect())
    }

    /// Finds a case by reference (or id).
    pub fn case_id(&self, reference: &str) -> Result<Uuid> {
        let found: Vec<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT o.uid FROM case_ref r JOIN object o ON o.n = r.obj WHERE r.ref = ?1 AND o.deleted = 0",
            )?
            .query_map([reference.trim()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match found.as_slice() {
            [one] => Ok(uid_from_blob(one)),
            [] => {
                if let Ok(uid) = self.resolve_id(reference) {
                    if self.conn.query_row(
                        "SELECT schema = 'Case' FROM object WHERE uid = ?1",
                        [uid.as_bytes()],
                        |r| r.get::<_, bool>(0),
                    )? {
                        return Ok(uid);
                    }
                }
                Err(StoreError::NotFound(format!(
                    "no case with reference {reference:?}: `liaison case list` shows them"
                )))
            }
            _ => Err(StoreError::Input(format!(
                "several cases have reference {reference:?}: use the case id instead"
            ))),
        }
    }

    /// One case, with at most `member_limit` members (from `member_offset`).
    pub fn case(&self, uid: Uuid, member_limit: u32, member_offset: u32, full: bool) -> Result<CaseView> {
        let n = self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no case {uid}")))?;
        let mut summary = self.case_fields(n, uid)?;
        summary.members = self.member_count(n)?;
        let summary_text = self.fields(n)?.remove("summary").unwrap_or_default();
        Ok(CaseView {
            summary,
            summary_text,
            members: self.members(n, member_limit, member_offset, full)?,
            notes: self.case_records(n, "Note")?,
            operations: self.case_records(n, "Operation")?,
            tasks: self.case_records(n, "Task")?,
        })
    }

    /// Members of case `n`, grouped by kind then caption; members judged the same are one
    /// row (the first of them on the page), which names the profile and the records folded.
    pub(crate) fn members(&self, n: i64, limit: u32, offset: u32, full: bool) -> Result<Vec<MemberView>> {
        let page = self.member_page(n, limit, offset)?;
        let profiles = self.profiles_of_ns(&page.iter().map(|m| m.n).collect::<Vec<_>>())?;
        let mut rows: Vec<MemberView> = Vec::with_capacity(page.len());
        for m in page {
            let profile = profiles.of(m.n);
            // With every statement (`--full`) each record keeps its row, so each statement
            // stays under the record it belongs to; the rows still name their profile.
            if let (Some(p), false) = (profile, full) {
                if let Some(row) = rows.iter_mut().find(|r| r.profile.as_ref().is_some_and(|q| q.id == p.id))
                {
                    if let Some(rp) = row.profile.as_mut() {
                        rp.members.push(m.id);
                    }
                    continue;
                }
            }
            rows.push(MemberView {
                id: m.id,
                schema: m.schema,
                caption: m.caption,
                role: m.role,
                grade: m.grade,
                marking: m.marking,
                statements: if full { Some(self.statements(m.n)?) } else { None },
                profile: profile.map(|p| MemberProfile {
                    id: p.id,
                    caption: p.caption.clone(),
                    records: p.records.clone(),
                    members: vec![m.id],
                }),
            });
        }
        Ok(rows)
    }

    /// The newest `limit` journal notes of case `uid`, newest first, each with its statements'
    /// source, grade, marking and writer (the workbench shows them under the case, whole).
    pub fn case_notes(&self, uid: Uuid, limit: u32) -> Result<Vec<super::EntityView>> {
        let n = self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no case {uid}")))?;
        let ids: Vec<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT uid FROM object WHERE src = ?1 AND schema = 'Note' AND deleted = 0
                 ORDER BY created DESC, uid LIMIT ?2",
            )?
            .query_map(params![n, limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|uid| self.entity(uid_from_blob(uid), 0)).collect()
    }

    fn case_records(&self, n: i64, schema: &str) -> Result<Vec<RecordView>> {
        let rows: Vec<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT n, uid FROM object WHERE src = ?1 AND schema = ?2 AND deleted = 0 ORDER BY created, uid",
            )?
            .query_map(params![n, schema], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(rn, uid)| {
                Ok(RecordView {
                    id: uid_from_blob(&uid),
                    schema: schema.to_owned(),
                    fields: self.fields(rn)?,
                })
            })
            .collect()
    }
}

/// Lower-cased case references held by more than one live case (a subquery). Cases are few (one
/// per network), so grouping them all stays small at 1M entities.
/// CROSS JOIN for the same reason as [`REFERENCE_HOLDERS`].
pub(crate) const SHARED_REFERENCES: &str =
    "SELECT lower(r.ref) FROM case_ref r CROSS JOIN object o ON o.n = r.obj
     WHERE o.deleted = 0 GROUP BY lower(r.ref) HAVING count(DISTINCT r.obj) > 1";

/// CROSS JOIN keeps `case_ref` (one row per case) outside: given the choice, SQLite walked
/// every record in `uid` order to skip the sort and looked each one up, a whole-table read per
/// case created (minutes each at 1M entities, once the table outgrew the page cache).
const REFERENCE_HOLDERS: &str = "SELECT o.uid, o.caption FROM case_ref r CROSS JOIN object o ON o.n = r.obj
     WHERE lower(r.ref) = lower(?1) AND r.obj != ?2 AND o.deleted = 0 ORDER BY o.uid";

/// The live cases other than record `except` (0: none) holding `reference`, compared without
/// regard to letter case: their ids and captions. On the store's connection or inside a
/// transaction, which sees its own writes.
pub(crate) fn reference_holders(
    conn: &Connection,
    reference: &str,
    except: i64,
) -> Result<Vec<(Uuid, String)>> {
    let found: Vec<(Vec<u8>, String)> = conn
        .prepare_cached(REFERENCE_HOLDERS)?
        .query_map(params![reference.trim(), except], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(found.into_iter().map(|(uid, caption)| (uid_from_blob(&uid), caption)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan SQLite picks for the reference check, outermost loop first.
    fn plan(sql: &str) -> Vec<String> {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrations::upgrade(&mut conn).unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // Unbound parameters are NULL: the plan does not depend on them.
        let mut rows = stmt.raw_query();
        let mut steps = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            steps.push(row.get::<_, String>(3).unwrap());
        }
        steps
    }

    /// Creating a case checks its reference; that check must read the case references, not
    /// walk every record (a whole-table read per case created at 1M entities).
    #[test]
    fn the_reference_checks_read_the_cases_not_every_record() {
        for sql in [REFERENCE_HOLDERS, SHARED_REFERENCES] {
            let plan = plan(sql);
            assert!(plan.iter().any(|step| step.starts_with("SCAN r")), "{plan:?}");
            assert!(!plan.iter().any(|step| step.starts_with("SCAN o")), "{plan:?}");
        }
    }
}
