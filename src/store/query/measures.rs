//! The task force's own measures of success, month by month: how fast intelligence shared
//! with partner offices is acknowledged (from writing a bundle to importing the bundle that
//! acknowledges it), how many joint operations were coordinated and executed, and how many
//! networks they disrupted. Cheap at any store size: operations are few and read through
//! the kind index; bundles are a small table.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::stats::Outcomes;
use crate::store::offices::SharingStats;
use crate::store::{Result, Store};

/// One month of the measures.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct MonthMeasures {
    /// `YYYY-MM`.
    pub month: String,
    /// Bundles acknowledged in the month, and the median time it took (seconds).
    pub acknowledged: i64,
    pub response_median_seconds: Option<i64>,
    /// And their 90th percentile (seconds).
    pub response_p90_seconds: Option<i64>,
    /// Operations executed in the month (by their executed date), those run with more than
    /// one agency, arrests made and networks disrupted in them.
    pub operations_executed: i64,
    pub joint_operations: i64,
    pub arrests: i64,
    pub networks_disrupted: i64,
    /// Requests for information whose answer arrived in the month, and their turnaround
    /// (asked → answer received), median and 90th percentile, in seconds.
    pub rfi_answered: i64,
    pub rfi_median_seconds: Option<i64>,
    pub rfi_p90_seconds: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Measures {
    /// Over all time.
    pub outcomes: Outcomes,
    /// Executed operations that more than one agency took part in, over all time.
    pub joint_operations: i64,
    pub sharing: SharingStats,
    /// The last months, oldest first, ending with the current one.
    pub monthly: Vec<MonthMeasures>,
    /// The first and the last month (`YYYY-MM`) in which an operation was executed or a
    /// bundle acknowledged, over all time: where the months worth showing are. `None`: no
    /// data yet.
    pub first_month: Option<String>,
    pub last_month: Option<String>,
    /// Requests for information: turnaround overall and per partner office, next to the
    /// task force's reference (72 h before, 12 h target).
    pub rfi: RfiMeasures,
    /// Bundle turnaround, written → imported → acknowledged, overall, per office and month
    /// by month, next to the same target.
    pub bundles: BundleMeasures,
    /// Deconfliction runs made for joint operations, newest first.
    pub operations_deconflicted: Vec<crate::store::deconfliction::OperationRun>,
}

/// How long a set of bundles took, in seconds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Spread {
    pub count: i64,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

impl Spread {
    fn of(seconds: Vec<i64>) -> Spread {
        Spread { count: seconds.len() as i64, p90_seconds: p90(&seconds), median_seconds: median(seconds) }
    }
}

/// The two legs of a bundle's turnaround as this office sees them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct BundleLegs {
    /// Our bundles: written here → the office's acknowledgement imported here (the whole
    /// round trip, on our clock alone).
    pub acknowledged: Spread,
    /// The office's bundles: written there (the bundle's own time) → imported here; reads
    /// the two offices' clocks, so a skew shows (never below 0).
    pub imported: Spread,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct BundleMonth {
    pub month: String,
    pub overall: BundleLegs,
    pub by_office: BTreeMap<String, BundleLegs>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct BundleMeasures {
    /// The task force's target (12 h) and where it started (72 h).
    pub target_seconds: i64,
    pub before_seconds: i64,
    pub overall: BundleLegs,
    pub by_office: BTreeMap<String, BundleLegs>,
    /// The months of `monthly`, oldest first.
    pub monthly: Vec<BundleMonth>,
}

/// Bundle turnarounds, per (month, office) and leg (true: acknowledged).
type Legs = BTreeMap<(String, String, bool), Vec<i64>>;

fn month_of_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m").to_string()).unwrap_or_default()
}

impl Store {
    /// Every bundle turnaround this store can measure.
    fn bundle_legs(&self) -> Result<Legs> {
        let mut legs: Legs = BTreeMap::new();
        let mut q = self.conn.prepare_cached(
            "SELECT office, created_at, acked_at FROM bundle_out WHERE acked_at IS NOT NULL",
        )?;
        for row in
            q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?
        {
            let (office, created, acked) = row?;
            legs.entry((month_of_ms(acked), office, true)).or_default().push((acked - created).max(0) / 1000);
        }
        let mut q = self.conn.prepare_cached("SELECT office, created_at, imported_at FROM bundle_in")?;
        for row in
            q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
        {
            let (office, created, imported) = row?;
            let Ok(created) = chrono::DateTime::parse_from_rfc3339(&created) else { continue };
            let seconds = (imported - created.timestamp_millis()).max(0) / 1000;
            legs.entry((month_of_ms(imported), office, false)).or_default().push(seconds);
        }
        Ok(legs)
    }
}

