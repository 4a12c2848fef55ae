//! Exchange without someone carrying it: where offices share a folder (a network share, a
//! Syncthing folder, an SFTP drop), `liaison exchange watch --dir DIR` imports every bundle
//! addressed to this office that appears in `DIR/in` and writes this office's pending
//! bundles to `DIR/out`. The sync tool is the installation's; this only reads and writes files.
//!
//! Safe to stop at any moment and to run again: an import is one transaction and a bundle is
//! imported once (its id), so a file imported just before a crash is recognised ("already
//! imported") and moved on the next round; an export is written under a temporary name and
//! renamed, so the other side never picks up half a file.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::export::{ExportRequest, export};
use super::import::import;
use super::{ExchangeError, Result, offices};
use crate::store::Store;

/// What one round did, for the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Round {
    /// Bundles imported (file name, sending office, new ops).
    pub imported: Vec<(String, String, u64)>,
    /// Bundles already imported (moved to `done/`).
    pub already: Vec<String>,
    /// Files refused, with the reason (moved to `refused/`, the reason beside them).
    pub refused: Vec<(String, String)>,
    /// Bundles for other offices, left where they are.
    pub not_ours: Vec<String>,
    /// Bundles written (file name, office, ops).
    pub written: Vec<(String, String, u64)>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ExchangeError + '_ {
    move |e| ExchangeError::Io(format!("{}: {e}", path.display()))
}

/// The folder layout, created if missing.
fn folders(dir: &Path) -> Result<[PathBuf; 4]> {
    let f = [dir.join("in"), dir.join("out"), dir.join("done"), dir.join("refused")];
    for d in &f {
        fs::create_dir_all(d).map_err(io(d))?;
    }
    Ok(f)
}

/// A file a sync tool may still be writing: hidden, or named as a partial download.
fn in_transit(name: &str) -> bool {
    let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or_default();
    name.starts_with('.')
        || extension.eq_ignore_ascii_case("partial")
        || extension.eq_ignore_ascii_case("tmp")
        || name.contains(".syncthing.")
}

fn move_to(file: &Path, folder: &Path) -> Result<()> {
    let target = folder.join(file.file_name().unwrap_or_default());
    fs::rename(file, &target).map_err(io(file))
}

/// Ops of the last bundle sent to `office` if it is not acknowledged yet (0 otherwise).
fn unacknowledged_sent(store: &Store, office: &str) -> Result<u64> {
    use rusqlite::OptionalExtension;
    let last: Option<(i64, Option<i64>)> = store
        .conn()
        .query_row(
            "SELECT ops, acked_at FROM bundle_out WHERE office = ?1 ORDER BY sequence DESC LIMIT 1",
            [office],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(crate::store::StoreError::from)?;
    Ok(match last {
        Some((ops, None)) => ops.max(0) as u64,
        _ => 0,
    })
}

/// One round: import what arrived, then write what is pending.
pub fn round(store: &mut Store, dir: &Path) -> Result<Round> {
    let [inbox, outbox, done, refused] = folders(dir)?;
    let mut report = Round::default();
    let mut names: Vec<PathBuf> = fs::read_dir(&inbox)
        .map_err(io(&inbox))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !in_transit(n)))
        .collect();
    names.sort();
    // Offices that sent us ops this round: they get a bundle back, if only to acknowledge.
    let mut answer: Vec<String> = Vec::new();
    for file in names {
        let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        match import(store, &file, false, &mut |_, _| {}, &AtomicBool::new(false)) {
            Ok(r) if r.status == "already imported" => {
                move_to(&file, &done)?;
                report.already.push(name);
            }
            Ok(r) => {
                move_to(&file, &done)?;
                if r.ops_new > 0 && !answer.contains(&r.from) {
                    answer.push(r.from.clone());
                }
                report.imported.push((name, r.from, r.ops_new));
            }
            // Addressed to another office sharing the folder: not ours to move.
            Err(ExchangeError::NotAddressed(_)) => report.not_ours.push(name),
            Err(e) if e.is_rejection() => {
                let reason = e.to_string();
                move_to(&file, &refused)?;
                let note = refused.join(format!("{name}.reason.txt"));
                fs::write(&note, format!("{reason}\n")).map_err(io(&note))?;
                report.refused.push((name, reason));
            }
            Err(e) => return Err(e),
        }
    }
    for office in offices(store, true)? {
        if office.revoked {
            continue;
        }
        let pending = office.pending_ops.unwrap_or(0);
        let replies = !store.psi_waiting(&office.office)?.is_empty();
        // The delta since the office's last acknowledgement was already sent if the last
        // bundle, still unacknowledged, carried as many ops: sending it again every round
        // would fill the folder while the other office is away.
        let new_ops = pending > unacknowledged_sent(store, &office.office)?;
        if !new_ops && !replies && !answer.contains(&office.office) {
            continue;
        }
        let sequence = office.traffic.last_sent_sequence.unwrap_or(0) + 1;
        let safe_name: String =
            office.office.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let name = format!("to-{safe_name}-{sequence:06}.liaison");
        let output = outbox.join(&name);
        let req = ExportRequest { to: vec![office.office.clone()], output, ..ExportRequest::default() };
        let written = export(store, &req, &mut |_, _| {}, &AtomicBool::new(false))?;
        report.written.push((name, office.office, written.ops));
    }
    Ok(report)
}
