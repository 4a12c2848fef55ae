//! Importing other tools' files: every shared file imports with provenance, re-import
//! changes nothing, bad files are refused naming the fault and leave the store unchanged.

use crate::common;
use crate::interop_common;

use common::Liaison;
use interop_common::{data_files, format_of, import, open_store, shared};
use liaison::interop::{self, ImportFormat, ImportOptions};

#[test]
fn every_shared_file_imports_with_provenance_and_a_second_import_changes_nothing() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    let files = data_files(&shared);
    assert!(files.len() >= 40, "{files:?}");
    let mut reports = Vec::new();
    for f in &files {
        let r = import(&mut store, f, format_of(f));
        // Every object read is imported or accounted for in the report.
        assert!(
            r.read > 0 && r.created + r.merged + r.unchanged + r.skipped.total > 0,
            "{}: {r:?}",
            f.display()
        );
        reports.push((f.clone(), r));
    }
    let by_name = |n: &str| &reports.iter().find(|(f, _)| f.ends_with(n)).unwrap().1;
    let kek = by_name("ftm/kek.ftm.json");
    assert_eq!(kek.created_by_kind.get("Company"), Some(&2705), "{kek:?}");
    assert_eq!(kek.created_by_kind.get("Ownership"), Some(&2902), "{kek:?}");
    let meetings = by_name("ftm/ec_meetings.ftm.json");
    assert_eq!(meetings.read, 17_812);
    assert_eq!(meetings.created_by_kind.get("Event"), Some(&12_332), "{meetings:?}");
    assert_eq!(meetings.created_by_kind.get("Membership"), Some(&341), "{meetings:?}");
    let ics = by_name("stix/ics-attack-18.1.json");
    assert_eq!(ics.read, 1826);
    assert_eq!(ics.created_by_kind.get("Organization"), Some(&17), "16 intrusion sets and MITRE: {ics:?}");
    assert_eq!(ics.created_by_kind.get("Event"), Some(&8), "campaigns: {ics:?}");
    // Nothing is dropped for want of a kind: attack patterns and the rest are kept whole.
    assert!(ics.created_by_kind.get("OtherRecord").is_some_and(|n| *n > 300), "{ics:?}");
    assert_eq!(ics.created_by_kind.get("Malware"), Some(&30), "{ics:?}");
    assert_eq!(ics.created + ics.merged + ics.unchanged + ics.skipped.total, ics.read, "{ics:?}");
    let tiny = by_name("samples/tiny-misp-event.json");
    for (kind, n) in [("Case", 1), ("BankAccount", 1), ("Phone", 1), ("Person", 1), ("Ownership", 1)] {
        assert_eq!(tiny.created_by_kind.get(kind), Some(&n), "{kind}: {tiny:?}");
    }

    // Provenance: the statements name the file's producer (not its name, so that the same
    // content under another name converges), and carry the file's marking.
    let hits = store.search("Ivan Example", 5).unwrap();
    let people: Vec<_> =
        hits.iter().filter(|h| h.schema == "Person").map(|h| store.entity(h.id, 10).unwrap()).collect();
    assert_eq!(people.len(), 2, "one from the MISP sample, one from the FtM sample: {hits:?}");
    let from_misp = |s: &&liaison::store::query::StatementView| {
        s.prop == "name" && s.source.as_ref().is_some_and(|src| src.name == "Joint Task Force Example")
    };
    let name = people.iter().find_map(|p| p.statements.iter().find(from_misp)).expect("the MISP person");
    let source = name.source.as_ref().unwrap();
    assert_eq!(source.name, "Joint Task Force Example", "{source:?}");
    // tlp:amber on an event restricted to "your organisation only": the stricter holds.
    assert_eq!(name.marking, "TLP:AMBER+STRICT");
    let company = store.search("Ullstein", 5).unwrap();
    let company = store.entity(company[0].id, 10).unwrap();
    assert!(
        company.statements.iter().any(|s| s.prop == "externalId" && s.value.starts_with("ftm:")),
        "{company:?}"
    );

    // The same files again: recognised, nothing read, nothing written.
    let before = store.stats().unwrap();
    for f in &files {
        let r = import(&mut store, f, format_of(f));
        assert!(r.already_imported.is_some() && !r.changed, "{}: {r:?}", f.display());
    }
    // And read again statement by statement (as if the log were lost): still nothing new.
    for name in [
        "ftm/kek.ftm.json",
        "samples/tiny-misp-event.json",
        "stix/oasis-examples/apt1.json",
        "misp/pymisp-tests/mainly_objects_1.json",
    ] {
        let f = shared.join(name);
        let mut opts = ImportOptions::new(format_of(&f));
        opts.ignore_log = true;
        let r = interop::import(&mut store, &f, &opts, &mut |_, _| {}).unwrap();
        assert_eq!((r.created, r.merged, r.ops, r.changed), (0, 0, 0, false), "{name}: {r:?}");
    }
    assert_eq!(store.stats().unwrap(), before);
    let log = store.audit_log(200, 0).unwrap();
    assert!(log.iter().filter(|e| e.action == "interop import").count() >= files.len() * 2, "audited");
}