/// The bundle measures of `legs`, with the months of `months`.
fn bundle_measures(legs: &Legs, months: &[String]) -> BundleMeasures {
    let gather = |keep: &dyn Fn(&str, &str) -> bool| {
        let mut by_office: BTreeMap<String, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
        let (mut acked, mut imported) = (Vec::new(), Vec::new());
        for ((month, office, is_ack), v) in legs {
            if !keep(month, office) {
                continue;
            }
            let entry = by_office.entry(office.clone()).or_default();
            if *is_ack {
                acked.extend(v);
                entry.0.extend(v);
            } else {
                imported.extend(v);
                entry.1.extend(v);
            }
        }
        let overall = BundleLegs { acknowledged: Spread::of(acked), imported: Spread::of(imported) };
        let by_office = by_office
            .into_iter()
            .map(|(o, (a, i))| (o, BundleLegs { acknowledged: Spread::of(a), imported: Spread::of(i) }))
            .collect();
        (overall, by_office)
    };
    let (overall, by_office) = gather(&|_, _| true);
    let monthly = months
        .iter()
        .map(|m| {
            let (overall, by_office) = gather(&|month, _| month == m);
            BundleMonth { month: m.clone(), overall, by_office }
        })
        .collect();
    BundleMeasures {
        target_seconds: RFI_TARGET_SECONDS,
        before_seconds: RFI_BEFORE_SECONDS,
        overall,
        by_office,
        monthly,
    }
}

/// Turnarounds of a set of requests for information.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Turnaround {
    pub answered: i64,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

