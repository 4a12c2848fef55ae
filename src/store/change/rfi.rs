//! Requests for information between offices (issue 15) as writes of the one door: asking,
//! answering (with records attached), closing and reopening. An RFI is a record of the case
//! it concerns, so it travels with that case to the office asked; each step's time is a value
//! of the record, so both offices measure the same turnaround.

use rusqlite::OptionalExtension;
use serde_json::json;
use uuid::Uuid;

use super::{Txn, Written, message};
use crate::model::marking::Marking;
use crate::model::values::Locale;
use crate::store::{Provenance, Result, StoreError};

/// One step of a request for information.
#[derive(Debug, Clone)]
pub enum RfiChange {
    /// This office asks `to` about `case` (which must be shared with `to` for it to travel).
    Ask {
        case: Uuid,
        to: String,
        question: String,
        about: Vec<Uuid>,
        /// routine, urgent or immediate; routine when not given.
        priority: Option<String>,
        due: Option<String>,
        prov: Provenance,
    },
    /// This office asks `to` outside any case: the request is its own unit of release,
    /// carried by bundles to `to` (and its answers back) with the records it is about,
    /// under a marking never lower than theirs (`exchange::plan` decides what goes).
    AskOffice {
        to: String,
        question: String,
        about: Vec<Uuid>,
        priority: Option<String>,
        due: Option<String>,
        prov: Provenance,
    },
    /// This office answers; the attached records join the case, so they travel with the
    /// answer, each value under its own marking.
    Answer {
        rfi: Uuid,
        text: String,
        attach: Vec<Uuid>,
        prov: Provenance,
    },
    /// The asking office closes it; the time its answer arrived is recorded with it.
    Close {
        rfi: Uuid,
    },
    Reopen {
        rfi: Uuid,
    },
}

