//! `liaison chart --case REF -o chart.svg [--around ID --hops N]`: a link chart as an SVG a
//! briefing can use, marked with the strictest marking of what it draws.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::output::{print_json, safe};
use super::unlock::Context;
use super::{CliError, CliResult};
use crate::analysis::chart::{Chart, MAX_HOPS, MAX_NODES, Scope, svg};

#[derive(Debug, Args)]
#[command(
    after_help = "Without --around, every entity of the case is drawn (refused above 2,000: draw part \
of it with --around). With --around, the entities within --hops links of ID are drawn: inside the case \
when --case is given, else anywhere in the store. The chart carries the strictest marking of everything \
drawn in a banner at the top and the bottom; a record with no marking of its own counts as the case's \
marking (without a case, the office's default), never as TLP:CLEAR."
)]
pub struct ChartArgs {
    /// The case to draw (or, with --around, to stay inside)
    #[arg(long = "case", value_name = "REF", required_unless_present = "around")]
    pub case: Option<String>,
    /// The SVG file to write (replaced whole, or left as it was on failure)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Draw only the ego network of this entity (its id, or its first 8+ digits)
    #[arg(long, value_name = "ID")]
    pub around: Option<String>,
    /// With --around: how many links away to draw (1 to 6)
    #[arg(long, value_name = "N", default_value_t = 2, requires = "around")]
    pub hops: u8,
    /// Write a TLP:RED or nationally marked chart without asking (scripts)
    #[arg(long)]
    pub yes: bool,
}

pub fn chart(ctx: &Context, a: &ChartArgs, json: bool) -> CliResult {
    if a.hops == 0 || a.hops > MAX_HOPS {
        return Err(CliError::Usage(format!("--hops must be between 1 and {MAX_HOPS}")));
    }
    if a.output.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is a folder: give the file to write, e.g. -o chart.svg",
            safe(&a.output.display().to_string())
        )));
    }
    let store = ctx.open()?;
    let case = a.case.as_deref().map(|c| store.case_id(c)).transpose()?;
    let scope = match (&a.around, case) {
        (Some(id), case) => Scope::Around { id: store.resolve_id(id)?, hops: a.hops, case },
        (None, Some(c)) => Scope::Case(c),
        (None, None) => return Err(CliError::Usage("give --case REF, --around ID, or both".into())),
    };
    let chart = Chart::load(&store, scope)?;
    if !a.yes {
        // A chart is a file Liaison no longer controls, like an export: the same question
        // before it holds TLP:RED or a national marking, every label counted as one value.
        let mut one = crate::interop::export::Sensitive::default();
        one.count(&chart.marking.to_string());
        let labels = chart.graph.node_count() as u64;
        let all =
            crate::interop::export::Sensitive { red: one.red * labels, national: one.national * labels };
        super::interop_cmd::confirm_sensitive(&all)?;
    }
    let bytes = svg::render(&chart);
    write_atomically(&a.output, &bytes)?;
    let file = a.output.display().to_string();
    let (nodes, edges, links) = (chart.graph.node_count(), chart.graph.edge_count(), chart.link_count());
    let marking = chart.marking.to_string();
    store.audit(
        "chart",
        &serde_json::json!({
            "file": file, "case": case.map(|c| c.to_string()), "around": a.around,
            "nodes": nodes, "links": links, "marking": marking,
        }),
    )?;
    if json {
        return print_json(&serde_json::json!({
            "file": file, "title": chart.title, "nodes": nodes, "edges": edges, "links": links,
            "marking": marking, "max_nodes": MAX_NODES,
        }));
    }
    println!(
        "Wrote {}: {nodes} entities, {links} links between {edges} pairs, marked {marking}",
        safe(&file)
    );
    Ok(())
}

/// Writes beside `path` then renames over it, so a reader (or a crash) sees the old chart or
/// the new one, never half of one; the file is private (0600) like other exports.
fn write_atomically(path: &Path, bytes: &[u8]) -> CliResult {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("chart.svg");
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let failed = |e: std::io::Error| {
        CliError::Other(format!("cannot write {}: {e}", safe(&path.display().to_string())))
    };
    let written = (|| -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(failed(e));
    }
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