impl Turnaround {
    fn of(seconds: Vec<i64>) -> Turnaround {
        Turnaround {
            answered: seconds.len() as i64,
            p90_seconds: p90(&seconds),
            median_seconds: median(seconds),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct RfiMeasures {
    /// The task force's target: 12 h.
    pub target_seconds: i64,
    /// Where the task force started: 72 h.
    pub before_seconds: i64,
    /// Requests still waiting for an answer.
    pub open: i64,
    pub overall: Turnaround,
    /// By the other office (the one asked, or the one asking).
    pub by_office: BTreeMap<String, Turnaround>,
}

/// The task force's reference turnarounds for sharing (seed numbers: 72 h → 12 h).
pub const RFI_TARGET_SECONDS: i64 = 12 * 3600;
pub const RFI_BEFORE_SECONDS: i64 = 72 * 3600;

/// The 90th percentile (nearest rank).
fn p90(v: &[i64]) -> Option<i64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    let rank = (v.len() * 9).div_ceil(10);
    rank.checked_sub(1).and_then(|i| v.get(i).copied())
}

/// What one operation record says about itself.
#[derive(Default)]
struct Operation {
    status: String,
    executed: String,
    agencies: usize,
    offices: usize,
    arrests: i64,
    disrupted: bool,
}

/// A duration as an analyst reads it: "45 s", "12 min", "3 h 20 min", "2 d 4 h".
pub fn human_seconds(s: i64) -> String {
    match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn month_of(date: &str) -> Option<&str> {
    (date.len() >= 7).then(|| &date[..7])
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

impl Store {
    /// The measures over all time and for each of the last `months` months up to `today`.
    pub fn measures(&self, months: u32, today: NaiveDate) -> Result<Measures> {
        let first = today.with_day(1).unwrap_or(today) - Months::new(months.saturating_sub(1));
        let mut monthly: BTreeMap<String, MonthMeasures> = (0..months)
            .map(|i| {
                let m = (first + Months::new(i)).format("%Y-%m").to_string();
                (m.clone(), MonthMeasures { month: m, ..MonthMeasures::default() })
            })
            .collect();

        let mut operations: BTreeMap<i64, Operation> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT op.n, s.prop, s.value FROM object op JOIN stmt s ON s.obj = op.n
             WHERE op.schema = 'Operation' AND op.deleted = 0 AND s.live = 1
               AND s.prop IN ('status', 'executedDate', 'agencies', 'offices', 'arrests', 'networkDisrupted')",
        )?;
        for row in
            stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        {
            let (n, prop, value) = row?;
            let op = operations.entry(n).or_default();
            match prop.as_str() {
                "status" => op.status = value,
                "executedDate" => op.executed = value,
                "agencies" => op.agencies += 1,
                "offices" => op.offices += 1,
                "arrests" => op.arrests += value.parse::<i64>().unwrap_or(0),
                "networkDisrupted" => op.disrupted |= value == "yes",
                _ => {}
            }
        }
        let mut joint_operations = 0;
        let mut span = Span::default();
        for op in operations.values().filter(|o| o.status == "executed") {
            span.add(month_of(&op.executed));
            // Joint: more than one agency, or more than one office, took part.
            let joint = op.agencies > 1 || op.offices > 1;
            joint_operations += i64::from(joint);
            if let Some(m) = month_of(&op.executed).and_then(|m| monthly.get_mut(m)) {
                m.operations_executed += 1;
                m.joint_operations += i64::from(joint);
                m.arrests += op.arrests;
                m.networks_disrupted += i64::from(op.disrupted);
            }
        }

        let mut responses: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut acks = self
            .conn
            .prepare_cached("SELECT created_at, acked_at FROM bundle_out WHERE acked_at IS NOT NULL")?;
        for row in acks.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (created, acked) = row?;
            let month = chrono::DateTime::from_timestamp_millis(acked)
                .map(|t| t.format("%Y-%m").to_string())
                .unwrap_or_default();
            responses.entry(month).or_default().push((acked - created).max(0) / 1000);
        }
        for (month, seconds) in responses {
            span.add(Some(&month).filter(|m| !m.is_empty()).map(String::as_str));
            if let Some(m) = monthly.get_mut(&month) {
                m.acknowledged = seconds.len() as i64;
                m.response_p90_seconds = p90(&seconds);
                m.response_median_seconds = median(seconds);
            }
        }
        let mut rfi = RfiMeasures {
            target_seconds: RFI_TARGET_SECONDS,
            before_seconds: RFI_BEFORE_SECONDS,
            ..RfiMeasures::default()
        };
        let mut all = Vec::new();
        let mut by_office: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut by_month: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for r in self.rfis(crate::store::rfi::RfiFilter::default())? {
            let (Some(seconds), Some(received)) = (r.turnaround_seconds, r.answer_received_at.as_deref())
            else {
                rfi.open += i64::from(r.status != "closed" && r.answers.is_empty());
                continue;
            };
            let other = if r.direction == "outgoing" { r.to_office } else { r.from_office };
            all.push(seconds);
            by_office.entry(other).or_default().push(seconds);
            if let Some(m) = month_of(received) {
                span.add(Some(m));
                by_month.entry(m.to_owned()).or_default().push(seconds);
            }
        }
        rfi.overall = Turnaround::of(all);
        rfi.by_office = by_office.into_iter().map(|(o, v)| (o, Turnaround::of(v))).collect();
        for (month, seconds) in by_month {
            if let Some(m) = monthly.get_mut(&month) {
                let t = Turnaround::of(seconds);
                m.rfi_answered = t.answered;
                m.rfi_median_seconds = t.median_seconds;
                m.rfi_p90_seconds = t.p90_seconds;
            }
        }
        let months: Vec<String> = monthly.keys().cloned().collect();
        let bundles = bundle_measures(&self.bundle_legs()?, &months);
        Ok(Measures {
            operations_deconflicted: self.psi_operation_runs(None)?,
            bundles,
            rfi,
            outcomes: self.outcomes()?,
            joint_operations,
            sharing: self.sharing_stats()?,
            monthly: monthly.into_values().collect(),
            first_month: span.first,
            last_month: span.last,
        })
    }

    /// The measures of `months` months ending with `until`'s month, or, when the last data
    /// came before it, ending with the last month that holds data: a screen opened today on
    /// a task force whose last operation was a year ago starts with that operation's month,
    /// not with a year of empty rows.
    pub fn measures_on_data(&self, months: u32, until: NaiveDate) -> Result<Measures> {
        let m = self.measures(months, until)?;
        let last_shown = m.monthly.last().map_or("", |x| x.month.as_str());
        let before = m.last_month.as_deref().filter(|l| *l < last_shown).and_then(month_start);
        match before {
            Some(last) => self.measures(months, last),
            None => Ok(m),
        }
    }
}

/// The first day of a `YYYY-MM` month.
pub fn month_start(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
}

/// The earliest and latest months seen.
#[derive(Default)]
struct Span {
    first: Option<String>,
    last: Option<String>,
}

impl Span {
    fn add(&mut self, month: Option<&str>) {
        // Only well-formed months: a partial date ("2024") says no month.
        let Some(m) = month.filter(|m| month_start(m).is_some()) else { return };
        if self.first.as_deref().is_none_or(|f| m < f) {
            self.first = Some(m.to_owned());
        }
        if self.last.as_deref().is_none_or(|l| m > l) {
            self.last = Some(m.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 10]), Some(3));
    }

    #[test]
    fn the_span_keeps_the_first_and_last_well_formed_months() {
        let mut span = Span::default();
        for m in [Some("2024-09"), None, Some("2025-01"), Some("2024-11"), Some("2024-1x")] {
            span.add(m);
        }
        assert_eq!((span.first.as_deref(), span.last.as_deref()), (Some("2024-09"), Some("2025-01")));
        assert_eq!(month_start("2025-01"), NaiveDate::from_ymd_opt(2025, 1, 1));
        assert_eq!(month_start("2025"), None);
    }

    #[test]
    fn months_are_read_from_partial_dates() {
        assert_eq!(month_of("2024-09-17"), Some("2024-09"));
        assert_eq!(month_of("2024-09"), Some("2024-09"));
        assert_eq!(month_of("2024"), None);
    }
}
