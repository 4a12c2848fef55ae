//! Watchlists as an analyst uses them: "tell me the moment this plate shows up". A watched
//! plate arriving in an imported CSV (written however the partner writes it) raises an alert
//! in the import's report, in `watch alerts` and in the audit log; what the store already held
//! when the watch was added is listed as such, never alerted; a bundle from another office
//! naming a watched phone alerts too.

use crate::common::Liaison;
use crate::exchange_support::{office, path, trust_all};

const MAPPING: &str = r#"
name = "plates"
description = "ANPR hits: plate, place, time"
producer = "test"
[csv]
delimiter = ","
[[entity]]
id = "car"
kind = "Vehicle"
props = { registrationNumber = "plate", model = "model" }
"#;

fn import_csv(l: &Liaison, name: &str, rows: &str) -> String {
    let csv = l.root.path().join(format!("{name}.csv"));
    std::fs::write(&csv, format!("plate,model\n{rows}")).unwrap();
    let mapping = l.root.path().join("plates.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    l.ok(&["import", "--format", "csv", "--mapping", mapping.to_str().unwrap(), csv.to_str().unwrap()])
}

#[test]
fn a_watched_plate_in_an_imported_csv_raises_an_alert() {
    let l = Liaison::init();
    import_csv(&l, "before", "GH-456-JK,Clio\n");
    // Watched as typed on a notepad: spaces instead of dashes, lower case.
    let added = l.json(&["watch", "add", "ab 123 cd", "--note", "Zambrano's Audi"]);
    assert_eq!(added["already_held"], 0);
    assert!(added["kinds"].as_array().unwrap().iter().any(|k| k == "plate"), "{added}");
    // The plate already held is not news.
    l.ok(&["watch", "add", "GH-456-JK"]);

    let out = import_csv(&l, "anpr", "AB-123-CD,Audi A6\nXY-999-ZZ,Golf\n");
    assert!(out.contains("ALERT watched plate ab 123 cd: Vehicle AB123CD"), "{out}");
    assert!(!out.contains("GH-456-JK"), "{out}");

    let alerts = l.json(&["watch", "alerts"]);
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["kind"], "plate");
    assert_eq!(alerts[0]["schema"], "Vehicle");
    let all = l.json(&["watch", "alerts", "--all"]);
    assert_eq!(all.as_array().unwrap().len(), 2, "GH-456-JK listed as already held: {all}");
    let list = l.json(&["watch", "list"]);
    assert_eq!(list[0]["alerts"], 1);
    assert_eq!(list[1]["already_held"], 1);

    // The same file again: already imported, no second alert.
    import_csv(&l, "anpr", "AB-123-CD,Audi A6\nXY-999-ZZ,Golf\n");
    assert_eq!(l.json(&["watch", "alerts"]).as_array().unwrap().len(), 1);

    let audit = l.ok(&["audit", "log", "--limit", "20"]);
    assert!(audit.contains("watch_alerts"), "the import's audit entry counts its alerts: {audit}");

    l.ok(&["watch", "remove", "ab 123 cd"]);
    assert_eq!(l.json(&["watch", "alerts"]).as_array().unwrap().len(), 0);
    let (code, err) = l.fails(&["watch", "add", "!!"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_bundle_naming_a_watched_phone_raises_an_alert() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    b.ok(&["case", "new", "--ref", "RTM-1", "--title", "Port", "--marking", "TLP:GREEN"]);
    b.ok(&["entity", "new", "--schema", "Phone", "--prop", "number=+31 6 12345678", "--case", "RTM-1"]);
    b.ok(&["case", "share", "RTM-1", "--with", "Paris"]);
    a.ok(&["watch", "add", "+31612345678"]);
    let bundle = path(&b, "b.bundle");
    b.ok(&["export", "--to", "Paris", "-o", bundle.to_str().unwrap()]);
    let out = a.ok(&["import", bundle.to_str().unwrap()]);
    assert!(out.contains("ALERT watched phone +31612345678"), "{out}");
    let alerts = a.json(&["watch", "alerts"]);
    assert_eq!(alerts[0]["via"], "bundle");
}
