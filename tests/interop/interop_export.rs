//! Exports checked by the formats' own validators: FtM round trip, STIX of the demo and of
//! an imported ATT&CK bundle, MISP, and the chart and timeline formats; and what each format
//! releases, to whom (issue 9: "existence is information").

use crate::common;
use crate::exchange_support;
use crate::interop_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::Liaison;
use interop_common::{import, open_store, run_validator, shared, stix_validate};
use liaison::interop::{self, ExportFormat, ExportOptions, ImportFormat};
use liaison::store::Store;
use serde_json::Value;

/// The demo's values are this office's own; these tests read everything it holds.
fn export(
    store: &Store,
    path: &Path,
    format: ExportFormat,
    case: Option<uuid::Uuid>,
) -> interop::ExportReport {
    let mut opts = ExportOptions::new(format);
    opts.case = case;
    opts.reader.max_marking =
        Some(liaison::model::marking::Marking::parse("TLP:RED H0 H1 H2 H3 FR-DR FR-SD NL-DEP").unwrap());
    opts.confirmed = true;
    interop::export(store, path, &opts).unwrap()
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
    let first: Value =
        serde_json::from_str(std::fs::read_to_string(&ftm).unwrap().lines().next().unwrap()).unwrap();
    assert!(first["marking"].as_str().is_some_and(|m| m.starts_with("TLP:")), "{first}");
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
                // Members whose every value was recorded under another case stay out.
                let elsewhere = r
                    .release
                    .records_left_out
                    .reasons
                    .iter()
                    .filter(|(k, _)| !k.starts_with("Associate") && !k.starts_with("Ownership"))
                    .map(|(_, s)| s.count)
                    .sum::<u64>();
                assert_eq!(r.written.get("node").copied().unwrap_or(0) + elsewhere, members, "{r:?}");
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

// ---------------------------------------------------------------------------------------
// Release: a file holds only what its reader may have.

const FORMATS: [(&str, &str); 6] = [
    ("stix", "stix.json"),
    ("ftm", "ftm.json"),
    ("misp", "misp.json"),
    ("graphml", "graphml"),
    ("anx", "anx"),
    ("timeline-csv", "csv"),
];

/// Paris (this office) and Lyon, of the same agency, and Europol in The Hague. Lyon shares
/// OP-L with Paris: Karim Benali with a CLEAR name and RED, AMBER+STRICT and H2 aliases, and
/// a person known only under RED. Paris works OP-P (shared with Europol) and OP-X (shared
/// with no one): Ahmed Dupont with an AMBER name, a RED alias, a FR-DR alias and, under OP-X,
/// an alias and a birth date; his phone; an AMBER ownership, a RED-only call, and an AMBER
/// association with Karim Benali.
struct World {
    paris: Liaison,
    _lyon: Liaison,
    _hague: Liaison,
}

fn id(out: &str) -> String {
    out.split_whitespace()
        .find(|w| uuid::Uuid::parse_str(w).is_ok())
        .unwrap_or_else(|| panic!("no id in {out}"))
        .to_owned()
}

fn world() -> World {
    use exchange_support::{office, path, trust_all};
    let paris = office("Paris", "Police Judiciaire", "FR");
    let lyon = office("Lyon", "Police Judiciaire", "FR");
    let hague = office("Europol", "Europol", "NL");
    trust_all(&[&paris, &lyon, &hague]);
    lyon.ok(&["case", "new", "--ref", "OP-L", "--title", "Lyon labs", "--marking", "TLP:CLEAR"]);
    let karim = id(&lyon.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Karim Benali",
        "--marking",
        "TLP:CLEAR",
        "--case",
        "OP-L",
    ]));
    for (alias, marking) in
        [("Le Chimiste", "TLP:RED"), ("KB-strict", "TLP:AMBER+STRICT"), ("KB-h2", "TLP:GREEN H2")]
    {
        lyon.ok(&[
            "entity",
            "set",
            &karim,
            "--prop",
            &format!("alias={alias}"),
            "--marking",
            marking,
            "--case",
            "OP-L",
        ]);
    }
    lyon.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Lyon Informant",
        "--marking",
        "TLP:RED",
        "--case",
        "OP-L",
    ]);
    lyon.ok(&["case", "share", "OP-L", "--with", "Paris"]);
    let bundle = path(&lyon, "to-paris");
    lyon.ok(&["export", "--to", "Paris", "-o", bundle.to_str().unwrap()]);
    paris.ok(&["import", bundle.to_str().unwrap()]);

    paris.ok(&["case", "new", "--ref", "OP-P", "--title", "Port money", "--marking", "TLP:CLEAR"]);
    paris.ok(&["case", "new", "--ref", "OP-X", "--title", "Internal review", "--marking", "TLP:CLEAR"]);
    let ahmed = id(&paris.ok(&[
        "entity",
        "new",
        "--schema",
        "Person",
        "--prop",
        "name=Ahmed Dupont",
        "--marking",
        "TLP:AMBER",
        "--case",
        "OP-P",
    ]));
    paris.ok(&[
        "entity",
        "set",
        &ahmed,
        "--prop",
        "alias=Le Banquier",
        "--marking",
        "TLP:RED",
        "--case",
        "OP-P",
    ]);
    paris.ok(&[
        "entity",
        "set",
        &ahmed,
        "--prop",
        "alias=AD-DR",
        "--marking",
        "TLP:GREEN FR-DR",
        "--case",
        "OP-P",
    ]);
    paris.ok(&[
        "entity",
        "set",
        &ahmed,
        "--prop",
        "alias=Secret-X",
        "--marking",
        "TLP:AMBER",
        "--case",
        "OP-X",
    ]);
    paris.ok(&[
        "entity",
        "set",
        &ahmed,
        "--prop",
        "birthDate=1980-05-05",
        "--marking",
        "TLP:AMBER",
        "--case",
        "OP-X",
    ]);
    let phone = id(&paris.ok(&[
        "entity",
        "new",
        "--schema",
        "Phone",
        "--prop",
        "number=+33612345678",
        "--marking",
        "TLP:CLEAR",
        "--case",
        "OP-P",
    ]));
    let phone2 = id(&paris.ok(&[
        "entity",
        "new",
        "--schema",
        "Phone",
        "--prop",
        "number=+33698765432",
        "--marking",
        "TLP:CLEAR",
        "--case",
        "OP-P",
    ]));
    paris.ok(&[
        "link",
        "new",
        "--schema",
        "Ownership",
        "--from",
        &ahmed,
        "--to",
        &phone,
        "--prop",
        "startDate=2024-03-01",
        "--marking",
        "TLP:AMBER",
        "--case",
        "OP-P",
    ]);
    paris.ok(&[
        "link",
        "new",
        "--schema",
        "Call",
        "--from",
        &phone,
        "--to",
        &phone2,
        "--prop",
        "date=2024-04-04",
        "--marking",
        "TLP:RED",
        "--case",
        "OP-P",
    ]);
    paris.ok(&[
        "link",
        "new",
        "--schema",
        "Associate",
        "--from",
        &ahmed,
        "--to",
        &karim,
        "--prop",
        "startDate=2024-01-02",
        "--marking",
        "TLP:AMBER",
        "--case",
        "OP-P",
    ]);
    paris.ok(&["case", "share", "OP-P", "--with", "Europol"]);
    World { paris, _lyon: lyon, _hague: hague }
}