/// Now, as the date-and-time values of an RFI are written (UTC, to the second).
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn prop(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

/// The case of `rfi`; None for a request asked outside any case.
fn rfi_case(tx: &mut Txn<'_>, rfi: Uuid) -> Result<Option<Uuid>> {
    match tx.schema_of(rfi)?.as_deref() {
        Some("Rfi") => {}
        _ => return Err(StoreError::NotFound(format!("no request for information with id {rfi}"))),
    }
    // A case record's case is its source end.
    let case: Option<Vec<u8>> = tx
        .conn()
        .query_row(
            "SELECT c.uid FROM object r JOIN object c ON c.n = r.src WHERE r.uid = ?1",
            [rfi.as_bytes().as_slice()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(case.map(|b| crate::store::query::uid_from_blob(&b)))
}

/// The marking of what is written on a request: its case's, or (outside a case) the join
/// of the request's own and of `also`'s, so that nothing written of it is ever lower than
/// what it names.
fn marking_of(tx: &mut Txn<'_>, case: Option<Uuid>, rfi: Option<Uuid>, also: &[Uuid]) -> Result<Marking> {
    if let Some(case) = case {
        return tx.case_marking(case);
    }
    let mut m = tx.office_marking()?;
    for r in rfi.iter().chain(also) {
        if let Some(theirs) = tx.record_marking(*r)? {
            m = m.join(&theirs);
        }
    }
    Ok(m)
}

pub(super) fn write(tx: &mut Txn<'_>, change: RfiChange, locale: Locale) -> Result<Written> {
    match change {
        RfiChange::AskOffice { to, question, about, priority, due, prov } => {
            let to = to.trim().to_owned();
            let me = tx.office_name()?;
            if to.is_empty() || to == me {
                return Err(StoreError::Input("an RFI is asked of another office (--to OFFICE)".into()));
            }
            if !tx.is_trusted_office(&to)? {
                return Err(StoreError::Input(format!(
                    "no trusted office named {to:?}: `liaison office list` shows the offices you trust"
                )));
            }
            for a in &about {
                if tx.schema_of(*a)?.is_none() {
                    return Err(StoreError::NotFound(format!("no record with id {a} to ask about")));
                }
            }
            let mut props = vec![
                prop("fromOffice", me),
                prop("toOffice", to.clone()),
                prop("question", question),
                prop(
                    "priority",
                    priority.filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "routine".into()),
                ),
                prop("askedAt", now_utc()),
                prop("status", "open"),
            ];
            props.extend(about.iter().map(|a| prop("about", a.to_string())));
            props.extend(due.map(|d| prop("dueDate", d)));
            let marking = marking_of(tx, None, None, &about)?;
            let marking = match prov.marking.clone() {
                Some(m) => m.join(&marking),
                None => marking,
            };
            let prov = Provenance { case: None, marking: Some(marking.clone()), ..prov };
            let id = tx.new_record("Rfi", None, &props, &prov)?;
            let detail = json!({
                "rfi": id.to_string(), "case": null, "to": to, "about": about.len(),
                "marking": marking.to_string(),
            });
            Ok((Some(id), Some(id), format!("Request for information to {to} saved ({marking})."), detail))
        }
        RfiChange::Ask { case, to, question, about, priority, due, prov } => {
            let to = to.trim().to_owned();
            let me = tx.office_name()?;
            if to.is_empty() || to == me {
                return Err(StoreError::Input("an RFI is asked of another office (--to OFFICE)".into()));
            }
            if !tx.case_shared_with(case, &to)? {
                return Err(StoreError::Input(format!(
                    "the case is not shared with {to}, so the request could not reach it: \
                     `liaison case share REF --with {to}` first"
                )));
            }
            let mut props = vec![
                prop("fromOffice", me),
                prop("toOffice", to.clone()),
                prop("question", question),
                prop(
                    "priority",
                    priority.filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "routine".into()),
                ),
                prop("askedAt", now_utc()),
                prop("status", "open"),
            ];
            props.extend(about.iter().map(|a| prop("about", a.to_string())));
            props.extend(due.map(|d| prop("dueDate", d)));
            let prov = Provenance { case: Some(case), ..prov };
            let id = tx.new_record("Rfi", Some(case), &props, &prov)?;
            let detail = json!({ "rfi": id.to_string(), "case": case.to_string(), "to": to });
            Ok((Some(id), Some(id), format!("Request for information to {to} saved."), detail))
        }
        RfiChange::Answer { rfi, text, attach, prov } => {
            let case = rfi_case(tx, rfi)?;
            if message::current(tx, rfi, "status")?.as_deref() == Some("closed") {
                return Err(StoreError::Input(
                    "this request is closed: `liaison rfi reopen ID` first".into(),
                ));
            }
            for a in &attach {
                if tx.schema_of(*a)?.is_none() {
                    return Err(StoreError::NotFound(format!("no record with id {a} to attach")));
                }
            }
            let mut props =
                vec![prop("rfi", rfi.to_string()), prop("text", text), prop("answeredAt", now_utc())];
            props.extend(attach.iter().map(|a| prop("attachments", a.to_string())));
            // Outside a case the answer is marked no lower than the request and what it attaches.
            let marking = if case.is_some() {
                prov.marking.clone()
            } else {
                let m = marking_of(tx, None, Some(rfi), &attach)?;
                Some(prov.marking.clone().map_or_else(|| m.clone(), |p| p.join(&m)))
            };
            let prov = Provenance { marking, case, ..prov };
            let id = tx.new_record("RfiAnswer", case, &props, &prov)?;
            if let Some(case) = case {
                for a in &attach {
                    tx.add_member(case, *a, Some("attached to an RFI answer"))?;
                }
            }
            let status_prov = Provenance {
                case,
                marking: Some(marking_of(tx, case, Some(rfi), &[])?),
                ..Provenance::default()
            };
            tx.set_values(rfi, &[prop("status", "answered")], &status_prov, locale)?;
            let detail =
                json!({ "rfi": rfi.to_string(), "answer": id.to_string(), "attached": attach.len() });
            Ok((Some(id), Some(rfi), format!("Answer saved ({} record(s) attached).", attach.len()), detail))
        }
        RfiChange::Close { rfi } => {
            let case = rfi_case(tx, rfi)?;
            let received = tx.rfi_answer_received(rfi)?;
            let mut props = vec![prop("status", "closed"), prop("closedAt", now_utc())];
            props.extend(received.map(|r| prop("answerReceivedAt", r)));
            let prov = Provenance {
                case,
                marking: Some(marking_of(tx, case, Some(rfi), &[])?),
                ..Provenance::default()
            };
            tx.set_values(rfi, &props, &prov, locale)?;
            Ok((Some(rfi), Some(rfi), "Request closed.".into(), json!({ "rfi": rfi.to_string() })))
        }
        RfiChange::Reopen { rfi } => {
            let case = rfi_case(tx, rfi)?;
            let prov = Provenance {
                case,
                marking: Some(marking_of(tx, case, Some(rfi), &[])?),
                ..Provenance::default()
            };
            tx.set_values(rfi, &[prop("status", "open")], &prov, locale)?;
            Ok((Some(rfi), Some(rfi), "Request reopened.".into(), json!({ "rfi": rfi.to_string() })))
        }
    }
}
