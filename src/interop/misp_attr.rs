//! What MISP attributes, objects, galaxy clusters and sightings become in Liaison.
//!
//! Attributes of types Liaison has become observables or entities (phone numbers, IBANs,
//! e-mail addresses, domains, IPs, URLs, wallets, names; hashes, file names, attachments and
//! malware samples a File; vulnerabilities a Vulnerability); any other type an OtherRecord
//! (`recordType` "misp-attribute:<type>"). Objects of templates Liaison has (person,
//! legal-entity, bank-account, phone, vehicle, postal-address, geolocation, user-account,
//! coin-address, file) become one entity each; other templates an OtherRecord
//! ("misp-object:<name>"). Object references become links (an UnknownLink keeping the
//! relationship_type when no kind fits). Galaxy clusters become OtherRecords
//! ("misp-galaxy-cluster") in the event's case, linked to the attribute that names them.
//! Sightings become Event records dated on the timeline, linked to what was sighted: an
//! Event because a sighting is a thing that happened at a time, and the timeline shows
//! Events. Every attribute and object keeps its original JSON (tags, comment, to_ids,
//! timestamps, sightings, attachments' data…) for the export (see `misp_raw.rs`).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ImportError;
use super::input::{kind_of, str_at};
use super::marking_read::{Said, misp_said, misp_tag_names};
use super::misp_raw::{mint, wrap};
use super::record::{Item, Record, Sink};
use crate::model::grade::Grade;

/// What things of an event (or of an object in it) inherit: its case, marking and grade.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub case: String,
    /// The event's uuid.
    pub event: String,
    pub said: Said,
    pub grade: Option<Grade>,
    /// Galaxy clusters already read in this event: an ATT&CK technique tagged on ten
    /// attributes is one object read once, so the report adds up.
    pub clusters_seen: std::rc::Rc<std::cell::RefCell<std::collections::HashSet<String>>>,
}

impl Ctx {
    pub fn item(&self, at: &str, ext: &str, kind: &str) -> Item {
        let mut item = Item::new(at, ext, kind);
        item.case = Some(self.case.clone());
        self.said.stamp(&mut item);
        item.grade.clone_from(&self.grade);
        item
    }

    /// The context of what is inside `obj` (an object's attributes): the container's marking
    /// made stricter by the thing's own tags and distribution, its grade replaced by its own.
    #[must_use]
    pub fn inside(&self, obj: &Map<String, Value>) -> Ctx {
        Ctx {
            case: self.case.clone(),
            event: self.event.clone(),
            said: misp_said(obj).within(&self.said),
            grade: tag_grade(obj).or_else(|| self.grade.clone()),
            clusters_seen: self.clusters_seen.clone(),
        }
    }

    /// The container's marking and grade, made stricter or replaced by the thing's own.
    fn tagged(item: &mut Item, obj: &Map<String, Value>) {
        misp_said(obj).stamp(item);
        if let Some(g) = tag_grade(obj) {
            item.grade = Some(g);
        }
    }
}

/// Grade from `admiralty-scale:*` tags (markings: [`misp_said`]).
pub fn tag_grade(obj: &Map<String, Value>) -> Option<Grade> {
    let (mut reliability, mut credibility) = (None, None);
    for name in misp_tag_names(obj) {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("admiralty-scale:source-reliability=") {
            reliability = v.trim_matches('"').chars().next().map(|c| c.to_ascii_uppercase());
        } else if let Some(v) = lower.strip_prefix("admiralty-scale:information-credibility=") {
            credibility = v.trim_matches('"').chars().next();
        }
    }
    match (reliability, credibility) {
        (None, None) => None,
        (r, c) => Grade::parse(&format!("{}{}", r.unwrap_or('F'), c.unwrap_or('6'))).ok(),
    }
}

