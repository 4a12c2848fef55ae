//! The timeline: dated items of a case, an entity, or the whole store, one page at a time.
//!
//! Dates keep their precision ("2024", "2024-03", "2024-03-07T10:00:00"), and ISO text sorts
//! in time order, so ranges are plain text comparisons served by the (a, at) indexes.

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

impl Store {
    pub fn timeline(&self, q: &TimelineQuery) -> Result<Vec<TimelineItem>> {
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
                format!(
                    "SELECT at, obj, prop, a, b FROM timeline WHERE a = ?1 AND {bounds}
                     UNION
                     SELECT at, obj, prop, a, b FROM timeline WHERE b = ?1 AND {bounds}
                     ORDER BY 1 {order}, 2 LIMIT ?4 OFFSET ?5"
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
        let rows: Vec<(String, i64, String, Option<i64>, Option<i64>)> = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![anchor, from, to, q.limit, q.offset], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(|(at, obj, prop, a, b)| self.timeline_item(at, obj, prop, a, b)).collect()
    }

    fn timeline_item(
        &self,
        at: String,
        obj: i64,
        prop: String,
        a: Option<i64>,
        b: Option<i64>,
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
                a.as_ref().map_or("?", |r| r.caption.as_str()),
                b.as_ref().map_or("?", |r| r.caption.as_str())
            ),
            Some(k) if k.category == Category::Internal => {
                let short: String = caption.chars().take(120).collect();
                format!("{}: {short}", k.label)
            }
            _ => format!("{prop_label}: {caption}"),
        };
        Ok(TimelineItem { at, id: uid_from_blob(&uid), schema, prop, summary, a, b })
    }
}
