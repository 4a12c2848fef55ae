//! Threads that open the store at once all get in. SQLCipher's crypto provider is set up by the
//! first keyed connection of a process; threads keying together at that moment used to fail now
//! and then with "PRAGMA key requires a key of one or more characters" (the workbench's worker
//! threads, parallel tests). The race happens once per process, so the test runs fresh child
//! processes of itself, each opening one store from eight threads at once.

use age::secrecy::SecretString;
use liaison::store::{Keys, Store};

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
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    // Made by the binary with the test knob's cheap key derivation: 60 processes of 8 threads
    // each derive the key, which at the real cost (2^18, 256 MiB each) takes minutes.
    let pass_file = root.path().join("pass");
    std::fs::write(&pass_file, "correct horse battery\n").unwrap();
    let init = std::process::Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--store")
        .arg(&dir)
        .arg("--passphrase-file")
        .arg(&pass_file)
        .args(["init", "--office", "Paris", "--agency", "DGSI", "--country", "FR"])
        .env("LIAISON_KDF_LOG_N", "10")
        .env("LIAISON_STATE_DIR", root.path().join("state"))
        .env_remove("LIAISON_PASSPHRASE")
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for _ in 0..CHILDREN {
        let out = std::process::Command::new(&exe)
            .args(["eight_threads_opening_one_store_at_once_all_get_in", "--exact", "--test-threads=1"])
            .env(CHILD, &dir)
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
