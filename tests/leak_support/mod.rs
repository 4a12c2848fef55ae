//! The leak property test's world: three offices made once by the real binary (cheap key
//! derivation) and copied for every case, one door through which every scenario write goes,
//! and the runner that writes, shares, revokes, relays and checks each hop with the oracle.
#![allow(dead_code)]

pub mod holdings;
pub mod oracle;
pub mod scenario;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use age::secrecy::SecretString;
use liaison::exchange::{self, ExportRequest};
use liaison::store::change as door;
use liaison::store::offices::DeviceRecord;
use liaison::store::{Provenance, Store};
use uuid::Uuid;

use crate::common::Liaison;
use holdings::{Facts, Holdings};
use scenario::{MarkingSpec, Office, SHARES, Scenario, ValueSpec};

const PASSPHRASE: &str = "correct horse battery";

/// Handling and provenance of one scenario write.
#[derive(Debug, Clone, Default)]
pub struct Prov {
    /// As typed; None: the analyst gave no marking (the library decides what it inherits).
    pub marking: Option<String>,
    pub case: Option<Uuid>,
    pub source: Option<String>,
}

/// The writes the scenarios make, as an analyst would on the command line.
#[derive(Debug, Clone)]
pub enum Change {
    Case { reference: String, title: String, marking: String },
    Entity { schema: &'static str, props: Vec<(String, String)>, prov: Prov },
    Values { record: Uuid, props: Vec<(String, String)>, prov: Prov },
    Link { schema: &'static str, from: Uuid, to: Uuid, props: Vec<(String, String)>, prov: Prov },
    Member { case: Uuid, entity: Uuid },
    Note { case: Uuid, text: String, prov: Prov },
}

/// Every scenario write goes through here, and here it goes through the library's one write
/// door (`Store::apply`), as the command line's and the workbench's do. Returns the record
/// written.
pub fn write(store: &mut Store, change: Change) -> Uuid {
    let prov = |p: Prov| {
        Provenance { source: p.source, case: p.case, ..Provenance::default() }
            .with_typed_marking(p.marking.as_deref())
            .unwrap()
    };
    let change = match change {
        Change::Case { reference, title, marking } => door::Change::NewCase {
            props: vec![("reference".to_owned(), reference), ("title".to_owned(), title)],
            marking: Some(marking),
        },
        Change::Entity { schema, props, prov: p } => {
            door::Change::NewEntity { schema: schema.to_owned(), props, prov: prov(p) }
        }
        Change::Values { record, props, prov: p } => {
            door::Change::SetValues { id: record, props, prov: prov(p) }
        }
        Change::Link { schema, from, to, props, prov: p } => {
            door::Change::NewLink { schema: schema.to_owned(), from, to, props, prov: prov(p) }
        }
        Change::Member { case, entity } => door::Change::AddMember { case, entity, role: None },
        Change::Note { case, text, prov: p } => door::Change::CaseRecord {
            case,
            schema: "Note".to_owned(),
            props: vec![("text".to_owned(), text)],
            prov: prov(p),
        },
    };
    let applied = store.apply(change, door::Face::Cli).unwrap();
    applied.id.expect("every scenario write names its record")
}

/// The three offices, initialised and trusting each other, kept closed: each case copies
/// their folders.
pub struct Templates {
    offices: Vec<Liaison>,
}

impl Templates {
    pub fn make() -> Templates {
        let offices: Vec<Liaison> = Office::ALL
            .iter()
            .map(|o| {
                let l = Liaison::empty();
                l.ok(&["init", "--office", o.name(), "--agency", o.agency(), "--country", o.country()]);
                l
            })
            .collect();
        let mut stores: Vec<Store> = offices.iter().map(|l| open(&l.store)).collect();
        let records: Vec<DeviceRecord> = stores
            .iter()
            .map(|s| DeviceRecord {
                id: s.device(),
                public_key: s.keys().public_key(),
                age_recipient: s.keys().age_recipient(),
                office: s.office().name.clone(),
                agency: s.office().agency.clone(),
                country: s.office().country.clone(),
                is_self: false,
                trusted_at: None,
                revoked_at: None,
            })
            .collect();
        for (i, s) in stores.iter_mut().enumerate() {
            for (j, r) in records.iter().enumerate() {
                if i != j {
                    s.trust_device(r).unwrap();
                }
            }
        }
        drop(stores);
        Templates { offices }
    }

    /// Runs one scenario in fresh copies of the offices: what each hop brought, or every
    /// leak found.
    pub fn run(&self, s: &Scenario) -> Result<Vec<Hop>, String> {
        let mut world = World::new(self);
        world.play(s)?;
        Ok(world.hops)
    }
}

fn open(dir: &Path) -> Store {
    Store::open(dir, &SecretString::from(PASSPHRASE.to_owned())).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Scenario indexes resolved to the records written.
struct Ids {
    cases: Vec<Option<Uuid>>,
    entities: Vec<Option<Uuid>>,
    next: u32,
}

/// What one bundle brought its recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub from: Office,
    pub to: Office,
    pub statements: usize,
    pub records: usize,
}

struct World<'t> {
    templates: &'t Templates,
    dir: tempfile::TempDir,
    stores: Vec<Store>,
    leaks: Vec<String>,
    hops: Vec<Hop>,
}

impl<'t> World<'t> {
    fn new(templates: &'t Templates) -> World<'t> {
        let dir = tempfile::tempdir().unwrap();
        let stores = Office::ALL
            .iter()
            .zip(&templates.offices)
            .map(|(o, l)| {
                let to = dir.path().join(o.tag().to_string());
                copy_dir(&l.store, &to);
                open(&to)
            })
            .collect();
        World { templates, dir, stores, leaks: Vec::new(), hops: Vec::new() }
    }

    fn store(&mut self, o: Office) -> &mut Store {
        &mut self.stores[o.index()]
    }

    fn facts(&self) -> [Facts; 3] {
        Office::ALL.map(|o| Facts::read(o, &self.stores[o.index()]))
    }

    fn play(&mut self, s: &Scenario) -> Result<(), String> {
        let mut ids =
            Ids { cases: vec![None; s.cases.len()], entities: vec![None; s.entities.len()], next: 0 };
        let revoked = |by: Office, whom: Office| s.revocation.pair() == Some((by, whom));
        self.phase(Office::Paris, s, &mut ids);
        if !revoked(Office::Paris, Office::Lyon) {
            self.hop(Office::Paris, Office::Lyon)?;
        }
        if s.paris_to_den_haag && !revoked(Office::Paris, Office::DenHaag) {
            self.hop(Office::Paris, Office::DenHaag)?;
        }
        self.phase(Office::Lyon, s, &mut ids);
        if !revoked(Office::Lyon, Office::DenHaag) {
            self.hop(Office::Lyon, Office::DenHaag)?;
        }
        if !revoked(Office::Paris, Office::Lyon) {
            self.hop(Office::Lyon, Office::Paris)?;
        }
        self.format_exports(s);
        if self.leaks.is_empty() { Ok(()) } else { Err(self.leaks.join("\n")) }
    }

    /// One bundle from `from` to `to`, imported, and what it brought checked.
    fn hop(&mut self, from: Office, to: Office) -> Result<(), String> {
        let path = self.dir.path().join(format!("{}{}.bundle", from.tag(), to.tag()));
        let req = ExportRequest {
            to: vec![to.name().to_owned()],
            output: path.clone(),
            ..ExportRequest::default()
        };
        exchange::export(self.store(from), &req, &mut |_, _| {}, &AtomicBool::new(false))
            .map_err(|e| format!("export from {} to {} failed: {e}", from.name(), to.name()))?;
        let facts = self.facts();
        let before = facts[to.index()].holdings.clone();
        exchange::import(self.store(to), &path, false, &mut |_, _| {}, &AtomicBool::new(false))
            .map_err(|e| format!("{} could not import the bundle from {}: {e}", to.name(), from.name()))?;
        let after = Holdings::read(&self.stores[to.index()]);
        self.hops.push(Hop {
            from,
            to,
            statements: after.stmts.keys().filter(|k| !before.stmts.contains_key(*k)).count(),
            records: after.records.iter().filter(|(u, r)| !r.schema.is_empty() && !before.has(**u)).count(),
        });
        self.leaks.extend(oracle::leaks_of_hop(&facts, from, to, &before, &after));
        Ok(())
    }

    /// What office `x` writes, shares and revokes.
    fn phase(&mut self, x: Office, s: &Scenario, ids: &mut Ids) {
        let store = &mut self.stores[x.index()];
        let mut text = |what: &str, ids: &mut Ids| {
            ids.next += 1;
            format!("{what} {}{:04}", x.tag(), ids.next)
        };
        for (i, c) in s.cases.iter().enumerate() {
            if c.author == x {
                let change = Change::Case {
                    reference: format!("{}-{i}", x.tag()),
                    title: text("Operation", ids),
                    marking: c.marking.text(),
                };
                ids.cases[i] = Some(write(store, change));
            }
        }
        let case_at = |store: &Store, ids: &Ids, i: Option<u8>| {
            i.and_then(|i| ids.cases[usize::from(i) % ids.cases.len()])
                .filter(|k| has_kind(store, *k, "Case"))
        };
        let entity_at = |store: &Store, ids: &Ids, i: u8| {
            ids.entities[usize::from(i) % ids.entities.len()].filter(|e| has_kind(store, *e, "Person"))
        };
        for (i, e) in s.entities.iter().enumerate() {
            if e.author == x && ids.entities[i].is_none() {
                let first = &e.values[0];
                let prov = prov(store, ids, first, case_at(store, ids, first.case), &mut text);
                let props = vec![("name".to_owned(), text("Name", ids))];
                let uid = write(store, Change::Entity { schema: "Person", props, prov });
                ids.entities[i] = Some(uid);
                for c in &e.cases {
                    if let Some(case) = case_at(store, ids, Some(*c)) {
                        write(store, Change::Member { case, entity: uid });
                    }
                }
            }
            let Some(uid) = ids.entities[i].filter(|u| has_kind(store, *u, "Person")) else { continue };
            for v in e.values.iter().skip(1).filter(|v| v.author == x) {
                let prov = prov(store, ids, v, case_at(store, ids, v.case), &mut text);
                let props = vec![("alias".to_owned(), text("Alias", ids))];
                write(store, Change::Values { record: uid, props, prov });
            }
        }
        for l in s.links.iter().filter(|l| l.author == x) {
            let (Some(from), Some(to)) = (entity_at(store, ids, l.from), entity_at(store, ids, l.to)) else {
                continue;
            };
            if from == to {
                continue;
            }
            let props =
                if l.summary { vec![("summary".to_owned(), text("Summary", ids))] } else { Vec::new() };
            let prov = Prov {
                marking: l.marking.as_ref().map(MarkingSpec::text),
                case: case_at(store, ids, l.case),
                source: None,
            };
            write(store, Change::Link { schema: "Associate", from, to, props, prov });
        }
        for n in s.notes.iter().filter(|n| n.author == x) {
            if let Some(case) = case_at(store, ids, Some(n.case)) {
                let prov = Prov {
                    marking: n.marking.as_ref().map(MarkingSpec::text),
                    case: Some(case),
                    source: None,
                };
                write(store, Change::Note { case, text: text("Note", ids), prov });
            }
        }
        for m in s.members.iter().filter(|m| m.author == x) {
            if let (Some(case), Some(entity)) =
                (case_at(store, ids, Some(m.case)), entity_at(store, ids, m.entity))
            {
                write(store, Change::Member { case, entity });
            }
        }
        for (i, c) in s.cases.iter().enumerate() {
            for ((by, with), wanted) in SHARES.iter().zip(c.shares) {
                if let Some(case) = case_at(store, ids, Some(i as u8)).filter(|_| wanted && *by == x) {
                    store.share_case(case, with.name()).unwrap();
                }
            }
        }
        if let Some((by, whom)) = s.revocation.pair().filter(|(by, _)| *by == x) {
            assert_eq!(by, x);
            store.revoke_office(whom.name()).unwrap();
        }
    }

    /// The hook for format exports released as to one office (`liaison export --format F
    /// --for OFFICE`, helper D's flag): each file a holder of others' data writes for an
    /// office must contain nothing that office may not have. Skipped while the binary has
    /// no `--for`.
    fn format_exports(&mut self, s: &Scenario) {
        if !format_for_supported() {
            return;
        }
        const FORMATS: [&str; 4] = ["ftm", "stix", "misp", "timeline-csv"];
        let format = FORMATS[s.entities.len() % FORMATS.len()];
        let facts = self.facts();
        let revoked = |by: Office, whom: Office| s.revocation.pair() == Some((by, whom));
        for (from, to) in
            [(Office::Lyon, Office::DenHaag), (Office::Lyon, Office::Paris), (Office::Paris, Office::DenHaag)]
        {
            if revoked(from, to) {
                continue;
            }
            let out = self.dir.path().join(format!("{}{}.{format}", from.tag(), to.tag()));
            match export_format_for(
                &self.templates.offices[from.index()],
                &self.stores[from.index()],
                format,
                to,
                &out,
            ) {
                Ok(text) => self.leaks.extend(oracle::leaks_in_file(&facts, from, to, format, &text)),
                Err(e) => self.leaks.push(e),
            }
        }
    }
}

fn prov(
    _store: &Store,
    ids: &mut Ids,
    v: &ValueSpec,
    case: Option<Uuid>,
    text: &mut impl FnMut(&str, &mut Ids) -> String,
) -> Prov {
    Prov {
        marking: v.marking.as_ref().map(MarkingSpec::text),
        case,
        source: v.sourced.then(|| text("Source", ids)),
    }
}

fn has_kind(store: &Store, uid: Uuid, schema: &str) -> bool {
    store
        .conn()
        .query_row(
            "SELECT schema = ?2 FROM object WHERE uid = ?1",
            rusqlite::params![uid.as_bytes(), schema],
            |r| r.get::<_, bool>(0),
        )
        .unwrap_or(false)
}

/// What this Liaison's `export --help` offers: (`--for OFFICE`, `--yes`), asked once.
fn export_flags() -> (bool, bool) {
    static FLAGS: OnceLock<(bool, bool)> = OnceLock::new();
    *FLAGS.get_or_init(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_liaison")).args(["export", "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        (help.contains("--for "), help.contains("--yes"))
    })
}

fn format_for_supported() -> bool {
    export_flags().0
}

/// Runs `liaison export --format FORMAT --for OFFICE --yes` on `store` and returns the file.
fn export_format_for(
    l: &Liaison,
    store: &Store,
    format: &str,
    to: Office,
    out: &PathBuf,
) -> Result<String, String> {
    let run = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--store")
        .arg(store.dir())
        .arg("--passphrase-file")
        .arg(&l.pass_file)
        .env("LIAISON_STATE_DIR", l.root.path().join("state"))
        .env_remove("LIAISON_PASSPHRASE")
        .args(["export", "--format", format, "--for", to.name()])
        .args(if export_flags().1 { &["--yes"][..] } else { &[] })
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    if !run.status.success() {
        return Err(format!(
            "export --format {format} --for {} failed: {}",
            to.name(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    std::fs::read_to_string(out).map_err(|e| format!("{}: {e}", out.display()))
}