/// Exports with the real binary and returns the file's text.
fn export_text(l: &Liaison, format: &str, ext: &str, extra: &[&str]) -> String {
    let out = l.root.path().join(format!("out-{}.{ext}", extra.join("_").replace(['/', ':', ' '], "-")));
    let mut args = vec!["export", "--format", format, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    l.ok(&args);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{format}: the file is readable by others ({mode:o})");
    }
    std::fs::read_to_string(&out).unwrap()
}

fn assert_absent(text: &str, what: &[&str], context: &str) {
    for w in what {
        assert!(!text.contains(w), "{context}: {w:?} was written\n{}", &text[..text.len().min(3000)]);
    }
}

#[test]
fn a_default_export_holds_only_this_offices_values_up_to_amber_in_every_format() {
    let w = world();
    for (format, ext) in FORMATS {
        let text = export_text(&w.paris, format, ext, &["--yes"]);
        // Another office's values, even CLEAR; this office's RED; a RED-only call.
        assert_absent(
            &text,
            &[
                "Karim Benali",
                "Le Chimiste",
                "KB-strict",
                "KB-h2",
                "Lyon Informant",
                "Le Banquier",
                "2024-04-04",
            ],
            format,
        );
        if format != "timeline-csv" {
            assert!(text.contains("Ahmed Dupont"), "{format}: this office's AMBER name is missing\n{text}");
        }
    }
    // The association with Karim Benali has no end the file may show: it is not drawn.
    let graphml = export_text(&w.paris, "graphml", "graphml", &["--yes"]);
    assert_eq!(graphml.matches("<edge ").count(), 1, "{graphml}");
    // The timeline: Ahmed's ownership is there, with its marking in the last column.
    let csv = export_text(&w.paris, "timeline-csv", "csv", &["--yes"]);
    assert!(csv.lines().next().unwrap().ends_with(",precision,marking"), "{csv}");
    assert!(csv.lines().any(|l| l.contains("2024-03-01") && l.ends_with("TLP:AMBER")), "{csv}");
}

