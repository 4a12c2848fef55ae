//! The demo's acceptance for network analysis (#14), on the real binary: `liaison path`
//! between the two ends of the cocaine route names the known chain — the exporter in
//! Guayaquil, the broker Andrés Zambrano, the Rotterdam receiver — with each hop's source and
//! grade; `liaison network --case` on the Guayaquil case names Zambrano as the first broker;
//! `liaison neighbours` counts by kind; errors say what is wrong, with the README's exit codes.

use crate::common;

use common::Liaison;
use serde_json::Value;

/// A demo store; commands then run with its passphrase.
fn demo() -> Liaison {
    let l = Liaison::empty();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&l.pass_file, "demo\n").unwrap();
    l
}

/// The id of the member of case `reference` with role `role`.
fn member(l: &Liaison, reference: &str, role: &str) -> String {
    let case = l.json(&["case", "show", reference]);
    case["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == role)
        .unwrap_or_else(|| panic!("no {role} in {reference}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_route_from_guayaquil_to_rotterdam_is_the_known_chain_and_zambrano_brokers_it() {
    let l = demo();
    let exporter = member(&l, "DGSE-2024-EXT-007", "exporter");
    let receiver = member(&l, "JIT-2025-MAAS", "Rotterdam receiver");

    let text = l.ok(&["path", &exporter, &receiver]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Byron Macías (Person) → Ricardo de Vries (Person): 2 links"), "{text}");
    assert!(lines[1].contains("Byron Macías → Associate → Andrés Zambrano"), "{text}");
    assert!(
        lines[2].contains("grade B2") && lines[2].contains("Policía Nacional Ecuador cable 2024-411"),
        "{text}"
    );
    assert!(lines[3].contains("Andrés Zambrano → Associate → Ricardo de Vries"), "{text}");
    assert!(lines[4].contains("grade B2") && lines[4].contains("Europol SIENA message 1180662"), "{text}");

    let json = l.json(&["path", &exporter, &receiver, "--all"]);
    assert_eq!(json["total"], 1, "one chain of two links: {json}");
    let hops = json["paths"][0]["hops"].as_array().unwrap();
    let names: Vec<&str> = std::iter::once(&hops[0]["from"])
        .chain(hops.iter().map(|h| &h["to"]))
        .map(|r| r["caption"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Byron Macías", "Andrés Zambrano", "Ricardo de Vries"]);
    for h in hops {
        assert_eq!(h["kinds"], serde_json::json!(["Associate"]), "{h}");
        assert!(h["grade"].is_string() && !h["sources"].as_array().unwrap().is_empty(), "{h}");
        assert!(h["first_date"].is_string() && h["marking"].as_str().unwrap().starts_with("TLP:"), "{h}");
        assert_eq!(h["forward"], true, "{h}");
    }

    // The weak last hop to the Marseille head (C3) makes the weighted route cost more.
    let head = member(&l, "PJ-MRS-2024-0113", "head of network");
    let weighted = l.json(&["path", &exporter, &head, "--weighted"]);
    let plain = l.json(&["path", &exporter, &head]);
    assert!(
        weighted["paths"][0]["cost"].as_f64().unwrap() > plain["paths"][0]["links"].as_f64().unwrap(),
        "{weighted}"
    );

    let network = l.json(&["network", "--case", "DGSE-2024-EXT-007"]);
    assert_eq!(network["brokers"][0]["caption"], "Andrés Zambrano", "{}", network["brokers"]);
    assert!(network["modularity"].as_f64().unwrap() > 0.3, "{}", network["modularity"]);
    assert!(network["communities"].as_array().unwrap().len() >= 2);
    let text = l.ok(&["network", "--case", "DGSE-2024-EXT-007", "--top", "5"]);
    assert!(
        text.lines().nth(1).unwrap().starts_with("Brokers between communities: Andrés Zambrano"),
        "{text}"
    );
}

#[test]
fn neighbours_count_by_kind_and_errors_speak_the_users_terms() {
    let l = demo();
    let broker = member(&l, "DGSE-2024-EXT-007", "broker");
    let n: Value = l.json(&["neighbours", &broker]);
    let count = n["count"].as_u64().unwrap();
    assert_eq!(n["neighbours"].as_array().unwrap().len() as u64, count);
    // Zambrano's associates in the route and in his cell: at least the 16 planted ties.
    assert!(n["link_kinds"]["Associate"].as_u64().unwrap() >= 16, "{n}");
    assert!(n["entity_kinds"]["Person"].as_u64().unwrap() >= 16, "{n}");
    let calls: Value = l.json(&["neighbours", &broker, "--hops", "2", "--kinds", "Associate"]);
    assert!(calls["link_kinds"].as_object().unwrap().keys().all(|k| k == "Associate"), "{calls}");
    assert!(calls["count"].as_u64().unwrap() > n["entity_kinds"]["Person"].as_u64().unwrap(), "{calls}");

    // Unknown id: not found (1). Not an id nor a name: usage (2). Bad kind, grade, date: 2.
    let (code, err) = l.fails(&["path", "00000000-0000-7000-8000-000000000000", &broker]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no record with id"), "{err}");
    let (code, err) = l.fails(&["path", "nobody at all here", &broker]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("neither an id nor the name"), "{err}");
    let (code, err) = l.fails(&["path", &broker, &broker, "--kinds", "Telepathy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a kind of link") && err.contains("Call"), "{err}");
    let (code, err) = l.fails(&["neighbours", &broker, "--min-grade", "Z9"]);
    assert_eq!(code, 2, "{err}");
    let (code, _) = l.fails(&["neighbours", &broker, "--hops", "9"]);
    assert_eq!(code, 2);
    // No chain within one hop: said so, exit 1.
    let receiver = member(&l, "JIT-2025-MAAS", "Rotterdam receiver");
    let exporter = member(&l, "DGSE-2024-EXT-007", "exporter");
    let (code, err) = l.fails(&["path", &exporter, &receiver, "--max-hops", "1"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no chain of links from Byron Macías to Ricardo de Vries within 1 hop"), "{err}");
    // Filters narrow the walk: payments alone do not join them.
    let (code, err) = l.fails(&["path", &exporter, &receiver, "--kinds", "Payment", "--max-hops", "4"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("through the links kept by the filters"), "{err}");
}
