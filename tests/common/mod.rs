//! Running the real `liaison` binary against a store in a temporary folder.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Liaison {
    pub root: tempfile::TempDir,
    pub store: PathBuf,
    pub pass_file: PathBuf,
}

impl Liaison {
    /// A fresh, initialised store with passphrase "correct horse battery".
    pub fn init() -> Liaison {
        let l = Liaison::empty();
        l.ok(&["init", "--office", "Paris", "--agency", "DGSI", "--country", "FR"]);
        l
    }

    /// A temporary folder with a passphrase file but no store yet.
    pub fn empty() -> Liaison {
        let root = tempfile::tempdir().unwrap();
        let store = root.path().join("store");
        let pass_file = root.path().join("pass");
        std::fs::write(&pass_file, "correct horse battery\n").unwrap();
        Liaison { root, store, pass_file }
    }

    pub fn command(&self) -> Command {
        self.command_using(&self.pass_file)
    }

    pub fn command_using(&self, pass_file: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_liaison"));
        c.arg("--store").arg(&self.store).arg("--passphrase-file").arg(pass_file);
        // Cheap key derivation for stores made by tests; see keystore.rs.
        c.env("LIAISON_KDF_LOG_N", "10");
        c.env("LIAISON_STATE_DIR", self.root.path().join("state"));
        c.env_remove("LIAISON_PASSPHRASE");
        c.env_remove("LIAISON_STORE");
        c.env_remove("LIAISON_PASSPHRASE_FILE");
        c.env_remove("LIAISON_ANALYST");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "liaison {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects failure; returns (exit code, stderr).
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(!out.status.success(), "liaison {args:?} should have failed");
        (out.status.code().unwrap_or(-1), String::from_utf8(out.stderr).unwrap())
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    pub fn with_passphrase(&self, pass: &str) -> Command {
        let file = self.root.path().join("other-pass");
        std::fs::write(&file, format!("{pass}\n")).unwrap();
        self.command_using(&file)
    }
}

/// Every file of a folder with a hash of its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap();
            (e.file_name().to_string_lossy().into_owned(), blake3::hash(&bytes).to_hex().to_string())
        })
        .collect()
}
