//! The store thread's share of the exchange screens: export and import jobs (each the
//! library's own call, with progress and the cancel flag), the conflicts inbox's resolution,
//! and bundle arrivals merged into the whole-store timeline.

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::reply::Reply;
use crate::exchange::{self, ExchangeError, ExportRequest, OfficeCard};
use crate::interop::{self, ImportError, ImportOptions, mapping::Mapping};
use crate::store::offices::TrustOutcome;
use crate::store::query::{TimelineItem, TimelineQuery};
use crate::store::{Store, StoreError};
use crate::tui::action::Action;
use crate::tui::message::{ExchangeJob, FileImport, OfficeCardView, OfficeOp, Outcome};

/// The schema shown for a bundle arrival on the timeline (it is not a record: its id is nil).
pub const ARRIVAL: &str = "Bundle";

/// Least time between two progress reports (the library reports every commit or block).
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// Runs `job` and says how it ended.
pub fn run(store: &mut Store, job: ExchangeJob, out: &Sender<Reply>, cancel: &AtomicBool) -> Action {
    let mut last = Instant::now().checked_sub(PROGRESS_EVERY).unwrap_or_else(Instant::now);
    let mut progress = |done: u64, total: u64| {
        if last.elapsed() >= PROGRESS_EVERY || (total > 0 && done >= total) {
            last = Instant::now();
            let _ = out.send(Reply::Action(Action::JobProgress(done, total)));
        }
    };
    let outcome = match job {
        ExchangeJob::Export { office, path } => {
            let req = ExportRequest { to: vec![office], output: path, ..ExportRequest::default() };
            Outcome::Exported(
                exchange::export(store, &req, &mut progress, cancel).map_err(|e| bundle_error(&e)),
            )
        }
        ExchangeJob::PreviewBundle { path } => {
            let r = exchange::import(store, &path, true, &mut progress, cancel).map_err(|e| bundle_error(&e));
            Outcome::BundlePreview(path, r)
        }
        ExchangeJob::ImportBundle { path } => Outcome::BundleImported(
            exchange::import(store, &path, false, &mut progress, cancel).map_err(|e| bundle_error(&e)),
        ),
        ExchangeJob::PreviewFile(file) => {
            let opts = file_options(store, &file);
            let r = opts.as_ref().map_err(ToString::to_string).and_then(|opts| {
                interop::preview(store, &file.path, opts, &mut progress).map_err(|e| e.to_string())
            });
            // A preview to be imported also says what of it matches records held (issue 13):
            // the preview first, the matches when counted.
            match (opts, &r) {
                (Ok(opts), Ok(report)) if report.already_imported.is_none() => {
                    let path = file.path.clone();
                    let _ =
                        out.send(Reply::Action(Action::Exchanged(Box::new(Outcome::FilePreview(file, r)))));
                    Outcome::FileMatches(
                        super::review::preview_matches(store, &path, &opts).map_err(|e| e.to_string()),
                    )
                }
                _ => Outcome::FilePreview(file, r),
            }
        }
        ExchangeJob::ImportFile(file) => {
            let result = file_options(store, &file)
                .and_then(|opts| interop::import(store, &file.path, &opts, &mut progress))
                .map_err(|e| e.to_string());
            // An import that wrote something is then compared with what was held (issue 13):
            // the report first, the matches when counted.
            if result.as_ref().is_ok_and(|r| r.changed) {
                let done = Action::Exchanged(Box::new(Outcome::FileImported(result)));
                let _ = out.send(Reply::Action(done));
                Outcome::FileMatches(super::review::import_matches(store).map_err(|e| e.to_string()))
            } else {
                Outcome::FileImported(result)
            }
        }
        ExchangeJob::ReadCard { path } => {
            let card = OfficeCard::read_file(&path).map_err(|e| e.to_string()).map(|c| {
                Box::new(OfficeCardView {
                    fingerprint: c.fingerprint(),
                    device: c.device.to_string(),
                    office: c.office,
                    agency: c.agency,
                    country: c.country,
                })
            });
            Outcome::Card(path, card)
        }
        ExchangeJob::Office(op) => Outcome::Office(office(store, op)),
    };
    Action::Exchanged(Box::new(outcome))
}

/// An office operation through the store's own calls, as `liaison office trust|revoke` and
/// `liaison case share|unshare` make them (each audited by the store); one sentence back.
fn office(store: &mut Store, op: OfficeOp) -> Result<String, String> {
    let fail = |e: StoreError| e.to_string();
    match op {
        OfficeOp::Trust { path, words } => {
            // The card as read now, checked against the words by the library as `office trust`
            // does: a file changed since it was shown fails them and nothing is trusted.
            let card = OfficeCard::read_file(&path).map_err(|e| e.to_string())?;
            Ok(match exchange::card::trust_card(store, &card, &words, None).map_err(|e| e.to_string())? {
                TrustOutcome::Added => format!("Trusted {}: the fingerprint words matched.", card.office),
                TrustOutcome::AlreadyTrusted => format!("{} was already trusted.", card.office),
                TrustOutcome::Retrusted => format!("{} is trusted again.", card.office),
                TrustOutcome::DeviceAdded => format!("Added device {} to {}.", card.device, card.office),
            })
        }
        OfficeOp::Share { case, reference, office } => {
            Ok(if store.share_case(case, &office).map_err(fail)? {
                format!("Shared {reference} with {office}: the next export to {office} carries it.")
            } else {
                format!("{reference} was already shared with {office}.")
            })
        }
        OfficeOp::Unshare { case, reference, office } => {
            if store.unshare_case(case, &office).map_err(fail)? {
                Ok(format!("{reference} is no longer shared with {office}; what was sent stays with it."))
            } else {
                Err(format!("{reference} is not shared with {office}."))
            }
        }
        OfficeOp::Revoke { office } => match store.revoke_office(&office).map_err(fail)? {
            0 => Err(format!("No trusted office {office:?}.")),
            n => Ok(format!(
                "Revoked {office} ({n} devices): its bundles are refused and nothing more is sent to it."
            )),
        },
    }
}

