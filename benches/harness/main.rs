//! Liaison's benchmark harness: `cargo bench --bench harness -- [--quick] [--sizes 10000,100000,1000000]
//! [--work DIR] [--runs N] [--write-readme] [--no-sqlite-baseline] [--no-interop]
//! [--merge RESULTS.json,…]`. `--merge` publishes the `results.json` of runs made at one commit
//! (e.g. 1M in one run, 10k and 100k in another) as one table.
//!
//! For each size it generates a store of synthetic data (about five links per entity), then
//! measures ingest against the physical limit in the same run (raw inserts of the same rows
//! into SQLCipher and plain SQLite), the read operations an analyst waits for (median and
//! 99th percentile), store size, unlock time and peak memory. `--quick` is the CI variant:
//! 10k entities, few runs, nothing asserted about timings. See benches/README.md.

mod baseline;
mod bundle;
mod interop;
mod measure;
mod network;
mod phase;
mod queries;
mod report;
mod terminal;
mod tui;

use std::path::PathBuf;

use age::secrecy::SecretString;
use liaison::store::{Office, Store};
use liaison::synth::{GenerateOptions, generate};

use measure::{folder_bytes, once, peak_rss_mib, reset_peak_rss};
use report::{Figures, SizeResult};

#[allow(clippy::struct_excessive_bools)] // Command-line switches, each independent of the others.
struct Options {
    sizes: Vec<u64>,
    work: PathBuf,
    runs: usize,
    write_readme: bool,
    quick: bool,
    /// Plain SQLite's baseline too (not a target; skipping it saves minutes at 1M).
    sqlite_baseline: bool,
    interop: bool,
    /// Results files of earlier runs (at one commit) to publish as one table.
    merge: Vec<PathBuf>,
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![10_000, 100_000, 1_000_000],
        work: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench"),
        runs: 200,
        write_readme: false,
        quick: false,
        sqlite_baseline: true,
        interop: true,
        merge: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => {
                o.quick = true;
                o.sizes = vec![10_000];
                o.runs = 20;
            }
            "--sizes" => {
                o.sizes = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|s| s.trim().replace('_', "").parse().ok())
                    .collect();
            }
            "--work" => o.work = PathBuf::from(args.next().unwrap_or_default()),
            "--runs" => o.runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(o.runs),
            "--write-readme" => o.write_readme = true,
            "--no-sqlite-baseline" => o.sqlite_baseline = false,
            "--no-interop" => o.interop = false,
            "--merge" => {
                o.merge = args.next().unwrap_or_default().split(',').map(PathBuf::from).collect();
            }
            // cargo bench passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    o
}

fn pass() -> SecretString {
    SecretString::from("benchmark passphrase".to_owned())
}

