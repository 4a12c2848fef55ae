//! The detail pane: every live statement of the selected record, wrapped whole, with its
//! source, grade and marking, and who wrote it — the analyst, and the office when another
//! office did (once for all when every value shares them), conflicts flagged
//! in words; then its links and its cases. Statements, links and cases are the pane's rows:
//! the selection moves over them and the pane scrolls line by line through a long one, so
//! everything can be reached at 80×24.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Look, badge, cut, kind_label, pane_block, prop_label, safe};
use crate::store::judgements::ResolvedProfile;
use crate::store::query::{EntityView, StatementView};
use crate::tui::state::{Pane, State};
use crate::tui::theme::short_marking;

/// Lines of the header above the rows: caption, grade and marking, and a link's two ends.
fn header_lines(v: &EntityView) -> usize {
    if v.source.is_some() && v.target.is_some() { 3 } else { 2 }
}

/// What one row of the pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailRow {
    Statement(usize),
    /// A journal note of the case shown.
    Note(usize),
    Link(usize),
    Case(usize),
}

/// Where the rows fall, at a given width: the same numbers for the view and for `update`,
/// which scrolls through them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geometry {
    /// Each row, its first line and its height.
    pub rows: Vec<(DetailRow, usize, usize)>,
    pub total_lines: usize,
}

/// The source, grade, marking and office of a statement: shown once in the header when every
/// statement has the same.
fn provenance(s: &StatementView) -> (Option<&str>, Option<&str>, &str, Option<&str>, Option<&str>) {
    (
        s.source.as_ref().map(|x| x.name.as_str()),
        s.grade.as_deref(),
        s.marking.as_str(),
        s.office.as_deref(),
        s.analyst.as_deref(),
    )
}

/// How the provenance of a record's values is shown: once for all when every value shares
/// it; the writer once when only the writer is shared (an office's analyst wrote them all);
/// else all of it under each value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sharing {
    All,
    Writer(Option<String>),
    Nothing,
}

fn sharing(v: &EntityView, here: &str) -> Sharing {
    let s = &v.statements;
    if s.len() < 2 {
        return Sharing::Nothing;
    }
    if s.windows(2).all(|w| provenance(&w[0]) == provenance(&w[1])) {
        return Sharing::All;
    }
    let first = writer(&s[0], here);
    if s.iter().all(|x| writer(x, here) == first) { Sharing::Writer(first) } else { Sharing::Nothing }
}

/// The provenance lines above the values (plain text), for `sharing`.
fn header_provenance(v: &EntityView, sharing: &Sharing, here: &str, width: usize) -> Vec<String> {
    match sharing {
        Sharing::All => {
            provenance_lines(&v.statements[0], SHARED, writer(&v.statements[0], here).as_deref(), width)
        }
        Sharing::Writer(Some(w)) => wrap(&format!("every value by {w}"), width),
        Sharing::Writer(None) | Sharing::Nothing => Vec::new(),
    }
}

