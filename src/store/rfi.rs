//! Requests for information as this office sees them: incoming and outgoing, due and overdue
//! first, each step's time, and the turnaround the measures count. RFIs are few (a handful a
//! day): they are read through the kind index, never by scanning statements.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::offices::ms_to_text;

use super::query::uid_from_blob;
use super::{Result, Store, Txn};

/// One request for information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RfiRow {
    pub id: Uuid,
    pub case: String,
    /// "outgoing" (this office asked) or "incoming".
    pub direction: String,
    pub from_office: String,
    pub to_office: String,
    pub question: String,
    pub priority: String,
    pub status: String,
    pub due: Option<String>,
    pub asked_at: String,
    /// The first answer's time (as the answering office wrote it).
    pub answered_at: Option<String>,
    /// When the first answer reached the asking office: as recorded on closing, else (at
    /// the asking office) when its bundle was imported.
    pub answer_received_at: Option<String>,
    pub closed_at: Option<String>,
    /// Asked → answer received, in seconds.
    pub turnaround_seconds: Option<i64>,
    pub overdue: bool,
    pub about: Vec<Uuid>,
    pub answers: Vec<RfiAnswerRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RfiAnswerRow {
    pub id: Uuid,
    pub text: String,
    pub answered_at: String,
    pub office: String,
    pub attachments: Vec<Uuid>,
}

/// What the list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct RfiFilter {
    pub open_only: bool,
    /// Some(true): incoming only; Some(false): outgoing only.
    pub incoming: Option<bool>,
}

/// Seconds between two RFC 3339 times.
fn seconds_between(from: &str, to: &str) -> Option<i64> {
    let a = chrono::DateTime::parse_from_rfc3339(from).ok()?;
    let b = chrono::DateTime::parse_from_rfc3339(to).ok()?;
    Some((b - a).num_seconds())
}

/// Live values of record `n`, by property.
fn values(conn: &Connection, n: i64) -> Result<BTreeMap<String, Vec<String>>> {
    let mut q =
        conn.prepare_cached("SELECT prop, value FROM stmt WHERE obj = ?1 AND live = 1 ORDER BY hlc")?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in q.query_map([n], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (p, v) = row?;
        out.entry(p).or_default().push(v);
    }
    Ok(out)
}

fn one(v: &BTreeMap<String, Vec<String>>, p: &str) -> Option<String> {
    v.get(p).and_then(|x| x.last()).cloned()
}