fn run_size(entities: u64, o: &Options) -> SizeResult {
    let dir = o.work.join(format!("store-{entities}"));
    let _ = std::fs::remove_dir_all(&dir);
    let office = Office { name: "Bench".into(), agency: "Bench".into(), country: "FR".into() };
    let mut f = Figures::default();
    let mut store = Store::create(&dir, &pass(), &office).expect("create store");

    eprintln!("[{entities}] generating…");
    reset_peak_rss();
    let opts = GenerateOptions { entities, seed: 1, case_prefix: "BENCH".into() };
    let (secs, summary) = once(|| generate(&mut store, &opts, &mut |_, _| {}).expect("generate"));
    f.insert("ingest: entities/s", entities as f64 / secs);
    f.insert("ingest: ops/s", summary.ops as f64 / secs);
    f.insert("ingest: seconds", secs);
    f.insert("peak RSS during ingest (MiB)", peak_rss_mib());

    eprintln!("[{entities}] raw baseline…");
    let base = baseline::measure(store.conn(), &o.work, o.sqlite_baseline);
    f.insert("raw SQLCipher inserts of the same rows: rows/s", base.rows as f64 / base.sqlcipher_s);
    if let Some(sqlite_s) = base.sqlite_s {
        f.insert("raw SQLite inserts of the same rows: rows/s", base.rows as f64 / sqlite_s);
        f.insert("ingest ÷ raw SQLite (same rows)", sqlite_s / secs);
    }
    f.insert("ingest ÷ raw SQLCipher (same rows)", base.sqlcipher_s / secs);
    for (table, s) in &base.sqlcipher_by_table {
        if *s >= base.sqlcipher_s * 0.02 {
            f.insert(
                &format!("raw SQLCipher write time: share of table {table} (%)"),
                100.0 * s / base.sqlcipher_s,
            );
        }
    }
    // Where the bytes go (`liaison store usage`): the tables and indexes over 3 % of the file.
    let space = store.space_by_table().expect("space by table");
    let total: i64 = space.iter().map(|t| t.bytes).sum();
    for t in space.iter().filter(|t| t.bytes * 100 >= total * 3) {
        f.insert(&format!("store size per entity: {} (bytes)", t.name), t.bytes as f64 / entities as f64);
    }
    drop(store);
    f.insert("store size per entity (bytes)", folder_bytes(&dir) as f64 / entities as f64);

    eprintln!("[{entities}] unlock and queries…");
    let (kdf_s, keys) =
        once(|| liaison::store::Keys::unlock(&dir.join(liaison::store::KEYSTORE), &pass()).expect("keys"));
    let (open_s, mut store) = once(|| Store::open_with_keys(&dir, keys).expect("open"));
    f.insert("unlock incl. key derivation (ms)", (kdf_s + open_s) * 1000.0);
    f.insert("open after key derivation (ms)", open_s * 1000.0);
    reset_peak_rss();
    for (name, t) in queries::measure(&store, o.runs) {
        f.insert_timing(name, t);
    }
    f.insert("peak RSS during queries (MiB)", peak_rss_mib());

    let partner = o.work.join(format!("partner-{entities}"));
    bundle::set_up_partner(&mut store, &partner);
    drop(store);
    eprintln!("[{entities}] network analysis…");
    f.extend(phase::run_child("network", &[&dir]));
    eprintln!("[{entities}] workbench…");
    f.extend(phase::run_child("tui", &[&dir]));
    eprintln!("[{entities}] workbench in a real pseudo-terminal, and `stats` with an unlock agent…");
    f.extend(terminal::pty(&dir, &o.work));
    f.extend(terminal::stats_with_agent(&dir, &o.work));
    eprintln!("[{entities}] bundle export and import…");
    let file = o.work.join(format!("bundle-{entities}.liaison"));
    f.extend(phase::run_child("export", &[&dir, &file]));
    f.extend(phase::run_child("import", &[&partner, &file]));
    // The import writes the rows of the ops it carries; the baseline wrote all the rows of
    // every op, so it is scaled to the share of ops the bundle carried.
    if let (Some(import_s), Some(carried)) = (f.get("bundle import: seconds"), f.get("bundle: ops carried")) {
        let share = carried / summary.ops.max(1) as f64;
        f.insert("bundle import ÷ raw SQLCipher (same rows)", base.sqlcipher_s * share / import_s);
    }
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir_all(&partner);
    if !o.quick {
        let _ = std::fs::remove_dir_all(&dir);
    }
    SizeResult { entities, links: summary.links, ops: summary.ops, figures: f }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--phase") {
        phase::run_in_child(&args[1..]);
        return;
    }
    let o = options();
    if !o.merge.is_empty() {
        let (commit, results, interop) = report::merge(&o.merge);
        publish(&o, &results, &interop, &commit);
        return;
    }
    std::fs::create_dir_all(&o.work).expect("work folder");
    let commit = report::commit();
    let mut results: Vec<SizeResult> = Vec::new();
    for &n in &o.sizes {
        results.push(run_size(n, &o));
        // Kept as it goes: a long run that fails at 1M still leaves the smaller sizes.
        let partial = serde_json::to_string_pretty(&results).expect("json");
        std::fs::write(o.work.join("results-partial.json"), partial).expect("write results");
    }
    let interop = if o.interop {
        eprintln!("interop imports against the Python libraries…");
        interop::measure(&o.work)
    } else {
        Figures::default()
    };
    let json = serde_json::to_string_pretty(
        &serde_json::json!({ "commit": commit, "sizes": results, "interop": interop }),
    )
    .expect("json");
    std::fs::write(o.work.join("results.json"), json).expect("write results");
    publish(&o, &results, &interop, &commit);
}

/// Prints the table and, with --write-readme, puts it in benches/README.md.
fn publish(o: &Options, results: &[SizeResult], interop: &Figures, commit: &str) {
    let table = format!(
        "{}\n{}",
        report::markdown(results, commit),
        report::single("Interop imports (size-independent)", interop)
    );
    println!("{table}");
    if o.write_readme {
        report::write_readme(&table).expect("update benches/README.md");
        eprintln!("benches/README.md updated");
    }
}
