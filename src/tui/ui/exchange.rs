//! The exchange screen: the offices this one trusts, the traffic with each and the pending
//! delta; below, the step under way (a path to type, a job's gauge, an import's preview, a
//! report).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};

use super::layout::{centered, scroll_offset};
use super::popups::{input_line, open};
use super::{Look, cell, thousands};
use crate::exchange::{ExportReport, ImportReport, OfficeStatus};
use crate::tui::message::Outcome;
use crate::tui::screens::exchange::{ExchangeScreen, ExchangeStep};
use crate::tui::state::Job;

/// Lines kept for the step under way at the bottom of the screen.
const STEP_LINES: u16 = 8;

/// A moment to the second ("2026-11-29 10:00:00"), or a dash.
fn or_dash(s: Option<&str>) -> String {
    s.map_or_else(|| "–".to_owned(), |s| s.chars().take(19).collect::<String>().replace('T', " "))
}

fn office_row(o: &OfficeStatus, pending_loading: bool, width: usize) -> String {
    let t = &o.traffic;
    let pending = match o.pending_ops {
        Some(p) => thousands(p as i64),
        None if o.revoked => "–".into(),
        None if pending_loading => "…".into(),
        None => "–".into(),
    };
    let fixed = format!(
        " {:<3} {:<8} {:>5} {:>5} {:>5} {:>9}",
        cell(&o.country, 3),
        if o.revoked { "revoked" } else { "trusted" },
        t.bundles_sent,
        t.bundles_received,
        t.bundles_acknowledged,
        pending
    );
    let names = width.saturating_sub(fixed.chars().count());
    let office_w = (names / 2).max(6);
    format!(
        "{}{}{fixed}",
        cell(&o.office, office_w),
        cell(&format!(" {}", o.agency), names.saturating_sub(office_w))
    )
}

fn header(width: usize) -> String {
    let fixed =
        format!(" {:<3} {:<8} {:>5} {:>5} {:>5} {:>9}", "CC", "STATUS", "SENT", "RECV", "ACKED", "PENDING");
    let names = width.saturating_sub(fixed.chars().count());
    let office_w = (names / 2).max(6);
    format!("{}{}{fixed}", cell("OFFICE", office_w), cell(" AGENCY", names.saturating_sub(office_w)))
}

fn office_detail(o: &OfficeStatus) -> Vec<String> {
    let t = &o.traffic;
    let seq = |s: Option<i64>| s.map(|s| format!(" (bundle {s})")).unwrap_or_default();
    vec![
        format!(
            "Last sent {}{} · received {}{} · acknowledged {}",
            or_dash(t.last_sent.as_deref()),
            seq(t.last_sent_sequence),
            or_dash(t.last_received.as_deref()),
            seq(t.last_received_sequence),
            or_dash(t.last_acknowledged.as_deref()),
        ),
        format!(
            "Response time {} · shared cases: {}",
            t.response_time
                .as_ref()
                .map_or_else(|| "–".to_owned(), |r| format!("{} s median", r.median_seconds)),
            if o.shared_cases.is_empty() { "none".to_owned() } else { o.shared_cases.join(", ") }
        ),
    ]
}

/// A bundle import's report (or preview), a few lines.
pub fn bundle_lines(r: &ImportReport) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Bundle {} from {}, made {}: {} commits, {} ops ({} new, {} already held)",
            r.sequence,
            r.from,
            or_dash(Some(&r.created_at)),
            r.commits,
            r.ops,
            r.ops_new,
            r.ops_already_held
        ),
        format!(
            "Records: {} new, {} updated, {} unchanged · conflicts: {} new, {} resolved, {} open",
            r.records_new,
            r.records_updated,
            r.records_unchanged,
            r.conflicts_new,
            r.conflicts_resolved,
            r.conflicts_open
        ),
    ];
    lines.extend(r.missing.iter().chain(&r.quarantined).chain(&r.skipped).cloned());
    lines.extend(r.audit_warnings.iter().map(|w| format!("Warning: {w}")));
    lines
}

