//! `update` for what the store sends back: answers to queries (matched to their question
//! by ticket, so a late answer for a place the analyst has left is dropped), saved writes
//! and failures.

use chrono::{Datelike, Duration, NaiveDate};
use uuid::Uuid;

use crate::store::query::{DensityBucket, Zoom};
use crate::tui::message::{Effect, Loaded, PAGE, Query};
use crate::tui::requests::{load_detail, query, reload, select_case};
use crate::tui::state::{Counts, EntitiesView, EntityRow, Pane, Screen, State};
use crate::tui::widgets::ListCursor;

/// Most buckets kept after filling gaps (the strip is never wider than a screen).
const MAX_STRIP: usize = 2000;

pub fn loaded(state: &mut State, ticket: u64, loaded: Loaded) -> Vec<Effect> {
    match loaded {
        Loaded::Cases(rows) if ticket == state.cases.ticket => {
            let before = state.cases.current().map(|c| c.id);
            let want = state.cases.want.take().or(before);
            state.cases.rows = rows;
            state.cases.loading = false;
            state.cases.selected = want
                .and_then(|id| state.cases.rows.iter().position(|c| c.id == id))
                .unwrap_or_else(|| ListCursor::new(state.cases.selected, state.cases.rows.len()).clamped());
            let counts = state.counts.get_or_insert_with(Counts::default);
            counts.cases = counts.cases.max(state.cases.rows.len() as i64);
            if std::mem::take(&mut state.cases.keep_view) && state.entities.view.is_some() {
                return Vec::new();
            }
            if state.cases.current().map(|c| c.id) != before || state.entities.view.is_none() {
                return select_case(state);
            }
        }
        Loaded::Members { case, kinds, rows, offset } if ticket == state.entities.ticket => {
            if !matches!(state.entities.view, Some(EntitiesView::Members { case: c, .. }) if c == case) {
                return Vec::new();
            }
            let e = &mut state.entities;
            e.loading = false;
            e.complete = rows.len() < PAGE as usize;
            if offset == 0 {
                e.kinds = kinds;
                e.rows.clear();
            }
            e.rows.extend(rows.into_iter().map(EntityRow::Member));
            return settle_entities(state);
        }
        Loaded::Neighbourhood { center, rows } if ticket == state.entities.ticket => {
            let e = &mut state.entities;
            if let Some(EntitiesView::Neighbourhood { caption, .. }) = &mut e.view {
                caption.clone_from(&center.caption);
            }
            e.loading = false;
            e.complete = true;
            e.rows = rows.into_iter().map(EntityRow::Neighbour).collect();
            e.kinds.clear();
            return settle_entities(state);
        }
        Loaded::Path { steps, .. } if ticket == state.entities.ticket => {
            let e = &mut state.entities;
            e.loading = false;
            e.complete = true;
            if let Some(steps) = steps {
                let n = steps.len();
                e.rows = steps.into_iter().map(EntityRow::Step).collect();
                e.selected = 0;
                state.info(format!("A chain of {n} link{}.", if n == 1 { "" } else { "s" }));
            } else {
                e.rows.clear();
                let through = if e.path_filter.is_empty() {
                    String::new()
                } else {
                    format!(" through {}", e.path_filter_text)
                };
                state.info(format!(
                    "No chain of links{through} within 6 hops (the search stops at busy hubs)."
                ));
            }
        }
        Loaded::Timeline { items, offset } if ticket == state.timeline.ticket => {
            let t = &mut state.timeline;
            t.loading = false;
            let arrivals = items.iter().filter(|i| i.id.is_nil()).count();
            t.complete = items.len() - arrivals < PAGE as usize;
            if offset == 0 {
                t.items.clear();
                t.arrivals = 0;
            }
            t.arrivals += arrivals;
            t.items.extend(items);
            t.selected = ListCursor::new(t.selected, t.items.len()).clamped();
            // The detail follows the timeline's selection within the range now in force: a
            // record outside it must not stay in view as if it were in it.
            if offset == 0 && state.focus == Pane::Timeline {
                if let Some(id) = state.timeline.items.get(state.timeline.selected).map(|i| i.id) {
                    return load_detail(state, id);
                }
                state.detail.subject = None;
                state.detail.view = None;
            }
        }
        Loaded::Density(buckets) if ticket == state.timeline.density_ticket => {
            state.timeline.density = fill_gaps(&buckets, state.timeline.zoom);
        }
        Loaded::Detail(view) if ticket == state.detail.ticket && state.detail.subject == Some(view.id) => {
            state.detail.loading = false;
            // A case's journal follows its statements.
            let case = (view.schema == "Case").then_some(view.id);
            state.detail.view = Some(view);
            state.detail.selected = ListCursor::new(state.detail.selected, state.detail.rows()).clamped();
            if let Some(case) = case {
                return vec![Effect::Query(ticket, Query::Notes { case })];
            }
        }
        Loaded::Notes { case, notes }
            if ticket == state.detail.ticket && state.detail.subject == Some(case) =>
        {
            state.detail.notes = notes;
        }
        Loaded::Stats(stats, alerts) => {
            state.counts = Some(Counts {
                entities: stats.entities,
                links: stats.links,
                cases: stats.cases,
                records_bound: None,
                alerts,
            });
        }
        Loaded::RecordBound(bound, alerts) => {
            let cases = state.cases.rows.len() as i64;
            state.counts = Some(Counts { records_bound: Some(bound), cases, alerts, ..Counts::default() });
        }
        _ => {}
    }
    Vec::new()
}

