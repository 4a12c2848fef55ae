//! The store's side of exchange between offices: trusted devices grouped into offices,
//! cases shared with them, what they acknowledged, what we received from them, and the
//! bundles that travelled (DESIGN §5). None of this is derived from the op log: these are
//! this office's own decisions and records. The bundle logic itself lives in `exchange`.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::query::REVOKED;
use super::shares::ensure_office_record;
pub use super::shares::{CaseShare, office_record_id};
use super::{Result, Store, StoreError};
use crate::model::ids::DeviceId;
use crate::model::op::Assertion;
use crate::model::text;

/// A device this store knows: its own, or one of a trusted office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    pub id: DeviceId,
    #[serde(skip)]
    pub public_key: [u8; 32],
    pub age_recipient: String,
    pub office: String,
    pub agency: String,
    pub country: String,
    pub is_self: bool,
    pub trusted_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl DeviceRecord {
    /// Trusted and not revoked: its bundles and commits are accepted.
    pub fn is_trusted(&self) -> bool {
        self.trusted_at.is_some() && self.revoked_at.is_none()
    }
}

/// What `trust_device` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustOutcome {
    Added,
    AlreadyTrusted,
    /// Trusted again after a revocation.
    Retrusted,
    /// A new device of an office already trusted, confirmed with `--add-device`.
    DeviceAdded,
}

/// One recipient row of a bundle this store wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentBundle {
    pub office: String,
    pub sequence: u64,
    pub bundle_id: [u8; 16],
    pub created_at_ms: i64,
    pub commits: u64,
    pub ops: u64,
    /// Cases whose whole history the bundle carried.
    pub full_cases: Vec<Uuid>,
}

/// How quickly an office acknowledges what this office sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ResponseTime {
    pub samples: i64,
    pub median_seconds: i64,
    pub mean_seconds: i64,
    pub last_seconds: i64,
}

/// The traffic with one office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct OfficeTraffic {
    pub bundles_sent: i64,
    pub last_sent: Option<String>,
    pub last_sent_sequence: Option<i64>,
    pub bundles_received: i64,
    pub last_received: Option<String>,
    pub last_received_sequence: Option<i64>,
    pub bundles_acknowledged: i64,
    pub last_acknowledged: Option<String>,
    /// From writing a bundle to importing the office's bundle that acknowledges it.
    pub response_time: Option<ResponseTime>,
}

/// The task force's headline measure, over every office: for `liaison stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SharingStats {
    pub offices: i64,
    pub shared_cases: i64,
    pub bundles_sent: i64,
    pub bundles_received: i64,
    pub bundles_acknowledged: i64,
    pub response_time: Option<ResponseTime>,
}

pub(crate) fn ms_to_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(super) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn device_from_blob(blob: &[u8]) -> DeviceId {
    DeviceId(blob.try_into().unwrap_or_default())
}

