//! The exchange screen, its state and its `update`: the offices this one trusts, export of a
//! bundle for one of them, bundle import with a preview and a confirm step, and the outcome
//! of these jobs. Trusting, sharing with and revoking an office are in [`offices`]. The work
//! itself is the library's, on the worker (`worker::exchange`).

pub mod offices;

use std::path::PathBuf;

use crate::exchange::{ImportReport as BundleReport, OfficeStatus};
use crate::tui::action::Action;
use crate::tui::message::{Effect, ExchangeJob, Loaded, OfficeCardView, Outcome, Query};
use crate::tui::requests::{query, reload, start_job};
use crate::tui::state::Mode;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::path_complete::{PathTab, TabResult};
use crate::tui::widgets::text_input::MAX_PATH_CHARS;
use crate::tui::widgets::{ListCursor, TextInput};

/// Rows a page key moves in the office list.
const PAGE_ROWS: isize = 10;

#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeStep {
    List,
    /// Typing where the bundle for the selected office goes.
    ExportPath(String),
    /// Typing which bundle file to import.
    ImportPath(String),
    /// A job runs (its gauge is `State::job`).
    Working,
    /// What importing this bundle would do; y applies it.
    Preview {
        path: PathBuf,
        report: BundleReport,
    },
    Done(Outcome),
    /// Typing the path of another office's card, to trust it.
    CardPath(String),
    /// The card read: its fingerprint shown, the words the office reads out typed.
    Card {
        path: PathBuf,
        card: Box<OfficeCardView>,
        words: String,
    },
    /// Revoke this office? y revokes.
    ConfirmRevoke(String),
}

#[derive(Debug)]
pub struct ExchangeScreen {
    pub offices: Vec<OfficeStatus>,
    pub selected: usize,
    pub loading: bool,
    /// The pending deltas are still being computed (the offices show first).
    pub pending_loading: bool,
    pub ticket: u64,
    pub step: ExchangeStep,
    /// Tab completion of the path being typed.
    pub tab: PathTab,
}

impl ExchangeScreen {
    pub fn new() -> ExchangeScreen {
        ExchangeScreen {
            offices: Vec::new(),
            selected: 0,
            loading: true,
            pending_loading: true,
            ticket: 0,
            step: ExchangeStep::List,
            tab: PathTab::default(),
        }
    }

    pub fn current(&self) -> Option<&OfficeStatus> {
        self.offices.get(self.selected)
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            ExchangeStep::ExportPath(_)
            | ExchangeStep::ImportPath(_)
            | ExchangeStep::CardPath(_)
            | ExchangeStep::Card { .. } => Mode::Input,
            ExchangeStep::Preview { .. } | ExchangeStep::ConfirmRevoke(_) => Mode::Confirm,
            _ => Mode::Exchange,
        }
    }
}

impl Default for ExchangeScreen {
    fn default() -> Self {
        ExchangeScreen::new()
    }
}

/// Opens the exchange screen at `step` and asks for the offices.
pub fn open(state: &mut State, step: ExchangeStep) -> Vec<Effect> {
    state.popup = Some(Popup::Exchange(ExchangeScreen { step, ..ExchangeScreen::new() }));
    reload_offices(state, false)
}

pub(crate) fn reload_offices(state: &mut State, pending: bool) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(Popup::Exchange(e)) = &mut state.popup else { return Vec::new() };
    e.ticket = ticket;
    e.loading = !pending;
    e.pending_loading = true;
    vec![Effect::Query(ticket, Query::Offices { pending })]
}

/// Tab on a path: the worker lists the folder of `typed` for completion.
fn ask_folder(state: &mut State, typed: String) -> Vec<Effect> {
    let ticket = state.ticket();
    if let Some(Popup::Exchange(e)) = &mut state.popup {
        e.tab.ask(ticket, &typed);
    }
    vec![Effect::Query(ticket, Query::Folder { typed })]
}

/// Where a bundle for `office` goes unless the analyst types another path: the current
/// folder, named after the office and the day.
pub fn default_bundle_path(office: &str) -> String {
    let name: String =
        office.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("{name}-{}.liaison", chrono::Utc::now().format("%Y-%m-%d"))
}