#[test]
fn bad_samples_are_refused_naming_the_fault_and_change_nothing() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    let before = store.stats().unwrap();
    for (file, format, fault) in [
        ("bad-bundle.json", ImportFormat::Stix, "is not \"threat-actor--\" followed by a UUID"),
        // bad-entities.ftm.json imports what is FtM in it, lenient by entity:
        // tests/interop_ftm_roundtrip.rs.
        ("bad-misp-event.json", ImportFormat::Misp, "uuid \"not-a-uuid\" is not a UUID"),
    ] {
        let path = shared.join("samples").join(file);
        // Lenient by object, strict by file (issue 11): `--strict` refuses the whole file.
        let mut opts = ImportOptions::new(format);
        opts.strict = true;
        let err = interop::import(&mut store, &path, &opts, &mut |_, _| {}).expect_err(file).to_string();
        assert!(err.contains(file) && err.contains(fault), "{file}: {err}");
    }
    assert_eq!(store.stats().unwrap(), before);
}

#[test]
fn truncated_wrong_and_hostile_files_are_refused_without_writing() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    let dir = l.root.path();
    let ics = std::fs::read(shared.join("stix/ics-attack-18.1.json")).unwrap();
    let cases: Vec<(&str, Vec<u8>, ImportFormat, &str)> = vec![
        ("truncated.json", ics[..ics.len() / 2].to_vec(), ImportFormat::Stix, "truncated"),
        (
            "ftm-as-stix.json",
            std::fs::read(shared.join("ftm/kek.ftm.json")).unwrap(),
            ImportFormat::Stix,
            "bad JSON",
        ),
        ("stix-as-misp.json", ics.clone(), ImportFormat::Misp, "--format stix"),
        ("stix-as-ftm.json", ics.clone(), ImportFormat::Ftm, "line 1"),
        (
            "deep.json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            ImportFormat::Stix,
            "line 1",
        ),
        ("empty.ftm.json", Vec::new(), ImportFormat::Ftm, "empty"),
    ];
    let before = store.stats().unwrap();
    for (name, bytes, format, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = interop::import(&mut store, &path, &ImportOptions::new(format), &mut |_, _| {})
            .expect_err(name)
            .to_string();
        assert!(err.contains(name) && err.contains(needle), "{name}: {err}");
    }
    assert_eq!(store.stats().unwrap(), before);
}

#[test]
fn a_dry_run_reports_the_same_as_the_import_and_writes_nothing() {
    let Some(shared) = shared() else { return };
    let l = Liaison::init();
    let mut store = open_store(&l);
    let before = store.stats().unwrap();
    let file = shared.join("ftm/donations.nomenklatura.ijson");
    let mut opts = ImportOptions::new(ImportFormat::Ftm);
    opts.dry_run = true;
    let preview = interop::import(&mut store, &file, &opts, &mut |_, _| {}).unwrap();
    assert_eq!(store.stats().unwrap(), before, "a preview writes nothing");
    assert!(preview.dry_run && preview.created == 474, "{preview:?}");
    let mut done = 0;
    opts.dry_run = false;
    let real = interop::import(&mut store, &file, &opts, &mut |d, t| {
        assert!(d <= t);
        done = d;
    })
    .unwrap();
    assert!(done > 0, "progress was reported");
    assert_eq!((real.created, real.values_written), (preview.created, preview.values_written));
    assert!(real.changed && real.ops > 0);
}

