//! `liaison judge A B same|not-same|unsure` and `liaison judgements` (issue 13): whether two
//! records are the same, as data (`store::judgements`), never a merge; `liaison undo` takes a
//! judgement back.

use clap::{Args, ValueEnum};

use super::CliResult;
use super::entity::ProvenanceArgs;
use super::output::{fit, print_json, safe};
use super::unlock::Context;
use crate::store::change::{Change, Face};
use crate::store::judgements::{JudgementView, Verdict};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerdictArg {
    /// The two records are one person, company, phone…
    Same,
    /// They are not
    NotSame,
    /// Not known yet
    Unsure,
}

impl From<VerdictArg> for Verdict {
    fn from(v: VerdictArg) -> Verdict {
        match v {
            VerdictArg::Same => Verdict::Same,
            VerdictArg::NotSame => Verdict::NotSame,
            VerdictArg::Unsure => Verdict::Unsure,
        }
    }
}

#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// One record (its id, or its first 8+ digits)
    #[arg(value_name = "A")]
    pub a: String,
    /// The other record
    #[arg(value_name = "B")]
    pub b: String,
    #[arg(value_name = "VERDICT")]
    pub verdict: VerdictArg,
    /// Why (kept with the verdict, under its marking)
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub provenance: ProvenanceArgs,
}

#[derive(Debug, Args)]
pub struct JudgementsArgs {
    /// Only the judgements about this record
    #[arg(long, value_name = "ID")]
    pub entity: Option<String>,
    /// Judgements listed at most (without --entity)
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

pub fn judge(ctx: &Context, a: &JudgeArgs, json: bool) -> CliResult {
    let mut store = ctx.open()?;
    let (x, y) = (store.resolve_id(&a.a)?, store.resolve_id(&a.b)?);
    let verdict = Verdict::from(a.verdict);
    let change =
        Change::Judge { a: x, b: y, verdict, reason: a.reason.clone(), prov: a.provenance.resolve(&store)? };
    let applied = store.apply(change, Face::Cli)?;
    let changed = applied.summary.ops > 0;
    if json {
        return print_json(&serde_json::json!({
            "judgement": applied.id,
            "verdict": verdict.as_str(),
            "changed": changed,
        }));
    }
    if changed {
        println!("{}", safe(&applied.message));
    } else {
        println!("Already judged {}: nothing changed.", verdict.as_str());
    }
    Ok(())
}

pub fn judgements(ctx: &Context, a: &JudgementsArgs, json: bool) -> CliResult {
    let store = ctx.open()?;
    let list = match &a.entity {
        Some(id) => {
            let uid = store.resolve_id(id)?;
            store.judgements_of(uid)?
        }
        None => store.judgement_list(a.limit)?,
    };
    let records: Vec<String> = list.iter().flat_map(|j| j.records.iter().map(|r| r.id.to_string())).collect();
    store.audit("view judgements", &serde_json::json!({ "records": records }))?;
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("No judgements.");
        return Ok(());
    }
    println!("{:<10} {:<36} {:<36} {:<18} REASON", "VERDICT", "RECORD", "OTHER RECORD", "MARKING");
    for j in &list {
        print_row(j);
    }
    Ok(())
}

fn print_row(j: &JudgementView) {
    // Captions and reasons may come from another office's bundle: `safe`/`fit` escape them.
    let name = |i: usize| {
        j.records.get(i).map_or_else(String::new, |r| {
            if r.caption.is_empty() { r.id.to_string() } else { format!("{} ({})", r.caption, r.schema) }
        })
    };
    let verdict = if j.contested { "CONFLICT" } else { j.verdict.as_str() };
    println!(
        "{:<10} {:<36} {:<36} {:<18} {}",
        safe(verdict),
        fit(&name(0), 36),
        fit(&name(1), 36),
        safe(&j.marking),
        fit(j.reason.as_deref().unwrap_or(""), 40)
    );
    println!("{:<10} {}", "", j.id);
    if j.contested {
        for v in &j.verdicts {
            println!(
                "{:<10} {} says {} ({}) · `liaison conflicts` resolves it",
                "",
                safe(&v.office),
                safe(&v.verdict),
                v.recorded_at
            );
        }
    }
}
