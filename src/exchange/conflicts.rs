//! Conflicts between offices' edits (DESIGN §3): listed with a short stable id, resolved by
//! keeping one of the competing values. The resolution is an ordinary op whose parents are
//! all the heads, so it travels like any edit and clears the conflict wherever it arrives.

use serde::Serialize;
use uuid::Uuid;

use super::{ExchangeError, Result};
use crate::model::ids::hex;
use crate::model::schema::Schema;
use crate::model::validate;
use crate::store::Store;
use crate::store::conflicts::{ConflictRow, HeadView};

/// A conflict as the analyst sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictView {
    /// Short id for `liaison conflicts resolve ID`: the same in every office.
    pub id: String,
    pub record: Uuid,
    pub schema: String,
    pub caption: String,
    pub prop: String,
    pub values: Vec<HeadView>,
}

/// The id of the conflict on `record`'s `prop` (10 hex digits of a hash of both).
pub fn conflict_id(record: Uuid, prop: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-conflict-v1");
    h.update(record.as_bytes());
    h.update(prop.as_bytes());
    hex(&h.finalize().as_bytes()[..5])
}

fn view(row: ConflictRow) -> ConflictView {
    ConflictView {
        id: conflict_id(row.record, &row.prop),
        record: row.record,
        schema: row.schema,
        caption: row.caption,
        prop: row.prop,
        values: row.values,
    }
}

pub fn list_conflicts(store: &Store) -> Result<Vec<ConflictView>> {
    Ok(store.conflict_rows()?.into_iter().map(view).collect())
}

/// Keeps `keep` for the conflict `id` (or a unique prefix of it, 4+ digits).
pub fn resolve_conflict(store: &mut Store, id: &str, keep: &str) -> Result<ConflictView> {
    let id = id.trim().to_lowercase();
    if id.len() < 4 {
        return Err(ExchangeError::Input("give at least 4 digits of the conflict id".into()));
    }
    let mut matching: Vec<ConflictView> =
        list_conflicts(store)?.into_iter().filter(|c| c.id.starts_with(&id)).collect();
    let conflict = match matching.len() {
        0 => {
            return Err(ExchangeError::Input(format!(
                "no open conflict {id}: `liaison conflicts list` shows them"
            )));
        }
        1 => matching.remove(0),
        _ => {
            return Err(ExchangeError::Input(format!("several conflicts start with {id}: give more digits")));
        }
    };
    let normalised = Schema::builtin()
        .kind(&conflict.schema)
        .ok()
        .and_then(|k| validate(k, &conflict.prop, keep, store.locale()).ok());
    let kept = conflict
        .values
        .iter()
        .find(|v| v.value == keep || normalised.as_deref() == Some(v.value.as_str()))
        .ok_or_else(|| {
            let values: Vec<&str> = conflict.values.iter().map(|v| v.value.as_str()).collect();
            ExchangeError::Input(format!(
                "{keep:?} is not one of the conflicting values of {}.{}: {}",
                conflict.caption,
                conflict.prop,
                values.join(", ")
            ))
        })?
        .assertion
        .clone();
    let mut tx = store.write("conflict resolve")?;
    tx.set(conflict.record, kept)?;
    tx.commit(&serde_json::json!({ "conflict": conflict.id, "record": conflict.record.to_string(), "prop": conflict.prop }))?;
    Ok(conflict)
}
