//! A store made by the previous release opens in this one, upgraded, and answers every
//! read command's `--json` byte for byte as that release did (issue 12, acceptance 2). The
//! store and its answers were written by the previous release and checked in
//! (tests/fixtures/stores/README.md, `schema8/`).

use std::path::{Path, PathBuf};
use std::process::Command;

const A: &str = "01a22ec8-7296-720c-9cb5-be6a1c713986";
const PHONE: &str = "ae79516d-d6a7-5f18-9143-8c51ce221ad0";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stores/schema8")
}

#[test]
fn a_schema_8_store_upgrades_and_answers_as_its_release_did() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    for f in ["keystore.age", "liaison.db"] {
        std::fs::copy(fixture().join(f), store.join(f)).unwrap();
    }
    let pass = fixture().join("passphrase");
    // In the order they were asked of the old release: each read is audited, and the
    // answers after it may count that.
    let asked: [(&[&str], &str); 8] = [
        (&["entity", "show", A], "entity_show.json"),
        (&["search", "Old"], "search.json"),
        (&["timeline", "--case", "OLD-8"], "timeline.json"),
        (&["stats"], "stats.json"),
        (&["case", "list"], "case_list.json"),
        (&["path", A, PHONE], "path.json"),
        (&["neighbours", A], "neighbours.json"),
        // Answered from the one-letter prefixes the search index gained in schema 11 (the
        // answer is schema 10's, 0d0e07f, asked after the seven above).
        (&["search", "O"], "search_one_letter.json"),
    ];
    for (i, (args, answer)) in asked.into_iter().enumerate() {
        let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
            .arg("--store")
            .arg(&store)
            .arg("--passphrase-file")
            .arg(&pass)
            .arg("--json")
            .args(args)
            .env("LIAISON_KDF_LOG_N", "10")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {said}");
        // The first command upgrades the store and says so before the wait; later ones do not.
        assert_eq!(said.contains("Upgrading the store from schema 8 to "), i == 0, "{args:?}: {said}");
        let then = std::fs::read_to_string(fixture().join("answers").join(answer)).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), then, "{args:?} answers as the old release did");
    }
    // Upgraded, and whole.
    let check = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(["--store"])
        .arg(&store)
        .arg("--passphrase-file")
        .arg(&pass)
        .args(["store", "check"])
        .env("LIAISON_KDF_LOG_N", "10")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && text.contains("pages: ok") && !text.contains("problem"), "{text}");
}
