//! Exporting a bundle for one or more offices (DESIGN §5): plan, stream the releasable ops
//! into the writer, sign, encrypt to every device of every recipient, record and audit.
//! A dry run plans and reports what would go and what is withheld, and writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use uuid::Uuid;

use super::format::{AuditHead, FORMAT_NAME, Manifest, Party, Recipient, VERSION};
use super::plan::{self, Withheld};
use super::writer::BundleWriter;
use super::{ExchangeError, Result};
use crate::model::ids::hex;
use crate::store::Store;
use crate::store::offices::SentBundle;

/// Records listed by a dry run at most (the counts are always complete).
const MAX_LISTED: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// Recipient office names.
    pub to: Vec<String>,
    pub output: PathBuf,
    /// Everything shared, not only what the recipients have not acknowledged.
    pub full: bool,
    pub dry_run: bool,
    /// Only this case (it must be shared with every recipient).
    pub case: Option<Uuid>,
    /// Blobs to carry (a deconfliction request). A bundle to one office also carries the
    /// replies to that office's deconfliction requests.
    pub blobs: Vec<Vec<u8>>,
    /// Cases whose selectors answer those requests (a person's choice); none: what may be
    /// released to the office (`exchange::deconflict`).
    pub answer_for: Vec<Uuid>,
    /// Carry the blobs (and the deconfliction replies) alone, no op: `deconflict reply`.
    pub blobs_only: bool,
    /// What the deconfliction replies disclose per hit (a person's choice for this bundle);
    /// none: the standing choice for the office.
    pub disclose: Option<crate::store::deconfliction::Disclose>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientReport {
    pub office: String,
    pub sequence: u64,
    pub devices: usize,
    /// References of the cases shared with the office that the bundle serves.
    pub cases: Vec<String>,
    /// Cases whose whole history goes (first export since sharing, or --full).
    pub full_history: Vec<String>,
    /// Ops the office has not acknowledged and receives.
    pub ops: u64,
    /// Ops withheld from the office by handling markings (all of them; the report lists at
    /// most 10,000 values per office).
    pub withheld: u64,
    /// What this bundle acknowledges to the office: its bundles and commits we hold.
    pub acknowledges_bundles: Vec<[u64; 2]>,
}

/// One record going, for dry runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Going {
    pub record: Uuid,
    pub schema: String,
    pub caption: String,
    pub ops: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub dry_run: bool,
    pub file: Option<String>,
    pub bundle: Option<String>,
    pub bytes: u64,
    pub recipients: Vec<RecipientReport>,
    pub commits: u64,
    pub ops: u64,
    pub records: u64,
    /// Dry run: records going, by kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Dry run: the records going (at most 10,000 listed).
    pub going: Vec<Going>,
    pub withheld: Vec<Withheld>,
    /// Deconfliction requests of the recipient this bundle answers.
    pub deconfliction_replies: u64,
}

fn case_refs(store: &Store, cases: &[Uuid]) -> Result<Vec<String>> {
    cases.iter().map(|c| Ok(store.case_reference(*c)?.unwrap_or_else(|| c.to_string()))).collect()
}

/// The page cache while exporting. An export reads the log once, in order, and the scope's
/// indexes: a large cache holds pages it will not read again, and at 1M entities it was
/// most of the export's peak memory (issue #12: ≤ 250 MB, not growing with the store).
const EXPORT_CACHE_KIB: i64 = 16 * 1024;

