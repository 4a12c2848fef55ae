//! Convergence (DESIGN §3, §8): two and three offices editing one shared case, exchanging
//! bundles in random orders (some lost, some delivered twice), end with identical entities,
//! statements and conflict lists once everyone has exchanged with everyone.

use crate::common;
use crate::exchange_support;

use std::path::{Path, PathBuf};

use exchange_support::{export_to, import_file, office, open, state, trust_all};
use liaison::exchange;
use liaison::model::values::Locale;
use liaison::store::{Provenance, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

const NAMES: [&str; 3] = ["Paris", "Marseille", "Lyon"];
const PEOPLE: [&str; 4] = ["Ana Ruiz", "Bo Lind", "Cem Aydin", "Dee Okafor"];
const ALIASES: [&str; 3] = ["La Reina", "The Broker", "Zorro"];
const STATUSES: [&str; 4] = ["open", "active", "suspended", "closed"];

#[derive(Debug, Clone)]
enum Edit {
    NewPerson(usize, bool),
    NewPhone(u8),
    AddAlias(u16, usize),
    RemoveAlias(u16),
    SetStatus(usize),
    SetTitle(usize),
    Delete(u16),
    Restore(u16),
    Resolve(u16),
}

#[derive(Debug, Clone)]
enum Action {
    Edit(usize, Edit),
    Send(usize, usize),
    Deliver(u16),
    Replay(u16),
    Lose(u16),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..PEOPLE.len(), any::<bool>()).prop_map(|(p, s)| Edit::NewPerson(p, s)),
        (0u8..3).prop_map(Edit::NewPhone),
        (any::<u16>(), 0..ALIASES.len()).prop_map(|(e, a)| Edit::AddAlias(e, a)),
        any::<u16>().prop_map(Edit::RemoveAlias),
        (0..STATUSES.len()).prop_map(Edit::SetStatus),
        (0..3usize).prop_map(Edit::SetTitle),
        any::<u16>().prop_map(Edit::Delete),
        any::<u16>().prop_map(Edit::Restore),
        any::<u16>().prop_map(Edit::Resolve),
    ]
}

fn action(n: usize) -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..n, edit()).prop_map(|(o, e)| Action::Edit(o, e)),
        3 => (0..n, 0..n).prop_filter("to another office", |(a, b)| a != b).prop_map(|(a, b)| Action::Send(a, b)),
        3 => any::<u16>().prop_map(Action::Deliver),
        1 => any::<u16>().prop_map(Action::Replay),
        1 => any::<u16>().prop_map(Action::Lose),
    ]
}

/// Offices created once per test (by the binary), copied fresh for every case.
struct Template {
    _root: tempfile::TempDir,
    dirs: Vec<PathBuf>,
}

fn template(n: usize) -> Template {
    let offices: Vec<common::Liaison> = NAMES[..n].iter().map(|name| office(name, "PJ", "FR")).collect();
    trust_all(&offices.iter().collect::<Vec<_>>());
    let root = tempfile::tempdir().unwrap();
    let dirs = offices
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let dir = root.path().join(format!("office-{i}"));
            copy_dir(&l.store, &dir);
            dir
        })
        .collect();
    Template { _root: root, dirs }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

struct World {
    dir: tempfile::TempDir,
    stores: Vec<Store>,
    case: Uuid,
    pending: Vec<(usize, PathBuf)>,
    delivered: Vec<(usize, PathBuf)>,
    serial: usize,
}

