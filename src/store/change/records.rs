//! A case's joint operations and tasks as a face describes them, turned into the one door's
//! [`Change`]: the command line's `case operation` / `case task` and the workbench's forms
//! name the same properties and the same defaults.

use uuid::Uuid;

use super::Change;
use crate::store::Provenance;

/// A joint operation of a case (kind `Operation`). Arrests and whether the network was
/// disrupted are the task force's outcome measures (`liaison stats`, `liaison measures`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JointOperation {
    pub name: String,
    /// planned, executed or cancelled; planned when not given.
    pub status: Option<String>,
    pub planned: Option<String>,
    pub executed: Option<String>,
    /// Participating agencies.
    pub agencies: Vec<String>,
    /// How many arrests (a number).
    pub arrests: Option<String>,
    /// e.g. "1.2 t cocaine".
    pub seizures: Vec<String>,
    pub outcome: Option<String>,
    /// yes, partly or no.
    pub disrupted: Option<String>,
    /// Participating offices (a joint operation across offices).
    pub offices: Vec<String>,
}

impl JointOperation {
    /// The change that records it under `case`.
    pub fn change(self, case: Uuid, prov: Provenance) -> Change {
        let status = self.status.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "planned".into());
        let mut props = vec![prop("name", self.name), prop("status", status)];
        props.extend(self.planned.map(|v| prop("plannedDate", v)));
        props.extend(self.executed.map(|v| prop("executedDate", v)));
        props.extend(self.agencies.into_iter().map(|v| prop("agencies", v)));
        props.extend(self.arrests.map(|v| prop("arrests", v)));
        props.extend(self.seizures.into_iter().map(|v| prop("seizures", v)));
        props.extend(self.outcome.map(|v| prop("outcome", v)));
        props.extend(self.disrupted.map(|v| prop("networkDisrupted", v)));
        props.extend(self.offices.into_iter().map(|v| prop("offices", v)));
        Change::CaseRecord { case, schema: "Operation".into(), props, prov }
    }

    /// The change that records `count` arrests on an operation already recorded (the count
    /// replaces the previous one: an operation has one).
    pub fn arrests(operation: Uuid, count: u32, prov: Provenance) -> Change {
        Change::SetValues { id: operation, props: vec![prop("arrests", count.to_string())], prov }
    }
}

/// A task of a case (kind `Task`), open when made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseTask {
    pub title: String,
    pub assignee: Option<String>,
    /// Due date.
    pub due: Option<String>,
    /// The office the task is for (it travels there with the case).
    pub office: Option<String>,
    /// The joint operation it serves.
    pub operation: Option<Uuid>,
}

impl CaseTask {
    /// The change that records it under `case`.
    pub fn change(self, case: Uuid, prov: Provenance) -> Change {
        let mut props = vec![prop("title", self.title), prop("status", "open".to_owned())];
        props.extend(self.assignee.map(|v| prop("assignee", v)));
        props.extend(self.due.map(|v| prop("dueDate", v)));
        props.extend(self.office.map(|v| prop("office", v)));
        props.extend(self.operation.map(|v| prop("operation", v.to_string())));
        Change::CaseRecord { case, schema: "Task".into(), props, prov }
    }
}

fn prop(name: &str, value: String) -> (String, String) {
    (name.to_owned(), value)
}
