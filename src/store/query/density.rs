//! How many timeline items fall in each day, week, month or year: the density strip that
//! shows an analyst the bursts and the silences of a case or an entity.
//!
//! Items whose date is less precise than the bucket ("2024" when counting months) are left
//! out rather than piled on the first bucket, which would invent a burst.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::timeline::TimelineScope;
use crate::store::{Result, Store, StoreError};

/// Most buckets returned (newest kept): years of days are more than any screen shows.
pub const MAX_BUCKETS: u32 = 4000;
/// The whole store's strip: the newest buckets only (twenty years of months, or as many
/// days or weeks), each counted up to a cap, so it costs a bounded number of index steps at
/// any size (a bucket above the cap is drawn as full as the busiest).
pub const WHOLE_STORE_BUCKETS: usize = 240;
pub const WHOLE_STORE_BUCKET_CAP: i64 = 2000;

/// The size of one bucket of the density strip.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Zoom {
    Day,
    Week,
    #[default]
    Month,
    Year,
}

impl Zoom {
    /// SQL giving the bucket of a date `at`, and the shortest date it applies to.
    fn bucket_sql(self) -> (&'static str, i64) {
        match self {
            Zoom::Day => ("substr(at, 1, 10)", 10),
            // Weeks start on Monday; the label is the Monday's date (so it sorts and parses).
            Zoom::Week => (
                "date(substr(at, 1, 10), '-' || ((strftime('%w', substr(at, 1, 10)) + 6) % 7) || ' days')",
                10,
            ),
            Zoom::Month => ("substr(at, 1, 7)", 7),
            Zoom::Year => ("substr(at, 1, 4)", 4),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Zoom::Day => "day",
            Zoom::Week => "week",
            Zoom::Month => "month",
            Zoom::Year => "year",
        }
    }

    /// The next finer zoom (day stays day).
    #[must_use]
    pub fn finer(self) -> Zoom {
        match self {
            Zoom::Year => Zoom::Month,
            Zoom::Month => Zoom::Week,
            Zoom::Week | Zoom::Day => Zoom::Day,
        }
    }

