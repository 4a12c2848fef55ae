//! Read-side passes for the release rules (DESIGN §5b): what each office said about its
//! own sharing (the `sharedWith` statements on cases, the `revoked` statements of its
//! `Office` record), and a streaming pass over the statements of an export's scope so the
//! plan can tell which records a recipient may learn exist. None loads a whole table.

use std::collections::HashMap;

use rusqlite::params;
use uuid::Uuid;

use super::uid_from_blob;
use crate::model::ids::DeviceId;
use crate::model::op::DELETED;
use crate::store::offices::device_from_blob;
use crate::store::{Result, Store};

/// The property of a Case naming an office the case is shared with.
pub const SHARED_WITH: &str = "sharedWith";
/// The property of an Office record naming an office it revoked.
pub const REVOKED: &str = "revoked";
/// The kind of the record each office keeps about itself.
pub const OFFICE_KIND: &str = "Office";

/// A live `sharedWith` statement: `office` named on `case`, written by device `origin`
/// on behalf of the office whose Office record is `on_behalf_of` (the statement's source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNaming {
    pub case: Uuid,
    pub office: String,
    pub origin: DeviceId,
    pub on_behalf_of: Uuid,
}

/// A live `revoked` statement: the Office record `on_behalf_of` revoked `office`, written
/// by device `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub office: String,
    pub origin: DeviceId,
    pub on_behalf_of: Uuid,
}

/// A record of an export's scope and its ends, for the existence rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeEnds {
    pub record: Uuid,
    pub schema: String,
    /// A link's source, a case record's case.
    pub src: Option<Uuid>,
    /// A link's target, a membership's entity.
    pub dst: Option<Uuid>,
}

impl Store {
    /// Every live `sharedWith` statement on a case.
    pub fn case_namings(&self) -> Result<Vec<CaseNaming>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.uid, s.value, s.origin, src.uid FROM stmt s JOIN object o ON o.n = s.obj
             JOIN object src ON src.n = s.source
             WHERE s.prop = ?1 AND s.live = 1 AND o.schema = 'Case'",
        )?;
        let rows = stmt.query_map([SHARED_WITH], |r| {
            Ok(CaseNaming {
                case: uid_from_blob(&r.get::<_, Vec<u8>>(0)?),
                office: r.get(1)?,
                origin: device_from_blob(&r.get::<_, Vec<u8>>(2)?),
                on_behalf_of: uid_from_blob(&r.get::<_, Vec<u8>>(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every live `revoked` statement of an Office record.
    pub fn office_revocations(&self) -> Result<Vec<Revocation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.value, s.origin, o.uid FROM stmt s JOIN object o ON o.n = s.obj
             WHERE s.prop = ?1 AND s.live = 1 AND o.schema = ?2",
        )?;
        let rows = stmt.query_map(params![REVOKED, OFFICE_KIND], |r| {
            Ok(Revocation {
                office: r.get(0)?,
                origin: device_from_blob(&r.get::<_, Vec<u8>>(1)?),
                on_behalf_of: uid_from_blob(&r.get::<_, Vec<u8>>(2)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every Office record this store holds (each office's word on its own sharing, which
    /// every bundle carries).
    pub fn office_records(&self) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached("SELECT uid FROM object WHERE schema = ?1")?;
        let rows = stmt.query_map([OFFICE_KIND], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|b| b.map(|b| uid_from_blob(&b)).map_err(Into::into)).collect()
    }

    /// Streams the statements of the records in the scope [`Store::case_scope`] computed
    /// last — every value held, live or removed, but not tombstones — as (record, marking,
    /// case of the statement or of its record, author device). `visit` returns true once the
    /// record is settled, and the record's further statements are skipped when they follow.
    pub fn visit_scope_statements(
        &self,
        visit: &mut dyn FnMut(Uuid, &str, Option<Uuid>, DeviceId) -> bool,
    ) -> Result<()> {
        let c = &self.conn;
        let mut cases: HashMap<i64, Option<Uuid>> = HashMap::new();
        let mut stmt = c.prepare(
            "SELECT x.n, o.uid, s.marking, coalesce(s.case_n, x.case_n), s.origin
             FROM x_scope x JOIN object o ON o.n = x.n JOIN stmt s ON s.obj = x.n
             WHERE s.prop <> ?1",
        )?;
        let mut rows = stmt.query([DELETED])?;
        let mut settled: Option<i64> = None;
        while let Some(r) = rows.next()? {
            let n: i64 = r.get(0)?;
            if settled == Some(n) {
                continue;
            }
            let case = match r.get::<_, Option<i64>>(3)? {
                None => None,
                Some(k) => {
                    if let Some(u) = cases.get(&k) {
                        *u
                    } else {
                        let u = self.uid_of(k)?;
                        cases.insert(k, u);
                        u
                    }
                }
            };
            let uid = uid_from_blob(&r.get::<_, Vec<u8>>(1)?);
            let origin = device_from_blob(&r.get::<_, Vec<u8>>(4)?);
            let marking = r.get_ref(2)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
            })?;
            if visit(uid, marking, case, origin) {
                settled = Some(n);
            }
        }
        Ok(())
    }

    /// The records with ends (links, memberships, case records, judgements) in the scope
    /// [`Store::case_scope`] computed last, streamed.
    pub fn visit_scope_ends(&self, visit: &mut dyn FnMut(ScopeEnds)) -> Result<()> {
        // A judgement names its two records in statements (see `store::judgements`); its
        // `judged` rows give them here, so it travels only with both, as a link does.
        let mut stmt = self.conn.prepare(
            "SELECT o.uid, o.schema, a.uid, b.uid FROM x_scope x JOIN object o ON o.n = x.n
             LEFT JOIN object a ON a.n = o.src LEFT JOIN object b ON b.n = o.dst
             WHERE o.src IS NOT NULL OR o.dst IS NOT NULL
             UNION ALL
             SELECT o.uid, o.schema, a.uid, b.uid FROM x_scope x JOIN object o ON o.n = x.n
             JOIN judged j ON j.obj = x.n AND j.rec < j.other
             JOIN object a ON a.n = j.rec JOIN object b ON b.n = j.other",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let uid = |i: usize| -> rusqlite::Result<Option<Uuid>> {
                Ok(r.get::<_, Option<Vec<u8>>>(i)?.map(|b| uid_from_blob(&b)))
            };
            visit(ScopeEnds {
                record: uid(0)?.unwrap_or_default(),
                schema: r.get(1)?,
                src: uid(2)?,
                dst: uid(3)?,
            });
        }
        Ok(())
    }

    /// The statements of one record (not tombstones): (marking, case, author device).
    pub fn record_statements(&self, record: Uuid) -> Result<Vec<(String, Option<Uuid>, DeviceId)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.marking, k.uid, s.origin FROM object o JOIN stmt s ON s.obj = o.n
             LEFT JOIN object k ON k.n = s.case_n WHERE o.uid = ?1 AND s.prop <> ?2",
        )?;
        let rows = stmt.query_map(params![record.as_bytes(), DELETED], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<Vec<u8>>>(1)?.map(|b| uid_from_blob(&b)),
                device_from_blob(&r.get::<_, Vec<u8>>(2)?),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn uid_of(&self, n: i64) -> Result<Option<Uuid>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .prepare_cached("SELECT uid FROM object WHERE n = ?1")?
            .query_row([n], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
            .map(|b| uid_from_blob(&b)))
    }
}