impl World {
    fn new(t: &Template) -> World {
        let dir = tempfile::tempdir().unwrap();
        let stores: Vec<Store> = t
            .dirs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let to = dir.path().join(format!("store-{i}"));
                copy_dir(d, &to);
                open(&to)
            })
            .collect();
        let mut w =
            World { dir, stores, case: Uuid::nil(), pending: Vec::new(), delivered: Vec::new(), serial: 0 };
        let mut tx = w.stores[0].write("case new").unwrap();
        let props = [("reference", "C-1"), ("title", "Shared"), ("status", "open")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        w.case = tx.new_record("Case", None, &props, &Provenance::default()).unwrap();
        tx.commit(&serde_json::json!({})).unwrap();
        let n = w.stores.len();
        for (to, name) in NAMES.iter().enumerate().take(n).skip(1) {
            w.stores[0].share_case(w.case, name).unwrap();
            let file = w.send(0, to);
            import_file(&mut w.stores[to], &file).unwrap();
        }
        // Everyone shares the case with everyone (offices 1.. shared back with 0 on import).
        for a in 1..n {
            for (b, name) in NAMES.iter().enumerate().take(n).skip(1) {
                if a != b {
                    w.stores[a].share_case(w.case, name).unwrap();
                }
            }
        }
        w
    }

    fn send(&mut self, from: usize, to: usize) -> PathBuf {
        self.serial += 1;
        let file = self.dir.path().join(format!("bundle-{}", self.serial));
        export_to(&mut self.stores[from], &[NAMES[to]], &file);
        file
    }

    /// People (and, with `phones`, phones) this office knows.
    fn people(&self, o: usize, phones: bool) -> Vec<Uuid> {
        let conn = self.stores[o].conn();
        let kinds = if phones { "('Person', 'Phone')" } else { "('Person')" };
        let mut q =
            conn.prepare(&format!("SELECT uid FROM object WHERE schema IN {kinds} ORDER BY uid")).unwrap();
        q.query_map([], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .map(|b| Uuid::from_slice(&b.unwrap()).unwrap())
            .collect()
    }

    fn pick(&self, o: usize, k: u16, phones: bool) -> Option<Uuid> {
        let people = self.people(o, phones);
        (!people.is_empty()).then(|| people[k as usize % people.len()])
    }

    fn edit(&mut self, o: usize, e: &Edit) {
        let case = self.case;
        let prov = Provenance { case: Some(case), ..Provenance::default() };
        let target = match e {
            Edit::AddAlias(k, _) | Edit::RemoveAlias(k) => self.pick(o, *k, false),
            Edit::Delete(k) | Edit::Restore(k) => self.pick(o, *k, true),
            _ => None,
        };
        if let Edit::Resolve(k) = e {
            let list = exchange::list_conflicts(&self.stores[o]).unwrap();
            if let Some(c) = list.get(*k as usize % list.len().max(1)) {
                let keep = c.values[*k as usize % c.values.len()].value.clone();
                exchange::resolve_conflict(&mut self.stores[o], &c.id, &keep).unwrap();
            }
            return;
        }
        let store = &mut self.stores[o];
        let mut tx = store.write("edit").unwrap();
        let p = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        match e {
            Edit::NewPerson(i, sourced) => {
                let prov = Provenance { source: sourced.then(|| "Wiretap 118".to_owned()), ..prov };
                tx.new_entity("Person", &p("name", PEOPLE[*i]), &prov, Locale::default()).unwrap();
            }
            Edit::NewPhone(i) => {
                tx.new_entity("Phone", &p("number", &format!("+3361234567{i}")), &prov, Locale::default())
                    .unwrap();
            }
            Edit::AddAlias(_, a) => {
                if let Some(t) = target {
                    tx.set_values(t, &p("alias", ALIASES[*a]), &prov, Locale::default()).unwrap();
                }
            }
            Edit::RemoveAlias(_) => {
                if let Some(t) = target {
                    for a in ALIASES {
                        tx.remove(t, "alias", a, None).unwrap();
                    }
                }
            }
            Edit::SetStatus(s) => tx
                .set_values(case, &p("status", STATUSES[*s]), &Provenance::default(), Locale::default())
                .unwrap(),
            Edit::SetTitle(t) => {
                let title = ["Shared", "Port", "Harbour"][*t];
                tx.set_values(case, &p("title", title), &Provenance::default(), Locale::default()).unwrap();
            }
            Edit::Delete(_) => {
                if let Some(t) = target {
                    tx.delete_record(t).unwrap();
                }
            }
            Edit::Restore(_) => {
                if let Some(t) = target {
                    tx.restore_record(t).unwrap();
                }
            }
            Edit::Resolve(_) => {}
        }
        tx.commit(&serde_json::json!({})).unwrap();
    }

    fn act(&mut self, a: &Action) {
        match a {
            Action::Edit(o, e) => self.edit(*o, e),
            Action::Send(from, to) => {
                let file = self.send(*from, *to);
                self.pending.push((*to, file));
            }
            Action::Deliver(k) if !self.pending.is_empty() => {
                let (to, file) = self.pending.remove(*k as usize % self.pending.len());
                let r = import_file(&mut self.stores[to], &file).unwrap();
                assert_eq!(r.status, "imported");
                self.delivered.push((to, file));
            }
            Action::Replay(k) if !self.delivered.is_empty() => {
                let (to, file) = self.delivered[*k as usize % self.delivered.len()].clone();
                let r = import_file(&mut self.stores[to], &file).unwrap();
                assert_eq!(r.status, "already imported");
            }
            Action::Lose(k) if !self.pending.is_empty() => {
                self.pending.remove(*k as usize % self.pending.len());
            }
            _ => {}
        }
    }

    /// Everyone exchanges with everyone until nothing is left to send.
    fn settle(&mut self) {
        let n = self.stores.len();
        for _ in 0..n {
            for a in 0..n {
                for b in 0..n {
                    if a != b {
                        let file = self.send(a, b);
                        import_file(&mut self.stores[b], &file).unwrap();
                    }
                }
            }
        }
    }
}

fn converge(n: usize, cases: u32) {
    let t = template(n);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    runner
        .run(&proptest::collection::vec(action(n), 4..28), |actions| {
            let mut w = World::new(&t);
            for a in &actions {
                w.act(a);
            }
            w.settle();
            let first = state(&w.stores[0]);
            prop_assert!(first.iter().any(|r| r.starts_with("object")));
            for (i, s) in w.stores.iter().enumerate().skip(1) {
                let other = state(s);
                if other != first {
                    let only_a: Vec<&String> = first.iter().filter(|r| !other.contains(r)).collect();
                    let only_b: Vec<&String> = other.iter().filter(|r| !first.contains(r)).collect();
                    prop_assert!(
                        false,
                        "{} and {} differ:\n only in {}: {only_a:#?}\n only in {}: {only_b:#?}",
                        NAMES[0],
                        NAMES[i],
                        NAMES[0],
                        NAMES[i]
                    );
                }
                let conflicts = |s: &Store| exchange::list_conflicts(s).unwrap();
                prop_assert_eq!(conflicts(&w.stores[0]), conflicts(s));
            }
            for s in &w.stores {
                prop_assert!(s.check().unwrap().ok);
            }
            // What imports built equals what the op log rebuilds (DESIGN §3).
            let last = w.stores.last_mut().unwrap();
            let live = state(last);
            last.rebuild(&mut |_, _| {}).unwrap();
            prop_assert_eq!(state(last), live);
            Ok(())
        })
        .unwrap();
}

#[test]
fn two_offices_converge_in_any_delivery_order() {
    converge(2, 24);
}

#[test]
fn three_offices_converge_in_any_delivery_order() {
    converge(3, 16);
}