pub(crate) fn all_devices(conn: &Connection) -> Result<Vec<DeviceRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, public_key, coalesce(age_recipient, ''), office, agency, country, is_self,
                trusted_at, revoked_at FROM device ORDER BY is_self DESC, office, id",
    )?;
    let rows = stmt.query_map([], |r| {
        let id: Vec<u8> = r.get(0)?;
        let key: Vec<u8> = r.get(1)?;
        Ok(DeviceRecord {
            id: device_from_blob(&id),
            public_key: key.try_into().unwrap_or([0; 32]),
            age_recipient: r.get(2)?,
            office: r.get(3)?,
            agency: r.get(4)?,
            country: r.get(5)?,
            is_self: r.get(6)?,
            trusted_at: r.get(7)?,
            revoked_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The contiguous prefix of the seq ranges `(lo, hi]` in `ranges`.
fn contiguous(mut ranges: Vec<(u64, u64)>) -> u64 {
    ranges.sort_unstable();
    let mut upto = 0;
    for (lo, hi) in ranges {
        if lo > upto {
            break;
        }
        upto = upto.max(hi);
    }
    upto
}

/// Inclusive ranges of a sorted list of numbers.
fn ranges_of(numbers: &[u64]) -> Vec<[u64; 2]> {
    let mut out: Vec<[u64; 2]> = Vec::new();
    for &n in numbers {
        match out.last_mut() {
            Some(r) if r[1] + 1 == n || r[1] == n => r[1] = n,
            _ => out.push([n, n]),
        }
    }
    out
}

/// What we acknowledge to `office`: ranges of its bundles we imported, and per author the
/// commits it sent us, contiguously from the first.
pub(crate) fn acks_for(conn: &Connection, office: &str) -> Result<(Vec<[u64; 2]>, Vec<(DeviceId, u64)>)> {
    let sequences: Vec<u64> = conn
        .prepare_cached("SELECT DISTINCT sequence FROM bundle_in WHERE office = ?1 ORDER BY sequence")?
        .query_map([office], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|s| s as u64))
        .collect::<Result<_, _>>()?;
    let mut by_device: BTreeMap<DeviceId, Vec<(u64, u64)>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached("SELECT device, lo, hi FROM coverage_in WHERE office = ?1")?;
    for row in
        stmt.query_map([office], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?
    {
        let (d, lo, hi) = row?;
        by_device.entry(device_from_blob(&d)).or_default().push((lo as u64, hi as u64));
    }
    let commits =
        by_device.into_iter().map(|(d, r)| (d, contiguous(r))).filter(|(_, upto)| *upto > 0).collect();
    Ok((ranges_of(&sequences), commits))
}

fn response_time(conn: &Connection, office: Option<&str>) -> Result<Option<ResponseTime>> {
    let mut samples: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT acked_at - created_at, acked_at FROM bundle_out
             WHERE acked_at IS NOT NULL AND (?1 IS NULL OR office = ?1)",
        )?
        .query_map([office], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if samples.is_empty() {
        return Ok(None);
    }
    let last = samples.iter().max_by_key(|s| s.1).map_or(0, |s| s.0);
    samples.sort_unstable();
    let n = samples.len();
    let median = if n % 2 == 1 { samples[n / 2].0 } else { (samples[n / 2 - 1].0 + samples[n / 2].0) / 2 };
    let mean = samples.iter().map(|s| s.0).sum::<i64>() / n as i64;
    Ok(Some(ResponseTime {
        samples: n as i64,
        median_seconds: median.max(0) / 1000,
        mean_seconds: mean.max(0) / 1000,
        last_seconds: last.max(0) / 1000,
    }))
}

/// Why a card under a known office name is refused, with what is known and what is new.
fn new_device_refusal(
    d: &DeviceRecord,
    other: &DeviceRecord,
    known: &[&DeviceRecord],
    fingerprint: &str,
    typed: Option<&str>,
) -> String {
    let held: Vec<String> = known
        .iter()
        .map(|o| {
            let fp = crate::model::fingerprint::fingerprint(&o.public_key, &o.age_recipient);
            format!("device {} \"{fp}\"{}", o.id, if o.is_trusted() { "" } else { " (revoked)" })
        })
        .collect();
    let named = if d.office == other.office {
        format!("{:?} is already trusted", other.office)
    } else {
        format!("the card's office {:?} looks like the trusted office {:?}", d.office, other.office)
    };
    let wrong = if typed.is_some() { "--add-device does not match this card's fingerprint. " } else { "" };
    format!(
        "{named} with {}; this card brings device {} with fingerprint \"{fingerprint}\". {wrong}Nothing was \
         trusted: refuse the card or, if it is the same office with a new device (confirm by telephone), \
         use --add-device \"FINGERPRINT\" with the new device's fingerprint",
        held.join(", "),
        d.id
    )
}

/// Fingerprint words as typed: any case, separated by spaces, commas or hyphens.
pub fn same_words(typed: &str, fingerprint: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| c.is_whitespace() || c == ',' || c == '-')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    words(typed) == words(fingerprint)
}

impl Store {
    /// Every device this store knows, its own first.
    pub fn devices(&self) -> Result<Vec<DeviceRecord>> {
        all_devices(&self.conn)
    }

    /// The trusted, non-revoked devices of `office`.
    pub fn office_devices(&self, office: &str) -> Result<Vec<DeviceRecord>> {
        Ok(self
            .devices()?
            .into_iter()
            .filter(|d| !d.is_self && d.office == office && d.is_trusted())
            .collect())
    }

    /// Adds (or trusts again) a device of another office, refusing a new device (or new
    /// keys) under an office already known: see [`Store::trust_device_adding`].
    pub fn trust_device(&mut self, d: &DeviceRecord) -> Result<TrustOutcome> {
        self.trust_device_adding(d, None)
    }

    /// Adds (or trusts again) a device of another office. A card whose office is already
    /// known with other keys, or whose name only looks like a known office's (same Unicode
    /// skeleton: a zero-width space, a Cyrillic "М"), is refused unless `add_device` is the
    /// new device's fingerprint, typed: otherwise whoever holds a card with a known office's
    /// name would silently receive every later bundle for that office. An added device takes
    /// the known office's exact name, so a look-alike never lists as a second office.
    pub fn trust_device_adding(
        &mut self,
        d: &DeviceRecord,
        add_device: Option<&str>,
    ) -> Result<TrustOutcome> {
        if d.id == self.device {
            return Err(StoreError::Input("this is this office's own card".into()));
        }
        let key = text::office_key(&d.office);
        if d.office == self.office.name || key == text::office_key(&self.office.name) {
            return Err(StoreError::Input(format!(
                "{:?} is (or looks like) this office's own name {:?}: another office must have another name",
                d.office, self.office.name
            )));
        }
        let devices = self.devices()?;
        let known: Vec<&DeviceRecord> =
            devices.iter().filter(|o| !o.is_self && text::office_key(&o.office) == key).collect();
        // A device already held with these keys is trusted again as it was; anything else
        // under a known name is a change the analyst must confirm.
        let known_office = !known.is_empty();
        let held = known.iter().find(|o| o.id == d.id && o.age_recipient == d.age_recipient);
        let mut d = d.clone();
        if let Some(same) = held {
            d.office.clone_from(&same.office);
        } else if let Some(other) = known.first() {
            if other.agency != d.agency || other.country != d.country {
                return Err(StoreError::Input(format!(
                    "an office {:?} of {} ({}) is already known; this card says {:?} of {} ({})",
                    other.office, other.agency, other.country, d.office, d.agency, d.country
                )));
            }
            let fingerprint = crate::model::fingerprint::fingerprint(&d.public_key, &d.age_recipient);
            if !add_device.is_some_and(|typed| same_words(typed, &fingerprint)) {
                return Err(StoreError::Input(new_device_refusal(
                    &d,
                    other,
                    &known,
                    &fingerprint,
                    add_device,
                )));
            }
            d.office.clone_from(&other.office);
        }
        let d = &d;
        let existing = devices.iter().find(|o| o.id == d.id);
        let outcome = match existing {
            Some(e) if e.is_trusted() && e.age_recipient == d.age_recipient => TrustOutcome::AlreadyTrusted,
            Some(e) if e.age_recipient == d.age_recipient => TrustOutcome::Retrusted,
            _ if known_office => TrustOutcome::DeviceAdded,
            _ => TrustOutcome::Added,
        };
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO device(id, public_key, age_recipient, office, agency, country, is_self, trusted_at)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)
             ON CONFLICT(id) DO UPDATE SET age_recipient = excluded.age_recipient, office = excluded.office,
               agency = excluded.agency, country = excluded.country,
               trusted_at = coalesce(device.trusted_at, excluded.trusted_at), revoked_at = NULL",
            params![
                d.id.0.as_slice(),
                d.public_key.as_slice(),
                d.age_recipient,
                d.office,
                d.agency,
                d.country,
                now_text()
            ],
        )?;
        super::audit::append(
            &tx,
            "office trust",
            &serde_json::json!({ "office": d.office, "device": d.id.to_string(), "outcome": outcome }),
        )?;
        tx.commit()?;
        if outcome == TrustOutcome::Retrusted {
            self.withdraw_revocation(&d.office)?;
        }
        Ok(outcome)
    }

    /// Revokes every device of `office`: its bundles are refused from now on and nothing is
    /// exported to it. The revocation is also written on this office's Office record (TLP:GREEN,
    /// carried by every bundle), so relays never pass this office's values to it. Returns the
    /// number of devices revoked.
    pub fn revoke_office(&mut self, office: &str) -> Result<usize> {
        let me = self.office.name.clone();
        let mut tx = self.write("office revoke")?;
        let n = tx.conn().execute(
            "UPDATE device SET revoked_at = ?2 WHERE office = ?1 AND is_self = 0 AND revoked_at IS NULL",
            params![office, now_text()],
        )?;
        if n == 0 {
            return Ok(0);
        }
        let uid = ensure_office_record(&mut tx, &me)?;
        let revoked = Assertion { marking: "TLP:GREEN".into(), ..Assertion::plain(REVOKED, office) };
        let detail = serde_json::json!({ "office": office, "devices": n });
        if tx.holds(uid, &revoked)? {
            super::audit::append(tx.conn(), "office revoke", &detail)?;
        } else {
            tx.add(uid, revoked)?;
        }
        tx.commit(&detail)?;
        Ok(n)
    }

    /// Withdraws this office's revocation of `office` (it was trusted again).
    fn withdraw_revocation(&mut self, office: &str) -> Result<()> {
        let uid = office_record_id(&self.office.name);
        let mut tx = self.write("office trust")?;
        if tx.remove(uid, REVOKED, office, None)? {
            tx.commit(&serde_json::json!({ "office": office, "revocation": "withdrawn" }))?;
        }
        Ok(())
    }

    /// Per author device, the last commit `office` has acknowledged holding.
    pub fn acked_by(&self, office: &str) -> Result<HashMap<DeviceId, u64>> {
        let mut stmt = self.conn.prepare_cached("SELECT device, upto FROM ack_out WHERE office = ?1")?;
        let rows = stmt.query_map([office], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        rows.map(|r| r.map(|(d, u)| (device_from_blob(&d), u as u64)).map_err(StoreError::from)).collect()
    }

    /// Per author device, the seq up to which this store holds every commit.
    pub fn held_upto(&self) -> Result<HashMap<DeviceId, u64>> {
        let mut out = HashMap::new();
        let counts: Vec<(Vec<u8>, i64, i64)> = self
            .conn
            .prepare_cached("SELECT device, count(*), max(seq) FROM commit_log GROUP BY device")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (d, count, max) in counts {
            let upto = if count == max {
                max
            } else {
                self.conn
                    .prepare_cached(
                        "SELECT coalesce(min(c.seq), 0) FROM commit_log c
                         WHERE c.device = ?1 AND NOT EXISTS
                           (SELECT 1 FROM commit_log n WHERE n.device = c.device AND n.seq = c.seq + 1)
                           AND EXISTS (SELECT 1 FROM commit_log f WHERE f.device = ?1 AND f.seq = 1)",
                    )?
                    .query_row([&d], |r| r.get(0))?
            };
            out.insert(device_from_blob(&d), upto as u64);
        }
        Ok(out)
    }

    /// Per author device, the seq up to which this store has everything it will be given:
    /// every commit held contiguously, or everything some office covered for it (a relayed
    /// author's chain has gaps where commits carried nothing for this office).
    pub fn known_upto(&self) -> Result<HashMap<DeviceId, u64>> {
        let mut out = self.held_upto()?;
        let offices: Vec<String> = self
            .conn
            .prepare_cached("SELECT DISTINCT office FROM coverage_in")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for office in offices {
            for (device, upto) in acks_for(&self.conn, &office)?.1 {
                let known = out.entry(device).or_insert(0);
                *known = (*known).max(upto);
            }
        }
        Ok(out)
    }

    /// What this store acknowledges to `office` in the next bundle for it.
    pub fn acks_for(&self, office: &str) -> Result<(Vec<[u64; 2]>, Vec<(DeviceId, u64)>)> {
        acks_for(&self.conn, office)
    }

    /// The sequence number of the next bundle for `office`.
    pub fn next_bundle_sequence(&self, office: &str) -> Result<u64> {
        let last: i64 = self.conn.query_row(
            "SELECT coalesce(max(sequence), 0) FROM bundle_out WHERE office = ?1",
            [office],
            |r| r.get(0),
        )?;
        Ok(last as u64 + 1)
    }

    /// Records a written bundle (one row per recipient) and audits the export.
    pub fn record_export(&mut self, sent: &[SentBundle], detail: &serde_json::Value) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for s in sent {
            let cases: Vec<u8> = s.full_cases.iter().flat_map(|c| c.as_bytes().iter().copied()).collect();
            tx.execute(
                "INSERT OR REPLACE INTO bundle_out(office, sequence, bundle_id, created_at, commits, ops,
                                                   full_cases, acked_at)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                params![
                    s.office,
                    s.sequence as i64,
                    s.bundle_id.as_slice(),
                    s.created_at_ms,
                    s.commits as i64,
                    s.ops as i64,
                    cases
                ],
            )?;
        }
        super::audit::append(&tx, "export", detail)?;
        tx.commit()?;
        Ok(())
    }

    /// The traffic with `office`.
    pub fn office_traffic(&self, office: &str) -> Result<OfficeTraffic> {
        let c = &self.conn;
        let (sent, last_sent, last_seq): (i64, Option<i64>, Option<i64>) = c.query_row(
            "SELECT count(*), max(created_at), max(sequence) FROM bundle_out WHERE office = ?1",
            [office],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let (received, last_received, last_rseq): (i64, Option<i64>, Option<i64>) = c.query_row(
            "SELECT count(*), max(imported_at), max(sequence) FROM bundle_in WHERE office = ?1",
            [office],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let (acked, last_acked): (i64, Option<i64>) = c.query_row(
            "SELECT count(*), max(acked_at) FROM bundle_out WHERE office = ?1 AND acked_at IS NOT NULL",
            [office],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(OfficeTraffic {
            bundles_sent: sent,
            last_sent: last_sent.map(ms_to_text),
            last_sent_sequence: last_seq,
            bundles_received: received,
            last_received: last_received.map(ms_to_text),
            last_received_sequence: last_rseq,
            bundles_acknowledged: acked,
            last_acknowledged: last_acked.map(ms_to_text),
            response_time: response_time(c, Some(office))?,
        })
    }

    /// Sharing across all offices, for `liaison stats`.
    pub fn sharing_stats(&self) -> Result<SharingStats> {
        let count = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        Ok(SharingStats {
            offices: count(
                "SELECT count(DISTINCT office) FROM device
                 WHERE is_self = 0 AND trusted_at IS NOT NULL AND revoked_at IS NULL",
            )?,
            shared_cases: count("SELECT count(DISTINCT case_uid) FROM case_share")?,
            bundles_sent: count("SELECT count(DISTINCT bundle_id) FROM bundle_out")?,
            bundles_received: count("SELECT count(*) FROM bundle_in")?,
            bundles_acknowledged: count("SELECT count(*) FROM bundle_out WHERE acked_at IS NOT NULL")?,
            response_time: response_time(&self.conn, None)?,
        })
    }

    /// (entries, hash of the last entry) of the audit log.
    pub fn audit_head(&self) -> Result<(i64, [u8; 32])> {
        let (n, hash): (i64, Vec<u8>) = self
            .conn
            .query_row("SELECT n, hash FROM audit ORDER BY n DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, vec![0; 32]));
        Ok((n, hash.try_into().unwrap_or([0; 32])))
    }

    /// Whether a bundle with this id was imported already.
    pub fn bundle_imported(&self, bundle_id: &[u8]) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM bundle_in WHERE bundle_id = ?1")?
            .query_row([bundle_id], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_prefixes_stop_at_the_first_gap() {
        assert_eq!(contiguous(vec![]), 0);
        assert_eq!(contiguous(vec![(0, 5), (5, 9)]), 9);
        assert_eq!(contiguous(vec![(5, 9), (0, 4)]), 4);
        assert_eq!(contiguous(vec![(0, 4), (2, 12), (12, 13)]), 13);
        assert_eq!(contiguous(vec![(3, 4)]), 0);
    }

    #[test]
    fn ranges_merge_neighbours() {
        assert_eq!(ranges_of(&[1, 2, 3, 5, 7, 8]), vec![[1, 3], [5, 5], [7, 8]]);
        assert!(ranges_of(&[]).is_empty());
    }
}