/// An attribute's value as text: a number (`"value": 443`) is a value too.
fn value_of(a: &Map<String, Value>) -> Option<String> {
    match a.get("value") {
        Some(Value::String(v)) if !v.trim().is_empty() => Some(v.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// A uuid in the file, lower-cased; None when there is none; an error when it is not one.
fn own_uuid(obj: &Map<String, Value>) -> Result<Option<String>, String> {
    match obj.get("uuid") {
        // MISP writes clusters of a galaxy not installed on the server with `"uuid": ""`.
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(u)) if u.is_empty() => Ok(None),
        Some(Value::String(u)) if u.len() == 36 && Uuid::parse_str(u).is_ok() => Ok(Some(u.to_lowercase())),
        Some(v) => Err(format!("uuid {v} is not a UUID")),
    }
}

/// An attribute's uuid, or one minted from its event, the object it is in, its type and value.
fn attribute_id(ctx: &Ctx, a: &Map<String, Value>, path: &str) -> Result<String, String> {
    let value = value_of(a).unwrap_or_default();
    own_uuid(a).map(|u| {
        u.unwrap_or_else(|| {
            let relation = str_at(a, "object_relation").unwrap_or_default();
            mint(&[&ctx.event, path, relation, str_at(a, "type").unwrap_or_default(), &value])
        })
    })
}

/// An object's uuid, or one minted from its event, template and attributes.
pub fn object_id(ctx: &Ctx, o: &Map<String, Value>) -> Result<String, String> {
    own_uuid(o).map(|u| {
        u.unwrap_or_else(|| {
            let mut parts: Vec<String> = o
                .get("Attribute")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .map(|a| {
                    format!(
                        "{}={}",
                        str_at(a, "object_relation").unwrap_or_default(),
                        value_of(a).unwrap_or_default()
                    )
                })
                .collect();
            parts.sort();
            mint(&[&ctx.event, "object", str_at(o, "name").unwrap_or_default(), &parts.join("\u{1e}")])
        })
    })
}

/// The kind and property a standalone attribute of `type` becomes.
fn attribute_kind(ty: &str) -> Option<(&'static str, &'static str)> {
    Some(match ty {
        "phone-number" => ("Phone", "number"),
        "iban" => ("BankAccount", "iban"),
        "bank-account-nr" => ("BankAccount", "accountNumber"),
        "email" | "email-src" | "email-dst" | "whois-registrant-email" => ("Email", "address"),
        "domain" | "hostname" => ("Domain", "domain"),
        "ip-src" | "ip-dst" => ("IpAddress", "address"),
        "url" | "uri" => ("Url", "url"),
        "btc" | "xmr" | "dash" => ("CryptoWallet", "publicKey"),
        "full-name" => ("Person", "name"),
        "md5" | "sha1" | "sha256" => ("File", ""),
        "filename" | "attachment" => ("File", "fileName"),
        "mime-type" => ("File", "mimeType"),
        "vulnerability" => ("Vulnerability", "cveId"),
        _ => return None,
    })
}

/// A short name for a record that has no better one.
fn short(v: &str) -> String {
    let one_line = v.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// The kind and values an attribute becomes.
pub(crate) fn mapping(ty: &str, value: &str) -> (&'static str, Vec<(&'static str, String)>) {
    if let Some((file_ty, hash)) = ty.split_once('|').filter(|(f, _)| *f == "filename") {
        let (name, digest) = value.split_once('|').unwrap_or((value, ""));
        let mut props = vec![("fileName", name.to_owned())];
        if let Some(p) = ["md5", "sha1", "sha256"].into_iter().find(|h| *h == hash) {
            props.push((p, digest.to_owned()));
        }
        let _ = file_ty;
        return ("File", props);
    }
    if ty == "malware-sample" {
        let (name, md5) = value.split_once('|').unwrap_or((value, ""));
        return ("File", vec![("fileName", name.to_owned()), ("md5", md5.to_owned())]);
    }
    match attribute_kind(ty) {
        Some(("File", "")) => ("File", vec![(hash_prop(ty), value.to_owned())]),
        Some(("Domain", p)) => ("Domain", vec![(p, value.to_lowercase())]),
        Some(("CryptoWallet", p)) if ty == "btc" => {
            ("CryptoWallet", vec![(p, value.to_owned()), ("currency", "BTC".to_owned())])
        }
        Some(("Vulnerability", p)) => {
            ("Vulnerability", vec![(p, value.to_owned()), ("name", value.to_owned())])
        }
        Some((kind, p)) => (kind, vec![(p, value.to_owned())]),
        None => ("OtherRecord", vec![("recordType", format!("misp-attribute:{ty}")), ("name", short(value))]),
    }
}

fn hash_prop(ty: &str) -> &'static str {
    match ty {
        "md5" => "md5",
        "sha1" => "sha1",
        _ => "sha256",
    }
}

/// One attribute: a record of its own when standalone (`keep`: with its JSON), or, inside
/// an object of a template Liaison has no kind for, an observable beside the object.
pub fn attribute(
    ctx: &Ctx,
    at: &str,
    a: &Map<String, Value>,
    path: &str,
    keep: bool,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let Some(ty) = str_at(a, "type") else {
        sink.fault("MISP attribute without a type", at, true);
        return Ok(());
    };
    let Some(value) = value_of(a) else {
        let found = a.get("value").map_or("nothing", kind_of);
        sink.fault(&format!("MISP attribute without a value (found {found})"), at, true);
        return Ok(());
    };
    let uuid = match attribute_id(ctx, a, path) {
        Ok(u) => u,
        Err(why) => {
            sink.fault(&format!("MISP attribute: {why}"), at, true);
            return Ok(());
        }
    };
    let at = format!("{at} ({uuid})");
    let ext = format!("misp:{uuid}");
    let (kind, props) = mapping(ty, &value);
    let mut item = ctx.item(&at, &ext, kind);
    Ctx::tagged(&mut item, a);
    for (p, v) in props {
        item.prop(p, v);
    }
    item.prop("notes", str_at(a, "comment").unwrap_or_default());
    if keep {
        let mut raw = a.clone();
        raw.insert("uuid".into(), Value::String(uuid.clone()));
        for v in wrap("attribute", &ctx.event, &raw, None) {
            item.prop("externalData", v);
        }
    }
    sink.record(Record::Item(item))?;
    if !keep {
        return Ok(());
    }
    let ctx = ctx.inside(a);
    for (i, g) in a.get("Galaxy").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let Some(g) = g.as_object() else { continue };
        let mut meta = g.clone();
        let clusters = match meta.remove("GalaxyCluster") {
            Some(Value::Array(c)) => c,
            _ => Vec::new(),
        };
        for (j, c) in clusters.iter().enumerate() {
            cluster(&ctx, &format!("{at} galaxy {} cluster {}", i + 1, j + 1), &meta, c, Some(&ext), sink)?;
        }
    }
    for (i, s) in a.get("Sighting").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let Some(s) = s.as_object() else { continue };
        sighting(&ctx, &format!("{at} sighting {}", i + 1), s, &ext, &value, sink)?;
    }
    Ok(())
}

