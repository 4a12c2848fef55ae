//! The analysts who work on a store, and the one working in this session (issue 10 §3).
//!
//! Several analysts share an office's store. Each session names one; every commit it writes
//! names them in its signed header (version 2, see `model::op`), so the name travels in
//! bundles, and every audit entry it writes carries `"analyst"` in its detail, which the keyed
//! chain covers like the rest of the entry. Entries and commits written before analysts
//! existed name none, and stay as they were.
//!
//! The session's analyst is kept in a TEMP table of the store's connection as well as in the
//! `Store`, because `audit::append` only receives a connection (it runs inside other modules'
//! transactions). A temporary table lives in the connection, never in the file: whoever can
//! write the database cannot plant a name there.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, StoreError};
use crate::model::text::{self, Rule};

/// Migration 5: the analysts table, and the analyst and clock of each commit (for "who wrote
/// this value": a value's op is in its device's first commit at or after the op's clock).
pub(super) const V5: &str = r"
CREATE TABLE analyst(
  name TEXT PRIMARY KEY,
  -- The confusable-safe, case-folded form: 'Ana' and 'ana' are one analyst.
  key TEXT NOT NULL UNIQUE,
  added_at TEXT NOT NULL
);
ALTER TABLE commit_log ADD COLUMN hlc INTEGER;
ALTER TABLE commit_log ADD COLUMN analyst TEXT;
CREATE INDEX commit_log_device_hlc ON commit_log(device, hlc);
";

/// The session's analyst, on the connection only.
const SESSION_TABLE: &str = "liaison_session_analyst";

/// The longest analyst name accepted, in characters.
const MAX_NAME: usize = 80;

/// One analyst of this store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analyst {
    pub name: String,
    pub added_at: String,
}

/// Who a session is, as the face that opens the store asks.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// The library's and the workbench's default: the store's only analyst if it has exactly
    /// one, else nobody yet ([`Store::set_analyst`] chooses later).
    Unchosen,
    /// The command line: `named` if given (it must be one of the store's analysts), else the
    /// only one; several and none named is refused, naming them. A store written before
    /// analysts existed has none: `named`, else `first`, becomes its first analyst.
    Required { named: Option<&'a str>, first: &'a str },
}

/// Fills the clock of commits stored before migration 5 (their headers hold it), so that
/// "the first commit at or after a value's clock" never skips to a newer commit.
pub(super) fn backfill(conn: &Connection) -> Result<()> {
    let rows: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT n, header FROM commit_log WHERE hlc IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = conn.prepare("UPDATE commit_log SET hlc = ?2, analyst = ?3 WHERE n = ?1")?;
    for (n, bytes) in rows {
        let header = crate::model::op::CommitHeader::decode(&bytes)
            .map_err(|e| StoreError::Corrupt(format!("commit {n}: {e}")))?;
        update.execute(params![n, header.hlc.0, header.analyst])?;
    }
    Ok(())
}

/// Creates the session table on a store's connection (empty: nobody chosen yet).
pub(super) fn install(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!("CREATE TEMP TABLE IF NOT EXISTS {SESSION_TABLE}(name TEXT NOT NULL)"))?;
    Ok(())
}

/// The session's analyst as the audit log sees it.
pub(super) fn session(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(&format!("SELECT name FROM temp.{SESSION_TABLE} LIMIT 1"))?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Checks a new analyst's name by the text rule for names; returns it trimmed.
pub fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    text::check("analyst name", name, Rule::Name).map_err(|e| StoreError::Input(e.to_string()))?;
    if name.chars().count() > MAX_NAME {
        return Err(StoreError::Input(format!("an analyst name has at most {MAX_NAME} characters")));
    }
    Ok(name.to_owned())
}