#[test]
fn an_export_for_a_case_writes_nothing_recorded_under_another_case() {
    let w = world();
    for (format, ext) in FORMATS {
        let text = export_text(
            &w.paris,
            format,
            ext,
            &["--case", "OP-P", "--max-marking", "TLP:RED FR-DR", "--yes"],
        );
        assert_absent(&text, &["Secret-X", "1980-05-05", "Internal review"], format);
        if format != "timeline-csv" {
            assert!(text.contains("Ahmed Dupont"), "{format}: the case's own person is missing\n{text}");
        }
        if matches!(format, "ftm" | "misp") {
            assert!(text.contains("Le Banquier"), "{format}: asked up to RED\n{text}");
        }
    }
    // The whole store's timeline does have the birth date: the case scope is what kept it out.
    let all = export_text(&w.paris, "timeline-csv", "csv", &["--yes"]);
    assert!(all.contains("1980-05-05"), "{all}");
}

#[test]
fn an_export_for_an_office_writes_what_a_bundle_to_it_would_carry() {
    let w = world();
    for (format, ext) in FORMATS {
        let text = export_text(&w.paris, format, ext, &["--for", "Europol", "--yes"]);
        // FR-DR stays in France; OP-X is not shared with Europol; Lyon's RED was never
        // Paris's to give; OP-L's own informant is not in a case shared with Europol.
        assert_absent(
            &text,
            &[
                "AD-DR",
                "Secret-X",
                "1980-05-05",
                "Le Chimiste",
                "KB-strict",
                "KB-h2",
                "Lyon Informant",
                "Internal review",
            ],
            format,
        );
        if format != "timeline-csv" {
            assert!(text.contains("Ahmed Dupont"), "{format}: AMBER of a case shared with Europol\n{text}");
        }
        if matches!(format, "ftm" | "misp") {
            assert!(text.contains("Le Banquier"), "{format}: RED of a case Europol is named on\n{text}");
        }
    }
    let (_, err) = w.paris.fails(&["export", "--format", "stix", "-o", "/dev/null", "--for", "Nowhere"]);
    assert!(err.contains("Nowhere"), "{err}");
}

#[test]
fn another_offices_red_is_written_only_when_that_office_is_named() {
    let w = world();
    let max = ["--max-marking", "TLP:RED H2"];
    let without = export_text(&w.paris, "ftm", "ftm.json", &[max[0], max[1], "--yes"]);
    assert_absent(
        &without,
        &["Le Chimiste", "KB-strict", "KB-h2", "Lyon Informant"],
        "without --include-from",
    );
    assert!(without.contains("Karim Benali") && without.contains("Le Banquier"), "{without}");
    let with = export_text(&w.paris, "ftm", "ftm.json", &[max[0], max[1], "--include-from", "Lyon", "--yes"]);
    for v in ["Le Chimiste", "KB-strict", "KB-h2", "Lyon Informant"] {
        assert!(with.contains(v), "{v} missing with --include-from Lyon\n{with}");
    }
}

