//! The timeline: dated items of a case, an entity, or the whole store, one page at a time.
//!
//! Dates keep their precision ("2024", "2024-03", "2024-03-07T10:00:00"), and ISO text sorts
//! in time order, so ranges are plain text comparisons served by the (a, at) indexes.

use std::fmt::Write as _;

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::{RecordRef, record_ref, uid_from_blob};
use crate::model::schema::{Category, Schema};
use crate::store::{Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineScope {
    All,
    Case(Uuid),
    Entity(Uuid),
}

#[derive(Debug, Clone)]
pub struct TimelineQuery {
    pub scope: TimelineScope,
    /// Inclusive lower bound (a date of any precision).
    pub from: Option<String>,
    /// Inclusive upper bound: "2024-03" includes every day of March.
    pub to: Option<String>,
    pub newest_first: bool,
    pub limit: u32,
    pub offset: u32,
}

impl Default for TimelineQuery {
    fn default() -> Self {
        TimelineQuery {
            scope: TimelineScope::All,
            from: None,
            to: None,
            newest_first: true,
            limit: 100,
            offset: 0,
        }
    }
}

/// (at, obj, prop, a, b) as read.
type TimelineRow = (String, i64, String, Option<i64>, Option<i64>);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimelineItem {
    pub at: String,
    /// The dated record (a call, a note, a person's birth…).
    pub id: Uuid,
    pub schema: String,
    pub prop: String,
    pub summary: String,
    pub a: Option<RecordRef>,
    pub b: Option<RecordRef>,
}

/// A profile as a timeline item names it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProfileName {
    /// The representative record's id.
    pub id: Uuid,
    /// "Karim Benali = Карим Бенали".
    pub caption: String,
}

/// A timeline item whose records judged the same as others name their profile. The fields
/// are absent when no judgement joins them: the item then reads as [`TimelineItem`] does.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResolvedTimelineItem {
    #[serde(flatten)]
    pub item: TimelineItem,
    /// The profile of the dated record (a person's birth: the person's profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_profile: Option<ProfileName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_profile: Option<ProfileName>,
}

impl Store {
    /// As [`Store::timeline`], with records judged the same named by their profile (in the
    /// summary, and in `profile`/`a_profile`/`b_profile`); an entity's timeline is its
    /// profile's: the items of every record of it. The CLI's `timeline` and the workbench's
    /// timeline call this.
    pub fn timeline_resolved(&self, q: &TimelineQuery) -> Result<Vec<ResolvedTimelineItem>> {
        let mut extra = Vec::new();
        if let TimelineScope::Entity(uid) = q.scope {
            if let Some(p) = self.profiles_of(&[uid])?.remove(&uid) {
                let own = self.object_n(uid)?;
                extra = p.ns.iter().copied().filter(|n| Some(*n) != own).collect();
            }
        }
        let rows = self.timeline_rows(q, &extra)?;
        let mut ns: Vec<i64> = rows.iter().flat_map(|r| [Some(r.1), r.3, r.4]).flatten().collect();
        ns.sort_unstable();
        ns.dedup();
        let profiles = self.profiles_of_ns(&ns)?;
        let name = |n: Option<i64>| {
            n.and_then(|n| profiles.of(n)).map(|p| ProfileName { id: p.id, caption: p.caption.clone() })
        };
        rows.into_iter()
            .map(|(at, obj, prop, a, b)| {
                let (profile, a_profile, b_profile) =
                    (name(Some(obj)), name(a.filter(|&x| x != obj)), name(b));
                let item = self.timeline_item(
                    at,
                    obj,
                    prop,
                    a,
                    b,
                    [&profile, &a_profile, &b_profile].map(|p| p.as_ref().map(|p| p.caption.as_str())),
                )?;
                Ok(ResolvedTimelineItem { item, profile, a_profile, b_profile })
            })
            .collect()
    }

    pub fn timeline(&self, q: &TimelineQuery) -> Result<Vec<TimelineItem>> {
        self.timeline_rows(q, &[])?
            .into_iter()
            .map(|(at, obj, prop, a, b)| self.timeline_item(at, obj, prop, a, b, [None; 3]))
            .collect()
    }

