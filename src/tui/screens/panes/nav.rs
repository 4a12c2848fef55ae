//! Moving about the main screen: focus, selection, paging, opening and going back, and the
//! mouse.

use crate::tui::message::{Effect, Query};
use crate::tui::requests::{PREFETCH, load_detail, pivot, select_case, show_view};
use crate::tui::state::{EntitiesView, Pane, State};
use crate::tui::ui::layout;
use crate::tui::widgets::{ListCursor, Move};

pub(super) fn page(state: &State) -> isize {
    let rect = layout::regions(state.size).pane(state.focus);
    let rows = layout::list_area(state.focus, rect).height / layout::row_height(state.focus, rect);
    (rows.max(2) - 1) as isize
}

pub(super) fn focus(state: &mut State, pane: Pane) -> Vec<Effect> {
    state.focus = pane;
    // The detail pane shows what the newly focused pane has selected.
    match pane {
        Pane::Cases => {
            state.cases.current().map(|c| c.id).map(|id| load_detail(state, id)).unwrap_or_default()
        }
        Pane::Entities => state
            .entities
            .current()
            .map(|r| r.entity().0)
            .map(|id| load_detail(state, id))
            .unwrap_or_default(),
        Pane::Timeline => state
            .timeline
            .items
            .get(state.timeline.selected)
            .map(|i| i.id)
            .map(|id| load_detail(state, id))
            .unwrap_or_default(),
        Pane::Detail => Vec::new(),
    }
}

pub(super) fn move_selection(state: &mut State, m: Move) -> Vec<Effect> {
    match state.focus {
        Pane::Cases => {
            let before = state.cases.selected;
            state.cases.selected = ListCursor::new(before, state.cases.rows.len()).moved(m);
            if state.cases.selected == before { Vec::new() } else { select_case(state) }
        }
        Pane::Entities => {
            let e = &mut state.entities;
            let before = e.selected;
            e.selected = ListCursor::new(before, e.rows.len()).moved(m);
            let mut effects = Vec::new();
            if e.selected + PREFETCH >= e.rows.len() && !e.complete && !e.loading {
                if let Some(EntitiesView::Members { case, .. }) = &e.view {
                    let q =
                        Query::Members { case: *case, offset: e.rows.len() as u32, filter: e.filter.clone() };
                    e.loading = true;
                    let ticket = e.ticket;
                    effects.push(Effect::Query(ticket, q));
                }
            }
            if state.entities.selected != before {
                if let Some(id) = state.entities.current().map(|r| r.entity().0) {
                    effects.extend(load_detail(state, id));
                }
            }
            effects
        }
        Pane::Timeline => {
            let t = &mut state.timeline;
            let before = t.selected;
            t.selected = ListCursor::new(before, t.items.len()).moved(m);
            let mut effects = Vec::new();
            if t.selected + PREFETCH >= t.items.len() && !t.complete && !t.loading {
                if let Some(scope) = t.scope {
                    t.loading = true;
                    let q = Query::Timeline {
                        scope,
                        from: t.from.clone(),
                        to: t.to.clone(),
                        newest_first: t.newest_first,
                        // Bundle arrivals are not rows of the store's timeline.
                        offset: (t.items.len() - t.arrivals) as u32,
                    };
                    effects.push(Effect::Query(t.ticket, q));
                }
            }
            if state.timeline.selected != before {
                if let Some(id) = state.timeline.items.get(state.timeline.selected).map(|i| i.id) {
                    effects.extend(load_detail(state, id));
                }
            }
            effects
        }
        Pane::Detail => {
            super::detail::move_in_detail(state, m);
            Vec::new()
        }
    }
}

pub(super) fn open(state: &mut State) -> Vec<Effect> {
    match state.focus {
        Pane::Cases => focus(state, Pane::Entities),
        Pane::Entities => {
            let Some(row) = state.entities.current().cloned() else { return Vec::new() };
            let (id, _, caption) = row.entity();
            let hops = match state.entities.view {
                Some(EntitiesView::Neighbourhood { hops, .. }) => hops,
                _ => 1,
            };
            let view = EntitiesView::Neighbourhood { center: id, caption: caption.to_owned(), hops };
            pivot(state, view)
        }
        // A call, a payment, a trip: which party to pivot to; anything else: its detail.
        Pane::Timeline => {
            if super::choice::offer(state) {
                Vec::new()
            } else {
                focus(state, Pane::Detail)
            }
        }
        Pane::Detail => open_detail_row(state),
    }
}

/// The timeline's date range for every case at once, or again each case its own.
pub(super) fn range_for_all(state: &mut State) -> Vec<Effect> {
    let t = &mut state.timeline;
    t.ranges.for_all = !t.ranges.for_all;
    if t.ranges.for_all {
        state.info("The timeline's date range now applies to every case.");
    } else {
        // From now on the range in force belongs to the case shown.
        let owner = state.timeline.ranges.owner;
        let range = (state.timeline.from.clone(), state.timeline.to.clone());
        state.timeline.ranges.saved.insert(owner, range);
        state.info("Each case keeps its own timeline date range again.");
    }
    Vec::new()
}

/// Enter on a link row of the detail pane pivots to the far end; on a case row, goes to the
/// case.
fn open_detail_row(state: &mut State) -> Vec<Effect> {
    if let Some(l) = state.detail.selected_link() {
        let view =
            EntitiesView::Neighbourhood { center: l.other.id, caption: l.other.caption.clone(), hops: 1 };
        state.focus = Pane::Entities;
        return pivot(state, view);
    }
    if let Some(c) = state.detail.selected_case() {
        let id = c.id;
        if let Some(i) = state.cases.rows.iter().position(|r| r.id == id) {
            state.cases.selected = i;
            state.focus = Pane::Cases;
            return select_case(state);
        }
        state.info(format!("{} is not in the cases list (clear the cases filter with x).", c.reference));
    }
    Vec::new()
}

pub(super) fn back(state: &mut State) -> Vec<Effect> {
    if let Some(view) = state.entities.history.pop() {
        state.entities.view = None;
        show_view(state, view)
    } else {
        state.info("Nothing to go back to.");
        Vec::new()
    }
}

pub(super) fn click(state: &mut State, x: u16, y: u16) -> Vec<Effect> {
    let Some(pane) = layout::pane_at(state.size, x, y) else { return Vec::new() };
    let mut effects = focus(state, pane);
    let rect = layout::regions(state.size).pane(pane);
    let area = layout::list_area(pane, rect);
    if y < area.y || y >= area.y + area.height {
        return effects;
    }
    let (selected, len) = match pane {
        Pane::Cases => (state.cases.selected, state.cases.rows.len()),
        Pane::Entities => (state.entities.selected, state.entities.rows.len()),
        Pane::Timeline => (state.timeline.selected, state.timeline.items.len()),
        Pane::Detail => return effects,
    };
    let row_height = layout::row_height(pane, rect);
    let offset = layout::scroll_offset(selected, len, (area.height / row_height) as usize);
    let row = offset + ((y - area.y) / row_height) as usize;
    if row < len {
        effects.extend(move_selection(state, Move::By(row as isize - selected as isize)));
    }
    effects
}
