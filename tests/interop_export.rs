//! Exports checked by the formats' own validators: FtM round trip, STIX of the demo and of
//! an imported ATT&CK bundle, MISP, and the chart and timeline formats.

mod common;
mod interop_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::Liaison;
use interop_common::{import, open_store, run_validator, shared, stix_validate};
use liaison::interop::{self, ExportFormat, ExportOptions, ImportFormat};
use liaison::store::Store;
use serde_json::Value;

fn export(
    store: &Store,
    path: &Path,
    format: ExportFormat,
    case: Option<uuid::Uuid>,
) -> interop::ExportReport {
    interop::export(store, path, &ExportOptions { format, case }).unwrap()
}

type Entities = BTreeMap<String, (String, BTreeMap<String, BTreeSet<String>>)>;

fn ftm_entities(path: &Path) -> Entities {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let props = v["properties"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, vs)| {
                    (
                        k.clone(),
                        vs.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect(),
                    )
                })
                .collect();
            (v["id"].as_str().unwrap().to_owned(), (v["schema"].as_str().unwrap().to_owned(), props))
        })
        .collect()
}

#[test]
fn ftm_round_trip_gives_back_the_same_entities_and_passes_the_validator() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    let source = shared.join("ftm/kek.ftm.json");
    import(&mut store, &source, ImportFormat::Ftm);
    let out = l.root.path().join("kek-out.ftm.json");
    let report = export(&store, &out, ExportFormat::Ftm, None);
    assert!(report.left_out.is_empty(), "{report:?}");
    let before = ftm_entities(&source);
    let after = ftm_entities(&out);
    assert_eq!(before.len(), after.len());
    for (id, (schema, props)) in &before {
        let (schema2, props2) = after.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(schema, schema2, "{id}");
        assert_eq!(props, props2, "{id}");
    }
    if let Some((ok, text)) =
        run_validator(&[&shared.join("tools/ftm_validate.py").to_string_lossy(), &out.to_string_lossy()])
    {
        assert!(ok, "{text}");
    }
}

#[test]
fn the_demo_and_an_imported_attack_bundle_export_as_valid_stix_and_misp() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    liaison::synth::demo::build(&mut store, &mut |_, _| {}).unwrap();
    let dir = l.root.path();
    let stix = dir.join("demo.stix.json");
    let r = export(&store, &stix, ExportFormat::Stix, None);
    assert!(r.written.get("identity").copied().unwrap_or(0) > 20, "{r:?}");
    assert!(r.written.contains_key("relationship") && r.written.contains_key("grouping"), "{r:?}");
    assert!(r.written.contains_key("phone-number") && r.written.contains_key("bank-account"), "{r:?}");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&stix).unwrap()).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    assert!(objects.iter().any(|o| o["type"] == "marking-definition" && o["name"] == "TLP:AMBER"));
    assert!(objects.iter().any(|o| o["extensions"].get(liaison::interop::stix::GRADE_EXTENSION).is_some()));
    if let Some((ok, text)) = stix_validate(&stix) {
        assert!(ok, "{text}");
    }
    // A case alone, and MISP.
    let case = store.case_id("PJ-MRS-2024-0113").unwrap();
    let case_stix = dir.join("case.stix.json");
    export(&store, &case_stix, ExportFormat::Stix, Some(case));
    let misp = dir.join("case.misp.json");
    let r = export(&store, &misp, ExportFormat::Misp, Some(case));
    assert!(r.written.contains_key("object person") && r.written.contains_key("object reference"), "{r:?}");
    if let Some((ok, text)) = stix_validate(&case_stix) {
        assert!(ok, "{text}");
    }
    let ftm = dir.join("demo.ftm.json");
    let r = export(&store, &ftm, ExportFormat::Ftm, None);
    assert!(r.written.get("Person").copied().unwrap_or(0) > 50, "{r:?}");
    assert!(r.left_out.reasons.keys().any(|k| k.contains("FtM cannot carry markings")), "{r:?}");
    if let Some((ok, text)) =
        run_validator(&[&shared.join("tools/ftm_validate.py").to_string_lossy(), &ftm.to_string_lossy()])
    {
        assert!(ok, "{text}");
    }
    let all_misp = dir.join("all.misp.json");
    export(&store, &all_misp, ExportFormat::Misp, None);
    for f in [&misp, &all_misp] {
        if let Some((ok, text)) =
            run_validator(&[&shared.join("tools/misp_validate.py").to_string_lossy(), &f.to_string_lossy()])
        {
            assert!(ok, "{text}");
        }
    }
    // STIX read back: the same people and the same grades.
    let l2 = Liaison::init();
    let mut other = open_store(&l2);
    let back = import(&mut other, &stix, ImportFormat::Stix);
    assert_eq!(back.created_by_kind.get("Person"), r_count(&store, "Person").as_ref(), "{back:?}");

    let l3 = Liaison::init();
    let mut attack = open_store(&l3);
    import(&mut attack, &shared.join("stix/ics-attack-18.1.json"), ImportFormat::Stix);
    let out = dir.join("ics.stix.json");
    let r = export(&attack, &out, ExportFormat::Stix, None);
    assert!(
        r.written.get("intrusion-set") == Some(&16) && r.written.get("x-mitre-tactic") == Some(&12),
        "{r:?}"
    );
    if let Some((ok, text)) = stix_validate(&out) {
        assert!(ok, "{text}");
    }
}

fn r_count(store: &Store, kind: &str) -> Option<u64> {
    store.stats().unwrap().by_kind.get(kind).map(|n| *n as u64)
}

#[test]
fn charts_and_the_timeline_export_in_their_formats() {
    let l = Liaison::init();
    let mut store = open_store(&l);
    liaison::synth::demo::build(&mut store, &mut |_, _| {}).unwrap();
    let case = store.case_id("JIT-2025-MAAS").unwrap();
    let dir = l.root.path();
    let members = store.case(case, 1000, 0, false).unwrap().members.len() as u64;
    for (format, name) in [
        (ExportFormat::Graphml, "c.graphml"),
        (ExportFormat::Anx, "c.anx"),
        (ExportFormat::TimelineCsv, "c.csv"),
    ] {
        let path = dir.join(name);
        let r = export(&store, &path, format, Some(case));
        let text = std::fs::read_to_string(&path).unwrap();
        match format {
            ExportFormat::Graphml => {
                assert_eq!(r.written.get("node"), Some(&members), "{r:?}");
                assert!(
                    text.contains("<key id=\"node_kind\"") && text.contains("<data key=\"edge_start\">"),
                    "{text}"
                );
            }
            ExportFormat::Anx => {
                assert!(
                    text.contains("<Link End1Id=") && text.contains("GradeOneIndex="),
                    "{}",
                    &text[..2000.min(text.len())]
                );
            }
            _ => {
                assert!(
                    text.starts_with("message,datetime,timestamp_desc,"),
                    "{}",
                    &text[..200.min(text.len())]
                );
                assert!(r.written.get("event").copied().unwrap_or(0) > 5, "{r:?}");
            }
        }
        if format != ExportFormat::TimelineCsv {
            let parsed = std::process::Command::new("python3")
                .args(["-c", "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])"])
                .arg(&path)
                .status();
            if let Ok(status) = parsed {
                assert!(status.success(), "{name} is not well-formed XML");
            }
        }
    }
}
