//! `liaison chart`: the SVG a briefing uses, read back with an XML parser as a browser would
//! read it — every member of the demo case labelled, the marking on top and bottom, weak links
//! dashed, hostile names escaped — and the ego network, the refusals and the atomic write.

use crate::common;

use std::path::Path;

use roxmltree::{Document, Node};

/// The demo store (passphrase "demo", as `liaison demo` makes it).
fn demo() -> common::Liaison {
    let l = common::Liaison::empty();
    std::fs::write(&l.pass_file, "demo\n").unwrap();
    let out = l.command().args(["demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    l
}

fn chart(l: &common::Liaison, args: &[&str], file: &Path) -> (serde_json::Value, String) {
    let mut all = vec!["chart", "--yes", "-o", file.to_str().unwrap()];
    all.extend_from_slice(args);
    let report = l.json(&all);
    (report, std::fs::read_to_string(file).unwrap())
}

fn class_is(n: &Node, class: &str) -> bool {
    n.attribute("class").is_some_and(|c| c.split(' ').any(|x| x == class))
}

/// (label, full caption from the tooltip) of every entity drawn.
fn entities(doc: &Document) -> Vec<(String, String)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && class_is(n, "entity"))
        .map(|g| {
            let text = |tag: &str| {
                g.children().find(|c| c.has_tag_name(tag)).and_then(|c| c.text()).unwrap_or("").to_owned()
            };
            let title = text("title");
            (text("text"), title.lines().next().unwrap_or("").to_owned())
        })
        .collect()
}

fn banner(doc: &Document, class: &str) -> String {
    let g = doc.descendants().find(|n| n.has_tag_name("g") && class_is(n, class)).expect(class);
    g.descendants().find(|n| n.has_tag_name("text")).and_then(|t| t.text()).unwrap_or("").to_owned()
}

#[test]
fn the_demo_case_chart_labels_every_member_and_carries_its_marking() {
    let l = demo();
    let file = l.root.path().join("calanque.svg");
    let (report, svg) = chart(&l, &["--case", "PJ-MRS-2024-0113"], &file);
    let doc = Document::parse(&svg).expect("the chart is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(doc.root_element().tag_name().namespace(), Some("http://www.w3.org/2000/svg"));

    let case = l.json(&["case", "show", "PJ-MRS-2024-0113"]);
    let members = case["members"].as_array().unwrap();
    let drawn = entities(&doc);
    assert_eq!(drawn.len(), members.len(), "one symbol per member");
    assert_eq!(report["nodes"].as_u64().unwrap() as usize, members.len());
    for m in members {
        let caption = m["caption"].as_str().unwrap();
        let shown = drawn.iter().find(|(_, full)| full == caption);
        let (label, _) = shown.unwrap_or_else(|| panic!("{caption} is not on the chart"));
        // A label is the caption, or its beginning ended by "…" when long.
        assert!(
            label == caption || (label.ends_with('…') && caption.starts_with(label.trim_end_matches('…'))),
            "{caption} labelled {label}"
        );
    }

    // The marking, top and bottom, is the strictest of what is drawn: at least the case's
    // and at least every member's, never CLEAR.
    let marking = report["marking"].as_str().unwrap();
    assert_eq!(banner(&doc, "marking-top"), marking);
    assert_eq!(banner(&doc, "marking-bottom"), marking);
    let rank = |m: &str| {
        ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
            .iter()
            .position(|t| m.split(' ').next().unwrap().trim_start_matches("TLP:") == *t)
    };
    let strictest_member =
        members.iter().map(|m| rank(m["marking"].as_str().unwrap()).unwrap()).max().unwrap();
    assert!(rank(marking).unwrap() >= strictest_member.max(rank(case["marking"].as_str().unwrap()).unwrap()));
    for m in members {
        for code in m["marking"].as_str().unwrap().split(' ').skip(1) {
            assert!(
                marking.split(' ').any(|c| c == code),
                "{code} of {} missing from {marking}",
                m["caption"]
            );
        }
    }

    // Weak links are dashed, the others are not; a weak link's tooltip names its low grade.
    let links: Vec<Node> = doc.descendants().filter(|n| n.has_tag_name("g") && class_is(n, "link")).collect();
    assert_eq!(links.len() as u64, report["edges"].as_u64().unwrap());
    let dashed = |g: &Node| {
        g.children().find(|c| c.has_tag_name("line")).unwrap().attribute("stroke-dasharray").is_some()
    };
    let weak: Vec<&Node> = links.iter().filter(|g| class_is(g, "weak")).collect();
    assert!(!weak.is_empty(), "the demo case has links graded F6");
    for g in &links {
        assert_eq!(dashed(g), class_is(g, "weak"));
    }
    let tip = weak[0].children().find(|c| c.has_tag_name("title")).unwrap().text().unwrap();
    assert!(
        tip.contains("(weak)")
            && ["E", "F", "5", "6"]
                .iter()
                .any(|g| tip.contains(&format!("grade {g}")) || tip.contains(&format!("{g} (weak)"))),
        "{tip}"
    );

    // A legend row per kind drawn.
    let legend = doc.descendants().find(|n| n.has_tag_name("g") && class_is(n, "legend")).unwrap();
    let rows: Vec<&str> =
        legend.descendants().filter(|n| n.has_tag_name("text")).filter_map(|t| t.text()).collect();
    for kind in ["Person", "Company", "Phone", "BankAccount"] {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("{kind} ("))),
            "{kind} missing from the legend {rows:?}"
        );
    }

    // Text output: the file, the counts and the marking.
    let text = l.ok(&["chart", "--yes", "--case", "PJ-MRS-2024-0113", "-o", file.to_str().unwrap()]);
    assert!(text.contains("calanque.svg") && text.contains(&format!("{} entities", members.len())), "{text}");
    assert!(text.contains(marking), "{text}");
}