/// One line for the analyst, as the command line says it.
fn bundle_error(e: &ExchangeError) -> String {
    if e.is_rejection() { format!("Bundle rejected: {e}; nothing was changed.") } else { e.to_string() }
}

/// The import options the screen's fields stand for, checked as the command line checks them.
fn file_options(store: &Store, file: &FileImport) -> Result<ImportOptions, ImportError> {
    if !file.path.exists() {
        return Err(ImportError::Usage(format!("{}: no such file or folder", file.path.display())));
    }
    let mut opts = ImportOptions::new(file.format);
    opts.mapping = match (&file.mapping, file.format) {
        (Some(m), interop::ImportFormat::Csv) => Some(Mapping::load(m)?),
        (None, interop::ImportFormat::Csv) => {
            return Err(ImportError::Usage(
                "CSV needs a column mapping (examples: assets/mappings/call-records.toml, \
                 assets/mappings/bank-transactions.toml)"
                    .into(),
            ));
        }
        _ => None,
    };
    opts.case = file.case.as_deref().map(|r| store.case_id(r)).transpose()?;
    opts.source.clone_from(&file.source);
    opts.grade = file.grade.as_deref().map(crate::model::grade::Grade::parse).transpose()?;
    opts.marking = file.marking.as_deref().map(crate::model::marking::Marking::parse).transpose()?;
    Ok(opts)
}

/// Keeps `keep` for conflict `id`, through the library (as `liaison conflicts resolve`).
pub fn resolve(store: &mut Store, id: &str, keep: &str) -> Result<(String, Option<Uuid>), StoreError> {
    let cf = exchange::resolve_conflict(store, id, keep).map_err(|e| match e {
        ExchangeError::Store(s) => s,
        other => StoreError::Input(other.to_string()),
    })?;
    Ok((
        format!(
            "Kept {keep:?} for {} {} · {}; the resolution goes with the next bundles.",
            cf.schema, cf.caption, cf.prop
        ),
        Some(cf.record),
    ))
}

/// Adds the bundles imported within the span of this page of the whole-store timeline.
///
/// A page covers the dates from just after the previous page's last item to its own last
/// item (to the end of the range on the last page), so every arrival lands on exactly one
/// page. The extra cost is one indexed look-up of the previous page's last item and a read
/// of the small `bundle_in` table.
pub fn merge_arrivals(
    store: &Store,
    q: &TimelineQuery,
    items: &mut Vec<TimelineItem>,
) -> Result<(), StoreError> {
    let last_page = items.len() < q.limit as usize;
    let before = if q.offset > 0 {
        store.timeline(&TimelineQuery { offset: q.offset - 1, limit: 1, ..q.clone() })?.pop().map(|i| i.at)
    } else {
        None
    };
    let end = if last_page { None } else { items.last().map(|i| i.at.clone()) };
    let from = q.from.clone().unwrap_or_default();
    // The same bounds as the timeline's: "2024-03" includes every day of March.
    let to = q.to.as_ref().map(|t| format!("{t}~"));
    let arrivals = exchange::status::arrivals(store).map_err(|e| match e {
        ExchangeError::Store(s) => s,
        other => StoreError::Input(other.to_string()),
    })?;
    let mut added = false;
    for a in arrivals {
        if a.at < from || to.as_ref().is_some_and(|t| a.at >= *t) {
            continue;
        }
        let on_page = if q.newest_first {
            before.as_ref().is_none_or(|b| a.at < *b) && end.as_ref().is_none_or(|e| a.at >= *e)
        } else {
            before.as_ref().is_none_or(|b| a.at > *b) && end.as_ref().is_none_or(|e| a.at <= *e)
        };
        if on_page {
            added = true;
            items.push(TimelineItem {
                summary: format!("Bundle from {}: {} ops", a.office, a.ops),
                at: a.at,
                id: Uuid::nil(),
                schema: ARRIVAL.into(),
                prop: "imported".into(),
                a: None,
                b: None,
            });
        }
    }
    if added {
        // Stable: items of the same date keep the store's order.
        if q.newest_first {
            items.sort_by(|x, y| y.at.cmp(&x.at));
        } else {
            items.sort_by(|x, y| x.at.cmp(&y.at));
        }
    }
    Ok(())
}
