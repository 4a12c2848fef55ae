//! Convergence of the apply rules: replicas that have seen the same ops show the same state,
//! whatever order the ops arrived in and whatever each replica knew when it made its edits.

use std::collections::BTreeSet;

use proptest::prelude::*;
use rusqlite::Connection;
use uuid::Uuid;

use super::Applier;
use crate::model::hlc::Clock;
use crate::model::ids::DeviceId;
use crate::model::op::{Assertion, DELETED, Op, OpBody, OpId};
use crate::store::{migrations, project};

const OBJECTS: [u128; 2] = [0x1001, 0x1002];
const SOURCE: u128 = 0x5005;

/// One office's copy: its own database, clock and the ops it knows.
struct Replica {
    conn: Connection,
    device: DeviceId,
    clock: Clock,
    known: Vec<(DeviceId, OpId, Op)>,
    seen: BTreeSet<OpId>,
}

impl Replica {
    fn new(i: u8) -> Replica {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations::upgrade(&mut conn).unwrap();
        Replica {
            conn,
            device: DeviceId([i; 16]),
            clock: Clock::default(),
            known: vec![],
            seen: BTreeSet::new(),
        }
    }

    fn receive(&mut self, author: DeviceId, id: OpId, op: &Op) {
        if !self.seen.insert(id) {
            return;
        }
        self.clock.observe(op.hlc, 0);
        let mut applier = Applier::new(&self.conn).unwrap();
        applier.apply(&self.conn, author, &id, op).unwrap();
        for n in applier.dirty {
            project::project(&self.conn, n).unwrap();
        }
        self.known.push((author, id, op.clone()));
    }

    fn local(&mut self, object: Uuid, body: OpBody) {
        // A fixed wall clock makes concurrent edits tie on time and be ordered by counter
        // and device, the hardest case for convergence.
        let op = Op { object, hlc: self.clock.tick_at(1_000), body };
        let id = op.id(self.device);
        self.receive(self.device, id, &op);
    }

    fn n_of(&self, uid: Uuid) -> Option<i64> {
        self.conn.query_row("SELECT n FROM object WHERE uid = ?1", [uid.as_bytes()], |r| r.get(0)).ok()
    }

    fn live_adds(&self, object: Uuid, value: &str, source: Option<Uuid>) -> Vec<OpId> {
        let Some(n) = self.n_of(object) else { return vec![] };
        let source_n = source.and_then(|s| self.n_of(s)).unwrap_or(0);
        let adds: Vec<u8> = self
            .conn
            .query_row(
                "SELECT adds FROM stmt WHERE obj = ?1 AND prop = 'name' AND value = ?2 AND source = ?3 AND live = 1",
                rusqlite::params![n, value, source_n],
                |r| r.get(0),
            )
            .unwrap_or_default();
        adds.chunks_exact(32).map(|c| OpId(c.try_into().unwrap())).collect()
    }

