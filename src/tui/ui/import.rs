//! The file import screen: the form (file, format, CSV mapping, case, source, grade,
//! marking), the job's gauge, the dry run's report as a preview (with the marking each
//! value takes and from where), and the report of the import.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::exchange::job_gauge;
use super::layout::centered;
use super::popups::open;
use super::{Look, cell};
use crate::interop::ImportReport;
use crate::tui::screens::import::{FORMATS, ImportField, ImportScreen, ImportStep};
use crate::tui::state::Job;
use crate::tui::widgets::text_input::{CURSOR, tail};

/// A file import's report, a few lines: counts, then what was skipped and why.
pub fn report_lines(r: &ImportReport) -> Vec<String> {
    let mut lines = vec![
        format!("{} ({}), source {:?}", r.file, r.format, r.source),
        format!(
            "Read {} · created {} · merged into existing {} · unchanged {} · skipped {}",
            r.read, r.created, r.merged, r.unchanged, r.skipped.total
        ),
    ];
    if !r.created_by_kind.is_empty() {
        let kinds: Vec<String> = r.created_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
        lines.push(format!("Created: {}", kinds.join(", ")));
    }
    if !r.markings.is_empty() || !r.unreadable_markings.is_empty() {
        lines.push(
            if r.dry_run { "Markings the values will take:" } else { "Markings of the values written:" }
                .into(),
        );
        lines.extend(r.marking_lines().into_iter().map(|l| format!("  {}", l.trim_start())));
    }
    for (reason, s) in &r.skipped.reasons {
        let example = s.examples.first().map(|e| format!(" (e.g. {e})")).unwrap_or_default();
        lines.push(format!("  skipped {}: {reason}{example}", s.count));
    }
    // Values refused in records that were imported, counted apart (issue 11).
    for (reason, s) in &r.skipped_values.reasons {
        let example = s.examples.first().map(|e| format!(" (e.g. {e})")).unwrap_or_default();
        lines.push(format!("  value skipped {}: {reason}{example}", s.count));
    }
    lines
}

fn form_lines(s: &ImportScreen, width: usize, look: &Look<'_>) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for field in ImportField::ALL {
        let focused = s.focus == field;
        let mut spans = vec![Span::styled(
            cell(field.label(), 13),
            if focused { look.theme.focus } else { look.theme.dim },
        )];
        if let Some(text) = s.text(field) {
            let w = width.saturating_sub(15);
            let shown = tail(text, w).to_owned();
            spans.push(Span::styled(shown, if focused { look.theme.selected } else { look.theme.text }));
            if focused {
                spans.push(Span::styled(CURSOR, look.theme.focus));
            }
            let hint = match field {
                ImportField::Mapping if text.is_empty() => " for csv: e.g. assets/mappings/call-records.toml",
                ImportField::Case if text.is_empty() => " optional case reference",
                ImportField::Source if !s.source_typed || text.is_empty() => {
                    " the file's name (and its producer)"
                }
                ImportField::Grade if text.is_empty() => " the file's grade, if it gives one (e.g. B2)",
                ImportField::Marking if text.is_empty() => {
                    " where the file says nothing: the case's, else the office default"
                }
                ImportField::Marking if !s.marking_typed => " where the file says nothing: the case's",
                ImportField::Marking => " joined with the file's: it can only narrow",
                _ => "",
            };
            spans.push(Span::styled(hint, look.theme.dim));
            if focused && matches!(field, ImportField::Path | ImportField::Mapping) {
                if let Some(names) = s.tab.hint() {
                    lines.push(Line::from(spans));
                    spans = vec![
                        Span::raw(" ".repeat(13)),
                        Span::styled(super::safe(&names).into_owned(), look.theme.dim),
                    ];
                }
            }
        } else {
            for f in FORMATS {
                let style = if f == s.format { look.theme.selected } else { look.theme.dim };
                spans.push(Span::styled(format!(" {} ", f.name()), style));
                spans.push(Span::raw(" "));
            }
            if let Some(name) = s.detected.filter(|d| !s.format_typed && *d == s.format.name()) {
                spans.push(Span::styled(format!(" {name}: read from the file"), look.theme.dim));
            }
            if focused {
                spans.push(Span::styled(" s/m/f/c or space", look.theme.dim));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    if let Some(e) = &s.error {
        lines.push(Line::styled(format!("⚠ {e}"), look.theme.error));
    }
    lines.push(Line::styled(
        "Enter preview (nothing is written) · Tab completes a path, else next field · Esc close",
        look.theme.dim,
    ));
    lines
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, s: &ImportScreen, job: Option<&Job>, look: &Look<'_>) {
    let rect = centered(area, 90.min(area.width.saturating_sub(2)), 24.min(area.height.saturating_sub(2)));
    let inner = open(frame, rect, "Import a file — STIX, MISP, FtM, CSV", look);
    let width = inner.width as usize;
    let text = |l: String| Line::styled(super::safe(&l).into_owned(), look.theme.text);
    let lines: Vec<Line> = match &s.step {
        ImportStep::Form => form_lines(s, width, look),
        ImportStep::Working => vec![Line::from(""), Line::styled("Working…", look.theme.dim)],
        ImportStep::Preview(_, report) => {
            let mut l = vec![Line::styled("Preview — nothing written yet", look.theme.warning)];
            l.extend(report_lines(report).into_iter().map(text));
            // Its records compared with those held, before anything is written (issue 13).
            l.push(match &s.matches {
                None => Line::styled("Comparing its records with those already held…", look.theme.dim),
                Some(Ok(None)) => {
                    Line::styled("No record of the file matches a record already held.", look.theme.dim)
                }
                Some(Ok(Some(m))) => Line::styled(format!("≈ {m}"), look.theme.warning),
                Some(Err(e)) => Line::styled(format!("Matches not counted: {e}"), look.theme.error),
            });
            l.push(Line::from(""));
            l.push(Line::from(vec![
                Span::styled(" y ", look.theme.selected),
                Span::raw(" import    "),
                Span::styled(" Esc ", look.theme.selected),
                Span::raw(" back to the form"),
            ]));
            l
        }
        ImportStep::Done(result) => {
            let mut l = Vec::new();
            match result {
                Ok(r) if r.already_imported.is_some() => {
                    l.push(Line::styled("Already imported: nothing changed", look.theme.accent));
                    l.push(text(format!(
                        "{} was imported on {}.",
                        r.file,
                        r.already_imported.as_deref().unwrap_or("")
                    )));
                }
                Ok(r) => {
                    l.push(Line::styled("Import done", look.theme.accent));
                    l.extend(report_lines(r).into_iter().map(text));
                    // What `liaison import` ends with: its records that match records held.
                    let (line, style) = match &s.matches {
                        None if r.changed => {
                            ("Comparing its records with those already held…".to_owned(), look.theme.dim)
                        }
                        None | Some(Ok(None)) => (
                            "No record it brought in matches a record already held.".to_owned(),
                            look.theme.dim,
                        ),
                        Some(Ok(Some(m))) => (format!("≈ {m}"), look.theme.warning),
                        Some(Err(e)) => (format!("Matches not counted: {e}"), look.theme.error),
                    };
                    l.push(Line::styled(line, style));
                }
                Err(e) => {
                    l.push(Line::styled("Import failed: nothing was written", look.theme.error));
                    l.push(text(e.clone()));
                }
            }
            l.push(Line::from(""));
            l.push(Line::styled("Enter/Esc close", look.theme.dim));
            l
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let (ImportStep::Working, Some(job)) = (&s.step, job) {
        job_gauge(frame, Rect { height: 1.min(inner.height), ..inner }, job, look);
    }
}
