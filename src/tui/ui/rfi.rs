//! The requests-for-information pane: the list (overdue marked, first), one request whole
//! with its answers and the time of each step, the answer being typed; and the small form
//! that asks another office about the selected entity.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::layout::{centered, scroll_offset};
use super::popups::open;
use super::{Look, cell, cut, safe};
use crate::store::query::human_seconds;
use crate::store::rfi::RfiRow;
use crate::tui::screens::rfi::{AnswerEditor, AskField, AskForm, AttachPicker, RfiScreen, RfiTab};
use crate::tui::widgets::text_input::{CURSOR, tail};

/// The other office of a request: who asked an incoming one, who was asked an outgoing one.
fn other_office(r: &RfiRow) -> &str {
    if r.direction == "incoming" { &r.from_office } else { &r.to_office }
}

/// A time as shown: the date and the minute, in UTC.
fn at(t: &str) -> String {
    let t = t.trim_end_matches('Z').replacen('T', " ", 1);
    cut(&t, 16)
}

fn tabs(s: &RfiScreen, look: &Look<'_>) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for tab in RfiTab::ALL {
        let style = if tab == s.tab { look.theme.selected } else { look.theme.dim };
        spans.push(Span::styled(format!(" {} ", tab.label()), style));
        spans.push(Span::raw(" "));
    }
    if let Some(rows) = &s.rows {
        let overdue = rows.iter().filter(|r| r.overdue).count();
        let open = rows.iter().filter(|r| r.status != "closed").count();
        spans.push(Span::styled(format!(" {} requests · {open} open", rows.len()), look.theme.text));
        if overdue > 0 {
            spans.push(Span::styled(format!(" · {overdue} overdue"), look.theme.error));
        }
    }
    Line::from(spans)
}

fn list(s: &RfiScreen, rows: &[RfiRow], width: usize, height: usize, look: &Look<'_>) -> Vec<Line<'static>> {
    let question = width.saturating_sub(2 + 4 + 15 + 10 + 9 + 11);
    let mut lines = vec![Line::styled(
        format!(
            "  {}{}{}{}{}{}",
            cell("Dir", 4),
            cell("Office", 15),
            cell("Priority", 10),
            cell("Status", 9),
            cell("Due", 11),
            "Question"
        ),
        look.theme.dim,
    )];
    if rows.is_empty() {
        let none = match s.tab {
            RfiTab::All => "No request for information yet: A asks an office about the selected entity.",
            RfiTab::Incoming => "No request from another office.",
            RfiTab::Outgoing => "No request asked by this office.",
        };
        lines.push(Line::styled(format!("  {none}"), look.theme.dim));
        return lines;
    }
    let room = height.saturating_sub(1).max(1);
    let first = scroll_offset(s.selected, rows.len(), room);
    for (i, r) in rows.iter().enumerate().skip(first).take(room) {
        let selected = i == s.selected;
        let style = if selected {
            look.theme.selected
        } else if r.status == "closed" {
            look.theme.dim
        } else {
            look.theme.text
        };
        let dir = if r.direction == "incoming" { "in" } else { "out" };
        let urgent = r.priority != "routine";
        lines.push(Line::from(vec![
            Span::styled(if r.overdue { "! " } else { "  " }, look.theme.error),
            Span::styled(cell(dir, 4), style),
            Span::styled(cell(other_office(r), 15), style),
            Span::styled(cell(&r.priority, 10), if urgent && !selected { look.theme.warning } else { style }),
            Span::styled(cell(&r.status, 9), style),
            Span::styled(
                cell(r.due.as_deref().unwrap_or("–"), 11),
                if r.overdue && !selected { look.theme.error } else { style },
            ),
            Span::styled(cut(&r.question.replace('\n', " "), question), style),
        ]));
    }
    lines
}

fn step(label: &str, value: Option<&str>, look: &Look<'_>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {label:<17}"), look.theme.dim),
        Span::styled(value.map_or_else(|| "–".to_owned(), at), look.theme.text),
    ])
}

