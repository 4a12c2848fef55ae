//! The store's side of export: which records shared cases reach, and the op log read
//! commit by commit. The decisions (delta, release rules) are made in `exchange::plan`.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::offices::device_from_blob;
use super::query::uid_from_blob;
use super::{Result, Store, StoreError};
use crate::model::hlc::Hlc;
use crate::model::ids::DeviceId;
use crate::model::op::CommitHeader;

/// Kinds of records that hang off a case through `src`.
use super::query::CASE_RECORDS;

/// The records reached by a set of cases: each with the case it belongs to (for case
/// records: members, notes, operations, tasks, and the case itself), or None (entities and
/// the links between them).
#[derive(Debug, Default, Clone)]
pub struct CaseScope {
    pub records: super::export_scope::ScopeMap,
    /// Sources cited by statements of those records: (source, marking, case of the
    /// statement or of its record, author device) — enough to apply release rules.
    pub citations: Vec<(Uuid, String, Option<Uuid>, DeviceId)>,
}

/// A commit as stored, with the ops this store holds of it.
#[derive(Debug, Clone)]
pub struct StoredCommit {
    pub header: CommitHeader,
    pub header_bytes: Vec<u8>,
    pub sig: [u8; 64],
    pub ops: Vec<(u32, Vec<u8>)>,
}