fn export_lines(r: &ExportReport) -> Vec<String> {
    let mut lines = vec![format!(
        "Wrote {} ({} commits, {} ops, {} bytes)",
        r.file.as_deref().unwrap_or_default(),
        r.commits,
        r.ops,
        thousands(r.bytes as i64)
    )];
    for x in &r.recipients {
        lines.push(format!(
            "For {} (bundle {}): {} ops from {}; {} withheld",
            x.office,
            x.sequence,
            x.ops,
            if x.cases.is_empty() { "no shared case".to_owned() } else { x.cases.join(", ") },
            x.withheld
        ));
    }
    for w in r.withheld.iter().take(3) {
        lines.push(format!("  withheld {} {} · {}: {}", w.schema, w.caption, w.prop, w.reason));
    }
    lines
}

fn result_lines<T>(r: &Result<T, String>, ok: impl Fn(&T) -> Vec<String>) -> Vec<String> {
    match r {
        Ok(x) => ok(x),
        Err(e) => vec![e.clone()],
    }
}

/// A job's gauge on one line.
pub fn job_gauge(frame: &mut Frame<'_>, rect: Rect, job: &Job, look: &Look<'_>) {
    let ratio = if job.total == 0 { 0.0 } else { (job.done as f64 / job.total as f64).clamp(0.0, 1.0) };
    let label = format!("{} — {} / {}", job.label, thousands(job.done as i64), thousands(job.total as i64));
    frame.render_widget(Gauge::default().gauge_style(look.theme.accent).ratio(ratio).label(label), rect);
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, e: &ExchangeScreen, job: Option<&Job>, look: &Look<'_>) {
    let rect = centered(area, 110.min(area.width.saturating_sub(2)), area.height.saturating_sub(3));
    let inner = open(frame, rect, "Exchange — offices and bundles", look);
    let width = inner.width as usize;
    let step_h = STEP_LINES.min(inner.height / 2);
    let list_h = inner.height.saturating_sub(step_h + 3);
    let mut lines = vec![Line::styled(header(width), look.theme.header)];
    if e.offices.is_empty() {
        let text = if e.loading {
            "Loading…"
        } else {
            "No other office: t trusts one from its card (or `liaison office trust CARD`)."
        };
        lines.push(Line::styled(text, look.theme.dim));
    }
    let offset = scroll_offset(e.selected, e.offices.len(), list_h as usize);
    for (i, o) in e.offices.iter().enumerate().skip(offset).take(list_h as usize) {
        let style = if i == e.selected { look.theme.selected } else { look.theme.text };
        lines.push(Line::styled(office_row(o, e.pending_loading, width), style));
    }
    frame.render_widget(Paragraph::new(lines), Rect { height: list_h + 1, ..inner });
    let mut y = inner.y + list_h + 1;
    if let Some(o) = e.current() {
        let detail: Vec<Line> =
            office_detail(o).into_iter().map(|l| Line::styled(l, look.theme.dim)).collect();
        frame.render_widget(Paragraph::new(detail), Rect { y, height: 2, ..inner });
    }
    y += 2;
    let step = Rect { y, height: inner.y + inner.height - y, ..inner };
    let hint = |t: &str| Line::styled(t.to_owned(), look.theme.dim);
    let mut body: Vec<Line> = Vec::new();
    match &e.step {
        ExchangeStep::List => {
            body.push(hint(
                "e export · i import a bundle · t trust an office · s/u share/unshare the selected case · R revoke · Esc close",
            ));
        }
        ExchangeStep::ExportPath(text) => {
            let office = e.current().map_or("", |o| o.office.as_str());
            body.push(Line::styled(
                format!("Export the pending delta to {office} — bundle file:"),
                look.theme.accent,
            ));
            body.push(input_line("> ", text, look));
            body.extend(e.tab.hint().map(|h| hint(&super::safe(&h))));
            body.push(hint("Enter export · Tab complete the path · ctrl-u clear · Esc back"));
        }
        ExchangeStep::ImportPath(text) => {
            body.push(Line::styled("Import a bundle — file:", look.theme.accent));
            body.push(input_line("> ", text, look));
            body.extend(e.tab.hint().map(|h| hint(&super::safe(&h))));
            body.push(hint("Enter check it first (nothing is written) · Tab complete the path · Esc back"));
        }
        ExchangeStep::CardPath(text) => {
            body.push(Line::styled("Trust an office — its card file:", look.theme.accent));
            body.push(input_line("> ", text, look));
            body.extend(e.tab.hint().map(|h| hint(&super::safe(&h))));
            body.push(hint(
                "Enter read the card (nothing is trusted yet) · Tab complete the path · Esc back",
            ));
        }
        ExchangeStep::Card { card, words, .. } => {
            let safe = |s: &str| super::safe(s).into_owned();
            body.push(Line::styled(
                format!(
                    "Office {} ({}, {}), device {}",
                    safe(&card.office),
                    safe(&card.agency),
                    safe(&card.country),
                    card.device
                ),
                look.theme.accent,
            ));
            body.push(Line::from(vec![
                Span::styled("Fingerprint  ", look.theme.dim),
                Span::styled(safe(&card.fingerprint), look.theme.warning),
            ]));
            body.push(hint(&format!(
                "Call {} on a number you already know; type the words they read (anything else refuses):",
                safe(&card.office)
            )));
            body.push(input_line("> ", words, look));
            body.push(hint("Enter trust if the words match · Esc back (nothing is trusted)"));
        }
        ExchangeStep::ConfirmRevoke(office) => {
            body.push(Line::styled(
                format!(
                    "Revoke {}? Its bundles are refused and nothing more is sent to it.",
                    super::safe(office)
                ),
                look.theme.warning,
            ));
            body.push(Line::from(vec![
                Span::styled(" y ", look.theme.selected),
                Span::raw(" revoke    "),
                Span::styled(" Esc ", look.theme.selected),
                Span::raw(" keep trusting it"),
            ]));
        }
        ExchangeStep::Working => {
            body.push(Line::from(""));
            body.push(hint("Esc cancels (nothing is changed)"));
        }
        ExchangeStep::Preview { report, .. } => {
            body.push(Line::styled("Preview — nothing written yet", look.theme.warning));
            body.extend(bundle_lines(report).into_iter().map(|l| Line::styled(l, look.theme.text)));
            body.push(Line::from(vec![
                Span::styled(" y ", look.theme.selected),
                Span::raw(" import    "),
                Span::styled(" Esc ", look.theme.selected),
                Span::raw(" leave the store as it is"),
            ]));
        }
        ExchangeStep::Done(outcome) => {
            let (title, text, failed) = match outcome {
                Outcome::Exported(r) => ("Export", result_lines(r, export_lines), r.is_err()),
                Outcome::BundlePreview(_, r) | Outcome::BundleImported(r) => {
                    ("Import", result_lines(r, bundle_lines), r.is_err())
                }
                _ => ("", Vec::new(), false),
            };
            let style = if failed { look.theme.error } else { look.theme.accent };
            body.push(Line::styled(format!("{title} {}", if failed { "failed" } else { "done" }), style));
            body.extend(
                text.into_iter().map(|l| Line::styled(super::safe(&l).into_owned(), look.theme.text)),
            );
            body.push(hint("Enter/Esc back to the offices"));
        }
    }
    frame.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), step);
    if let (ExchangeStep::Working, Some(job)) = (&e.step, job) {
        job_gauge(frame, Rect { height: 1.min(step.height), ..step }, job, look);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partners_audit_log_that_went_backwards_is_shown_with_the_import_report() {
        let warning = "Lyon's audit log went from 43 entries to 13 since its last bundle: entries may have been removed";
        let report = ImportReport { audit_warnings: vec![warning.into()], ..ImportReport::default() };
        assert_eq!(bundle_lines(&report).last(), Some(&format!("Warning: {warning}")));
    }
}
