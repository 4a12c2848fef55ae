//! The form recording a joint operation, a task or arrests in a case: one line per field
//! with its hint, the store's refusal when there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::layout::centered;
use super::popups::open;
use super::{Look, cell};
use crate::tui::screens::case_records::{CaseRecordScreen, RecordKind};
use crate::tui::widgets::text_input::{CURSOR, tail};

/// Columns of the labels.
const LABEL: usize = 12;

pub fn draw(frame: &mut Frame<'_>, area: Rect, s: &CaseRecordScreen, look: &Look<'_>) {
    let height = (s.fields.len() as u16 + 6).min(area.height.saturating_sub(2));
    let rect = centered(area, 76.min(area.width.saturating_sub(2)), height);
    let what = match s.kind {
        RecordKind::Operation => "Record a joint operation",
        RecordKind::Task => "Record a task",
        RecordKind::Arrests => "Record arrests (an executed operation)",
    };
    let inner = open(frame, rect, &format!("{what} in {}", super::safe(&s.reference)), look);
    let width = (inner.width as usize).saturating_sub(LABEL + 2);
    let mut lines = Vec::new();
    for (i, f) in s.fields.iter().enumerate() {
        let focused = i == s.focus;
        let label = if f.required { format!("{}*", f.label) } else { f.label.to_owned() };
        let mut spans = vec![
            Span::styled(cell(&label, LABEL), if focused { look.theme.focus } else { look.theme.dim }),
            Span::styled(
                tail(&f.value, width).to_owned(),
                if focused { look.theme.selected } else { look.theme.text },
            ),
        ];
        if focused {
            spans.push(Span::styled(CURSOR, look.theme.focus));
        }
        if f.value.is_empty() || focused {
            spans.push(Span::styled(format!(" {}", f.hint), look.theme.dim));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    if let Some(e) = &s.error {
        lines.push(Line::styled(format!("⚠ {}", super::safe(e)), look.theme.error));
    }
    let footer = if s.saving { "Saving…" } else { "Enter save · Tab next field · Esc cancel" };
    lines.push(Line::styled(footer, look.theme.dim));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
