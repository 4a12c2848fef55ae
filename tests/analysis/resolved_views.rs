//! Resolved views (issue 13, acceptance 2): two records judged the same show as ONE profile in
//! search, the case view, the timeline and paths; `not-same` (or undo) gives every view back
//! byte for byte. The real binary on an encrypted store.

use crate::common;
use crate::exchange_support;

use common::Liaison;
use exchange_support::{office, path, trust_all};

fn entity(l: &Liaison, schema: &str, name: &str, more: &[&str]) -> String {
    let prop = format!("name={name}");
    let mut args = vec!["entity", "new", "--schema", schema, "--prop", prop.as_str()];
    args.extend_from_slice(more);
    l.ok(&args).trim().to_owned()
}

fn associate(l: &Liaison, a: &str, b: &str, more: &[&str]) {
    let mut args = vec!["link", "new", "--schema", "Associate", "--from", a, "--to", b];
    args.extend_from_slice(more);
    l.ok(&args);
}

/// Every view's `--json` the test compares, in one map.
fn views(l: &Liaison, driver: &str, banker: &str, karim: &str) -> Vec<(&'static str, String)> {
    let path = l.run(&["--json", "path", driver, banker]);
    vec![
        ("search", l.ok(&["--json", "search", "benali"])),
        ("search --page", l.ok(&["--json", "search", "--page", "benali"])),
        ("case show", l.ok(&["--json", "case", "show", "PJ-13"])),
        ("case timeline", l.ok(&["--json", "timeline", "--case", "PJ-13"])),
        ("entity timeline", l.ok(&["--json", "timeline", "--entity", karim])),
        ("path", String::from_utf8(path.stdout).unwrap()),
        ("neighbours", l.ok(&["--json", "neighbours", karim])),
        ("network", l.ok(&["--json", "network", "--case", "PJ-13"])),
    ]
}

struct World {
    l: Liaison,
    karim: String,
    benali: String,
    driver: String,
    banker: String,
}

/// Two agencies' records of one man: "Karim BENALI" with his driver in the judicial police's
/// case, "BENALI Karim" with his banker from internal security; a long chain of four
/// associates also joins the driver to the banker.
fn world() -> World {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "PJ-13", "--title", "Port"]);
    let karim = entity(
        &l,
        "Person",
        "Karim BENALI",
        &["--prop", "birthDate=1979-04", "--case", "PJ-13", "--grade", "B2"],
    );
    let benali = entity(
        &l,
        "Person",
        "BENALI Karim",
        &["--prop", "birthDate=1979-04-17", "--case", "PJ-13", "--source", "DGSI note 7", "--grade", "C3"],
    );
    let driver = entity(&l, "Person", "Driss Driver", &["--case", "PJ-13"]);
    let banker = entity(&l, "Person", "Bruno Banker", &[]);
    associate(&l, &karim, &driver, &["--grade", "B2", "--case", "PJ-13"]);
    associate(&l, &benali, &banker, &["--grade", "A1", "--source", "DGSI note 7"]);
    let mut prev = driver.clone();
    for name in ["Mid One", "Mid Two", "Mid Three"] {
        let m = entity(&l, "Person", name, &[]);
        associate(&l, &prev, &m, &[]);
        prev = m;
    }
    associate(&l, &prev, &banker, &[]);
    World { l, karim, benali, driver, banker }
}

