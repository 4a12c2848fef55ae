//! The one door for every write an analyst makes. The command line and the workbench describe
//! what they want as a [`Change`]; [`Store::apply`] opens the transaction, validates, writes
//! through the edit layer (where markings are inherited and joined, never dropped) and commits
//! with one audit entry whose detail is the same whichever face asked, plus `"via"`.
//! A refused change leaves the store as it was: the transaction is dropped unfinished.

mod message;
mod records;
mod rfi;

pub use records::{CaseTask, JointOperation};
pub use rfi::{RfiChange, now_utc};

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Provenance, Result, Store, StoreError, Txn, WriteSummary};
use crate::model::ids::source_id;
use crate::model::marking::Marking;
use crate::model::schema::Schema;
use crate::model::validate;
use crate::model::values::Locale;

/// Which face asked for a change (recorded in the audit entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Face {
    Cli,
    Workbench,
    Synth,
    Import,
}

/// One change, with its provenance spelled out.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new case. `props` holds reference, title and optionally status, leadOffice, summary;
    /// `marking` is as typed: without one the case takes the office default, and a marking
    /// naming no TLP level (`FR-DR`) takes the default's level.
    NewCase {
        props: Vec<(String, String)>,
        marking: Option<String>,
    },
    /// A new entity (or more values for an observable already known), put in `prov.case`.
    NewEntity {
        schema: String,
        props: Vec<(String, String)>,
        prov: Provenance,
    },
    /// Values added to a record (a single-valued property is replaced); with `prov.case` the
    /// record joins that case.
    SetValues {
        id: Uuid,
        props: Vec<(String, String)>,
        prov: Provenance,
    },
    /// One value taken away (`value` as typed; `source` the name of the source it came from).
    RemoveValue {
        id: Uuid,
        prop: String,
        value: String,
        source: Option<String>,
    },
    /// A link between two entities; its ends join `prov.case`.
    NewLink {
        schema: String,
        from: Uuid,
        to: Uuid,
        props: Vec<(String, String)>,
        prov: Provenance,
    },
    AddMember {
        case: Uuid,
        entity: Uuid,
        role: Option<String>,
    },
    RemoveMember {
        case: Uuid,
        entity: Uuid,
    },
    /// A note, operation or task of a case; `prov.case` is the case (set for you).
    CaseRecord {
        case: Uuid,
        schema: String,
        props: Vec<(String, String)>,
        prov: Provenance,
    },
    /// A case's new status, under the case's marking.
    CaseStatus {
        case: Uuid,
        status: String,
    },
    Delete {
        id: Uuid,
    },
    Restore {
        id: Uuid,
    },
    /// A link's deletion (refused for a record that is not a link: deleting a person by
    /// mistake from a link's screen must not happen).
    DeleteLink {
        id: Uuid,
    },
    RestoreLink {
        id: Uuid,
    },
    /// Commits of this store's own device (sequence numbers) taken back by new ops; see
    /// [`super::undo`].
    Undo {
        commits: Vec<u64>,
    },
    /// Whether two entities are the same (issue 13): a judgement, never a merge; see
    /// [`super::judgements`]. `prov` gives its source, grade, marking and case.
    /// A request for information: asked, answered, closed or reopened (issue 15).
    Rfi(Box<RfiChange>),
    Judge {
        a: Uuid,
        b: Uuid,
        verdict: super::judgements::Verdict,
        reason: Option<String>,
        prov: Provenance,
    },
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The record made or changed.
    pub id: Option<Uuid>,
    /// What a face shows next (for a link: its far end).
    pub focus: Option<Uuid>,
    /// One sentence for the analyst.
    pub message: String,
    pub summary: WriteSummary,
}

