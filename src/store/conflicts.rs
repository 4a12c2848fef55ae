//! Conflicts: single-valued properties holding more than one current value because edits
//! were made without knowledge of each other (DESIGN §3). Listed here with every competing
//! value; resolved by an ordinary `Txn::set`, whose parents are all the heads.

use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use super::offices::device_from_blob;
use super::query::uid_from_blob;
use super::{Result, Store};
use crate::model::hlc::Hlc;
use crate::model::op::Assertion;

/// One of the competing values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadView {
    pub value: String,
    /// The office whose device made the edit (its device id if unknown).
    pub office: String,
    pub recorded_at: String,
    pub grade: Option<String>,
    pub marking: String,
    #[serde(skip)]
    pub hlc: i64,
    #[serde(skip)]
    pub assertion: Assertion,
}

/// A record's property with several current values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictRow {
    pub record: Uuid,
    pub schema: String,
    pub caption: String,
    pub prop: String,
    pub values: Vec<HeadView>,
}

impl Store {
    /// Every open conflict, by record caption and property.
    pub fn conflict_rows(&self) -> Result<Vec<ConflictRow>> {
        let conflicts: Vec<(i64, Vec<u8>, String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT c.obj, o.uid, o.schema, o.caption, c.prop FROM conflict c
                 JOIN object o ON o.n = c.obj ORDER BY o.caption, o.uid, c.prop",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(conflicts.len());
        for (n, uid, schema, caption, prop) in conflicts {
            let mut values: Vec<HeadView> = self
                .conn
                .prepare_cached(
                    "SELECT h.hlc, h.device, h.assertion, d.office FROM head h
                     LEFT JOIN device d ON d.id = h.device
                     WHERE h.obj = ?1 AND h.prop = ?2",
                )?
                .query_map(params![n, prop], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?, r.get(3)?))
                })?
                .filter_map(|row| {
                    let (hlc, device, body, office): (i64, Vec<u8>, Vec<u8>, Option<String>) = row.ok()?;
                    let assertion: Assertion = postcard::from_bytes(&body).ok()?;
                    Some(HeadView {
                        value: assertion.value.clone(),
                        office: office.unwrap_or_else(|| device_from_blob(&device).to_string()),
                        recorded_at: Hlc(hlc)
                            .to_datetime()
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        grade: assertion.grade.clone(),
                        marking: assertion.marking.clone(),
                        hlc,
                        assertion,
                    })
                })
                .collect();
            // Newest first, ties by value, so every office lists them in the same order.
            values.sort_by(|a, b| b.hlc.cmp(&a.hlc).then_with(|| a.value.cmp(&b.value)));
            out.push(ConflictRow { record: uid_from_blob(&uid), schema, caption, prop, values });
        }
        Ok(out)
    }
}
