//! The measures screen: the task force's own three numbers — how fast shared intelligence is
//! acknowledged, how many joint operations were run with several agencies, how many networks
//! they disrupted — over all time and month by month, so that a team sees them move.

use chrono::{Datelike, Months, NaiveDate};

use crate::store::query::{Measures, month_start};
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query};
use crate::tui::state::{Popup, State};

/// Months shown, the current one included.
pub const MONTHS: u32 = 24;
/// Months an earlier/later key moves by: half the window, so a year stays in view.
pub const STEP: u32 = 12;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct MeasuresScreen {
    pub ticket: u64,
    pub measures: Option<Box<Measures>>,
    pub scroll: u16,
    /// The day the latest month shown may reach (today by the clock, or the state's).
    pub today: NaiveDate,
}

impl MeasuresScreen {
    /// The first and last month shown (`YYYY-MM`), once the answer is in.
    pub fn shown(&self) -> Option<(&str, &str)> {
        let m = self.measures.as_ref()?;
        Some((&m.monthly.first()?.month, &m.monthly.last()?.month))
    }

    /// Where the data lies, said once above the months: none yet, none since a month, or
    /// the months it spans.
    pub fn data_line(&self) -> Option<String> {
        let m = self.measures.as_ref()?;
        let this_month = self.today.format("%Y-%m").to_string();
        Some(match (&m.first_month, &m.last_month) {
            (Some(first), Some(last)) if *last < this_month => {
                format!("No data since {last} (first {first})")
            }
            (Some(first), Some(last)) => format!("Data from {first} to {last}"),
            _ => "No data yet: no operation executed, no bundle acknowledged".to_owned(),
        })
    }
}

/// Opens the screen on the months that hold data: those up to today, or, when nothing
/// happened in them, those up to the last month with data.
pub fn open(state: &mut State) -> Vec<Effect> {
    let today = state.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    state.popup = Some(Popup::Measures(MeasuresScreen { today, ..MeasuresScreen::default() }));
    ask(state, today, true)
}

fn ask(state: &mut State, until: NaiveDate, on_data: bool) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(Popup::Measures(m)) = &mut state.popup else { return Vec::new() };
    m.ticket = ticket;
    vec![Effect::Query(ticket, Query::Measures { until, on_data })]
}

pub fn loaded(state: &mut State, ticket: u64, measures: Box<Measures>) -> Vec<Effect> {
    if let Some(Popup::Measures(m)) = &mut state.popup {
        if m.ticket == ticket {
            m.measures = Some(measures);
            m.scroll = 0;
        }
    }
    Vec::new()
}

/// The month the window ends on after moving `later` (or earlier) by [`STEP`]; never past
/// today's month. `None` before the first answer, or when already at today.
fn moved(m: &MeasuresScreen, later: bool) -> Option<NaiveDate> {
    let end = month_start(m.shown()?.1)?;
    let this_month = m.today.with_day(1)?;
    if later {
        (end < this_month).then(|| (end + Months::new(STEP)).min(this_month))
    } else {
        end.checked_sub_months(Months::new(STEP))
    }
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Measures(m)) = &mut state.popup else { return Vec::new() };
    match action {
        Action::SelectNext => m.scroll = m.scroll.saturating_add(1),
        Action::SelectPrev => m.scroll = m.scroll.saturating_sub(1),
        Action::PageDown => m.scroll = m.scroll.saturating_add(10),
        Action::PageUp => m.scroll = m.scroll.saturating_sub(10),
        Action::EarlierMonths | Action::LaterMonths => {
            let later = *action == Action::LaterMonths;
            match moved(m, later) {
                Some(until) => return ask(state, until, false),
                None if later && m.measures.is_some() => state.info("These are the latest months."),
                None => {}
            }
        }
        Action::Cancel | Action::Measures | Action::Quit => state.popup = None,
        Action::Refresh => {
            let until = m.shown().and_then(|(_, last)| month_start(last)).unwrap_or(m.today);
            return ask(state, until, false);
        }
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
        assert!(
            matches!(&effects[..], [Effect::Query(_, Query::Measures { until: u, on_data: true })] if *u == until)
        );
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

    fn answered(s: &mut State, first: &str, last: &str, data: Option<(&str, &str)>) {
        let Some(Popup::Measures(m)) = &s.popup else { panic!("not open") };
        let ticket = m.ticket;
        let start = month_start(first).unwrap();
        let end = month_start(last).unwrap();
        let monthly = (0..MONTHS)
            .map(|i| start + Months::new(i))
            .take_while(|d| *d <= end)
            .map(|d| MonthMeasures { month: d.format("%Y-%m").to_string(), ..MonthMeasures::default() })
            .collect();
        let m = Measures {
            monthly,
            first_month: data.map(|d| d.0.to_owned()),
            last_month: data.map(|d| d.1.to_owned()),
            ..Measures::default()
        };
        loaded(s, ticket, Box::new(m));
    }

    fn asked(effects: &[Effect]) -> NaiveDate {
        match effects {
            [Effect::Query(_, Query::Measures { until, on_data: false })] => *until,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn earlier_and_later_move_by_a_year_and_never_past_today() {
        let mut s = state();
        open(&mut s);
        answered(&mut s, "2023-02", "2025-01", Some(("2024-09", "2025-01")));
        let Some(Popup::Measures(m)) = &s.popup else { panic!("not open") };
        assert_eq!(m.data_line().as_deref(), Some("No data since 2025-01 (first 2024-09)"));
        let earlier = asked(&update(&mut s, &Action::EarlierMonths));
        assert_eq!(earlier, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        answered(&mut s, "2023-02", "2025-01", Some(("2024-09", "2025-01")));
        let later = asked(&update(&mut s, &Action::LaterMonths));
        assert_eq!(later, NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), "today's month at the latest");
        answered(&mut s, "2023-04", "2025-03", Some(("2024-09", "2025-01")));
        assert!(update(&mut s, &Action::LaterMonths).is_empty(), "nothing later than today");
        assert_eq!(s.message.as_ref().map(|m| m.text.as_str()), Some("These are the latest months."));
    }

    #[test]
    fn the_data_line_says_when_there_is_none() {
        let mut s = state();
        open(&mut s);
        answered(&mut s, "2023-04", "2025-03", None);
        let Some(Popup::Measures(m)) = &s.popup else { panic!("not open") };
        assert_eq!(
            m.data_line().as_deref(),
            Some("No data yet: no operation executed, no bundle acknowledged")
        );
        answered(&mut s, "2023-04", "2025-03", Some(("2024-09", "2025-03")));
        let Some(Popup::Measures(m)) = &s.popup else { panic!("not open") };
        assert_eq!(m.data_line().as_deref(), Some("Data from 2024-09 to 2025-03"));
    }
}
