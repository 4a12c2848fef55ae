//! The review queue (issue 13): the duplicate candidates of the case the analyst is in (the
//! whole store when none is selected), best first, computed on the store's thread; one pair
//! at a time, the two records side by side (`compare`), with the reasons and the evidence
//! against. One key each: `s` same, `n` not the same, `u` unsure, space skips; the judgement
//! is written as `liaison judge` writes it (`Change::Judge` through the store's one door, on
//! the worker), and the queue moves on once the store has accepted it, so a refusal is read
//! here. `?` shows the keys; Esc closes.
//!
//! The same candidates, computed once when a case opens, mark the entities list (`marks_loaded`).

pub mod compare;

use uuid::Uuid;

use crate::analysis::duplicates::Candidate;
use crate::store::Provenance;
use crate::store::change::Change;
use crate::store::judgements::Verdict;
use crate::store::query::EntityView;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Loaded, Query, Write};
use crate::tui::state::{EntitiesView, Popup, State};

#[derive(Debug, Default)]
pub struct ReviewScreen {
    /// The case whose candidates are listed (id, reference); `None`: the whole store.
    pub case: Option<(Uuid, String)>,
    pub ticket: u64,
    /// `None` while the store's thread compares the records.
    pub candidates: Option<Vec<Candidate>>,
    /// The pair shown.
    pub at: usize,
    pub pair_ticket: u64,
    /// Both records of the pair shown, once read.
    pub pair: Option<(Box<EntityView>, Box<EntityView>)>,
    pub judged: usize,
    pub skipped: usize,
    /// A judgement sent to the store, waiting for its answer.
    pub saving: Option<Verdict>,
    /// The store's refusal of the last judgement.
    pub error: Option<String>,
    pub scroll: u16,
    pub help: bool,
}

impl ReviewScreen {
    pub fn current(&self) -> Option<&Candidate> {
        self.candidates.as_ref()?.get(self.at)
    }

    /// Candidates left from the one shown on.
    pub fn left(&self) -> usize {
        self.candidates.as_ref().map_or(0, |c| c.len().saturating_sub(self.at))
    }
}

fn screen(state: &mut State) -> Option<&mut ReviewScreen> {
    match &mut state.popup {
        Some(Popup::Review(r)) => Some(r.as_mut()),
        _ => None,
    }
}

/// Opens the queue on the selected case's candidates (the store's when no case is selected).
pub fn open(state: &mut State) -> Vec<Effect> {
    let case = state.current_case().map(|c| (c.id, c.reference.clone()));
    state.popup = Some(Popup::Review(Box::new(ReviewScreen { case, ..ReviewScreen::default() })));
    ask(state)
}

fn ask(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(r) = screen(state) else { return Vec::new() };
    r.ticket = ticket;
    r.candidates = None;
    r.pair = None;
    r.at = 0;
    r.error = None;
    vec![Effect::Query(ticket, Query::Candidates { case: r.case.as_ref().map(|c| c.0), marks: false })]
}

/// Reads the two records of the pair shown.
fn ask_pair(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(r) = screen(state) else { return Vec::new() };
    r.pair = None;
    r.scroll = 0;
    let Some(c) = r.current() else { return Vec::new() };
    let (a, b) = (c.a.id, c.b.id);
    r.pair_ticket = ticket;
    vec![Effect::Query(ticket, Query::ReviewPair { a, b })]
}

/// Whether the queue waits for this answer.
pub fn waits_for(state: &State, ticket: u64) -> bool {
    matches!(&state.popup, Some(Popup::Review(r)) if r.ticket == ticket || r.pair_ticket == ticket)
}

