//! The form popup: a field per line (a note's text on as many as it takes), the cursor where
//! typing goes, a choice field's arrows, "more fields" before the kind's other properties,
//! and a sign when fields are above or below the fold.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::centered;
use super::popups::open;
use super::{Look, cell, cut, safe};
use crate::tui::screens::form::{Field, Form};
use crate::tui::widgets::text_input::{CURSOR, window};

/// The lines of one field: label and value, then any further lines of a multi-line value,
/// then its error. Returns the lines and the index of the cursor's line among them.
fn field_lines(
    field: &Field,
    focused: bool,
    label_w: usize,
    width: usize,
    look: &Look<'_>,
) -> (Vec<Line<'static>>, usize) {
    let mark = if field.required { "*" } else { " " };
    let label = Span::styled(
        cell(&format!("{}{mark}", field.label), label_w),
        if focused { look.theme.focus } else { look.theme.dim },
    );
    let value_w = width.saturating_sub(label_w + 2).max(4);
    let value_style = if focused { look.theme.selected } else { look.theme.text };
    let indent = || Span::raw(" ".repeat(label_w + 1));
    let mut lines = Vec::new();
    let mut cursor_line = 0;
    // Each line of the value (a single-line value has one).
    let text_lines: Vec<&str> = field.value.split('\n').collect();
    let mut start = 0;
    for (i, text) in text_lines.iter().enumerate() {
        let len = text.chars().count();
        let here = focused && field.cursor >= start && field.cursor <= start + len;
        let mut spans = vec![if i == 0 { label.clone() } else { indent() }, Span::raw(" ")];
        if here {
            cursor_line = lines.len();
            let (before, at, after) = window(text, field.cursor - start, value_w);
            spans.push(Span::styled(safe(&before).into_owned(), value_style));
            // At the end of the text the cursor is the block every input draws; inside it, the
            // character under it, reversed.
            if field.cursor - start == len {
                spans.push(Span::styled(CURSOR, look.theme.focus));
            } else {
                spans.push(Span::styled(
                    safe(&at).into_owned(),
                    look.theme.focus.add_modifier(ratatui::style::Modifier::REVERSED),
                ));
            }
            spans.push(Span::styled(safe(&after).into_owned(), value_style));
        } else {
            spans.push(Span::styled(cut(text, value_w), value_style));
        }
        if i == 0 && !field.choices.is_empty() && focused {
            spans.push(Span::styled(" ◂ ▸", look.theme.accent));
        }
        if i == 0 && field.value.is_empty() && !field.hint.is_empty() {
            spans.push(Span::styled(
                cut(&format!(" {}", field.hint), value_w.saturating_sub(1)),
                look.theme.dim,
            ));
        }
        lines.push(Line::from(spans));
        start += len + 1;
    }
    if let Some(e) = &field.error {
        lines.push(Line::from(Span::styled(format!("  ⚠ {e}"), look.theme.error)));
    }
    (lines, cursor_line)
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, f: &Form, look: &Look<'_>) {
    let rect = centered(area, 76.min(area.width.saturating_sub(2)), area.height.saturating_sub(2).min(26));
    let inner = open(frame, rect, &f.title, look);
    let width = inner.width as usize;
    let label_w = f.fields.iter().map(|x| x.label.chars().count()).max().unwrap_or(0).min(22) + 1;
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = 0;
    for (i, field) in f.fields.iter().enumerate() {
        if field.more {
            lines.push(Line::from(Span::styled(
                format!("── more fields {}", "─".repeat(width.saturating_sub(15))),
                look.theme.dim,
            )));
        }
        let (mut field_lines, cursor) = field_lines(field, i == f.focus, label_w, width, look);
        if i == f.focus {
            focus_line = lines.len() + cursor;
        }
        lines.append(&mut field_lines);
    }
    let footer_h = 2;
    let height = (inner.height as usize).saturating_sub(footer_h);
    // The focused line in view, one line of context under it.
    let scroll = (focus_line + 2).saturating_sub(height).min(lines.len().saturating_sub(height));
    let above = scroll > 0;
    let below = lines.len() > scroll + height;
    let body = Rect { height: inner.height.saturating_sub(footer_h as u16), ..inner };
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), body);
    let mut footer = Vec::new();
    if let Some(e) = &f.error {
        footer.push(Line::from(Span::styled(cut(&format!("⚠ {e}"), width), look.theme.error)));
    } else if below || above {
        let sign = match (above, below) {
            (true, true) => "↑ fields above · ↓ more fields below",
            (false, true) => "↓ more fields below",
            _ => "↑ fields above",
        };
        footer.push(Line::from(Span::styled(cut(sign, width), look.theme.accent)));
    } else {
        footer.push(Line::from(""));
    }
    footer.push(Line::from(Span::styled(
        cut("Enter save · Ctrl-S save from a note · Tab/↓ next · ←/→ cursor or choice · Esc cancel", width),
        look.theme.dim,
    )));
    frame.render_widget(
        Paragraph::new(footer),
        Rect { y: inner.y + body.height, height: footer_h as u16, ..inner },
    );
}
