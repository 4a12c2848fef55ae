//! MISP round trip on real files (issue 11, acceptance 1): PyMISP's own test events and
//! misp-stix's event collection, imported and exported back, keep ≥ 99 % of their
//! attributes, objects and galaxy clusters by uuid and ≥ 98 % of their properties, and the
//! export passes the MISP validator. Fails, not skips, in CI when ../shared is missing.

use crate::common;
use crate::interop_common;

use std::path::Path;

use common::Liaison;
use interop_common::{import, open_store, run_validator, shared};
use liaison::interop::misp_fidelity::{compare, losses};
use liaison::interop::{self, ExportFormat, ExportOptions, ImportFormat};

fn round_trip(shared: &Path, name: &str) {
    let l = Liaison::init();
    let mut store = open_store(&l);
    let source = shared.join("misp").join(name);
    let report = import(&mut store, &source, ImportFormat::Misp);
    assert_eq!(
        report.read,
        report.created + report.merged + report.unchanged + report.skipped.total,
        "{name}: the report adds up: {report:?}"
    );
    let out = l.root.path().join("out.misp.json");
    let mut opts = ExportOptions::new(ExportFormat::Misp);
    opts.reader.max_marking = Some(liaison::model::marking::Marking::parse("TLP:RED H0 H1 H2 H3").unwrap());
    opts.confirmed = true;
    let written = interop::export(&store, &out, &opts).unwrap();
    let read =
        |p: &Path| -> serde_json::Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let (before, after) = (read(&source), read(&out));
    let f = compare(&before, &after);
    let lost = losses(&before, &after, 10);
    assert!(f.things > 0, "{name}: {f:?}");
    assert!(f.things_ratio() >= 0.99, "{name}: {f:?}; {lost:#?}");
    assert!(f.properties_ratio() >= 0.98, "{name}: {f:?}; {lost:#?}");
    assert_eq!(f.events_kept, f.events, "{name}: every event by uuid");
    assert_eq!(written.written.get("event").copied(), Some(f.events as u64), "{name}: {written:?}");
    if let Some((ok, text)) =
        run_validator(&[&shared.join("tools/misp_validate.py").to_string_lossy(), &out.to_string_lossy()])
    {
        assert!(ok, "{name}: {text}");
    }
}

#[test]
fn pymisp_events_with_objects_galaxies_and_sightings_come_back_whole() {
    let Some(shared) = shared() else { return };
    for name in
        // existing_event.json tags one ATT&CK cluster on several attributes: read once.
        [
            "pymisp-tests/galaxy_1.json",
            "pymisp-tests/mainly_objects_1.json",
            "pymisp-tests/sighting_1.json",
            "pymisp-tests/existing_event.json",
        ]
    {
        round_trip(&shared, name);
    }
}

#[test]
fn an_event_with_attachments_comes_back_with_their_data() {
    let Some(shared) = shared() else { return };
    round_trip(&shared, "pymisp-tests/image_event.json");
}

#[test]
fn a_collection_of_events_comes_back_as_as_many_events() {
    let Some(shared) = shared() else { return };
    round_trip(&shared, "misp-stix-tests/test_events_collection_1.json");
    round_trip(&shared, "misp-stix-tests/test_events_collection_2.json");
}
