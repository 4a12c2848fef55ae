//! Threads that open the store at once all get in. SQLCipher's crypto provider is set up by the
//! first keyed connection of a process; threads keying together at that moment used to fail now
//! and then with "PRAGMA key requires a key of one or more characters" (the workbench's worker
//! threads, parallel tests). The race happens once per process, so the test runs fresh child
//! processes of itself, each opening one store from eight threads at once.

use age::secrecy::SecretString;
use liaison::store::{Keys, Office, Store};

const CHILD: &str = "LIAISON_PARALLEL_OPEN_STORE";
const CHILDREN: usize = 60;
const THREADS: usize = 8;

fn pass() -> SecretString {
    SecretString::from("correct horse battery".to_owned())
}

/// In a child: opens the store named by the parent from eight threads released together once
/// each has derived its keys (the slow part), so that they key their connections together.
fn open_from_threads(dir: &str) {
    let start = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (start, dir) = (start.clone(), dir.to_owned());
            std::thread::spawn(move || {
                let dir = std::path::Path::new(&dir);
                let keys = Keys::unlock(&dir.join(liaison::store::KEYSTORE), &pass()).unwrap();
                start.wait();
                Store::open_with_keys(dir, keys).map(drop).map_err(|e| e.to_string())
            })
        })
        .collect();
    for t in threads {
        if let Err(e) = t.join().unwrap() {
            panic!("an open failed: {e}");
        }
    }
}

#[test]
fn eight_threads_opening_one_store_at_once_all_get_in() {
    if let Ok(dir) = std::env::var(CHILD) {
        return open_from_threads(&dir);
    }
    let dir = tempfile::tempdir().unwrap();
    let office = Office { name: "Paris".into(), agency: "DGSI".into(), country: "FR".into() };
    drop(Store::create(dir.path(), &pass(), &office).unwrap());
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for _ in 0..CHILDREN {
        let out = std::process::Command::new(&exe)
            .args(["eight_threads_opening_one_store_at_once_all_get_in", "--exact", "--test-threads=1"])
            .env(CHILD, dir.path())
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| l.contains("failed"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    assert!(failures.is_empty(), "{} of {CHILDREN} processes could not open: {failures:?}", failures.len());
}
