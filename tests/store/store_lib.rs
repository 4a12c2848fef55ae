//! The store through the library, on real encrypted files in a temporary folder.

use age::secrecy::SecretString;
use liaison::store::{Office, Provenance, Store, StoreError};

fn pass() -> SecretString {
    SecretString::from("correct horse battery".to_owned())
}

fn office() -> Office {
    Office { name: "Paris".into(), agency: "DGSI".into(), country: "FR".into() }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn canaries_are_not_in_the_database_nor_its_write_ahead_log_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), &pass(), &office()).unwrap();
    let canary = "Xylophagous Quokkaberry";
    let mut tx = store.write("test").unwrap();
    tx.new_entity("Person", &[("name".into(), canary.into())], &Provenance::default(), store_locale())
        .unwrap();
    tx.commit(&serde_json::json!({})).unwrap();
    assert_eq!(store.search("Quokkaberry", 5).unwrap().len(), 1);
    // The store is still open: the write-ahead log and shared memory exist now.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with("-wal")), "{names:?}");
    for name in &names {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert!(!contains(&bytes, "Quokkaberry"), "canary readable in {name}");
    }
    drop(store);
}

fn store_locale() -> liaison::model::values::Locale {
    liaison::model::values::Locale::default()
}

#[test]
fn audit_verify_names_the_first_altered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), &pass(), &office()).unwrap();
    for i in 0..5 {
        store.audit("search", &serde_json::json!({ "query": format!("q{i}") })).unwrap();
    }
    assert_eq!(store.audit_verify().unwrap().first_broken, None);
    // An insider with the key edits entry 3 directly in the database.
    store.conn().execute("UPDATE audit SET detail = '{\"query\":\"innocent\"}' WHERE n = 3", []).unwrap();
    let verdict = store.audit_verify().unwrap();
    assert_eq!(verdict.first_broken, Some(3));
    assert!(verdict.reason.unwrap().contains("altered"));
    assert!(!store.check().unwrap().ok);
}

#[test]
fn audit_verify_notices_a_removed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), &pass(), &office()).unwrap();
    for _ in 0..4 {
        store.audit("view person", &serde_json::json!({})).unwrap();
    }
    store.conn().execute("DELETE FROM audit WHERE n = 2", []).unwrap();
    assert_eq!(store.audit_verify().unwrap().first_broken, Some(2));
}

#[test]
fn a_store_from_a_newer_liaison_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::create(dir.path(), &pass(), &office()).unwrap();
        store.conn().pragma_update(None, "user_version", 999).unwrap();
    }
    let before = std::fs::read(dir.path().join("liaison.db")).unwrap();
    let err = Store::open(dir.path(), &pass()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew(_)), "{err}");
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("liaison.db")).unwrap(), before);
}

#[test]
fn creating_over_an_existing_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), &pass(), &office()).unwrap());
    assert!(matches!(Store::create(dir.path(), &pass(), &office()), Err(StoreError::Exists(_))));
}

/// A case with no marking statement (a partner's case whose marking was withheld) is listed
/// under the strongest marking its own values carry, never as TLP:CLEAR.
#[test]
fn a_case_without_a_marking_statement_is_not_listed_as_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), &pass(), &office()).unwrap();
    let mut tx = store.write("test").unwrap();
    let props = [("reference".to_owned(), "NM-1".to_owned()), ("title".to_owned(), "Unmarked".to_owned())];
    let prov = Provenance {
        marking: Some(liaison::model::marking::Marking::parse("TLP:RED").unwrap()),
        ..Provenance::default()
    };
    tx.new_record("Case", None, &props, &prov).unwrap();
    tx.commit(&serde_json::json!({})).unwrap();
    let cases = store.cases(&liaison::store::query::CaseFilter::default()).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].marking, "TLP:RED", "{:?}", cases[0]);
}