/// Typing and Tab in a path field (a bundle's or a card's): `Some` when the key was the
/// field's.
fn path_key(state: &mut State, action: &Action) -> Option<Vec<Effect>> {
    let Some(Popup::Exchange(e)) = &mut state.popup else { return None };
    let (ExchangeStep::ExportPath(text) | ExchangeStep::ImportPath(text) | ExchangeStep::CardPath(text)) =
        &mut e.step
    else {
        return None;
    };
    if action.edit(TextInput::new(text, MAX_PATH_CHARS)) {
        e.tab.clear();
        return Some(Vec::new());
    }
    if *action == Action::NextField {
        let typed = text.clone();
        return Some(ask_folder(state, typed));
    }
    None
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    if let Some(effects) = path_key(state, action) {
        return effects;
    }
    let Some(Popup::Exchange(e)) = &mut state.popup else { return Vec::new() };
    match &mut e.step {
        ExchangeStep::CardPath(_) | ExchangeStep::Card { .. } | ExchangeStep::ConfirmRevoke(_) => {
            return offices::update(state, action);
        }
        ExchangeStep::ExportPath(text) | ExchangeStep::ImportPath(text) => match action {
            Action::Submit => {
                let path = text.trim().to_owned();
                if path.is_empty() {
                    state.error("Type the bundle file's path.");
                    return Vec::new();
                }
                let path = PathBuf::from(path);
                let (label, job) = if matches!(e.step, ExchangeStep::ExportPath(_)) {
                    let Some(office) = e.current().map(|o| o.office.clone()) else { return Vec::new() };
                    (format!("Exporting to {office}"), ExchangeJob::Export { office, path })
                } else {
                    ("Checking the bundle".to_owned(), ExchangeJob::PreviewBundle { path })
                };
                e.step = ExchangeStep::Working;
                return start_job(state, label, job);
            }
            Action::Cancel => {
                e.step = ExchangeStep::List;
                e.tab.clear();
            }
            _ => {}
        },
        ExchangeStep::Preview { path, .. } => match action {
            Action::Submit => {
                let job = ExchangeJob::ImportBundle { path: path.clone() };
                e.step = ExchangeStep::Working;
                return start_job(state, "Importing the bundle".into(), job);
            }
            Action::Cancel => {
                e.step = ExchangeStep::List;
                state.info("Nothing was imported.");
            }
            _ => {}
        },
        ExchangeStep::Working => {
            if matches!(action, Action::Cancel | Action::CancelJob) && state.job.is_some() {
                state.info("Cancelling…");
                return vec![Effect::CancelJob];
            }
        }
        ExchangeStep::List | ExchangeStep::Done(_) => {
            if let Some(m) = action.list_move(PAGE_ROWS) {
                e.selected = ListCursor::new(e.selected, e.offices.len()).moved(m);
                e.step = ExchangeStep::List;
                return Vec::new();
            }
            match action {
                Action::ExportBundle | Action::Submit | Action::Open => {
                    if matches!(e.step, ExchangeStep::Done(_)) && *action != Action::ExportBundle {
                        e.step = ExchangeStep::List;
                        return Vec::new();
                    }
                    match e.current().map(|o| (o.office.clone(), o.revoked)) {
                        None => {
                            state.error("No office to export to: t trusts one from its card.");
                        }
                        Some((office, true)) => {
                            state.error(format!("{office} is revoked: nothing goes to it."));
                        }
                        Some((office, false)) => {
                            e.step = ExchangeStep::ExportPath(default_bundle_path(&office));
                        }
                    }
                }
                Action::ImportBundle => e.step = ExchangeStep::ImportPath(String::new()),
                Action::TrustOffice | Action::ShareCase | Action::UnshareCase | Action::RevokeOffice => {
                    return offices::start(state, action);
                }
                Action::Refresh => return reload_offices(state, false),
                Action::Cancel | Action::Quit | Action::Exchange => {
                    if matches!(e.step, ExchangeStep::Done(_)) {
                        e.step = ExchangeStep::List;
                    } else {
                        state.popup = None;
                    }
                }
                _ => {}
            }
        }
    }
    Vec::new()
}

