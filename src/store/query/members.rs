//! The entities of a case as the workbench lists them: people first, then the other kinds
//! (or by kind, name, link count or grade), optionally only those whose name contains a text;
//! each with its role in the case, its strongest grade and how many links it has.
//! One page at a time; link counts stop at a cap so a hub with a million calls costs no more
//! than a quiet number, and the same cap bounds sorting by links.

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::entity::CASE_RECORDS;
use super::uid_from_blob;
use crate::store::{Result, Store, StoreError};

/// Link counts stop here; the screen shows "999+".
pub const LINK_COUNT_CAP: i64 = 999;
/// Most members sorted by their link count: every member's links are read to sort them
/// (a case of 50,000 members among five million links took over a minute), so a larger
/// case is filtered first.
pub const LINK_SORT_MAX: i64 = 5000;

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

/// The order of a case's members in the workbench.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberOrder {
    /// People first, then the other kinds, each group by name.
    #[default]
    PeopleFirst,
    /// By kind (alphabetical), then name.
    Kind,
    /// By name, whatever the kind.
    Name,
    /// Most links first (counted up to the cap).
    Links,
    /// Strongest grade first.
    Grade,
}

impl MemberOrder {
    /// The order after this one, as a key cycles them.
    #[must_use]
    pub fn next(self) -> MemberOrder {
        match self {
            MemberOrder::PeopleFirst => MemberOrder::Kind,
            MemberOrder::Kind => MemberOrder::Name,
            MemberOrder::Name => MemberOrder::Links,
            MemberOrder::Links => MemberOrder::Grade,
            MemberOrder::Grade => MemberOrder::PeopleFirst,
        }
    }

    /// How the pane title names the order.
    pub fn label(self) -> &'static str {
        match self {
            MemberOrder::PeopleFirst => "people first",
            MemberOrder::Kind => "by kind",
            MemberOrder::Name => "by name",
            MemberOrder::Links => "by links",
            MemberOrder::Grade => "by grade",
        }
    }

    /// The ORDER BY of a member page (`e` the entity, `links` its capped link count).
    /// Ties end on the id, not the local number: the same order in every office.
    fn sql(self) -> &'static str {
        match self {
            MemberOrder::PeopleFirst => "e.schema <> 'Person', e.schema, e.caption, e.uid",
            MemberOrder::Kind => "e.schema, e.caption, e.uid",
            MemberOrder::Name => "e.caption COLLATE NOCASE, e.schema, e.uid",
            MemberOrder::Links => "links DESC, e.caption, e.uid",
            MemberOrder::Grade => "e.grade_score DESC, e.caption, e.uid",
        }
    }
}

/// Which members of a case to list, and in what order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberQuery {
    /// Only members whose name contains this text (case-insensitive for ASCII letters).
    pub text: Option<String>,
    pub order: MemberOrder,
}

impl MemberQuery {
    /// The LIKE pattern of the text filter, `%` for none (wildcards typed are literal).
    fn pattern(&self) -> String {
        let text = self.text.as_deref().map(str::trim).unwrap_or_default();
        let escaped: String = text
            .chars()
            .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
            .collect();
        format!("%{escaped}%")
    }
}

/// A member's live links counted up to the cap in each direction, as SQL on `e.n`: the
/// second read of each side is bounded (the row at the cap exists or not), so a hub costs
/// no more than a quiet number.
const CAPPED_LINKS_SQL: &str = "(coalesce(
       (SELECT ?5 FROM object WHERE src = e.n AND deleted = 0
          AND schema NOT IN ('CaseMember','Note','Operation','Task','Rfi','RfiAnswer') LIMIT 1 OFFSET ?5 - 1),
       (SELECT count(*) FROM object WHERE src = e.n AND deleted = 0
          AND schema NOT IN ('CaseMember','Note','Operation','Task','Rfi','RfiAnswer')))
     + coalesce(
       (SELECT ?5 FROM object WHERE dst = e.n AND deleted = 0 AND schema <> 'CaseMember'
          LIMIT 1 OFFSET ?5 - 1),
       (SELECT count(*) FROM object WHERE dst = e.n AND deleted = 0 AND schema <> 'CaseMember')))";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KindCount {
    pub schema: String,
    pub count: i64,
}

impl Store {
    /// Members of case `case`, ordered by kind then caption, one page.
    pub fn case_members(&self, case: Uuid, limit: u32, offset: u32) -> Result<Vec<MemberRow>> {
        let q = MemberQuery { text: None, order: MemberOrder::Kind };
        self.case_members_where(case, &q, limit, offset)
    }

