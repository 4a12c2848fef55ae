//! Deconfliction between two offices by bundle (`docs/deconfliction.md`): which selectors
//! take part, the request written as a bundle to one office, the reply its next bundle to us
//! carries, and the hits read from it on import. The protocol itself is [`super::psi`].
//!
//! What takes part is the office's choice:
//! - asking, every entity of the cases named (or of the store): the asking side reveals
//!   nothing of its selectors, it only learns which of them the other side holds;
//! - answering reveals to the asker that we hold its selectors, so by default only what a
//!   bundle to that office could carry takes part: values of the members of cases shared
//!   with it that the handling rules release to it. Naming cases (`deconflict reply --case`)
//!   is a person's choice to answer for those cases whatever their markings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::export::{ExportReport, ExportRequest, export};
use super::psi::disclose::{self as notes, Disclosure};
use super::psi::{self, PsiKey, Selector, SelectorKind};
use super::release::{Destination, ReleaseContext};
use super::{ExchangeError, Result};
use crate::model::ids::{DeviceId, hex};
use crate::model::schema::{Category, Schema};
use crate::model::selector::kind_of_property;
use crate::model::values::Locale;
use crate::store::Store;
use crate::store::deconfliction::{self as kept, Disclose, HeldSelector, Hit};
use crate::store::query::uid_from_blob;

/// What a deconfliction blob starts with; any other blob is not ours to read.
const MAGIC: &[u8] = b"liaison-psi-v1\n";
/// Largest deconfliction blob read (a reply to the largest request, with room).
pub const MAX_BLOB: u64 = 80 << 20;
/// Values of one person combined into person keys at most (names × dates of birth).
const MAX_PERSON_KEYS: usize = 16;

#[derive(Debug, Serialize, Deserialize)]
enum Message {
    Request(psi::Request),
    Reply(psi::Reply),
    /// A reply whose hits say what the answering office chose to disclose (appended: the
    /// encodings of the first two are unchanged).
    ReplyDisclosing(psi::Reply, Disclosure),
}

fn encode(message: &Message) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend(postcard::to_stdvec(message).expect("a deconfliction message always encodes"));
    bytes
}

fn decode(blob: &[u8]) -> Option<Result<Message>> {
    let body = blob.strip_prefix(MAGIC)?;
    Some(
        postcard::from_bytes(body)
            .map_err(|_| ExchangeError::Damaged("its deconfliction data cannot be read".into())),
    )
}

/// Which entities' selectors take part.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The members of these cases; none: every entity (asking) or the cases shared with the
    /// other office (answering).
    pub cases: Vec<Uuid>,
    /// Answering by default: only values the handling rules release to this office.
    pub entitled: Option<Destination>,
}

/// The selectors of `scope`, each with the records holding it, sorted.
pub fn selectors(store: &Store, scope: &Scope) -> Result<Vec<HeldSelector>> {
    let schema = Schema::builtin();
    let mut props: HashMap<(String, String), SelectorKind> = HashMap::new();
    for k in schema.kinds().filter(|k| k.category == Category::Entity) {
        for (name, p) in &k.properties {
            if let Some(s) = kind_of_property(&k.name, name, p.kind) {
                props.insert((k.name.clone(), name.clone()), s);
            }
        }
    }
    let context = scope.entitled.as_ref().map(|_| ReleaseContext::load(store)).transpose()?;
    let conn = store.conn();
    let members = member_objects(conn, &scope.cases)?;
    let case_uids = case_uids(conn)?;
    let sql = "SELECT o.n, o.uid, o.schema, s.prop, s.value, s.marking, s.case_n, s.origin
               FROM stmt s JOIN object o ON o.n = s.obj
               WHERE s.live = 1 AND o.deleted = 0 AND o.schema <> ''";
    let mut held: BTreeMap<Selector, Vec<Uuid>> = BTreeMap::new();
    let mut people: HashMap<Uuid, (Vec<String>, Vec<String>)> = HashMap::new();
    let mut take = |r: &rusqlite::Row<'_>| -> Result<()> {
        let schema_name: String = r.get(2)?;
        let prop: String = r.get(3)?;
        let person_part = schema_name == "Person" && (prop == "name" || prop == "birthDate");
        let kind = props.get(&(schema_name, prop.clone())).copied();
        if kind.is_none() && !person_part {
            return Ok(());
        }
        if let (Some(ctx), Some(to)) = (&context, &scope.entitled) {
            let marking: String = r.get(5)?;
            let case = r.get::<_, Option<i64>>(6)?.and_then(|c| case_uids.get(&c).copied());
            let origin: Vec<u8> = r.get(7)?;
            let Ok(origin) = <[u8; 16]>::try_from(origin.as_slice()) else { return Ok(()) };
            if ctx.check(&marking, case, DeviceId(origin), to).is_err() {
                return Ok(());
            }
        }
        let uid = uid_from_blob(&r.get::<_, Vec<u8>>(1)?);
        let value: String = r.get(4)?;
        if person_part {
            let entry = people.entry(uid).or_default();
            if prop == "name" { &mut entry.0 } else { &mut entry.1 }.push(value.clone());
        }
        if let Some(kind) = kind {
            if let Ok(s) = Selector::new(kind, &value, Locale::default()) {
                held.entry(s).or_default().push(uid);
            }
        }
        Ok(())
    };
    if let Some(members) = &members {
        // A case's members one by one, through the statement index.
        let mut q = conn.prepare(&format!("{sql} AND s.obj = ?1"))?;
        for n in members {
            let mut rows = q.query([n])?;
            while let Some(r) = rows.next()? {
                take(r)?;
            }
        }
    } else {
        // The whole store: one pass over the statements.
        let mut q = conn.prepare(sql)?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            take(r)?;
        }
    }
    for (uid, (names, births)) in people {
        let keys = names.iter().flat_map(|n| births.iter().map(move |b| (n, b)));
        for (name, birth) in keys.take(MAX_PERSON_KEYS) {
            if let Ok(s) = Selector::person(name, birth) {
                held.entry(s).or_default().push(uid);
            }
        }
    }
    Ok(held
        .into_iter()
        .map(|(s, mut records)| {
            records.sort();
            records.dedup();
            HeldSelector { kind: kind_name(s.kind), value: s.value, records }
        })
        .collect())
}

