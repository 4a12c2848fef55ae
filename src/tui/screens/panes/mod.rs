//! The main screen: the cases, entities, timeline and detail panes. Its `update` takes the
//! keys that move about and pivot (`nav`), and the store's answers for the panes (`loaded`).

mod choice;
mod detail;
mod filter;
mod loaded;
mod nav;

pub use choice::update as choice;
pub use filter::{input as filter_input, parse_path_filter};
pub use loaded::{failed, fill_gaps, loaded, saved};

use crate::store::query::TimelineScope;
use crate::tui::action::Action;
use crate::tui::message::{Effect, Query};
use crate::tui::requests::{
    self, GENERATE_ENTITIES, load_cases, load_density, load_entities, load_timeline, pivot, query, reload,
};
use crate::tui::state::{EntitiesView, Job, Pane, State};
use crate::tui::theme::ThemeName;
use crate::tui::ui::layout;
use crate::tui::widgets::Move;
use nav::{back, click, focus, move_selection, open, page};

/// Case statuses the status filter cycles through (None = all).
const STATUSES: [Option<&str>; 5] = [None, Some("open"), Some("active"), Some("suspended"), Some("closed")];

/// `update` for the main screen's own keys (the dispatcher has already opened any screen a
/// key asks for).
pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    if action.name().is_some() {
        state.message = None;
    }
    match *action {
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::FocusNext => focus(state, state.focus.next()),
        Action::FocusPrev => focus(state, state.focus.prev()),
        Action::FocusCases => focus(state, Pane::Cases),
        Action::FocusEntities => focus(state, Pane::Entities),
        Action::FocusTimeline => focus(state, Pane::Timeline),
        Action::FocusDetail => focus(state, Pane::Detail),
        Action::SelectNext => move_selection(state, Move::NEXT),
        Action::SelectPrev => move_selection(state, Move::PREV),
        Action::PageDown => move_selection(state, Move::By(page(state))),
        Action::PageUp => move_selection(state, Move::By(-page(state))),
        Action::SelectFirst => move_selection(state, Move::First),
        Action::SelectLast => move_selection(state, Move::Last),
        Action::Open => open(state),
        Action::Back => back(state),
        Action::CycleStatus => {
            let i = STATUSES.iter().position(|s| s.map(str::to_owned) == state.cases.status).unwrap_or(0);
            state.cases.status = STATUSES[(i + 1) % STATUSES.len()].map(str::to_owned);
            state.info(format!("Cases: {}", state.cases.status.as_deref().unwrap_or("all statuses")));
            vec![load_cases(state)]
        }
        Action::ClearFilter if state.focus == Pane::Entities => filter::clear(state),
        Action::ClearFilter => {
            if state.focus == Pane::Timeline {
                state.timeline.from = None;
                state.timeline.to = None;
                load_timeline(state)
            } else {
                state.cases.text.clear();
                state.cases.status = None;
                vec![load_cases(state)]
            }
        }
        Action::ToggleOrder => {
            state.timeline.newest_first = !state.timeline.newest_first;
            state.timeline.items.clear();
            state.timeline.selected = 0;
            load_timeline(state)
        }
        Action::ZoomIn | Action::ZoomOut => {
            let z = state.timeline.zoom;
            state.timeline.zoom = if *action == Action::ZoomIn { z.finer() } else { z.coarser() };
            load_density(state)
        }
        Action::ToggleHops => {
            if let Some(EntitiesView::Neighbourhood { hops, .. }) = &mut state.entities.view {
                *hops = if *hops == 1 { 2 } else { 1 };
                return load_entities(state);
            }
            state.info("Hops apply to an entity's neighbourhood: pivot to one with Enter first.");
            Vec::new()
        }
        Action::Mark => {
            match state.selected_entity() {
                Some((id, caption)) => {
                    state.info(format!(
                        "Marked {caption}: select another entity, then L to link or p for a path."
                    ));
                    state.marked = Some((id, caption));
                }
                None => state.error("Select an entity to mark (entities pane or detail)."),
            }
            Vec::new()
        }
        Action::ShowPath => {
            let (Some(from), Some(to)) = (state.marked.clone(), state.selected_entity()) else {
                state.error("Mark the first entity with m, select the second, then press p.");
                return Vec::new();
            };
            let caption = format!("{} → {}", from.1, to.1);
            pivot(state, EntitiesView::Path { from: from.0, to: to.0, caption })
        }
        Action::ToggleTheme => {
            state.theme = match state.theme {
                ThemeName::Dark => ThemeName::Light,
                ThemeName::Light => ThemeName::Dark,
            };
            Vec::new()
        }
        Action::Refresh => {
            state.detail.view = None;
            let mut e = reload(state);
            e.push(query(state, Query::Stats));
            e
        }
        Action::Generate => {
            if state.job.is_some() {
                state.error("A job is already running.");
                return Vec::new();
            }
            state.job = Some(Job { label: "Generating".into(), done: 0, total: GENERATE_ENTITIES });
            vec![Effect::Generate(GENERATE_ENTITIES)]
        }
        Action::CancelJob => {
            if state.job.is_some() {
                state.info("Cancelling…");
                vec![Effect::CancelJob]
            } else {
                Vec::new()
            }
        }
        Action::Cancel => {
            if state.job.is_some() {
                state.info("Cancelling…");
                return vec![Effect::CancelJob];
            }
            state.message = None;
            state.marked = None;
            Vec::new()
        }
        Action::TimelineAll => {
            requests::switch_range(state, None);
            state.timeline.scope = Some(TimelineScope::All);
            state.timeline.label = "whole store".into();
            state.timeline.items.clear();
            state.timeline.density.clear();
            state.timeline.selected = 0;
            state.focus = Pane::Timeline;
            load_timeline(state)
        }
        Action::Filter => filter::open(state),
        Action::CycleSort => filter::cycle_sort(state),
        Action::TimelineRangeAll => nav::range_for_all(state),
        Action::Click(x, y) => click(state, x, y),
        Action::ScrollDown(x, y) | Action::ScrollUp(x, y) => {
            let down = matches!(action, Action::ScrollDown(..));
            let mut effects = Vec::new();
            if let Some(pane) = layout::pane_at(state.size, x, y) {
                effects.extend(focus(state, pane));
                effects.extend(move_selection(state, Move::By(if down { 3 } else { -3 })));
            }
            effects
        }
        _ => Vec::new(),
    }
}