#[test]
fn a_tlp_red_chart_is_not_written_unless_confirmed() {
    let l = common::Liaison::init();
    l.ok(&["case", "new", "--ref", "R-1", "--title", "Red cell", "--marking", "TLP:RED"]);
    l.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Ana Ruiz", "--case", "R-1"]);
    let file = l.root.path().join("red.svg");
    let f = file.to_str().unwrap();
    // No terminal to ask at: refused, nothing written, and the error says how to go on.
    let (code, err) = l.fails(&["chart", "--case", "R-1", "-o", f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1 TLP:RED value") && err.contains("--yes"), "{err}");
    assert!(!file.exists());
    l.ok(&["chart", "--case", "R-1", "-o", f, "--yes"]);
    assert!(std::fs::read_to_string(&file).unwrap().contains("TLP:RED"));
}

#[test]
fn hostile_names_survive_escaped_and_the_ego_network_stays_within_its_hops() {
    let l = common::Liaison::init();
    l.ok(&["case", "new", "--ref", "X-1", "--title", "Cell <script>&\"'", "--marking", "TLP:GREEN"]);
    let person = |name: &str, case: bool| {
        let mut args = vec!["entity", "new", "--schema", "Person", "--prop"];
        let prop = format!("name={name}");
        args.push(&prop);
        if case {
            args.extend(["--case", "X-1"]);
        }
        l.ok(&args).trim().to_owned()
    };
    let hostile = "<b>Boss & \"Sons\"</b> ]]> <!--";
    let boss = person(hostile, true);
    let aide = person("Aide", true);
    let driver = person("Driver", true);
    let outsider = person("Outsider", false);
    for (a, b, grade) in [(&boss, &aide, "B2"), (&aide, &driver, "E5")] {
        l.ok(&[
            "link",
            "new",
            "--schema",
            "Associate",
            "--from",
            a,
            "--to",
            b,
            "--grade",
            grade,
            "--case",
            "X-1",
        ]);
    }
    // Recorded outside the case (under the office default), so the outsider stays outside.
    l.ok(&["link", "new", "--schema", "Associate", "--from", &driver, "--to", &outsider, "--grade", "A1"]);
    let file = l.root.path().join("x.svg");
    let (report, svg) = chart(&l, &["--case", "X-1"], &file);
    assert!(!svg.contains("<b>") && !svg.contains("<script>"), "markup from names reached the file");
    let doc = Document::parse(&svg).expect("well-formed despite the names");
    let drawn = entities(&doc);
    assert!(drawn.iter().any(|(_, full)| full == hostile), "{drawn:?}");
    assert!(drawn.iter().any(|(label, _)| label.starts_with("<b>Boss &")), "{drawn:?}");
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap().text().unwrap();
    assert!(title.contains("Cell <script>&\"'"), "{title}");
    // Members only: the outsider linked to the driver is not a member of X-1.
    assert_eq!(report["nodes"], 3, "{report}");
    assert!(report["marking"].as_str().unwrap().starts_with("TLP:GREEN"), "{report}");
    let weak = doc.descendants().filter(|n| n.has_tag_name("g") && class_is(n, "weak")).count();
    assert_eq!(weak, 1, "the E5 link, and only it, is dashed");

    // Around the boss, one hop: the boss and the aide. Two hops: and the driver.
    let (one, _) = chart(&l, &["--case", "X-1", "--around", &boss, "--hops", "1"], &file);
    assert_eq!((one["nodes"].as_u64(), one["links"].as_u64()), (Some(2), Some(1)), "{one}");
    let (two, svg) = chart(&l, &["--case", "X-1", "--around", &boss], &file);
    assert_eq!(two["nodes"], 3, "{two}");
    let doc = Document::parse(&svg).unwrap();
    assert!(entities(&doc).iter().all(|(_, full)| full != "Outsider"));
    // Without --case the ego network reaches anywhere in the store; its marking falls back to
    // the office default for what has no case, never to CLEAR.
    let (store_wide, _) = chart(&l, &["--around", &boss, "--hops", "3"], &file);
    assert_eq!(store_wide["nodes"], 4, "{store_wide}");
    assert!(!store_wide["marking"].as_str().unwrap().starts_with("TLP:CLEAR"), "{store_wide}");

    // Refusals: usage errors exit 2 and leave the previous chart as it was.
    let before = std::fs::read(&file).unwrap();
    let f = file.to_str().unwrap();
    for args in [
        vec!["chart", "-o", f],
        vec!["chart", "--case", "X-1", "-o", f, "--hops", "2"],
        vec!["chart", "--around", &boss, "--hops", "0", "-o", f],
        vec!["chart", "--around", &outsider, "--case", "X-1", "-o", f],
    ] {
        let (code, err) = l.fails(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.trim().is_empty());
    }
    let link = l.json(&["entity", "show", &boss])["links"][0]["id"].as_str().unwrap().to_owned();
    let (code, err) = l.fails(&["chart", "--around", &link, "-o", f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an entity"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // A folder that does not exist: nothing written, no partial file left behind.
    let missing = l.root.path().join("nowhere").join("c.svg");
    let (code, _) = l.fails(&["chart", "--case", "X-1", "-o", missing.to_str().unwrap()]);
    assert_ne!(code, 0);
    let leftovers: Vec<_> = std::fs::read_dir(l.root.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The speed figure for benches/README.md: a 500-entity generated case drawn (load, layout,
/// SVG) in-process. Run: `cargo test --release --test analysis chart_svg -- --ignored --nocapture`.
#[test]
#[ignore = "timing figure, run in release"]
fn chart_of_a_500_entity_case_timing() {
    use liaison::analysis::chart::{Chart, Scope, svg};
    let l = common::Liaison::init();
    l.ok(&["generate", "--entities", "500", "--seed", "7"]);
    let store = liaison::store::Store::open(
        &l.store,
        &age::secrecy::SecretString::from("correct horse battery".to_owned()),
    )
    .unwrap();
    let cases = store.cases(&liaison::store::query::CaseFilter { limit: 10, ..Default::default() }).unwrap();
    let biggest = cases.iter().max_by_key(|c| c.members).unwrap();
    let case = store.case_id(&biggest.reference).unwrap();
    let mut times = Vec::new();
    let mut size = (0, 0, 0);
    for _ in 0..5 {
        let start = std::time::Instant::now();
        let chart = Chart::load(&store, Scope::Case(case)).unwrap();
        let bytes = svg::render(&chart);
        times.push(start.elapsed().as_secs_f64());
        size = (chart.graph.node_count(), chart.link_count(), bytes.len());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "chart of {} entities, {} links ({} bytes of SVG): median {:.3} s, worst {:.3} s",
        size.0, size.1, size.2, times[2], times[4]
    );
}