/// A sighting: an Event record on the timeline, linked to what was sighted.
fn sighting(
    ctx: &Ctx,
    at: &str,
    s: &Map<String, Value>,
    sighted: &str,
    value: &str,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let when = s.get("date_sighting").map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
    let date = when
        .parse::<i64>()
        .ok()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%d").to_string());
    let source = str_at(s, "source").unwrap_or_default();
    let org = s.get("Organisation").and_then(|o| o.get("name")).and_then(Value::as_str).unwrap_or_default();
    let uuid = match own_uuid(s) {
        Ok(Some(u)) => u,
        _ => mint(&[sighted, "sighting", &when, source, org]),
    };
    sink.read();
    let mut item = ctx.item(at, &format!("misp:{uuid}"), "Event");
    item.prop("name", format!("Sighting of {}", short(value)));
    item.prop("date", date.unwrap_or_default());
    let by: Vec<&str> = [org, source].into_iter().filter(|s| !s.is_empty()).collect();
    if !by.is_empty() {
        item.prop("notes", format!("Sighted by {}", by.join(", ")));
    }
    sink.record(Record::Item(item))?;
    sink.read();
    let mut link = ctx.item(at, &format!("misp:{uuid}/of"), "UnknownLink");
    link.case = None;
    link.prop("role", "sighting-of");
    link.ends = Some((format!("misp:{uuid}"), sighted.to_owned()));
    sink.record(Record::Item(link))
}

/// A galaxy cluster: an OtherRecord in the event's case. At the event's level it keeps its
/// JSON (and its galaxy's) for the export; named by an attribute (`from`), it is linked to
/// it and goes back out inside that attribute.
pub fn cluster(
    ctx: &Ctx,
    at: &str,
    galaxy: &Map<String, Value>,
    c: &Value,
    from: Option<&str>,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let Some(c) = c.as_object() else {
        sink.read();
        sink.fault("a MISP galaxy cluster is not an object", at, true);
        return Ok(());
    };
    let value = str_at(c, "value").unwrap_or_default();
    let uuid = match own_uuid(c) {
        Ok(Some(u)) => u,
        Ok(None) => mint(&["misp-cluster", str_at(galaxy, "type").unwrap_or_default(), value]),
        Err(why) => {
            sink.read();
            sink.fault(&format!("MISP galaxy cluster: {why}"), at, true);
            return Ok(());
        }
    };
    let ext = format!("misp:{uuid}");
    let again = !ctx.clusters_seen.borrow_mut().insert(ext.clone());
    if !again {
        sink.read();
    }
    let mut item = ctx.item(at, &ext, "OtherRecord");
    item.again = again;
    Ctx::tagged(&mut item, c);
    item.prop("recordType", "misp-galaxy-cluster");
    item.prop(
        "name",
        if value.is_empty() {
            short(str_at(c, "tag_name").unwrap_or("galaxy cluster"))
        } else {
            short(value)
        },
    );
    for syn in c.get("meta").and_then(|m| m.get("synonyms")).and_then(Value::as_array).into_iter().flatten() {
        if let Some(s) = syn.as_str() {
            item.prop("alias", short(s));
        }
    }
    item.prop("summary", str_at(c, "description").unwrap_or_default());
    if from.is_none() {
        // Written back as it came (an empty uuid stays empty: MISP knows clusters by tag).
        for v in wrap("cluster", &ctx.event, c, Some(galaxy)) {
            item.prop("externalData", v);
        }
    }
    sink.record(Record::Item(item))?;
    if let Some(from) = from {
        sink.read();
        let mut link = ctx.item(at, &format!("{from}/{uuid}"), "UnknownLink");
        link.case = None;
        link.prop("role", "galaxy-cluster");
        link.ends = Some((from.to_owned(), ext));
        sink.record(Record::Item(link))?;
    }
    Ok(())
}
