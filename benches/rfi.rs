//! A request for information's round trip through two bundles, machine time on each side:
//! `cargo bench --bench rfi -- [--entities N] [--work DIR]` (default 10,000 entities per
//! office; results in benches/README.md, "Requests for information").
//!
//! Two offices, each a generated store of N entities (clusters of 2,000 per case, as the
//! harness makes them), trusted both ways, nothing shared, one exchange already made both
//! ways (not timed). Asker: `rfi new` outside any case
//! about one of its entities, the bundle to the office asked, later the answer's bundle
//! imported and the request closed. Answerer: the bundle imported, `rfi answer` with one of
//! its entities attached, the bundle back. Each step timed once in this process (no key
//! derivation: stores are opened once, before the clock starts).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use age::secrecy::SecretString;
use liaison::exchange::{self, ExportRequest};
use liaison::store::change::{Change, Face, RfiChange};
use liaison::store::offices::DeviceRecord;
use liaison::store::{Office, Provenance, Store};
use liaison::synth::{GenerateOptions, generate};
use uuid::Uuid;

fn pass() -> SecretString {
    SecretString::from("benchmark passphrase".to_owned())
}

fn card(store: &Store) -> DeviceRecord {
    let mut me = store.devices().expect("devices").into_iter().find(|d| d.is_self).expect("own device");
    me.is_self = false;
    me.trusted_at = None;
    me
}

fn office(dir: &Path, name: &str, entities: u64, seed: u64) -> Store {
    let _ = std::fs::remove_dir_all(dir);
    let office = Office { name: name.into(), agency: format!("{name} agency"), country: "FR".into() };
    let mut store = Store::create(dir, &pass(), &office).expect("create store");
    let t = Instant::now();
    let opts = GenerateOptions { entities, seed, case_prefix: name.to_uppercase() };
    generate(&mut store, &opts, &mut |_, _| {}).expect("generate");
    eprintln!("{name}: {entities} entities generated in {:.0} s", t.elapsed().as_secs_f64());
    store
}

/// Some person of the store (the request is about it, or the answer attaches it).
fn a_person(store: &Store) -> Uuid {
    let uid: Vec<u8> = store
        .conn()
        .query_row("SELECT uid FROM object WHERE schema = 'Person' AND deleted = 0 LIMIT 1", [], |r| r.get(0))
        .expect("a person");
    Uuid::from_slice(&uid).expect("uid")
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn export_to(store: &mut Store, to: &str, file: &Path) {
    let req = ExportRequest { to: vec![to.into()], output: file.to_path_buf(), ..ExportRequest::default() };
    exchange::export(store, &req, &mut |_, _| {}, &AtomicBool::new(false)).expect("export");
}

fn import(store: &mut Store, file: &Path) {
    exchange::import(store, file, false, &mut |_, _| {}, &AtomicBool::new(false)).expect("import");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let entities: u64 = arg("--entities").map_or(10_000, |v| v.parse().expect("--entities N"));
    let work = arg("--work").map_or_else(|| PathBuf::from("target/bench/rfi"), PathBuf::from);
    std::fs::create_dir_all(&work).expect("work folder");
    let mut a = office(&work.join("asker"), "Paris", entities, 1);
    let mut b = office(&work.join("answerer"), "Rotterdam", entities, 2);
    a.trust_device(&card(&b)).expect("trust");
    b.trust_device(&card(&a)).expect("trust");
    // A first exchange both ways, as between offices already working together: the first
    // bundle to an office reads the whole log, which is not the request's cost.
    let warm = work.join("warm.bundle");
    export_to(&mut a, "Rotterdam", &warm);
    import(&mut b, &warm);
    export_to(&mut b, "Paris", &warm);
    import(&mut a, &warm);
    export_to(&mut a, "Rotterdam", &warm);
    import(&mut b, &warm);
    // The same exchange with nothing to say: what any bundle costs, the request aside.
    let t = Instant::now();
    export_to(&mut b, "Paris", &warm);
    let empty_export = ms(t);
    let t = Instant::now();
    import(&mut a, &warm);
    let empty_import = ms(t);
    let about = a_person(&a);
    let attach = a_person(&b);
    let (ab, ba) = (work.join("ab.bundle"), work.join("ba.bundle"));

    let t = Instant::now();
    let asked = a
        .apply(
            Change::Rfi(Box::new(RfiChange::AskOffice {
                to: "Rotterdam".into(),
                question: "Do you know this man?".into(),
                about: vec![about],
                priority: None,
                due: None,
                prov: Provenance::default(),
            })),
            Face::Cli,
        )
        .expect("ask");
    let a_ask = ms(t);
    let rfi = asked.id.expect("rfi id");
    let t = Instant::now();
    export_to(&mut a, "Rotterdam", &ab);
    let a_export = ms(t);

    let t = Instant::now();
    import(&mut b, &ab);
    let b_import = ms(t);
    let t = Instant::now();
    b.apply(
        Change::Rfi(Box::new(RfiChange::Answer {
            rfi,
            text: "Yes.".into(),
            attach: vec![attach],
            prov: Provenance::default(),
        })),
        Face::Cli,
    )
    .expect("answer");
    let b_answer = ms(t);
    let t = Instant::now();
    export_to(&mut b, "Paris", &ba);
    let b_export = ms(t);

    let t = Instant::now();
    import(&mut a, &ba);
    let a_import = ms(t);
    let t = Instant::now();
    a.apply(Change::Rfi(Box::new(RfiChange::Close { rfi })), Face::Cli).expect("close");
    let a_close = ms(t);

    let bytes = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    println!(
        "| store (entities per office) | asker: ask + bundle + import answer + close | answerer: import + answer + bundle |"
    );
    println!("|---:|---:|---:|");
    println!(
        "| {entities} | {:.0} ms ({a_ask:.0} + {a_export:.0} + {a_import:.0} + {a_close:.0}) | {:.0} ms ({b_import:.0} + {b_answer:.0} + {b_export:.0}) |",
        a_ask + a_export + a_import + a_close,
        b_import + b_answer + b_export
    );
    println!("bundles: {} B asked, {} B answered", bytes(&ab), bytes(&ba));
    println!("an exchange with nothing in it: export {empty_export:.0} ms, import {empty_import:.0} ms");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&work);
}
