//! Importing a bundle in two passes (DESIGN §5).
//!
//! 1. [`verify`] reads the whole file and writes nothing: decryption with this office's key,
//!    the tar profile and limits, the manifest's signature by a trusted, non-revoked office,
//!    this office among its recipients, then every commit — its signature by its author,
//!    its place in the author's hash chain, and each carried op's hash in the signed list.
//! 2. [`apply`] reads the file again, checks it all again (the file may have changed in
//!    between), and applies every commit in one SQL transaction through the store's
//!    `Applier`. A preview is the same transaction, rolled back.
//!
//! Any rejection leaves the store's data unchanged and is recorded in the audit log.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use serde::Serialize;
use uuid::Uuid;

use super::format::{Limits, Manifest, hex_decode, parse_device};
use super::reader::{EncryptedBundle, RawCommit};
use super::{ExchangeError, Result};
use crate::model::ids::DeviceId;
use crate::model::op::{CommitHeader, FORMAT_VERSION, FORMAT_VERSION_ANALYST, Op, OpId};
use crate::store::Store;
use crate::store::offices::DeviceRecord;
use crate::store::peer_audit::{self, AnnouncedHead};
use crate::store::remote::{QuarantinedCommit, RemoteTxn};

/// A bundle that passed the first pass.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    pub path: PathBuf,
    pub manifest: Manifest,
    manifest_bytes: Vec<u8>,
    /// The sending office's device, as this store trusts it.
    pub sender: DeviceRecord,
    pub already_imported: bool,
    /// Commits by devices this store does not trust (they are skipped), by office or id.
    pub untrusted_authors: Vec<String>,
    pub limits: Limits,
}

/// What an import did (or, for a preview, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ImportReport {
    /// "imported", "already imported" or "preview".
    pub status: String,
    pub bundle: String,
    pub from: String,
    pub sequence: u64,
    pub created_at: String,
    pub commits: u64,
    pub ops: u64,
    pub ops_new: u64,
    pub ops_already_held: u64,
    pub records_new: u64,
    pub records_updated: u64,
    pub records_unchanged: u64,
    pub conflicts_new: i64,
    pub conflicts_resolved: i64,
    pub conflicts_open: i64,
    /// Earlier bundles from the sender never imported ("bundle 4 from Lyon is missing").
    pub missing: Vec<String>,
    /// Commits held back because their clock is more than 24 hours ahead.
    pub quarantined: Vec<String>,
    pub released_from_quarantine: u64,
    /// Commits not applied because their author is not trusted here.
    pub skipped: Vec<String>,
    /// Bundles of ours the sender acknowledged with this one.
    pub acknowledged: u64,
    /// The sender's audit head does not extend the one held from its last bundle
    /// ("PJ Marseille's audit log went from 43 entries to 13 …"). Reported, not refused.
    pub audit_warnings: Vec<String>,
    /// Deconfliction requests received and hits read from a reply (`docs/deconfliction.md`).
    pub deconfliction: super::deconflict::Received,
    /// Statements of the bundle naming a watched selector or record (`liaison watch`).
    pub watch_alerts: Vec<crate::store::watch::Alert>,
}

/// The checks of one commit, shared by both passes.
struct CommitVerifier {
    me: DeviceId,
    devices: HashMap<DeviceId, DeviceRecord>,
    /// Commits seen in this bundle: hash and prev.
    seen: HashMap<(DeviceId, u64), [u8; 32]>,
    untrusted: HashMap<DeviceId, u64>,
    max_ops_per_commit: u32,
}

/// A commit that passed the checks.
struct CheckedCommit {
    header: CommitHeader,
    sig: [u8; 64],
    ops: Vec<(u32, OpId, Op, Vec<u8>)>,
}

enum Checked {
    /// Written by this device: already held.
    Own,
    /// By a device not trusted here: skipped.
    Untrusted,
    /// Boxed: a checked commit is large beside the other outcomes.
    Ok(Box<CheckedCommit>),
}

type HeldLookup<'a> = &'a dyn Fn(DeviceId, u64) -> Result<Option<[u8; 32]>>;