fn kind_name(kind: SelectorKind) -> String {
    kind.name().to_owned()
}

fn kind_of(name: &str) -> Option<SelectorKind> {
    SelectorKind::from_name(name)
}

fn as_selector(h: &HeldSelector) -> Option<Selector> {
    Some(Selector { kind: kind_of(&h.kind)?, value: h.value.clone() })
}

/// Object numbers of the members of `cases`; None for "no restriction".
fn member_objects(conn: &Connection, cases: &[Uuid]) -> Result<Option<HashSet<i64>>> {
    if cases.is_empty() {
        return Ok(None);
    }
    let mut q = conn.prepare(
        "SELECT m.dst FROM object c JOIN object m ON m.src = c.n AND m.schema = 'CaseMember'
         WHERE c.uid = ?1 AND m.deleted = 0 AND m.dst IS NOT NULL",
    )?;
    let mut out = HashSet::new();
    for case in cases {
        for n in q.query_map([case.as_bytes().as_slice()], |r| r.get::<_, i64>(0))? {
            out.insert(n?);
        }
    }
    Ok(Some(out))
}

/// The members of `cases` with the reference of the (first) case holding them.
fn member_refs(store: &Store, cases: &[Uuid]) -> Result<HashMap<Uuid, String>> {
    let mut q = store.conn().prepare(
        "SELECT e.uid FROM object c JOIN object m ON m.src = c.n AND m.schema = 'CaseMember'
         JOIN object e ON e.n = m.dst WHERE c.uid = ?1 AND m.deleted = 0",
    )?;
    let mut out = HashMap::new();
    for case in cases {
        let reference = store.case_reference(*case)?.unwrap_or_else(|| case.to_string());
        for uid in q.query_map([case.as_bytes().as_slice()], |r| r.get::<_, Vec<u8>>(0))? {
            out.entry(uid_from_blob(&uid?)).or_insert_with(|| reference.clone());
        }
    }
    Ok(out)
}