    /// The next coarser zoom (year stays year).
    #[must_use]
    pub fn coarser(self) -> Zoom {
        match self {
            Zoom::Day => Zoom::Week,
            Zoom::Week => Zoom::Month,
            Zoom::Month | Zoom::Year => Zoom::Year,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DensityBucket {
    /// "2024-03-07" (day, and the Monday of a week), "2024-03" (month) or "2024" (year).
    pub bucket: String,
    pub count: i64,
}

impl Store {
    /// Items per bucket for a case, an entity or the whole store, oldest bucket first, within
    /// the inclusive range `from`..`to` (dates of any precision). The whole store is counted
    /// bucket by bucket from its `at` index, the newest [`WHOLE_STORE_BUCKETS`] only, each
    /// up to [`WHOLE_STORE_BUCKET_CAP`]: counting every item of a large store is not a
    /// keypress's work.
    pub fn timeline_density(
        &self,
        scope: TimelineScope,
        zoom: Zoom,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<DensityBucket>> {
        let from = from.unwrap_or_default().to_owned();
        let to = to.map_or_else(|| "~".to_owned(), |t| format!("{t}~"));
        let (bucket, min_len) = zoom.bucket_sql();
        let bounds = "at >= ?2 AND at < ?3 AND length(at) >= ?4";
        let (items, anchor) = match scope {
            TimelineScope::All => return self.whole_store_density(zoom, &from, &to),
            TimelineScope::Entity(uid) => (
                format!(
                    "SELECT at, obj, prop FROM timeline WHERE a = ?1 AND {bounds}
                     UNION
                     SELECT at, obj, prop FROM timeline WHERE b = ?1 AND {bounds}"
                ),
                self.object_n(uid)?
                    .ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?,
            ),
            // A case's items are kept ready in case_timeline: one range scan.
            TimelineScope::Case(uid) => (
                format!("SELECT at, obj, prop FROM case_timeline WHERE case_n = ?1 AND {bounds}"),
                self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no case {uid}")))?,
            ),
        };
        let sql = format!(
            "WITH items(at, obj, prop) AS ({items})
             SELECT * FROM (SELECT {bucket} AS k, count(*) FROM items WHERE k IS NOT NULL
                            GROUP BY k ORDER BY k DESC LIMIT ?5)
             ORDER BY k"
        );
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![anchor, from, to, min_len, MAX_BUCKETS], |r| {
                Ok(DensityBucket { bucket: r.get(0)?, count: r.get(1)? })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

/// A date of any precision as the first day it covers ("2024-03" → 2024-03-01).
fn first_day(at: &str) -> Option<chrono::NaiveDate> {
    let padded = match at.len() {
        4 => format!("{at}-01-01"),
        7 => format!("{at}-01"),
        _ => at.get(..10)?.to_owned(),
    };
    chrono::NaiveDate::parse_from_str(&padded, "%Y-%m-%d").ok()
}

/// The first day of the bucket holding `day`, and the first day of the next bucket.
fn bucket_bounds(day: chrono::NaiveDate, zoom: Zoom) -> (chrono::NaiveDate, chrono::NaiveDate) {
    use chrono::{Datelike, Days, Months};
    let start = match zoom {
        Zoom::Day => day,
        Zoom::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        Zoom::Month => day.with_day(1).unwrap_or(day),
        Zoom::Year => day.with_ordinal(1).unwrap_or(day),
    };
    let next = match zoom {
        Zoom::Day => start + Days::new(1),
        Zoom::Week => start + Days::new(7),
        Zoom::Month => start + Months::new(1),
        Zoom::Year => start + Months::new(12),
    };
    (start, next)
}

/// A bucket's label, as the grouped counts of a case name it.
fn bucket_label(day: chrono::NaiveDate, zoom: Zoom) -> String {
    match zoom {
        Zoom::Day | Zoom::Week => day.format("%Y-%m-%d").to_string(),
        Zoom::Month => day.format("%Y-%m").to_string(),
        Zoom::Year => day.format("%Y").to_string(),
    }
}

impl Store {
    /// The whole store's strip (see [`Store::timeline_density`]): the newest and oldest
    /// dates from the `at` index, then each bucket counted up to the cap, newest first.
    fn whole_store_density(&self, zoom: Zoom, from: &str, to: &str) -> Result<Vec<DensityBucket>> {
        let (_, min_len) = zoom.bucket_sql();
        let edge = |order: &str| -> Result<Option<String>> {
            let sql = format!(
                "SELECT at FROM timeline WHERE at >= ?1 AND at < ?2 AND length(at) >= ?3 ORDER BY at {order} LIMIT 1"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![from, to, min_len])?;
            Ok(rows.next()?.map(|r| r.get(0)).transpose()?)
        };
        let (Some(first), Some(last)) = (edge("ASC")?, edge("DESC")?) else { return Ok(Vec::new()) };
        let (Some(first), Some(last)) = (first_day(&first), first_day(&last)) else { return Ok(Vec::new()) };
        let mut count = self.conn.prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM timeline WHERE at >= max(?1, ?3) AND at < min(?2, ?4)
               AND length(at) >= ?5 LIMIT ?6)",
        )?;
        let mut out = Vec::new();
        let (mut start, mut next) = bucket_bounds(last, zoom);
        let oldest = bucket_bounds(first, zoom).0;
        while start >= oldest && out.len() < WHOLE_STORE_BUCKETS {
            let (lo, hi) = (bucket_label(start, zoom), bucket_label(next, zoom));
            let n: i64 =
                count.query_row(params![lo, hi, from, to, min_len, WHOLE_STORE_BUCKET_CAP], |r| r.get(0))?;
            if n > 0 {
                out.push(DensityBucket { bucket: lo, count: n });
            }
            next = start;
            start = bucket_bounds(start.pred_opt().unwrap_or(start), zoom).0;
            if start == next {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }
}