/// The offices, matched by ticket.
pub fn loaded(state: &mut State, ticket: u64, loaded: Loaded) -> Vec<Effect> {
    match (loaded, &mut state.popup) {
        (Loaded::Offices { pending, offices }, Some(Popup::Exchange(e))) if e.ticket == ticket => {
            let keep = e.current().map(|o| o.office.clone());
            e.offices = offices;
            e.loading = false;
            e.pending_loading = !pending;
            e.selected = keep
                .and_then(|k| e.offices.iter().position(|o| o.office == k))
                .unwrap_or_else(|| ListCursor::new(e.selected, e.offices.len()).clamped());
            // The offices show at once; the pending deltas (an export plan each) follow.
            if !pending && !e.offices.is_empty() {
                return reload_offices(state, true);
            }
            e.pending_loading = false;
        }
        _ => {}
    }
    Vec::new()
}

/// The folder of a typed path was listed: Tab completes the path, or lists the names that
/// match.
pub fn listed(state: &mut State, ticket: u64, typed: &str, names: &[String], more: bool) -> Vec<Effect> {
    let Some(Popup::Exchange(e)) = &mut state.popup else { return Vec::new() };
    let (ExchangeStep::ExportPath(text) | ExchangeStep::ImportPath(text) | ExchangeStep::CardPath(text)) =
        &mut e.step
    else {
        return Vec::new();
    };
    match e.tab.answer(ticket, typed, names, more) {
        Some(TabResult::Completed(done)) => *text = done,
        Some(TabResult::Nothing { matches: 0 }) => {
            let name = crate::tui::widgets::path_complete::split(typed).1;
            state.info(format!("No file or folder there starts with {name:?}."));
        }
        _ => {}
    }
    Vec::new()
}

/// A query or write failed: the screen stops waiting.
pub fn failed(state: &mut State) {
    if let Some(Popup::Exchange(e)) = &mut state.popup {
        e.loading = false;
        e.pending_loading = false;
    }
}

/// A bundle job ended: its report goes on the exchange screen, a line in the status bar,
/// and the panes reload when the store changed.
pub fn outcome(state: &mut State, outcome: Outcome) -> Vec<Effect> {
    state.job = None;
    let mut changed = false;
    let step = match outcome {
        Outcome::BundlePreview(path, Ok(report)) if report.status == "preview" => {
            state.info("What the bundle would bring: y or Enter imports it, Esc leaves the store as it is.");
            Some(ExchangeStep::Preview { path, report })
        }
        Outcome::BundlePreview(path, result) => {
            match &result {
                Ok(r) => state.info(format!(
                    "Bundle {} from {} was already imported: nothing changed.",
                    r.sequence, r.from
                )),
                Err(e) => state.error(e.clone()),
            }
            Some(ExchangeStep::Done(Outcome::BundlePreview(path, result)))
        }
        Outcome::Exported(result) => {
            match &result {
                Ok(r) => state.info(format!(
                    "Wrote {} for {}: {} ops in {} commits.",
                    r.file.as_deref().unwrap_or_default(),
                    r.recipients.iter().map(|x| x.office.as_str()).collect::<Vec<_>>().join(", "),
                    r.ops,
                    r.commits
                )),
                Err(e) => state.error(e.clone()),
            }
            Some(ExchangeStep::Done(Outcome::Exported(result)))
        }
        Outcome::BundleImported(result) => {
            match &result {
                Ok(r) if r.status == "already imported" => state.info(format!(
                    "Bundle {} from {} was already imported: nothing changed.",
                    r.sequence, r.from
                )),
                Ok(r) => {
                    changed = true;
                    state.info(format!(
                        "Imported bundle {} from {}: {} new, {} updated, {} unchanged records; {} new conflicts.",
                        r.sequence, r.from, r.records_new, r.records_updated, r.records_unchanged, r.conflicts_new
                    ));
                }
                Err(e) => state.error(e.clone()),
            }
            Some(ExchangeStep::Done(Outcome::BundleImported(result)))
        }
        o @ (Outcome::Card(..) | Outcome::Office(_)) => return offices::outcome(state, o),
        // The import screen's own (`screens::import::outcome`).
        Outcome::FilePreview(..) | Outcome::FileImported(_) | Outcome::FileMatches(_) => None,
    };
    let mut effects = Vec::new();
    if let Some(step) = step {
        let refresh = matches!(step, ExchangeStep::Done(Outcome::Exported(_) | Outcome::BundleImported(_)));
        if let Some(Popup::Exchange(e)) = &mut state.popup {
            e.step = step;
        }
        if refresh {
            effects.extend(reload_offices(state, false));
        }
    }
    if changed {
        effects.extend(reload(state));
        effects.push(query(state, Query::Stats));
    }
    effects
}
