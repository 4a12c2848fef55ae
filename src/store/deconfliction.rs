//! What this office keeps of deconfliction runs (`docs/deconfliction.md`): its own requests
//! until the reply comes (the run's secret key and its selectors in request order, in the
//! encrypted store and nowhere else, wiped when the reply is read), other offices' requests
//! until they are answered, and the hits. Local only: none of it is an op, none of it is
//! relayed; requests and replies travel as blobs of bundles addressed to one office.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::offices::ms_to_text;
use crate::model::hlc::Clock;

use super::{Result, Store};

pub(super) const V7: &str = r"
-- Deconfliction runs this office asked. key and selectors (postcard: each selector with the
-- local records holding it, in the request's order) are wiped once the reply is read.
CREATE TABLE psi_out(
  run BLOB PRIMARY KEY,
  office TEXT NOT NULL,
  asked_at INTEGER NOT NULL,
  selectors_count INTEGER NOT NULL,
  key BLOB,
  selectors BLOB,
  replied_at INTEGER,
  hits INTEGER,
  their_count INTEGER
) WITHOUT ROWID;
-- Other offices' requests. request (postcard) is dropped once answered.
CREATE TABLE psi_in(
  run BLOB PRIMARY KEY,
  office TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  selectors_count INTEGER NOT NULL,
  request BLOB,
  answered_at INTEGER,
  answered_with INTEGER
) WITHOUT ROWID;
-- Selectors of ours another office also holds. records: postcard list of local record uids.
CREATE TABLE psi_hit(
  run BLOB NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  records BLOB NOT NULL,
  PRIMARY KEY(run, kind, value)
) WITHOUT ROWID;
";

pub(super) const V10: &str = r"
-- What the other office chose to disclose with a hit (its case reference, a contact), and
-- the joint operation a run of ours was made for.
ALTER TABLE psi_hit ADD COLUMN their_case TEXT;
ALTER TABLE psi_hit ADD COLUMN their_contact TEXT;
ALTER TABLE psi_out ADD COLUMN operation BLOB;
";

/// What this office discloses with each hit of its replies to one office: nothing unless a
/// person chose it (`deconflict disclose`, `deconflict reply --disclose`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclose {
    /// The reference of the case holding the selector.
    pub case: bool,
    /// Who to call about it.
    pub contact: Option<String>,
}

impl Disclose {
    pub fn anything(&self) -> bool {
        self.case || self.contact.is_some()
    }
}

/// A hit with what the other office disclosed of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub held: HeldSelector,
    pub their_case: Option<String>,
    pub their_contact: Option<String>,
}

/// One selector of ours with the local records that hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldSelector {
    pub kind: String,
    pub value: String,
    pub records: Vec<Uuid>,
}

/// A run this office asked, as kept until the reply.
pub struct AskedRun {
    pub office: String,
    pub key: Option<[u8; 32]>,
    /// In the request's order.
    pub selectors: Vec<HeldSelector>,
    pub replied_at: Option<i64>,
}

/// A request from another office, not yet answered.
pub struct WaitingRequest {
    pub run: [u8; 16],
    pub request: Vec<u8>,
    pub selectors_count: u64,
}

/// One hit: a selector of ours the other office holds too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HitRow {
    pub run: String,
    pub office: String,
    pub asked_at: String,
    pub replied_at: String,
    pub kind: String,
    pub value: String,
    pub records: Vec<Uuid>,
    /// The other office's case holding it, if it chose to say.
    pub their_case: Option<String>,
    /// Whom to contact there about it, if it chose to say.
    pub their_contact: Option<String>,
}

/// One run, asked or answered, for `deconflict list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRow {
    pub run: String,
    /// "asked" (ours) or "answered"/"waiting" (theirs).
    pub direction: String,
    pub office: String,
    pub at: String,
    /// Selectors we sent (asked) or they sent (theirs).
    pub selectors: u64,
    pub replied_at: Option<String>,
    pub hits: Option<u64>,
    /// The joint operation the run was made for (ours only).
    pub operation: Option<Uuid>,
}

/// A run of ours made for a joint operation, as the operation and the measures show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationRun {
    pub operation: Uuid,
    pub run: String,
    pub office: String,
    pub asked_at: String,
    pub replied_at: Option<String>,
    pub hits: Option<u64>,
    /// "deconflicted 2026-11-30 with Madrid: 3 hits".
    pub summary: String,
}

fn postcard_err(e: &postcard::Error) -> super::StoreError {
    super::StoreError::Corrupt(format!("a deconfliction run cannot be read back: {e}"))
}