/// The candidates, or a pair's records, arrived.
pub fn loaded(state: &mut State, ticket: u64, loaded: Loaded) -> Vec<Effect> {
    match loaded {
        Loaded::Candidates { case, marks, candidates, skipped } => {
            // The queue's list also marks the case's entities (the same candidates).
            marks_loaded(
                state,
                ticket,
                Loaded::Candidates { case, marks, candidates: candidates.clone(), skipped },
            );
            let Some(r) = screen(state) else { return Vec::new() };
            if r.ticket != ticket {
                return Vec::new();
            }
            r.candidates = Some(candidates);
            r.at = 0;
            ask_pair(state)
        }
        Loaded::ReviewPair { a, b } => {
            if let Some(r) = screen(state) {
                let wanted = r.current().map(|c| (c.a.id, c.b.id));
                if r.pair_ticket == ticket && wanted == Some((a.id, b.id)) {
                    r.pair = Some((a, b));
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Asks for the marks of the case whose members just arrived (once per case: they are kept
/// while it stays; judging in the queue takes pairs off).
pub fn ask_marks(state: &mut State, case: Uuid) -> Vec<Effect> {
    let shown = matches!(&state.entities.view, Some(EntitiesView::Members { case: c, .. }) if *c == case);
    if !shown || state.duplicates.case == Some(case) {
        return Vec::new();
    }
    let ticket = state.ticket();
    state.duplicates = crate::tui::state::DuplicateMarks { case: Some(case), ticket, pairs: Vec::new() };
    vec![Effect::Query(ticket, Query::Candidates { case: Some(case), marks: true })]
}

/// Candidates of the case whose entities are marked: its open pairs.
pub fn marks_loaded(state: &mut State, ticket: u64, loaded: Loaded) {
    let Loaded::Candidates { case, marks, candidates, .. } = loaded else { return };
    let m = &mut state.duplicates;
    // The queue's list is cut at its limit: only the marks' own answer replaces the pairs.
    if case.is_some() && m.case == case && (m.ticket == ticket || !marks) {
        let pairs = candidates.iter().map(|c| (c.a.id, c.b.id));
        if marks {
            m.pairs = pairs.collect();
        } else {
            for p in pairs {
                if !m.pairs.contains(&p) {
                    m.pairs.push(p);
                }
            }
        }
    }
}

/// The detail pane's record's resolved profile (or `None`: the plain view).
pub fn profile_loaded(state: &mut State, ticket: u64, loaded: Loaded) {
    if let Loaded::Profile { id, profile } = loaded {
        if state.detail.ticket == ticket && state.detail.subject == Some(id) {
            state.detail.profile = profile;
        }
    }
}

fn judge(state: &mut State, verdict: Verdict) -> Vec<Effect> {
    let Some(r) = screen(state) else { return Vec::new() };
    let Some((a, b)) = r.current().map(|c| (c.a.id, c.b.id)) else { return Vec::new() };
    if r.pair.is_none() {
        r.error = Some("The two records are still being read.".into());
        return Vec::new();
    }
    // Marked as the case's values are: a judgement made in a case is at least as restricted.
    let prov = Provenance { case: r.case.as_ref().map(|c| c.0), ..Provenance::default() };
    let change = Change::Judge { a, b, verdict, reason: None, prov };
    r.saving = Some(verdict);
    r.error = None;
    vec![Effect::Write(Write::Change(change))]
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(r) = screen(state) else { return Vec::new() };
    if r.help {
        if matches!(action, Action::Help | Action::Cancel | Action::Quit | Action::Submit) {
            r.help = false;
        }
        return Vec::new();
    }
    if r.saving.is_some() {
        return Vec::new();
    }
    match action {
        Action::JudgeSame => return judge(state, Verdict::Same),
        Action::JudgeNotSame => return judge(state, Verdict::NotSame),
        Action::JudgeUnsure => return judge(state, Verdict::Unsure),
        Action::SkipCandidate if r.current().is_some() => {
            r.at += 1;
            r.skipped += 1;
            r.error = None;
            return ask_pair(state);
        }
        Action::SelectNext | Action::PageDown => r.scroll = r.scroll.saturating_add(1),
        Action::SelectPrev | Action::PageUp => r.scroll = r.scroll.saturating_sub(1),
        Action::Help => r.help = true,
        Action::Refresh => return ask(state),
        Action::Cancel | Action::Review | Action::Quit => state.popup = None,
        _ => {}
    }
    Vec::new()
}

/// The store wrote the judgement: the pair leaves the queue and the marks, the next is read.
pub fn saved(state: &mut State) -> Vec<Effect> {
    let Some(r) = screen(state) else { return Vec::new() };
    if r.saving.take().is_none() {
        return Vec::new();
    }
    let Some(list) = &mut r.candidates else { return Vec::new() };
    if r.at < list.len() {
        let c = list.remove(r.at);
        r.judged += 1;
        state.duplicates.pairs.retain(|&p| p != (c.a.id, c.b.id));
    }
    ask_pair(state)
}

/// The store refused the judgement: the pair stays, with the reason.
pub fn failed(state: &mut State, message: &str) {
    if let Some(r) = screen(state) {
        if r.saving.take().is_some() {
            r.error = Some(message.to_owned());
        }
    }
}