    /// The rows of a timeline page; `also`: more records whose items an entity's timeline
    /// takes in (the other records of its profile).
    fn timeline_rows(&self, q: &TimelineQuery, also: &[i64]) -> Result<Vec<TimelineRow>> {
        if crate::model::values::period_backwards(q.from.as_deref(), q.to.as_deref()) {
            // An empty answer would read as "nothing happened then".
            return Err(crate::store::StoreError::Input(format!(
                "the period is backwards: from {} is after to {}",
                q.from.as_deref().unwrap_or_default(),
                q.to.as_deref().unwrap_or_default()
            )));
        }
        let from = q.from.clone().unwrap_or_default();
        // '~' sorts after every digit, letter and separator of an ISO date.
        let to = q.to.as_ref().map_or_else(|| "~".to_owned(), |t| format!("{t}~"));
        let order = if q.newest_first { "DESC" } else { "ASC" };
        let bounds = "at >= ?2 AND at < ?3";
        let (sql, anchor) = match q.scope {
            TimelineScope::All => (
                format!(
                    "SELECT at, obj, prop, a, b FROM timeline WHERE ?1 = 0 AND {bounds}
                     ORDER BY at {order}, obj LIMIT ?4 OFFSET ?5"
                ),
                0,
            ),
            TimelineScope::Entity(uid) => (
                // Record numbers, not user text: inlined.
                format!(
                    "SELECT at, obj, prop, a, b FROM timeline WHERE a IN (?1{more}) AND {bounds}
                     UNION
                     SELECT at, obj, prop, a, b FROM timeline WHERE b IN (?1{more}) AND {bounds}
                     ORDER BY 1 {order}, 2 LIMIT ?4 OFFSET ?5",
                    more = also.iter().fold(String::new(), |mut s, n| {
                        let _ = write!(s, ",{n}");
                        s
                    })
                ),
                self.object_n(uid)?
                    .ok_or_else(|| StoreError::NotFound(format!("no record with id {uid}")))?,
            ),
            TimelineScope::Case(uid) => (
                format!(
                    "SELECT c.at, c.obj, c.prop, t.a, t.b FROM
                       (SELECT at, obj, prop FROM case_timeline WHERE case_n = ?1 AND {bounds}
                        ORDER BY at {order}, obj LIMIT ?4 OFFSET ?5) c
                     JOIN timeline t ON t.obj = c.obj AND t.prop = c.prop AND t.at = c.at
                     ORDER BY 1 {order}, 2"
                ),
                self.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no case {uid}")))?,
            ),
        };
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![anchor, from, to, q.limit, q.offset], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?)
    }

    /// An item; `named`: the profile captions of the dated record, `a` and `b`, which its
    /// summary uses instead of the records' own.
    fn timeline_item(
        &self,
        at: String,
        obj: i64,
        prop: String,
        a: Option<i64>,
        b: Option<i64>,
        named: [Option<&str>; 3],
    ) -> Result<TimelineItem> {
        let (uid, schema, caption): (Vec<u8>, String, String) = self
            .conn
            .prepare_cached("SELECT uid, schema, caption FROM object WHERE n = ?1")?
            .query_row([obj], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let a = a.filter(|&x| x != obj).map(|x| record_ref(&self.conn, x)).transpose()?.flatten();
        let b = b.map(|x| record_ref(&self.conn, x)).transpose()?.flatten();
        let kind = Schema::builtin().kind(&schema).ok();
        let prop_label =
            kind.and_then(|k| k.properties.get(&prop)).map_or_else(|| prop.clone(), |p| p.label.clone());
        let summary = match kind {
            Some(k) if k.category == Category::Link => format!(
                "{}: {} → {}",
                k.label,
                named[1].or(a.as_ref().map(|r| r.caption.as_str())).unwrap_or("?"),
                named[2].or(b.as_ref().map(|r| r.caption.as_str())).unwrap_or("?")
            ),
            Some(k) if k.category == Category::Internal => {
                let short: String = caption.chars().take(120).collect();
                format!("{}: {short}", k.label)
            }
            _ => format!("{prop_label}: {}", named[0].unwrap_or(&caption)),
        };
        Ok(TimelineItem { at, id: uid_from_blob(&uid), schema, prop, summary, a, b })
    }
}
