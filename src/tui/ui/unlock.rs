//! The unlock screen: the store, a masked passphrase, and what happened last.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::layout::centered;
use super::{Look, cut};
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
