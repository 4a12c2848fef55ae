//! One record with every statement and its provenance, and its links.

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::{RecordRef, record_ref, uid_from_blob};
use crate::model::hlc::Hlc;
use crate::model::ids::DeviceId;
use crate::store::{Result, Store, StoreError};

/// Records of these kinds hang off a case through `src`; they are not links of an entity.
pub(crate) const CASE_RECORDS: &str = "('CaseMember','Note','Operation','Task','Rfi','RfiAnswer')";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatementView {
    pub prop: String,
    pub value: String,
    pub source: Option<SourceRef>,
    pub grade: Option<String>,
    pub marking: String,
    /// Device that recorded the latest version of this value, and its office.
    pub origin: String,
    pub office: Option<String>,
    /// The analyst who wrote the latest version of this value; none for values written
    /// before analysts were recorded.
    pub analyst: Option<String>,
    pub recorded_at: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// Reference of the case the value was recorded under.
    pub case: Option<String>,
    /// Another office holds a different current value of this single-valued property.
    pub conflict: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkView {
    pub id: Uuid,
    pub schema: String,
    /// "out" when this record is the link's source, "in" when it is the target.
    pub direction: &'static str,
    pub other: RecordRef,
    pub dates: Vec<String>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CaseMembership {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntityView {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    pub deleted: bool,
    pub grade: Option<String>,
    pub marking: String,
    /// For a link: its two ends.
    pub source: Option<RecordRef>,
    pub target: Option<RecordRef>,
    pub statements: Vec<StatementView>,
    pub links: Vec<LinkView>,
    pub link_count: i64,
    pub cases: Vec<CaseMembership>,
}

/// A record one or two hops away, reached through `via`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Neighbour {
    pub depth: u8,
    pub via: LinkView,
    /// Two hops out: the neighbour `via` starts from ("via Karim Benali").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through: Option<RecordRef>,
}

impl Store {
    /// Everything known of one record; at most `link_limit` of its links.
    pub fn entity(&self, uid: Uuid, link_limit: u32) -> Result<EntityView> {
        let n =
            self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?;
        let (schema, caption, deleted, grade, marking, src, dst): (
            String,
            String,
            bool,
            Option<String>,
            String,
            Option<i64>,
            Option<i64>,
        ) = self.conn.query_row(
            "SELECT schema, caption, deleted, grade, marking, src, dst FROM object WHERE n = ?1",
            [n],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )?;
        let statements = self.statements(n)?;
        let link_count: i64 = self.conn.query_row(
            &format!(
                "SELECT (SELECT count(*) FROM object WHERE src = ?1 AND deleted = 0 AND schema NOT IN {CASE_RECORDS})
                      + (SELECT count(*) FROM object WHERE dst = ?1 AND deleted = 0 AND schema <> 'CaseMember')"
            ),
            [n],
            |r| r.get(0),
        )?;
        Ok(EntityView {
            id: uid,
            schema,
            caption,
            deleted,
            grade,
            marking,
            source: src.map(|s| record_ref(&self.conn, s)).transpose()?.flatten(),
            target: dst.map(|d| record_ref(&self.conn, d)).transpose()?.flatten(),
            statements,
            links: self.links_of(n, link_limit, 0)?,
            link_count,
            cases: self.cases_of(n)?,
        })
    }

    /// The live statements of record `n`, by property then time.
    pub(crate) fn statements(&self, n: i64) -> Result<Vec<StatementView>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.prop, s.value, src.uid, src.caption, s.grade, s.marking, s.origin, d.office,
                    s.hlc, s.valid_from, s.valid_to, cr.ref,
                    EXISTS(SELECT 1 FROM conflict c WHERE c.obj = s.obj AND c.prop = s.prop),
                    -- The value's op is in its device's first commit at or after its clock.
                    (SELECT cl.analyst FROM commit_log cl WHERE cl.device = s.origin AND cl.hlc >= s.hlc
                     ORDER BY cl.hlc LIMIT 1)
             FROM stmt s
             LEFT JOIN object src ON src.n = s.source AND s.source <> 0
             LEFT JOIN device d ON d.id = s.origin
             LEFT JOIN case_ref cr ON cr.obj = s.case_n
             WHERE s.obj = ?1 AND s.live = 1 AND s.prop NOT LIKE '$%'
             ORDER BY s.prop, s.hlc, s.origin, s.value, src.uid",
        )?;
        let rows = stmt.query_map([n], |r| {
            let source_uid: Option<Vec<u8>> = r.get(2)?;
            let origin: Vec<u8> = r.get(6)?;
            Ok(StatementView {
                prop: r.get(0)?,
                value: r.get(1)?,
                source: source_uid
                    .map(|u| SourceRef { id: uid_from_blob(&u), name: r.get(3).unwrap_or_default() }),
                grade: r.get(4)?,
                marking: r.get(5)?,
                origin: DeviceId(origin.try_into().unwrap_or_default()).to_string(),
                office: r.get(7)?,
                analyst: r.get(13)?,
                recorded_at: Hlc(r.get(8)?)
                    .to_datetime()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                valid_from: r.get(9)?,
                valid_to: r.get(10)?,
                case: r.get(11)?,
                conflict: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Links touching record `n` (both directions), newest records first.
    pub(crate) fn links_of(&self, n: i64, limit: u32, offset: u32) -> Result<Vec<LinkView>> {
        let sql = format!(
            "SELECT l.n, l.uid, l.schema, 'out', l.dst, l.grade, l.created FROM object l
               WHERE l.src = ?1 AND l.deleted = 0 AND l.schema NOT IN {CASE_RECORDS}
             UNION ALL
             SELECT l.n, l.uid, l.schema, 'in', l.src, l.grade, l.created FROM object l
               WHERE l.dst = ?1 AND l.deleted = 0 AND l.schema <> 'CaseMember'
             ORDER BY 7 DESC, 2 LIMIT ?2 OFFSET ?3"
        );
        let rows: Vec<(i64, Vec<u8>, String, String, Option<i64>, Option<String>)> = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![n, limit, offset], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut links = Vec::with_capacity(rows.len());
        for (ln, uid, schema, dir, other, grade) in rows {
            let Some(other) = other.map(|o| record_ref(&self.conn, o)).transpose()?.flatten() else {
                continue;
            };
            let dates: Vec<String> = self
                .conn
                .prepare_cached("SELECT at FROM timeline WHERE obj = ?1 ORDER BY at")?
                .query_map([ln], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            links.push(LinkView {
                id: uid_from_blob(&uid),
                schema,
                direction: if dir == "out" { "out" } else { "in" },
                other,
                dates,
                grade,
            });
        }
        Ok(links)
    }

    /// Cases the record `n` is a member of.
    fn cases_of(&self, n: i64) -> Result<Vec<CaseMembership>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.uid, coalesce(cr.ref, ''), c.caption,
                    (SELECT value FROM stmt WHERE obj = m.n AND prop = 'role' AND live = 1 LIMIT 1)
             FROM object m JOIN object c ON c.n = m.src
             LEFT JOIN case_ref cr ON cr.obj = c.n
             WHERE m.dst = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND c.deleted = 0
             ORDER BY 2",
        )?;
        let rows = stmt.query_map([n], |r| {
            Ok(CaseMembership {
                id: uid_from_blob(&r.get::<_, Vec<u8>>(0)?),
                reference: r.get(1)?,
                title: r.get(2)?,
                role: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records within two hops of `uid` through links: the neighbourhood an analyst pivots
    /// to. Bounded by `limit` at each hop so a hub of a million calls stays quick.
    pub fn neighbourhood(&self, uid: Uuid, hops: u8, limit: u32) -> Result<Vec<Neighbour>> {
        let n =
            self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?;
        let mut out: Vec<Neighbour> = self
            .links_of(n, limit, 0)?
            .into_iter()
            .map(|via| Neighbour { depth: 1, via, through: None })
            .collect();
        if hops >= 2 {
            let first: Vec<RecordRef> = out.iter().map(|nb| nb.via.other.clone()).collect();
            let mut seen: std::collections::HashSet<Uuid> = first.iter().map(|r| r.id).collect();
            seen.insert(uid);
            let per_node = (limit / (first.len().max(1) as u32)).max(5);
            for other in first {
                let Some(on) = self.object_n(other.id)? else { continue };
                for via in self.links_of(on, per_node, 0)? {
                    if seen.insert(via.other.id) {
                        out.push(Neighbour { depth: 2, via, through: Some(other.clone()) });
                    }
                }
                if out.len() as u32 >= limit * 2 {
                    break;
                }
            }
        }
        Ok(out)
    }
}
