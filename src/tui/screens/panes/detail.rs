//! Moving in the detail pane: the selection goes over its rows (statements, links, cases) and
//! the pane scrolls line by line through a row taller than what is left of the pane, so a long
//! note is read to its end and the links and cases under it are reached at 80×24.

use crate::tui::state::{Pane, State};
use crate::tui::ui::detail::{Geometry, geometry};
use crate::tui::ui::layout;
use crate::tui::widgets::Move;

/// The pane's inner (width, height) at the current terminal size.
fn inner_size(state: &State) -> (usize, usize) {
    let rect = layout::regions(state.size).pane(Pane::Detail);
    (rect.width.saturating_sub(2) as usize, rect.height.saturating_sub(2) as usize)
}

/// The current geometry of the detail pane, if it shows a record.
pub fn current_geometry(state: &State) -> Option<(Geometry, usize)> {
    let v = state.detail.view.as_deref()?;
    let (width, height) = inner_size(state);
    let profile = state.detail.profile.as_deref();
    Some((geometry(v, &state.detail.notes, profile, &state.office, width), height.max(1)))
}

/// Scrolls so that row `i` starts in view (its top, and as much of it as fits).
fn reveal(scroll: &mut usize, g: &Geometry, i: usize, height: usize) {
    let Some(&(_, first, h)) = g.rows.get(i) else { return };
    if first < *scroll {
        *scroll = first;
    } else if first + h.min(height) > *scroll + height {
        *scroll = first + h.min(height) - height;
    }
}

pub fn move_in_detail(state: &mut State, step: Move) {
    let Some((g, height)) = current_geometry(state) else { return };
    let last_scroll = g.total_lines.saturating_sub(height);
    let d = &mut state.detail;
    let rows = g.rows.len();
    if rows == 0 {
        d.scroll = (d.scroll + usize::from(step == Move::NEXT)).min(last_scroll);
        return;
    }
    d.selected = d.selected.min(rows - 1);
    match step {
        Move::First => {
            d.selected = 0;
            d.scroll = 0;
        }
        Move::Last => {
            d.selected = rows - 1;
            d.scroll = last_scroll;
        }
        Move::By(lines) if lines > 0 => {
            for _ in 0..lines {
                let (_, first, row_height) = g.rows[d.selected];
                if first + row_height > d.scroll + height {
                    // The rest of this row is below: read on through it.
                    d.scroll += 1;
                } else if d.selected + 1 < rows {
                    d.selected += 1;
                    reveal(&mut d.scroll, &g, d.selected, height);
                } else {
                    d.scroll = last_scroll;
                    break;
                }
            }
        }
        Move::By(lines) => {
            for _ in 0..lines.unsigned_abs() {
                let (_, first, _) = g.rows[d.selected];
                if first < d.scroll {
                    d.scroll -= 1;
                } else if d.selected > 0 {
                    d.selected -= 1;
                    reveal(&mut d.scroll, &g, d.selected, height);
                } else {
                    d.scroll = 0;
                    break;
                }
            }
        }
    }
    d.scroll = d.scroll.min(last_scroll);
}
