//! A killed export leaves its encrypted temporary files beside the output; the next export
//! into that folder removes them (issue 16). Through the real binary, killed with SIGKILL.

use crate::exchange_support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use exchange_support::{office, trust_all};

fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".liaison-"))
        .collect()
}

#[test]
fn the_next_export_removes_the_spill_of_a_killed_one() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["generate", "--entities", "1500", "--case-prefix", "SPL"]);
    paris.ok(&["case", "share", "SPL-00001", "--with", "Marseille"]);
    let out = tempfile::tempdir().unwrap();
    let killed = out.path().join("killed");
    // Killed as soon as its spill file exists (a few tries: an export may outrun the polling).
    let mut left = Vec::new();
    for _ in 0..5 {
        let mut child = paris
            .command()
            .args(["export", "--to", "Marseille", "-o", killed.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while temps(out.path()).is_empty() && started.elapsed() < Duration::from_secs(20) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        left = temps(out.path());
        if !left.is_empty() {
            break;
        }
        let _ = std::fs::remove_file(&killed);
    }
    assert!(!left.is_empty(), "no export was caught with its spill file");
    assert!(!killed.exists(), "a killed export left no bundle");
    let bundle = out.path().join("bundle");
    paris.ok(&["export", "--to", "Marseille", "-o", bundle.to_str().unwrap()]);
    assert!(bundle.exists());
    assert_eq!(temps(out.path()), Vec::<String>::new(), "the killed export's files were left: {left:?}");
    let imported = marseille.json(&["import", bundle.to_str().unwrap()]);
    assert_eq!(imported["status"], "imported", "{imported}");
}
