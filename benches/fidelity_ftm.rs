//! FtM interop fidelity: each shared real FtM file (`../shared/interop/ftm/*`) imported into a
//! fresh store and exported back to FtM; how many of its entities come back by id (same id,
//! same schema) and how many of its property values come back on them, as a Markdown table
//! for benches/README.md ("Interop fidelity — FtM"). Also checks each export with the FtM
//! validator when a virtualenv with it is given (`LIAISON_INTEROP_VENV`).
//!
//! `LIAISON_KDF_LOG_N=10 LIAISON_INTEROP_VENV=/path/to/venv cargo test --bench fidelity_ftm`
//! (the figures do not depend on the build; `cargo bench --bench fidelity_ftm` works too). A
//! folder given after `--` replaces `../shared/interop`.

use std::path::{Path, PathBuf};
use std::process::Command;

use age::secrecy::SecretString;
use liaison::interop::ftm_fidelity::{Fidelity, measure};
use liaison::interop::input::FileInput;
use liaison::interop::{self, ExportFormat, ExportOptions, ImportFormat, ImportOptions};
use liaison::model::marking::Marking;
use liaison::store::{Office, Store};

fn main() {
    // `cargo bench` passes `--bench`; a folder given is the shared material.
    let shared = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/interop"), PathBuf::from);
    let dir = shared.join("ftm");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared interop material is needed)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let validator = std::env::var("LIAISON_INTEROP_VENV")
        .ok()
        .map(|v| PathBuf::from(v).join("bin/python"))
        .filter(|p| p.exists());
    let work = std::env::temp_dir().join(format!("liaison-fidelity-ftm-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work folder");
    println!(
        "| file | entities back by id | % | property values back | % | export valid | values not back (most) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut total = Fidelity::default();
    for file in &files {
        let (fid, valid) = round_trip(file, &work, &shared, validator.as_deref());
        total.entities += fid.entities;
        total.entities_kept += fid.entities_kept;
        total.values += fid.values;
        total.values_kept += fid.values_kept;
        let mut lost: Vec<(&String, &u64)> = fid.lost.iter().collect();
        lost.sort_by(|a, b| b.1.cmp(a.1));
        let lost: Vec<String> = lost.iter().take(3).map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "| {} | {} / {} | {:.2} | {} / {} | {:.2} | {} | {} |",
            file.file_name().unwrap().to_string_lossy(),
            fid.entities_kept,
            fid.entities,
            100.0 * fid.entities_share(),
            fid.values_kept,
            fid.values,
            100.0 * fid.values_share(),
            valid,
            if lost.is_empty() { "–".to_owned() } else { lost.join(", ") }
        );
    }
    println!(
        "| **all** | {} / {} | {:.2} | {} / {} | {:.2} | | |",
        total.entities_kept,
        total.entities,
        100.0 * total.entities_share(),
        total.values_kept,
        total.values,
        100.0 * total.values_share()
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// Import → export → compare; the validator's verdict ("yes", "NO", or "–" without one).
fn round_trip(file: &Path, work: &Path, shared: &Path, validator: Option<&Path>) -> (Fidelity, &'static str) {
    let store_dir = work.join("store");
    let _ = std::fs::remove_dir_all(&store_dir);
    let office = Office { name: "Bench".into(), agency: "Bench".into(), country: "FR".into() };
    let pass = SecretString::from("benchmark passphrase".to_owned());
    let mut store = Store::create(&store_dir, &pass, &office).expect("store");
    interop::import(&mut store, file, &ImportOptions::new(ImportFormat::Ftm), &mut |_, _| {})
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let out = work.join("export.ftm.json");
    let mut opts = ExportOptions::new(ExportFormat::Ftm);
    // Everything the store holds: fidelity is about the format, not about release.
    opts.reader.max_marking = Some(Marking::parse("TLP:RED").expect("marking"));
    opts.confirmed = true;
    interop::export(&store, &out, &opts).unwrap_or_else(|e| panic!("{}: export: {e}", file.display()));
    drop(store);
    let fid = measure(&FileInput::new(file).expect("original"), &FileInput::new(&out).expect("export"))
        .expect("FtM files");
    let valid = validator.map_or("–", |python| {
        let ok = Command::new(python)
            .arg(shared.join("tools/ftm_validate.py"))
            .arg(&out)
            .output()
            .is_ok_and(|o| o.status.success());
        if ok { "yes" } else { "NO" }
    });
    let _ = std::fs::remove_dir_all(&store_dir);
    let _ = std::fs::remove_file(&out);
    (fid, valid)
}
