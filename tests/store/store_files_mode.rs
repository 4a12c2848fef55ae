//! Every file in the store folder is readable by its owner only (issue 12): the database was
//! created 0644, and SQLite gives its WAL and shared-memory files the database's mode.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::Liaison;

/// Every file under `dir` (recursively) whose mode is not 0600, with its mode.
fn not_private(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                let mode = meta.permissions().mode() & 0o777;
                if mode != 0o600 {
                    found.push(format!("{} {mode:o}", e.path().display()));
                }
            }
        }
    }
    assert!(files >= 2, "the store holds a database and a keystore at least");
    found
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn every_store_file_is_0600_after_init_writes_and_rebuild() {
    let l = Liaison::init();
    assert_eq!(mode(&l.store), 0o700);
    assert_eq!(not_private(&l.store), Vec::<String>::new(), "after init");
    l.ok(&["case", "new", "--ref", "X-1", "--title", "First"]);
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz", "--case", "X-1"]);
    // The WAL and shared-memory files exist while a connection is open, and after a write.
    assert!(l.store.join("liaison.db-wal").exists() || l.store.join("liaison.db").exists());
    assert_eq!(not_private(&l.store), Vec::<String>::new(), "after writes");
    l.ok(&["passwd", "--new-passphrase-file", l.pass_file.to_str().unwrap()]);
    assert_eq!(not_private(&l.store), Vec::<String>::new(), "after passwd");
    l.ok(&["store", "rebuild"]);
    assert_eq!(not_private(&l.store), Vec::<String>::new(), "after store rebuild");
    l.ok(&["store", "check"]);
    assert_eq!(not_private(&l.store), Vec::<String>::new(), "after store check");
}

#[test]
fn a_store_made_with_open_files_is_made_private_when_opened() {
    let l = Liaison::init();
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz"]);
    // As stores made before this change: the database (and so its WAL files) 0644.
    for name in ["liaison.db", "liaison.db-wal", "liaison.db-shm"] {
        let path = l.store.join(name);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    assert!(!not_private(&l.store).is_empty());
    l.ok(&["stats"]);
    assert_eq!(not_private(&l.store), Vec::<String>::new(), "after the next command");
}
