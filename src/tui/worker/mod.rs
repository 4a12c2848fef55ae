//! The store's own thread. A `rusqlite::Connection` may move between threads but not be
//! shared, so the `Store` lives here: the draw path never touches it. Requests arrive over
//! a channel; each answer goes back as an [`Action`], followed by [`Reply::Finished`] so the
//! runtime knows how much is still in flight.
//!
//! When requests pile up (a key held down), a query superseded by a newer one of the same
//! kind is skipped: only the answer for where the analyst is now is worth computing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use uuid::Uuid;

mod exchange;
mod network;
mod reply;
pub(crate) mod review;

pub use exchange::merge_arrivals;
pub use reply::Reply;

use crate::tui::action::Action;
use crate::tui::message::{ExchangeJob, Loaded, Query, Write};
// The page size is the queries' (`message`); the tests name it by the worker that reads it.
use crate::analysis::path::{PathLimits, shortest_path_where};
use crate::store::change::{Change, Face};
use crate::store::query::{CaseFilter, EntityView, TimelineQuery, TimelineScope};
use crate::store::undo::UndoPlan;
use crate::store::{Store, StoreError};
pub use crate::tui::message::PAGE;

/// Search results shown as you type.
pub const SEARCH_LIMIT: u32 = 50;
/// Links shown in the detail pane.
pub const DETAIL_LINKS: u32 = 50;
/// Journal notes shown under a case, newest first.
pub const DETAIL_NOTES: u32 = 50;
/// Watch alerts listed, newest first.
pub const ALERTS_SHOWN: u32 = 200;
/// Neighbours read per hop.
pub const NEIGHBOURS: u32 = 150;
/// Cases listed (a task force has hundreds, not millions).
pub const CASES_SHOWN: u32 = 5000;
/// Above this many records the status bar shows a bound instead of exact counts.
pub const EXACT_COUNTS_UP_TO: i64 = 200_000;
/// SQLCipher page cache of the workbench's connection, in KiB. The store opens with a large
/// cache for bulk writes; browsing needs far less, and the workbench must stay small.
const BROWSING_CACHE_KIB: i64 = 32 * 1024;

/// Queries of the same slot supersede each other.
fn slot(q: &Query) -> u8 {
    match q {
        Query::Cases { .. } => 0,
        Query::Members { offset: 0, .. } | Query::Neighbourhood { .. } => 1,
        Query::Members { .. } => 2,
        Query::Timeline { offset: 0, .. } => 3,
        Query::Timeline { .. } => 4,
        Query::Density { .. } => 5,
        Query::Detail { .. } => 6,
        Query::Notes { .. } => 14,
        Query::Search { .. } => 7,
        Query::Stats => 8,
        Query::Path { .. } => 9,
        Query::Offices { .. } => 10,
        Query::Conflicts => 11,
        Query::Measures { .. } => 12,
        Query::Folder { .. } => 13,
        Query::Network(_) => 15,
        Query::Alerts => 16,
        Query::Rfis { .. } => 17,
        Query::RfiOffices { .. } => 18,
        // The judgements' queries (issue 13): the marks and the queue apart, so neither
        // drops the other's answer.
        Query::Candidates { marks: true, .. } => 19,
        Query::Candidates { marks: false, .. } => 22,
        Query::ReviewPair { .. } => 20,
        Query::Profile { .. } => 21,
    }
}

/// Work sent to the thread.
#[derive(Debug)]
pub enum Request {
    Query(u64, Query),
    Write(Write),
    /// Generate this many synthetic entities, in chunks, until done or cancelled.
    Generate(u64),
    /// Append to the audit log.
    Audit(&'static str, serde_json::Value),
    /// What undoing the session's last write would do.
    UndoPreview,
    /// Export or import, until done or cancelled.
    Exchange(ExchangeJob),
}

/// A running store thread.
pub struct Worker {
    requests: Option<Sender<Request>>,
    cancel: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start(store: Store, replies: Sender<Reply>) -> Worker {
        // Best effort: a failure leaves the store's own (larger) cache.
        let _ = store.conn().pragma_update(None, "cache_size", -BROWSING_CACHE_KIB);
        let (tx, rx) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let handle = std::thread::Builder::new()
            .name("liaison-store".into())
            .spawn(move || serve(store, &rx, &replies, &flag))
            .expect("spawning the store thread");
        Worker { requests: Some(tx), cancel, handle: Some(handle) }
    }

    /// Sends a request; false if the thread is gone.
    pub fn send(&self, request: Request) -> bool {
        if matches!(request, Request::Generate(_) | Request::Exchange(_)) {
            self.cancel.store(false, Ordering::SeqCst);
        }
        self.requests.as_ref().is_some_and(|tx| tx.send(request).is_ok())
    }

