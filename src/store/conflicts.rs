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
        for (n, uid, schema, mut caption, prop) in conflicts {
            if schema == super::judgements::KIND {
                // A judgement's own caption is its verdict, the very thing in dispute: the
                // inbox names the two records instead.
                caption = self.judgement_caption(n)?.unwrap_or(caption);
            }
            let mut values = self.heads(n, &prop)?;
            // Newest first, ties by value, so every office lists them in the same order.
            values.sort_by(|a, b| b.hlc.cmp(&a.hlc).then_with(|| a.value.cmp(&b.value)));
            out.push(ConflictRow { record: uid_from_blob(&uid), schema, caption, prop, values });
        }
        Ok(out)
    }

    /// The current values of `prop` on record `n`, with who recorded them.
    fn heads(&self, n: i64, prop: &str) -> Result<Vec<HeadView>> {
        let values: Vec<HeadView> = self
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
                    recorded_at: Hlc(hlc).to_datetime().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    grade: assertion.grade.clone(),
                    marking: assertion.marking.clone(),
                    hlc,
                    assertion,
                })
            })
            .collect();
        Ok(values)
    }

    /// Case references held by more than one live case, compared without regard to letter
    /// case. This office's own writes refuse a taken reference (`Txn::set`), but two offices
    /// may open the same reference without knowing of each other; their cases arrive intact
    /// and are listed here, each holder with the head of its `reference`, until a person
    /// renames one. Cases are few (one per network), so the scan stays small at 1M entities.
    pub fn duplicate_reference_rows(&self) -> Result<Vec<ConflictRow>> {
        let sql = format!(
            "SELECT lower(r.ref), o.n, o.uid, o.caption FROM case_ref r JOIN object o ON o.n = r.obj
             WHERE o.deleted = 0 AND lower(r.ref) IN ({}) ORDER BY lower(r.ref), o.uid",
            super::query::SHARED_REFERENCES
        );
        let holders: Vec<(String, i64, Vec<u8>, String)> = self
            .conn
            .prepare_cached(&sql)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut out: Vec<ConflictRow> = Vec::new();
        for (key, n, uid, caption) in holders {
            let uid = uid_from_blob(&uid);
            let mut values = self.heads(n, "reference")?;
            let reference = values.first().map_or_else(|| key.clone(), |h| h.assertion.value.clone());
            for v in &mut values {
                // The whole id: ids made the same minute share their first digits (UUIDv7).
                v.value = format!("{uid} {caption}");
            }
            match out.last_mut() {
                Some(row) if row.caption.to_lowercase() == key => row.values.extend(values),
                _ => {
                    out.push(ConflictRow {
                        record: uid,
                        schema: "Case".into(),
                        caption: reference,
                        prop: "reference".into(),
                        values,
                    });
                }
            }
        }
        Ok(out)
    }
}