    /// Members of case `case` that `q` keeps, in its order, one page.
    pub fn case_members_where(
        &self,
        case: Uuid,
        q: &MemberQuery,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<MemberRow>> {
        let n = self.object_n(case)?.ok_or_else(|| StoreError::NotFound(format!("no case {case}")))?;
        if q.order == MemberOrder::Links {
            let many: i64 = self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                   AND e.caption LIKE ?2 ESCAPE '\\' LIMIT ?3)",
                )?
                .query_row(params![n, q.pattern(), LINK_SORT_MAX + 1], |r| r.get(0))?;
            if many > LINK_SORT_MAX {
                return Err(StoreError::Input(format!(
                    "sorting by links reads every member's links: filter the case to at most {LINK_SORT_MAX} entities first"
                )));
            }
        }
        self.filtered_member_page(n, q, limit, offset)?
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
                // The role after the sort, for the page's rows only (see `filtered_member_page`).
                "SELECT e.n, e.uid, e.schema, e.caption, e.grade, e.marking,
                    (SELECT value FROM stmt WHERE obj = e.m AND prop = 'role' AND live = 1 LIMIT 1)
             FROM (SELECT m.n AS m, e.n, e.uid, e.schema, e.caption, e.grade, e.marking
                   FROM object m JOIN object e ON e.n = m.dst
                   WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                   ORDER BY e.schema, e.caption, e.uid LIMIT ?2 OFFSET ?3) e
             ORDER BY e.schema, e.caption, e.uid",
            )?
            .query_map(params![case_n, limit, offset], member_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// One page of the live members of case `case_n` that `q` keeps, in its order. The
    /// link count is computed in SQL only to sort by it.
    fn filtered_member_page(
        &self,
        case_n: i64,
        q: &MemberQuery,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Member>> {
        let links = if q.order == MemberOrder::Links { CAPPED_LINKS_SQL } else { "0" };
        // The role is read for the page's rows only, after the sort: in the select list of
        // the sorting query it was read for every member (2,000 look-ups for a page of 80).
        let sql = format!(
            "SELECT e.n, e.uid, e.schema, e.caption, e.grade, e.marking,
                    (SELECT value FROM stmt WHERE obj = e.m AND prop = 'role' AND live = 1 LIMIT 1),
                    e.links
             FROM (SELECT m.n AS m, e.n, e.uid, e.schema, e.caption, e.grade, e.marking,
                          e.grade_score, {links} AS links
                   FROM object m JOIN object e ON e.n = m.dst
                   WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                     AND e.caption LIKE ?4 ESCAPE '\\'
                   ORDER BY {order} LIMIT ?2 OFFSET ?3) e
             ORDER BY {order}",
            order = q.order.sql()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let map = member_row;
        let rows = if q.order == MemberOrder::Links {
            stmt.query_map(params![case_n, limit, offset, q.pattern(), LINK_COUNT_CAP + 1], map)?
                .collect::<Result<_, _>>()?
        } else {
            stmt.query_map(params![case_n, limit, offset, q.pattern()], map)?.collect::<Result<_, _>>()?
        };
        Ok(rows)
    }

    /// How many members of each kind case `case` has.
    pub fn case_member_kinds(&self, case: Uuid) -> Result<Vec<KindCount>> {
        self.case_member_kinds_where(case, &MemberQuery::default())
    }

    /// How many members of each kind case `case` has among those `q` keeps.
    pub fn case_member_kinds_where(&self, case: Uuid, q: &MemberQuery) -> Result<Vec<KindCount>> {
        let n = self.object_n(case)?.ok_or_else(|| StoreError::NotFound(format!("no case {case}")))?;
        let rows = self
            .conn
            .prepare_cached(
                "SELECT e.schema, count(*) FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                   AND e.caption LIKE ?2 ESCAPE '\\'
                 GROUP BY e.schema ORDER BY e.schema <> 'Person', e.schema",
            )?
            .query_map(params![n, q.pattern()], |r| Ok(KindCount { schema: r.get(0)?, count: r.get(1)? }))?
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

/// A member from the first seven columns of a member query (n, uid, schema, caption, grade,
/// marking, role).
fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        n: r.get(0)?,
        id: uid_from_blob(&r.get::<_, Vec<u8>>(1)?),
        schema: r.get(2)?,
        caption: r.get(3)?,
        grade: r.get(4)?,
        marking: r.get(5)?,
        role: r.get(6)?,
    })
}
