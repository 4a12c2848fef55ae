//! FtM in, FtM out, by id (issue 11): the shared real files and a file of every kind Liaison
//! does not model come back with their ids, schemata, properties and datasets, and the
//! exports pass the FtM validator; the shapes tools write (delta lines, pretty-printed arrays
//! and entities) import; what FtM would refuse on the way out (no name, a name too long) is
//! not lost.

use crate::common;
use crate::interop_common;

use std::path::{Path, PathBuf};

use common::Liaison;
use interop_common::{import, open_store, run_validator, shared};
use liaison::interop::ftm_fidelity::{Fidelity, measure};
use liaison::interop::input::FileInput;
use liaison::interop::{self, ExportFormat, ExportOptions, ExportReport, ImportFormat};
use liaison::store::Store;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ftm").join(name)
}

/// Everything the store holds, to FtM.
fn export(store: &Store, out: &Path) -> ExportReport {
    let mut opts = ExportOptions::new(ExportFormat::Ftm);
    opts.reader.max_marking = Some(liaison::model::marking::Marking::parse("TLP:RED").unwrap());
    opts.confirmed = true;
    interop::export(store, out, &opts).unwrap()
}

/// Import `file` into a fresh store, export it back; the fidelity and the export's report.
fn round_trip(l: &Liaison, file: &Path) -> (Fidelity, ExportReport, PathBuf) {
    let mut store = open_store(l);
    import(&mut store, file, ImportFormat::Ftm);
    let out = l.root.path().join(format!("{}.out.ftm.json", file.file_name().unwrap().to_string_lossy()));
    let report = export(&store, &out);
    let fid = measure(&FileInput::new(file).unwrap(), &FileInput::new(&out).unwrap()).unwrap();
    (fid, report, out)
}

/// The FtM validator's verdict on `file` (None without the validators, outside CI).
fn validate(shared: &Path, file: &Path) {
    if let Some((ok, text)) =
        run_validator(&[&shared.join("tools/ftm_validate.py").to_string_lossy(), &file.to_string_lossy()])
    {
        assert!(ok, "{}: {text}", file.display());
    }
}

fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn the_shared_real_files_come_back_by_id_and_pass_the_validator() {
    let Some(shared) = shared() else { return };
    for name in ["eu_authorities.ftm.json", "donations.nomenklatura.ijson"] {
        let l = Liaison::init();
        let (fid, _, out) = round_trip(&l, &shared.join("ftm").join(name));
        assert!(fid.entities > 100, "{name}: {fid:?}");
        assert!(fid.entities_share() >= 0.99, "{name}: entities {fid:?}");
        assert!(fid.values_share() >= 0.98, "{name}: property values {fid:?}");
        validate(&shared, &out);
    }
}

#[test]
fn every_ftm_kind_comes_back_with_its_schema_properties_and_envelope() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let file = fixture("kinds.ftm.json");
    let (fid, report, out) = round_trip(&l, &file);
    assert_eq!(fid.entities_kept, fid.entities, "{fid:?}");
    assert_eq!(fid.values_kept, fid.values, "every property value, innCode and uniqueEntityId too: {fid:?}");
    assert!(report.left_out.is_empty(), "{:?}", report.left_out);
    let written = lines(&out);
    let ivanov = written.iter().find(|e| e["id"] == "p-ivanov").unwrap();
    assert_eq!(ivanov["datasets"], serde_json::json!(["ru_fns", "eu_fsf"]));
    assert_eq!(ivanov["first_seen"], "2023-01-05T10:00:00");
    assert_eq!(ivanov["last_change"], "2023-11-20T12:00:00");
    validate(&shared, &out);
    // Kept whole, yet found by name like any record.
    let found = l.ok(&["search", "Accounts"]);
    assert!(found.contains("OtherRecord"), "{found}");
    let found = l.ok(&["search", "Deputy Minister"]);
    assert!(found.contains("Deputy Minister of Energy"), "{found}");
}

#[test]
fn records_ftm_would_refuse_on_the_way_out_are_named_not_lost() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let long = format!("Meeting on{}", " the future of rail freight,".repeat(20));
    let file = l.root.path().join("imperfect.ftm.json");
    let entities = [
        serde_json::json!({"id": "org-nameless", "schema": "Organization", "properties": {"idNumber": ["3978240953-79"]}}),
        serde_json::json!({"id": "ev-1", "schema": "Event", "properties": {"name": [long], "organizer": ["org-nameless"], "date": ["2023-06-09"]}}),
    ];
    std::fs::write(&file, entities.iter().map(|e| e.to_string() + "\n").collect::<String>()).unwrap();
    let (fid, report, out) = round_trip(&l, &file);
    assert_eq!(fid.entities_kept, 2, "{fid:?} {report:?}");
    let written = lines(&out);
    let org = written.iter().find(|e| e["id"] == "org-nameless").unwrap();
    assert_eq!(org["properties"]["name"], serde_json::json!(["org-nameless"]));
    let event = written.iter().find(|e| e["id"] == "ev-1").unwrap();
    let name = event["properties"]["name"][0].as_str().unwrap();
    assert!(
        name.chars().count() <= 384 && name.ends_with('…') && long.starts_with(name.trim_end_matches('…'))
    );
    assert_eq!(event["properties"]["description"], serde_json::json!([long]), "the whole name is kept");
    let reasons: Vec<&String> = report.left_out.reasons.keys().collect();
    assert!(reasons.iter().any(|r| r.contains("named from its FtM id")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("shortened")), "{reasons:?}");
    validate(&shared, &out);
}

