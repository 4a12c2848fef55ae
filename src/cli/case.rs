//! `liaison case …`

use clap::{Args, Subcommand};

use super::output::{fit, print_json, safe, safe_lines};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::model::grade::Grade;
use crate::store::change::{CaseTask, Change, Face, JointOperation};
use crate::store::query::{CaseFilter, CaseView};
use crate::store::{Provenance, Store};

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a new case
    New {
        #[arg(long = "ref", value_name = "REF")]
        reference: String,
        #[arg(long)]
        title: String,
        /// Handling marking of the case, e.g. TLP:AMBER (its statements inherit it; default:
        /// the office's, see `liaison init --default-marking`)
        #[arg(long)]
        marking: Option<String>,
        /// Lead office (default: this office)
        #[arg(long)]
        lead: Option<String>,
        #[arg(long, default_value = "open")]
        status: String,
    },
    /// List cases
    List {
        #[arg(long)]
        status: Option<String>,
        /// Only cases whose reference or title contains TEXT
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Show a case with its members and case work
    Show {
        #[arg(value_name = "REF")]
        reference: String,
        /// Members shown (most cases have fewer)
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// Include every statement of every member shown
        #[arg(long)]
        full: bool,
    },
    /// Add an entity to a case
    Add {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(value_name = "ENTITY_ID")]
        entity: String,
        #[arg(long)]
        role: Option<String>,
    },
    /// Write a journal note in a case (TEXT may span several lines)
    Note {
        #[arg(value_name = "REF")]
        reference: String,
        text: String,
        /// Who or what says so (a document, a wiretap, an informant code)
        #[arg(long)]
        source: Option<String>,
        /// Grade, e.g. B2 (Admiralty), EU:A1 (Europol), UK:1A (3x5x2)
        #[arg(long)]
        grade: Option<String>,
        /// Handling marking, joined with the case's (default: the case's; never lower)
        #[arg(long)]
        marking: Option<String>,
    },
    /// Change a case's status (open, active, suspended, closed)
    Status {
        #[arg(value_name = "REF")]
        reference: String,
        status: String,
    },
    /// Record a joint operation of a case
    Operation(OperationArgs),
    /// Record a task of a case
    Task {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        due: Option<String>,
        /// The office the task is for (it travels there with the shared case)
        #[arg(long, value_name = "OFFICE")]
        office: Option<String>,
        /// The joint operation it serves (its id)
        #[arg(long, value_name = "ID")]
        operation: Option<uuid::Uuid>,
    },
    /// Share a case with another office: its exports then carry the case and what it reaches
    Share {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long = "with", value_name = "OFFICE")]
        office: String,
    },
    /// Stop sharing a case with an office (what was sent stays sent)
    Unshare {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long = "with", value_name = "OFFICE")]
        office: String,
    },
}

#[derive(Debug, Args)]
pub struct OperationArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    #[arg(long)]
    pub name: String,
    /// planned, executed or cancelled
    #[arg(long, default_value = "planned")]
    pub status: String,
    #[arg(long)]
    pub planned: Option<String>,
    #[arg(long)]
    pub executed: Option<String>,
    /// Participating agency (repeat for several)
    #[arg(long = "agency")]
    pub agencies: Vec<String>,
    #[arg(long)]
    pub arrests: Option<String>,
    /// Seizures, e.g. "1.2 t cocaine" (repeat for several)
    #[arg(long = "seizure")]
    pub seizures: Vec<String>,
    #[arg(long)]
    pub outcome: Option<String>,
    /// yes, partly or no
    #[arg(long)]
    pub disrupted: Option<String>,
    /// Participating office (repeat): the operation's tasks go to them with the shared case
    #[arg(long = "office", value_name = "OFFICE")]
    pub offices: Vec<String>,
}

