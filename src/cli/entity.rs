//! `liaison entity …` and `liaison link …`

use clap::{Args, Subcommand};

use super::output::{fit, print_json};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::model::parse_prop_arg;
use crate::model::values::normalise_date;
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
    /// Handling marking, e.g. TLP:AMBER, "TLP:RED H2", FR-DR
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
            marking: self.marking.as_deref().map(Marking::parse).transpose()?,
            case: self.case.as_deref().map(|r| store.case_id(r)).transpose()?,
            valid_from: date(&self.valid_from, "--valid-from")?,
            valid_to: date(&self.valid_to, "--valid-to")?,
        })
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
}

fn parse_props(props: &[String]) -> CliResult<Vec<(String, String)>> {
    Ok(props.iter().map(|p| parse_prop_arg(p)).collect::<Result<_, _>>()?)
}

pub fn run_entity(ctx: &Context, c: EntityCommand, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let locale = store.locale();
    match c {
        EntityCommand::New { schema, props, provenance } => {
            let props = parse_props(&props)?;
            let prov = provenance.resolve(&store)?;
            let mut tx = store.write("entity new")?;
            let id = tx.new_entity(&schema, &props, &prov, locale)?;
            tx.commit(&serde_json::json!({ "entity": id.to_string(), "schema": schema }))?;
            println!("{id}");
        }
        EntityCommand::Show { id, links } => {
            let uid = store.resolve_id(&id)?;
            let view = store.entity(uid, links)?;
            let action = if view.schema == "Person" { "view person" } else { "view entity" };
            store.audit(action, &serde_json::json!({ "entity": uid.to_string() }))?;
            if json {
                return print_json(&view);
            }
            print_entity(&view);
        }
        EntityCommand::Set { id, props, provenance } => {
            let uid = store.resolve_id(&id)?;
            let props = parse_props(&props)?;
            let prov = provenance.resolve(&store)?;
            let mut tx = store.write("entity set")?;
            tx.set_values(uid, &props, &prov, locale)?;
            if let Some(case) = prov.case {
                tx.add_member(case, uid, None)?;
            }
            tx.commit(&serde_json::json!({ "entity": uid.to_string() }))?;
        }
        EntityCommand::Unset { id, prop, source } => {
            let uid = store.resolve_id(&id)?;
            let (name, raw) = parse_prop_arg(&prop)?;
            let schema = store.entity(uid, 0)?.schema;
            let kind = crate::model::schema::Schema::builtin().kind(&schema)?;
            let value = crate::model::validate(kind, &name, &raw, locale)?;
            let source = source.as_deref().map(crate::model::ids::source_id);
            let mut tx = store.write("entity unset")?;
            if !tx.remove(uid, &name, &value, source)? {
                return Err(CliError::Usage(format!(
                    "{uid} has no value {value:?} for {name} from that source"
                )));
            }
            tx.commit(&serde_json::json!({ "entity": uid.to_string() }))?;
        }
        EntityCommand::Delete { id } => {
            let uid = store.resolve_id(&id)?;
            let mut tx = store.write("entity delete")?;
            tx.delete(uid)?;
            tx.commit(&serde_json::json!({ "entity": uid.to_string() }))?;
            println!("Deleted {uid} (undo with `liaison entity restore {uid}`).");
        }
        EntityCommand::Restore { id } => {
            let uid = store.resolve_id(&id)?;
            let mut tx = store.write("entity restore")?;
            tx.restore(uid)?;
            tx.commit(&serde_json::json!({ "entity": uid.to_string() }))?;
        }
    }
    Ok(())
}

pub fn run_link(ctx: &Context, c: LinkCommand, _json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let locale = store.locale();
    let LinkCommand::New { schema, from, to, props, provenance } = c;
    let from = store.resolve_id(&from)?;
    let to = store.resolve_id(&to)?;
    let props = parse_props(&props)?;
    let prov = provenance.resolve(&store)?;
    let mut tx = store.write("link new")?;
    let id = tx.new_link(&schema, from, to, &props, &prov, locale)?;
    tx.commit(&serde_json::json!({ "link": id.to_string(), "schema": schema }))?;
    println!("{id}");
    Ok(())
}

fn print_entity(v: &EntityView) {
    let deleted = if v.deleted { "  [DELETED]" } else { "" };
    println!("{} {} — {}{deleted}", v.schema, v.id, v.caption);
    if let (Some(s), Some(t)) = (&v.source, &v.target) {
        println!("  {} ({}) → {} ({})", s.caption, s.schema, t.caption, t.schema);
    }
    println!("  strongest grade {} · {}", v.grade.as_deref().unwrap_or("none"), v.marking);
    println!(
        "\n  {:<18} {:<30} {:<24} {:<5} {:<18} OFFICE",
        "PROPERTY", "VALUE", "SOURCE", "GRADE", "MARKING"
    );
    for s in &v.statements {
        let conflict = if s.conflict { " ⚠ conflict" } else { "" };
        println!(
            "  {:<18} {:<30} {:<24} {:<5} {:<18} {}{conflict}",
            fit(&s.prop, 18),
            fit(&s.value, 30),
            fit(s.source.as_ref().map_or("", |x| x.name.as_str()), 24),
            s.grade.as_deref().unwrap_or(""),
            s.marking,
            s.office.as_deref().unwrap_or(&s.origin[..8])
        );
    }
    if !v.cases.is_empty() {
        println!("\n  Cases");
        for c in &v.cases {
            println!(
                "  {:<18} {} {}",
                c.reference,
                c.title,
                c.role.as_deref().map(|r| format!("({r})")).unwrap_or_default()
            );
        }
    }
    if !v.links.is_empty() {
        println!("\n  Links ({} in all)", v.link_count);
        for l in &v.links {
            let arrow = if l.direction == "out" { "→" } else { "←" };
            println!(
                "  {:<14} {arrow} {:<12} {:<32} {}",
                l.schema,
                l.other.schema,
                fit(&l.other.caption, 32),
                l.dates.join(", ")
            );
        }
    }
}