/// After a list of entities arrives: select the one wanted, keep the detail in step.
fn settle_entities(state: &mut State) -> Vec<Effect> {
    let e = &mut state.entities;
    if let Some(want) = e.want {
        if let Some(i) = e.rows.iter().position(|r| r.entity().0 == want) {
            e.selected = i;
            e.want = None;
        }
    }
    e.selected = ListCursor::new(e.selected, e.rows.len()).clamped();
    if state.focus == Pane::Entities {
        if let Some(id) = state.entities.current().map(|r| r.entity().0) {
            return load_detail(state, id);
        }
    }
    Vec::new()
}

pub fn saved(state: &mut State, message: String, id: Option<Uuid>) -> Vec<Effect> {
    state.info(message);
    if let Some(id) = id {
        state.cases.want = Some(id);
        state.entities.want = Some(id);
    } else {
        // The record shown was deleted.
        state.detail.subject = None;
        state.detail.view = None;
    }
    // The status bar's counts follow the write (exact on a small store, a bound on a large one).
    let mut effects = reload(state);
    effects.push(query(state, Query::Stats));
    effects
}

pub fn failed(state: &mut State, message: String) {
    if let Screen::Unlock(_) = state.screen {
        return;
    }
    state.cases.loading = false;
    state.entities.loading = false;
    state.timeline.loading = false;
    state.detail.loading = false;
    // A job that failed is over.
    if state.job.is_some() && message.starts_with("generation") {
        state.job = None;
    }
    state.error(message);
}

/// The first day of the bucket holding `day`.
fn bucket_start(day: NaiveDate, zoom: Zoom) -> NaiveDate {
    match zoom {
        Zoom::Day => day,
        Zoom::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Zoom::Month => day.with_day(1).unwrap_or(day),
        Zoom::Year => day.with_ordinal(1).unwrap_or(day),
    }
}

fn next_bucket(day: NaiveDate, zoom: Zoom) -> NaiveDate {
    match zoom {
        Zoom::Day => day + Duration::days(1),
        Zoom::Week => day + Duration::days(7),
        Zoom::Month => day.checked_add_months(chrono::Months::new(1)).unwrap_or(day + Duration::days(31)),
        Zoom::Year => day.checked_add_months(chrono::Months::new(12)).unwrap_or(day + Duration::days(366)),
    }
}

fn prev_bucket(day: NaiveDate, zoom: Zoom) -> NaiveDate {
    match zoom {
        Zoom::Day => day - Duration::days(1),
        Zoom::Week => day - Duration::days(7),
        Zoom::Month => day.checked_sub_months(chrono::Months::new(1)).unwrap_or(day - Duration::days(31)),
        Zoom::Year => day.checked_sub_months(chrono::Months::new(12)).unwrap_or(day - Duration::days(366)),
    }
}

fn label(day: NaiveDate, zoom: Zoom) -> String {
    match zoom {
        Zoom::Day | Zoom::Week => day.format("%Y-%m-%d").to_string(),
        Zoom::Month => day.format("%Y-%m").to_string(),
        Zoom::Year => day.format("%Y").to_string(),
    }
}

fn parse_bucket(s: &str) -> Option<NaiveDate> {
    match s.len() {
        4 => NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1),
        7 => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok(),
        _ => NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok(),
    }
}

/// The buckets from the first to the last, the empty ones as zeros: gaps are information.
pub fn fill_gaps(buckets: &[DensityBucket], zoom: Zoom) -> Vec<DensityBucket> {
    let dated: Vec<(NaiveDate, i64)> = buckets
        .iter()
        .filter_map(|b| parse_bucket(&b.bucket).map(|d| (bucket_start(d, zoom), b.count)))
        .collect();
    let (Some(first), Some(last)) = (dated.first().map(|d| d.0), dated.last().map(|d| d.0)) else {
        return Vec::new();
    };
    // Show at most MAX_STRIP buckets, the newest ones.
    let mut day = last;
    for _ in 1..MAX_STRIP {
        if day <= first {
            break;
        }
        day = prev_bucket(day, zoom);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while day <= last {
        let mut count = 0;
        while i < dated.len() && dated[i].0 <= day {
            if dated[i].0 == day {
                count += dated[i].1;
            }
            i += 1;
        }
        out.push(DensityBucket { bucket: label(day, zoom), count });
        day = next_bucket(day, zoom);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(bucket: &str, count: i64) -> DensityBucket {
        DensityBucket { bucket: bucket.into(), count }
    }

    #[test]
    fn gaps_between_bursts_become_zero_buckets() {
        let filled = fill_gaps(&[b("2024-01", 3), b("2024-04", 5)], Zoom::Month);
        let counts: Vec<i64> = filled.iter().map(|x| x.count).collect();
        assert_eq!(counts, vec![3, 0, 0, 5]);
        assert_eq!(filled[1].bucket, "2024-02");
        let weeks = fill_gaps(&[b("2024-03-04", 1), b("2024-03-18", 2)], Zoom::Week);
        assert_eq!(weeks.iter().map(|x| x.count).collect::<Vec<_>>(), vec![1, 0, 2]);
        assert!(fill_gaps(&[], Zoom::Year).is_empty());
    }
}