#[test]
fn formats_carry_the_marking_of_what_they_hold() {
    let w = world();
    let stix: Value = serde_json::from_str(&export_text(
        &w.paris,
        "stix",
        "stix.json",
        &["--max-marking", "TLP:RED FR-DR", "--yes"],
    ))
    .unwrap();
    let objects = stix["objects"].as_array().unwrap();
    let ahmed = objects.iter().find(|o| o["name"] == "Ahmed Dupont").unwrap();
    let refs: Vec<&str> =
        ahmed["object_marking_refs"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    // RED (its strictest value) by the standard TLP 2.0 id, and a statement for FR-DR.
    assert!(refs.contains(&"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"), "{refs:?}");
    assert!(
        refs.iter()
            .any(|r| objects.iter().any(|o| o["id"] == *r
                && o["definition"]["statement"].as_str().is_some_and(|s| s.contains("FR-DR")))),
        "{refs:?}"
    );
    let misp: Value = serde_json::from_str(&export_text(&w.paris, "misp", "misp.json", &["--yes"])).unwrap();
    let event = &misp["Event"];
    assert!(event["Tag"].as_array().unwrap().iter().any(|t| t["name"] == "tlp:amber"), "{event}");
    let person = event["Object"].as_array().unwrap().iter().find(|o| o["name"] == "person").unwrap();
    assert_eq!(person["distribution"], "0", "FR-DR stays with this organisation: {person}");
    let phone = event["Object"].as_array().unwrap().iter().find(|o| o["name"] == "phone").unwrap();
    assert_eq!(phone["distribution"], "3", "a CLEAR phone: {phone}");
    assert!(
        phone["Attribute"][0]["Tag"].as_array().unwrap().iter().any(|t| t["name"] == "tlp:clear"),
        "{phone}"
    );
    let ftm = export_text(&w.paris, "ftm", "ftm.json", &["--yes"]);
    let line: Value =
        serde_json::from_str(ftm.lines().find(|l| l.contains("Ahmed Dupont")).unwrap()).unwrap();
    assert_eq!(line["marking"], "TLP:AMBER FR-DR", "{line}");
    let graphml = export_text(&w.paris, "graphml", "graphml", &["--yes"]);
    assert!(graphml.contains("<data key=\"node_marking\">TLP:CLEAR</data>"), "{graphml}");
    let anx = export_text(&w.paris, "anx", "anx", &["--yes"]);
    assert!(anx.contains("AttributeClass=\"Marking\" Value=\"TLP:AMBER FR-DR\""), "{anx}");
}

#[test]
fn released_exports_with_their_markings_still_pass_the_validators() {
    let Some(shared) = shared() else { return };
    let w = world();
    let dir = w.paris.root.path();
    for (format, ext) in [("stix", "stix.json"), ("ftm", "ftm.json"), ("misp", "misp.json")] {
        let file = dir.join(format!("valid.{ext}"));
        w.paris.ok(&[
            "export",
            "--format",
            format,
            "-o",
            file.to_str().unwrap(),
            "--max-marking",
            "TLP:RED FR-DR",
            "--yes",
        ]);
        let checked = match format {
            "stix" => stix_validate(&file),
            "ftm" => run_validator(&[
                &shared.join("tools/ftm_validate.py").to_string_lossy(),
                &file.to_string_lossy(),
            ]),
            _ => run_validator(&[
                &shared.join("tools/misp_validate.py").to_string_lossy(),
                &file.to_string_lossy(),
            ]),
        };
        if let Some((ok, text)) = checked {
            assert!(ok, "{format}: {text}");
        }
    }
}

#[test]
fn red_or_a_national_marking_is_written_only_once_confirmed() {
    let w = world();
    let out = w.paris.root.path().join("red.stix.json");
    let (_, err) = w.paris.fails(&[
        "export",
        "--format",
        "stix",
        "-o",
        out.to_str().unwrap(),
        "--max-marking",
        "TLP:RED",
    ]);
    assert!(err.contains("TLP:RED") && err.contains("--yes"), "{err}");
    assert!(!out.exists() && !out.with_extension("partial").exists(), "something was written");
    // The default holds a FR-DR value: the same question.
    let (_, err) = w.paris.fails(&["export", "--format", "ftm", "-o", out.to_str().unwrap()]);
    assert!(err.contains("national marking"), "{err}");
    assert!(!out.exists());
    // Nothing sensitive: no question.
    w.paris.ok(&["export", "--format", "ftm", "-o", out.to_str().unwrap(), "--max-marking", "TLP:AMBER"]);
    let report = w.paris.json(&["export", "--format", "ftm", "-o", out.to_str().unwrap(), "--yes"]);
    assert!(report["release"]["values_left_out"]["total"].as_u64().unwrap() > 0, "{report}");
}
