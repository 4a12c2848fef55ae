//! Helpers of the interop tests: the shared material (`../shared/interop`), the Python
//! validators (installed by `.ci/run` in `.venv-interop`), and stores opened in-process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use age::secrecy::SecretString;
use liaison::interop::{self, ImportFormat, ImportOptions, ImportReport};
use liaison::store::Store;

use super::common::Liaison;

/// `../shared/interop`, or None (with a note) where a developer's checkout has no shared
/// material. In CI (`CI` set) its absence fails the test: a skipped oracle proves nothing.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/interop");
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: CI must run the interop tests on the shared material",
            dir.display()
        );
        eprintln!("note: {} is absent: interop tests on shared material skipped", dir.display());
        None
    }
}

/// The Python of the validators' virtual environment, if installed. CI sets
/// `LIAISON_REQUIRE_VALIDATORS=1`, and then a missing validator fails the test.
pub fn validator_python() -> Option<PathBuf> {
    let venv = std::env::var("LIAISON_INTEROP_VENV")
        .map_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-interop"), PathBuf::from);
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    assert!(
        std::env::var("LIAISON_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
        "validators required but {} is missing: python3 -m venv .venv-interop && \
         .venv-interop/bin/pip install -r ../shared/interop/requirements.txt",
        python.display()
    );
    eprintln!("note: no validators in {} (set LIAISON_INTEROP_VENV): validation skipped", venv.display());
    None
}

/// Runs a validator; returns (success, output).
pub fn run_validator(args: &[&str]) -> Option<(bool, String)> {
    let python = validator_python()?;
    let out = Command::new(python).args(args).output().expect("the validator runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Some((out.status.success(), text))
}

/// `stix2_validator FILE` from the same environment.
pub fn stix_validate(file: &Path) -> Option<(bool, String)> {
    let python = validator_python()?;
    let bin = python.with_file_name("stix2_validator");
    let out = Command::new(bin).arg(file).output().expect("stix2_validator runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some((out.status.success(), text))
}

/// A store made by the binary (cheap key derivation), opened in this process.
pub fn open_store(l: &Liaison) -> Store {
    Store::open(&l.store, &SecretString::from("correct horse battery".to_owned())).unwrap()
}

pub fn import(store: &mut Store, file: &Path, format: ImportFormat) -> ImportReport {
    interop::import(store, file, &ImportOptions::new(format), &mut |_, _| {})
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The format of a shared file, from where it lives.
pub fn format_of(path: &Path) -> ImportFormat {
    let s = path.to_string_lossy();
    let name = path.file_name().unwrap().to_string_lossy();
    if s.contains("/ftm/") || name.ends_with(".ftm.json") {
        ImportFormat::Ftm
    } else if s.contains("/stix/") || name.contains("stix2") || name.contains("bundle") {
        ImportFormat::Stix
    } else {
        ImportFormat::Misp
    }
}

/// Every data file of the shared material but the `bad-*` samples.
pub fn data_files(shared: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![shared.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                if name != "tools" {
                    dirs.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "json" || e == "ijson") && !name.starts_with("bad-")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
