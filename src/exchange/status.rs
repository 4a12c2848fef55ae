//! Offices as the exchange screens show them: identity, trust, shared cases, traffic with
//! this office (last sent, received, acknowledged; response time) and the pending delta.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::Result;
use super::plan;
use crate::model::fingerprint::fingerprint;
use crate::store::Store;
use crate::store::offices::OfficeTraffic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    pub id: String,
    pub fingerprint: String,
    pub trusted_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeStatus {
    pub office: String,
    pub agency: String,
    pub country: String,
    pub revoked: bool,
    pub devices: Vec<DeviceView>,
    /// References of the cases shared with the office.
    pub shared_cases: Vec<String>,
    #[serde(flatten)]
    pub traffic: OfficeTraffic,
    /// Ops the next export to the office would carry (None if revoked or not computed).
    pub pending_ops: Option<u64>,
    /// Entries in the office's audit log, as its latest bundle announced (None before one).
    pub audit_entries: Option<i64>,
    /// The latest time its audit log did not extend the one announced before (entries may
    /// have been removed from it), in words.
    pub audit_warning: Option<String>,
}

/// The number of ops the next default export to `office` would carry.
pub fn pending_ops(store: &Store, office: &str) -> Result<u64> {
    let mut plan = plan::prepare(store, &[office.to_owned()], false, None)?;
    plan.run(store, &mut |_, _| Ok(()), &mut |_, _| {}, &AtomicBool::new(false))?;
    Ok(plan.targets.first().map_or(0, |t| t.ops))
}

/// Every other office this store knows, by name; `with_pending` also plans each export.
pub fn offices(store: &Store, with_pending: bool) -> Result<Vec<OfficeStatus>> {
    let mut by_office: BTreeMap<String, OfficeStatus> = BTreeMap::new();
    for d in store.devices()?.into_iter().filter(|d| !d.is_self) {
        let entry = by_office.entry(d.office.clone()).or_insert_with(|| OfficeStatus {
            office: d.office.clone(),
            agency: d.agency.clone(),
            country: d.country.clone(),
            revoked: true,
            devices: Vec::new(),
            shared_cases: Vec::new(),
            traffic: OfficeTraffic::default(),
            pending_ops: None,
            audit_entries: None,
            audit_warning: None,
        });
        entry.revoked &= !d.is_trusted();
        entry.devices.push(DeviceView {
            id: d.id.to_string(),
            fingerprint: fingerprint(&d.public_key, &d.age_recipient),
            trusted_at: d.trusted_at.clone(),
            revoked_at: d.revoked_at.clone(),
        });
    }
    for head in store.peer_audit_heads()? {
        if let Some(status) = by_office.get_mut(&head.office) {
            status.audit_entries = Some(status.audit_entries.map_or(head.entries, |e| e.max(head.entries)));
            if head.warning.is_some() {
                status.audit_warning = head.warning;
            }
        }
    }
    let shares = store.case_shares()?;
    for (name, status) in &mut by_office {
        for s in shares.iter().filter(|s| &s.office == name) {
            status.shared_cases.push(store.case_reference(s.case)?.unwrap_or_else(|| s.case.to_string()));
        }
        status.shared_cases.sort();
        status.traffic = store.office_traffic(name)?;
        if with_pending && !status.revoked {
            status.pending_ops = Some(pending_ops(store, name)?);
        }
    }
    Ok(by_office.into_values().collect())
}

/// A bundle imported from another office, as a dated item of the store's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arrival {
    /// When it was imported (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub at: String,
    pub office: String,
    pub sequence: u64,
    pub commits: u64,
    pub ops: u64,
}

/// Every imported bundle, oldest first. The table has one row per bundle received — a few
/// thousand in the life of a task force, whatever the number of entities — so reading it
/// whole is cheap.
pub fn arrivals(store: &Store) -> Result<Vec<Arrival>> {
    let mut q = store.conn().prepare_cached(
        "SELECT imported_at, office, sequence, commits, ops FROM bundle_in ORDER BY imported_at, office, sequence",
    )?;
    let rows = q.query_map([], |r| {
        Ok(Arrival {
            at: crate::store::offices::ms_to_text(r.get(0)?),
            office: r.get(1)?,
            sequence: r.get::<_, i64>(2)?.max(0) as u64,
            commits: r.get::<_, i64>(3)?.max(0) as u64,
            ops: r.get::<_, i64>(4)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