/// One request whole: who asked whom, the question, each step's time, every answer.
fn shown(r: &RfiRow, look: &Look<'_>) -> Vec<Line<'static>> {
    let head = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), look.theme.header),
            Span::styled(value, look.theme.text),
        ])
    };
    let who = format!("{} → {}", safe(&r.from_office), safe(&r.to_office));
    let due = r.due.as_deref().map(|d| format!(" · due {}", safe(d))).unwrap_or_default();
    let status = format!("{} · {}{due}", r.status, r.priority);
    let mut lines = vec![
        head(if r.direction == "incoming" { "Incoming" } else { "Outgoing" }, who),
        head("Case", safe(&r.case).into_owned()),
        head("Status", status),
    ];
    if r.overdue {
        lines.push(Line::styled("Overdue: no answer by the date due.", look.theme.error));
    }
    lines.push(Line::styled("Question", look.theme.header));
    lines.extend(r.question.lines().map(|l| Line::styled(format!("  {}", safe(l)), look.theme.text)));
    lines.push(Line::styled("Steps (UTC)", look.theme.header));
    lines.push(step("asked", Some(&r.asked_at), look));
    lines.push(step("answered", r.answered_at.as_deref(), look));
    lines.push(step("answer received", r.answer_received_at.as_deref(), look));
    lines.push(step("closed", r.closed_at.as_deref(), look));
    if let Some(t) = r.turnaround_seconds {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<17}", "turnaround"), look.theme.dim),
            Span::styled(human_seconds(t.max(0)), look.theme.ok),
        ]));
    }
    lines.push(Line::styled(format!("Answers ({})", r.answers.len()), look.theme.header));
    for a in &r.answers {
        let attached = match a.attachments.len() {
            0 => String::new(),
            n => format!(" · {n} records attached"),
        };
        lines.push(Line::styled(
            format!("  {} · {}{attached}", safe(&a.office), at(&a.answered_at)),
            look.theme.dim,
        ));
        lines.extend(a.text.lines().map(|l| Line::styled(format!("    {}", safe(l)), look.theme.text)));
    }
    lines
}

/// The answer being typed, the cursor drawn where the next character goes.
fn editor(a: &AnswerEditor, look: &Look<'_>) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Answer to:", look.theme.header)];
    lines.extend(a.question.lines().map(|l| Line::styled(format!("  {}", safe(l)), look.theme.dim)));
    let mut text = a.text.clone();
    let at = text.char_indices().nth(a.cursor).map_or(text.len(), |(i, _)| i);
    text.insert(at, '\u{0}');
    for l in text.split('\n') {
        let spans = match l.split_once('\u{0}') {
            Some((before, after)) => vec![
                Span::styled(format!("  {}", safe(before)), look.theme.text),
                Span::styled(CURSOR, look.theme.focus),
                Span::styled(safe(after).into_owned(), look.theme.text),
            ],
            None => vec![Span::styled(format!("  {}", safe(l)), look.theme.text)],
        };
        lines.push(Line::from(spans));
    }
    // The records attached, under the text (issue 15).
    let attached = if a.attach.is_empty() {
        "Attached: none (Ctrl-T attaches a record of the case)".to_owned()
    } else {
        let names: Vec<String> = a.attach.iter().map(|(_, c)| safe(c).into_owned()).collect();
        format!("Attached ({}): {} · Ctrl-T changes", a.attach.len(), names.join(", "))
    };
    lines.push(Line::styled(attached, look.theme.accent));
    lines
}