/// When the first answer to `rfi` arrived here: the import time of the commit that brought
/// it (or its own time, if it was written here).
fn answer_arrival(conn: &Connection, rfi: Uuid) -> Result<Option<String>> {
    let row: Option<(Vec<u8>, i64, i64)> = conn
        .prepare_cached(
            "SELECT s.origin, s.hlc, a.created FROM object a JOIN stmt s ON s.obj = a.n AND s.prop = 'rfi'
             WHERE a.schema = 'RfiAnswer' AND a.deleted = 0 AND s.value = ?1 AND s.live = 1
             ORDER BY s.hlc LIMIT 1",
        )?
        .query_row([rfi.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((origin, hlc, _)) = row else { return Ok(None) };
    let received: Option<i64> = conn
        .prepare_cached(
            "SELECT received_at FROM commit_log WHERE device = ?1 AND hlc >= ?2 ORDER BY hlc LIMIT 1",
        )?
        .query_row(params![origin, hlc], |r| r.get(0))
        .optional()?;
    Ok(received.map(ms_to_text))
}

impl Txn<'_> {
    /// This office's name.
    pub fn office_name(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'office.name'", [], |r| r.get(0))
            .optional()?
            .unwrap_or_default())
    }

    /// Whether `case` is shared with `office` (so its records travel there).
    pub fn case_shared_with(&self, case: Uuid, office: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM case_share WHERE case_uid = ?1 AND office = ?2",
                params![case.as_bytes().as_slice(), office],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Whether `office` is another office this store trusts (a device not revoked).
    pub fn is_trusted_office(&self, office: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM device WHERE office = ?1 AND is_self = 0 AND trusted_at IS NOT NULL
                 AND revoked_at IS NULL LIMIT 1",
                [office],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// When the first answer to `rfi` reached this office.
    pub fn rfi_answer_received(&self, rfi: Uuid) -> Result<Option<String>> {
        answer_arrival(self.conn(), rfi)
    }
}

impl Store {
    /// The requests for information this store holds, due and overdue first, then newest.
    pub fn rfis(&self, filter: RfiFilter) -> Result<Vec<RfiRow>> {
        let me = self.office().name.clone();
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut q = self.conn.prepare(
            "SELECT r.n, r.uid, coalesce(min(cr.ref), c.caption, '') FROM object r
             LEFT JOIN object c ON c.n = r.src LEFT JOIN case_ref cr ON cr.obj = c.n
             WHERE r.schema = 'Rfi' AND r.deleted = 0 GROUP BY r.n",
        )?;
        let rows: Vec<(i64, Vec<u8>, String)> =
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (n, uid, case) in rows {
            let id = uid_from_blob(&uid);
            let v = values(&self.conn, n)?;
            let from_office = one(&v, "fromOffice").unwrap_or_default();
            let direction = if from_office == me { "outgoing" } else { "incoming" };
            let status = one(&v, "status").unwrap_or_else(|| "open".into());
            if filter.open_only && status == "closed" {
                continue;
            }
            if filter.incoming.is_some_and(|incoming| incoming != (direction == "incoming")) {
                continue;
            }
            let answers = self.rfi_answers(id)?;
            let asked_at = one(&v, "askedAt").unwrap_or_default();
            let answer_received_at = match one(&v, "answerReceivedAt") {
                Some(r) => Some(r),
                None if direction == "outgoing" => answer_arrival(&self.conn, id)?,
                None => None,
            };
            let due = one(&v, "dueDate");
            let overdue = status != "closed"
                && answers.is_empty()
                && due.as_deref().is_some_and(|d| d < today.as_str() || (d.len() > 10 && d < now.as_str()));
            out.push(RfiRow {
                id,
                case,
                direction: direction.into(),
                turnaround_seconds: answer_received_at.as_deref().and_then(|r| seconds_between(&asked_at, r)),
                from_office,
                to_office: one(&v, "toOffice").unwrap_or_default(),
                question: one(&v, "question").unwrap_or_default(),
                priority: one(&v, "priority").unwrap_or_else(|| "routine".into()),
                status,
                due,
                asked_at,
                answered_at: answers.first().map(|a| a.answered_at.clone()),
                answer_received_at,
                closed_at: one(&v, "closedAt"),
                overdue,
                about: v.get("about").into_iter().flatten().filter_map(|a| Uuid::parse_str(a).ok()).collect(),
                answers,
            });
        }
        // Overdue first, then by due date (none last), then newest asked.
        out.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then_with(|| a.due.is_none().cmp(&b.due.is_none()))
                .then_with(|| a.due.cmp(&b.due))
                .then_with(|| b.asked_at.cmp(&a.asked_at))
        });
        Ok(out)
    }

    /// The answers to `rfi`, oldest first.
    pub fn rfi_answers(&self, rfi: Uuid) -> Result<Vec<RfiAnswerRow>> {
        let mut q = self.conn.prepare_cached(
            "SELECT a.n, a.uid, s.origin FROM object a JOIN stmt s ON s.obj = a.n AND s.prop = 'rfi'
             WHERE a.schema = 'RfiAnswer' AND a.deleted = 0 AND s.value = ?1 AND s.live = 1",
        )?;
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = q
            .query_map([rfi.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (n, uid, origin) in rows {
            let v = values(&self.conn, n)?;
            let office: Option<String> = self
                .conn
                .query_row("SELECT office FROM device WHERE id = ?1", [origin], |r| r.get(0))
                .optional()?;
            out.push(RfiAnswerRow {
                id: uid_from_blob(&uid),
                text: one(&v, "text").unwrap_or_default(),
                answered_at: one(&v, "answeredAt").unwrap_or_default(),
                office: office.unwrap_or_default(),
                attachments: v
                    .get("attachments")
                    .into_iter()
                    .flatten()
                    .filter_map(|a| Uuid::parse_str(a).ok())
                    .collect(),
            });
        }
        out.sort_by(|a, b| a.answered_at.cmp(&b.answered_at));
        Ok(out)
    }
}

/// A request asked outside any case, as a unit of release to one office: the request and
/// its answers, and the records they name (asked about, attached), each named record with
/// the commit (author, seq) of the request or answer that names it.
#[derive(Debug, Clone, Default)]
pub struct RfiUnit {
    pub records: Vec<Uuid>,
    pub named: Vec<(Uuid, Option<(crate::model::ids::DeviceId, u64)>)>,
}

impl Store {
    /// The requests outside any case asked of or by `office`, with what goes with them.
    pub fn rfi_units(&self, office: &str) -> Result<Vec<RfiUnit>> {
        let mut q = self.conn.prepare_cached(
            "SELECT r.n, r.uid FROM object r JOIN stmt s ON s.obj = r.n AND s.live = 1
             WHERE r.schema = 'Rfi' AND r.src IS NULL AND s.prop IN ('toOffice', 'fromOffice')
               AND s.value = ?1 GROUP BY r.n",
        )?;
        let rows: Vec<(i64, Vec<u8>)> =
            q.query_map([office], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (n, uid) in rows {
            let rfi = uid_from_blob(&uid);
            let mut unit = RfiUnit { records: vec![rfi], named: Vec::new() };
            let asked = self.creating_commit(n)?;
            let v = values(&self.conn, n)?;
            for a in v.get("about").into_iter().flatten().filter_map(|a| Uuid::parse_str(a).ok()) {
                unit.named.push((a, asked));
            }
            let mut answers = self.conn.prepare_cached(
                "SELECT a.n, a.uid FROM object a JOIN stmt s ON s.obj = a.n AND s.prop = 'rfi'
                 WHERE a.schema = 'RfiAnswer' AND s.value = ?1",
            )?;
            let answers: Vec<(i64, Vec<u8>)> = answers
                .query_map([rfi.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (an, auid) in answers {
                unit.records.push(uid_from_blob(&auid));
                let answered = self.creating_commit(an)?;
                let av = values(&self.conn, an)?;
                for a in av.get("attachments").into_iter().flatten().filter_map(|a| Uuid::parse_str(a).ok()) {
                    unit.named.push((a, answered));
                }
            }
            out.push(unit);
        }
        Ok(out)
    }

    /// The commit (author, seq) that wrote the first value of record `n`.
    fn creating_commit(&self, n: i64) -> Result<Option<(crate::model::ids::DeviceId, u64)>> {
        let first: Option<(Vec<u8>, i64)> = self
            .conn
            .prepare_cached("SELECT origin, hlc FROM stmt WHERE obj = ?1 ORDER BY hlc LIMIT 1")?
            .query_row([n], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((origin, hlc)) = first else { return Ok(None) };
        let seq: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT seq FROM commit_log WHERE device = ?1 AND hlc >= ?2 ORDER BY hlc LIMIT 1",
            )?
            .query_row(params![origin, hlc], |r| r.get(0))
            .optional()?;
        Ok(seq.map(|s| (super::offices::device_from_blob(&origin), s as u64)))
    }
}

impl Store {
    /// Per author device, the commits holding the values of `records` (read from the
    /// statements' clocks through the commit index, not from the log: a commit's clock is
    /// taken after its ops', so the first commit at or after a value's clock holds it).
    pub fn commits_holding(
        &self,
        records: &[Uuid],
    ) -> Result<std::collections::HashMap<crate::model::ids::DeviceId, std::collections::BTreeSet<u64>>> {
        let mut out: std::collections::HashMap<_, std::collections::BTreeSet<u64>> =
            std::collections::HashMap::new();
        let mut clocks = self.conn.prepare_cached(
            "SELECT DISTINCT s.origin, s.hlc FROM stmt s JOIN object o ON o.n = s.obj WHERE o.uid = ?1",
        )?;
        let mut seq = self.conn.prepare_cached(
            "SELECT seq FROM commit_log WHERE device = ?1 AND hlc >= ?2 ORDER BY hlc LIMIT 1",
        )?;
        for r in records {
            let rows: Vec<(Vec<u8>, i64)> = clocks
                .query_map([r.as_bytes().as_slice()], |x| Ok((x.get(0)?, x.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (origin, hlc) in rows {
                if let Some(s) = seq.query_row(params![origin, hlc], |x| x.get::<_, i64>(0)).optional()? {
                    out.entry(super::offices::device_from_blob(&origin)).or_default().insert(s as u64);
                }
            }
        }
        Ok(out)
    }
}