impl CommitVerifier {
    fn new(store: &Store, max_ops_per_commit: u32) -> Result<CommitVerifier> {
        Ok(CommitVerifier {
            me: store.device(),
            devices: store.devices()?.into_iter().map(|d| (d.id, d)).collect(),
            seen: HashMap::new(),
            untrusted: HashMap::new(),
            max_ops_per_commit,
        })
    }

    fn check(&mut self, raw: RawCommit, held: HeldLookup<'_>) -> Result<Checked> {
        let damaged = |why: String| ExchangeError::Damaged(why);
        let header =
            CommitHeader::decode(&raw.header).map_err(|_| damaged("a commit header is unreadable".into()))?;
        // The version first: a newer layout is named as such, not called damaged.
        if !header.version_known() {
            return Err(ExchangeError::UnsupportedVersion(format!(
                "commit format {}; this Liaison reads formats {FORMAT_VERSION} and {FORMAT_VERSION_ANALYST}",
                header.version
            )));
        }
        if header.encode() != raw.header {
            return Err(damaged("a commit header is not in canonical form".into()));
        }
        if header.ops.len() > self.max_ops_per_commit as usize {
            return Err(ExchangeError::TooLarge(format!(
                "a commit signs {} ops; the limit is {}",
                header.ops.len(),
                self.max_ops_per_commit
            )));
        }
        let device = header.device;
        let Some(author) = self.devices.get(&device) else {
            *self.untrusted.entry(device).or_default() += 1;
            return Ok(Checked::Untrusted);
        };
        let key = VerifyingKey::from_bytes(&author.public_key)
            .map_err(|_| damaged(format!("device {device} has an unusable key")))?;
        if !header.verify(&key, &raw.sig) {
            return Err(damaged(format!("a commit signature of device {device} does not verify")));
        }
        if author.is_self || device == self.me {
            return Ok(Checked::Own);
        }
        if !author.is_trusted() {
            *self.untrusted.entry(device).or_default() += 1;
            return Ok(Checked::Untrusted);
        }
        let hash = header.hash();
        let seq = header.seq;
        if seq == 0 || (seq == 1 && header.prev != [0; 32]) {
            return Err(damaged(format!(
                "commit {seq} of device {device} has an impossible place in its chain"
            )));
        }
        let known = |s: u64| -> Result<Option<[u8; 32]>> {
            match self.seen.get(&(device, s)) {
                Some(h) => Ok(Some(*h)),
                None => held(device, s),
            }
        };
        if let Some(existing) = known(seq)? {
            if existing != hash {
                return Err(damaged(format!("device {device} signed two different commits numbered {seq}")));
            }
        }
        if seq > 1 {
            if let Some(prev) = known(seq - 1)? {
                if prev != header.prev {
                    return Err(damaged(format!("the history of device {device} is broken at commit {seq}")));
                }
            }
        }
        let mut ops = Vec::with_capacity(raw.ops.len());
        for (idx, body) in raw.ops {
            let signed = header.ops.get(idx as usize).copied().ok_or_else(|| {
                damaged(format!("commit {seq} of device {device} carries an op it did not sign"))
            })?;
            let op = Op::decode(&body).map_err(|_| damaged("an op is unreadable".into()))?;
            if op.encode() != body {
                return Err(damaged("an op is not in canonical form".into()));
            }
            let id = op.id(device);
            if id != signed {
                return Err(damaged(format!(
                    "an op of commit {seq} of device {device} does not match its signed hash"
                )));
            }
            ops.push((idx, id, op, body));
        }
        self.seen.insert((device, seq), hash);
        Ok(Checked::Ok(Box::new(CheckedCommit { header, sig: raw.sig, ops })))
    }

    fn untrusted_notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .untrusted
            .iter()
            .map(|(d, n)| {
                let who = self.devices.get(d).map_or_else(
                    || format!("device {d}, not trusted here"),
                    |r| format!("{} (revoked)", r.office),
                );
                format!("{n} commits by {who} were skipped")
            })
            .collect();
        notes.sort();
        notes
    }
}

