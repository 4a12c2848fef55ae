//! `update(&mut State, Action) -> Vec<Effect>`: the only writer of the workbench's state.
//! It never touches the store or the terminal; it says what should happen as effects.
//!
//! This file only dispatches: the store's answers and the job messages to the screens that
//! wait for them, a key to the screen that has it, and a key that opens a screen to that
//! screen's `open`. Each screen's update is in `screens/`.

use super::action::Action;
use super::message::{Effect, Loaded, Outcome, Query};
use super::requests::{query, reload};
use super::screens::{
    alerts, case_records, confirm, conflicts, exchange, form, help, import, measures, network, palette,
    panes, review, rfi, search, unlock,
};
use super::state::{Mode, Pane, Popup, State};

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Resize(w, h) => {
            state.size = (w, h);
            network::resized(state);
            return Vec::new();
        }
        Action::Loaded(ticket, loaded) => {
            return match *loaded {
                Loaded::Conflicts(list) => conflicts::loaded(state, ticket, list),
                Loaded::Search { text, page } => search::loaded(state, ticket, text, *page),
                l @ Loaded::Offices { .. } => exchange::loaded(state, ticket, l),
                Loaded::Measures(m) => measures::loaded(state, ticket, m),
                Loaded::UndoPlan(plan) => confirm::undo_loaded(state, plan),
                l @ (Loaded::Network(_) | Loaded::Path { .. }) if network::waits_for(state, ticket) => {
                    network::loaded(state, ticket, l)
                }
                Loaded::Network(_) => Vec::new(),
                Loaded::Alerts(list) => alerts::loaded(state, ticket, list),
                Loaded::Rfis { rows, .. } => rfi::loaded(state, ticket, rows),
                Loaded::RfiOffices { offices, .. } => rfi::offices_loaded(state, ticket, offices),
                // The judgements (issue 13): the queue's answers, the entities' marks (asked
                // when a case's members arrive), the detail pane's resolved profile.
                l @ (Loaded::Candidates { .. } | Loaded::ReviewPair { .. })
                    if review::waits_for(state, ticket) =>
                {
                    review::loaded(state, ticket, l)
                }
                l @ Loaded::Candidates { .. } => {
                    review::marks_loaded(state, ticket, l);
                    Vec::new()
                }
                l @ Loaded::Profile { .. } => {
                    review::profile_loaded(state, ticket, l);
                    Vec::new()
                }
                l @ Loaded::Members { .. } if rfi::waits_for_members(state, ticket) => {
                    rfi::members_loaded(state, ticket, l)
                }
                l @ Loaded::Members { case, offset: 0, .. } => {
                    let mut effects = panes::loaded(state, ticket, l);
                    effects.extend(review::ask_marks(state, case));
                    effects
                }
                Loaded::Folder { typed, names, more } => {
                    let mut effects = exchange::listed(state, ticket, &typed, &names, more);
                    effects.extend(import::listed(state, ticket, &typed, &names, more));
                    effects
                }
                l => panes::loaded(state, ticket, l),
            };
        }
        Action::Saved(message, id) => {
            let mut effects = panes::saved(state, message, id);
            effects.extend(conflicts::saved(state));
            effects.extend(case_records::saved(state));
            effects.extend(rfi::saved(state));
            effects.extend(review::saved(state));
            return effects;
        }
        Action::Failed(message) => {
            conflicts::failed(state);
            case_records::failed(state, &message);
            rfi::failed(state, &message);
            review::failed(state, &message);
            network::failed(state, &message);
            exchange::failed(state);
            panes::failed(state, message);
            return Vec::new();
        }
        Action::Exchanged(outcome) => {
            return match *outcome {
                o @ (Outcome::FilePreview(..) | Outcome::FileImported(_)) => import::outcome(state, o),
                Outcome::FileMatches(line) => import::matches(state, line),
                o => exchange::outcome(state, o),
            };
        }
        Action::JobProgress(done, total) => {
            if let Some(job) = &mut state.job {
                job.done = done;
                job.total = total;
            }
            return Vec::new();
        }
        Action::JobDone(message) => {
            state.job = None;
            state.info(message);
            let mut effects = reload(state);
            effects.push(query(state, Query::Stats));
            return effects;
        }
        Action::Unlocked(session) => return unlock::unlocked(state, *session),
        Action::Lock if state.mode() != Mode::Unlock => return unlock::lock(state),
        _ => {}
    }
    // The exchange screens take every key while open, whatever mode their step is in.
    match state.popup {
        Some(Popup::Conflicts(_)) => return conflicts::update(state, &action),
        Some(Popup::Measures(_)) => return measures::update(state, &action),
        Some(Popup::Exchange(_)) => return exchange::update(state, &action),
        Some(Popup::Import(_)) => return import::import(state, &action),
        Some(Popup::Analyst(_)) => return unlock::choose_analyst(state, &action),
        Some(Popup::CaseRecord(_)) => return case_records::update(state, &action),
        Some(Popup::Network(_)) => return network::update(state, &action),
        Some(Popup::Rfi(_)) => return rfi::update(state, &action),
        Some(Popup::RfiAsk(_)) => return rfi::update_ask(state, &action),
        Some(Popup::Alerts(_)) => return alerts::update(state, &action),
        Some(Popup::Review(_)) => return review::update(state, &action),
        _ => {}
    }
    match state.mode() {
        Mode::Unlock => unlock::update(state, action),
        Mode::Main => main(state, &action),
        Mode::Search => search::update(state, &action),
        // A chosen entry runs as if its key had been pressed on the main screen.
        Mode::Palette => palette::update(state, &action).map(|a| update(state, a)).unwrap_or_default(),
        Mode::Form => form::update(state, &action),
        Mode::Picker => form::picker::update(state, &action),
        Mode::Confirm => confirm::update(state, &action),
        Mode::Help => help::update(state, &action),
        // The entities filter typed in its pane; the timeline's choice of a party.
        Mode::Input if state.popup.is_none() => panes::filter_input(state, &action),
        Mode::Choice => panes::choice(state, &action),
        // Only the exchange screens use these modes; they were handled above.
        Mode::Conflicts
        | Mode::Exchange
        | Mode::Input
        | Mode::Measures
        | Mode::Network
        | Mode::Rfi
        | Mode::Alerts
        | Mode::Review => Vec::new(),
    }
}

