//! The cases pane: reference, status, marking (colour and text), lead office, title.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{list_area, row_height, scroll_offset};
use super::{Look, badge, cell, pane_block, row_style};
use crate::tui::state::{Pane, State};
use crate::tui::theme::short_marking;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let c = &state.cases;
    let mut title = format!("Cases ({})", c.rows.len());
    if let Some(s) = &c.status {
        let _ = write!(title, " · {s}");
    }
    if !c.text.is_empty() {
        let _ = write!(title, " · \"{}\"", c.text);
    }
    if c.loading && c.rows.is_empty() {
        title.push_str(" · loading…");
    }
    frame.render_widget(pane_block(state, Pane::Cases, &title, area, look), area);
    let list = list_area(Pane::Cases, area);
    let width = list.width as usize;
    if c.rows.is_empty() {
        let text = if c.loading { "" } else { "No case. n opens one; F clears the filter." };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), list);
        return;
    }
    let reference_w = c.rows.iter().map(|r| r.reference.chars().count()).max().unwrap_or(0).min(18);
    let status_w = 9;
    let focused = state.focus == Pane::Cases && state.popup.is_none();
    let row_h = row_height(Pane::Cases, area) as usize;
    let offset = scroll_offset(c.selected, c.rows.len(), list.height as usize / row_h);
    let mut lines: Vec<Line> = Vec::new();
    for (i, r) in c.rows.iter().enumerate().skip(offset).take(list.height as usize / row_h) {
        let style = row_style(i == c.selected, focused, look);
        let marking = short_marking(&r.marking);
        let marking_len = marking.chars().count();
        if row_h == 2 {
            // Narrow: reference and marking; then status, title and lead office. A marking is
            // never cut: when it does not fit beside the reference it leads the second line.
            let beside = marking_len <= width.saturating_sub(reference_w + 1);
            let mut first = vec![Span::styled(cell(&r.reference, reference_w) + " ", style)];
            let mut second = vec![Span::raw(" ")];
            if beside {
                first.push(badge(&r.marking, marking_len, look));
            } else {
                second.push(badge(&r.marking, marking_len, look));
                second.push(Span::raw(" "));
            }
            let used = if beside { 1 } else { marking_len + 2 };
            let rest = format!("{} · {} · {}", r.status, r.title, r.lead_office);
            second.push(Span::styled(cell(&rest, width.saturating_sub(used)), look.theme.dim));
            lines.push(Line::from(first));
            lines.push(Line::from(second));
            continue;
        }
        // As wide as the longest marking shown, so none is cut.
        let marking_w =
            c.rows.iter().map(|r| short_marking(&r.marking).chars().count()).max().unwrap_or(0).clamp(8, 28);
        let lead_w = 18;
        let used = reference_w + 1 + marking_w + 1 + status_w + 1 + lead_w + 1;
        lines.push(Line::from(vec![
            Span::styled(cell(&r.reference, reference_w) + " ", style),
            badge(&r.marking, marking_w, look),
            Span::styled(" ".to_owned() + &cell(&r.status, status_w) + " ", style),
            Span::styled(cell(&r.lead_office, lead_w) + " ", style),
            Span::styled(cell(&r.title, width.saturating_sub(used)), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), list);
}
