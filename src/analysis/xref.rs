//! Cross-referencing: one set of records against the rest of the store — a case's members,
//! or what one import (a partner's bundle, another tool's file) brought in against what was
//! there before. The matching itself is `duplicates`; this file says which records form the
//! set.
//!
//! An import is named by its entry in the audit log (`liaison audit`: the `import` or
//! `interop import` entry, the number the import's last line prints). Its records are those
//! its commits wrote: the commits stored in the same transaction as that entry, i.e. received
//! after the previous audit entry was written and no later than this one.

use std::collections::HashSet;

use rusqlite::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;

use super::duplicates::{self, Report, Scope};
use crate::store::{Result, Store, StoreError};

/// What one import brought in.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImportSet {
    /// The import's audit entry.
    pub audit: i64,
    pub at: String,
    /// "import" (a bundle) or "interop import" (a file).
    pub action: String,
    /// The file or the sending office, as the audit entry names it.
    pub what: String,
    pub commits: usize,
    /// People, companies and the other kinds compared that the import wrote to.
    #[serde(skip)]
    pub records: HashSet<Uuid>,
    pub record_count: usize,
}

/// Matches of one set against the rest of the store.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Xref {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<ImportSet>,
    /// Records of the set that match at least one record outside it.
    pub matched_records: usize,
    #[serde(flatten)]
    pub report: Report,
}

fn millis(at: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(at).ok().map(|t| t.timestamp_millis())
}

/// The latest import's audit entry, if any.
pub fn latest_import(store: &Store) -> Result<Option<i64>> {
    Ok(store
        .conn()
        .query_row("SELECT max(n) FROM audit WHERE action IN ('import', 'interop import')", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten())
}

/// What the import logged as audit entry `entry` brought in.
pub fn import_set(store: &Store, entry: i64) -> Result<ImportSet> {
    let conn = store.conn();
    let row: Option<(String, String, String)> = conn
        .query_row("SELECT at, action, detail FROM audit WHERE n = ?1", [entry], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((at, action, detail)) = row else {
        return Err(StoreError::Input(format!(
            "there is no audit entry {entry}: `liaison audit list` shows the imports and their numbers"
        )));
    };
    if action != "import" && action != "interop import" {
        return Err(StoreError::Input(format!(
            "audit entry {entry} records \"{action}\", not an import: `liaison audit list` shows the imports and their numbers"
        )));
    }
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
    let what = detail
        .get("file")
        .or_else(|| detail.get("from"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let until = millis(&at).unwrap_or(i64::MAX);
    let since: i64 = conn
        .query_row("SELECT at FROM audit WHERE n < ?1 ORDER BY n DESC LIMIT 1", [entry], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .and_then(|a| millis(&a))
        .unwrap_or(0);
    let mut stmt =
        conn.prepare_cached("SELECT n FROM commit_log WHERE received_at >= ?1 AND received_at <= ?2")?;
    let commits: Vec<i64> = stmt.query_map([since, until], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut touched = HashSet::new();
    for c in &commits {
        for (_, op) in crate::store::oplog::read(conn, *c)? {
            touched.insert(op.object);
        }
    }
    // Only the records compared for duplicates count (not its links, not its Source record).
    let mut kind = conn.prepare_cached("SELECT schema FROM object WHERE uid = ?1")?;
    let mut records = HashSet::new();
    for id in touched {
        let schema: Option<String> = kind.query_row([id.as_bytes()], |r| r.get(0)).optional()?;
        if schema.is_some_and(|s| duplicates::KINDS.contains(&s.as_str())) {
            records.insert(id);
        }
    }
    Ok(ImportSet {
        audit: entry,
        at,
        action,
        what,
        commits: commits.len(),
        record_count: records.len(),
        records,
    })
}

fn matched(report: &Report, set: &HashSet<Uuid>) -> usize {
    let mut m: HashSet<Uuid> = HashSet::new();
    for c in &report.candidates {
        for id in [c.a.id, c.b.id] {
            if set.contains(&id) {
                m.insert(id);
            }
        }
    }
    m.len()
}

/// What import `entry` brought in against the records already held.
pub fn xref_import(store: &Store, entry: i64, min_score: Option<f64>, limit: Option<usize>) -> Result<Xref> {
    let set = import_set(store, entry)?;
    let scope = Scope { focus: Some(set.records.clone()), cross: true, min_score, ..Scope::default() };
    let mut report = duplicates::candidates(store, &scope)?;
    let matched_records = matched(&report, &set.records);
    if let Some(l) = limit {
        report.candidates.truncate(l);
    }
    Ok(Xref { import: Some(set), matched_records, report })
}

/// A case's members against the rest of the store.
pub fn xref_case(store: &Store, case: Uuid, min_score: Option<f64>, limit: Option<usize>) -> Result<Xref> {
    let members = duplicates::load::case_members(store, case)?;
    let scope = Scope { focus: Some(members.clone()), cross: true, min_score, ..Scope::default() };
    let mut report = duplicates::candidates(store, &scope)?;
    let matched_records = matched(&report, &members);
    if let Some(l) = limit {
        report.candidates.truncate(l);
    }
    Ok(Xref { import: None, matched_records, report })
}

/// Records (of the kinds compared) holding a live statement written by a device of `office`
/// (its name, any letter case). One pass over the statements: an xref reads every record
/// compared anyway.
pub fn office_records(store: &Store, office: &str) -> Result<HashSet<Uuid>> {
    let conn = store.conn();
    let devices: Vec<Vec<u8>> = conn
        .prepare_cached("SELECT id FROM device WHERE lower(office) = lower(?1)")?
        .query_map([office.trim()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if devices.is_empty() {
        return Err(StoreError::Input(format!(
            "no office named {:?} is known here: `liaison office list` shows them",
            office.trim()
        )));
    }
    let kinds = duplicates::KINDS.iter().map(|k| format!("'{}'", k.replace('\'', ""))).collect::<Vec<_>>();
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT o.uid FROM stmt s JOIN device d ON d.id = s.origin JOIN object o ON o.n = s.obj
         WHERE lower(d.office) = lower(?1) AND s.live = 1 AND o.deleted = 0 AND o.schema IN ({})",
        kinds.join(",")
    ))?;
    let found: Vec<Vec<u8>> =
        stmt.query_map([office.trim()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(found.iter().map(|b| crate::store::query::uid_from_blob(b)).collect())
}

/// One office's statements against another's: matches between records holding statements
/// written by `office` and records holding statements written by `against`. A record both
/// offices wrote to is on `office`'s side.
pub fn xref_offices(
    store: &Store,
    office: &str,
    against: &str,
    min_score: Option<f64>,
    limit: Option<usize>,
) -> Result<Xref> {
    let mine = office_records(store, office)?;
    let theirs = office_records(store, against)?;
    let scope = Scope { focus: Some(mine.clone()), cross: true, min_score, ..Scope::default() };
    let mut report = duplicates::candidates(store, &scope)?;
    report.candidates.retain(|c| {
        (mine.contains(&c.a.id) && theirs.contains(&c.b.id))
            || (mine.contains(&c.b.id) && theirs.contains(&c.a.id))
    });
    let matched_records = matched(&report, &mine);
    if let Some(l) = limit {
        report.candidates.truncate(l);
    }
    Ok(Xref { import: None, matched_records, report })
}