fn known_list(names: &[Analyst]) -> String {
    names.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// The store's analysts, in the order they were added.
    pub fn analysts(&self) -> Result<Vec<Analyst>> {
        Ok(self
            .conn
            .prepare("SELECT name, added_at FROM analyst ORDER BY added_at, name")?
            .query_map([], |r| Ok(Analyst { name: r.get(0)?, added_at: r.get(1)? }))?
            .collect::<Result<_, _>>()?)
    }

    /// The analyst named `name` (compared confusable-safe and without regard to case), as
    /// recorded.
    pub fn find_analyst(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT name FROM analyst WHERE key = ?1", [text::office_key(name)], |r| r.get(0))
            .optional()?)
    }

    /// Adds an analyst to the store, with an audit entry; refuses a name already held (or one
    /// that looks the same). Returns the name as recorded.
    pub fn add_analyst(&mut self, name: &str) -> Result<String> {
        let name = check_name(name)?;
        if let Some(held) = self.find_analyst(&name)? {
            return Err(StoreError::Input(format!("this store already has an analyst named {held:?}")));
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO analyst(name, key, added_at) VALUES(?1, ?2, ?3)",
            params![name, text::office_key(&name), now()],
        )?;
        super::audit::append(&tx, "analyst add", &serde_json::json!({ "name": name }))?;
        tx.commit()?;
        Ok(name)
    }

    /// Chooses who is working in this session: one of the store's analysts. What the session
    /// writes from now on names them.
    pub fn set_analyst(&mut self, name: &str) -> Result<()> {
        let Some(held) = self.find_analyst(name)? else {
            let known = self.analysts()?;
            let name = text::for_terminal(name.trim());
            // Quoted in the command to type when it holds a space.
            let arg =
                if name.contains(char::is_whitespace) { format!("\"{name}\"") } else { name.to_string() };
            return Err(StoreError::Input(if known.is_empty() {
                format!(
                    "no analyst named {name} in this store (it has none yet); add one with liaison analyst add {arg}"
                )
            } else {
                format!(
                    "no analyst named {name} in this store (known: {}); add one with liaison analyst add {arg}",
                    text::for_terminal(&known_list(&known))
                )
            }));
        };
        self.conn.execute(&format!("DELETE FROM temp.{SESSION_TABLE}"), [])?;
        self.conn.execute(&format!("INSERT INTO temp.{SESSION_TABLE}(name) VALUES(?1)"), [&held])?;
        self.analyst = Some(held);
        Ok(())
    }

    /// Who is working in this session, if chosen.
    pub fn analyst(&self) -> Option<&str> {
        self.analyst.as_deref()
    }

    /// Settles the session's analyst as `who` asks, before the session's first audit entry.
    pub(super) fn choose_analyst(&mut self, who: Who<'_>) -> Result<()> {
        let known = self.analysts()?;
        match who {
            Who::Unchosen => {
                if let [only] = known.as_slice() {
                    let name = only.name.clone();
                    self.set_analyst(&name)?;
                }
                Ok(())
            }
            Who::Required { named, first } => {
                if known.is_empty() {
                    // A store written before analysts: whoever opens it first is its first.
                    let name = self.record_first_analyst(named.unwrap_or(first))?;
                    self.set_analyst(&name)?;
                    return self.audit(
                        "analyst add",
                        &serde_json::json!({ "name": name, "why": "first analyst of a store written before analysts" }),
                    );
                }
                match (named, known.as_slice()) {
                    (Some(name), _) => self.set_analyst(name),
                    (None, [only]) => {
                        let name = only.name.clone();
                        self.set_analyst(&name)
                    }
                    (None, _) => Err(StoreError::Input(format!(
                        "several analysts work on this store ({}): say who you are with --analyst NAME \
                         or LIAISON_ANALYST",
                        text::for_terminal(&known_list(&known))
                    ))),
                }
            }
        }
    }

    /// Records the first analyst of a store (at `init`, or on the first session of a store
    /// written before analysts), without an audit entry of its own: the caller's entry names
    /// them.
    pub(super) fn record_first_analyst(&self, name: &str) -> Result<String> {
        let name = check_name(name)?;
        self.conn.execute(
            "INSERT INTO analyst(name, key, added_at) VALUES(?1, ?2, ?3)",
            params![name, text::office_key(&name), now()],
        )?;
        Ok(name)
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
