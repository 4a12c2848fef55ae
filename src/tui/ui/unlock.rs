//! The unlock screen: the store, a masked passphrase, and what happened last.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::layout::centered;
use super::{Look, cut};
use crate::tui::screens::unlock::AnalystChoice;
use crate::tui::state::{State, UnlockState};
use crate::tui::widgets::text_input::CURSOR;

/// At most this many mask characters are drawn (the length is not worth leaking beyond it).
const MAX_MASK: usize = 24;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, u: &UnlockState, look: &Look<'_>) {
    let rect = centered(area, 64.min(area.width), 10.min(area.height));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(look.theme.focus)
        .title(Span::styled(" Liaison — locked ", look.theme.focus));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let mask: String = "•".repeat(u.input.chars().count().min(MAX_MASK));
    let message = u.message.clone().unwrap_or_else(|| "Type the passphrase, then Enter.".into());
    let message_style =
        if message.contains("rong") || message.contains("Wait") { look.theme.error } else { look.theme.dim };
    let lines = vec![
        Line::from(Span::styled(cut(&format!("Store {}", state.store_label), width), look.theme.dim)),
        Line::from(""),
        Line::from(vec![
            Span::styled("Passphrase: ", look.theme.accent),
            Span::styled(mask, look.theme.text),
            Span::styled(if u.busy { "" } else { CURSOR }, look.theme.focus),
        ]),
        Line::from(""),
        Line::from(Span::styled(message, message_style)),
        Line::from(""),
        Line::from(Span::styled("Enter unlock · Esc quit", look.theme.dim)),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// "Who is working?": the store's analysts, after unlocking a store that has several.
pub fn draw_analyst_choice(frame: &mut Frame<'_>, area: Rect, choice: &AnalystChoice, look: &Look<'_>) {
    let height = (choice.names.len() as u16 + 4).min(area.height.saturating_sub(2)).max(5);
    let rect = centered(area, 48.min(area.width.saturating_sub(2)), height);
    let inner = super::popups::open(frame, rect, "Who is working?", look);
    let width = inner.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        cut("Every change and audit entry names the analyst.", width),
        look.theme.dim,
    ))];
    let rows = (inner.height as usize).saturating_sub(1);
    let first = choice.selected.saturating_sub(rows.saturating_sub(1));
    for (i, name) in choice.names.iter().enumerate().skip(first).take(rows) {
        let style = if i == choice.selected { look.theme.selected } else { look.theme.text };
        lines.push(Line::from(Span::styled(cut(name, width), style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
