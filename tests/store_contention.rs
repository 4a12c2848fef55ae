//! Two writer processes on one store (issue 16): writers queue behind the write lock for up to
//! the busy timeout, and one that still cannot get in says why. Through the real binary.

mod common;
mod exchange_support;

use std::process::Output;

use common::Liaison;
use exchange_support::{office, path, trust_all};

const BUSY: &str = "another Liaison process is writing this store";

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The store is whole: pages, signatures, hash chains, and an unbroken audit log.
fn assert_whole(l: &Liaison) {
    let check = l.ok(&["store", "check"]);
    assert!(check.contains("pages: ok") && !check.contains("problem"), "{check}");
    let verify = l.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log intact"), "{verify}");
}

/// Acceptance 2 of issue 16: two parallel loops of 40 `entity new` on one store, 80 of 80 in.
#[test]
fn two_processes_writing_in_parallel_loops_all_get_in() {
    const EACH: usize = 40;
    let l = Liaison::init();
    let failures: Vec<String> = std::thread::scope(|s| {
        let loops: Vec<_> = (0..2)
            .map(|w| {
                let l = &l;
                s.spawn(move || {
                    let mut failed = Vec::new();
                    for i in 0..EACH {
                        let name = format!("name=Writer{w} Person{i}");
                        let out = l.run(&["entity", "new", "--schema", "Person", "--prop", &name]);
                        if !out.status.success() {
                            failed.push(format!("writer {w} #{i}: {}", text(&out).trim()));
                        }
                    }
                    failed
                })
            })
            .collect();
        loops.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{} of {} writes failed: {failures:#?}", failures.len(), 2 * EACH);
    let stats = l.json(&["stats"]);
    assert_eq!(stats["by_kind"]["Person"], 2 * EACH, "{stats}");
    assert_whole(&l);
    // Every unlock and every write is in the audit log, each with its own number.
    let log = l.json(&["audit", "log", "--limit", "1000"]);
    let unlocks = log.as_array().unwrap().iter().filter(|e| e["action"] == "unlocked").count();
    assert!(unlocks > 2 * EACH, "{unlocks} unlocks logged");
}

/// Two imports of one bundle at once: one imports it, the other says it was already imported
/// (or, past the busy timeout, that another process is writing); never a constraint error.
#[test]
fn two_imports_of_one_bundle_at_once_import_it_once() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["generate", "--entities", "600", "--case-prefix", "RACE"]);
    paris.ok(&["case", "share", "RACE-00001", "--with", "Marseille"]);
    let bundle = path(&paris, "race");
    paris.ok(&["export", "--to", "Marseille", "-o", bundle.to_str().unwrap()]);
    let runs: Vec<Output> = std::thread::scope(|s| {
        let both: Vec<_> = (0..2)
            .map(|_| s.spawn(|| marseille.run(&["--json", "import", bundle.to_str().unwrap()])))
            .collect();
        both.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let statuses: Vec<String> = runs
        .iter()
        .map(|out| {
            if out.status.success() {
                let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                report["status"].as_str().unwrap().to_owned()
            } else {
                let err = String::from_utf8_lossy(&out.stderr).into_owned();
                assert!(err.contains("already imported") || err.contains(BUSY), "{err}");
                assert!(!err.contains("constraint"), "{err}");
                assert_eq!(out.status.code(), Some(1), "{err}");
                format!("refused: {}", err.trim())
            }
        })
        .collect();
    eprintln!("the two imports: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| *s == "imported").count(), 1, "{statuses:?}");
    let members = marseille.json(&["case", "show", "RACE-00001", "--limit", "5000"]);
    assert_eq!(members["members"].as_array().unwrap().len(), 600, "the case arrived whole");
    assert_whole(&marseille);
    // A third import, after both, is "already imported" as always.
    let again = marseille.json(&["import", bundle.to_str().unwrap()]);
    assert_eq!(again["status"], "already imported", "{again}");
}

/// A writer that cannot get in within the busy timeout (10 s) says why and changes nothing.
#[test]
fn a_writer_kept_out_past_the_busy_timeout_says_why_and_changes_nothing() {
    let l = Liaison::init();
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Before Anyone"]);
    let holder = exchange_support::open(&l.store);
    let before_log = holder.audit_log(1000, 0).unwrap().len();
    // Another process (here, this one) holds the write lock for longer than the timeout.
    holder.conn().execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let (code, err) = l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=Kept Out"]);
    let waited = started.elapsed();
    holder.conn().execute_batch("ROLLBACK").unwrap();
    assert!(err.contains(BUSY) && err.contains("try again"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(code, 1, "{err}");
    assert!(waited >= std::time::Duration::from_secs(9), "gave up after {waited:?}, not the busy timeout");
    assert_eq!(holder.audit_log(1000, 0).unwrap().len(), before_log, "not even an unlock was logged");
    drop(holder);
    assert_eq!(l.json(&["search", "Kept"]).as_array().unwrap().len(), 0);
    assert_whole(&l);
}

/// The workbench keeps its store open for the whole session and writes through the same door
/// (`Store::apply`), one transaction per change; a command-line writer works beside it.
#[test]
fn a_long_lived_workbench_store_and_a_command_line_writer_share_the_store() {
    use liaison::store::Provenance;
    use liaison::store::change::{Change, Face};
    const EACH: usize = 20;
    let l = Liaison::init();
    let mut workbench = exchange_support::open(&l.store);
    let failures: Vec<String> = std::thread::scope(|s| {
        let cli = s.spawn(|| {
            (0..EACH)
                .filter_map(|i| {
                    let name = format!("name=Command Person{i}");
                    let out = l.run(&["entity", "new", "--schema", "Person", "--prop", &name]);
                    (!out.status.success()).then(|| format!("cli #{i}: {}", text(&out).trim()))
                })
                .collect::<Vec<_>>()
        });
        let mut failed = Vec::new();
        for i in 0..EACH {
            let change = Change::NewEntity {
                schema: "Person".into(),
                props: vec![("name".into(), format!("Workbench Person{i}"))],
                prov: Provenance::default(),
            };
            if let Err(e) = workbench.apply(change, Face::Workbench) {
                failed.push(format!("workbench #{i}: {e}"));
            }
            // The analyst's think-time: no transaction is held open across it.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        failed.extend(cli.join().unwrap());
        failed
    });
    assert!(failures.is_empty(), "{failures:#?}");
    drop(workbench);
    assert_eq!(l.json(&["stats"])["by_kind"]["Person"], 2 * EACH);
    assert_whole(&l);
}