/// Checks the manifest: trusted sender, its signature, this office among the recipients.
fn check_manifest(
    store: &Store,
    opened_manifest: &Manifest,
    bytes: &[u8],
    sig: &[u8; 64],
) -> Result<DeviceRecord> {
    let m = opened_manifest;
    let sender_id = parse_device(&m.sender.device)
        .ok_or_else(|| ExchangeError::Damaged("the sender's device id".into()))?;
    let devices = store.devices()?;
    let Some(sender) = devices.iter().find(|d| d.id == sender_id).cloned() else {
        return Err(ExchangeError::UnknownSender(format!(
            "{:?} (device {sender_id}) is not a trusted office here; `liaison office trust CARD` adds it",
            m.sender.office
        )));
    };
    if sender.is_self {
        return Err(ExchangeError::NotAddressed("it was written by this office".into()));
    }
    if let Some(when) = &sender.revoked_at {
        return Err(ExchangeError::RevokedSender(format!("{} was revoked on {when}", sender.office)));
    }
    if sender.trusted_at.is_none() {
        return Err(ExchangeError::UnknownSender(format!("{} is not trusted here", sender.office)));
    }
    let key = VerifyingKey::from_bytes(&sender.public_key)
        .map_err(|_| ExchangeError::Damaged("the sender's key is unusable".into()))?;
    key.verify(&Manifest::signed_message(bytes), &Signature::from_bytes(sig)).map_err(|_| {
        ExchangeError::Damaged(format!("the manifest's signature by {} does not verify", sender.office))
    })?;
    if m.recipient_for(store.device()).is_none() {
        let names: Vec<&str> = m.recipients.iter().map(|r| r.office.as_str()).collect();
        return Err(ExchangeError::NotAddressed(format!("it is for {}", names.join(", "))));
    }
    Ok(sender)
}

