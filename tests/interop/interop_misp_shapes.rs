//! The shapes of MISP JSON real tools write (issue 11, acceptance 2): an event without
//! uuids (a sandbox vendor's feed, PyMISP's proposals), `{"response": …}` search results of
//! events, attributes and objects, a bare list of events, a feed folder without manifest;
//! and a re-import of the same content converging.

use crate::common;
use crate::interop_common;

use std::path::{Path, PathBuf};

use common::Liaison;
use interop_common::{import, open_store};
use liaison::interop::{self, ExportFormat, ExportOptions, ImportFormat};
use liaison::store::Store;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/misp").join(name)
}

fn count(store: &Store, kind: &str) -> i64 {
    store.stats().unwrap().by_kind.get(kind).copied().unwrap_or(0)
}

fn export_all(store: &Store, path: &Path) -> (interop::ExportReport, Value) {
    let mut opts = ExportOptions::new(ExportFormat::Misp);
    opts.reader.max_marking = Some(liaison::model::marking::Marking::parse("TLP:RED").unwrap());
    opts.confirmed = true;
    let report = interop::export(store, path, &opts).unwrap();
    (report, serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
}

#[test]
fn an_event_without_uuids_imports_and_a_reimport_converges() {
    let l = Liaison::init();
    let mut store = open_store(&l);
    let report = import(&mut store, &fixture("no-uuids.misp.json"), ImportFormat::Misp);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(count(&store, "Case"), 1);
    // The numeric port is a value, kept as a record of its own.
    assert_eq!(count(&store, "OtherRecord"), 3, "port, text and the domain-ip object");
    assert_eq!(count(&store, "File"), 1);
    let before = store.stats().unwrap();
    // The same content, written otherwise (other bytes, same name elsewhere): same records.
    let again = l.root.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let text: Value = serde_json::from_slice(&std::fs::read(fixture("no-uuids.misp.json")).unwrap()).unwrap();
    let copy = again.join("no-uuids.misp.json");
    std::fs::write(&copy, serde_json::to_vec(&text).unwrap()).unwrap();
    let second = import(&mut store, &copy, ImportFormat::Misp);
    assert_eq!(second.created, 0, "{second:?}");
    let after = store.stats().unwrap();
    assert_eq!(before.statements, after.statements);
    assert_eq!(before.entities, after.entities);
    // The minted uuids go back out, the same on every export.
    let (_, doc) = export_all(&store, &l.root.path().join("out.misp.json"));
    let attrs = doc["Event"]["Attribute"].as_array().unwrap();
    assert_eq!(attrs.len(), 4);
    assert!(attrs.iter().all(|a| uuid::Uuid::parse_str(a["uuid"].as_str().unwrap()).is_ok()));
    assert!(attrs.iter().any(|a| a["value"] == 443), "{attrs:?}");
}

#[test]
fn search_results_and_bare_lists_import() {
    for (file, cases, records) in [
        ("search-events.misp.json", 2, &[("BankAccount", 1), ("Url", 1)][..]),
        ("search-attributes.misp.json", 1, &[("IpAddress", 1), ("OtherRecord", 1)][..]),
        ("search-objects.misp.json", 1, &[("File", 1)][..]),
        ("bare-list.misp.json", 2, &[("CryptoWallet", 1), ("Vulnerability", 1)][..]),
    ] {
        let l = Liaison::init();
        let mut store = open_store(&l);
        let report = import(&mut store, &fixture(file), ImportFormat::Misp);
        assert!(report.skipped.is_empty(), "{file}: {:?}", report.skipped);
        assert_eq!(count(&store, "Case"), cases, "{file}");
        for (kind, n) in records {
            assert_eq!(count(&store, kind), *n, "{file}: {kind}");
        }
        assert_eq!(
            report.read,
            report.created + report.merged + report.unchanged + report.skipped.total,
            "{file}: {report:?}"
        );
    }
}

#[test]
fn a_feed_folder_without_manifest_imports_every_event_file() {
    let l = Liaison::init();
    let mut store = open_store(&l);
    let feed = l.root.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    std::fs::copy(fixture("no-uuids.misp.json"), feed.join("a.json")).unwrap();
    let doc: Value =
        serde_json::from_slice(&std::fs::read(fixture("search-events.misp.json")).unwrap()).unwrap();
    std::fs::write(feed.join("b.json"), serde_json::to_vec(&doc["response"][0]).unwrap()).unwrap();
    import(&mut store, &feed, ImportFormat::Misp);
    assert_eq!(count(&store, "Case"), 2);
}

#[test]
fn a_bad_attribute_skips_that_attribute_with_its_reason() {
    let l = Liaison::init();
    let mut store = open_store(&l);
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(fixture("search-events.misp.json")).unwrap()).unwrap();
    let attrs = doc["response"][0]["Event"]["Attribute"].as_array_mut().unwrap();
    attrs.push(serde_json::json!({"uuid": "not-a-uuid", "type": "domain", "value": "x.example"}));
    attrs.push(serde_json::json!({"uuid": "6a0e7c10-1c2d-4a3b-9e8f-0a1b2c3d4e09", "type": "domain", "value": ["a", "b"]}));
    let file = l.root.path().join("bad.misp.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let report = import(&mut store, &file, ImportFormat::Misp);
    let reasons: Vec<&String> = report.skipped.reasons.keys().collect();
    assert!(reasons.iter().any(|r| r.contains("\"not-a-uuid\" is not a UUID")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("without a value (found an array)")), "{reasons:?}");
    assert_eq!(count(&store, "BankAccount"), 1, "the rest is kept");
    assert_eq!(count(&store, "Url"), 1);
}

#[test]
fn a_whole_store_export_writes_one_event_per_source_event_with_its_own_uuid() {
    let l = Liaison::init();
    let mut store = open_store(&l);
    import(&mut store, &fixture("search-events.misp.json"), ImportFormat::Misp);
    let (report, doc) = export_all(&store, &l.root.path().join("all.misp.json"));
    let events = doc["response"].as_array().expect("two events: a response list");
    let uuids: Vec<&str> = events.iter().map(|e| e["Event"]["uuid"].as_str().unwrap()).collect();
    assert_eq!(uuids, ["6a0e7c10-1c2d-4a3b-9e8f-0a1b2c3d4e01", "6a0e7c10-1c2d-4a3b-9e8f-0a1b2c3d4e03"]);
    assert_eq!(report.written.get("event"), Some(&2), "{report:?}");
    assert_eq!(report.written.get("attribute iban"), Some(&1));
    assert_eq!(report.written.get("attribute url"), Some(&1));
    assert_eq!(events[0]["Event"]["Attribute"][0]["uuid"], "6a0e7c10-1c2d-4a3b-9e8f-0a1b2c3d4e02");
}

#[test]
fn an_edited_value_goes_out_and_a_value_the_reader_may_not_have_does_not() {
    let l = Liaison::init();
    let file = fixture("search-events.misp.json");
    l.ok(&["import", "--format", "misp", &file.to_string_lossy()]);
    let found = l.json(&["search", "kit.example", "--json"]);
    let id = found.as_array().unwrap().iter().find(|r| r["schema"] == "Url").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = l.root.path().join("out.misp.json");
    let export = |l: &Liaison| -> String {
        l.ok(&["export", "--format", "misp", "--max-marking", "TLP:AMBER", "-o", &out.to_string_lossy()]);
        std::fs::read_to_string(&out).unwrap()
    };
    l.ok(&["entity", "set", &id, "--prop", "url=https://kit.example/new"]);
    let text = export(&l);
    assert!(
        text.contains("https://kit.example/new") && !text.contains("https://kit.example/login"),
        "{text}"
    );
    // Made RED in the store: neither the new value nor the file's own goes to an AMBER reader.
    l.ok(&["entity", "set", &id, "--prop", "url=https://kit.example/secret", "--marking", "TLP:RED"]);
    let text = export(&l);
    assert!(!text.contains("kit.example"), "{text}");
    assert!(text.contains("NL91ABNA0417164300"), "the rest goes out: {text}");
}

/// Lenient by object, strict by file: one bad attribute is skipped with its reason and the
/// rest imported; under `--strict` the whole file is refused, exit 2, nothing written. The same
/// for an FtM file with one bad entity.
#[test]
fn one_bad_object_is_skipped_and_strict_refuses_the_whole_file() {
    let l = Liaison::init();
    let misp = l.root.path().join("one-bad.misp.json");
    std::fs::write(
        &misp,
        r#"{"Event":{"uuid":"5b0a9c1e-0000-4000-8000-00000000e001","info":"Drop","date":"2024-05-01",
            "Attribute":[{"uuid":"5b0a9c1e-0000-4000-8000-00000000a001","type":"domain","value":"drop-zone.example"},
                         {"uuid":"nope","type":"domain","value":"other.example"}]}}"#,
    )
    .unwrap();
    let ftm = l.root.path().join("one-bad.ftm.json");
    std::fs::write(
        &ftm,
        "{\"id\":\"p-1\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Ana Ruiz\"]}}\n\
         {\"id\":\"p-2\",\"schema\":\"NoSuchSchema\",\"properties\":{}}\n",
    )
    .unwrap();
    for (file, format) in [(&misp, "misp"), (&ftm, "ftm")] {
        let before = l.json(&["stats"]);
        let (code, err) = l.fails(&["import", "--strict", "--format", format, file.to_str().unwrap()]);
        assert_eq!(code, 2, "{format}: {err}");
        assert_eq!(l.json(&["stats"]), before, "{format}: a refused file changes nothing");
        let report = l.json(&["import", "--format", format, file.to_str().unwrap()]);
        assert_eq!(report["skipped"]["total"], 1, "{format}: {report}");
        assert_ne!(l.json(&["stats"])["statements"], before["statements"], "{format}: the rest is imported");
    }
    // The export says how many events it wrote, not only objects: the MISP event back with
    // its own uuid, and one for the record the FtM file brought.
    let out = l.root.path().join("back.misp.json");
    let text = l.ok(&["export", "--format", "misp", "-o", out.to_str().unwrap(), "--yes"]);
    assert!(text.starts_with("Exported 2 events (4 objects in all)"), "{text}");
}
