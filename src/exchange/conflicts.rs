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
    /// "edits": one record's property edited without knowledge of each other; "duplicate
    /// reference": one case reference held by several cases (each value names a case).
    pub kind: &'static str,
    pub values: Vec<HeadView>,
}

const EDITS: &str = "edits";
const DUPLICATE_REFERENCE: &str = "duplicate reference";

/// The id of the conflict on `record`'s `prop` (10 hex digits of a hash of both).
pub fn conflict_id(record: Uuid, prop: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-conflict-v1");
    h.update(record.as_bytes());
    h.update(prop.as_bytes());
    hex(&h.finalize().as_bytes()[..5])
}

fn view(row: ConflictRow, kind: &'static str) -> ConflictView {
    let salt =
        if kind == DUPLICATE_REFERENCE { "reference held by several cases" } else { row.prop.as_str() };
    ConflictView {
        id: conflict_id(row.record, salt),
        kind,
        record: row.record,
        schema: row.schema,
        caption: row.caption,
        prop: row.prop,
        values: row.values,
    }
}

pub fn list_conflicts(store: &Store) -> Result<Vec<ConflictView>> {
    let edits = store.conflict_rows()?.into_iter().map(|row| view(row, EDITS));
    let references = store.duplicate_reference_rows()?.into_iter().map(|row| view(row, DUPLICATE_REFERENCE));
    Ok(edits.chain(references).collect())
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
    if conflict.kind == DUPLICATE_REFERENCE {
        keep_reference(store, &conflict, keep)?;
        return Ok(conflict);
    }
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

/// Resolves a reference held by several cases: the case named by `keep` (its value as listed,
/// or 6+ characters of its id) keeps it; each other case is renamed "REF (its office)", keeping
/// the provenance and marking its reference had. A rename is an ordinary edit: it travels to
/// the other offices, which then hold one case per reference too.
fn keep_reference(store: &mut Store, conflict: &ConflictView, keep: &str) -> Result<()> {
    let keep = keep.trim().to_lowercase();
    let case_of = |v: &HeadView| v.value.split(' ').next().unwrap_or_default().to_owned();
    let chosen: Vec<&HeadView> = conflict
        .values
        .iter()
        .filter(|v| v.value.to_lowercase() == keep || (keep.len() >= 6 && case_of(v).contains(&keep)))
        .collect();
    let [kept] = chosen.as_slice() else {
        let values: Vec<&str> = conflict.values.iter().map(|v| v.value.as_str()).collect();
        return Err(ExchangeError::Input(format!(
            "{keep:?} names {} of the cases holding {}: give 6 or more characters of the id of the \
             case that keeps it ({})",
            if chosen.is_empty() { "none" } else { "several" },
            conflict.caption,
            values.join("; ")
        )));
    };
    let kept_case = case_of(kept);
    let mut renames = Vec::new();
    for head in conflict.values.iter().filter(|v| case_of(v) != kept_case) {
        let Ok(holder) = Uuid::parse_str(&case_of(head)) else { continue };
        let mut renamed = format!("{} ({})", head.assertion.value, head.office);
        let mut n = 2;
        while !store.case_reference_holders(&renamed)?.is_empty() {
            renamed = format!("{} ({} {n})", head.assertion.value, head.office);
            n += 1;
        }
        renames.push((holder, crate::model::op::Assertion { value: renamed, ..head.assertion.clone() }));
    }
    let mut tx = store.write("conflict resolve")?;
    for (holder, assertion) in &renames {
        tx.set(*holder, assertion.clone())?;
    }
    let renamed: Vec<String> = renames.iter().map(|(_, a)| a.value.clone()).collect();
    tx.commit(&serde_json::json!({
        "conflict": conflict.id, "reference": conflict.caption, "kept": kept_case, "renamed": renamed
    }))?;
    Ok(())
}