fn prop(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

pub fn run(ctx: &Context, c: CaseCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    match c {
        CaseCommand::New { reference, title, marking, lead, status } => {
            let mut props = vec![prop("reference", reference), prop("title", title), prop("status", status)];
            props.extend(lead.map(|l| prop("leadOffice", l)));
            let applied = store.apply(Change::NewCase { props, marking }, Face::Cli)?;
            println!("{}", applied.id.unwrap_or_default());
        }
        CaseCommand::List { status, filter, limit } => {
            let cases = store.cases(&CaseFilter { status, text: filter, limit, ..CaseFilter::default() })?;
            if json {
                return print_json(&cases);
            }
            println!(
                "{:<18} {:<9} {:<18} {:<16} {:>7}  TITLE",
                "REF", "STATUS", "LEAD", "MARKING", "MEMBERS"
            );
            for c in cases {
                println!(
                    "{:<18} {:<9} {:<18} {:<16} {:>7}  {}",
                    fit(&c.reference, 18),
                    safe(&c.status),
                    fit(&c.lead_office, 18),
                    safe(&c.marking),
                    c.members,
                    safe(&c.title)
                );
            }
        }
        CaseCommand::Show { reference, limit, offset, full } => {
            let id = store.case_id(&reference)?;
            let view = store.case(id, limit, offset, full)?;
            store.audit("view case", &serde_json::json!({ "case": reference }))?;
            if json {
                return print_json(&with_note_provenance(&store, &view)?);
            }
            print_case(&store, &view)?;
        }
        CaseCommand::Add { reference, entity, role } => {
            let case = store.case_id(&reference)?;
            let entity = store.resolve_id(&entity)?;
            store.apply(Change::AddMember { case, entity, role }, Face::Cli)?;
            println!("Added {entity} to {}.", safe(&reference));
        }
        CaseCommand::Note { reference, text, source, grade, marking } => {
            let office = store.office().name.clone();
            let props = vec![prop("text", text), prop("author", office), prop("date", today())];
            let prov = Provenance {
                source: source.filter(|s| !s.trim().is_empty()),
                grade: grade.as_deref().map(Grade::parse).transpose()?,
                ..Provenance::default()
            }
            .with_typed_marking(marking.as_deref())?;
            println!("{}", add_case_record(&mut store, &reference, "Note", props, prov)?);
        }
        CaseCommand::Status { reference, status } => {
            let case = store.case_id(&reference)?;
            let applied = store.apply(Change::CaseStatus { case, status }, Face::Cli)?;
            if !json {
                println!("{}", safe(&applied.message));
            }
        }
        CaseCommand::Operation(a) => {
            let case = store.case_id(&a.reference)?;
            let operation = JointOperation {
                name: a.name,
                status: Some(a.status),
                planned: a.planned,
                executed: a.executed,
                agencies: a.agencies,
                arrests: a.arrests,
                seizures: a.seizures,
                outcome: a.outcome,
                disrupted: a.disrupted,
                offices: a.offices,
            };
            let applied = store.apply(operation.change(case, Provenance::default()), Face::Cli)?;
            println!("{}", applied.id.unwrap_or_default());
        }
        CaseCommand::Task { reference, title, assignee, due, office, operation } => {
            let case = store.case_id(&reference)?;
            let task = CaseTask { title, assignee, due, office, operation };
            let applied = store.apply(task.change(case, Provenance::default()), Face::Cli)?;
            println!("{}", applied.id.unwrap_or_default());
        }
        CaseCommand::Share { reference, office } => {
            let case = store.case_id(&reference)?;
            // The office as typed goes to the store; only what is printed is escaped.
            let shared = store.share_case(case, &office)?;
            let (reference, office) = (safe(&reference), safe(&office));
            if shared {
                println!(
                    "Shared {reference} with {office}: the next `liaison export --to {office:?}` carries it."
                );
            } else {
                println!("{reference} was already shared with {office}.");
            }
        }
        CaseCommand::Unshare { reference, office } => {
            let case = store.case_id(&reference)?;
            if !store.unshare_case(case, &office)? {
                let (reference, office) = (safe(&reference), safe(&office));
                return Err(CliError::Usage(format!("{reference} is not shared with {office}")));
            }
            let (reference, office) = (safe(&reference), safe(&office));
            println!("{reference} is no longer shared with {office}; what was sent stays with it.");
        }
    }
    Ok(())
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn add_case_record(
    store: &mut Store,
    reference: &str,
    schema: &str,
    props: Vec<(String, String)>,
    prov: Provenance,
) -> CliResult<uuid::Uuid> {
    let case = store.case_id(reference)?;
    let change = Change::CaseRecord { case, schema: schema.to_owned(), props, prov };
    Ok(store.apply(change, Face::Cli)?.id.unwrap_or_default())
}

fn print_case(store: &Store, v: &CaseView) -> CliResult {
    let s = &v.summary;
    // Every string here may have come from another office's bundle, kept as signed: `safe`.
    println!("{} — {}", safe(&s.reference), safe(&s.title));
    println!(
        "status {} · lead {} · {} · {} members · id {}",
        safe(&s.status),
        safe(&s.lead_office),
        safe(&s.marking),
        s.members,
        s.id
    );
    for t in &v.summary_text {
        println!("  {}", safe_lines(t));
    }
    if !v.members.is_empty() {
        println!("\nMembers");
        for m in &v.members {
            // Records judged the same are one row: "Karim Benali = Карим Бенали · 2 records".
            // The count stays whole however long the names: it says the row is several records.
            let caption = match &m.profile {
                Some(p) => {
                    let count = format!(" · {} records", p.records.len());
                    format!("{}{count}", fit(&p.caption, 36 - count.chars().count()))
                }
                None => fit(&m.caption, 36),
            };
            println!(
                "  {:<12} {:<36} {:<12} {:<4} {}",
                safe(&m.schema),
                caption,
                safe(m.role.as_deref().unwrap_or("")),
                safe(m.grade.as_deref().unwrap_or("")),
                m.id
            );
            for r in m.profile.iter().flat_map(|p| &p.records).filter(|r| r.id != m.id) {
                let here = if m.profile.as_ref().is_some_and(|p| p.members.contains(&r.id)) {
                    "member"
                } else {
                    "not in this case"
                };
                println!("    = {:<12} {:<32} {:<16} {}", safe(&r.schema), fit(&r.caption, 32), here, r.id);
            }
        }
    }
    for (title, records) in [("Operations", &v.operations), ("Tasks", &v.tasks), ("Journal", &v.notes)] {
        if records.is_empty() {
            continue;
        }
        println!("\n{title}");
        for r in records {
            if r.schema == "Note" {
                print_note(store, r)?;
                continue;
            }
            let line: Vec<String> =
                r.fields.iter().map(|(k, vals)| format!("{k}: {}", vals.join("; "))).collect();
            println!("  {}", safe_lines(&line.join(" · ")));
            // Deconfliction runs made for the operation (issue 15): this office's, not relayed.
            if r.schema == "Operation" {
                for d in store.psi_operation_runs(Some(r.id))? {
                    println!("    {}", safe(&d.summary));
                }
            }
        }
    }
    Ok(())
}

/// The case view as JSON, built key by key: serialising `CaseView` whole would write
/// `members` twice (the summary's count, flattened, and the list), which JSON readers resolve
/// differently or refuse. `members` stays the list it always was; the count is `member_count`.
fn case_json(view: &CaseView) -> CliResult<serde_json::Value> {
    let json = |v: serde_json::Result<serde_json::Value>| v.map_err(|e| CliError::Other(e.to_string()));
    let serde_json::Value::Object(mut out) = json(serde_json::to_value(&view.summary))? else {
        return Err(CliError::Other("a case summary is not a JSON object".into()));
    };
    out.insert("member_count".into(), view.summary.members.into());
    out.insert("summary_text".into(), json(serde_json::to_value(&view.summary_text))?);
    out.insert("members".into(), json(serde_json::to_value(&view.members))?);
    out.insert("notes".into(), json(serde_json::to_value(&view.notes))?);
    out.insert("operations".into(), json(serde_json::to_value(&view.operations))?);
    out.insert("tasks".into(), json(serde_json::to_value(&view.tasks))?);
    Ok(serde_json::Value::Object(out))
}

/// The case as JSON, each note given the source, grade and marking of its text (added
/// fields: the rest is the case view as it always was).
fn with_note_provenance(store: &Store, view: &CaseView) -> CliResult<serde_json::Value> {
    let mut value = case_json(view)?;
    // Each operation with the deconfliction runs made for it (issue 15; an added field).
    if let Some(ops) = value.get_mut("operations").and_then(serde_json::Value::as_array_mut) {
        for (json, op) in ops.iter_mut().zip(&view.operations) {
            let runs = store.psi_operation_runs(Some(op.id))?;
            json["deconfliction"] = serde_json::to_value(runs).map_err(|e| CliError::Other(e.to_string()))?;
        }
    }
    let Some(notes) = value.get_mut("notes").and_then(serde_json::Value::as_array_mut) else {
        return Ok(value);
    };
    for (json, note) in notes.iter_mut().zip(&view.notes) {
        let (source, grade, marking) = note_provenance(store, note)?;
        if let Some(o) = json.as_object_mut() {
            o.insert("source".into(), source.into());
            o.insert("grade".into(), grade.into());
            o.insert("marking".into(), marking.into());
        }
    }
    Ok(value)
}

/// The source, grade and marking of a note's text.
fn note_provenance(
    store: &Store,
    r: &crate::store::query::RecordView,
) -> CliResult<(Option<String>, Option<String>, String)> {
    let view = store.entity(r.id, 0)?;
    let text = view.statements.iter().find(|s| s.prop == "text");
    Ok((
        text.and_then(|s| s.source.as_ref()).map(|s| s.name.clone()),
        text.and_then(|s| s.grade.clone()),
        text.map_or(view.marking.clone(), |s| s.marking.clone()),
    ))
}

/// A journal note: who wrote it when, with the source, grade and marking of its text (a note
/// is a statement like any other), then the whole text, each line indented under it.
fn print_note(store: &Store, r: &crate::store::query::RecordView) -> CliResult {
    let field = |k: &str| r.fields.get(k).map(|v| v.join("; ")).unwrap_or_default();
    let (source, grade, marking) = note_provenance(store, r)?;
    println!(
        "  {} · {} · {} · {} · {}",
        safe(&field("date")),
        safe(&field("author")),
        safe(source.as_deref().unwrap_or("no source")),
        safe(grade.as_deref().unwrap_or("–")),
        safe(&marking)
    );
    for line in safe_lines(&field("text")).lines() {
        println!("    {line}");
    }
    Ok(())
}
