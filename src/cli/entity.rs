//! `liaison entity …` and `liaison link …`

use clap::{Args, Subcommand};

use super::output::{fit, print_json, safe, safe_lines};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::model::grade::Grade;
use crate::model::parse_prop_arg;
use crate::model::values::normalise_date;
use crate::store::change::{Change, Face};
use crate::store::judgements::ResolvedProfile;
use crate::store::query::EntityView;
use crate::store::{Provenance, Store};

/// Where the values come from and how they must be handled.
#[derive(Debug, Args, Clone, Default)]
pub struct ProvenanceArgs {
    /// Who or what says so (a document, a wiretap, an informant code)
    #[arg(long)]
    pub source: Option<String>,
    /// Grade, e.g. B2 (Admiralty), EU:A1 (Europol), UK:1A (3x5x2)
    #[arg(long)]
    pub grade: Option<String>,
    /// Handling marking, e.g. TLP:AMBER, "TLP:RED H2", FR-DR; joined with the case's. Without
    /// it the values take the case's marking, else the record's, else the office default
    #[arg(long)]
    pub marking: Option<String>,
    /// Record under this case (and add the entity to it)
    #[arg(long = "case", value_name = "REF")]
    pub case: Option<String>,
    /// The values hold from this date
    #[arg(long)]
    pub valid_from: Option<String>,
    /// The values hold until this date
    #[arg(long)]
    pub valid_to: Option<String>,
}

impl ProvenanceArgs {
    pub fn resolve(&self, store: &Store) -> CliResult<Provenance> {
        let date = |d: &Option<String>, flag: &str| -> CliResult<Option<String>> {
            d.as_deref()
                .map(|d| normalise_date(d).map_err(|e| CliError::Usage(format!("{flag} {d:?} {e}"))))
                .transpose()
        };
        Ok(Provenance {
            source: self.source.clone().filter(|s| !s.trim().is_empty()),
            grade: self.grade.as_deref().map(Grade::parse).transpose()?,
            case: self.case.as_deref().map(|r| store.case_id(r)).transpose()?,
            valid_from: date(&self.valid_from, "--valid-from")?,
            valid_to: date(&self.valid_to, "--valid-to")?,
            ..Provenance::default()
        }
        .with_typed_marking(self.marking.as_deref())?)
    }
}

#[derive(Debug, Subcommand)]
pub enum EntityCommand {
    /// Create an entity and print its id
    New {
        /// Kind, e.g. Person, Company, Phone, Vehicle, BankAccount, Address
        #[arg(long)]
        schema: String,
        /// A value, as NAME=VALUE (repeat)
        #[arg(long = "prop", value_name = "NAME=VALUE", required = true)]
        props: Vec<String>,
        #[command(flatten)]
        provenance: ProvenanceArgs,
    },
    /// Show an entity's statements with source, grade and marking, and its links
    Show {
        id: String,
        /// Links shown
        #[arg(long, default_value_t = 100)]
        links: u32,
    },
    /// Add values to an entity (a single-valued property is replaced)
    Set {
        id: String,
        #[arg(long = "prop", value_name = "NAME=VALUE", required = true)]
        props: Vec<String>,
        #[command(flatten)]
        provenance: ProvenanceArgs,
    },
    /// Remove one value of a property
    Unset {
        id: String,
        #[arg(long = "prop", value_name = "NAME=VALUE", required = true)]
        prop: String,
        /// The source the value came from, if it had one
        #[arg(long)]
        source: Option<String>,
    },
    /// Delete an entity (a tombstone that other offices receive too)
    Delete { id: String },
    /// Undo a deletion
    Restore { id: String },
}

// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Create a relationship and print its id
    New {
        /// Kind, e.g. Call, Payment, Ownership, Trip, Associate, Family
        #[arg(long)]
        schema: String,
        #[arg(long, value_name = "ID")]
        from: String,
        #[arg(long, value_name = "ID")]
        to: String,
        #[arg(long = "prop", value_name = "NAME=VALUE")]
        props: Vec<String>,
        #[command(flatten)]
        provenance: ProvenanceArgs,
    },
    /// Show a relationship: its kind, both ends, its values with provenance, cases, marking
    Show {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Delete a relationship (a tombstone that other offices receive too)
    Delete {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Undo a relationship's deletion
    Restore {
        #[arg(value_name = "ID")]
        id: String,
    },
}

fn parse_props(props: &[String]) -> CliResult<Vec<(String, String)>> {
    Ok(props.iter().map(|p| parse_prop_arg(p)).collect::<Result<_, _>>()?)
}

pub fn run_entity(ctx: &Context, c: EntityCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let change = match c {
        EntityCommand::Show { id, links } => {
            let uid = store.resolve_id(&id)?;
            let view = store.entity(uid, links)?;
            // Records judged the same show as one profile (issue 13); without such a
            // judgement nothing is added, so the output is what it was before any judgement.
            let profile = store.resolved_profile(uid)?;
            let action = if view.schema == "Person" { "view person" } else { "view entity" };
            let mut detail = serde_json::json!({ "entity": uid.to_string() });
            if let Some(p) = &profile {
                // Reading the profile reads every record in it: the audit names them all.
                detail["profile"] = p.records.iter().map(|r| r.id.to_string()).collect();
            }
            store.audit(action, &detail)?;
            if json {
                return print_json(&Shown { view: &view, profile: profile.as_ref() });
            }
            print_entity(&view);
            match &profile {
                Some(p) => print_profile(p),
                // Judgements that merge nothing (not-same, unsure, disputed) are named, so the
                // analyst knows the question was asked (text only: `--json` stays as it was).
                None => print_other_judgements(uid, &store.judgements_of(uid)?),
            }
            return Ok(());
        }
        EntityCommand::New { schema, props, provenance } => {
            Change::NewEntity { schema, props: parse_props(&props)?, prov: provenance.resolve(&store)? }
        }
        EntityCommand::Set { id, props, provenance } => Change::SetValues {
            id: store.resolve_id(&id)?,
            props: parse_props(&props)?,
            prov: provenance.resolve(&store)?,
        },
        EntityCommand::Unset { id, prop, source } => {
            let (prop, value) = parse_prop_arg(&prop)?;
            Change::RemoveValue { id: store.resolve_id(&id)?, prop, value, source }
        }
        EntityCommand::Delete { id } => Change::Delete { id: store.resolve_id(&id)? },
        EntityCommand::Restore { id } => Change::Restore { id: store.resolve_id(&id)? },
    };
    let new = matches!(change, Change::NewEntity { .. });
    let applied = store.apply(change, Face::Cli)?;
    // A new entity prints its id (scripts read it); every other change says what it did.
    match applied.id {
        Some(id) if new => println!("{id}"),
        _ if !json || applied.focus.is_none() => println!("{}", safe(&applied.message)),
        _ => {}
    }
    Ok(())
}

pub fn run_link(ctx: &Context, c: LinkCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let change = match c {
        LinkCommand::New { schema, from, to, props, provenance } => Change::NewLink {
            schema,
            from: store.resolve_id(&from)?,
            to: store.resolve_id(&to)?,
            props: parse_props(&props)?,
            prov: provenance.resolve(&store)?,
        },
        LinkCommand::Show { id } => {
            let uid = store.resolve_id(&id)?;
            let view = store.entity(uid, 0)?;
            if view.source.is_none() || view.target.is_none() || view.schema == "CaseMember" {
                return Err(CliError::Usage(format!(
                    "{uid} is a {} ({}), not a link: `liaison entity show {uid}` shows it",
                    safe(&view.schema),
                    safe(&view.caption)
                )));
            }
            store.audit("view link", &serde_json::json!({ "link": uid.to_string() }))?;
            if json {
                return print_json(&view);
            }
            print_entity(&view);
            return Ok(());
        }
        LinkCommand::Delete { id } => Change::DeleteLink { id: store.resolve_id(&id)? },
        LinkCommand::Restore { id } => Change::RestoreLink { id: store.resolve_id(&id)? },
    };
    let new = matches!(change, Change::NewLink { .. });
    let applied = store.apply(change, Face::Cli)?;
    match applied.id {
        Some(id) if new => println!("{id}"),
        _ => println!("{}", safe(&applied.message)),
    }
    Ok(())
}

/// `entity show --json`: the record, and its resolved profile only when judgements join it
/// to other records (the key is absent otherwise, keeping the output byte-identical).
#[derive(serde::Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    view: &'a EntityView,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a ResolvedProfile>,
}

