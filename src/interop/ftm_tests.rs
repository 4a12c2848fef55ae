//! Tests of the FtM reader (`ftm.rs`): shapes, kinds, faults, datasets.

use super::*;
use crate::interop::input::BytesInput;
use crate::interop::record::VecSink;

const TINY: &str = include_str!("../../tests/fixtures/interop/tiny.ftm.json");

#[test]
fn entities_come_before_the_links_that_join_them() {
    let mut sink = VecSink::default();
    read(&BytesInput(TINY.as_bytes()), &mut sink).unwrap();
    let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, ["Person", "Company", "Ownership"]);
    let own = sink.items().find(|i| i.kind == "Ownership").unwrap();
    assert_eq!(own.ends, Some(("ftm:person-1".into(), "ftm:company-1".into())));
    assert!(own.props.contains(&("percentage".into(), "75".into())));
    assert_eq!(sink.read, 3);
}

#[test]
fn references_further_down_the_file_come_in_a_second_pass() {
    let reversed = TINY.lines().rev().collect::<Vec<_>>().join("\n");
    let mut sink = VecSink::default();
    read(&BytesInput(reversed.as_bytes()), &mut sink).unwrap();
    let kinds: Vec<&str> = sink.items().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, ["Company", "Person", "Ownership"]);
}

#[test]
fn an_entity_with_a_bad_id_is_skipped_and_the_rest_imports() {
    let input = format!("{{\"id\": \"a_1\", \"schema\": \"Person\"}}\n{TINY}");
    let mut sink = VecSink::default();
    read(&BytesInput(input.as_bytes()), &mut sink).unwrap();
    assert_eq!(sink.items().count(), 3, "the three good entities");
    assert!(
        sink.skipped.iter().any(|(why, at)| why.contains("not an FtM id") && at == "line 1"),
        "{:?}",
        sink.skipped
    );
}

#[test]
fn a_faulty_entity_or_value_is_skipped_naming_the_line_and_the_rest_imports() {
    // A fault of one value leaves the entity (four records); of the entity, skips it.
    for (text, needle, records) in [
        (
            "{\"id\": \"a\", \"schema\": \"Person\", \"properties\": {\"name\": 5}}",
            "a number where FtM wants a list",
            4,
        ),
        ("{\"id\": \"a\", \"schema\": \"Thing\"}", "abstract", 3),
        (
            "{\"id\": \"a\", \"schema\": \"Person\", \"properties\": {\"shoe\": [\"x\"]}}",
            "no FtM property",
            4,
        ),
        ("{\"id\": \"a\", \"schema\": \"Person\"", "truncated", 3),
        ("[1, 2]", "found an array", 3),
    ] {
        let mut sink = VecSink::default();
        let input = format!("{TINY}{text}\n");
        read(&BytesInput(input.as_bytes()), &mut sink).unwrap();
        assert_eq!(sink.items().filter(|i| !i.again).count(), records, "{text}");
        assert!(
            sink.skipped.iter().any(|(why, at)| why.contains(needle) && at.starts_with("line 4")),
            "{text}: {:?}",
            sink.skipped
        );
        assert_eq!(sink.read, 4, "every object read is counted, skipped or not");
    }
}

#[test]
fn a_file_with_no_ftm_entity_fails_saying_why() {
    for (text, needle) in [
        ("[1, 2]", "found a number"),
        ("{\"id\": \"a\", \"schema\": \"Person\"", "truncated"),
        ("{\"id\": \"a\", \"schema\": \"Spaceship\"}\n", "unknown FtM schema"),
        ("", "empty file"),
    ] {
        let err = read(&BytesInput(text.as_bytes()), &mut VecSink::default()).unwrap_err().to_string();
        assert!(err.contains(needle), "{text}: {err}");
    }
}

#[test]
fn pretty_printed_arrays_single_entities_and_delta_files_import() {
    let entities: Vec<Value> = TINY.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let array = serde_json::to_string_pretty(&entities).unwrap();
    let single = format!("\u{feff}{}", serde_json::to_string_pretty(&entities[0]).unwrap());
    let delta: String = entities
        .iter()
        .map(|e| serde_json::json!({"op": "ADD", "entity": e}).to_string() + "\n")
        .chain(std::iter::once(
            "{\"op\": \"DEL\", \"entity\": {\"id\": \"person-1\", \"schema\": \"Person\"}}\n".to_owned(),
        ))
        .collect();
    for (text, people, all) in [(array, 1, 3), (single, 1, 1), (delta, 1, 3)] {
        let mut sink = VecSink::default();
        read(&BytesInput(text.as_bytes()), &mut sink).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(sink.count("Person"), people, "{text}");
        assert_eq!(sink.items().filter(|i| !i.again).count(), all, "{text}");
    }
    let mut sink = VecSink::default();
    let delta = "{\"op\": \"DEL\", \"entity\": {\"id\": \"p\", \"schema\": \"Person\"}}\n".to_owned() + TINY;
    read(&BytesInput(delta.as_bytes()), &mut sink).unwrap();
    assert!(sink.skipped.iter().any(|(why, at)| why.contains("DEL") && at == "line 1"), "{:?}", sink.skipped);
}