/// The writer shown under each value, for `sharing` (none when the header names it).
fn own_writer(s: &StatementView, sharing: &Sharing, here: &str) -> Option<String> {
    match sharing {
        Sharing::Nothing => writer(s, here),
        _ => None,
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let options = textwrap::Options::new(width.max(8)).subsequent_indent("    ");
    textwrap::wrap(text, options).into_iter().map(std::borrow::Cow::into_owned).collect()
}

/// "Label: value" wrapped to `width` (never cut: a note is read whole here).
fn statement_text(v: &EntityView, s: &StatementView, width: usize) -> Vec<String> {
    wrap_whole(&format!("{}: {}", prop_label(&v.schema, &s.prop), safe(&s.value)), width)
}

/// `text` wrapped to `width`, each of its lines starting a new one, nothing cut.
fn wrap_whole(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        out.extend(textwrap::wrap(paragraph, width).into_iter().map(std::borrow::Cow::into_owned));
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// The rows' places at `width` (the pane's inner width).
pub fn geometry(
    v: &EntityView,
    notes: &[EntityView],
    profile: Option<&ResolvedProfile>,
    here: &str,
    width: usize,
) -> Geometry {
    let sharing = sharing(v, here);
    let mut line = header_lines(v) + header_provenance(v, &sharing, here, width).len();
    line += profile.map_or(0, |p| profile_lines(p, v, here, width).len());
    let mut rows = Vec::new();
    for (i, s) in v.statements.iter().enumerate() {
        let own = if sharing == Sharing::All {
            0
        } else {
            provenance_lines(s, OWN, own_writer(s, &sharing, here).as_deref(), width).len()
        };
        let height = statement_text(v, s, width).len() + own;
        rows.push((DetailRow::Statement(i), line, height));
        line += height;
    }
    if !notes.is_empty() {
        line += 1;
        for (i, n) in notes.iter().enumerate() {
            let height = NoteLines::new(n, width).len();
            rows.push((DetailRow::Note(i), line, height));
            line += height;
        }
    }
    if !v.links.is_empty() {
        line += 1;
        for i in 0..v.links.len() {
            rows.push((DetailRow::Link(i), line, 1));
            line += 1;
        }
    }
    if !v.cases.is_empty() {
        line += 1;
        for i in 0..v.cases.len() {
            rows.push((DetailRow::Case(i), line, 1));
            line += 1;
        }
    }
    Geometry { rows, total_lines: line }
}

/// Who wrote a value: the analyst, after the office when it is not this one (our own values
/// need no office name): "DGSI · K. Dupont", "J. Martin".
fn writer(s: &StatementView, here: &str) -> Option<String> {
    let office = s.office.as_deref().filter(|o| *o != here && !o.is_empty());
    let analyst = s.analyst.as_deref().filter(|a| !a.is_empty());
    match (office, analyst) {
        (Some(o), Some(a)) => Some(format!("{} · {}", safe(o), safe(a))),
        (Some(o), None) => Some(safe(o).into_owned()),
        (None, Some(a)) => Some(safe(a).into_owned()),
        (None, None) => None,
    }
}

/// The provenance around its marking: "source · grade · " before, " · writer" after.
fn provenance_parts(s: &StatementView, prefix: &str, writer: Option<&str>) -> (String, String) {
    let source = s.source.as_ref().map_or("no source", |x| x.name.as_str());
    let before = format!("{prefix}{} · {} · ", safe(source), safe(s.grade.as_deref().unwrap_or("–")));
    (before, writer.map(|w| format!(" · {w}")).unwrap_or_default())
}

fn provenance_text(s: &StatementView, prefix: &str, writer: Option<&str>) -> String {
    let (before, after) = provenance_parts(s, prefix, writer);
    format!("{before}{}{after}", short_marking(&s.marking))
}

/// A statement's provenance in as many lines as `width` needs (never cut: the marking and the
/// office must stay readable at 50 columns).
fn provenance_lines(s: &StatementView, prefix: &str, writer: Option<&str>, width: usize) -> Vec<String> {
    wrap(&provenance_text(s, prefix, writer), width)
}

/// The provenance drawn: on one line the marking is a coloured badge; wrapped, plain text.
fn provenance_spans(
    s: &StatementView,
    prefix: &str,
    writer: Option<&str>,
    width: usize,
    look: &Look<'_>,
) -> Vec<Line<'static>> {
    let lines = provenance_lines(s, prefix, writer, width);
    if lines.len() > 1 {
        return lines.into_iter().map(|l| Line::from(Span::styled(l, look.theme.dim))).collect();
    }
    let (before, after) = provenance_parts(s, prefix, writer);
    vec![Line::from(vec![
        Span::styled(before, look.theme.dim),
        badge(&s.marking, short_marking(&s.marking).chars().count(), look),
        Span::styled(after, look.theme.dim),
    ])]
}

/// Prefix of the provenance shown once for every value.
const SHARED: &str = "every value: ";
/// Prefix of a statement's own provenance.
const OWN: &str = "  ";

/// A journal note as the detail pane shows it, whole: "— date · writer", its text wrapped,
/// then its source, grade and marking.
struct NoteLines {
    head: Vec<String>,
    text: Vec<String>,
    provenance: Vec<String>,
}

impl NoteLines {
    fn new(note: &EntityView, width: usize) -> NoteLines {
        let value = |prop: &str| note.statements.iter().find(|s| s.prop == prop);
        let date = value("date").map_or("", |s| s.value.get(..10).unwrap_or(&s.value));
        let by = value("author")
            .map(|s| s.value.as_str())
            .or_else(|| note.statements.first().and_then(|s| s.analyst.as_deref()));
        let head = wrap(&format!("— {} · {}", safe(date), safe(by.unwrap_or("?"))), width);
        let (mut text, mut provenance) = (Vec::new(), Vec::new());
        if let Some(t) = value("text") {
            text = wrap_whole(&safe(&t.value), width);
            // The writer is in the heading already.
            provenance = provenance_lines(t, OWN, None, width);
        }
        NoteLines { head, text, provenance }
    }

    fn len(&self) -> usize {
        self.head.len() + self.text.len() + self.provenance.len()
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, look: &Look<'_>) {
    let d = &state.detail;
    let title = match &d.view {
        Some(v) => match d.profile.as_deref() {
            Some(p) => {
                format!("Detail · {} · one profile of {} records", kind_label(&v.schema), p.records.len())
            }
            None => format!("Detail · {}", kind_label(&v.schema)),
        },
        None => "Detail".to_owned(),
    };
    frame.render_widget(pane_block(state, Pane::Detail, &title, area, look), area);
    let inner = area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 });
    let Some(v) = &d.view else {
        let text = if d.loading { "" } else { "Nothing selected." };
        frame.render_widget(Paragraph::new(text).style(look.theme.dim), inner);
        return;
    };
    let width = inner.width as usize;
    let focused = state.focus == Pane::Detail && state.popup.is_none();
    let style = |row: usize| if focused && row == d.selected { look.theme.selected } else { look.theme.text };
    let mut lines: Vec<Line> = Vec::new();
    let deleted = if v.deleted { "  [DELETED]" } else { "" };
    lines.push(Line::from(Span::styled(cut(&format!("{}{deleted}", v.caption), width), look.theme.header)));
    lines.push(Line::from(vec![
        Span::styled(format!("grade {} · ", safe(v.grade.as_deref().unwrap_or("none"))), look.theme.dim),
        badge(&v.marking, short_marking(&v.marking).chars().count(), look),
        Span::styled(format!(" · {}", &v.id.to_string()[..8]), look.theme.dim),
    ]));
    if let (Some(s), Some(t)) = (&v.source, &v.target) {
        lines.push(Line::from(Span::styled(
            cut(&format!("{} → {}", s.caption, t.caption), width),
            look.theme.accent,
        )));
    }
    let here = state.office.as_str();
    let sharing = sharing(v, here);
    if sharing == Sharing::All {
        let first = &v.statements[0];
        lines.extend(provenance_spans(first, SHARED, writer(first, here).as_deref(), width, look));
    } else {
        let header = header_provenance(v, &sharing, here, width);
        lines.extend(header.into_iter().map(|l| Line::from(Span::styled(l, look.theme.dim))));
    }
    if let Some(p) = state.detail.profile.as_deref() {
        lines.extend(profile_lines(p, v, here, width).into_iter().map(|(tone, text)| {
            let style = match tone {
                Tone::Head => look.theme.header,
                Tone::Record => look.theme.accent,
                Tone::Value => look.theme.text,
                Tone::Dim => look.theme.dim,
                Tone::Warn => look.theme.warning,
            };
            Line::from(Span::styled(text, style))
        }));
    }
    let mut row = 0;
    for s in &v.statements {
        for (i, text) in statement_text(v, s, width).into_iter().enumerate() {
            let mut spans = vec![Span::styled(text, style(row))];
            if i == 0 && s.conflict {
                spans.push(Span::styled(" ⚠ CONFLICT", look.theme.error));
            }
            lines.push(Line::from(spans));
        }
        if sharing != Sharing::All {
            lines.extend(provenance_spans(s, OWN, own_writer(s, &sharing, here).as_deref(), width, look));
        }
        row += 1;
    }
    if !state.detail.notes.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("Journal ({})", state.detail.notes.len()),
            look.theme.header,
        )));
        for note in &state.detail.notes {
            let n = NoteLines::new(note, width);
            let dim = |l: String| Line::from(Span::styled(l, look.theme.dim));
            lines.extend(n.head.into_iter().map(dim));
            lines.extend(n.text.into_iter().map(|l| Line::from(Span::styled(l, style(row)))));
            lines.extend(n.provenance.into_iter().map(dim));
            row += 1;
        }
    }
    if !v.links.is_empty() {
        let shown = if (v.links.len() as i64) < v.link_count {
            format!("Links ({} of {})", v.links.len(), v.link_count)
        } else {
            format!("Links ({})", v.link_count)
        };
        lines.push(Line::from(Span::styled(shown, look.theme.header)));
        for l in &v.links {
            let arrow = if l.direction == "out" { "→" } else { "←" };
            let date = l
                .dates
                .last()
                .map(|d| format!(" {}", d.chars().take(10).collect::<String>()))
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                cut(&format!("{arrow} {} {}{date}", kind_label(&l.schema), l.other.caption), width),
                style(row),
            )));
            row += 1;
        }
    }
    if !v.cases.is_empty() {
        lines.push(Line::from(Span::styled(format!("Cases ({})", v.cases.len()), look.theme.header)));
        for c in &v.cases {
            let role = c.role.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            lines.push(Line::from(Span::styled(cut(&format!("{}{role}", c.reference), width), style(row))));
            row += 1;
        }
    }
    let height = inner.height as usize;
    let scroll = d.scroll.min(lines.len().saturating_sub(height));
    let more_below = lines.len() > scroll + height;
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
    // Say that the pane goes on, on its bottom border, so "which cases is he in?" is never
    // hidden without a sign.
    if more_below && area.height > 2 && area.width > 12 {
        let mark = Rect { x: area.x + area.width - 10, y: area.y + area.height - 1, width: 8, height: 1 };
        frame.render_widget(Paragraph::new(Span::styled(" more ↓ ", look.theme.dim)), mark);
    }
}

