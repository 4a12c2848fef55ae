//! Watchlists: "tell me the moment this plate shows up". An office watches selectors (a
//! phone, a plate, an IBAN…) and records; whenever a write — the analyst's own, a file import
//! or a bundle — brings a statement naming one, an alert is kept, said in the import's report
//! and counted in its audit entry, and shown by the workbench.
//!
//! Matching happens where every write ends: the re-projection of the records it touched
//! (`Txn::seal`, `RemoteTxn::project_touched`), so no face can write around it. With nothing
//! watched it costs one small query per commit.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::offices::ms_to_text;
use crate::model::hlc::Clock;

use super::query::uid_from_blob;
use super::{Result, Store, StoreError};
use crate::model::schema::Schema;
use crate::model::selector::{Selector, SelectorKind, kind_of_property};
use crate::model::values::Locale;

pub(super) const V8: &str = r"
-- What this office watches: selectors (kind, normalised value) and records (kind 'record',
-- value the uid). Local: a watchlist is never sent.
CREATE TABLE watch(
  n INTEGER PRIMARY KEY,
  typed TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  added_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE UNIQUE INDEX watch_value ON watch(kind, value) WHERE removed_at IS NULL;
-- Statements that named a watched selector or record, each once. via: the write that
-- brought it ('already held' for what the store held when the watch was added).
CREATE TABLE watch_alert(
  n INTEGER PRIMARY KEY,
  watch INTEGER NOT NULL,
  record BLOB NOT NULL,
  prop TEXT NOT NULL,
  value TEXT NOT NULL,
  via TEXT NOT NULL,
  at INTEGER NOT NULL,
  UNIQUE(watch, record, prop, value)
);
";

/// Kind of a watch on a record rather than a selector.
const RECORD: &str = "record";
/// What the store held when a watch was added: listed, never alerted.
const ALREADY_HELD: &str = "already held";

/// One statement that named something watched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// The watch entry's number.
    pub watch: i64,
    /// What is watched, as typed.
    pub watched: String,
    pub kind: String,
    pub record: Uuid,
    pub schema: String,
    pub caption: String,
    pub prop: String,
    pub value: String,
    /// The write that brought it ("import", "interop import", "entity new"…).
    pub via: String,
    pub at: String,
}

/// One watch entry with its alerts so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchEntry {
    pub n: i64,
    pub typed: String,
    /// The kinds it is watched as (a string like "AB123" may be a plate and a document).
    pub kinds: Vec<String>,
    pub note: String,
    pub added_at: String,
    pub alerts: u64,
    /// Statements the store already held when the watch was added.
    pub already_held: u64,
}