    pub fn cancel_job(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Stops the thread and waits until it has dropped the store (and with it the key).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.requests.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(mut store: Store, rx: &Receiver<Request>, out: &Sender<Reply>, cancel: &AtomicBool) {
    let mut last_viewed: Option<Uuid> = None;
    // The session's writes are this device's commits after this one: `u` undoes only those.
    // If it cannot be read, nothing counts as this session's: `u` never reaches older writes.
    let session_floor = store.last_own_commit().unwrap_or(u64::MAX);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let superseded: Vec<bool> = batch
            .iter()
            .enumerate()
            .map(|(i, r)| match r {
                Request::Query(_, q) => batch[i + 1..]
                    .iter()
                    .any(|later| matches!(later, Request::Query(_, l) if slot(l) == slot(q))),
                _ => false,
            })
            .collect();
        for (request, skip) in batch.into_iter().zip(superseded) {
            if !skip {
                let action = match request {
                    Request::Query(ticket, q) => match answer(&store, q, &mut last_viewed) {
                        Ok(loaded) => Action::Loaded(ticket, Box::new(loaded)),
                        Err(e) => Action::Failed(e.to_string()),
                    },
                    Request::Write(w) => match write(&mut store, w) {
                        Ok((message, id)) => Action::Saved(message, id),
                        Err(e) => Action::Failed(e.to_string()),
                    },
                    Request::Generate(n) => generate(&mut store, n, out, cancel),
                    Request::Exchange(job) => exchange::run(&mut store, job, out, cancel),
                    Request::Audit(action, detail) => match store.audit(action, &detail) {
                        Ok(()) => Action::Tick,
                        Err(e) => Action::Failed(e.to_string()),
                    },
                    Request::UndoPreview => match undo_preview(&mut store, session_floor) {
                        Ok(plan) => Action::Loaded(0, Box::new(Loaded::UndoPlan(plan.map(Box::new)))),
                        Err(e) => Action::Failed(e.to_string()),
                    },
                };
                if out.send(Reply::Action(action)).is_err() {
                    return;
                }
            }
            if out.send(Reply::Finished).is_err() {
                return;
            }
        }
    }
}

/// What undoing the session's last write (not an undo, not undone) would do.
fn undo_preview(store: &mut Store, floor: u64) -> Result<Option<UndoPlan>, StoreError> {
    let Some(last) = store.undoable(1)?.into_iter().find(|seq| *seq > floor) else { return Ok(None) };
    store.undo_preview(&[last]).map(Some)
}

fn answer(store: &Store, q: Query, last_viewed: &mut Option<Uuid>) -> Result<Loaded, StoreError> {
    Ok(match q {
        Query::Cases { status, text } => {
            let filter = CaseFilter { status, text, limit: CASES_SHOWN, offset: 0, skip_member_count: true };
            Loaded::Cases(store.cases(&filter)?)
        }
        Query::Members { case, offset, filter } => Loaded::Members {
            case,
            kinds: if offset == 0 { store.case_member_kinds_where(case, &filter)? } else { Vec::new() },
            rows: store.case_members_where(case, &filter, PAGE, offset)?,
            offset,
        },
        Query::Neighbourhood { entity, hops } => {
            let center = store.entity(entity, 0)?;
            audit_view(store, &center, last_viewed)?;
            Loaded::Neighbourhood {
                center: Box::new(center),
                rows: store.neighbourhood(entity, hops, NEIGHBOURS)?,
            }
        }
        Query::Timeline { scope, from, to, newest_first, offset } => {
            let q = TimelineQuery { scope, from, to, newest_first, limit: PAGE, offset };
            let mut items = store.timeline(&q)?;
            if scope == TimelineScope::All {
                exchange::merge_arrivals(store, &q, &mut items)?;
            }
            Loaded::Timeline { items, offset }
        }
        Query::Density { scope, zoom, from, to } => {
            Loaded::Density(store.timeline_density(scope, zoom, from.as_deref(), to.as_deref())?)
        }
        Query::Detail { id } => {
            let view = store.entity(id, DETAIL_LINKS)?;
            audit_view(store, &view, last_viewed)?;
            Loaded::Detail(Box::new(view))
        }
        Query::Notes { case } => Loaded::Notes { case, notes: store.case_notes(case, DETAIL_NOTES)? },
        Query::Search { text } => {
            // Records judged the same are one result, as on the command line: the profile's
            // caption and record count on the first-ranked record's row.
            let resolved = store.search_resolved(&text, SEARCH_LIMIT)?;
            let hits = resolved
                .hits
                .into_iter()
                .map(|r| {
                    let mut hit = r.hit;
                    if let Some(p) = r.profile {
                        hit.hit.caption = format!("{} · {} records", p.caption, p.records.len());
                    }
                    hit
                })
                .collect();
            let page = crate::store::query::SearchPage {
                hits,
                total: resolved.total,
                fuzzy: resolved.fuzzy,
                spellings: resolved.spellings,
            };
            Loaded::Search { text, page: Box::new(page) }
        }
        Query::Stats => {
            let bound = store.record_count_bound()?;
            // One indexed count: cheap on any store, so it comes with every refresh.
            let alerts = store.watch_alert_count()?;
            if bound > EXACT_COUNTS_UP_TO {
                Loaded::RecordBound(bound, alerts)
            } else {
                Loaded::Stats(Box::new(store.stats()?), alerts)
            }
        }
        Query::Alerts => Loaded::Alerts(store.watch_alerts(false, ALERTS_SHOWN)?),
        Query::Rfis { incoming } => {
            let filter = crate::store::rfi::RfiFilter { open_only: false, incoming };
            Loaded::Rfis { incoming, rows: store.rfis(filter)? }
        }
        Query::RfiOffices { case } => Loaded::RfiOffices { case, offices: rfi_offices(store, case)? },
        // The judgements' queries (issue 13), in `review.rs`.
        Query::Candidates { case, marks } => review::candidates(store, case, marks)?,
        Query::ReviewPair { a, b } => review::pair(store, a, b)?,
        Query::Profile { id } => review::profile(store, id)?,
        Query::Path { from, to, filter } => Loaded::Path {
            from,
            to,
            steps: shortest_path_where(store, from, to, PathLimits::default(), &filter)?,
        },
        Query::Offices { pending } => Loaded::Offices {
            pending,
            offices: crate::exchange::offices(store, pending).map_err(exchange_error)?,
        },
        Query::Conflicts => {
            Loaded::Conflicts(crate::exchange::list_conflicts(store).map_err(exchange_error)?)
        }
        Query::Folder { typed } => {
            use crate::tui::widgets::path_complete::{MAX_ENTRIES, folder_of, list_folder};
            let folder = folder_of(&typed);
            let (names, more) = list_folder(std::path::Path::new(folder), MAX_ENTRIES)
                .map_err(|e| StoreError::Input(format!("cannot read the folder {folder}: {e}")))?;
            Loaded::Folder { typed, names, more }
        }
        Query::Network(of) => Loaded::Network(Box::new(network::load(store, &of)?)),
        Query::Measures { until, on_data } => {
            let months = crate::tui::screens::measures::MONTHS;
            Loaded::Measures(Box::new(if on_data {
                store.measures_on_data(months, until)?
            } else {
                store.measures(months, until)?
            }))
        }
    })
}

/// The trusted, non-revoked offices `case` is shared with, by name.
fn rfi_offices(store: &Store, case: Uuid) -> Result<Vec<String>, StoreError> {
    let mut trusted = Vec::new();
    for share in store.case_shares()?.into_iter().filter(|s| s.case == case) {
        if !trusted.contains(&share.office) && !store.office_devices(&share.office)?.is_empty() {
            trusted.push(share.office);
        }
    }
    Ok(trusted)
}

fn exchange_error(e: crate::exchange::ExchangeError) -> StoreError {
    match e {
        crate::exchange::ExchangeError::Store(s) => s,
        other => StoreError::Input(other.to_string()),
    }
}

/// Views are audited as the command line audits them; moving back and forth over the same
/// record writes one entry, not one per redraw.
fn audit_view(store: &Store, view: &EntityView, last: &mut Option<Uuid>) -> Result<(), StoreError> {
    if *last == Some(view.id) {
        return Ok(());
    }
    *last = Some(view.id);
    let action = if view.schema == "Person" { "view person" } else { "view entity" };
    store.audit(action, &serde_json::json!({ "entity": view.id.to_string(), "via": "workbench" }))
}

fn write(store: &mut Store, w: Write) -> Result<(String, Option<Uuid>), StoreError> {
    match w {
        Write::Change(change) => {
            let applied = store.apply(change, Face::Workbench)?;
            Ok((applied.message, applied.focus))
        }
        Write::Delete { id, label } => {
            store.apply(Change::Delete { id }, Face::Workbench)?;
            Ok((format!("Deleted {label} (`liaison entity restore {id}` undoes it)."), None))
        }
        Write::ResolveConflict { id, keep } => exchange::resolve(store, &id, &keep),
        Write::ChooseAnalyst { name } => {
            store.set_analyst(&name)?;
            Ok((format!("Working as {}.", crate::model::text::for_terminal(&name)), None))
        }
    }
}

/// Entities per chunk of a generate job: cancelling takes effect between chunks.
const GENERATE_CHUNK: u64 = 2000;

fn generate(store: &mut Store, total: u64, out: &Sender<Reply>, cancel: &AtomicBool) -> Action {
    let stamp = chrono::Utc::now().format("%y%m%d%H%M%S");
    let mut done = 0;
    let mut chunk = 0;
    while done < total {
        if cancel.load(Ordering::SeqCst) {
            return Action::JobDone(format!("Generation cancelled after {done} entities."));
        }
        chunk += 1;
        let n = GENERATE_CHUNK.min(total - done);
        let opts = crate::synth::GenerateOptions {
            entities: n,
            seed: chunk ^ u64::from(chrono::Utc::now().timestamp_subsec_nanos()),
            case_prefix: format!("GEN{stamp}-{chunk:03}"),
        };
        let base = done;
        let result = crate::synth::generate(store, &opts, &mut |d, _| {
            if d % 200 == 0 {
                let _ = out.send(Reply::Action(Action::JobProgress(base + d, total)));
            }
        });
        if let Err(e) = result {
            return Action::Failed(format!("generation stopped: {e}"));
        }
        done += n;
        let _ = out.send(Reply::Action(Action::JobProgress(done, total)));
    }
    Action::JobDone(format!("Generated {done} entities."))
}