thread_local! {
    /// How many times this thread computed a case scope: the cost an export with nothing
    /// new must not pay (read by tests through [`case_scope_reads`]).
    static CASE_SCOPE_READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many case scopes this thread has computed so far.
pub fn case_scope_reads() -> u64 {
    CASE_SCOPE_READS.with(std::cell::Cell::get)
}

impl Store {
    /// What `cases` reach. Deleted records are included (their tombstones must travel),
    /// except entities whose membership was deleted.
    pub fn case_scope(&self, cases: &[Uuid]) -> Result<CaseScope> {
        CASE_SCOPE_READS.with(|n| n.set(n.get() + 1));
        let c = &self.conn;
        c.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS x_case(n INTEGER PRIMARY KEY);
             CREATE TEMP TABLE IF NOT EXISTS x_member(n INTEGER PRIMARY KEY);
             CREATE TEMP TABLE IF NOT EXISTS x_scope(n INTEGER PRIMARY KEY, case_n INTEGER);
             DELETE FROM x_case; DELETE FROM x_member; DELETE FROM x_scope;",
        )?;
        for case in cases {
            c.prepare_cached(
                "INSERT OR IGNORE INTO x_case SELECT n FROM object WHERE uid = ?1 AND schema = 'Case'",
            )?
            .execute([case.as_bytes()])?;
        }
        c.execute_batch(&format!(
            "INSERT OR IGNORE INTO x_scope SELECT n, n FROM x_case;
             INSERT OR IGNORE INTO x_scope SELECT o.n, o.src FROM x_case k
               JOIN object o ON o.src = k.n WHERE o.schema IN {CASE_RECORDS};
             INSERT OR IGNORE INTO x_member SELECT o.dst FROM x_case k
               JOIN object o ON o.src = k.n
               WHERE o.schema = 'CaseMember' AND o.deleted = 0 AND o.dst IS NOT NULL;
             INSERT OR IGNORE INTO x_scope SELECT n, NULL FROM x_member;
             INSERT OR IGNORE INTO x_scope SELECT l.n, NULL FROM x_member a
               JOIN object l ON l.src = a.n JOIN x_member b ON b.n = l.dst
               WHERE l.schema NOT IN {CASE_RECORDS};
             -- Judgements between two members (issue 13): in scope as links are; the
             -- existence rule then sends one only with both its records.
             INSERT OR IGNORE INTO x_scope SELECT j.obj, NULL FROM x_member a
               JOIN judged j ON j.rec = a.n JOIN x_member b ON b.n = j.other;"
        ))?;
        // Sized once: at a million entities the scope is five million records, and a
        // vector grown by doubling would hold half as much again while it grows.
        let n: i64 = c.query_row("SELECT count(*) FROM x_scope", [], |r| r.get(0))?;
        let mut scope = CaseScope {
            records: super::export_scope::ScopeMap::with_capacity(n as usize),
            citations: Vec::new(),
        };
        let mut stmt = c.prepare(
            "SELECT o.uid, k.uid FROM x_scope x JOIN object o ON o.n = x.n
             LEFT JOIN object k ON k.n = x.case_n",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?)))? {
            let (uid, case) = row?;
            scope.records.push(uid_from_blob(&uid), case.map(|k| uid_from_blob(&k)));
        }
        scope.records.seal();
        // The distinct (source, marking, case, author) combinations are few; the statements
        // are many (16 million at a million entities). They are streamed and deduplicated
        // here rather than grouped by SQLite, whose sorter would hold them all in memory
        // (temp_store is memory: no plaintext temp files).
        let mut distinct: HashSet<(i64, String, Option<i64>, Vec<u8>)> = HashSet::new();
        let mut stmt = c.prepare(
            "SELECT s.source, s.marking, coalesce(s.case_n, x.case_n), s.origin
             FROM x_scope x JOIN stmt s ON s.obj = x.n WHERE s.source <> 0",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key: (i64, String, Option<i64>, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            if !distinct.contains(&key) {
                distinct.insert(key);
            }
        }
        let uid_of = |n: i64| -> Result<Option<Uuid>> {
            Ok(c.prepare_cached("SELECT uid FROM object WHERE n = ?1")?
                .query_row([n], |r| r.get::<_, Vec<u8>>(0))
                .optional()?
                .map(|b| uid_from_blob(&b)))
        };
        for (source, marking, case, origin) in distinct {
            let Some(source) = uid_of(source)? else { continue };
            let case = match case {
                Some(k) => uid_of(k)?,
                None => None,
            };
            scope.citations.push((source, marking, case, device_from_blob(&origin)));
        }
        Ok(scope)
    }

    /// A link's (source, target, schema) by its id.
    pub fn link_ends(&self, link: Uuid) -> Result<Option<(Uuid, Uuid, String)>> {
        let row: Option<(Option<Vec<u8>>, Option<Vec<u8>>, String)> = self
            .conn
            .prepare_cached(
                "SELECT a.uid, b.uid, l.schema FROM object l
                 LEFT JOIN object a ON a.n = l.src LEFT JOIN object b ON b.n = l.dst WHERE l.uid = ?1",
            )?
            .query_row([link.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(row.and_then(|(a, b, s)| Some((uid_from_blob(&a?), uid_from_blob(&b?), s))))
    }

    /// Links (not case records) with `entity` at either end.
    pub fn links_of_entity(&self, entity: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<Vec<u8>> = self
            .conn
            .prepare_cached(&format!(
                "SELECT l.uid FROM object e JOIN object l ON l.src = e.n OR l.dst = e.n
                 WHERE e.uid = ?1 AND l.schema NOT IN {CASE_RECORDS} AND l.schema <> ''
                 UNION ALL SELECT o.uid FROM object e JOIN judged j ON j.rec = e.n
                 JOIN object o ON o.n = j.obj WHERE e.uid = ?1"
            ))?
            .query_map([entity.as_bytes()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.iter().map(|b| uid_from_blob(b)).collect())
    }

    /// Every device with commits in this store.
    pub fn commit_authors(&self) -> Result<Vec<DeviceId>> {
        let rows: Vec<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT DISTINCT device FROM commit_log ORDER BY device")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.iter().map(|b| device_from_blob(b)).collect())
    }

    /// The clock of `device`'s commit `seq`, if held.
    pub fn commit_clock(&self, device: DeviceId, seq: u64) -> Result<Option<Hlc>> {
        let header: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT header FROM commit_log WHERE device = ?1 AND seq = ?2")?
            .query_row(params![device.0.as_slice(), seq as i64], |r| r.get(0))
            .optional()?;
        Ok(header.and_then(|h| CommitHeader::decode(&h).ok()).map(|h| h.hlc))
    }

    /// Number of op rows held of `device`'s commits after `after`.
    pub fn ops_after(&self, device: DeviceId, after: u64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(o.held), 0) FROM commit_log c JOIN commit_ops o ON o.commit_n = c.n WHERE c.device = ?1 AND c.seq > ?2",
            params![device.0.as_slice(), after as i64],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Calls `visit` for each of `device`'s commits with seq > `after`, in seq order.
    pub fn visit_commits(
        &self,
        device: DeviceId,
        after: u64,
        visit: &mut dyn FnMut(StoredCommit) -> std::result::Result<(), StoreError>,
    ) -> Result<()> {
        let mut commits = self
            .conn
            .prepare("SELECT n, header, sig FROM commit_log WHERE device = ?1 AND seq > ?2 ORDER BY seq")?;
        let mut rows = commits.query(params![device.0.as_slice(), after as i64])?;
        while let Some(row) = rows.next()? {
            let (n, header_bytes, sig): (i64, Vec<u8>, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let header = CommitHeader::decode(&header_bytes)
                .map_err(|e| StoreError::Corrupt(format!("commit {n}: {e}")))?;
            let op_rows = super::oplog::read_raw(&self.conn, n)?;
            visit(StoredCommit {
                header,
                header_bytes,
                sig: sig.try_into().map_err(|_| StoreError::Corrupt(format!("commit {n}: bad signature")))?,
                ops: op_rows,
            })?;
        }
        Ok(())
    }

    /// The handling of a value as this store holds it: (marking, case), for removals.
    pub fn value_handling(
        &self,
        record: Uuid,
        prop: &str,
        value: &str,
        source: Option<Uuid>,
    ) -> Result<Option<(String, Option<Uuid>)>> {
        let row: Option<(String, Option<Vec<u8>>)> = self
            .conn
            .prepare_cached(
                "SELECT s.marking, k.uid FROM stmt s JOIN object o ON o.n = s.obj
                 LEFT JOIN object src ON src.n = s.source AND s.source <> 0
                 LEFT JOIN object k ON k.n = s.case_n
                 WHERE o.uid = ?1 AND s.prop = ?2 AND s.value = ?3 AND src.uid IS ?4",
            )?
            .query_row(params![record.as_bytes(), prop, value, source.as_ref().map(Uuid::as_bytes)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.map(|(m, k)| (m, k.map(|k| uid_from_blob(&k)))))
    }

    /// (schema, caption) of records, for reports.
    pub fn record_label(&self, uid: Uuid) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT schema, caption FROM object WHERE uid = ?1")?
            .query_row([uid.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// The reference of a case, if the store holds it.
    pub fn case_reference(&self, case: Uuid) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT r.ref FROM object o JOIN case_ref r ON r.obj = o.n WHERE o.uid = ?1 LIMIT 1",
            )?
            .query_row([case.as_bytes()], |r| r.get(0))
            .optional()?)
    }
}
