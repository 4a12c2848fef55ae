//! The unlock screen (the passphrase, with a growing wait after each wrong one) and the
//! moves between it and the main screen: unlocking and locking.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::tui::action::Action;
use crate::tui::message::{Effect, Query, Session, Write};
use crate::tui::requests::{load_cases, load_detail, load_entities, load_timeline, query, start};
use crate::tui::state::{
    CasesPane, EntitiesPane, PASSPHRASE_CAPACITY, Pane, Popup, Screen, State, TimelinePane,
};
use crate::tui::widgets::{ListCursor, TextInput};

/// Longest passphrase accepted on the unlock screen (characters).
const MAX_PASSPHRASE_CHARS: usize = PASSPHRASE_CAPACITY / 4;
/// The delay after a wrong passphrase doubles up to this.
const MAX_DELAY_SECS: u64 = 30;

/// The wait imposed after `failures` wrong passphrases: 1 s, 2 s, 4 s… up to 30 s.
pub fn unlock_delay(failures: u32) -> Duration {
    Duration::from_secs((1u64 << failures.saturating_sub(1).min(5)).min(MAX_DELAY_SECS))
}

/// `update` on the unlock screen.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let Screen::Unlock(u) = &mut state.screen else { return Vec::new() };
    match action {
        // Within the capacity reserved up front: the buffer never moves, leaving no copy.
        Action::TypeChar(_) | Action::DeleteChar | Action::ClearInput => {
            action.edit(TextInput::new(&mut u.input, MAX_PASSPHRASE_CHARS));
        }
        Action::Tick if u.retry_at.is_some_and(|t| Instant::now() >= t) => {
            u.retry_at = None;
            u.message = Some(format!(
                "Wrong passphrase ({} failed attempt{}). Try again.",
                u.failures,
                if u.failures == 1 { "" } else { "s" }
            ));
        }
        Action::Submit => {
            if u.busy {
                return Vec::new();
            }
            if let Some(t) = u.retry_at {
                let left = t.saturating_duration_since(Instant::now());
                if !left.is_zero() {
                    u.message = Some(format!("Wait {} s before trying again.", left.as_secs() + 1));
                    return Vec::new();
                }
            }
            if u.input.is_empty() {
                u.message = Some("Type the passphrase, then Enter.".into());
                return Vec::new();
            }
            u.busy = true;
            u.message = Some("Unlocking…".into());
            // Moved, not copied: the only copy goes to the unlock thread and is wiped there.
            let pass =
                Zeroizing::new(std::mem::replace(&mut *u.input, String::with_capacity(PASSPHRASE_CAPACITY)));
            return vec![Effect::Unlock(pass)];
        }
        Action::UnlockFailed(message) => {
            u.busy = false;
            u.failures += 1;
            let delay = unlock_delay(u.failures);
            u.retry_at = Some(Instant::now() + delay);
            u.message = Some(format!("{message} Wait {} s.", delay.as_secs()));
        }
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        _ => {}
    }
    Vec::new()
}

/// The store is open: a fresh state on the main screen, keeping the theme and the size. With
/// several analysts and none settled, the first question is who is working.
pub fn unlocked(state: &mut State, session: Session) -> Vec<Effect> {
    let (theme, size) = (state.theme, state.size);
    let resume = state.resume.take();
    *state = State::unlocked(&session.label, &session.office, &session.country);
    state.theme = theme;
    state.size = size;
    if let Some(m) = session.default_marking {
        state.default_marking = m;
    }
    state.analyst = session.analyst;
    if state.analyst.is_none() && session.analysts.len() > 1 {
        state.popup = Some(Popup::Analyst(AnalystChoice { names: session.analysts, selected: 0 }));
    }
    match resume {
        Some(r) => r.restore(state),
        None => start(state),
    }
}

/// The question "who is working?": the store's analysts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalystChoice {
    pub names: Vec<String>,
    pub selected: usize,
}

/// `update` while the analyst is being chosen: it cannot be skipped, since every write and
/// audit entry names who made it.
pub fn choose_analyst(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Analyst(choice)) = &mut state.popup else { return Vec::new() };
    if let Some(m) = action.list_move(5) {
        choice.selected = ListCursor::new(choice.selected, choice.names.len()).moved(m);
        return Vec::new();
    }
    match action {
        Action::Submit | Action::Open => {
            let Some(name) = choice.names.get(choice.selected).cloned() else { return Vec::new() };
            state.popup = None;
            state.analyst = Some(name.clone());
            vec![Effect::Write(Write::ChooseAnalyst { name })]
        }
        Action::Cancel => {
            state.error("Choose who is working: every change and audit entry names the analyst.");
            Vec::new()
        }
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        _ => Vec::new(),
    }
}

/// Where the analyst was when the workbench locked: the selections, pivots, filters, scroll
/// and a half-typed form, without the records shown (they are asked again after unlocking).
#[derive(Debug)]
pub struct Resume {
    focus: Pane,
    cases: CasesPane,
    entities: EntitiesPane,
    timeline: TimelinePane,
    detail: (Option<uuid::Uuid>, usize, usize),
    marked: Option<(uuid::Uuid, String)>,
    form: Option<Popup>,
}

impl Resume {
    /// Takes the view out of `state`, dropping every record it showed.
    fn take(state: &mut State) -> Resume {
        let mut cases = std::mem::take(&mut state.cases);
        cases.want = cases.current().map(|c| c.id);
        cases.rows.clear();
        let mut entities = std::mem::take(&mut state.entities);
        entities.want = entities.current().map(|r| r.entity().0);
        entities.rows.clear();
        entities.kinds.clear();
        let mut timeline = std::mem::take(&mut state.timeline);
        timeline.items.clear();
        timeline.density.clear();
        timeline.arrivals = 0;
        let d = &state.detail;
        // A form or a kind picker being filled in is kept; other popups are read-only.
        let form = match state.popup.take() {
            Some(p @ (Popup::Form(_) | Popup::Picker(_))) => Some(p),
            _ => None,
        };
        Resume {
            focus: state.focus,
            cases,
            entities,
            timeline,
            detail: (d.subject, d.selected, d.scroll),
            marked: state.marked.take(),
            form,
        }
    }

    /// Puts the view back into a freshly unlocked `state` and asks for its records again.
    fn restore(self, state: &mut State) -> Vec<Effect> {
        state.focus = self.focus;
        state.cases = self.cases;
        state.cases.keep_view = true;
        state.entities = self.entities;
        state.timeline = self.timeline;
        state.marked = self.marked;
        if state.popup.is_none() {
            state.popup = self.form;
        }
        let mut effects = vec![load_cases(state), query(state, Query::Stats)];
        effects.extend(load_entities(state));
        effects.extend(load_timeline(state));
        let (subject, selected, scroll) = self.detail;
        if let Some(id) = subject {
            effects.extend(load_detail(state, id));
            state.detail.selected = selected;
            state.detail.scroll = scroll;
        }
        effects
    }
}

/// Locks the workbench: every record shown is dropped, not just hidden; where the analyst was
/// (and a half-typed form) is kept to come back to.
pub fn lock(state: &mut State) -> Vec<Effect> {
    let (theme, size, label) = (state.theme, state.size, state.store_label.clone());
    let resume = Resume::take(state);
    *state = State::locked(&label);
    state.theme = theme;
    state.size = size;
    state.resume = Some(Box::new(resume));
    if let Screen::Unlock(u) = &mut state.screen {
        u.message = Some("Locked. Type the passphrase to continue.".into());
    }
    vec![Effect::Lock]
}
