//! Keypress-to-frame times of the workbench on a large store, for the speed figures of the
//! issue. Not a timed assertion: it prints what it measures, and only runs when asked:
//!
//! ```sh
//! LIAISON_BENCH_STORE=/path/to/store LIAISON_BENCH_PASSPHRASE_FILE=/path/to/pass \
//!   cargo test --release --test tui_speed -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use liaison::store::Store;
use liaison::tui::testing::{SETTLE, terminal};
use liaison::tui::{App, Options};

/// The store named by `LIAISON_BENCH_STORE`, unlocked with the first line of
/// `LIAISON_BENCH_PASSPHRASE_FILE`; `None` (the driver does nothing) when either is unset.
fn bench_store() -> Option<Store> {
    let dir = std::env::var_os("LIAISON_BENCH_STORE")?;
    let pass = std::fs::read_to_string(std::env::var_os("LIAISON_BENCH_PASSPHRASE_FILE")?).unwrap();
    Some(Store::open(std::path::Path::new(&dir), &SecretString::from(pass.trim().to_owned())).unwrap())
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map_or(0.0, |kib| kib / 1024.0)
}

#[test]
#[ignore = "needs LIAISON_BENCH_STORE: a store made by `liaison generate`"]
fn keypress_to_frame_on_a_large_store() {
    let Some(store) = bench_store() else {
        eprintln!("LIAISON_BENCH_STORE and LIAISON_BENCH_PASSPHRASE_FILE are not set: nothing measured");
        return;
    };
    let mut t = terminal(160, 48);
    let started = Instant::now();
    let mut app = App::with_store(store, Options::plain());
    app.draw(&mut t).unwrap();
    let first_frame = started.elapsed();
    assert!(app.settle(SETTLE));
    app.draw(&mut t).unwrap();
    let first_data = started.elapsed();
    eprintln!("first frame {:.1} ms; first frame with data {:.1} ms", ms(first_frame), ms(first_data));
    let mut script: Vec<&str> = Vec::new();
    script.extend(["j"; 15]);
    script.extend(["2"]);
    script.extend(["j"; 15]);
    script.extend(["enter", "j", "j", "enter", "backspace", "backspace", "3"]);
    script.extend(["j"; 15]);
    script.extend(["-", "-", "+", "o", "4", "j", "j", "1", "/"]);
    let typed = "Dubois Marseille";
    let mut times: Vec<(String, Duration)> = Vec::new();
    for k in &script {
        let t0 = Instant::now();
        app.press(k);
        assert!(app.settle(SETTLE));
        app.draw(&mut t).unwrap();
        times.push(((*k).to_owned(), t0.elapsed()));
    }
    for c in typed.chars() {
        let t0 = Instant::now();
        app.type_text(&c.to_string());
        assert!(app.settle(SETTLE));
        app.draw(&mut t).unwrap();
        times.push((format!("search {c}"), t0.elapsed()));
    }
    let mut sorted: Vec<Duration> = times.iter().map(|x| x.1).collect();
    sorted.sort();
    let pct = |p: f64| sorted[((sorted.len() as f64 * p).ceil() as usize).min(sorted.len()) - 1];
    eprintln!(
        "{} keypresses: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; RSS {:.0} MiB",
        sorted.len(),
        ms(pct(0.5)),
        ms(pct(0.9)),
        ms(pct(0.99)),
        ms(sorted[sorted.len() - 1]),
        rss_mib()
    );
    // The frame drawn at once after a key, before the store has answered (the draw path).
    let mut immediate: Vec<Duration> = Vec::new();
    for k in ["1", "j", "k", "j", "k", "2", "j", "j", "k", "3", "j", "k"] {
        let t0 = Instant::now();
        app.press(k);
        app.draw(&mut t).unwrap();
        immediate.push(t0.elapsed());
        assert!(app.settle(SETTLE));
    }
    immediate.sort();
    eprintln!(
        "key to frame before the store answers: p50 {:.2} ms, max {:.2} ms",
        ms(immediate[immediate.len() / 2]),
        ms(immediate[immediate.len() - 1])
    );
    let mut slowest = times.clone();
    slowest.sort_by_key(|x| std::cmp::Reverse(x.1));
    for (k, d) in slowest.iter().take(8) {
        eprintln!("  slow: {k:<12} {:.1} ms", ms(*d));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Each query a keypress may cause, timed alone, with its query plan where it matters.
#[test]
#[ignore = "needs LIAISON_BENCH_STORE: a store made by `liaison generate`"]
fn queries_behind_the_panes_on_a_large_store() {
    use liaison::store::query::{CaseFilter, TimelineQuery, TimelineScope, Zoom};
    let Some(store) = bench_store() else { return };
    let time = |label: &str, f: &mut dyn FnMut()| {
        f();
        let t0 = Instant::now();
        for _ in 0..3 {
            f();
        }
        eprintln!("{label:<28} {:>8.1} ms", ms(t0.elapsed()) / 3.0);
    };
    let cases = store.cases(&CaseFilter { limit: 1000, ..CaseFilter::default() }).unwrap();
    let case = cases[cases.len() / 2].id;
    let members = store.case_members(case, 200, 0).unwrap();
    let entity = members[members.len() / 2].id;
    time("cases (all, summaries)", &mut || {
        drop(store.cases(&CaseFilter { limit: 1000, ..CaseFilter::default() }));
    });
    let pane = CaseFilter { limit: 5000, skip_member_count: true, ..CaseFilter::default() };
    time("cases, pane (workbench)", &mut || drop(store.cases(&pane)));
    let filtered = CaseFilter { status: Some("active".into()), text: Some("route".into()), ..pane };
    time("cases, pane filtered", &mut || drop(store.cases(&filtered)));
    time("case_members page", &mut || drop(store.case_members(case, 200, 0)));
    time("case_member_kinds", &mut || drop(store.case_member_kinds(case)));
    time("timeline case page", &mut || {
        drop(store.timeline(&TimelineQuery {
            scope: TimelineScope::Case(case),
            limit: 200,
            ..TimelineQuery::default()
        }));
    });
    time("density case month", &mut || {
        drop(store.timeline_density(TimelineScope::Case(case), Zoom::Month, None, None));
    });
    time("density case day", &mut || {
        drop(store.timeline_density(TimelineScope::Case(case), Zoom::Day, None, None));
    });
    time("entity detail", &mut || drop(store.entity(entity, 50)));
    time("case detail", &mut || drop(store.entity(case, 50)));
    time("neighbourhood 1 hop", &mut || drop(store.neighbourhood(entity, 1, 150)));
    time("neighbourhood 2 hops", &mut || drop(store.neighbourhood(entity, 2, 150)));
    time("timeline entity page", &mut || {
        drop(store.timeline(&TimelineQuery {
            scope: TimelineScope::Entity(entity),
            limit: 200,
            ..TimelineQuery::default()
        }));
    });
    time("density entity", &mut || {
        drop(store.timeline_density(TimelineScope::Entity(entity), Zoom::Month, None, None));
    });
    time("search 'D'", &mut || drop(store.search_page("D", 50)));
    time("search 'Du'", &mut || drop(store.search_page("Du", 50)));
    time("search 'Dub'", &mut || drop(store.search_page("Dub", 50)));
    time("search 'Dubo'", &mut || drop(store.search_page("Dubo", 50)));
    time("search 'Dubois Mar'", &mut || drop(store.search_page("Dubois Mar", 50)));
    time("stats", &mut || drop(store.stats()));
    for sql in [
        "EXPLAIN QUERY PLAN SELECT e.n FROM object m JOIN object e ON e.n = m.dst WHERE m.src = 1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0 ORDER BY e.schema, e.caption, e.n LIMIT 200",
        "EXPLAIN QUERY PLAN SELECT count(*) FROM (SELECT 1 FROM object WHERE src = 1 AND deleted = 0 AND schema NOT IN ('CaseMember','Note','Operation','Task') LIMIT 1000)",
        "EXPLAIN QUERY PLAN SELECT n, uid, caption FROM object WHERE schema = 'Case' AND deleted = 0",
        "EXPLAIN QUERY PLAN SELECT * FROM (SELECT l.uid, l.schema, l.dst FROM object l WHERE l.src = 1 AND l.deleted = 0 ORDER BY l.n DESC LIMIT 200) UNION ALL SELECT * FROM (SELECT l.uid, l.schema, l.src FROM object l WHERE l.dst = 1 AND l.deleted = 0 ORDER BY l.n DESC LIMIT 200)",
        "EXPLAIN QUERY PLAN WITH m(e) AS (SELECT dst FROM object WHERE src = 1 AND schema = 'CaseMember' AND deleted = 0 UNION SELECT 1), items(at, obj, prop) AS (SELECT at, obj, prop FROM timeline WHERE a IN m UNION SELECT at, obj, prop FROM timeline WHERE b IN m) SELECT substr(at, 1, 7) k, count(*) FROM items GROUP BY k",
    ] {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let plan: Vec<String> =
            stmt.query_map([], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
        eprintln!("{}\n   {}", &sql[19..80], plan.join("\n   "));
    }
}

/// The lead's harness keys (benches/harness/tui.rs) on a 120×40 frame, each key's time
/// printed with the slowest ones, so a slow key can be told from a slow group.
#[test]
#[ignore = "needs LIAISON_BENCH_STORE: a store made by `liaison generate`"]
fn harness_keys_one_by_one_on_a_large_store() {
    let Some(store) = bench_store() else { return };
    let mut t = terminal(120, 40);
    let mut app = App::with_store(store, Options::plain());
    app.draw(&mut t).unwrap();
    assert!(app.settle(SETTLE));
    app.draw(&mut t).unwrap();
    let mut timed =
        |app: &mut App, label: String, act: &dyn Fn(&mut App), all: &mut Vec<(String, Duration)>| {
            let t0 = Instant::now();
            act(app);
            assert!(app.settle(SETTLE));
            app.draw(&mut t).unwrap();
            all.push((label, t0.elapsed()));
        };
    let report = |name: &str, mut v: Vec<(String, Duration)>| {
        v.sort_by_key(|x| x.1);
        let n = v.len();
        let med = v[n / 2].1;
        let p99 = v[((n as f64 * 0.99).ceil() as usize).min(n) - 1].1;
        eprintln!("{name}: n {n}, median {:.1} ms, p99 {:.1} ms", ms(med), ms(p99));
        for (k, d) in v.iter().rev().take(6) {
            eprintln!("   slow: {k:<12} {:.1} ms", ms(*d));
        }
    };
    let mut nav = Vec::new();
    for round in 0..3 {
        for k in ["j", "j", "j", "k", "j", "j", "enter", "backspace", "G", "g"] {
            timed(&mut app, format!("{round}:{k}"), &|a| a.press(k), &mut nav);
        }
    }
    report("navigation", nav);
    let mut panes = Vec::new();
    for round in 0..3 {
        for k in ["2", "3", "1", "2", "1", "3", "1"] {
            timed(&mut app, format!("{round}:{k}"), &|a| a.press(k), &mut panes);
        }
    }
    report("pane switch", panes);
    let mut typing = Vec::new();
    for word in ["benali", "karim zam", "fr76", "boulevard"] {
        app.press("/");
        assert!(app.settle(SETTLE));
        let mut typed = String::new();
        for c in word.chars() {
            typed.push(c);
            let s = c.to_string();
            timed(&mut app, format!("/{typed}"), &|a| a.type_text(&s), &mut typing);
        }
        app.press("esc");
        assert!(app.settle(SETTLE));
    }
    report("search as you type", typing);
}

/// Each query the worker runs when the cases pane moves to a case it has not shown yet,
/// timed alone (cold: each case once), summed over the cases.
#[test]
#[ignore = "needs LIAISON_BENCH_STORE: a store made by `liaison generate`"]
fn case_switch_queries_cold() {
    use liaison::store::query::{CaseFilter, MemberQuery, TimelineQuery, TimelineScope, Zoom};
    let Some(store) = bench_store() else { return };
    let _ = store.conn().pragma_update(None, "cache_size", -32 * 1024);
    let cases =
        store.cases(&CaseFilter { limit: 5000, skip_member_count: true, ..CaseFilter::default() }).unwrap();
    let mut sums = std::collections::BTreeMap::<&str, (Duration, Duration)>::new();
    let mut time = |label: &'static str, f: &mut dyn FnMut()| {
        let t0 = Instant::now();
        f();
        let d = t0.elapsed();
        let e = sums.entry(label).or_default();
        e.0 += d;
        e.1 = e.1.max(d);
    };
    let q = MemberQuery::default();
    for c in cases.iter().take(12) {
        let case = c.id;
        time("1 member kinds", &mut || drop(store.case_member_kinds_where(case, &q).unwrap()));
        time("2 member page", &mut || drop(store.case_members_where(case, &q, 80, 0).unwrap()));
        time("3 case detail", &mut || drop(store.entity(case, 50).unwrap()));
        time("4 profile", &mut || drop(store.resolved_profile(case).unwrap()));
        time("5 timeline page", &mut || {
            drop(
                store
                    .timeline(&TimelineQuery {
                        scope: TimelineScope::Case(case),
                        limit: 80,
                        ..TimelineQuery::default()
                    })
                    .unwrap(),
            );
        });
        time("7 audit a view", &mut || {
            store
                .audit("view entity", &serde_json::json!({ "entity": case.to_string(), "via": "speed" }))
                .unwrap();
        });
        time("6 density", &mut || {
            drop(store.timeline_density(TimelineScope::Case(case), Zoom::Month, None, None).unwrap());
        });
    }
    for (k, (sum, max)) in sums {
        eprintln!("{k:<18} mean {:>6.1} ms  max {:>6.1} ms", ms(sum) / 12.0, ms(max));
    }
}

/// A case's member page and kinds as SQL, in variants, timed cold over the first cases.
#[test]
#[ignore = "needs LIAISON_BENCH_STORE: a store made by `liaison generate`"]
fn member_page_variants() {
    use liaison::store::query::CaseFilter;
    let Some(store) = bench_store() else { return };
    let conn = store.conn();
    let _ = conn.pragma_update(None, "cache_size", -32 * 1024);
    let cases =
        store.cases(&CaseFilter { limit: 5000, skip_member_count: true, ..CaseFilter::default() }).unwrap();
    let ns: Vec<i64> = cases
        .iter()
        .map(|c| {
            conn.query_row("SELECT n FROM object WHERE uid = ?1", [c.id.as_bytes().to_vec()], |r| r.get(0))
                .unwrap()
        })
        .collect();
    let variants = [
        ("old page", "SELECT e.n, e.uid, e.schema, e.caption, e.grade, e.marking,
                    (SELECT value FROM stmt WHERE obj = m.n AND prop = 'role' AND live = 1 LIMIT 1), 0 AS links
             FROM object m JOIN object e ON e.n = m.dst
             WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
               AND e.caption LIKE '%' ESCAPE '\\'
             ORDER BY e.schema <> 'Person', e.schema, e.caption, e.uid LIMIT 80 OFFSET 0"),
        ("new page", "SELECT p.n, p.uid, p.schema, p.caption, p.grade, p.marking,
                    (SELECT value FROM stmt WHERE obj = p.m AND prop = 'role' AND live = 1 LIMIT 1), 0 AS links
             FROM (SELECT m.n AS m, e.n, e.uid, e.schema, e.caption, e.grade, e.marking
             FROM object m JOIN object e ON e.n = m.dst
             WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
               AND e.caption LIKE '%' ESCAPE '\\'
             ORDER BY e.schema <> 'Person', e.schema, e.caption, e.uid LIMIT 80 OFFSET 0) p
             ORDER BY p.schema <> 'Person', p.schema, p.caption, p.uid"),
        ("kinds", "SELECT e.schema, count(*) FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                   AND e.caption LIKE '%' ESCAPE '\\'
                 GROUP BY e.schema ORDER BY e.schema <> 'Person', e.schema"),
    ];
    for (name, sql) in variants {
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([ns[0]], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        eprintln!("{name}: {}", plan.join(" | "));
    }
    for (round, pick) in [(0, 0..10), (1, 10..20)] {
        for (name, sql) in variants {
            let i = if name == "new page" { round } else { 1 - round };
            let range = if i == 0 { pick.clone() } else { pick.start + 20..pick.end + 20 };
            let mut stmt = conn.prepare(sql).unwrap();
            let t0 = Instant::now();
            for n in &ns[range] {
                let rows = stmt.query_map([n], |r| r.get::<_, i64>(0)).unwrap().count();
                assert!(rows > 0);
            }
            eprintln!("round {round} {name}: {:.1} ms per case", ms(t0.elapsed()) / 10.0);
        }
    }
}

/// Search as you type on a large store: each prefix of the harness's words, found alone,
/// then as a page with its count, then as the workbench asks it (`search_resolved`). Only the
/// first of the three meets the prefix cold; the other two follow it on warm pages.
#[test]
#[ignore = "needs LIAISON_BENCH_STORE: a store made by `liaison generate`"]
fn search_prefixes_cold() {
    let Some(store) = bench_store() else { return };
    for word in ["benali", "karim zam", "fr76", "boulevard", "dubois", "m", "s", "a"] {
        for len in 1..=word.len().min(3) {
            let prefix = &word[..len];
            let t0 = Instant::now();
            let found = store.search(prefix, 50).unwrap().len();
            let t1 = Instant::now();
            let page = store.search_page(prefix, 50).unwrap();
            let t2 = Instant::now();
            drop(store.search_resolved(prefix, 50).unwrap());
            let t3 = Instant::now();
            eprintln!(
                "{prefix:<6} find {:>6.1}  page {:>6.1}  resolved {:>6.1} ms  ({found} hits, {:?})",
                ms(t1 - t0),
                ms(t2 - t1),
                ms(t3 - t2),
                page.total
            );
        }
    }
}
