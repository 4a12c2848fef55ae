//! Where each region goes. Pure functions of the terminal size, shared by drawing and by
//! mouse hit-testing so a click lands on the row that was drawn there. The diagram of the
//! regions at 80×24 and at large sizes is on [`super::draw`].

use ratatui::layout::{Constraint, Layout, Margin, Rect};

use crate::tui::state::Pane;

/// Columns from which the four panes stand side by side.
pub const WIDE: u16 = 160;
/// Lines of the status bar.
pub const STATUS_LINES: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    pub cases: Rect,
    pub entities: Rect,
    pub timeline: Rect,
    pub detail: Rect,
    pub status: Rect,
}

impl Regions {
    pub fn pane(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Cases => self.cases,
            Pane::Entities => self.entities,
            Pane::Timeline => self.timeline,
            Pane::Detail => self.detail,
        }
    }
}

pub fn regions((width, height): (u16, u16)) -> Regions {
    let area = Rect::new(0, 0, width, height);
    let [main, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(STATUS_LINES)]).areas(area);
    if width >= WIDE {
        let [cases, entities, timeline, detail] = Layout::horizontal([
            // The detail pane reads whole notes and every provenance: it gets the most.
            Constraint::Percentage(20),
            Constraint::Percentage(25),
            Constraint::Percentage(23),
            Constraint::Percentage(32),
        ])
        .areas(main);
        return Regions { cases, entities, timeline, detail, status };
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let [cases, entities] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
    let [timeline, detail] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    Regions { cases, entities, timeline, detail, status }
}

/// Rows of the density strip above the timeline list for a pane of inner height `h`.
pub fn strip_lines(inner_height: u16) -> u16 {
    match inner_height {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The rows of a pane's list (inside the border, below the strip for the timeline).
pub fn list_area(pane: Pane, rect: Rect) -> Rect {
    let inner = rect.inner(Margin { horizontal: 1, vertical: 1 });
    if pane == Pane::Timeline {
        let skip = strip_lines(inner.height);
        return Rect { y: inner.y + skip, height: inner.height - skip, ..inner };
    }
    inner
}

/// Lines per row of a pane's list: a case takes two in a narrow pane (title and lead office
/// on the second), so that every column still shows at 80×24.
pub fn row_height(pane: Pane, rect: Rect) -> u16 {
    if pane == Pane::Cases && list_area(pane, rect).width < NARROW_CASES { 2 } else { 1 }
}

/// Below this width the cases pane gives each case two lines.
pub const NARROW_CASES: u16 = 70;

/// The pane under (x, y), if any.
pub fn pane_at(size: (u16, u16), x: u16, y: u16) -> Option<Pane> {
    let r = regions(size);
    Pane::ALL.into_iter().find(|p| {
        let a = r.pane(*p);
        x >= a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height
    })
}

/// The first row shown of a list of `len` rows, `height` at a time, keeping `selected` in view.
pub fn scroll_offset(selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height || selected < height {
        return 0;
    }
    (selected + 1 - height).min(len - height)
}

/// A rectangle of `width`×`height` centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pane_has_room_at_80_by_24_and_clicks_find_them() {
        let r = regions((80, 24));
        for p in Pane::ALL {
            let a = r.pane(p);
            assert!(a.width >= 30 && a.height >= 10, "{p:?} {a:?}");
            assert_eq!(pane_at((80, 24), a.x + 1, a.y + 1), Some(p));
        }
        assert_eq!(r.status.height, STATUS_LINES);
        let wide = regions((200, 50));
        assert_eq!(wide.cases.height, wide.detail.height, "side by side");
    }

    #[test]
    fn scrolling_keeps_the_selection_in_view() {
        assert_eq!(scroll_offset(3, 100, 10), 0);
        assert_eq!(scroll_offset(15, 100, 10), 6);
        assert_eq!(scroll_offset(99, 100, 10), 90);
        assert_eq!(scroll_offset(5, 3, 10), 0);
    }
}
