//! Interop fidelity — STIX: for each shared real STIX file, the objects (by id) and their
//! properties that survive import → export, as a Markdown table for benches/README.md.
//!
//! `LIAISON_KDF_LOG_N=10 cargo bench --bench fidelity_stix` (reads `../shared/interop`).

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use liaison::interop::stix_fidelity;
use liaison::store::Office;
use liaison::store::Store;

fn files(shared: &Path) -> Vec<PathBuf> {
    let mut out = vec![shared.join("stix/ics-attack-18.1.json"), shared.join("stix/mobile-attack-17.1.json")];
    for (dir, only_stix2) in [("stix/oasis-examples", false), ("misp/misp-stix-tests", true)] {
        let mut more: Vec<PathBuf> = std::fs::read_dir(shared.join(dir))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        more.retain(|p| !only_stix2 || p.file_name().is_some_and(|n| n.to_string_lossy().contains("stix2")));
        more.sort();
        out.extend(more);
    }
    out
}

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/interop");
    if !shared.is_dir() {
        eprintln!("{} is missing: no fidelity figures", shared.display());
        std::process::exit(1);
    }
    let work = tempfile::tempdir().expect("temporary folder");
    // With the validators' environment (LIAISON_INTEROP_VENV), each export is validated too.
    let validator = std::env::var("LIAISON_INTEROP_VENV")
        .ok()
        .map(|v| PathBuf::from(v).join("bin/stix2_validator"))
        .filter(|p| p.exists());
    println!("| file | objects kept / total | properties kept / total | export valid | most lost |");
    println!("|---|---|---|---|---|");
    let (mut objects, mut kept, mut props, mut props_kept) = (0, 0, 0, 0);
    for file in files(&shared) {
        let dir = work.path().join("store");
        let office = Office { name: "Bench".into(), agency: "Bench".into(), country: "FR".into() };
        let mut store =
            Store::create(&dir, &SecretString::from("fidelity bench".to_owned()), &office).expect("store");
        let out = work.path().join("out.stix.json");
        let name = file.strip_prefix(&shared).unwrap_or(&file).display().to_string();
        match stix_fidelity::round_trip(&mut store, &file, &out) {
            Ok(f) => {
                let mut lost: Vec<(&String, &u64)> = f.lost.iter().collect();
                lost.sort_by(|a, b| b.1.cmp(a.1));
                let lost: Vec<String> = lost.iter().take(3).map(|(k, n)| format!("{k} ({n})")).collect();
                let valid = match &validator {
                    Some(v) => match std::process::Command::new(v).arg(&out).output() {
                        Ok(o) if o.status.success() => "yes",
                        Ok(_) => "NO",
                        Err(_) => "not run",
                    },
                    None => "not run",
                };
                println!(
                    "| {name} | {}/{} ({:.1} %) | {}/{} ({:.1} %) | {valid} | {} |",
                    f.objects_kept,
                    f.objects,
                    100.0 * f.object_share(),
                    f.properties_kept,
                    f.properties,
                    100.0 * f.property_share(),
                    if lost.is_empty() { "—".to_owned() } else { lost.join(", ") }
                );
                objects += f.objects;
                kept += f.objects_kept;
                props += f.properties;
                props_kept += f.properties_kept;
            }
            Err(e) => println!("| {name} | failed: {e} | | | |"),
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "| **all** | {kept}/{objects} ({:.1} %) | {props_kept}/{props} ({:.1} %) | | |",
        100.0 * kept as f64 / objects.max(1) as f64,
        100.0 * props_kept as f64 / props.max(1) as f64
    );
}