#[test]
fn delta_files_and_pretty_printed_json_import_without_being_told_the_format() {
    let l = Liaison::init();
    let entities: Vec<Value> = lines(&fixture("kinds.ftm.json"));
    let dir = l.root.path();
    let delta = dir.join("changes.json");
    let mut text: String =
        entities.iter().map(|e| serde_json::json!({"op": "ADD", "entity": e}).to_string() + "\n").collect();
    text.push_str("{\"op\": \"DEL\", \"entity\": {\"id\": \"tab-1\", \"schema\": \"Table\"}}\n");
    std::fs::write(&delta, text).unwrap();
    let report = l.json(&["import", delta.to_str().unwrap()]);
    assert_eq!(report["created"], 16, "{report}");
    assert_eq!(report["read"], 17, "{report}");
    assert!(report["skipped"]["reasons"].as_object().unwrap().keys().any(|k| k.contains("DEL")), "{report}");

    let l = Liaison::init();
    let array = l.root.path().join("entities.json");
    std::fs::write(&array, serde_json::to_string_pretty(&entities).unwrap()).unwrap();
    let report = l.json(&["import", array.to_str().unwrap()]);
    assert_eq!(report["created"], 16, "{report}");
    let single = l.root.path().join("one.json");
    std::fs::write(&single, serde_json::to_string_pretty(&entities[0]).unwrap()).unwrap();
    let report = l.json(&["import", "--format", "ftm", single.to_str().unwrap()]);
    assert_eq!(report["read"], 1, "{report}");
}

#[test]
fn the_same_content_under_another_file_name_leaves_the_statement_count_unchanged() {
    let l = Liaison::init();
    let first = l.root.path().join("sanctions-2024-06.ftm.json");
    let second = l.root.path().join("copy of sanctions.json");
    let text = std::fs::read_to_string(fixture("kinds.ftm.json")).unwrap();
    // Every entity of this copy names its datasets: they, not the file, are the sources.
    let with_datasets: String = text
        .lines()
        .map(|l| {
            let mut e: Value = serde_json::from_str(l).unwrap();
            e.as_object_mut().unwrap().entry("datasets").or_insert(serde_json::json!(["eu_fsf"]));
            e.to_string() + "\n"
        })
        .collect();
    std::fs::write(&first, &with_datasets).unwrap();
    std::fs::write(&second, &with_datasets).unwrap();
    l.ok(&["import", "--format", "ftm", first.to_str().unwrap()]);
    let before = l.json(&["stats"])["statements"].as_u64().unwrap();
    l.ok(&["import", "--format", "ftm", second.to_str().unwrap()]);
    let after = l.json(&["stats"])["statements"].as_u64().unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_faulty_ftm_file_imports_what_is_ftm_in_it_and_names_each_fault() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    let report = import(&mut store, &shared.join("samples/bad-entities.ftm.json"), ImportFormat::Ftm);
    assert_eq!(report.read, 9, "{report:?}");
    assert_eq!(report.created, 7, "{report:?}");
    let reason = |needle: &str, at: &str| {
        report
            .skipped
            .reasons
            .iter()
            .any(|(why, s)| why.contains(needle) && s.examples.iter().any(|e| e.starts_with(at)))
    };
    assert!(reason("not an FtM id", "line 1"), "{:?}", report.skipped);
    assert!(reason("abstract FtM schema", "line 4"), "{:?}", report.skipped);
    // A bad value skips the value, not the entity: counted apart.
    let value_skipped = report.skipped_values.reasons.iter().any(|(why, s)| {
        why.contains("reverse property") && s.examples.iter().any(|e| e.starts_with("line 8"))
    });
    assert!(value_skipped, "{:?}", report.skipped_values);
    // A relationship without its asset, or between ids the file lacks, is kept whole.
    assert_eq!(report.created_by_kind.get("OtherRecord"), Some(&2), "{report:?}");
}

#[test]
fn a_placeholder_date_never_reaches_the_ftm_export() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let file = l.root.path().join("odd.ftm.json");
    std::fs::write(
        &file,
        "{\"id\": \"a1\", \"schema\": \"Address\", \"properties\": {\"full\": [\"Somewhere\"], \"latitude\": [\"121\"]}}\n\
         {\"id\": \"e1\", \"schema\": \"Event\", \"properties\": {\"name\": [\"Meeting\"], \"date\": [\"5138-11-16\"]}}\n",
    )
    .unwrap();
    let mut store = open_store(&l);
    let imported = import(&mut store, &file, ImportFormat::Ftm);
    let out = l.root.path().join("odd.out.ftm.json");
    let exported = export(&store, &out);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("5138"), "{text}");
    // Refused on the way in (with the reason) or left out on the way out, never silently.
    let said =
        imported.skipped.reasons.keys().chain(exported.left_out.reasons.keys()).any(|r| r.contains("date"));
    assert!(said, "{imported:?}\n{exported:?}");
    assert_eq!(lines(&out).len(), 2, "both records are exported: {text}");
    validate(&shared, &out);
}
