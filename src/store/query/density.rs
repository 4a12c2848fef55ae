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
    /// Items per bucket for a case or an entity, oldest bucket first, within the inclusive
    /// range `from`..`to` (dates of any precision). The whole store is refused: counting
    /// every item of a large store is not a keypress's work.
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
            TimelineScope::All => {
                return Err(StoreError::Input("the density strip needs a case or an entity".into()));
            }
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
