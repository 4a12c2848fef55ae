//! The measures screen: the task force's own three numbers — how fast shared intelligence is
//! acknowledged, how many joint operations were run with several agencies, how many networks
//! they disrupted — over all time and month by month, so that a team sees them move.

use crate::store::query::Measures;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query};
use crate::tui::state::{Popup, State};

/// Months shown, the current one included.
pub const MONTHS: u32 = 24;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct MeasuresScreen {
    pub ticket: u64,
    pub measures: Option<Box<Measures>>,
    pub scroll: u16,
}

/// Opens the screen and asks for the measures up to today (or the day the state fixes).
pub fn open(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let until = state.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    state.popup = Some(Popup::Measures(MeasuresScreen { ticket, ..MeasuresScreen::default() }));
    vec![Effect::Query(ticket, Query::Measures { until })]
}

pub fn loaded(state: &mut State, ticket: u64, measures: Box<Measures>) -> Vec<Effect> {
    if let Some(Popup::Measures(m)) = &mut state.popup {
        if m.ticket == ticket {
            m.measures = Some(measures);
        }
    }
    Vec::new()
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Measures(m)) = &mut state.popup else { return Vec::new() };
    match action {
        Action::SelectNext => m.scroll = m.scroll.saturating_add(1),
        Action::SelectPrev => m.scroll = m.scroll.saturating_sub(1),
        Action::PageDown => m.scroll = m.scroll.saturating_add(10),
        Action::PageUp => m.scroll = m.scroll.saturating_sub(10),
        Action::Cancel | Action::Measures | Action::Quit => state.popup = None,
        Action::Refresh => return open(state),
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::query::MonthMeasures;

    fn state() -> State {
        let mut s = State::unlocked("store", "PJ Marseille", "FR");
        s.today = chrono::NaiveDate::from_ymd_opt(2025, 3, 14);
        s
    }

    #[test]
    fn opening_asks_for_the_months_up_to_today() {
        let mut s = state();
        let effects = open(&mut s);
        let until = chrono::NaiveDate::from_ymd_opt(2025, 3, 14).unwrap();
        assert!(matches!(&effects[..], [Effect::Query(_, Query::Measures { until: u })] if *u == until));
        assert!(matches!(&s.popup, Some(Popup::Measures(m)) if m.measures.is_none()));
    }

    #[test]
    fn only_the_latest_answer_is_shown_and_esc_closes() {
        let mut s = state();
        open(&mut s);
        let Some(Popup::Measures(m)) = &s.popup else { panic!("not open") };
        let ticket = m.ticket;
        let answer = |month: &str| {
            Box::new(Measures {
                monthly: vec![MonthMeasures { month: month.into(), ..MonthMeasures::default() }],
                ..Measures::default()
            })
        };
        loaded(&mut s, ticket + 100, answer("stale"));
        assert!(matches!(&s.popup, Some(Popup::Measures(m)) if m.measures.is_none()));
        loaded(&mut s, ticket, answer("2025-03"));
        assert!(
            matches!(&s.popup, Some(Popup::Measures(m)) if m.measures.as_ref().unwrap().monthly[0].month == "2025-03")
        );
        update(&mut s, &Action::SelectNext);
        assert!(matches!(&s.popup, Some(Popup::Measures(m)) if m.scroll == 1));
        update(&mut s, &Action::Cancel);
        assert!(s.popup.is_none());
    }
}
