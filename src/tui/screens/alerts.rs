//! The watch alerts list: every statement that named a watched selector or record, newest
//! first (what was watched, the record it appeared on, the write that brought it, when).
//! Enter goes to the record as a search hit does. The count in the status bar comes with the
//! store's counts (`Query::Stats`), refreshed after every write and import.

use crate::store::watch::Alert;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query};
use crate::tui::requests::jump;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::ListCursor;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct AlertsScreen {
    pub ticket: u64,
    /// `None` until the store answers.
    pub alerts: Option<Vec<Alert>>,
    pub selected: usize,
}

impl AlertsScreen {
    pub fn current(&self) -> Option<&Alert> {
        self.alerts.as_ref()?.get(self.selected)
    }
}

pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Alerts(AlertsScreen::default()));
    ask(state)
}

fn ask(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(Popup::Alerts(a)) = &mut state.popup else { return Vec::new() };
    a.ticket = ticket;
    vec![Effect::Query(ticket, Query::Alerts)]
}

pub fn loaded(state: &mut State, ticket: u64, alerts: Vec<Alert>) -> Vec<Effect> {
    if let Some(Popup::Alerts(a)) = &mut state.popup {
        if a.ticket == ticket {
            a.selected = ListCursor::new(a.selected, alerts.len()).clamped();
            a.alerts = Some(alerts);
        }
    }
    Vec::new()
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Alerts(a)) = &mut state.popup else { return Vec::new() };
    let len = a.alerts.as_ref().map_or(0, Vec::len);
    if let Some(m) = action.list_move(10) {
        a.selected = ListCursor::new(a.selected, len).moved(m);
        return Vec::new();
    }
    match action {
        Action::Open | Action::Submit => {
            let Some(alert) = a.current().cloned() else { return Vec::new() };
            state.popup = None;
            if alert.schema.is_empty() {
                state.error("That record is no longer in the store.");
                return Vec::new();
            }
            jump(state, alert.record, &alert.schema, &alert.caption)
        }
        Action::Refresh => ask(state),
        Action::Cancel | Action::Alerts | Action::Quit => {
            state.popup = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(caption: &str) -> Alert {
        let n = caption.len() as u128 + 1;
        Alert {
            watch: 1,
            watched: "AB-123-CD".into(),
            kind: "plate".into(),
            record: uuid::Uuid::from_u128(n),
            schema: "Vehicle".into(),
            caption: caption.into(),
            prop: "registrationNumber".into(),
            value: "AB-123-CD".into(),
            via: "interop import".into(),
            at: "2025-03-14T10:00:00Z".into(),
        }
    }

    #[test]
    fn a_late_answer_is_dropped_and_enter_goes_to_the_record() {
        let mut s = State::unlocked("store", "PJ Marseille", "FR");
        let effects = open(&mut s);
        assert!(matches!(&effects[..], [Effect::Query(_, Query::Alerts)]));
        let Some(Popup::Alerts(a)) = &s.popup else { panic!("open") };
        let ticket = a.ticket;
        loaded(&mut s, ticket + 1, vec![alert("stale")]);
        assert!(matches!(&s.popup, Some(Popup::Alerts(a)) if a.alerts.is_none()));
        let wanted = alert("Clio AB-123-CD");
        loaded(&mut s, ticket, vec![alert("older"), wanted.clone()]);
        update(&mut s, &Action::SelectNext);
        let effects = update(&mut s, &Action::Open);
        assert!(s.popup.is_none(), "the list closes");
        assert_eq!(s.detail.subject, Some(wanted.record), "the record is shown");
        assert!(!effects.is_empty());
    }
}