    fn heads(&self, object: Uuid, prop: &str) -> Vec<OpId> {
        let Some(n) = self.n_of(object) else { return vec![] };
        let mut stmt = self.conn.prepare("SELECT op FROM head WHERE obj = ?1 AND prop = ?2").unwrap();
        stmt.query_map(rusqlite::params![n, prop], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .map(|b| OpId(b.unwrap().try_into().unwrap()))
            .collect()
    }

    /// Everything a user could see, keyed by ids rather than local numbers.
    fn dump(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT hex(o.uid), o.schema, o.caption, o.deleted, o.marking, coalesce(o.grade, '') FROM object o
                 WHERE o.schema <> '' ORDER BY o.uid",
            )
            .unwrap();
        for row in stmt
            .query_map([], |r| {
                Ok(format!(
                    "object {} {} {} {} {} {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?
                ))
            })
            .unwrap()
        {
            out.push(row.unwrap());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT hex(o.uid), s.prop, s.value, coalesce(hex(src.uid), ''), coalesce(s.grade, ''), s.marking,
                        s.live, hex(s.origin), s.hlc, length(s.adds)
                 FROM stmt s JOIN object o ON o.n = s.obj LEFT JOIN object src ON src.n = s.source AND s.source <> 0",
            )
            .unwrap();
        for row in stmt
            .query_map([], |r| {
                Ok(format!(
                    "stmt {} {} {} {} {} {} {} {} {} {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, bool>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, i64>(9)?
                ))
            })
            .unwrap()
        {
            out.push(row.unwrap());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT hex(o.uid), c.prop FROM conflict c JOIN object o ON o.n = c.obj")
            .unwrap();
        for row in stmt
            .query_map([], |r| Ok(format!("conflict {} {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
        {
            out.push(row.unwrap());
        }
        out.sort();
        out
    }
}

#[derive(Debug, Clone)]
enum Event {
    /// Replica adds a name value (from the source or not) with a grade and marking.
    Add { replica: usize, object: usize, value: u8, sourced: bool, grade: u8, marking: u8 },
    /// Replica removes a name value it sees (from the source or not); `mismatch` sends a
    /// malformed remove naming the other source, which must remove nothing anywhere.
    Remove { replica: usize, object: usize, value: u8, sourced: bool, mismatch: bool },
    /// Replica sets the single-valued status, replacing the heads it knows.
    Set { replica: usize, object: usize, value: u8 },
    /// Replica deletes or restores an object.
    Delete { replica: usize, object: usize, restore: bool },
    /// Ops known to one replica reach another, in a shuffled order.
    Sync { from: usize, to: usize, shuffle: u64 },
}

const GRADES: [&str; 3] = ["B2", "C3", "EU:A1"];
const MARKINGS: [&str; 3] = ["TLP:GREEN", "TLP:AMBER H2", "TLP:RED"];

fn event() -> impl Strategy<Value = Event> {
    let r = 0..3usize;
    let o = 0..2usize;
    prop_oneof![
        (r.clone(), o.clone(), 0..3u8, any::<bool>(), 0..3u8, 0..3u8).prop_map(
            |(replica, object, value, sourced, grade, marking)| {
                Event::Add { replica, object, value, sourced, grade, marking }
            }
        ),
        (r.clone(), o.clone(), 0..3u8, any::<bool>(), prop::bool::weighted(0.2)).prop_map(
            |(replica, object, value, sourced, mismatch)| Event::Remove {
                replica,
                object,
                value,
                sourced,
                mismatch
            }
        ),
        (r.clone(), o.clone(), 0..3u8).prop_map(|(replica, object, value)| Event::Set {
            replica,
            object,
            value
        }),
        (r.clone(), o.clone(), any::<bool>()).prop_map(|(replica, object, restore)| Event::Delete {
            replica,
            object,
            restore
        }),
        (r.clone(), r, any::<u64>()).prop_map(|(from, to, shuffle)| Event::Sync { from, to, shuffle }),
    ]
}

fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut rng = crate::synth::Rng::new(seed);
    let mut v = items.to_vec();
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i as u64 + 1) as usize);
    }
    v
}

fn sync(replicas: &mut [Replica], from: usize, to: usize, seed: u64) {
    if from == to {
        return;
    }
    for (author, id, op) in shuffled(&replicas[from].known, seed) {
        replicas[to].receive(author, id, &op);
    }
}