/// Plans and (unless a dry run) writes a bundle.
pub fn export(
    store: &mut Store,
    req: &ExportRequest,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<ExportReport> {
    let before: i64 =
        store.conn().query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap_or(-EXPORT_CACHE_KIB);
    let _ = store.conn().pragma_update(None, "cache_size", -EXPORT_CACHE_KIB);
    let result = export_with(store, req, progress, cancel);
    let _ = store.conn().pragma_update(None, "cache_size", before);
    result
}

fn export_with(
    store: &mut Store,
    req: &ExportRequest,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<ExportReport> {
    if !req.dry_run {
        // Shares made by imports (a case shared back with its sender) are named in their
        // case before anything leaves, so that relays know whom this office named. Kept out
        // of the import itself, which stays one transaction.
        store.name_shared_back_cases()?;
    }
    let mut plan = plan::prepare(store, &req.to, req.full, req.case)?;
    if let Some(case) = req.case {
        if let Some(t) = plan.targets.iter().find(|t| !t.cases.contains(&case)) {
            return Err(ExchangeError::Input(format!(
                "that case is not shared with {}: `liaison case share REF --with {}` first",
                t.dest.office, t.dest.office
            )));
        }
    }
    if req.blobs_only {
        plan.carry_no_ops();
    }
    let mut written = None;
    let mut answered = Vec::new();
    if req.dry_run {
        plan.run(store, &mut |_, _| Ok(()), progress, cancel)?;
    } else {
        let dir = match req.output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut writer = BundleWriter::new(&dir)?;
        for blob in &req.blobs {
            writer.attach(blob.clone());
        }
        if let [only] = plan.targets.as_slice() {
            let (replies, runs) = super::deconflict::replies_for(
                store,
                &only.dest.office,
                &req.answer_for,
                req.disclose.as_ref(),
            )?;
            for reply in replies {
                writer.attach(reply);
            }
            answered = runs;
        }
        // A reply written alone carries no op: the plan only names the recipient.
        if !req.blobs_only {
            plan.run(
                store,
                &mut |c, carried| {
                    let ops: Vec<(u32, &[u8])> =
                        carried.iter().map(|i| (c.ops[*i].0, c.ops[*i].1.as_slice())).collect();
                    writer.push(&c.header_bytes, &c.sig, &ops)
                },
                progress,
                cancel,
            )?;
        }
        written = Some(finish(store, &plan, writer, req, answered.len())?);
        store.psi_mark_answered(&answered)?;
    }
    let mut report = report(store, &plan, req, written)?;
    report.deconfliction_replies = answered.len() as u64;
    Ok(report)
}

/// Signs, encrypts and records the bundle; returns (bundle id, bytes).
fn finish(
    store: &mut Store,
    plan: &plan::Plan,
    writer: BundleWriter,
    req: &ExportRequest,
    replies: usize,
) -> Result<(String, u64)> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| ExchangeError::Io(format!("no randomness: {e}")))?;
    let created_at_ms = chrono::Utc::now().timestamp_millis();
    let office = store.office().clone();
    let sender = Party {
        office: office.name.clone(),
        agency: office.agency.clone(),
        country: office.country.clone(),
        device: store.device().to_string(),
    };
    let recipients: Vec<Recipient> = plan
        .targets
        .iter()
        .map(|t| Recipient {
            office: t.dest.office.clone(),
            agency: t.dest.agency.clone(),
            country: t.dest.country.clone(),
            devices: t.devices.iter().map(|d| d.id.to_string()).collect(),
            sequence: t.sequence,
            covers: plan.covers(t),
            acks: t.acks.clone(),
        })
        .collect();
    let mut keys = Vec::new();
    for t in &plan.targets {
        for d in &t.devices {
            let r = age::x25519::Recipient::from_str(&d.age_recipient).map_err(|_| {
                ExchangeError::Input(format!(
                    "the encryption key of {} is unusable: trust its card again",
                    d.office
                ))
            })?;
            keys.push(r);
        }
    }
    let key_refs: Vec<&dyn age::Recipient> = keys.iter().map(|k| k as &dyn age::Recipient).collect();
    let (commits, ops) = (writer.commits, writer.ops);
    let (entries, head) = store.audit_head()?;
    let audit_head = AuditHead { entries, hash: hex(&head) };
    let created_at = chrono::DateTime::from_timestamp_millis(created_at_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (manifest, bytes) = writer.finish(
        |entry| Manifest {
            format: FORMAT_NAME.into(),
            version: VERSION,
            bundle_id: hex(&random),
            created_at,
            sender,
            recipients,
            cases: plan.cases.clone(),
            full: req.full,
            commits: entry,
            blobs: Vec::new(),
            audit_head,
        },
        &store.keys().signing_key(),
        &key_refs,
        &req.output,
    )?;
    let sent: Vec<SentBundle> = plan
        .targets
        .iter()
        .map(|t| SentBundle {
            office: t.dest.office.clone(),
            sequence: t.sequence,
            bundle_id: random,
            created_at_ms,
            commits,
            ops: t.ops,
            full_cases: t.full_cases.clone(),
        })
        .collect();
    let withheld: u64 = plan.targets.iter().map(|t| t.withheld_ops).sum();
    store.record_export(
        &sent,
        &serde_json::json!({
            "bundle": manifest.bundle_id,
            "to": plan.targets.iter().map(|t| (t.dest.office.clone(), t.sequence)).collect::<Vec<_>>(),
            "commits": commits, "ops": ops, "withheld": withheld, "full": req.full, "bytes": bytes,
            "deconfliction_requests": req.blobs.len(), "deconfliction_replies": replies,
            "deconfliction_answer_for": req.answer_for,
        }),
    )?;
    Ok((manifest.bundle_id, bytes))
}

fn report(
    store: &Store,
    plan: &plan::Plan,
    req: &ExportRequest,
    written: Option<(String, u64)>,
) -> Result<ExportReport> {
    let mut recipients = Vec::new();
    let mut withheld = Vec::new();
    for t in &plan.targets {
        let w: Vec<Withheld> = t.withheld().cloned().collect();
        recipients.push(RecipientReport {
            office: t.dest.office.clone(),
            sequence: t.sequence,
            devices: t.devices.len(),
            cases: case_refs(store, &t.cases)?,
            full_history: case_refs(store, &t.full_cases)?,
            ops: t.ops,
            withheld: t.withheld_ops,
            acknowledges_bundles: t.acks.bundles.clone(),
        });
        withheld.extend(w);
    }
    let mut by_kind = BTreeMap::new();
    let mut going = Vec::new();
    if req.dry_run {
        for (uid, ops) in plan.going() {
            let (schema, caption) = store.record_label(uid)?.unwrap_or_default();
            *by_kind
                .entry(if schema.is_empty() { "(reference)".to_owned() } else { schema.clone() })
                .or_default() += 1;
            going.push(Going { record: uid, schema, caption, ops });
        }
        going.sort_by(|a, b| (&a.schema, &a.caption, a.record).cmp(&(&b.schema, &b.caption, b.record)));
        going.truncate(MAX_LISTED);
    }
    let (bundle, bytes) = written.map_or((None, 0), |(b, n)| (Some(b), n));
    Ok(ExportReport {
        dry_run: req.dry_run,
        file: (!req.dry_run).then(|| display(&req.output)),
        bundle,
        bytes,
        recipients,
        commits: plan.commits,
        ops: plan.ops,
        records: plan.records_going(),
        by_kind,
        going,
        withheld,
        deconfliction_replies: 0,
    })
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