impl Change {
    /// The audit log's name for the change (as `liaison audit` lists it).
    pub fn action(&self) -> &'static str {
        match self {
            Change::NewCase { .. } => "case new",
            Change::NewEntity { .. } => "entity new",
            Change::SetValues { .. } => "entity set",
            Change::RemoveValue { .. } => "entity unset",
            Change::NewLink { .. } => "link new",
            Change::AddMember { .. } => "case add",
            Change::RemoveMember { .. } => "case remove",
            Change::CaseRecord { .. } => "case record",
            Change::CaseStatus { .. } => "case status",
            Change::Delete { .. } => "entity delete",
            Change::Restore { .. } => "entity restore",
            Change::DeleteLink { .. } => "link delete",
            Change::RestoreLink { .. } => "link restore",
            Change::Undo { .. } => "undo",
            Change::Judge { .. } => "judge",
            Change::Rfi(rfi) => match **rfi {
                RfiChange::Ask { .. } | RfiChange::AskOffice { .. } => "rfi new",
                RfiChange::Answer { .. } => "rfi answer",
                RfiChange::Close { .. } => "rfi close",
                RfiChange::Reopen { .. } => "rfi reopen",
            },
        }
    }
}

fn prop_value<'a>(props: &'a [(String, String)], name: &str) -> Option<&'a str> {
    props.iter().find(|(p, _)| p == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

impl Store {
    /// Applies one change: validated, written and committed with one audit entry.
    pub fn apply(&mut self, change: Change, via: Face) -> Result<Applied> {
        let locale = self.locale();
        let office = self.office().name.clone();
        if let Change::NewCase { props, .. } = &change {
            let reference = prop_value(props, "reference")
                .ok_or_else(|| StoreError::Input("a case needs a reference".into()))?;
            if !self.case_reference_holders(reference)?.is_empty() {
                return Err(StoreError::Input(format!("a case with reference {reference:?} already exists")));
            }
        }
        let action = change.action();
        let device = self.device;
        let mut tx = self.write(action)?;
        let (id, focus, message, mut detail) = write(&mut tx, change, locale, &office, device)?;
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("via".into(), serde_json::to_value(via).unwrap_or(Value::Null));
        }
        let summary = tx.commit(&detail)?;
        Ok(Applied { id, focus, message, summary })
    }
}

type Written = (Option<Uuid>, Option<Uuid>, String, Value);

/// An undo: its audit detail names the commits undone and the undo's own commit, so that
/// `history` can show both and "undo the last one" twice does not redo.
fn undo(tx: &mut Txn<'_>, device: crate::model::ids::DeviceId, commits: &[u64]) -> Result<Written> {
    let last = |tx: &Txn<'_>| -> Result<i64> {
        Ok(tx.conn().query_row(
            "SELECT coalesce(max(seq), 0) FROM commit_log WHERE device = ?1",
            [device.0.as_slice()],
            |r| r.get(0),
        )?)
    };
    let before = last(tx)?;
    let said = super::undo::undo_in(tx, device, commits)?;
    let own: Vec<i64> = (before + 1..=last(tx)?).collect();
    let message = format!("Undone: {}.", said.join("; "));
    // Commit numbers only: the audit log never repeats marked values (they are named on screen).
    let detail = json!({ "undid": commits, "commits": own });
    Ok((None, None, message, detail))
}

/// A judgement: the message names both records; the audit detail names the judgement and
/// both ids (never the reason, which may be as sensitive as the records).
fn judge(
    tx: &mut Txn<'_>,
    (a, b): (Uuid, Uuid),
    verdict: super::judgements::Verdict,
    reason: Option<&str>,
    prov: &Provenance,
) -> Result<Written> {
    use super::judgements::Verdict;
    let id = tx.judge(a, b, verdict, reason, prov)?;
    let (x, y) = (message::caption(tx, a)?, message::caption(tx, b)?);
    let message = match verdict {
        Verdict::Same => format!("Judged the same: {x} and {y} (`liaison undo` takes it back)."),
        Verdict::NotSame => format!("Judged not the same: {x} and {y}."),
        Verdict::Unsure => format!("Judged unsure: {x} and {y} may or may not be the same."),
    };
    let detail = json!({
        "judgement": id.to_string(),
        "records": [a.to_string(), b.to_string()],
        "verdict": verdict.as_str(),
    });
    Ok((Some(id), Some(a), message, detail))
}

