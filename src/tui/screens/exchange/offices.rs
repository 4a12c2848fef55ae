//! The offices this one works with, from the exchange screen: trust an office from its card
//! once the analyst has typed the fingerprint words the office reads out by telephone, share
//! the selected case with the selected office or stop sharing it, and revoke an office
//! (after a yes). Each runs on the worker through the store's own calls, as
//! `liaison office trust|revoke` and `liaison case share|unshare` do.

use std::path::PathBuf;

use super::{ExchangeStep, reload_offices};
use crate::tui::action::Action;
use crate::tui::message::{Effect, ExchangeJob, OfficeOp, Outcome, Query};
use crate::tui::requests::{query, reload, start_job};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::TextInput;

/// Most characters of typed fingerprint words (a fingerprint is a dozen short words).
const MAX_WORDS_CHARS: usize = 300;

/// A key on the office list: trust, share, unshare or revoke.
pub fn start(state: &mut State, action: &Action) -> Vec<Effect> {
    let case = state.current_case().map(|c| (c.id, c.reference.clone()));
    let Some(Popup::Exchange(e)) = &mut state.popup else { return Vec::new() };
    if *action == Action::TrustOffice {
        e.tab.clear();
        e.step = ExchangeStep::CardPath(String::new());
        state.info("The card file the other office sent (`liaison office card -o FILE` writes it).");
        return Vec::new();
    }
    let Some(office) = e.current().map(|o| o.office.clone()) else {
        state.error("No office selected: trust one first (t).");
        return Vec::new();
    };
    match action {
        Action::RevokeOffice => {
            e.step = ExchangeStep::ConfirmRevoke(office);
            Vec::new()
        }
        Action::ShareCase | Action::UnshareCase => {
            let Some((case, reference)) = case else {
                state.error("Select a case in the cases pane first: it is the case shared.");
                return Vec::new();
            };
            let (label, op) = if *action == Action::ShareCase {
                (format!("Sharing {reference} with {office}"), OfficeOp::Share { case, reference, office })
            } else {
                (format!("Unsharing {reference}"), OfficeOp::Unshare { case, reference, office })
            };
            e.step = ExchangeStep::Working;
            start_job(state, label, ExchangeJob::Office(op))
        }
        _ => Vec::new(),
    }
}

/// A key while trusting (the card's path, then the words) or confirming a revocation.
pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Exchange(e)) = &mut state.popup else { return Vec::new() };
    match &mut e.step {
        // Typing and Tab in the path are the exchange screen's (`path_key`).
        ExchangeStep::CardPath(text) => match action {
            Action::Submit if text.trim().is_empty() => state.error("Type the card file's path."),
            Action::Submit => {
                let path = PathBuf::from(text.trim());
                e.step = ExchangeStep::Working;
                return start_job(state, "Reading the card".into(), ExchangeJob::ReadCard { path });
            }
            Action::Cancel => e.step = ExchangeStep::List,
            _ => {}
        },
        ExchangeStep::Card { path, card, words } => {
            if action.edit(TextInput::new(words, MAX_WORDS_CHARS)) {
                return Vec::new();
            }
            match action {
                Action::Submit if words.trim().is_empty() => {
                    let office = card.office.clone();
                    state.error(format!("Type the fingerprint words {office} reads to you."));
                }
                Action::Submit => {
                    let op = OfficeOp::Trust { path: path.clone(), words: words.clone() };
                    let label = format!("Trusting {}", card.office);
                    e.step = ExchangeStep::Working;
                    return start_job(state, label, ExchangeJob::Office(op));
                }
                Action::Cancel => {
                    e.step = ExchangeStep::List;
                    state.info("Nothing was trusted.");
                }
                _ => {}
            }
        }
        ExchangeStep::ConfirmRevoke(office) => match action {
            Action::Submit => {
                let office = office.clone();
                e.step = ExchangeStep::Working;
                return start_job(
                    state,
                    format!("Revoking {office}"),
                    ExchangeJob::Office(OfficeOp::Revoke { office }),
                );
            }
            Action::Cancel => {
                e.step = ExchangeStep::List;
                state.info("Nothing was revoked.");
            }
            _ => {}
        },
        _ => {}
    }
    Vec::new()
}

/// A card was read, or an office operation ended: the words are asked for, or the result
/// said and the offices (and the panes: a share is a value of the case) reloaded.
pub fn outcome(state: &mut State, outcome: Outcome) -> Vec<Effect> {
    state.job = None;
    let step = match outcome {
        Outcome::Card(path, Ok(card)) => {
            state.info(format!(
                "Call {} on a number you already know and type the fingerprint words they read.",
                card.office
            ));
            ExchangeStep::Card { path, card, words: String::new() }
        }
        Outcome::Card(path, Err(e)) => {
            state.error(e);
            ExchangeStep::CardPath(path.display().to_string())
        }
        Outcome::Office(result) => {
            let Some(Popup::Exchange(e)) = &mut state.popup else { return Vec::new() };
            e.step = ExchangeStep::List;
            match result {
                Ok(m) => state.info(m),
                Err(m) => state.error(m),
            }
            let mut effects = reload_offices(state, false);
            effects.extend(reload(state));
            effects.push(query(state, Query::Stats));
            return effects;
        }
        _ => return Vec::new(),
    };
    if let Some(Popup::Exchange(e)) = &mut state.popup {
        e.step = step;
    }
    Vec::new()
}