/// Choosing records of the case to attach: the filter typed, then the entities, attached
/// ones ticked.
fn picker(
    p: &AttachPicker,
    a: &AnswerEditor,
    width: usize,
    height: usize,
    look: &Look<'_>,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            cut(&format!("Attach records of {} to the answer", p.reference), width),
            look.theme.header,
        ),
        Line::from(vec![
            Span::styled("Name contains: ", look.theme.dim),
            Span::styled(format!("{}{CURSOR}", safe(&p.filter)), look.theme.accent),
        ]),
    ];
    let Some(rows) = &p.rows else {
        lines.push(Line::styled("Loading…", look.theme.dim));
        return lines;
    };
    if rows.is_empty() {
        lines.push(Line::styled("No entity of the case has that in its name.", look.theme.dim));
    }
    let room = height.saturating_sub(lines.len()).max(1);
    let first = scroll_offset(p.selected, rows.len(), room);
    for (i, r) in rows.iter().enumerate().skip(first).take(room) {
        let tick = if a.attach.iter().any(|(id, _)| *id == r.id) { "[x]" } else { "[ ]" };
        let style = if i == p.selected { look.theme.selected } else { look.theme.text };
        let text = format!("{tick} {} · {}", r.caption, r.schema);
        lines.push(Line::styled(cell(&text, width), style));
    }
    lines
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, s: &RfiScreen, look: &Look<'_>) {
    let rect = centered(area, 100.min(area.width.saturating_sub(2)), area.height.saturating_sub(3));
    let inner = open(frame, rect, "Requests for information — overdue first · Esc closes", look);
    let width = inner.width as usize;
    let mut lines = vec![tabs(s, look)];
    let footer = if s.saving {
        "Saving…"
    } else if s.picker.is_some() {
        "Type to narrow · Enter attach / detach · ↑↓ choose · Esc back to the answer"
    } else if s.answer.is_some() {
        "Enter new line · Ctrl-T attach records · Ctrl-S send · Esc leave"
    } else if s.showing {
        "a answer · c close · o reopen · j/k scroll · Esc back to the list"
    } else {
        "Tab in/out/all · Enter show · a answer · c close · o reopen · Esc close"
    };
    let mut bottom = Vec::new();
    if let Some(e) = &s.error {
        bottom.push(Line::styled(cut(&format!("⚠ {e}"), width), look.theme.error));
    }
    bottom.push(Line::styled(cut(footer, width), look.theme.dim));
    let body = (inner.height as usize).saturating_sub(1 + bottom.len());
    match (&s.rows, s.current()) {
        (None, _) => lines.push(Line::styled("Loading…", look.theme.dim)),
        (Some(_), Some(_)) if s.picker.is_some() && s.answer.is_some() => {
            if let (Some(p), Some(a)) = (&s.picker, &s.answer) {
                lines.extend(picker(p, a, width, body, look));
            }
        }
        (Some(_), Some(r)) if s.answer.is_some() || s.showing => {
            let detail = match &s.answer {
                Some(a) => editor(a, look),
                None => shown(r, look),
            };
            // The end of a long answer stays in view.
            let skip = if s.answer.is_some() { detail.len().saturating_sub(body) } else { s.scroll as usize };
            lines.extend(detail.into_iter().skip(skip).take(body));
        }
        (Some(rows), _) => lines.extend(list(s, rows, width, body, look)),
    }
    lines.truncate(1 + body);
    lines.resize(1 + body, Line::default());
    lines.extend(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Columns of the ask form's labels.
const LABEL: usize = 11;

pub fn draw_ask(frame: &mut Frame<'_>, area: Rect, f: &AskForm, look: &Look<'_>) {
    let rect = centered(area, 76.min(area.width.saturating_sub(2)), 10.min(area.height.saturating_sub(2)));
    let title = format!("Ask about {} ({})", cut(&f.caption, 30), cut(&f.reference, 20));
    let inner = open(frame, rect, &title, look);
    let width = (inner.width as usize).saturating_sub(LABEL + 2);
    let mut lines = Vec::new();
    for (i, field) in AskField::ALL.iter().enumerate() {
        let focused = i == f.focus;
        let value = f.value(*field);
        let hint = match field {
            AskField::To => match &f.offices {
                None => "reading the case's offices…".to_owned(),
                Some(o) if o.is_empty() => "the case is shared with no office (x, then s)".to_owned(),
                Some(o) if o.len() == 1 => "the one office the case is shared with".to_owned(),
                Some(o) => format!("←/→ {} offices the case is shared with", o.len()),
            },
            AskField::Question => String::new(),
            AskField::Priority => "←/→ routine | urgent | immediate".to_owned(),
            AskField::Due => "YYYY-MM-DD (optional)".to_owned(),
        };
        let mut spans = vec![
            Span::styled(cell(field.label(), LABEL), if focused { look.theme.focus } else { look.theme.dim }),
            Span::styled(
                safe(tail(&value, width)).into_owned(),
                if focused { look.theme.selected } else { look.theme.text },
            ),
        ];
        if focused && *field != AskField::Priority {
            spans.push(Span::styled(CURSOR, look.theme.focus));
        }
        if !hint.is_empty() && (value.is_empty() || focused) {
            spans.push(Span::styled(format!(" {hint}"), look.theme.dim));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    if let Some(e) = &f.error {
        lines.push(Line::styled(format!("⚠ {}", safe(e)), look.theme.error));
    }
    let footer = if f.saving { "Saving…" } else { "Enter ask · Tab next field · Esc cancel" };
    lines.push(Line::styled(footer, look.theme.dim));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