// ---- Markings: read by what they say, never CLEAR by default (issue 9) ----

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/interop/markings/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The markings of the `prop` values of the one entity called `name`, as `entity show` says.
fn markings_of(l: &Liaison, name: &str, prop: &str) -> Vec<String> {
    let hits = l.json(&["search", name]);
    let id = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["caption"] == name)
        .unwrap_or_else(|| panic!("{name}: {hits}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = l.json(&["entity", "show", &id]);
    let mut out: Vec<String> = view["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["prop"] == prop)
        .map(|s| s["marking"].as_str().unwrap().to_owned())
        .collect();
    out.dedup();
    out
}

/// The report's tally for `marking`: the `from` of each line.
fn tally_from(report: &serde_json::Value, marking: &str) -> Vec<String> {
    report["markings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["marking"] == marking)
        .map(|t| t["from"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn partner_stix_markings_are_read_by_what_they_say_and_unreadable_ones_fall_back_and_are_named() {
    let l = Liaison::init();
    let report = l.json(&["import", "--format", "stix", &fixture("partner-markings.stix.json")]);
    // OpenCTI's own TLP:AMBER+STRICT, under OpenCTI's id.
    assert_eq!(markings_of(&l, "Ana Strictova", "name"), ["TLP:AMBER+STRICT"], "{report}");
    // OpenCTI's PAP:RED: at least as strict, TLP:RED.
    assert_eq!(markings_of(&l, "Pavel Papov", "name"), ["TLP:RED"]);
    // A TLP 2.0 definition under an id of the partner's own.
    assert_eq!(markings_of(&l, "Tereza Greenova", "name"), ["TLP:GREEN"]);
    // A reference missing from the bundle: the office default, not CLEAR.
    assert_eq!(markings_of(&l, "Milan Missingov", "name"), ["TLP:AMBER"]);
    // One missing reference loses nothing of the others: RED holds.
    assert_eq!(markings_of(&l, "Rita Redova", "name"), ["TLP:RED"]);
    // A copyright statement and a granular GREEN: the fallback joined with what was read.
    assert_eq!(markings_of(&l, "Cyril Copyrightov", "name"), ["TLP:AMBER"]);
    // The report names each unreadable marking and how many objects it affected.
    let unread = &report["unreadable_markings"]["reasons"];
    let missing =
        unread["marking-definition--99999999-9999-4999-8999-999999999999 (not in the file)"]["count"]
            .as_u64();
    assert_eq!(missing, Some(2), "{report}");
    let statement =
        unread.as_object().unwrap().iter().find(|(k, _)| k.contains("Copyright 2023 Partner Agency"));
    assert_eq!(statement.map(|(_, v)| v["count"].as_u64()), Some(Some(1)), "{report}");
    assert!(
        tally_from(&report, "TLP:AMBER")
            .iter()
            .any(|f| f.contains("office default") && f.contains("unreadable")),
        "{report}"
    );
    assert_eq!(tally_from(&report, "TLP:AMBER+STRICT"), ["from the file"], "{report}");
    assert!(report["markings"].as_array().unwrap().iter().all(|t| t["marking"] != "TLP:CLEAR"), "{report}");
    // The text report says the same.
    let text = l.ok(&[
        "import",
        "--format",
        "stix",
        "--dry-run",
        "--source",
        "Partner desk",
        &fixture("partner-markings.stix.json"),
    ]);
    assert!(text.contains("unreadable marking marking-definition--99999999"), "{text}");
}

#[test]
fn a_misp_event_restricted_to_the_organisation_or_a_sharing_group_is_never_clear() {
    let l = Liaison::init();
    l.json(&["import", "--format", "misp", &fixture("own-organisation.misp.json")]);
    // Distribution 0 "your organisation only", no tlp tag; the things in it inherit (5).
    assert_eq!(markings_of(&l, "Oskar Ownorg", "name"), ["TLP:AMBER+STRICT"]);
    assert_eq!(markings_of(&l, "+436601234567", "number"), ["TLP:AMBER+STRICT"]);
    let cases = l.json(&["case", "list"]);
    let case = cases.as_array().unwrap().iter().find(|c| c["title"] == "Informant debrief").unwrap();
    assert_eq!(case["marking"], "TLP:AMBER+STRICT", "the event's case too: {cases}");

    let report = l.json(&["import", "--format", "misp", &fixture("sharing-group.misp.json")]);
    assert_eq!(markings_of(&l, "Sandor Sharegroup", "name"), ["TLP:AMBER+STRICT"]);
    let notes = report["marking_notes"]["reasons"].as_object().unwrap();
    assert!(notes.keys().any(|k| k.contains("JIT Danube") && k.contains("TLP:AMBER+STRICT")), "{report}");
}

#[test]
fn a_file_without_markings_takes_the_case_else_the_office_default_and_the_flag_only_narrows() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-7", "--title", "Harbour", "--marking", "TLP:AMBER"]);
    let report = l.json(&["import", "--format", "ftm", &fixture("unmarked.ftm.json"), "--case", "OP-7"]);
    assert_eq!(markings_of(&l, "Nora Nomark", "name"), ["TLP:AMBER"]);
    assert_eq!(tally_from(&report, "TLP:AMBER"), ["from case OP-7"], "{report}");

    let l = Liaison::init();
    let report = l.json(&["import", "--format", "ftm", &fixture("unmarked.ftm.json")]);
    assert_eq!(markings_of(&l, "Nora Nomark", "name"), ["TLP:AMBER"]);
    assert_eq!(tally_from(&report, "TLP:AMBER"), ["office default"], "{report}");
    let text =
        l.ok(&["import", "--format", "ftm", "--dry-run", "--source", "again", &fixture("unmarked.ftm.json")]);
    assert!(text.contains("TLP:AMBER  office default"), "{text}");

    // --marking on a RED file: joined, never replacing.
    let report = l.json(&["import", "--format", "stix", &fixture("red.stix.json"), "--marking", "FR-DR"]);
    assert_eq!(markings_of(&l, "Roman Redmark", "name"), ["TLP:RED FR-DR"], "{report}");
    assert_eq!(tally_from(&report, "TLP:RED FR-DR"), ["from the file and --marking"], "{report}");
    // And the flag where the file says nothing.
    l.json(&[
        "import",
        "--format",
        "ftm",
        &fixture("unmarked.ftm.json"),
        "--marking",
        "TLP:GREEN",
        "--source",
        "S2",
    ]);
    assert!(markings_of(&l, "Nora Nomark", "name").contains(&"TLP:GREEN".to_owned()));
}
