//! Interop import rates against the Python libraries the formats come from, in the same run:
//! Liaison importing (validating, writing signed ops into the encrypted store) against
//! `followthemoney` merely parsing and re-cleaning the same file (what `ftm validate` does)
//! and `stix2.parse` of the same bundle. Timed inside each process, so interpreter start-up
//! and library imports are not counted against Python.

use std::path::{Path, PathBuf};
use std::process::Command;

use liaison::interop::{self, ImportFormat, ImportOptions};
use liaison::store::{Office, Store};

use super::measure::once;
use super::report::Figures;

const FTM: &str = r"
import sys, time
from pathlib import Path
from followthemoney.cli import cli
t = time.perf_counter()
cli.validate.callback(Path(sys.argv[1]), Path('/dev/null'))
print(time.perf_counter() - t)
";

const STIX: &str = r"
import sys, time, stix2
t = time.perf_counter()
with open(sys.argv[1]) as f:
    stix2.parse(f.read(), allow_custom=True)
print(time.perf_counter() - t)
";

/// Where the interop material and the validators' virtualenv are, if present.
fn material() -> Option<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/interop");
    let venv =
        std::env::var_os("LIAISON_INTEROP_VENV").map_or_else(|| root.join(".venv-interop"), PathBuf::from);
    (shared.is_dir() && venv.join("bin/python").is_file()).then_some((shared, venv))
}

fn python_seconds(venv: &Path, script: &str, file: &Path) -> Option<f64> {
    let out = Command::new(venv.join("bin/python")).arg("-c").arg(script).arg(file).output().ok()?;
    if !out.status.success() {
        eprintln!("python comparison failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Imports each file into a fresh store and compares with Python on the same file.
pub fn measure(work: &Path) -> Figures {
    let mut f = Figures::default();
    let Some((shared, venv)) = material() else {
        eprintln!(
            "no ../shared/interop or no validators' virtualenv (.venv-interop): interop figures skipped"
        );
        return f;
    };
    let cases: [(&str, &str, ImportFormat, &str); 3] = [
        ("FtM ec_meetings", "ftm/ec_meetings.ftm.json", ImportFormat::Ftm, FTM),
        ("STIX ICS ATT&CK", "stix/ics-attack-18.1.json", ImportFormat::Stix, STIX),
        ("STIX Mobile ATT&CK", "stix/mobile-attack-17.1.json", ImportFormat::Stix, STIX),
    ];
    for (name, rel, format, script) in cases {
        let file = shared.join(rel);
        let dir = work.join("interop-store");
        let _ = std::fs::remove_dir_all(&dir);
        let office = Office { name: "Bench".into(), agency: "Bench".into(), country: "FR".into() };
        let mut store = Store::create(&dir, &super::pass(), &office).expect("store");
        let (secs, report) = once(|| {
            interop::import(&mut store, &file, &ImportOptions::new(format), &mut |_, _| {}).expect("import")
        });
        f.insert(&format!("{name}: objects imported/s"), report.read as f64 / secs);
        f.insert(&format!("{name}: Liaison import (s)"), secs);
        if let Some(py) = python_seconds(&venv, script, &file) {
            f.insert(&format!("{name}: Python parse only (s)"), py);
            f.insert(&format!("{name}: Python time ÷ Liaison time"), py / secs);
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
    f
}
