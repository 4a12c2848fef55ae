//! The results table: figures down, sizes across; written into benches/README.md between
//! markers so the published table is always the harness's own output.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::measure::Timing;

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Figures(pub BTreeMap<String, f64>);

impl Figures {
    pub fn extend(&mut self, other: Figures) {
        self.0.extend(other.0);
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }

    pub fn insert(&mut self, name: &str, value: f64) {
        self.0.insert(name.to_owned(), value);
    }

    pub fn insert_timing(&mut self, name: &str, t: Timing) {
        self.insert(&format!("{name}: median (ms)"), t.median_ms);
        self.insert(&format!("{name}: p99 (ms)"), t.p99_ms);
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SizeResult {
    pub entities: u64,
    pub links: u64,
    pub ops: u64,
    pub figures: Figures,
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The commit measured, read when the run starts (the tree may move on during a long run).
pub fn commit() -> String {
    let dirty = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if dirty { format!("{head} (with uncommitted changes)") } else { head }
}

fn machine(commit: &str) -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<u64>().ok())
        })
        .map_or(String::from("?"), |kb| format!("{:.0} GiB", kb as f64 / 1_048_576.0));
    format!("{cores} cores, {mem} RAM · {} · commit {commit}", chrono::Utc::now().format("%Y-%m-%d"))
}

pub fn markdown(results: &[SizeResult], commit: &str) -> String {
    let mut names: Vec<&String> = results.iter().flat_map(|r| r.figures.0.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = format!("Machine: {}\n\n| figure |", machine(commit));
    for r in results {
        let _ = write!(out, " {} entities |", r.entities);
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(results.len()));
    out.push('\n');
    out.push_str("| links / ops written |");
    for r in results {
        let _ = write!(out, " {} / {} |", r.links, r.ops);
    }
    out.push('\n');
    for name in names {
        let _ = write!(out, "| {name} |");
        for r in results {
            let _ = write!(out, " {} |", r.figures.0.get(name).map_or("—".into(), |v| fmt(*v)));
        }
        out.push('\n');
    }
    out
}

/// A two-column table of figures that do not depend on the store's size.
pub fn single(title: &str, figures: &Figures) -> String {
    let mut out = format!("| {title} | |\n|---|---:|\n");
    if figures.0.is_empty() {
        out.push_str("| (not measured: the interop material or the validators' virtualenv is missing) | |\n");
    }
    for (name, v) in &figures.0 {
        let _ = writeln!(out, "| {name} | {} |", fmt(*v));
    }
    out
}

/// The sizes and interop figures of several runs' `results.json`, which must all be of one
/// commit: one table, smallest size first.
pub fn merge(files: &[std::path::PathBuf]) -> (String, Vec<SizeResult>, Figures) {
    #[derive(serde::Deserialize)]
    struct Run {
        commit: String,
        sizes: Vec<SizeResult>,
        interop: Figures,
    }
    let mut commit: Option<String> = None;
    let mut sizes = Vec::new();
    let mut interop = Figures::default();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let run: Run = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Some(c) = &commit {
            assert_eq!(c, &run.commit, "{} was measured at another commit", file.display());
        }
        commit = Some(run.commit);
        sizes.extend(run.sizes);
        interop.extend(run.interop);
    }
    sizes.sort_by_key(|r| r.entities);
    (commit.unwrap_or_default(), sizes, interop)
}

pub fn write_readme(table: &str) -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/README.md");
    let text = std::fs::read_to_string(&path)?;
    let (start, end) = ("<!-- results:start -->", "<!-- results:end -->");
    let (Some(a), Some(b)) = (text.find(start), text.find(end)) else {
        return Err(std::io::Error::other("markers missing in benches/README.md"));
    };
    let updated = format!("{}{start}\n{table}\n{}", &text[..a], &text[b..]);
    std::fs::write(path, updated)
}