/// A key on the main screen: the screen it opens, else the panes' own.
fn main(state: &mut State, action: &Action) -> Vec<Effect> {
    if action.name().is_some() {
        state.message = None;
    }
    match action {
        Action::Help => help::open(state),
        Action::Search => search::open(state),
        Action::Palette => palette::open(state),
        Action::Delete => confirm::open_delete(state),
        Action::Undo => confirm::ask_undo(state),
        Action::Conflicts => conflicts::open(state),
        Action::Measures => measures::open(state),
        Action::Network => network::open(state),
        Action::Alerts => alerts::open(state),
        Action::Rfis => rfi::open(state),
        Action::AskOffice => rfi::open_ask(state),
        Action::Review => review::open(state),
        Action::Exchange | Action::ExportBundle => exchange::open(state, exchange::ExchangeStep::List),
        Action::ImportBundle => exchange::open(state, exchange::ExchangeStep::ImportPath(String::new())),
        Action::ImportFile => import::open(state),
        Action::NewOperation => case_records::open(state, case_records::RecordKind::Operation),
        Action::NewTask => case_records::open(state, case_records::RecordKind::Task),
        Action::RecordArrests => case_records::open(state, case_records::RecordKind::Arrests),
        // Run from the palette: the exchange screen, where they apply.
        Action::TrustOffice => exchange::open(state, exchange::ExchangeStep::CardPath(String::new())),
        Action::ShareCase | Action::UnshareCase | Action::RevokeOffice => {
            let effects = exchange::open(state, exchange::ExchangeStep::List);
            state.info(
                "Select the office, then s shares the selected case, u unshares it, R revokes the office.",
            );
            effects
        }
        // `f` in the entities pane filters the entities, not the cases.
        Action::Filter if state.focus == Pane::Entities => panes::update(state, action),
        _ => form::open(state, action).unwrap_or_else(|| panes::update(state, action)),
    }
}
