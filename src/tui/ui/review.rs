//! The review queue: the pair shown with its score, the reasons for and the evidence against,
//! then the two records side by side, property by property — each value with its source,
//! grade and marking, agreeing values in the "ok" colour with `=`, contradicting ones in the
//! "error" colour with `≠` (a sign as well as a colour), one-sided ones plain with `·`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::centered;
use super::popups::open;
use super::{Look, cell, cut, kind_label, prop_label, safe};
use crate::store::query::{EntityView, StatementView};
use crate::tui::keymap::Mode;
use crate::tui::screens::review::ReviewScreen;
use crate::tui::screens::review::compare::{Row, Sign, rows};
use crate::tui::theme::short_marking;

/// Columns of the property labels.
const LABEL: usize = 12;
/// Columns of the sign between the sides.
const SIGN: usize = 3;

const FOOTER: &str = "s same · n not same · u unsure · space skip · j/k scroll · ? keys · Esc back";

pub fn draw(frame: &mut Frame<'_>, area: Rect, s: &ReviewScreen, look: &Look<'_>) {
    let rect = centered(area, 140.min(area.width.saturating_sub(2)), area.height.saturating_sub(3));
    let scope = s.case.as_ref().map_or_else(|| "the whole store".to_owned(), |c| safe(&c.1).into_owned());
    let inner = open(frame, rect, &format!("Duplicate candidates · {scope}"), look);
    let width = inner.width as usize;
    let mut bottom = Vec::new();
    if let Some(e) = &s.error {
        bottom.push(Line::styled(cut(&format!("⚠ {e}"), width), look.theme.error));
    }
    let footer = if s.saving.is_some() { "Saving the judgement…" } else { FOOTER };
    bottom.push(Line::styled(cut(footer, width), look.theme.dim));
    let body = (inner.height as usize).saturating_sub(bottom.len());
    let mut lines = match (&s.candidates, s.current()) {
        (None, _) => vec![Line::styled(
            cut(&format!("Comparing the records of {scope} with those held… (on the store's thread)"), width),
            look.theme.warning,
        )],
        (Some(list), None) if list.is_empty() && s.judged + s.skipped == 0 => vec![Line::styled(
            cut(
                &format!("No open duplicate candidate in {scope}: every pair is judged or scores below 0.5."),
                width,
            ),
            look.theme.dim,
        )],
        (Some(_), None) => vec![Line::styled(
            cut(
                &format!(
                    "No more candidates: {} judged, {} skipped. Ctrl-R compares again.",
                    s.judged, s.skipped
                ),
                width,
            ),
            look.theme.ok,
        )],
        (Some(_), Some(cand)) => {
            let mut l = vec![Line::from(vec![
                Span::styled(
                    format!("Candidate {} of {} · score {:.2}", s.at + 1, s.at + s.left(), cand.score),
                    look.theme.header,
                ),
                Span::styled(format!(" · {} judged · {} skipped", s.judged, s.skipped), look.theme.dim),
            ])];
            // The reasons in words, on two lines at most each.
            for (label, list, style) in
                [("for", &cand.reasons, look.theme.ok), ("against", &cand.contradictions, look.theme.error)]
            {
                if !list.is_empty() {
                    let text = safe(&format!("{label}: {}", list.join("; "))).into_owned();
                    l.extend(two_lines(&text, width).into_iter().map(|t| Line::styled(t, style)));
                }
            }
            match &s.pair {
                None => l.push(Line::styled("Reading the two records…", look.theme.dim)),
                Some((left, right)) => {
                    let fixed = l.len();
                    let table = side_by_side(left, right, width, look);
                    // The heading row stays; the properties scroll under it.
                    let mut table = table.into_iter();
                    l.extend(table.next());
                    l.extend(table.skip(s.scroll as usize).take(body.saturating_sub(fixed + 1)));
                }
            }
            l
        }
    };
    lines.truncate(body);
    lines.resize(body, Line::default());
    lines.extend(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
    if s.help {
        help(frame, inner, look);
    }
}

/// `text` wrapped to `width`, the second line cut if more would follow.
fn two_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> =
        textwrap::wrap(text, width.max(8)).into_iter().map(std::borrow::Cow::into_owned).collect();
    if lines.len() > 2 {
        lines.truncate(2);
        let last = format!("{} …", lines[1]);
        lines[1] = cut(&last, width);
    }
    lines
}

fn side_width(width: usize) -> usize {
    width.saturating_sub(LABEL + SIGN) / 2
}

/// The heading, then each property's values and their provenance.
fn side_by_side(a: &EntityView, b: &EntityView, width: usize, look: &Look<'_>) -> Vec<Line<'static>> {
    let side = side_width(width);
    let head = |v: &EntityView| format!("{} · {}", v.caption, kind_label(&v.schema));
    let mut out = vec![Line::from(vec![
        Span::styled(cell("", LABEL), look.theme.header),
        Span::styled(cell(&head(a), side), look.theme.header),
        Span::styled(cell("", SIGN), look.theme.header),
        Span::styled(cell(&head(b), side), look.theme.header),
    ])];
    for row in rows(a, b) {
        out.extend(row_lines(&row, &a.schema, side, look));
    }
    out
}

fn row_lines(row: &Row<'_>, schema: &str, side: usize, look: &Look<'_>) -> Vec<Line<'static>> {
    let style: Style = match row.sign {
        Sign::Agree => look.theme.ok,
        Sign::Contradict => look.theme.error,
        Sign::OneSide => look.theme.text,
    };
    let value = |s: Option<&&StatementView>| s.map_or(String::new(), |s| s.value.clone());
    let prov = |s: Option<&&StatementView>| s.map_or(String::new(), |s| provenance(s));
    let mut out = Vec::new();
    for i in 0..row.a.len().max(row.b.len()) {
        let (x, y) = (row.a.get(i), row.b.get(i));
        let label = if i == 0 { prop_label(schema, row.prop) } else { String::new() };
        let sign = if i == 0 { format!(" {} ", row.sign.symbol()) } else { String::new() };
        out.push(Line::from(vec![
            Span::styled(cell(&label, LABEL), look.theme.accent),
            Span::styled(cell(&value(x), side), style),
            Span::styled(cell(&sign, SIGN), style),
            Span::styled(cell(&value(y), side), style),
        ]));
        out.push(Line::from(vec![
            Span::raw(cell("", LABEL)),
            Span::styled(cell(&prov(x), side), look.theme.dim),
            Span::raw(cell("", SIGN)),
            Span::styled(cell(&prov(y), side), look.theme.dim),
        ]));
    }
    out
}

/// "  marking · grade · source" under a value: the marking first, so that a narrow column
/// cuts the source's name, never what may be done with the value.
fn provenance(s: &StatementView) -> String {
    let source = s.source.as_ref().map_or("no source", |x| x.name.as_str());
    format!("  {} · {} · {}", short_marking(&s.marking), s.grade.as_deref().unwrap_or("–"), source)
}

fn help(frame: &mut Frame<'_>, area: Rect, look: &Look<'_>) {
    let rect = centered(area, 50, look.keymap.bindings(Mode::Review).len() as u16 + 2);
    super::popups::screen_keys(frame, rect, look, Mode::Review, "Review", 14);
}
