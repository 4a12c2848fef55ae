//! The store thread's share of the judgements (issue 13): duplicate candidates for the review
//! queue and the entities list's marks, the two records of a pair read whole, a record's
//! resolved profile for the detail pane, and how many records a file import brought in match
//! records already held. Each is the library's own call (`analysis::duplicates`,
//! `analysis::xref`, `Store::resolved_profile`), so the workbench and the command line agree.

use uuid::Uuid;

use crate::analysis::{duplicates, xref};
use crate::store::query::EntityView;
use crate::store::{Store, StoreError};
use crate::tui::message::Loaded;

/// Candidates the review queue lists, best first (more are reached by judging these).
pub const REVIEW_LIMIT: usize = 200;
/// Above this many records the entities list is not marked (the comparison reads every
/// person and company held, on the store's thread, each time a case opens: a fraction of a
/// second here, minutes at 1M); the review queue (`D`) still compares when asked.
pub const MARKS_UP_TO: i64 = 50_000;
/// Past this many records an import does not compare what it brought in (the bound of
/// `liaison import`'s last line, in `cli/duplicates_cmd.rs`): it says how to ask for it.
pub const IMPORT_MATCHES_UP_TO: i64 = 200_000;

pub fn candidates(store: &Store, case: Option<Uuid>, marks: bool) -> Result<Loaded, StoreError> {
    if marks && store.record_count_bound()? > MARKS_UP_TO {
        return Ok(Loaded::Candidates { case, marks, candidates: Vec::new(), skipped: true });
    }
    let scope = duplicates::Scope {
        case,
        limit: Some(if marks { usize::MAX } else { REVIEW_LIMIT }),
        ..duplicates::Scope::default()
    };
    let report = duplicates::candidates(store, &scope)?;
    if !marks {
        // Audited as `liaison duplicates` is: who looked for whom.
        store.audit(
            "duplicates",
            &serde_json::json!({
                "case": case.map(|c| c.to_string()),
                "listed": report.candidates.len(),
                "via": "workbench",
            }),
        )?;
    }
    Ok(Loaded::Candidates { case, marks, candidates: report.candidates, skipped: false })
}

/// Both records whole, each view audited as the detail pane's is.
pub fn pair(store: &Store, a: Uuid, b: Uuid) -> Result<Loaded, StoreError> {
    let read = |id: Uuid| -> Result<Box<EntityView>, StoreError> {
        let v = store.entity(id, 0)?;
        let action = if v.schema == "Person" { "view person" } else { "view entity" };
        store.audit(action, &serde_json::json!({ "entity": id.to_string(), "via": "workbench review" }))?;
        Ok(Box::new(v))
    };
    Ok(Loaded::ReviewPair { a: read(a)?, b: read(b)? })
}

pub fn profile(store: &Store, id: Uuid) -> Result<Loaded, StoreError> {
    Ok(Loaded::Profile { id, profile: store.resolved_profile(id)?.map(Box::new) })
}

/// The line `liaison import` ends with, for the latest import: how many of its records match
/// records already held (the same count, from `xref::xref_import`), or how to ask for it on a
/// large store. `None` when it matches nothing.
pub fn import_matches(store: &Store) -> Result<Option<String>, StoreError> {
    let Some(entry) = xref::latest_import(store)? else { return Ok(None) };
    if store.record_count_bound()? > IMPORT_MATCHES_UP_TO {
        return Ok(Some(format!("Cross-reference it with what is held: liaison xref --import {entry}")));
    }
    let n = xref::xref_import(store, entry, None, None)?.matched_records;
    Ok(match n {
        0 => None,
        1 => Some(format!("1 record matches a record already held: liaison xref --import {entry}")),
        n => Some(format!("{n} records match records already held: liaison xref --import {entry}")),
    })
}

/// Before an import writes anything (its preview): how many records of the file would match
/// records already held. The file is read again into memory and its people, companies and
/// vehicles compared with every record held, as `xref --import` compares them once written;
/// the file's own links (a phone linked to a person) are not followed here, so the count
/// after the import, from what was written, may be higher. `None`: none would match.
pub fn preview_matches(
    store: &Store,
    path: &std::path::Path,
    opts: &crate::interop::ImportOptions,
) -> Result<Option<String>, StoreError> {
    use std::collections::{BTreeMap, HashSet};
    if store.record_count_bound()? > IMPORT_MATCHES_UP_TO {
        return Ok(Some(
            "Too many records held to compare before importing: `liaison xref --import` after it.".into(),
        ));
    }
    let mut sink = crate::interop::record::VecSink::default();
    crate::interop::read(path, opts, &mut sink).map_err(|e| StoreError::Input(e.to_string()))?;
    // Values pushed again for the same record join its first ones.
    let mut read: BTreeMap<&str, (&str, Vec<(String, String)>)> = BTreeMap::new();
    for item in sink.items().filter(|i| duplicates::KINDS.contains(&i.kind.as_str())) {
        read.entry(item.ext.as_str())
            .or_insert((item.kind.as_str(), Vec::new()))
            .1
            .extend(item.props.clone());
    }
    let mut records = duplicates::load(store, duplicates::KINDS)?;
    let held: HashSet<Uuid> = records.iter().map(|r| r.id).collect();
    let first_read = records.len();
    for (kind, props) in read.into_values() {
        let caption = props.iter().find(|(p, _)| p == "name").map(|(_, v)| v.clone()).unwrap_or_default();
        // A fresh id: the record as it would be, never one held.
        records.push(duplicates::Record::from_values(0, Uuid::now_v7(), kind, &caption, &props));
    }
    let focus: Vec<bool> = (0..records.len()).map(|i| i >= first_read).collect();
    let report = duplicates::candidates_among(&records, Some(&focus), true, duplicates::DEFAULT_MIN_SCORE);
    let matched: HashSet<Uuid> =
        report.candidates.iter().flat_map(|c| [c.a.id, c.b.id]).filter(|id| !held.contains(id)).collect();
    Ok(match matched.len() {
        0 => None,
        1 => Some("1 record would match a record already held (counted again once imported).".into()),
        n => Some(format!("{n} records would match records already held (counted again once imported).")),
    })
}