/// The watched selectors and records, by (kind, value) → (watch n, typed).
fn watched(conn: &Connection) -> Result<HashMap<(String, String), (i64, String)>> {
    let mut q = conn.prepare_cached("SELECT n, kind, value, typed FROM watch WHERE removed_at IS NULL")?;
    let rows = q.query_map([], |r| Ok(((r.get(1)?, r.get(2)?), (r.get(0)?, r.get(3)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The (kind, value) a statement is matched as, if its property holds selectors.
fn selector_of(schema: &str, prop: &str, value: &str) -> Option<(String, String)> {
    let kind = Schema::builtin().kind(schema).ok()?;
    let prop_type = kind.properties.get(prop)?.kind;
    let selector_kind = kind_of_property(schema, prop, prop_type)?;
    let s = Selector::new(selector_kind, value, Locale::default()).ok()?;
    Some((s.kind.name().to_owned(), s.value))
}

/// Matches statements against the watchlist and keeps the alerts they raise (each once).
struct Matcher<'c> {
    list: HashMap<(String, String), (i64, String)>,
    insert: rusqlite::CachedStatement<'c>,
    via: String,
    at: i64,
    alerts: Vec<Alert>,
}

impl Matcher<'_> {
    fn consider(&mut self, r: &rusqlite::Row<'_>) -> Result<()> {
        let uid = uid_from_blob(&r.get::<_, Vec<u8>>(0)?);
        let (schema, caption, prop, value): (String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let by_record = self.list.get(&(RECORD.to_owned(), uid.to_string())).map(|w| (RECORD.to_owned(), w));
        let by_selector =
            selector_of(&schema, &prop, &value).and_then(|k| self.list.get(&k).map(|w| (k.0, w)));
        for (kind, (watch, typed)) in by_record.into_iter().chain(by_selector) {
            let row = params![watch, uid.as_bytes().as_slice(), prop, value, self.via, self.at];
            if self.insert.execute(row)? == 1 {
                self.alerts.push(Alert {
                    watch: *watch,
                    watched: typed.clone(),
                    kind,
                    record: uid,
                    schema: schema.clone(),
                    caption: caption.clone(),
                    prop: prop.clone(),
                    value: value.clone(),
                    via: self.via.clone(),
                    at: ms_to_text(self.at),
                });
            }
        }
        Ok(())
    }
}

const STATEMENTS: &str =
    "SELECT o.uid, o.schema, o.caption, s.prop, s.value FROM object o JOIN stmt s ON s.obj = o.n
     WHERE s.live = 1 AND o.deleted = 0 AND o.schema <> ''";

fn matcher<'c>(conn: &'c Connection, via: &str) -> Result<Option<Matcher<'c>>> {
    let list = watched(conn)?;
    if list.is_empty() {
        return Ok(None);
    }
    let insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO watch_alert(watch, record, prop, value, via, at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    Ok(Some(Matcher { list, insert, via: via.to_owned(), at: Clock::now_ms(), alerts: Vec::new() }))
}

/// Inside a write, after the records numbered `touched` were re-projected: keeps and returns
/// the alerts their live statements raise (each statement once).
pub(super) fn check(conn: &Connection, touched: &[i64], via: &str) -> Result<Vec<Alert>> {
    if touched.is_empty() {
        return Ok(Vec::new());
    }
    let Some(mut m) = matcher(conn, via)? else { return Ok(Vec::new()) };
    let mut q = conn.prepare_cached(&format!("{STATEMENTS} AND o.n = ?1"))?;
    for n in touched {
        let mut rows = q.query([n])?;
        while let Some(r) = rows.next()? {
            m.consider(r)?;
        }
    }
    Ok(m.alerts)
}

/// Every statement held, in one pass (a watch just added: what the store already holds).
fn check_all(conn: &Connection, via: &str) -> Result<usize> {
    let Some(mut m) = matcher(conn, via)? else { return Ok(0) };
    let mut q = conn.prepare(STATEMENTS)?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        m.consider(r)?;
    }
    Ok(m.alerts.len())
}

impl Store {
    /// Watches `typed`: a record id, or a selector read as every kind that accepts it (or as
    /// `kind` only). Statements the store already holds are listed as "already held", so that
    /// only what arrives later alerts. Returns the entry.
    pub fn watch_add(&mut self, typed: &str, kind: Option<SelectorKind>, note: &str) -> Result<WatchEntry> {
        let typed = typed.trim();
        let mut keys: Vec<(String, String)> = Vec::new();
        if let Ok(uid) = Uuid::parse_str(typed) {
            if self.record_label(uid)?.is_none() {
                return Err(StoreError::NotFound(format!("no record with id {uid}")));
            }
            keys.push((RECORD.to_owned(), uid.to_string()));
        } else {
            let kinds: Vec<SelectorKind> = match kind {
                Some(k) => vec![k],
                None => SelectorKind::ALL.into_iter().filter(|k| *k != SelectorKind::Person).collect(),
            };
            for k in kinds {
                if let Ok(s) = Selector::new(k, typed, self.locale()) {
                    keys.push((k.name().to_owned(), s.value));
                }
            }
        }
        if keys.is_empty() {
            return Err(StoreError::Input(format!(
                "{typed:?} is not a record id, phone, IBAN, plate, e-mail, document number or wallet{}",
                kind.map(|k| format!(" (as a {})", k.label())).unwrap_or_default()
            )));
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let added = Clock::now_ms();
        let mut first = None;
        for (k, v) in &keys {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT n FROM watch WHERE kind = ?1 AND value = ?2 AND removed_at IS NULL",
                    [k, v],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(StoreError::Input(format!("{typed} is already watched (`liaison watch list`)")));
            }
            tx.execute(
                "INSERT INTO watch(typed, kind, value, note, added_at) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![typed, k, v, note, added],
            )?;
            first.get_or_insert(tx.last_insert_rowid());
        }
        // What is already held is listed, never alerted: only what arrives later is news.
        let held = check_all(&tx, ALREADY_HELD)?;
        super::audit::append(
            &tx,
            "watch add",
            &serde_json::json!({ "watch": first, "kinds": keys.iter().map(|k| &k.0).collect::<Vec<_>>(), "already_held": held }),
        )?;
        tx.commit()?;
        let n = first.unwrap_or_default();
        Ok(self.watch_list()?.into_iter().find(|w| w.n == n).expect("the entry just added"))
    }

    /// Stops watching `typed` (as typed when added, or the entry's number).
    pub fn watch_remove(&mut self, typed: &str) -> Result<u64> {
        let typed = typed.trim();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let removed = tx.execute(
            "UPDATE watch SET removed_at = ?2 WHERE removed_at IS NULL AND (typed = ?1 OR CAST(n AS TEXT) = ?1)",
            params![typed, Clock::now_ms()],
        )?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("{typed} is not watched (`liaison watch list`)")));
        }
        super::audit::append(&tx, "watch remove", &serde_json::json!({ "entries": removed }))?;
        tx.commit()?;
        Ok(removed as u64)
    }

    /// What is watched, oldest first; one entry per typed value.
    pub fn watch_list(&self) -> Result<Vec<WatchEntry>> {
        let mut q = self.conn.prepare(
            "SELECT min(w.n), w.typed, group_concat(w.kind, ','), w.note, min(w.added_at),
                    (SELECT count(*) FROM watch_alert a JOIN watch x ON x.n = a.watch
                      WHERE x.typed = w.typed AND x.removed_at IS NULL AND a.via <> ?1),
                    (SELECT count(*) FROM watch_alert a JOIN watch x ON x.n = a.watch
                      WHERE x.typed = w.typed AND x.removed_at IS NULL AND a.via = ?1)
             FROM watch w WHERE w.removed_at IS NULL GROUP BY w.typed ORDER BY min(w.n)",
        )?;
        let rows = q.query_map([ALREADY_HELD], |r| {
            Ok(WatchEntry {
                n: r.get(0)?,
                typed: r.get(1)?,
                kinds: r.get::<_, String>(2)?.split(',').map(str::to_owned).collect(),
                note: r.get(3)?,
                added_at: ms_to_text(r.get(4)?),
                alerts: r.get::<_, i64>(5)? as u64,
                already_held: r.get::<_, i64>(6)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Alerts, newest first (`include_held`: also what was held when the watch was added).
    pub fn watch_alerts(&self, include_held: bool, limit: u32) -> Result<Vec<Alert>> {
        let mut q = self.conn.prepare(
            "SELECT a.watch, w.typed, w.kind, a.record, coalesce(o.schema, ''), coalesce(o.caption, ''),
                    a.prop, a.value, a.via, a.at
             FROM watch_alert a JOIN watch w ON w.n = a.watch LEFT JOIN object o ON o.uid = a.record
             WHERE w.removed_at IS NULL AND (?1 OR a.via <> ?2)
             ORDER BY a.n DESC LIMIT ?3",
        )?;
        let rows = q.query_map(params![include_held, ALREADY_HELD, limit], |r| {
            Ok(Alert {
                watch: r.get(0)?,
                watched: r.get(1)?,
                kind: r.get(2)?,
                record: uid_from_blob(&r.get::<_, Vec<u8>>(3)?),
                schema: r.get(4)?,
                caption: r.get(5)?,
                prop: r.get(6)?,
                value: r.get(7)?,
                via: r.get(8)?,
                at: ms_to_text(r.get(9)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many alerts (not counting what was already held) there are: the workbench's badge.
    pub fn watch_alert_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM watch_alert a JOIN watch w ON w.n = a.watch
             WHERE w.removed_at IS NULL AND a.via <> ?1",
            [ALREADY_HELD],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }
}
