//! The entities of a case as the workbench lists them: grouped by kind (the order of the
//! rows), each with its role in the case, its strongest grade and how many links it has.
//! One page at a time; link counts stop at a cap so a hub with a million calls costs no more
//! than a quiet number.

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::entity::CASE_RECORDS;
use super::uid_from_blob;
use crate::store::{Result, Store, StoreError};

/// Link counts stop here; the screen shows "999+".
pub const LINK_COUNT_CAP: i64 = 999;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberRow {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub role: Option<String>,
    pub grade: Option<String>,
    pub marking: String,
    /// Live links of the entity (both directions), at most [`LINK_COUNT_CAP`] + 1.
    pub links: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KindCount {
    pub schema: String,
    pub count: i64,
}

impl Store {
    /// Members of case `case`, ordered by kind then caption, one page.
    pub fn case_members(&self, case: Uuid, limit: u32, offset: u32) -> Result<Vec<MemberRow>> {
        let n = self.object_n(case)?.ok_or_else(|| StoreError::NotFound(format!("no case {case}")))?;
        let rows: Vec<(i64, Vec<u8>, String, String, Option<String>, String, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT e.n, e.uid, e.schema, e.caption, e.grade, e.marking,
                        (SELECT value FROM stmt WHERE obj = m.n AND prop = 'role' AND live = 1 LIMIT 1)
                 FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                 ORDER BY e.schema, e.caption, e.n LIMIT ?2 OFFSET ?3",
            )?
            .query_map(params![n, limit, offset], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(en, uid, schema, caption, grade, marking, role)| {
                Ok(MemberRow {
                    id: uid_from_blob(&uid),
                    schema,
                    caption,
                    role,
                    grade,
                    marking,
                    links: self.capped_link_count(en)?,
                })
            })
            .collect()
    }

    /// How many members of each kind case `case` has.
    pub fn case_member_kinds(&self, case: Uuid) -> Result<Vec<KindCount>> {
        let n = self.object_n(case)?.ok_or_else(|| StoreError::NotFound(format!("no case {case}")))?;
        let rows = self
            .conn
            .prepare_cached(
                "SELECT e.schema, count(*) FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                 GROUP BY e.schema ORDER BY e.schema",
            )?
            .query_map([n], |r| Ok(KindCount { schema: r.get(0)?, count: r.get(1)? }))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Live links of record `n`, counted up to [`LINK_COUNT_CAP`] + 1 in each direction.
    fn capped_link_count(&self, n: i64) -> Result<i64> {
        let out: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM object WHERE src = ?1 AND deleted = 0
                   AND schema NOT IN {CASE_RECORDS} LIMIT ?2)"
            ))?
            .query_row(params![n, LINK_COUNT_CAP + 1], |r| r.get(0))?;
        let inward: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM object WHERE dst = ?1 AND deleted = 0
                   AND schema <> 'CaseMember' LIMIT ?2)",
            )?
            .query_row(params![n, LINK_COUNT_CAP + 1], |r| r.get(0))?;
        Ok((out + inward).min(LINK_COUNT_CAP + 1))
    }
}