#[test]
fn ftm_schemata_without_a_liaison_kind_are_kept_never_dropped() {
    let lines = [
        r#"{"id":"p1","schema":"Person","properties":{"name":["A"]}}"#,
        r#"{"id":"p2","schema":"Person","properties":{"name":["B"]}}"#,
        r#"{"id":"s1","schema":"Sanction","properties":{"entity":["p1"],"program":["EU 269/2014"],"authority":["EU"]}}"#,
        r#"{"id":"a1","schema":"Article","properties":{"title":["Leak"],"publishedAt":["2024-01-02"]}}"#,
        r#"{"id":"g1","schema":"Page","properties":{"bodyText":["page one"],"index":["1"]}}"#,
        r#"{"id":"t1","schema":"Table","properties":{"fileName":["ledger.xlsx"],"rowCount":["12"]}}"#,
        r#"{"id":"d1","schema":"Debt","properties":{"debtor":["p1"],"creditor":["p2"],"amount":["100"]}}"#,
        r#"{"id":"o1","schema":"Occupancy","properties":{"holder":["p1"],"post":["pos1"]}}"#,
        r#"{"id":"pos1","schema":"Position","properties":{"name":["Minister"]}}"#,
        r#"{"id":"u1","schema":"UnknownLink","properties":{"subject":["p1"]}}"#,
    ];
    let mut sink = VecSink::default();
    read(&BytesInput(lines.join("\n").as_bytes()), &mut sink).unwrap();
    let kind = |ext: &str| sink.items().find(|i| i.ext == format!("ftm:{ext}")).map(|i| i.kind.clone());
    assert_eq!(kind("s1").as_deref(), Some("Sanction"));
    assert_eq!(kind("a1").as_deref(), Some("Report"));
    assert_eq!(kind("g1").as_deref(), Some("Document"));
    assert_eq!(kind("t1").as_deref(), Some("OtherRecord"));
    assert_eq!(kind("pos1").as_deref(), Some("OtherRecord"));
    assert_eq!(kind("d1").as_deref(), Some("UnknownLink"));
    assert_eq!(kind("o1").as_deref(), Some("UnknownLink"), "the end further down comes in the second pass");
    assert_eq!(kind("u1").as_deref(), Some("OtherRecord"), "a link with one end is kept whole");
    assert!(sink.skipped.is_empty(), "{:?}", sink.skipped);
    let debt = sink.items().find(|i| i.ext == "ftm:d1").unwrap();
    assert_eq!(debt.ends, Some(("ftm:p1".into(), "ftm:p2".into())));
    let kept: Value = serde_json::from_str(debt.raw.as_deref().unwrap()).unwrap();
    assert_eq!(kept["schema"], "Debt");
    assert_eq!(kept["properties"]["amount"][0], "100");
    let table = sink.items().find(|i| i.ext == "ftm:t1").unwrap();
    assert!(table.props.contains(&("recordType".into(), "Table".into())));
    assert!(table.props.contains(&("name".into(), "ledger.xlsx".into())), "searchable by its caption");
    let whole: Value = serde_json::from_str(table.raw.as_deref().unwrap()).unwrap();
    assert_eq!(whole["properties"]["rowCount"][0], "12", "the whole entity is kept");
    let sanction = sink.items().find(|i| i.ext == "ftm:s1").unwrap();
    assert!(sanction.props.contains(&("entity".into(), "ftm:p1".into())));
}

#[test]
fn each_dataset_is_a_producer_of_its_own() {
    let line = r#"{"id":"p1","schema":"Person","properties":{"name":["A"]},"datasets":["us_ofac","eu_fsf"],"first_seen":"2024-01-01T00:00:00"}"#;
    let mut sink = VecSink::default();
    read(&BytesInput(line.as_bytes()), &mut sink).unwrap();
    assert_eq!(sink.producers, ["FtM dataset us_ofac", "FtM dataset eu_fsf"]);
    assert_eq!(sink.count("Person"), 1, "one record, its values under both sources");
    assert_eq!(sink.items().count(), 2);
    let kept: Value = serde_json::from_str(sink.items().next().unwrap().raw.as_deref().unwrap()).unwrap();
    assert_eq!(kept["first_seen"], "2024-01-01T00:00:00");
    assert_eq!(kept["datasets"][1], "eu_fsf");
}

#[test]
fn unsupported_ftm_properties_are_kept_as_raw_json() {
    let lines = [
        r#"{"id":"a","schema":"Person","properties":{"name":["A"]}}"#,
        r#"{"id":"b","schema":"Company","properties":{"name":["B"]}}"#,
        r#"{"id":"o1","schema":"Ownership","properties":{"owner":["a"],"asset":["b"],"namesMentioned":["A","B"]}}"#,
    ];
    let mut sink = VecSink::default();
    read(&BytesInput(lines.join("\n").as_bytes()), &mut sink).unwrap();
    let own = sink.items().find(|i| i.kind == "Ownership").unwrap();
    let kept: Value = serde_json::from_str(own.raw.as_deref().unwrap()).unwrap();
    assert_eq!(
        kept,
        serde_json::json!({"schema": "Ownership", "properties": {"namesMentioned": ["A", "B"]}})
    );
}

#[test]
fn a_link_to_an_entity_not_in_the_file_is_kept_whole() {
    let line =
        r#"{"id":"o1","schema":"Ownership","properties":{"owner":["a"],"asset":["b"],"percentage":["5"]}}"#;
    let mut sink = VecSink::default();
    read(&BytesInput(line.as_bytes()), &mut sink).unwrap();
    let own = sink.items().next().unwrap();
    assert_eq!(own.kind, "OtherRecord");
    let kept: Value = serde_json::from_str(own.raw.as_deref().unwrap()).unwrap();
    assert_eq!(kept["properties"]["owner"][0], "a");
}