fn run(events: &[Event], final_seed: u64) -> Vec<Vec<String>> {
    let mut replicas: Vec<Replica> = (1..=3).map(Replica::new).collect();
    // Every replica creates both objects (as two offices entering the same observable would).
    for r in &mut replicas {
        for o in OBJECTS {
            r.local(
                Uuid::from_u128(o),
                OpBody::Create { schema: "Person".into(), source: None, target: None },
            );
        }
    }
    for e in events {
        match *e {
            Event::Add { replica, object, value, sourced, grade, marking } => {
                let mut a = Assertion::plain("name", &format!("name{value}"));
                a.source = sourced.then(|| Uuid::from_u128(SOURCE));
                a.grade = Some(GRADES[grade as usize].into());
                a.marking = MARKINGS[marking as usize].into();
                replicas[replica].local(Uuid::from_u128(OBJECTS[object]), OpBody::Add(a));
            }
            Event::Remove { replica, object, value, sourced, mismatch } => {
                let uid = Uuid::from_u128(OBJECTS[object]);
                let v = format!("name{value}");
                let source = sourced.then(|| Uuid::from_u128(SOURCE));
                let removes = replicas[replica].live_adds(uid, &v, source);
                let named = if mismatch { (!sourced).then(|| Uuid::from_u128(SOURCE)) } else { source };
                if !removes.is_empty() {
                    replicas[replica]
                        .local(uid, OpBody::Remove { prop: "name".into(), value: v, source: named, removes });
                }
            }
            Event::Set { replica, object, value } => {
                let uid = Uuid::from_u128(OBJECTS[object]);
                let parents = replicas[replica].heads(uid, "status");
                let assertion = Assertion::plain("status", &format!("s{value}"));
                replicas[replica].local(uid, OpBody::Set { assertion, parents });
            }
            Event::Delete { replica, object, restore } => {
                let uid = Uuid::from_u128(OBJECTS[object]);
                let parents = replicas[replica].heads(uid, DELETED);
                let assertion = Assertion::plain(DELETED, if restore { "false" } else { "true" });
                replicas[replica].local(uid, OpBody::Set { assertion, parents });
            }
            Event::Sync { from, to, shuffle } => sync(&mut replicas, from, to, shuffle),
        }
    }
    // Everyone learns everything, in a different order each.
    for round in 0..2u64 {
        for from in 0..3 {
            for to in 0..3 {
                sync(&mut replicas, from, to, final_seed ^ (round * 31 + from as u64 * 7 + to as u64));
            }
        }
    }
    replicas.iter().map(Replica::dump).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn replicas_that_saw_the_same_ops_show_the_same_state(events in prop::collection::vec(event(), 0..40), seed in any::<u64>()) {
        let dumps = run(&events, seed);
        prop_assert_eq!(&dumps[0], &dumps[1]);
        prop_assert_eq!(&dumps[1], &dumps[2]);
    }
}

#[test]
fn concurrent_edits_of_a_single_value_are_a_conflict_until_resolved() {
    let events =
        vec![Event::Set { replica: 0, object: 0, value: 1 }, Event::Set { replica: 1, object: 0, value: 2 }];
    let dumps = run(&events, 1);
    assert!(dumps[0].iter().any(|l| l.starts_with("conflict") && l.ends_with("status")), "{:?}", dumps[0]);
    // Replica 0 sees both heads, then sets a value that replaces them both.
    let mut resolved = events.clone();
    resolved.push(Event::Sync { from: 1, to: 0, shuffle: 0 });
    resolved.push(Event::Set { replica: 0, object: 0, value: 1 });
    let dumps = run(&resolved, 2);
    assert!(!dumps[2].iter().any(|l| l.starts_with("conflict")), "{:?}", dumps[2]);
    assert_eq!(dumps[0], dumps[2]);
}

#[test]
fn a_remove_cancels_only_the_adds_it_saw() {
    // Replica 0 adds and removes a value; replica 1 adds the same value concurrently.
    let events = vec![
        Event::Add { replica: 0, object: 0, value: 0, sourced: false, grade: 0, marking: 0 },
        Event::Remove { replica: 0, object: 0, value: 0, sourced: false, mismatch: false },
        Event::Add { replica: 1, object: 0, value: 0, sourced: false, grade: 1, marking: 2 },
    ];
    let dumps = run(&events, 3);
    let live: Vec<_> =
        dumps[0].iter().filter(|l| l.contains(" name name0 ") && l.contains(" true ")).collect();
    assert_eq!(live.len(), 1, "the concurrent add survives: {:?}", dumps[0]);
    // Markings join to the most restrictive of the adds: TLP:RED from replica 1.
    assert!(live[0].contains("TLP:RED"), "{live:?}");
}
