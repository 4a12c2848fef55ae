//! The conflicts inbox: each property with competing values, every value with the office
//! that wrote it, its grade, marking and date; the cursor picks the value to keep.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::centered;
use super::popups::open;
use super::{Look, badge, cell, kind_label, prop_label};
use crate::tui::screens::conflicts::ConflictsScreen;

pub fn draw(frame: &mut Frame<'_>, area: Rect, c: &ConflictsScreen, look: &Look<'_>) {
    let rect = centered(area, 100.min(area.width.saturating_sub(2)), area.height.saturating_sub(3));
    let inner = open(frame, rect, "Conflicts — Enter keeps the selected value · Esc closes", look);
    let width = inner.width as usize;
    if c.conflicts.is_empty() {
        let text = if c.loading { "Loading…" } else { "No conflicts" };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), inner);
        return;
    }
    let mut lines = Vec::new();
    let mut selected_line = 0;
    let mut row = 0;
    // Marker 4, office 17, grade 5, marking 9, date 11.
    let value_w = width.saturating_sub(4 + 17 + 5 + 9 + 11).max(8);
    for cf in &c.conflicts {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", cf.id), look.theme.dim),
            Span::styled(
                cell(
                    &format!(
                        "{} {} · {}",
                        kind_label(&cf.schema),
                        cf.caption,
                        prop_label(&cf.schema, &cf.prop)
                    ),
                    width.saturating_sub(cf.id.len() + 1),
                ),
                look.theme.header,
            ),
        ]));
        for v in &cf.values {
            let selected = row == c.selected;
            if selected {
                selected_line = lines.len();
            }
            let style = if selected { look.theme.selected } else { look.theme.text };
            lines.push(Line::from(vec![
                Span::styled(if selected { "  ▸ " } else { "    " }, look.theme.focus),
                Span::styled(cell(&v.value, value_w), style),
                Span::styled(format!(" {}", cell(&v.office, 16)), look.theme.accent),
                Span::styled(format!(" {} ", cell(v.grade.as_deref().unwrap_or("–"), 3)), look.theme.dim),
                badge(&v.marking, 9, look),
                Span::styled(
                    format!(" {}", cell(v.recorded_at.get(..10).unwrap_or(&v.recorded_at), 10)),
                    look.theme.dim,
                ),
            ]));
            row += 1;
        }
    }
    let footer = Line::from(Span::styled(
        if c.saving {
            "Saving…".to_owned()
        } else {
            format!("{} open · j/k move · Enter keep · ctrl-r reload", c.conflicts.len())
        },
        look.theme.dim,
    ));
    let body_h = inner.height.saturating_sub(1) as usize;
    let scroll = (selected_line + 2).saturating_sub(body_h);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll as u16, 0)),
        Rect { height: body_h as u16, ..inner },
    );
    frame.render_widget(
        Paragraph::new(footer),
        Rect { y: inner.y + inner.height.saturating_sub(1), height: 1.min(inner.height), ..inner },
    );
}
