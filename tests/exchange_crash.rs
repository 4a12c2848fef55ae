//! Crashes and leaks (DESIGN §8): an import killed with SIGKILL at any moment leaves a store
//! that passes `store check` with the bundle applied wholly or not at all; no readable byte
//! of the investigation reaches a bundle file or any temporary file.

mod common;
mod exchange_support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Liaison;
use exchange_support::{office, open, path, trust_all};
use liaison::exchange::format::CommitsEntry;
use liaison::exchange::writer::BundleWriter;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A small deterministic generator for kill times.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// (ops, bundles imported) of the store at `dir`.
fn counts(l: &Liaison) -> (u64, u64) {
    let stats = l.json(&["stats"]);
    (stats["ops"].as_u64().unwrap(), stats["sharing"]["bundles_received"].as_u64().unwrap())
}

#[test]
fn an_import_killed_at_any_moment_is_all_or_nothing() {
    let paris = office("Paris", "PJ", "FR");
    let template = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &template]);
    paris.ok(&["generate", "--entities", "600", "--case-prefix", "K"]);
    paris.ok(&["case", "share", "K-00001", "--with", "Marseille"]);
    let bundle = path(&paris, "bundle");
    paris.ok(&["export", "--to", "Marseille", "-o", bundle.to_str().unwrap()]);
    let bundle = bundle.to_str().unwrap().to_owned();

    let work = tempfile::tempdir().unwrap();
    let fresh = |name: &str| -> Liaison {
        let l = Liaison {
            root: tempfile::tempdir_in(work.path()).unwrap(),
            store: work.path().join(name),
            pass_file: template.pass_file.clone(),
        };
        copy_dir(&template.store, &l.store);
        l
    };
    // The whole import, timed, and what it leaves.
    let full = fresh("full");
    let before = counts(&full);
    let started = Instant::now();
    full.ok(&["import", &bundle]);
    let took = started.elapsed();
    let after = counts(&full);
    assert!(after.0 > before.0 + 3000 && after.1 == 1, "{before:?} → {after:?}");

    let mut rng = Lcg(7);
    let (mut whole, mut nothing) = (0, 0);
    for round in 0..10 {
        let l = fresh(&format!("kill-{round}"));
        let mut child = l
            .command()
            .args(["import", &bundle])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = rng.below(took.as_millis() as u64 * 11 / 10 + 1);
        std::thread::sleep(Duration::from_millis(wait));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let check = l.run(&["store", "check"]);
        assert!(
            check.status.success(),
            "round {round} (killed after {wait} ms): {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let now = counts(&l);
        if now == before {
            nothing += 1;
        } else {
            assert_eq!(now, after, "round {round} (killed after {wait} ms): half an import");
            whole += 1;
        }
        // A store left by a killed import takes the bundle normally afterwards.
        if round % 5 == 0 {
            l.ok(&["import", &bundle]);
            assert_eq!(counts(&l), after);
        }
    }
    assert!(nothing > 0, "no kill landed before the commit ({whole} whole)");
}

const CANARIES: [&str; 4] = ["Qwxzv Canarybird", "Zzyzx Flamingo", "Plovdivski", "Kvork-77"];

fn scan(dir: &Path, found: &mut Vec<String>, files: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            scan(&p, found, files);
            continue;
        }
        *files += 1;
        let bytes = std::fs::read(&p).unwrap_or_default();
        for c in CANARIES {
            if bytes.windows(c.len()).any(|w| w == c.as_bytes()) {
                found.push(format!("{c} in {}", p.display()));
            }
        }
    }
}