/// Pass one: reads and checks everything; writes nothing.
pub fn verify(
    store: &Store,
    path: &Path,
    limits: &Limits,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<VerifiedBundle> {
    let mut bundle = EncryptedBundle::open(path, store.keys().age_identity(), limits)?;
    let opened = &bundle.opened;
    let sender = check_manifest(store, &opened.manifest, &opened.manifest_bytes, &opened.sig)?;
    let manifest = opened.manifest.clone();
    let manifest_bytes = opened.manifest_bytes.clone();
    let id = hex_decode(&manifest.bundle_id).unwrap_or_default();
    if store.bundle_imported(&id)? {
        return Ok(VerifiedBundle {
            path: path.to_path_buf(),
            manifest,
            manifest_bytes,
            sender,
            already_imported: true,
            untrusted_authors: Vec::new(),
            limits: *limits,
        });
    }
    let mut verifier = CommitVerifier::new(store, limits.max_ops_per_commit)?;
    let held = |d: DeviceId, s: u64| -> Result<Option<[u8; 32]>> { Ok(store.commit_hash(d, s)?) };
    bundle.opened.commits(
        limits,
        &mut |raw| {
            if cancel.load(Ordering::Relaxed) {
                return Err(ExchangeError::Cancelled);
            }
            verifier.check(raw, &held).map(|_| ())
        },
        progress,
    )?;
    bundle.finish(limits)?;
    Ok(VerifiedBundle {
        path: path.to_path_buf(),
        manifest,
        manifest_bytes,
        sender,
        already_imported: false,
        untrusted_authors: verifier.untrusted_notes(),
        limits: *limits,
    })
}

/// What happened to each record the bundle touches.
#[derive(Default)]
struct Tally {
    /// Records the bundle touches: whether any of their ops was new here.
    records: HashMap<Uuid, bool>,
    ops_new: u64,
    ops_held: u64,
    quarantined: Vec<String>,
}

fn apply_commit(txn: &mut RemoteTxn<'_>, tally: &mut Tally, c: &CheckedCommit, office: &str) -> Result<()> {
    let h = &c.header;
    let ahead =
        RemoteTxn::too_far_ahead(h.hlc) || c.ops.iter().any(|(_, _, op, _)| RemoteTxn::too_far_ahead(op.hlc));
    if ahead {
        txn.quarantine(
            h,
            &QuarantinedCommit {
                header: h.encode(),
                sig: c.sig,
                ops: c.ops.iter().map(|(i, _, _, b)| (*i, b.clone())).collect(),
                office: office.to_owned(),
            },
        )?;
        tally.quarantined.push(format!(
            "commit {} of {office} is dated {}, more than 24 hours ahead: held back until then",
            h.seq, h.hlc
        ));
        return Ok(());
    }
    let (n, held) = match txn.held_commit(h.device, h.seq)? {
        Some(held) => (held.n, held.held),
        None => (txn.insert_commit(h, &c.sig)?, std::collections::BTreeSet::default()),
    };
    for (idx, id, op, _) in &c.ops {
        let changed = tally.records.entry(op.object).or_insert(false);
        if held.contains(idx) {
            tally.ops_held += 1;
            continue;
        }
        *changed = true;
        txn.apply_op(n, *idx, h.device, id, op)?;
        txn.observe(op.hlc);
        tally.ops_new += 1;
    }
    txn.observe(h.hlc);
    Ok(())
}

/// Pass two: checks everything again and applies it in one transaction; a preview
/// (`dry_run`) rolls it back.
pub fn apply(
    store: &mut Store,
    v: &VerifiedBundle,
    dry_run: bool,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    let m = &v.manifest;
    let office = v.sender.office.clone();
    let me = store.device();
    let recipient = m.recipient_for(me).cloned().ok_or_else(|| ExchangeError::NotAddressed(String::new()))?;
    let mut report = ImportReport {
        status: if dry_run { "preview" } else { "imported" }.into(),
        bundle: m.bundle_id.clone(),
        from: office.clone(),
        sequence: recipient.sequence,
        created_at: m.created_at.clone(),
        commits: m.commits.commits,
        ops: m.commits.ops,
        ..ImportReport::default()
    };
    if v.already_imported {
        report.status = "already imported".into();
        store.audit(
            "import",
            &serde_json::json!({ "bundle": m.bundle_id, "from": office, "status": report.status }),
        )?;
        return Ok(report);
    }
    let mut bundle = EncryptedBundle::open(&v.path, store.keys().age_identity(), &v.limits)?;
    if bundle.opened.manifest_bytes != v.manifest_bytes {
        return Err(ExchangeError::Damaged("the file changed after it was verified".into()));
    }
    // The sender may have been revoked since the first pass.
    check_manifest(store, &bundle.opened.manifest, &bundle.opened.manifest_bytes, &bundle.opened.sig)?;
    let mut verifier = CommitVerifier::new(store, v.limits.max_ops_per_commit)?;
    let devices = verifier.devices.clone();
    let mut txn = store.remote_write()?;
    let conflicts_before = txn.conflict_count()?;
    let records_before = txn.record_count()?;
    let mut tally = Tally::default();
    for q in txn.release_quarantine()? {
        let raw = RawCommit { header: q.header, sig: q.sig, ops: q.ops };
        let held = |_: DeviceId, _: u64| -> Result<Option<[u8; 32]>> { Ok(None) };
        if let Ok(Checked::Ok(c)) = verifier.check(raw, &held) {
            apply_commit(&mut txn, &mut tally, &c, &q.office)?;
            report.released_from_quarantine += 1;
        }
    }
    verifier.seen.clear();
    bundle.opened.commits(
        &v.limits,
        &mut |raw| {
            if cancel.load(Ordering::Relaxed) {
                return Err(ExchangeError::Cancelled);
            }
            let checked = {
                let held = |d: DeviceId, s: u64| -> Result<Option<[u8; 32]>> { Ok(txn.commit_hash(d, s)?) };
                verifier.check(raw, &held)?
            };
            if let Checked::Ok(c) = checked {
                apply_commit(&mut txn, &mut tally, &c, &office)?;
            }
            Ok(())
        },
        progress,
    )?;
    let blobs = bundle.finish_with_blobs(&v.limits, super::deconflict::MAX_BLOB)?;
    report.deconfliction = super::deconflict::receive(txn.conn(), &office, m.recipients.len() == 1, &blobs)?;

    for cover in &recipient.covers {
        let Some(device) = parse_device(&cover.device) else { continue };
        if devices.get(&device).is_some_and(|d| d.is_trusted() && !d.is_self) {
            txn.record_coverage(&office, device, cover.from, cover.to)?;
        }
    }
    let acked_commits: Vec<(DeviceId, u64)> =
        recipient.acks.commits.iter().filter_map(|a| Some((parse_device(&a.device)?, a.upto))).collect();
    report.acknowledged = txn.apply_acks(&office, &recipient.acks.bundles, &acked_commits)?;
    for case in &m.cases {
        if txn.record_exists(*case)? {
            txn.share_back(*case, &office)?;
        }
    }
    let id = hex_decode(&m.bundle_id).unwrap_or_default();
    txn.record_bundle_in(&id, &office, recipient.sequence, &m.created_at, m.commits.commits, m.commits.ops)?;
    report.missing = txn
        .missing_from(&office)?
        .into_iter()
        .map(|s| format!("bundle {s} from {office} is missing"))
        .collect();
    let conflicts_after = txn.conflict_count()?;
    // New records are counted once at the end rather than looked up one by one.
    let changed = tally.records.values().filter(|c| **c).count() as u64;
    report.records_new = (txn.record_count()? - records_before).max(0) as u64;
    report.records_updated = changed.saturating_sub(report.records_new);
    report.records_unchanged = tally.records.len() as u64 - changed;
    report.ops_new = tally.ops_new;
    report.ops_already_held = tally.ops_held;
    report.quarantined = tally.quarantined;
    report.skipped = verifier.untrusted_notes();
    report.conflicts_open = conflicts_after;
    report.conflicts_new = (conflicts_after - conflicts_before).max(0);
    report.conflicts_resolved = (conflicts_before - conflicts_after).max(0);
    let head = AnnouncedHead {
        device: v.sender.id,
        office: &office,
        sequence: recipient.sequence,
        entries: m.audit_head.entries,
        hash: &m.audit_head.hash,
        bundle: &m.bundle_id,
    };
    report.audit_warnings = peer_audit::record(txn.conn(), &head)?.into_iter().collect();
    report.watch_alerts = txn.alerts()?;
    txn.audit(
        "import",
        &serde_json::json!({
            "bundle": m.bundle_id, "from": office, "sequence": recipient.sequence,
            "ops_new": report.ops_new, "records_new": report.records_new,
            "records_updated": report.records_updated, "conflicts_new": report.conflicts_new,
            "missing": report.missing.len(), "quarantined": report.quarantined.len(),
            "sender_audit_head": { "entries": m.audit_head.entries, "hash": m.audit_head.hash },
            "sender_audit_warning": report.audit_warnings.first(),
            "deconfliction_requests": report.deconfliction.requests,
            "deconfliction_hits": report.deconfliction.hits.len(),
            "watch_alerts": report.watch_alerts.len(),
        }),
    )?;
    if dry_run {
        // The preview's transaction is rolled back, but the bundle was decrypted and read:
        // that is recorded, as any other look at data.
        drop(txn);
        store.audit(
            "previewed bundle",
            &serde_json::json!({
                "bundle": m.bundle_id, "from": office, "sequence": recipient.sequence,
                "ops_new": report.ops_new, "records_new": report.records_new,
                "sender_audit_warning": report.audit_warnings.first(),
            }),
        )?;
    } else {
        txn.commit()?;
    }
    Ok(report)
}

/// Both passes, with default limits; a rejection is recorded in the audit log.
pub fn import(
    store: &mut Store,
    path: &Path,
    dry_run: bool,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    import_with_limits(store, path, &Limits::default(), dry_run, progress, cancel)
}

pub fn import_with_limits(
    store: &mut Store,
    path: &Path,
    limits: &Limits,
    dry_run: bool,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    let result = verify(store, path, limits, progress, cancel)
        .and_then(|v| apply(store, &v, dry_run, progress, cancel));
    if let Err(e) = &result {
        if e.is_rejection() {
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            store.audit(
                "import rejected",
                &serde_json::json!({ "file": file, "reason": e.class(), "detail": e.to_string() }),
            )?;
        }
    }
    result
}

/// Cases named in a verified bundle that this store does not hold yet (for previews).
pub fn new_cases(store: &Store, v: &VerifiedBundle) -> Result<Vec<Uuid>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for c in &v.manifest.cases {
        if seen.insert(*c) && store.object_n(*c)?.is_none() {
            out.push(*c);
        }
    }
    Ok(out)
}