/// How a line of the merged profile is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Head,
    Record,
    Value,
    Dim,
    Warn,
}

/// The merged profile of a record judged the same as others (issue 13), above the record's
/// own values (which stay the pane's rows, for regrading): the records it came from,
/// numbered, then every statement by property with the number of its record and its own
/// source, grade, marking and writer; what a `not-same` left out and any judgement that
/// disagrees, in words.
fn profile_lines(p: &ResolvedProfile, v: &EntityView, here: &str, width: usize) -> Vec<(Tone, String)> {
    let mut out = Vec::new();
    let others = p.records.len().saturating_sub(1);
    let s = if others == 1 { "" } else { "s" };
    for l in wrap(&format!("≡ Judged the same as {others} other record{s}: one profile"), width) {
        out.push((Tone::Head, l));
    }
    for (i, r) in p.records.iter().enumerate() {
        let this = if r.id == v.id { " (this record)" } else { "" };
        // The id's end: ids begin with the time they were made, so records made together
        // (an import, a bundle) share their first digits.
        let id = r.id.to_string();
        let end = &id[id.len() - 8..];
        let text = format!("[{}] {} · {} · …{end}{this}", i + 1, safe(&r.caption), kind_label(&r.schema));
        out.extend(wrap(&text, width).into_iter().map(|l| (Tone::Record, l)));
    }
    for ps in &p.statements {
        let n = p.records.iter().position(|r| r.id == ps.record).map_or(0, |i| i + 1);
        let st = &ps.statement;
        let text = format!("[{n}] {}: {}", prop_label(&v.schema, &st.prop), safe(&st.value));
        out.extend(wrap_whole(&text, width).into_iter().map(|l| (Tone::Value, l)));
        let prov = provenance_lines(st, OWN, writer(st, here).as_deref(), width);
        out.extend(prov.into_iter().map(|l| (Tone::Dim, l)));
    }
    for r in &p.excluded {
        let text = format!(
            "⚠ left out: {} ({}) — judged not the same as this record",
            safe(&r.caption),
            kind_label(&r.schema)
        );
        out.extend(wrap(&text, width).into_iter().map(|l| (Tone::Warn, l)));
    }
    for c in &p.contradictions {
        out.extend(wrap(&format!("⚠ {}: {}", c.verdict, c.note), width).into_iter().map(|l| (Tone::Warn, l)));
    }
    if p.truncated {
        out.push((Tone::Warn, cut("⚠ the profile is cut (too many records)", width)));
    }
    out.push((Tone::Head, cut("This record's own values", width)));
    out
}