#[test]
fn canaries_never_reach_a_bundle_or_a_temporary_file() {
    let paris = office("Paris", "PJ", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["case", "new", "--ref", "CAN-1", "--title", "Opération Zzyzx Flamingo"]);
    let id = paris.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Qwxzv Canarybird",
        "--prop",
        "notes=Meets Plovdivski at the quay",
        "--case",
        "CAN-1",
        "--source",
        "informant Kvork-77",
    ]);
    paris.ok(&["case", "note", "CAN-1", "Zzyzx Flamingo moves on Tuesday"]);
    paris.ok(&["generate", "--entities", "800", "--case-prefix", "CAN"]);
    paris.ok(&["case", "add", "CAN-00001", id.trim()]);
    for case in ["CAN-1", "CAN-00001"] {
        paris.ok(&["case", "share", case, "--with", "Marseille"]);
    }
    let out = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // Exports killed midway leave their temporary files behind: they must be unreadable too.
    let mut rng = Lcg(11);
    for round in 0..6 {
        let file = out.path().join(format!("killed-{round}"));
        let mut child = paris
            .command()
            .env("TMPDIR", tmp.path())
            .args(["export", "--to", "Marseille", "-o", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(900)));
        let _ = child.kill();
        let _ = child.wait();
    }
    let bundle = out.path().join("bundle");
    paris
        .command()
        .env("TMPDIR", tmp.path())
        .args(["export", "--to", "Marseille", "-o", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    let imported = marseille
        .command()
        .env("TMPDIR", tmp.path())
        .args(["import", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    // The canaries did travel (else this test proves nothing)…
    assert!(!marseille.json(&["search", "Canarybird"]).as_array().unwrap().is_empty());
    // …but are readable in no file outside the stores' encrypted databases.
    let (mut found, mut files) = (Vec::new(), 0);
    scan(out.path(), &mut found, &mut files);
    scan(tmp.path(), &mut found, &mut files);
    assert!(found.is_empty(), "{found:#?}");
    assert!(files >= 1, "the bundle was scanned");
}

#[test]
fn the_spill_file_written_during_an_export_is_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = BundleWriter::new(dir.path()).unwrap();
    let body = format!("{} {}", CANARIES[0], CANARIES[1]).into_bytes();
    for i in 0..20_000u32 {
        let noisy = format!("{} {} {}", CANARIES[0], blake3::hash(&i.to_le_bytes()).to_hex(), CANARIES[1]);
        w.push(noisy.as_bytes(), &[0; 64], &[(0, noisy.as_bytes())]).unwrap();
    }
    // Mid-export the spill exists and holds no canary (not even hex-encoded or compressed).
    let spill: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(spill.len(), 1, "{spill:?}");
    assert!(std::fs::metadata(&spill[0]).unwrap().len() > 0);
    let (mut found, mut files) = (Vec::new(), 0);
    scan(dir.path(), &mut found, &mut files);
    assert!(found.is_empty() && files == 1, "{found:?}");
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "an abandoned export removes its spill");
    let mut w = BundleWriter::new(dir.path()).unwrap();
    w.push(&body, &[0; 64], &[(0, &body[..])]).unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let l = office("Solo", "PJ", "FR");
    copy_dir(&l.store, &store_dir.path().join("s"));
    let store = open(&store_dir.path().join("s"));
    let out = dir.path().join("out");
    let recipient: age::x25519::Recipient = store.keys().age_recipient().parse().unwrap();
    w.finish(
        |entry: CommitsEntry| liaison::exchange::format::Manifest {
            format: "liaison-bundle".into(),
            version: 1,
            bundle_id: "00".repeat(16),
            created_at: String::new(),
            sender: liaison::exchange::format::Party {
                office: String::new(),
                agency: String::new(),
                country: String::new(),
                device: "00".repeat(16),
            },
            recipients: vec![],
            cases: vec![],
            full: false,
            commits: entry,
            blobs: vec![],
            audit_head: liaison::exchange::format::AuditHead::default(),
        },
        &store.keys().signing_key(),
        &[&recipient as &dyn age::Recipient],
        &out,
    )
    .unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out"], "only the bundle remains");
    let (mut found, mut files) = (Vec::new(), 0);
    scan(dir.path(), &mut found, &mut files);
    assert!(found.is_empty(), "{found:?}");
}