impl Store {
    /// Keeps what is needed to read the reply to a request just written.
    pub fn psi_save_asked(
        &self,
        run: [u8; 16],
        office: &str,
        operation: Option<Uuid>,
        key: [u8; 32],
        selectors: &[HeldSelector],
        detail: &serde_json::Value,
    ) -> Result<()> {
        let bytes = postcard::to_stdvec(selectors).map_err(|e| postcard_err(&e))?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let saved = self
            .conn
            .execute(
                "INSERT INTO psi_out(run, office, asked_at, selectors_count, key, selectors, operation)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    &run[..],
                    office,
                    Clock::now_ms(),
                    selectors.len() as i64,
                    &key[..],
                    bytes,
                    operation.map(|o| o.as_bytes().to_vec())
                ],
            )
            .map_err(super::StoreError::from)
            .and_then(|_| super::audit::append(&self.conn, "deconfliction request", detail));
        match saved {
            Ok(()) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Requests from `office` not yet answered, oldest first.
    pub fn psi_waiting(&self, office: &str) -> Result<Vec<WaitingRequest>> {
        let mut q = self.conn.prepare(
            "SELECT run, request, selectors_count FROM psi_in
             WHERE office = ?1 AND answered_at IS NULL AND request IS NOT NULL ORDER BY received_at",
        )?;
        let rows = q.query_map([office], |r| {
            let run: Vec<u8> = r.get(0)?;
            Ok((run, r.get::<_, Vec<u8>>(1)?, r.get::<_, i64>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (run, request, n) = row?;
            let Ok(run) = <[u8; 16]>::try_from(run.as_slice()) else { continue };
            out.push(WaitingRequest { run, request, selectors_count: n as u64 });
        }
        Ok(out)
    }

    /// Marks requests answered by a bundle just written (their blinded points are dropped).
    pub fn psi_mark_answered(&self, answered: &[([u8; 16], u64)]) -> Result<()> {
        for (run, with) in answered {
            self.conn.execute(
                "UPDATE psi_in SET answered_at = ?2, answered_with = ?3, request = NULL WHERE run = ?1",
                params![&run[..], Clock::now_ms(), *with as i64],
            )?;
        }
        Ok(())
    }

    /// Every run, newest first.
    pub fn psi_runs(&self) -> Result<Vec<RunRow>> {
        let mut out = Vec::new();
        let mut q = self.conn.prepare(
            "SELECT run, office, asked_at, selectors_count, replied_at, hits, operation FROM psi_out
             ORDER BY asked_at DESC",
        )?;
        for row in q.query_map([], |r| {
            Ok(RunRow {
                run: crate::model::ids::hex(&r.get::<_, Vec<u8>>(0)?),
                direction: "asked".into(),
                office: r.get(1)?,
                at: ms_to_text(r.get(2)?),
                selectors: r.get::<_, i64>(3)? as u64,
                replied_at: r.get::<_, Option<i64>>(4)?.map(ms_to_text),
                hits: r.get::<_, Option<i64>>(5)?.map(|h| h as u64),
                operation: r.get::<_, Option<Vec<u8>>>(6)?.map(|b| crate::store::query::uid_from_blob(&b)),
            })
        })? {
            out.push(row?);
        }
        let mut q = self.conn.prepare(
            "SELECT run, office, received_at, selectors_count, answered_at FROM psi_in ORDER BY received_at DESC",
        )?;
        for row in q.query_map([], |r| {
            let answered: Option<i64> = r.get(4)?;
            Ok(RunRow {
                run: crate::model::ids::hex(&r.get::<_, Vec<u8>>(0)?),
                direction: if answered.is_some() { "answered" } else { "waiting" }.into(),
                office: r.get(1)?,
                at: ms_to_text(r.get(2)?),
                selectors: r.get::<_, i64>(3)? as u64,
                replied_at: answered.map(ms_to_text),
                hits: None,
                operation: None,
            })
        })? {
            out.push(row?);
        }
        Ok(out)
    }

    /// Every hit, newest run first.
    pub fn psi_hits(&self) -> Result<Vec<HitRow>> {
        let mut q = self.conn.prepare(
            "SELECT h.run, o.office, o.asked_at, o.replied_at, h.kind, h.value, h.records,
                    h.their_case, h.their_contact
             FROM psi_hit h JOIN psi_out o ON o.run = h.run
             ORDER BY o.asked_at DESC, h.kind, h.value",
        )?;
        let rows = q.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Vec<u8>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (run, office, asked, replied, kind, value, records, their_case, their_contact) = row?;
            out.push(HitRow {
                run: crate::model::ids::hex(&run),
                office,
                asked_at: ms_to_text(asked),
                replied_at: replied.map(ms_to_text).unwrap_or_default(),
                kind,
                value,
                records: postcard::from_bytes(&records).map_err(|e| postcard_err(&e))?,
                their_case,
                their_contact,
            });
        }
        Ok(out)
    }
}

/// Inside an import's transaction: a request from `office` arrives.
pub fn record_incoming(
    conn: &Connection,
    run: [u8; 16],
    office: &str,
    request: &[u8],
    count: u64,
) -> Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO psi_in(run, office, received_at, selectors_count, request)
         VALUES(?1, ?2, ?3, ?4, ?5)",
        params![&run[..], office, Clock::now_ms(), count as i64, request],
    )?;
    Ok(n == 1)
}

/// Inside an import's transaction: the run we asked `office`, if it is still waiting.
pub fn asked_run(conn: &Connection, run: [u8; 16]) -> Result<Option<AskedRun>> {
    let row: Option<(String, Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>)> = conn
        .query_row("SELECT office, key, selectors, replied_at FROM psi_out WHERE run = ?1", [&run[..]], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((office, key, selectors, replied_at)) = row else { return Ok(None) };
    let selectors = match selectors {
        Some(bytes) => postcard::from_bytes(&bytes).map_err(|e| postcard_err(&e))?,
        None => Vec::new(),
    };
    Ok(Some(AskedRun {
        office,
        key: key.and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok()),
        selectors,
        replied_at,
    }))
}

/// Inside an import's transaction: the reply's hits; the run's key and selectors are wiped.
pub fn record_hits(conn: &Connection, run: [u8; 16], hits: &[Hit], their_count: u64) -> Result<()> {
    for hit in hits {
        let h = &hit.held;
        let records = postcard::to_stdvec(&h.records).map_err(|e| postcard_err(&e))?;
        conn.execute(
            "INSERT OR REPLACE INTO psi_hit(run, kind, value, records, their_case, their_contact)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            params![&run[..], h.kind, h.value, records, hit.their_case, hit.their_contact],
        )?;
    }
    conn.execute(
        "UPDATE psi_out SET key = NULL, selectors = NULL, replied_at = ?2, hits = ?3, their_count = ?4
         WHERE run = ?1",
        params![&run[..], Clock::now_ms(), hits.len() as i64, their_count as i64],
    )?;
    Ok(())
}

fn disclose_key(office: &str) -> String {
    format!("psi.disclose.{office}")
}

impl Store {
    /// What this office discloses with the hits of its replies to `office` (standing choice).
    pub fn psi_disclose(&self, office: &str) -> Result<Disclose> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [disclose_key(office)], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
    }

