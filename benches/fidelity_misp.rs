//! MISP round-trip fidelity on the shared real files: each file is imported into a fresh
//! store and the whole store exported back to MISP; attributes, objects and galaxy clusters
//! kept by uuid, and their properties kept, are counted (see `interop::misp_fidelity`).
//!
//! `LIAISON_KDF_LOG_N=10 cargo bench --bench fidelity_misp` (prints a Markdown table).

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use liaison::interop::misp_fidelity::{Fidelity, compare, losses};
use liaison::interop::{self, ExportFormat, ExportOptions, ImportFormat, ImportOptions};
use liaison::model::marking::Marking;
use liaison::store::{Office, Store};

/// The shared MISP files: PyMISP's test events and misp-stix's event collections (its
/// `test_event*_stix21.json` are STIX, measured by the STIX bench).
fn files(shared: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(shared.join("pymisp-tests"))
        .expect("pymisp-tests")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    for name in ["test_events_collection_1.json", "test_events_collection_2.json"] {
        out.push(shared.join("misp-stix-tests").join(name));
    }
    out
}

fn round_trip(file: &Path, dir: &Path) -> (Fidelity, Vec<String>) {
    let store_dir = dir.join("store");
    let office = Office { name: "Bench".into(), agency: "Bench".into(), country: "FR".into() };
    let mut store = Store::create(&store_dir, &SecretString::from("fidelity bench".to_owned()), &office)
        .expect("create store");
    interop::import(&mut store, file, &ImportOptions::new(ImportFormat::Misp), &mut |_, _| {})
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let out = dir.join("out.misp.json");
    let mut opts = ExportOptions::new(ExportFormat::Misp);
    opts.reader.max_marking = Some(Marking::parse("TLP:RED H0 H1 H2 H3").expect("marking"));
    opts.confirmed = true;
    interop::export(&store, &out, &opts).unwrap_or_else(|e| panic!("export of {}: {e}", file.display()));
    drop(store);
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).expect("read")).expect("JSON")
    };
    let (before, after) = (read(file), read(&out));
    let f = compare(&before, &after);
    let lost = losses(&before, &after, 5);
    std::fs::remove_dir_all(&store_dir).ok();
    std::fs::remove_file(&out).ok();
    (f, lost)
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 { "—".into() } else { format!("{:.1} %", 100.0 * a as f64 / b as f64) }
}

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/interop/misp");
    if !shared.is_dir() {
        eprintln!("{} is missing: nothing to measure", shared.display());
        std::process::exit(1);
    }
    let tmp = std::env::temp_dir().join(format!("misp-fidelity-{}", std::process::id()));
    let mut total = Fidelity::default();
    println!("| file | events by uuid | objects by uuid (attributes, objects, clusters) | properties |");
    println!("|---|---|---|---|");
    let mut notes = Vec::new();
    for file in files(&shared) {
        std::fs::create_dir_all(&tmp).expect("temp dir");
        let (f, lost) = round_trip(&file, &tmp);
        let name = file.strip_prefix(&shared).unwrap_or(&file).display().to_string();
        println!(
            "| {name} | {}/{} | {}/{} ({}) | {}/{} ({}) |",
            f.events_kept,
            f.events,
            f.things_kept,
            f.things,
            pct(f.things_kept, f.things),
            f.properties_kept,
            f.properties,
            pct(f.properties_kept, f.properties)
        );
        for l in lost {
            notes.push(format!("{name}: {l}"));
        }
        total.events += f.events;
        total.events_kept += f.events_kept;
        total.things += f.things;
        total.things_kept += f.things_kept;
        total.properties += f.properties;
        total.properties_kept += f.properties_kept;
    }
    println!(
        "| **all** | {}/{} | {}/{} ({}) | {}/{} ({}) |",
        total.events_kept,
        total.events,
        total.things_kept,
        total.things,
        pct(total.things_kept, total.things),
        total.properties_kept,
        total.properties,
        pct(total.properties_kept, total.properties)
    );
    std::fs::remove_dir_all(&tmp).ok();
    if !notes.is_empty() {
        eprintln!("\nFirst losses:");
        for n in notes {
            eprintln!("  {n}");
        }
    }
}
