//! The watch alerts list: newest first, what was watched, the record it appeared on (kind
//! and caption), the write that brought it and when.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{centered, scroll_offset};
use super::popups::open;
use super::{Look, cell, cut, kind_label};
use crate::tui::screens::alerts::AlertsScreen;

pub fn draw(frame: &mut Frame<'_>, area: Rect, s: &AlertsScreen, look: &Look<'_>) {
    let rect = centered(area, 100.min(area.width.saturating_sub(2)), area.height.saturating_sub(3));
    let inner =
        open(frame, rect, "Watch alerts — newest first · Enter goes to the record · Esc closes", look);
    let width = inner.width as usize;
    let Some(alerts) = &s.alerts else {
        frame.render_widget(Paragraph::new("Loading…").style(look.theme.dim), inner);
        return;
    };
    if alerts.is_empty() {
        let text = "No alert: nothing watched has appeared since it was watched (`liaison watch add`).";
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), inner);
        return;
    }
    // Watched, record (kind: caption), via, time; the record takes what is left.
    let record = width.saturating_sub(18 + 16 + 17);
    let mut lines = vec![Line::styled(
        format!("{}{}{}{}", cell("Watched", 18), cell("Record", record), cell("Via", 16), "When (UTC)"),
        look.theme.dim,
    )];
    let room = (inner.height as usize).saturating_sub(1).max(1);
    let first = scroll_offset(s.selected, alerts.len(), room);
    for (i, a) in alerts.iter().enumerate().skip(first).take(room) {
        let style = if i == s.selected { look.theme.selected } else { look.theme.text };
        let what = if a.schema.is_empty() {
            "(no longer in the store)".to_owned()
        } else {
            format!("{}: {}", kind_label(&a.schema), a.caption)
        };
        // To the minute: "2025-03-14 10:02".
        let when: String = a.at.replacen('T', " ", 1).chars().take(16).collect();
        lines.push(Line::from(vec![
            Span::styled(cell(&a.watched, 18), if i == s.selected { style } else { look.theme.warning }),
            Span::styled(cell(&what, record), style),
            Span::styled(cell(&a.via, 16), style),
            Span::styled(cut(&when, width.saturating_sub(18 + record + 16)), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