fn write(
    tx: &mut Txn<'_>,
    change: Change,
    locale: Locale,
    office: &str,
    device: crate::model::ids::DeviceId,
) -> Result<Written> {
    Ok(match change {
        Change::Undo { commits } => undo(tx, device, &commits)?,
        Change::Rfi(change) => rfi::write(tx, *change, locale)?,
        Change::Judge { a, b, verdict, reason, prov } => {
            judge(tx, (a, b), verdict, reason.as_deref(), &prov)?
        }
        Change::NewCase { mut props, marking } => {
            let office_marking = tx.office_marking()?;
            let typed = marking.as_deref().map(str::trim).filter(|t| !t.is_empty());
            let mut marking = match typed {
                Some(text) => Marking::parse(text)?,
                None => office_marking.clone(),
            };
            if typed.is_some_and(|t| !Marking::names_tlp(t)) {
                marking.tlp = office_marking.tlp;
            }
            let reference = prop_value(&props, "reference").unwrap_or_default().to_owned();
            props.retain(|(p, v)| p != "marking" && !v.trim().is_empty());
            for (name, default) in [("status", "open"), ("leadOffice", office)] {
                if prop_value(&props, name).is_none() {
                    props.push((name.to_owned(), default.to_owned()));
                }
            }
            props.push(("marking".into(), marking.to_string()));
            let prov = Provenance { marking: Some(marking), clear_chosen: true, ..Provenance::default() };
            let id = tx.new_record("Case", None, &props, &prov)?;
            (Some(id), Some(id), format!("Case {reference} opened."), json!({ "case": id.to_string() }))
        }
        Change::NewEntity { schema, props, prov } => {
            let id = tx.new_entity(&schema, &props, &prov, locale)?;
            let detail = json!({ "entity": id.to_string(), "schema": schema });
            (Some(id), Some(id), message::saved(&schema), detail)
        }
        Change::SetValues { id, props, prov } => {
            let name = message::caption(tx, id)?;
            tx.set_values(id, &props, &prov, locale)?;
            if let Some(case) = prov.case {
                tx.add_member(case, id, None)?;
            }
            let kind = tx.schema_of(id)?.and_then(|s| Schema::builtin().kind(&s).ok());
            let message = message::values_set(&name, kind, &props, locale);
            (Some(id), Some(id), message, json!({ "entity": id.to_string() }))
        }
        Change::RemoveValue { id, prop, value, source } => {
            let schema =
                tx.schema_of(id)?.ok_or_else(|| StoreError::NotFound(format!("no record with id {id}")))?;
            let kind = Schema::builtin().kind(&schema)?;
            let value = validate(kind, &prop, &value, locale)?;
            let source = source.as_deref().map(source_id);
            if !tx.remove(id, &prop, &value, source)? {
                return Err(StoreError::Input(format!(
                    "{id} has no value {value:?} for {prop} from that source"
                )));
            }
            let message = format!("Removed {} {value:?}.", message::prop_label(kind, &prop));
            (Some(id), Some(id), message, json!({ "entity": id.to_string() }))
        }
        Change::NewLink { schema, from, to, props, prov } => {
            let id = tx.new_link(&schema, from, to, &props, &prov, locale)?;
            let detail = json!({ "link": id.to_string(), "schema": schema });
            (Some(id), Some(to), message::saved(&schema), detail)
        }
        Change::AddMember { case, entity, role } => {
            tx.add_member(case, entity, role.as_deref())?;
            let detail = json!({ "case": case.to_string(), "entity": entity.to_string() });
            (Some(entity), Some(entity), "Added to the case.".into(), detail)
        }
        Change::RemoveMember { case, entity } => {
            if !tx.remove_member(case, entity)? {
                return Err(StoreError::Input(format!("{entity} is not in that case")));
            }
            let detail = json!({ "case": case.to_string(), "entity": entity.to_string() });
            (Some(entity), Some(entity), "Taken out of the case.".into(), detail)
        }
        Change::CaseRecord { case, schema, props, prov } => {
            let prov = Provenance { case: Some(case), ..prov };
            let id = tx.new_record(&schema, Some(case), &props, &prov)?;
            let detail = json!({ "case": case.to_string(), "kind": schema });
            (Some(id), Some(id), message::saved(&schema), detail)
        }
        Change::CaseStatus { case, status } => {
            let marking = tx.case_marking(case)?;
            let prov = Provenance { marking: Some(marking), clear_chosen: true, ..Provenance::default() };
            let was = message::current(tx, case, "status")?;
            tx.set_values(case, &[("status".to_owned(), status.clone())], &prov, locale)?;
            let reference = message::current(tx, case, "reference")?.unwrap_or_else(|| case.to_string());
            let now = message::current(tx, case, "status")?.unwrap_or(status);
            let message = message::status_changed(&reference, was.as_deref(), &now);
            (Some(case), Some(case), message, json!({ "case": case.to_string() }))
        }
        Change::Delete { id } => {
            // Said plainly: a second "Deleted" would suggest something happened.
            if tx.is_deleted(id)? {
                return Err(StoreError::Input(format!(
                    "{id} is already deleted: nothing changed (`liaison entity restore {id}` brings it back)"
                )));
            }
            tx.delete_record(id)?;
            let message = format!("Deleted {id} (`liaison entity restore {id}` undoes it).");
            (Some(id), None, message, json!({ "entity": id.to_string() }))
        }
        Change::Restore { id } => {
            if tx.schema_of(id)?.is_some() && !tx.is_deleted(id)? {
                return Err(StoreError::Input(format!("{id} is not deleted: nothing changed")));
            }
            tx.restore_record(id)?;
            (Some(id), Some(id), format!("Restored {id}."), json!({ "entity": id.to_string() }))
        }
        Change::DeleteLink { id } => {
            let label = link_label(tx, id)?;
            if tx.is_deleted(id)? {
                return Err(StoreError::Input(format!(
                    "the link {label} is already deleted: nothing changed (`liaison link restore {id}` brings it back)"
                )));
            }
            tx.delete_record(id)?;
            let message = format!("Deleted link {label} (`liaison link restore {id}` undoes it).");
            (Some(id), None, message, json!({ "link": id.to_string() }))
        }
        Change::RestoreLink { id } => {
            let label = link_label(tx, id)?;
            if !tx.is_deleted(id)? {
                return Err(StoreError::Input(format!("the link {label} is not deleted: nothing changed")));
            }
            tx.restore_record(id)?;
            (Some(id), Some(id), format!("Restored link {label}."), json!({ "link": id.to_string() }))
        }
    })
}

/// "Call: Karim BENALI → +33611000000" for a link; an input error naming what `id` is
/// otherwise (the analyst typed or picked the wrong id).
fn link_label(tx: &Txn<'_>, id: Uuid) -> Result<String> {
    use rusqlite::OptionalExtension;
    let row: Option<(String, String, Option<String>, Option<String>)> = tx
        .conn()
        .query_row(
            "SELECT o.schema, o.caption, a.caption, b.caption FROM object o
             LEFT JOIN object a ON a.n = o.src LEFT JOIN object b ON b.n = o.dst WHERE o.uid = ?1",
            [id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((schema, caption, from, to)) = row else {
        return Err(StoreError::NotFound(format!("no link with id {id}")));
    };
    let kind = Schema::builtin().kind(&schema)?;
    if !kind.is_link() || kind.name == "CaseMember" {
        return Err(StoreError::Input(format!(
            "{id} is a {} ({caption}), not a link: nothing deleted",
            kind.name
        )));
    }
    Ok(format!("{schema}: {} → {}", from.unwrap_or_default(), to.unwrap_or_default()))
}