    /// A person's standing choice of what replies to `office` disclose with each hit; audited.
    pub fn psi_set_disclose(&self, office: &str, disclose: &Disclose) -> Result<()> {
        let value = serde_json::to_string(disclose).map_err(|e| super::StoreError::Input(e.to_string()))?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let saved = if disclose.anything() {
            self.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
                params![disclose_key(office), value],
            )
        } else {
            self.conn.execute("DELETE FROM meta WHERE key = ?1", [disclose_key(office)])
        }
        .map_err(super::StoreError::from)
        .and_then(|_| {
            super::audit::append(
                &self.conn,
                "deconfliction disclosure",
                &serde_json::json!({ "office": office, "case": disclose.case, "contact": disclose.contact }),
            )
        });
        match saved {
            Ok(()) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

impl Store {
    /// The case a joint operation belongs to; None if `operation` is no operation here.
    pub fn operation_case(&self, operation: Uuid) -> Result<Option<Uuid>> {
        let case: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT c.uid FROM object o JOIN object c ON c.n = o.src
                 WHERE o.uid = ?1 AND o.schema = 'Operation' AND o.deleted = 0",
                [operation.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(case.map(|b| crate::store::query::uid_from_blob(&b)))
    }

    /// The runs of ours made for joint operations (`operation`, or all), newest first.
    pub fn psi_operation_runs(&self, operation: Option<Uuid>) -> Result<Vec<OperationRun>> {
        let mut q = self.conn.prepare_cached(
            "SELECT operation, run, office, asked_at, replied_at, hits FROM psi_out
             WHERE operation IS NOT NULL AND (?1 IS NULL OR operation = ?1) ORDER BY asked_at DESC",
        )?;
        let rows = q.query_map([operation.map(|o| o.as_bytes().to_vec())], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (op, run, office, asked, replied, hits) = row?;
            let day = |ms: i64| ms_to_text(ms).chars().take(10).collect::<String>();
            let summary = match (replied, hits) {
                (Some(at), Some(h)) => {
                    format!(
                        "deconflicted {} with {office}: {h} hit{}",
                        day(at),
                        if h == 1 { "" } else { "s" }
                    )
                }
                _ => format!("deconfliction asked of {office} {}: waiting for the reply", day(asked)),
            };
            out.push(OperationRun {
                operation: crate::store::query::uid_from_blob(&op),
                run: crate::model::ids::hex(&run),
                office,
                asked_at: ms_to_text(asked),
                replied_at: replied.map(ms_to_text),
                hits: hits.map(|h| h as u64),
                summary,
            });
        }
        Ok(out)
    }
}