fn case_uids(conn: &Connection) -> Result<HashMap<i64, Uuid>> {
    let mut q = conn.prepare("SELECT n, uid FROM object WHERE schema = 'Case'")?;
    let rows = q.query_map([], |r| Ok((r.get::<_, i64>(0)?, uid_from_blob(&r.get::<_, Vec<u8>>(1)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What `deconflict request` did.
#[derive(Debug, Serialize)]
pub struct RequestReport {
    pub run: String,
    pub office: String,
    pub selectors: usize,
    pub by_kind: BTreeMap<String, usize>,
    pub bundle: ExportReport,
}

/// Writes a bundle to `office` carrying a deconfliction request over the selectors of
/// `cases` (every entity if none), and keeps what is needed to read the reply.
/// `operation`: the joint operation the run is made for (recorded with it).
pub fn request(
    store: &mut Store,
    office: &str,
    cases: &[Uuid],
    operation: Option<Uuid>,
    output: PathBuf,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<RequestReport> {
    if Destination::of_office(store, office)?.is_none() {
        return Err(ExchangeError::Input(format!(
            "no trusted office named {office:?}: `liaison office list` shows the offices you trust"
        )));
    }
    let held = selectors(store, &Scope { cases: cases.to_vec(), entitled: None })?;
    if held.is_empty() {
        return Err(ExchangeError::Input(
            "there is nothing to compare: no phone, IBAN, plate, e-mail, document number, wallet or \
             person with a date of birth in what you chose"
                .into(),
        ));
    }
    let mut by_kind = BTreeMap::new();
    for h in &held {
        *by_kind.entry(h.kind.clone()).or_insert(0) += 1;
    }
    let mut run = [0u8; 16];
    getrandom::fill(&mut run).map_err(|e| ExchangeError::Io(format!("no randomness: {e}")))?;
    let list: Vec<Selector> = held.iter().filter_map(as_selector).collect();
    let (req, pending) = psi::request(run, &list).map_err(|e| ExchangeError::Input(e.to_string()))?;
    let records: HashMap<Selector, Vec<Uuid>> =
        held.iter().filter_map(|h| Some((as_selector(h)?, h.records.clone()))).collect();
    let ordered: Vec<HeldSelector> = pending
        .selectors
        .iter()
        .map(|s| HeldSelector {
            kind: kind_name(s.kind),
            value: s.value.clone(),
            records: records.get(s).cloned().unwrap_or_default(),
        })
        .collect();
    let bundle = export(
        store,
        &ExportRequest {
            to: vec![office.to_owned()],
            output,
            blobs: vec![encode(&Message::Request(req))],
            ..ExportRequest::default()
        },
        progress,
        cancel,
    )?;
    store.psi_save_asked(
        run,
        office,
        operation,
        pending.key.to_bytes(),
        &ordered,
        &serde_json::json!({
            "run": hex(&run), "with": office, "selectors": ordered.len(), "by_kind": by_kind,
            "operation": operation,
            "bundle": bundle.bundle,
        }),
    )?;
    Ok(RequestReport { run: hex(&run), office: office.to_owned(), selectors: ordered.len(), by_kind, bundle })
}

/// The replies a bundle to `office` carries: one per request of its not yet answered,
/// over the selectors of `scope` (default: what may be released to it). Returns the
/// blobs and the runs they answer, to mark once the bundle is written.
/// `disclose`: what each hit says of us (a person's choice for this reply); none: the
/// standing choice for `office` (`deconflict disclose`), by default nothing.
pub fn replies_for(
    store: &Store,
    office: &str,
    cases: &[Uuid],
    disclose: Option<&Disclose>,
) -> Result<(Vec<Vec<u8>>, Vec<([u8; 16], u64)>)> {
    let waiting = store.psi_waiting(office)?;
    if waiting.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let disclose = match disclose {
        Some(d) => d.clone(),
        None => store.psi_disclose(office)?,
    };
    let scope = if cases.is_empty() {
        let shared: Vec<Uuid> =
            store.case_shares()?.into_iter().filter(|s| s.office == office).map(|s| s.case).collect();
        Scope { cases: shared, entitled: Destination::of_office(store, office)? }
    } else {
        Scope { cases: cases.to_vec(), entitled: None }
    };
    // No case shared and none named: nothing takes part (an empty scope would mean all).
    let held = if scope.cases.is_empty() { Vec::new() } else { selectors(store, &scope)? };
    let ours: Vec<Selector> = held.iter().filter_map(as_selector).collect();
    // Each selector with the reference of a case holding it, when that is disclosed.
    let refs = if disclose.case { member_refs(store, &scope.cases)? } else { HashMap::new() };
    let noted: Vec<(Selector, Option<String>)> = held
        .iter()
        .filter_map(|h| Some((as_selector(h)?, h.records.iter().find_map(|r| refs.get(r).cloned()))))
        .collect();
    let mut blobs = Vec::new();
    let mut answered = Vec::new();
    for w in waiting {
        let Some(Ok(Message::Request(req))) = decode(&w.request) else { continue };
        let damaged = |e: psi::PsiError| ExchangeError::Damaged(e.to_string());
        let message = if disclose.anything() {
            let (reply, disclosure) = notes::reply_disclosing(
                &PsiKey::generate(),
                &PsiKey::generate(),
                &req,
                &noted,
                disclose.contact.as_deref(),
            )
            .map_err(damaged)?;
            Message::ReplyDisclosing(reply, disclosure)
        } else {
            Message::Reply(psi::reply(&req, &ours).map_err(damaged)?)
        };
        blobs.push(encode(&message));
        answered.push((w.run, ours.len() as u64));
    }
    Ok((blobs, answered))
}

/// What a bundle's deconfliction blobs did on import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Received {
    /// Requests recorded, answered by the next bundle to the sender.
    pub requests: u64,
    /// Replies read: the selectors of ours the sender also holds.
    pub hits: Vec<HeldSelector>,
    pub replies: u64,
    /// Hits for which the other office disclosed its case reference or a contact.
    pub disclosed: u64,
    pub notes: Vec<String>,
}

/// Inside an import's transaction: reads the deconfliction blobs of a bundle from `office`.
/// `addressed_to_us_alone`: requests and replies are read only from bundles to one office.
pub fn receive(
    conn: &Connection,
    office: &str,
    addressed_to_us_alone: bool,
    blobs: &[Vec<u8>],
) -> Result<Received> {
    let mut out = Received::default();
    for blob in blobs {
        let Some(message) = decode(blob) else { continue };
        if !addressed_to_us_alone {
            out.notes.push("deconfliction data in a bundle to several offices was not read".into());
            continue;
        }
        match message? {
            Message::Request(req) => {
                if req.blinded.len() > psi::MAX_SELECTORS {
                    return Err(ExchangeError::TooLarge("a deconfliction request is too large".into()));
                }
                let bytes = encode(&Message::Request(req.clone()));
                if kept::record_incoming(conn, req.run, office, &bytes, req.blinded.len() as u64)? {
                    out.requests += 1;
                }
            }
            Message::Reply(reply) => read_reply(conn, office, &reply, None, &mut out)?,
            Message::ReplyDisclosing(reply, disclosure) => {
                read_reply(conn, office, &reply, Some(&disclosure), &mut out)?;
            }
        }
    }
    Ok(out)
}

/// Inside an import's transaction: the hits of a reply from `office`, with what it disclosed.
fn read_reply(
    conn: &Connection,
    office: &str,
    reply: &psi::Reply,
    disclosure: Option<&Disclosure>,
    out: &mut Received,
) -> Result<()> {
    let Some(run) = kept::asked_run(conn, reply.run)? else {
        out.notes.push("a deconfliction reply to no request of ours was ignored".into());
        return Ok(());
    };
    if run.office != office {
        return Err(ExchangeError::Damaged(format!(
            "it answers a deconfliction request made to {}, not to {office}",
            run.office
        )));
    }
    let Some(key) = run.key.and_then(PsiKey::from_bytes) else {
        out.notes.push(format!("the deconfliction reply from {office} was already read"));
        return Ok(());
    };
    let selectors: Vec<Selector> = run.selectors.iter().filter_map(as_selector).collect();
    let pending = psi::Pending { run: reply.run, key, selectors };
    let damaged = |e: psi::PsiError| ExchangeError::Damaged(e.to_string());
    let found: HashMap<Selector, notes::Note> = match disclosure {
        Some(d) => notes::open_notes(&pending, reply, d).map_err(damaged)?.into_iter().collect(),
        None => psi::intersect(&pending, reply)
            .map_err(damaged)?
            .into_iter()
            .map(|s| (s, notes::Note::default()))
            .collect(),
    };
    let hits: Vec<Hit> = run
        .selectors
        .into_iter()
        .filter_map(|h| {
            let note = found.get(&as_selector(&h)?)?.clone();
            Some(Hit { held: h, their_case: note.case, their_contact: note.contact })
        })
        .collect();
    kept::record_hits(conn, reply.run, &hits, reply.blinded.len() as u64)?;
    out.replies += 1;
    out.disclosed +=
        hits.iter().filter(|h| h.their_case.is_some() || h.their_contact.is_some()).count() as u64;
    out.hits.extend(hits.into_iter().map(|h| h.held));
    Ok(())
}

/// Entry point for the fuzz target and its corpus replay: a deconfliction blob as an import
/// reads it, answered or intersected with a small fixed set. Must never panic.
pub fn fuzz_blob(bytes: &[u8]) {
    let ours = [Selector { kind: SelectorKind::Phone, value: "+33612345678".into() }];
    match decode(bytes) {
        Some(Ok(Message::Request(req))) if req.blinded.len() <= 64 => {
            let _ = psi::reply(&req, &ours);
        }
        Some(Ok(Message::Reply(reply))) if reply.blinded.len() <= 64 => {
            if let Ok((_, pending)) = psi::request(reply.run, &ours) {
                let _ = psi::intersect(&pending, &reply);
            }
        }
        Some(Ok(Message::ReplyDisclosing(reply, disclosure))) if reply.blinded.len() <= 64 => {
            if let Ok((_, pending)) = psi::request(reply.run, &ours) {
                let _ = notes::open_notes(&pending, &reply, &disclosure);
            }
        }
        _ => {}
    }
}

/// Seeds for the fuzz corpus: a request and its reply, as blobs.
pub fn fuzz_seeds() -> Vec<Vec<u8>> {
    let ours = [Selector { kind: SelectorKind::Phone, value: "+33612345678".into() }];
    let (req, _) = psi::request(*b"fuzz-seed-run-01", &ours).expect("a small request");
    let reply = psi::reply(&req, &ours).expect("a small reply");
    vec![encode(&Message::Request(req)), encode(&Message::Reply(reply))]
}
