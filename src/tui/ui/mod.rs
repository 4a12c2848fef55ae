//! Drawing: one function per region, each borrowing the state read-only. Nothing here
//! changes state or reads the store.

mod alerts;
mod case_records;
mod cases;
mod conflicts;
pub mod detail;
mod entities;
mod exchange;
mod form;
mod import;
pub mod layout;
mod measures;
mod network;
mod popups;
mod review;
mod rfi;
mod status;
mod timeline;
mod unlock;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use super::keymap::Keymap;
use super::state::{Pane, Screen, State};
use super::theme::Theme;

/// What drawing needs besides the state.
pub struct Look<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
}

/// Draws the whole screen for `state`: one region per function, placed by
/// [`layout::regions`] (the same rectangles mouse clicks are tested against).
///
/// Under 160 columns the panes stand two by two. At 80×24, the smallest size the workbench is
/// drawn for, each pane gets 11 rows (cases 36 columns, entities 44, timeline and detail 40
/// each) and the status bar the last 2:
/// ```text
/// ┏ 1 Cases ━━━━━━━━━━━━━━━━┓┌ 2 Entities ────────────────────┐   rows 0–10
/// ┃ cases, two lines each   ┃│ the members of the case, an    │
/// ┃ below 70 columns        ┃│ entity's links, or a path      │
/// ┗━━━━━━━━━━ 45% ━━━━━━━━━━┛└───────────── 55% ──────────────┘
/// ┌ 3 Timeline ─────────────────┐┌ 4 Detail ──────────────────┐   rows 11–21
/// │ ▂▁▆▁▁▂ density strip        ││ the selected record's      │
/// │ dated items, case or entity ││ statements and links       │
/// └──────────── 50% ────────────┘└──────────── 50% ───────────┘
///  status: mode · store · office · counts                          row 22
///  a running job's progress, the last message, or keymap hints     row 23
/// ```
/// From 160 columns the four panes stand side by side at full height (at 200×40: 48, 50,
/// 50 and 52 columns, 38 rows), the status bar still below:
/// ```text
///  ┏ 1 Cases ━━┓┌ 2 Entities ─┐┌ 3 Timeline ─┐┌ 4 Detail ───┐
///  ┃   24%     ┃│    25%      ││    25%      ││    26%      │
///  ┗━━━━━━━━━━━┛└─────────────┘└─────────────┘└─────────────┘
///   status bar (2 rows)
/// ```
/// The focused pane has a thick border. Popups (help, search, palette, forms, pickers,
/// confirmations, the exchange, import, conflicts and measures screens) are drawn last,
/// centred over the panes; the unlock screen replaces everything.
pub fn draw(frame: &mut Frame<'_>, state: &State, look: &Look<'_>) {
    let area = frame.area();
    if let Screen::Unlock(u) = &state.screen {
        unlock::draw(frame, area, state, u, look);
        return;
    }
    let r = layout::regions((area.width, area.height));
    cases::draw(frame, r.cases, state, look);
    entities::draw(frame, r.entities, state, look);
    timeline::draw(frame, r.timeline, state, look);
    detail::draw(frame, r.detail, state, look);
    status::draw(frame, r.status, state, look);
    popups::draw(frame, area, state, look);
}

/// The help screen as plain text, one line per binding (for tests and the palette).
pub fn help_text(look: &Look<'_>) -> String {
    popups::help_lines(look)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
        .collect()
}

/// A pane's frame: its number and title, bright when focused.
/// A pane's frame with its number and title. A title too long for the pane loses its last
/// " · " parts whole, marked "…", rather than being cut in the middle of one.
fn pane_block<'a>(state: &State, pane: Pane, title: &str, area: Rect, look: &Look<'_>) -> Block<'a> {
    let focused = state.focus == pane && state.popup.is_none();
    let number = pane as usize + 1;
    // Borders and the number take 5 columns (the trailing space may be clipped).
    let room = (area.width as usize).saturating_sub(4);
    let title = fit_title(&safe(title), room);
    let (border, title_style) =
        if focused { (look.theme.focus, look.theme.focus) } else { (look.theme.border, look.theme.text) };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(border)
        .title(Line::from(vec![Span::styled(format!(" {number} {title} "), title_style)]))
}

/// `title` in `room` characters: whole " · " parts dropped from the end first.
fn fit_title(title: &str, room: usize) -> String {
    if title.chars().count() <= room {
        return title.to_owned();
    }
    let mut parts: Vec<&str> = title.split(" · ").collect();
    while parts.len() > 1 {
        parts.pop();
        let shorter = format!("{} …", parts.join(" · "));
        if shorter.chars().count() <= room {
            return shorter;
        }
    }
    cut(title, room)
}

/// Store text as the workbench shows it: control, bidirectional and invisible characters
/// written as `\u{…}` (ratatui would silently drop them, hiding that they are there).
pub fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    crate::model::text::for_terminal(s)
}

/// `s` ([`safe`]) cut or padded to exactly `width` characters.
pub fn cell(s: &str, width: usize) -> String {
    let s = safe(s);
    let count = s.chars().count();
    if count <= width {
        let mut t = s.into_owned();
        t.extend(std::iter::repeat_n(' ', width - count));
        t
    } else if width == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// `s` ([`safe`]) cut to at most `width` characters.
pub fn cut(s: &str, width: usize) -> String {
    let s = safe(s);
    if s.chars().count() <= width { s.into_owned() } else { cell(&s, width) }
}

/// A marking as a coloured badge that also says what it is.
fn badge(marking: &str, width: usize, look: &Look<'_>) -> Span<'static> {
    Span::styled(cell(&super::theme::short_marking(marking), width), look.theme.marking(marking))
}

/// The style of a list row.
fn row_style(selected: bool, focused: bool, look: &Look<'_>) -> Style {
    match (selected, focused) {
        (true, true) => look.theme.selected,
        (true, false) => look.theme.accent.add_modifier(ratatui::style::Modifier::BOLD),
        _ => look.theme.text,
    }
}

/// A number with thousands separators.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The label of property `prop` of kind `schema` ("birthDate" → "Born").
fn prop_label(schema: &str, prop: &str) -> String {
    crate::model::schema::Schema::builtin()
        .kind(schema)
        .ok()
        .and_then(|k| k.properties.get(prop))
        .map_or_else(|| prop.to_owned(), |p| p.label.clone())
}

/// A kind's label ("BankAccount" → "Bank account").
fn kind_label(schema: &str) -> String {
    crate::model::schema::Schema::builtin()
        .kind(schema)
        .map_or_else(|_| schema.to_owned(), |k| k.label.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_pad_and_cut_by_characters() {
        assert_eq!(cell("abc", 5), "abc  ");
        assert_eq!(cell("Sébastien", 5), "Sébа…".replace('а', "a"));
        assert_eq!(cell("x", 0), "");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn store_text_is_shown_escaped() {
        assert_eq!(cell("a\u{1b}[2Jb", 12), "a\\u{1B}[2Jb ");
        assert_eq!(cut("evil\u{202E}gnp", 20), "evil\\u{202E}gnp");
        assert_eq!(cut("x\u{200B}yz", 4), "x\\u…");
    }
}
