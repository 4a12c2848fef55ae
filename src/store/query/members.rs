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

/// A member as [`Store::member_page`] reads it.
pub(super) struct Member {
    pub n: i64,
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub grade: Option<String>,
    pub marking: String,
    pub role: Option<String>,
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
        self.member_page(n, limit, offset)?
            .into_iter()
            .map(|m| {
                let links = self.capped_link_count(m.n)?;
                Ok(MemberRow {
                    id: m.id,
                    schema: m.schema,
                    caption: m.caption,
                    role: m.role,
                    grade: m.grade,
                    marking: m.marking,
                    links,
                })
            })
            .collect()
    }

    /// One page of the live members of case `case_n`, ordered by kind, caption and id (ids,
    /// not local numbers: the order must be the same in every office and after a rebuild).
    pub(super) fn member_page(&self, case_n: i64, limit: u32, offset: u32) -> Result<Vec<Member>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT e.n, e.uid, e.schema, e.caption, e.grade, e.marking,
                        (SELECT value FROM stmt WHERE obj = m.n AND prop = 'role' AND live = 1 LIMIT 1)
                 FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                 ORDER BY e.schema, e.caption, e.uid LIMIT ?2 OFFSET ?3",
            )?
            .query_map(params![case_n, limit, offset], |r| {
                Ok(Member {
                    n: r.get(0)?,
                    id: uid_from_blob(&r.get::<_, Vec<u8>>(1)?),
                    schema: r.get(2)?,
                    caption: r.get(3)?,
                    grade: r.get(4)?,
                    marking: r.get(5)?,
                    role: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
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
