//! The cases pane: reference, status, marking (colour and text), lead office, title.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{list_area, scroll_offset};
use super::{Look, badge, cell, pane_block, row_style};
use crate::tui::state::{Pane, State};

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
    frame.render_widget(pane_block(state, Pane::Cases, &title, look), area);
    let list = list_area(Pane::Cases, area);
    let width = list.width as usize;
    if c.rows.is_empty() {
        let text = if c.loading { "" } else { "No case. n opens one; F clears the filter." };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), list);
        return;
    }
    let reference_w = c.rows.iter().map(|r| r.reference.chars().count()).max().unwrap_or(0).min(18);
    let marking_w = 9;
    let status_w = 9;
    let lead_w = if width >= 90 { 18 } else { 0 };
    let focused = state.focus == Pane::Cases && state.popup.is_none();
    let offset = scroll_offset(c.selected, c.rows.len(), list.height as usize);
    let lines: Vec<Line> = c
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(list.height as usize)
        .map(|(i, r)| {
            let style = row_style(i == c.selected, focused, look);
            let mut used = reference_w + status_w + marking_w + 3;
            let mut spans = vec![
                Span::styled(cell(&r.reference, reference_w) + " ", style),
                badge(&r.marking, marking_w, look),
                Span::styled(" ".to_owned() + &cell(&r.status, status_w) + " ", style),
            ];
            if lead_w > 0 {
                spans.push(Span::styled(cell(&r.lead_office, lead_w) + " ", style));
                used += lead_w + 1;
            }
            spans.push(Span::styled(cell(&r.title, width.saturating_sub(used)), style));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}