fn print_profile(p: &ResolvedProfile) {
    println!("\n  Profile: judged the same as {} other record(s)", p.records.len() - 1);
    for (i, r) in p.records.iter().enumerate() {
        println!("  [{}] {} {} — {}", i + 1, safe(&r.schema), r.id, safe(&r.caption));
    }
    let index = |id: uuid::Uuid| p.records.iter().position(|r| r.id == id).map_or(0, |i| i + 1);
    println!(
        "\n  {:<18} {:<30} {:<4} {:<24} {:<5} {:<18} OFFICE",
        "PROPERTY", "VALUE", "REC", "SOURCE", "GRADE", "MARKING"
    );
    for ps in &p.statements {
        let s = &ps.statement;
        let conflict = if s.conflict { " ⚠ conflict" } else { "" };
        println!(
            "  {:<18} {:<30} {:<4} {:<24} {:<5} {:<18} {}{conflict}",
            fit(&s.prop, 18),
            fit(&s.value, 30),
            format!("[{}]", index(ps.record)),
            fit(s.source.as_ref().map_or("", |x| x.name.as_str()), 24),
            safe(s.grade.as_deref().unwrap_or("")),
            safe(&s.marking),
            safe(s.office.as_deref().unwrap_or(&s.origin[..8]))
        );
    }
    for r in &p.excluded {
        println!(
            "\n  ⚠ left out: {} {} ({}) — judged not the same as this record",
            safe(&r.schema),
            safe(&r.caption),
            r.id
        );
    }
    for c in &p.contradictions {
        println!("  ⚠ {} {} / {}: {}", safe(&c.verdict), c.records[0], c.records[1], safe(&c.note));
    }
    if p.truncated {
        println!("  (the profile is cut at {} records)", crate::store::judgements::cluster::MAX_MEMBERS);
    }
}

fn print_other_judgements(uid: uuid::Uuid, list: &[crate::store::judgements::JudgementView]) {
    if list.is_empty() {
        return;
    }
    println!("\n  Judgements (`liaison judgements --entity {uid}`)");
    for j in list {
        let other = j.records.iter().find(|r| r.id != uid);
        let verdict = if j.contested { "disputed" } else { j.verdict.as_str() };
        println!(
            "  {:<10} {}",
            safe(verdict),
            other.map_or_else(String::new, |r| format!(
                "{} {} ({})",
                safe(&r.schema),
                safe(&r.caption),
                r.id
            ))
        );
    }
}

fn print_entity(v: &EntityView) {
    // Every string here may have come from another office's bundle, kept as signed: `safe`.
    let deleted = if v.deleted { "  [DELETED]" } else { "" };
    println!("{} {} — {}{deleted}", safe(&v.schema), v.id, safe(&v.caption));
    if let (Some(s), Some(t)) = (&v.source, &v.target) {
        println!("  {} ({}) → {} ({})", safe(&s.caption), safe(&s.schema), safe(&t.caption), safe(&t.schema));
    }
    println!("  strongest grade {} · {}", safe(v.grade.as_deref().unwrap_or("none")), safe(&v.marking));
    println!(
        "\n  {:<18} {:<30} {:<24} {:<5} {:<18} OFFICE · ANALYST",
        "PROPERTY", "VALUE", "SOURCE", "GRADE", "MARKING"
    );
    for s in &v.statements {
        let conflict = if s.conflict { " ⚠ conflict" } else { "" };
        println!(
            "  {:<18} {:<30} {:<24} {:<5} {:<18} {} · {}{conflict}",
            fit(&s.prop, 18),
            fit(&s.value, 30),
            fit(s.source.as_ref().map_or("", |x| x.name.as_str()), 24),
            safe(s.grade.as_deref().unwrap_or("")),
            safe(&s.marking),
            safe(s.office.as_deref().unwrap_or(&s.origin[..8])),
            // Values written before analysts were recorded name none.
            safe(s.analyst.as_deref().unwrap_or("–"))
        );
    }
    // A note or a summary does not fit a column: the table shows its start, and the whole
    // text (every line, escaped) follows, so nothing the analyst wrote is hidden behind "…".
    let long = |value: &str| {
        value.contains('\n') || (value.chars().count() > 30 && uuid::Uuid::parse_str(value).is_err())
    };
    for s in v.statements.iter().filter(|s| long(&s.value)) {
        println!("\n  {}:", safe(&s.prop));
        for line in safe_lines(&s.value).lines() {
            println!("    {line}");
        }
    }
    if v.source.is_some() && v.cases.is_empty() {
        // A link is in no case itself: its values were recorded under cases, which say why.
        let mut cases: Vec<&str> = v.statements.iter().filter_map(|s| s.case.as_deref()).collect();
        cases.sort_unstable();
        cases.dedup();
        if !cases.is_empty() {
            println!("\n  Cases  {}", safe(&cases.join(", ")));
        }
    }
    if !v.cases.is_empty() {
        println!("\n  Cases");
        for c in &v.cases {
            println!(
                "  {:<18} {} {}",
                safe(&c.reference),
                safe(&c.title),
                c.role.as_deref().map(|r| format!("({})", safe(r))).unwrap_or_default()
            );
        }
    }
    if !v.links.is_empty() {
        println!("\n  Links ({} in all)", v.link_count);
        for l in &v.links {
            let arrow = if l.direction == "out" { "→" } else { "←" };
            println!(
                "  {:<14} {arrow} {:<12} {:<32} {}",
                safe(&l.schema),
                safe(&l.other.schema),
                fit(&l.other.caption, 32),
                safe(&l.dates.join(", "))
            );
        }
    }
}