#[test]
fn judged_same_is_one_profile_in_every_view_and_not_same_or_undo_restore_each_byte_for_byte() {
    let World { l, karim, benali, driver, banker } = world();
    let before = views(&l, &driver, &banker, &karim);
    // Before: two results, two member rows, and the shortest chain is the long one.
    let hits = l.json(&["search", "benali"]);
    assert_eq!(hits.as_array().unwrap().len(), 2, "{hits}");
    let path = l.json(&["path", &driver, &banker]);
    assert_eq!(path["paths"][0]["links"], 4, "{path}");
    let (code, _) = l.fails(&["path", &driver, &banker, "--max-hops", "2"]);
    assert_eq!(code, 1, "no chain of two links before the judgement");
    assert_eq!(l.json(&["network", "--case", "PJ-13"])["nodes"], 3);

    l.ok(&["judge", &karim, &benali, "same", "--reason", "same man, two files"]);
    let rep = karim.clone().min(benali.clone());

    // Search: one result, counted once, with both records and their cases.
    let hits = l.json(&["search", "benali"]);
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let profile = &hits[0]["profile"];
    assert_eq!(profile["id"], rep.as_str());
    let caption = profile["caption"].as_str().unwrap();
    assert!(
        caption == "Karim BENALI = BENALI Karim" || caption == "BENALI Karim = Karim BENALI",
        "{profile}"
    );
    let ids: Vec<&str> =
        profile["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&karim.as_str()) && ids.contains(&benali.as_str()), "{profile}");
    assert!(profile["records"].as_array().unwrap().iter().all(|r| r["cases"][0] == "PJ-13"), "{profile}");
    let page = l.json(&["search", "--page", "benali"]);
    assert_eq!(page["total"]["count"], 1, "each record counted once: {page}");
    let text = l.ok(&["search", "benali"]);
    assert!(text.contains("· 2 records"), "{text}");
    assert!(text.contains(&format!("= {karim}")) || text.contains(&format!("= {benali}")), "{text}");

    // Case view: one row for the two members, with every record id kept in --json.
    let case = l.json(&["case", "show", "PJ-13"]);
    let rows = case["members"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "driver + one profile row: {rows:?}");
    let row = rows.iter().find(|r| r.get("profile").is_some()).unwrap();
    let members: Vec<&str> =
        row["profile"]["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(members.len(), 2, "{row}");
    assert!(members.contains(&karim.as_str()) && members.contains(&benali.as_str()));
    let text = l.ok(&["case", "show", "PJ-13"]);
    assert!(text.contains("· 2 records"), "{text}");

    // Timeline: the births of both records name the profile; an entity's timeline is its
    // profile's (the other record's birth is in it).
    let items = l.json(&["timeline", "--case", "PJ-13"]);
    let births: Vec<&serde_json::Value> =
        items.as_array().unwrap().iter().filter(|i| i["prop"] == "birthDate").collect();
    assert_eq!(births.len(), 2, "{items}");
    assert!(births.iter().all(|b| b["profile"]["id"] == rep.as_str()), "{births:?}");
    let mine = l.json(&["timeline", "--entity", &karim]);
    assert!(mine.as_array().unwrap().iter().any(|i| i["id"] == benali.as_str()), "{mine}");

    // Paths: the profile is one node, so driver → profile → banker is two links; each hop
    // names the record its link belongs to.
    let path = l.json(&["path", &driver, &banker]);
    assert_eq!(path["paths"][0]["links"], 2, "{path}");
    let hops = path["paths"][0]["hops"].as_array().unwrap();
    assert_eq!(hops[0]["to_record"]["id"], karim.as_str(), "{path}");
    assert_eq!(hops[1]["from_record"]["id"], benali.as_str(), "{path}");
    assert_eq!(hops[1]["grade"], "A1");
    assert_eq!(hops[1]["sources"][0], "DGSI note 7");
    let text = l.ok(&["path", &driver, &banker, "--max-hops", "2"]);
    assert!(text.contains("from the record BENALI Karim"), "{text}");
    // Neighbourhoods and the network: the profile is one entity.
    let near = l.json(&["neighbours", &driver, "--hops", "2"]);
    let near: Vec<&str> =
        near["neighbours"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(near.contains(&rep.as_str()) && near.contains(&banker.as_str()), "{near:?}");
    let network = l.json(&["network", "--case", "PJ-13"]);
    assert_eq!(network["nodes"], 2, "three members, two of them one profile: {network}");

    // not-same: every view exactly as before.
    l.ok(&["judge", &benali, &karim, "not-same"]);
    let after = views(&l, &driver, &banker, &karim);
    for ((name, was), (_, now)) in before.iter().zip(&after) {
        assert_eq!(was, now, "{name} differs after not-same");
    }
    // Same again, then undone: as before too, and the short chain is gone.
    l.ok(&["judge", &karim, &benali, "same"]);
    assert_eq!(l.json(&["path", &driver, &banker])["paths"][0]["links"], 2);
    l.ok(&["undo"]);
    let (code, _) = l.fails(&["path", &driver, &banker, "--max-hops", "2"]);
    assert_eq!(code, 1, "the chain through the profile is gone after undo");
    let undone = views(&l, &driver, &banker, &karim);
    for ((name, was), (_, now)) in before.iter().zip(&undone) {
        assert_eq!(was, now, "{name} differs after undo");
    }
}

#[test]
fn a_chain_of_same_contradicted_by_not_same_merges_nothing_in_list_views() {
    let World { l, karim, benali, .. } = world();
    let third = entity(&l, "Person", "Karim Benali", &["--case", "PJ-13"]);
    let before = l.ok(&["--json", "case", "show", "PJ-13"]);
    l.ok(&["judge", &karim, &benali, "same"]);
    l.ok(&["judge", &benali, &third, "same"]);
    l.ok(&["judge", &karim, &third, "not-same"]);
    // Karim's cluster leaves out the third record, the third's leaves out Karim: the records
    // do not agree on one profile, so the list keeps them apart rather than merge what an
    // analyst said differs (entity show names the contradiction).
    assert_eq!(l.ok(&["--json", "case", "show", "PJ-13"]), before);
    let shown = l.json(&["entity", "show", &karim]);
    assert!(!shown["profile"]["contradictions"].as_array().unwrap().is_empty(), "{shown}");
}

fn ftm_export(l: &Liaison, name: &str) -> String {
    let out = l.root.path().join(name);
    l.ok(&["export", "--format", "ftm", "-o", out.to_str().unwrap()]);
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn the_ftm_export_writes_one_entity_per_profile_with_a_canonical_id_and_its_referents() {
    let World { l, karim, benali, banker, .. } = world();
    // A family tie recorded between the two records: once they are one entity, a tie of the
    // entity with itself.
    l.ok(&["link", "new", "--schema", "Family", "--from", &karim, "--to", &benali]);
    let before = ftm_export(&l, "before.ftm.json");
    assert!(before.contains("\"Family\""), "{before}");
    l.ok(&["judge", &karim, &benali, "same"]);
    let merged = ftm_export(&l, "merged.ftm.json");
    let lines: Vec<serde_json::Value> = merged.lines().map(|x| serde_json::from_str(x).unwrap()).collect();
    let (canon, other) = if karim < benali { (&karim, &benali) } else { (&benali, &karim) };
    let people: Vec<&serde_json::Value> =
        lines.iter().filter(|x| x["id"] == canon.as_str() || x["id"] == other.as_str()).collect();
    assert_eq!(people.len(), 1, "one entity for the two records: {merged}");
    let entity = people[0];
    assert_eq!(entity["id"], canon.as_str(), "the canonical id is the lowest");
    assert_eq!(entity["referents"], serde_json::json!([other]));
    let names = entity["properties"]["name"].as_array().unwrap();
    assert!(names.contains(&"Karim BENALI".into()) && names.contains(&"BENALI Karim".into()), "{entity}");
    // The banker's link is re-pointed to the canonical id; no line names the merged-away id.
    assert!(!merged.contains(other.as_str()) || merged.matches(other.as_str()).count() == 1, "{merged}");
    let to_banker = lines
        .iter()
        .find(|x| x["schema"] == "Associate" && x["properties"].to_string().contains(banker.as_str()))
        .unwrap_or_else(|| panic!("{merged}"));
    assert!(to_banker["properties"].to_string().contains(canon.as_str()), "{to_banker}");
    assert!(!merged.contains("\"Family\""), "a link of the entity with itself is left out: {merged}");
    // Split again: the file is what it was.
    l.ok(&["judge", &karim, &benali, "not-same"]);
    assert_eq!(ftm_export(&l, "after.ftm.json"), before);
}

#[test]
fn xref_lists_one_offices_records_against_anothers() {
    let paris = office("Paris", "DGSI", "FR");
    let marseille = office("Marseille", "PJ", "FR");
    trust_all(&[&paris, &marseille]);
    let bundle = path(&marseille, "m1");
    marseille.ok(&["case", "new", "--ref", "PJ-M", "--title", "Docks"]);
    let made = |l: &Liaison, name: &str, born: &str, more: &[&str]| {
        let born = format!("birthDate={born}");
        let mut args = vec!["--prop", born.as_str()];
        args.extend_from_slice(more);
        entity(l, "Person", name, &args)
    };
    let ours = made(&paris, "Karim BENALI", "1979-04", &[]);
    made(&paris, "Nadia Haddad", "1985-02-03", &[]);
    let theirs = made(&marseille, "BENALI Karim", "1979-04-17", &["--case", "PJ-M"]);
    made(&marseille, "Paul Martin", "1960-01-01", &["--case", "PJ-M"]);
    marseille.ok(&["case", "share", "PJ-M", "--with", "Paris"]);
    marseille.ok(&["export", "--to", "Paris", "-o", bundle.to_str().unwrap()]);
    paris.ok(&["import", bundle.to_str().unwrap()]);
    let x = paris.json(&["xref", "--office", "Paris", "--against", "Marseille"]);
    let pairs: Vec<[&str; 2]> = x["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| [c["a"]["id"].as_str().unwrap(), c["b"]["id"].as_str().unwrap()])
        .collect();
    assert!(pairs.iter().any(|p| p.contains(&ours.as_str()) && p.contains(&theirs.as_str())), "{x}");
    assert_eq!(x["matched_records"], 1, "{x}");
    let text = paris.ok(&["xref", "--office", "paris", "--against", "Marseille"]);
    assert!(text.contains("1 records it wrote to match records Marseille wrote to"), "{text}");
    let (code, err) = paris.fails(&["xref", "--office", "Paris", "--against", "Lyon"]);
    assert!(code != 0 && err.contains("no office named \"Lyon\""), "{err}");
    let (code, err) = paris.fails(&["xref", "--office", "Paris"]);
    assert_eq!(code, 2, "{err}");
}

/// A profile's search row shows every record's name, so it carries the strictest of their
/// markings, not the first-ranked record's.
#[test]
fn a_profile_row_in_search_carries_the_strictest_marking_of_its_records() {
    let l = Liaison::init();
    let amber = entity(&l, "Person", "Karim BENALI", &["--marking", "TLP:AMBER"]);
    let red = entity(&l, "Person", "BENALI Karim", &["--marking", "TLP:RED"]);
    let markings = |l: &Liaison| -> Vec<String> {
        let hits = l.json(&["search", "benali"]);
        hits.as_array().unwrap().iter().map(|h| h["marking"].as_str().unwrap().to_owned()).collect()
    };
    let mut before = markings(&l);
    before.sort();
    assert_eq!(before, ["TLP:AMBER", "TLP:RED"]);
    l.ok(&["judge", &amber, &red, "same"]);
    assert_eq!(markings(&l), ["TLP:RED"], "one row, marked as its strictest record");
}

/// The workbench's path view (`p`, `analysis::path`) walks a profile as one node too.
#[test]
fn the_workbench_path_goes_through_records_judged_the_same() {
    use liaison::analysis::path::{PathLimits, shortest_path};
    let w = world();
    let id = |s: &str| uuid::Uuid::parse_str(s).unwrap();
    let links = |w: &World| {
        let store = crate::interop_common::open_store(&w.l);
        shortest_path(&store, id(&w.driver), id(&w.banker), PathLimits::default()).unwrap().map(|p| p.len())
    };
    assert_eq!(links(&w), Some(4), "through the chain of associates");
    w.l.ok(&["judge", &w.karim, &w.benali, "same"]);
    assert_eq!(links(&w), Some(2), "driver → Karim = BENALI → banker");
    w.l.ok(&["undo"]);
    assert_eq!(links(&w), Some(4));
}
