//! A store on a full disk (issue 16): read commands answer or say "the disk holding the store
//! is full" (never "disk I/O error"), every write says so, and a failed `init` leaves nothing
//! behind so that a retry works.
//!
//! The disk is a real small filesystem: an 8 MiB tmpfs mounted in a user and mount namespace
//! of its own (`unshare -rm`, no root needed), in which this test runs again as a child.
//! Without `unshare` or tmpfs the test is skipped on a workstation, and fails under CI.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Liaison;

const CHILD: &str = "LIAISON_FULL_DISK_MOUNT";
const RAN: &str = "full-disk child ran";
const FULL: &str = "the disk holding the store is full";

/// A Liaison helper whose store is at `store` (on the small disk); its passphrase file and
/// state folder stay on the ordinary temporary disk.
fn on_disk(store: PathBuf) -> Liaison {
    let mut l = Liaison::empty();
    l.store = store;
    l
}

/// Writes zeros to `path` until the disk is full; `leave` bytes are then given back.
fn fill(path: &Path, leave: u64) {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    let mut small = vec![0u8; 4096];
    loop {
        if f.write_all(&block).is_err() {
            // The last pages, a little at a time.
            while f.write_all(&small).is_ok() {}
            small.truncate(1);
            while f.write_all(&small).is_ok() {}
            break;
        }
    }
    let _ = f.sync_all();
    if leave > 0 {
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(leave)).unwrap();
    }
}

/// A failure in the user's terms: the disk is full, one line, exit code 1.
fn assert_disk_full(what: &str, code: i32, err: &str) {
    assert!(err.contains(FULL), "{what}: {err}");
    assert!(!err.contains("I/O error"), "{what}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{what}: {err}");
    assert_eq!(code, 1, "{what}: {err}");
}

/// Read commands either answer or are refused in those words.
fn read_or_refuse(l: &Liaison, args: &[&str]) {
    let out = l.run(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        assert!(!out.stdout.is_empty(), "{args:?} answered nothing");
    } else {
        assert_disk_full(&format!("{args:?}"), out.status.code().unwrap_or(-1), &err);
    }
}

/// In the namespace, with a fresh tmpfs at `mount`.
fn on_a_small_disk(mount: &Path) {
    println!("{RAN}");
    let l = on_disk(mount.join("store"));
    l.ok(&["init", "--office", "Paris", "--agency", "DGSI", "--country", "FR"]);
    let id = l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"]);
    l.ok(&["case", "new", "--ref", "FULL-1", "--title", "Full disk"]);
    let filler = mount.join("fill");

    // The disk full to the last byte.
    fill(&filler, 0);
    for args in [&["stats"][..], &["search", "Ruiz"], &["entity", "show", id.trim()], &["case", "list"]] {
        read_or_refuse(&l, args);
    }
    let (code, err) = l.fails(&["entity", "new", "--schema", "Person", "--prop", "name=Bo Lind"]);
    assert_disk_full("entity new", code, &err);
    let retry = on_disk(mount.join("second"));
    let (code, err) = retry.fails(&["init", "--office", "Lyon"]);
    assert_disk_full("init", code, &err);
    assert!(!retry.store.exists(), "a failed init left {:?}", std::fs::read_dir(&retry.store).ok());

    // Room to unlock, not to write much: a bulk write fails part-way, in the same words.
    std::fs::remove_file(&filler).unwrap();
    fill(&filler, 256 * 1024);
    let (code, err) = l.fails(&["generate", "--entities", "4000", "--case-prefix", "BIG"]);
    assert_disk_full("generate", code, &err);

    // Space again: everything works, the store is whole, and init can be retried.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(l.json(&["search", "Ruiz"]).as_array().unwrap().len(), 1);
    let check = l.ok(&["store", "check"]);
    assert!(check.contains("pages: ok") && !check.contains("problem"), "{check}");
    assert!(l.ok(&["audit", "verify"]).contains("audit log intact"));
    retry.ok(&["init", "--office", "Lyon"]);
    assert!(retry.ok(&["stats"]).contains("entities"), "the retried init made a store");
}

#[test]
fn a_full_disk_is_named_and_a_failed_init_can_be_retried() {
    if let Ok(mount) = std::env::var(CHILD) {
        return on_a_small_disk(Path::new(&mount));
    }
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("disk");
    std::fs::create_dir(&mount).unwrap();
    let run = Command::new("unshare")
        .args(["-rm", "sh", "-c", r#"mount -t tmpfs -o size=8m tmpfs "$0" && exec "$@""#])
        .arg(&mount)
        .arg(std::env::current_exe().unwrap())
        // The test's name as the harness knows it: its module path inside the test binary.
        .arg(format!(
            "{}::a_full_disk_is_named_and_a_failed_init_can_be_retried",
            module_path!().split_once("::").map_or(module_path!(), |(_, inner)| inner)
        ))
        .args(["--exact", "--nocapture"])
        .args(["--test-threads=1"])
        .env(CHILD, &mount)
        .output();
    let (ran, report) = match &run {
        Ok(out) => (
            String::from_utf8_lossy(&out.stdout).contains(RAN),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        ),
        Err(e) => (false, format!("unshare: {e}")),
    };
    if !ran {
        assert!(
            std::env::var_os("CI").is_none(),
            "no small filesystem for the full-disk test (unshare -rm and mount -t tmpfs): {report}"
        );
        eprintln!("skipped: cannot mount a small tmpfs here: {report}");
        return;
    }
    assert!(run.unwrap().status.success(), "{report}");
}
