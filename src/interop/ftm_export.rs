//! FollowTheMoney JSON lines out: one entity per line, valid for `ftm validate` and the
//! stricter `ftm_validate.py`. Records imported from FtM come back by id: their FtM id, their
//! FtM schema (an OtherRecord as the schema it came as, an UnknownLink as the relationship it
//! was), the properties Liaison kept aside, and their datasets and first/last seen dates.
//! Others use their Liaison id and the FtM schema of their kind's name. Values FtM would
//! refuse (a type it checks differently), references outside a property's range, kinds FtM
//! lacks (phones, e-mail addresses…) and records that would miss a required property are left
//! out and reported; a name longer than FtM allows is shortened (the whole of it written as
//! the description) and a record without the name FtM requires is named from its id, both
//! said in the report. Each line carries the strictest marking of the values it holds in its
//! context, as `"marking"` beside `id`, `schema` and `properties`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

use serde_json::{Map, Value};

use super::ImportError;
use super::export::{Dataset, Rec, write_error};
use super::ftm::{NOT_IN_FTM, kind_for, link_ends};
use super::ftm_model::{FtmModel, FtmSchema, valid_id};
use super::report::ExportReport;
use crate::model::schema::Category;

/// What an FtM import kept of an entity beside Liaison's values (`externalData`).
#[derive(Debug, Default)]
struct Kept {
    schema: Option<String>,
    /// Properties as FtM wrote them.
    props: Map<String, Value>,
    /// The rest of the entity's envelope: datasets, referents, first_seen, last_seen…
    envelope: Map<String, Value>,
}

/// Envelope keys written back beside id, schema and properties.
const ENVELOPE: &[&str] = &["datasets", "referents", "first_seen", "last_seen", "last_change"];

fn kept(rec: &Rec) -> Kept {
    let mut out = Kept::default();
    for raw in rec.all("externalData") {
        let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(raw) else { continue };
        // An FtM import's envelope has a schema; older imports kept the properties alone.
        if !obj.contains_key("schema") && !obj.contains_key("properties") {
            merge_props(&mut out.props, obj);
            continue;
        }
        for (k, v) in obj {
            match k.as_str() {
                "schema" => {
                    if let Value::String(s) = v {
                        out.schema.get_or_insert(s);
                    }
                }
                "properties" => {
                    if let Value::Object(p) = v {
                        merge_props(&mut out.props, p);
                    }
                }
                _ if ENVELOPE.contains(&k.as_str()) => {
                    out.envelope.entry(k).or_insert(v);
                }
                _ => {}
            }
        }
    }
    out
}

fn merge_props(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        let Value::Array(values) = v else { continue };
        let Value::Array(list) = into.entry(k).or_insert_with(|| Value::Array(Vec::new())) else { continue };
        for v in values {
            if !list.contains(&v) {
                list.push(v);
            }
        }
    }
}

/// The FtM schema a record is written as.
fn schema_for(rec: &Rec, kept: &Kept) -> Option<&'static FtmSchema> {
    let model = FtmModel::builtin();
    let usable = |name: &str| model.schema(name).filter(|s| !s.is_abstract);
    let other = rec.kind.name == "OtherRecord";
    // The schema it came as, while it is still the kind that schema maps to (a record an
    // analyst gave another kind is written as that kind).
    if let Some(s) = kept.schema.as_deref().and_then(usable) {
        if other || kind_for(s).name == rec.kind.name {
            return Some(s);
        }
    }
    if other {
        return rec.first("recordType").and_then(usable);
    }
    if NOT_IN_FTM.contains(&rec.kind.name.as_str())
        || !matches!(rec.kind.category, Category::Entity | Category::Link)
    {
        return None;
    }
    usable(&rec.kind.name)
}

fn ftm_id(rec: &Rec) -> String {
    rec.external("ftm:").filter(|id| valid_id(id)).map_or_else(|| rec.uid.to_string(), str::to_owned)
}

/// Whether `rec` has what `schema` requires (a name is made from the id when missing).
fn missing_required(rec: &Rec, schema: &FtmSchema, kept: &Kept) -> Option<String> {
    let model = FtmModel::builtin();
    let ends = link_ends(rec.kind, schema);
    schema
        .required
        .iter()
        .find(|r| {
            let is_end = ends.as_ref().is_some_and(|(a, b)| *r == a || *r == b);
            let ours = schema.props.get(*r).is_some_and(|p| rec.all(r).any(|v| model.valid_for(p, v)));
            *r != "name" && !is_end && !ours && !kept.props.contains_key(*r)
        })
        .cloned()
}

// ---- Issue 13: records judged the same leave as one FtM entity (resolved-views helper). ----
//
// FtM's own tools (nomenklatura's resolver) merge the records of one real-world entity into ONE
// entity with a canonical id and list the merged ids as its `referents`; the lines of the
// records carry the same id, so `ftm aggregate` and every reader see one entity, and every
// reference to a merged record is re-pointed to the canonical id. Liaison's canonical id is
// the lowest FtM id of the merged records written (for records made in Liaison, the lowest
// record id: the profile's representative, as every Liaison view names it). Only records this export writes are merged and named (an id the reader
// may not have would tell of a record), and only when the reader may have every `same`
// verdict that joins them; the merged entity's marking is the join of its records' and of
// those judgements' (a marking never falls). A link between two merged records would be a
// link of the entity with itself: left out, and reported.
//
// STIX and MISP exports keep one object per record and never rewrite ids: STIX has no merge
// of identities (a `related-to` would claim a relationship a reader could take for evidence),
// and a bundle keeps ids stable between offices; the judgement travels by bundle instead.

/// Writes the FtM lines of `ds`, records judged the same merged (see above).
pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let merged = same_as(ds)?;
    if merged.is_empty() {
        return write_lines(ds, out, report);
    }
    let mut buf = Vec::new();
    write_lines(ds, &mut buf, report)?;
    let model = FtmModel::builtin();
    let canonical = |id: &str| merged.get(id).map_or_else(|| id.to_owned(), |(c, _)| c.clone());
    let mut lines: Vec<Map<String, Value>> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for raw in buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(Value::Object(mut line)) = serde_json::from_slice::<Value>(raw) else { continue };
        let schema = line.get("schema").and_then(Value::as_str).and_then(|s| model.schema(s));
        let mut ends: Vec<String> = Vec::new();
        if let (Some(schema), Some(Value::Object(props))) = (schema, line.get_mut("properties")) {
            for (prop, values) in props.iter_mut() {
                if schema.props.get(prop).is_some_and(|p| p.kind == "entity") {
                    for v in values.as_array_mut().into_iter().flatten() {
                        if let Some(id) = v.as_str().map(&canonical) {
                            ends.push(id.clone());
                            *v = Value::String(id);
                        }
                    }
                }
            }
        }
        let id = line.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        if ends.len() > 1 && ends.iter().all(|e| e == &ends[0]) && merged.values().any(|(c, _)| c == &ends[0])
        {
            report.left_out.add("a link between records judged the same (one entity in FtM)", &id);
            continue;
        }
        let Some((canon, extra)) = merged.get(&id) else {
            lines.push(line);
            continue;
        };
        let Some(&first) = at.get(canon) else {
            line.insert("id".into(), Value::String(canon.clone()));
            let mut referents: Vec<String> = merged
                .iter()
                .filter(|(m, (c, _))| c == canon && *m != canon)
                .map(|(m, _)| m.clone())
                .collect();
            // The file's own referents (kept from its import) stay: the merge adds to them.
            if let Some(Value::Array(kept)) = line.get("referents") {
                referents.extend(kept.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            referents.sort();
            referents.dedup();
            line.insert("referents".into(), Value::from(referents));
            let marking =
                join_marking(line.get("marking").and_then(Value::as_str).unwrap_or_default(), extra);
            line.insert("marking".into(), Value::String(marking));
            at.insert(canon.clone(), lines.len());
            lines.push(line);
            continue;
        };
        // A further record of the entity: its values and marking join the first line's.
        let target = &mut lines[first];
        let marking = join_marking(
            target.get("marking").and_then(Value::as_str).unwrap_or_default(),
            line.get("marking").and_then(Value::as_str).unwrap_or_default(),
        );
        target.insert("marking".into(), Value::String(marking));
        if let (Some(Value::Object(into)), Some(Value::Object(from))) =
            (target.get_mut("properties"), line.remove("properties"))
        {
            for (prop, values) in from {
                let list = into.entry(prop).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    for v in values.as_array().into_iter().flatten() {
                        if !list.contains(v) {
                            list.push(v.clone());
                        }
                    }
                }
            }
        }
        if let Some(schema) = line.get("schema").and_then(Value::as_str) {
            report.written.entry(schema.to_owned()).and_modify(|c| *c = c.saturating_sub(1));
        }
    }
    for line in lines {
        serde_json::to_writer(&mut *out, &Value::Object(line)).map_err(|e| ImportError::Io(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| write_error(&e))?;
    }
    Ok(())
}

/// FtM id of each written record judged the same as another written record → (canonical
/// FtM id, the marking of the judgements that join them).
fn same_as(ds: &Dataset<'_>) -> Result<HashMap<String, (String, String)>, ImportError> {
    let uids: Vec<uuid::Uuid> = ds.entities.values().copied().collect();
    let profiles = ds.store.profiles_of(&uids)?;
    let mut out = HashMap::new();
    let mut done = std::collections::HashSet::new();
    for p in profiles.values() {
        if !done.insert(p.id) {
            continue;
        }
        let written: Vec<i64> = p
            .records
            .iter()
            .zip(p.records.iter().map(|r| ds.store.object_n(r.id)))
            .filter(|(r, _)| profiles.contains_key(&r.id))
            .filter_map(|(_, n)| n.ok().flatten())
            .collect();
        if written.len() < 2 {
            continue;
        }
        // Every `same` joining them must be the reader's to have; its marking joins the entity's.
        let mut marking = String::new();
        let mut released = true;
        for j in ds.store.cluster_of(p.id)?.judgements {
            let Some(n) = ds.store.object_n(j)? else {
                released = false;
                break;
            };
            let verdict = ds.record(n)?;
            if verdict.first("verdict") != Some("same") {
                released = false;
                break;
            }
            marking = join_marking(&marking, &verdict.marking);
        }
        if !released {
            continue;
        }
        let mut ids: Vec<String> =
            written.iter().map(|n| ds.record(*n).map(|r| ftm_id(&r))).collect::<Result<_, _>>()?;
        ids.sort();
        let canon = ids[0].clone();
        for id in ids {
            out.insert(id, (canon.clone(), marking.clone()));
        }
    }
    Ok(out)
}

/// The stricter of two markings; one that does not read wins outright (never loosen what
/// cannot be read); an empty one adds nothing.
fn join_marking(a: &str, b: &str) -> String {
    use crate::model::marking::Marking;
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() { b } else { a }.to_owned();
    }
    match (Marking::parse(a), Marking::parse(b)) {
        (Ok(x), Ok(y)) => x.join(&y).to_string(),
        (Err(_), _) => a.to_owned(),
        (_, Err(_)) => b.to_owned(),
    }
}
// ---- end of issue 13's block ----

fn write_lines(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    // FtM id and schema of every record that will be written, for references and ranges.
    let mut ids: HashMap<i64, (String, &'static FtmSchema)> = HashMap::new();
    for n in ds.entity_list() {
        let rec = ds.record(n)?;
        let kept = kept(&rec);
        match schema_for(&rec, &kept) {
            Some(s) => {
                if let Some(missing) = missing_required(&rec, s, &kept) {
                    report.left_out.add(
                        &format!("{}: without {missing} (required by FtM)", s.name),
                        &format!("{} {}", rec.uid, rec.caption),
                    );
                } else {
                    ids.insert(n, (ftm_id(&rec), s));
                }
            }
            None => report.left_out.add(&format!("{}: FtM has no such entity", rec.kind.name), &rec.caption),
        }
    }
    let links = ds.link_list()?;
    for &n in &links {
        let rec = ds.record(n)?;
        if let Some(s) = schema_for(&rec, &kept(&rec)) {
            ids.insert(n, (ftm_id(&rec), s));
        }
    }
    let by_ftm: HashMap<String, i64> = ids.iter().map(|(n, (id, _))| (id.clone(), *n)).collect();
    let by_uid: HashMap<String, i64> = ds.entities.iter().map(|(n, u)| (u.to_string(), *n)).collect();
    let mut numbers = ds.entity_list();
    numbers.extend(links);
    for n in numbers {
        let rec = ds.record(n)?;
        let Some((id, schema)) = ids.get(&n).cloned() else {
            if rec.kind.is_link() {
                report.left_out.add(&format!("{}: FtM has no such link", rec.kind.name), &rec.caption);
            }
            continue;
        };
        let kept = kept(&rec);
        let Some(props) = properties(&rec, schema, &kept, &ids, &by_ftm, &by_uid, report) else { continue };
        let mut line = Map::new();
        line.insert("id".into(), Value::String(id));
        line.insert("schema".into(), Value::String(schema.name.clone()));
        line.insert(
            "properties".into(),
            Value::Object(props.into_iter().map(|(k, v)| (k, Value::from(v))).collect()),
        );
        for (k, v) in kept.envelope {
            line.insert(k, v);
        }
        // FtM has no marking property; its entities carry a context (keys beside id, schema and
        // properties, kept by followthemoney's proxies), which holds the record's marking.
        line.insert("marking".into(), Value::String(rec.marking.clone()));
        serde_json::to_writer(&mut *out, &Value::Object(line)).map_err(|e| ImportError::Io(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| write_error(&e))?;
        report.wrote(&schema.name);
    }
    Ok(())
}

type Props = BTreeMap<String, Vec<String>>;

fn push(props: &mut Props, prop: &str, value: String) {
    let values = props.entry(prop.to_owned()).or_default();
    if !values.contains(&value) {
        values.push(value);
    }
}

/// The FtM properties of `rec`, or None (reported) when it would miss a required one.
#[allow(clippy::too_many_arguments)]
fn properties(
    rec: &Rec,
    schema: &'static FtmSchema,
    kept: &Kept,
    ids: &HashMap<i64, (String, &'static FtmSchema)>,
    by_ftm: &HashMap<String, i64>,
    by_uid: &HashMap<String, i64>,
    report: &mut ExportReport,
) -> Option<Props> {
    let model = FtmModel::builtin();
    let mut props: Props = BTreeMap::new();
    let reference = |target: i64, prop: &str, report: &mut ExportReport| -> Option<String> {
        let (id, target_schema) = ids.get(&target)?;
        let range = schema.props.get(prop)?.range.as_deref();
        if range.is_some_and(|r| !target_schema.is_a(r)) {
            report.left_out.add(
                &format!(
                    "{}.{prop}: FtM wants a {}, not a {}",
                    schema.name,
                    range.unwrap_or("?"),
                    target_schema.name
                ),
                &rec.caption,
            );
            return None;
        }
        Some(id.clone())
    };
    let ends = link_ends(rec.kind, schema);
    if let Some((source, target)) = &ends {
        for (end, prop) in [(rec.src, source.as_str()), (rec.dst, target.as_str())] {
            let Some(end) = end else { continue };
            if let Some(id) = reference(end, prop, report) {
                push(&mut props, prop, id);
            } else if rec.kind.name == "Payment" {
                // An account paying an account: FtM names accounts apart from parties.
                let account_prop = if prop == source { "payerAccount" } else { "beneficiaryAccount" };
                if let Some(id) = reference(end, account_prop, report) {
                    push(&mut props, account_prop, id);
                }
            }
        }
    }
    let other = rec.kind.name == "OtherRecord";
    // Properties Liaison holds values of: for an OtherRecord, these replace what the file said
    // (an analyst's edit wins over the copy kept of the entity).
    let mut held: HashSet<&str> = HashSet::new();
    for v in &rec.values {
        if v.prop == "externalId"
            || v.prop == "externalData"
            || rec.kind.is_endpoint(&v.prop)
            || (other && v.prop == "recordType")
        {
            continue;
        }
        let Some(p) = schema.props.get(&v.prop).filter(|p| !p.stub) else {
            report
                .left_out
                .add(&format!("{}.{}: FtM has no such property", schema.name, v.prop), &rec.caption);
            continue;
        };
        held.insert(v.prop.as_str());
        if p.kind == "entity" {
            match by_uid.get(&v.value).and_then(|t| reference(*t, &v.prop, report)) {
                Some(id) => push(&mut props, &v.prop, id),
                None => report.left_out.add(
                    &format!("{}.{}: refers to a record not exported", schema.name, v.prop),
                    &rec.caption,
                ),
            }
        } else if model.valid_for(p, &v.value) {
            push(&mut props, &v.prop, v.value.clone());
        } else if p.kind == "name" && v.value.chars().count() > model.max_length("name") {
            shorten(&mut props, schema, &v.prop, &v.value, rec, report);
        } else {
            report.left_out.add(
                &format!(
                    "{}.{}: a value FtM does not accept as {}",
                    schema.name,
                    v.prop,
                    p.format.as_deref().unwrap_or(&p.kind)
                ),
                &format!("{}: {}", rec.caption, v.value.chars().take(60).collect::<String>()),
            );
        }
    }
    // What came from FtM and Liaison has no property for goes back as it came.
    for (prop, values) in &kept.props {
        let Some(p) = schema.props.get(prop).filter(|p| !p.stub) else { continue };
        if other && held.contains(prop.as_str()) {
            continue;
        }
        for v in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
            if p.kind == "entity" {
                // Kept references are FtM ids of records that must be exported too.
                if let Some(id) = by_ftm.get(v).and_then(|t| reference(*t, prop, report)) {
                    push(&mut props, prop, id);
                }
            } else if model.valid_for(p, v) {
                push(&mut props, prop, v.to_owned());
            } else if p.kind == "name" && v.chars().count() > model.max_length("name") {
                shorten(&mut props, schema, prop, v, rec, report);
            } else {
                report.left_out.add(
                    &format!(
                        "{}.{prop}: a value FtM does not accept as {}",
                        schema.name,
                        p.format.as_deref().unwrap_or(&p.kind)
                    ),
                    &format!("{}: {}", rec.caption, v.chars().take(60).collect::<String>()),
                );
            }
        }
    }
    if schema.required.iter().any(|r| r == "name") && !props.contains_key("name") {
        // FtM refuses an entity without a name; Liaison does not. The id names it rather than
        // the entity being lost, and the report says so.
        report.left_out.add(
            &format!("{}: no name, which FtM requires: named from its FtM id", schema.name),
            &ftm_id(rec),
        );
        push(&mut props, "name", ftm_id(rec));
    }
    let missing: Vec<&String> = schema.required.iter().filter(|r| !props.contains_key(*r)).collect();
    if !missing.is_empty() {
        report.left_out.add(
            &format!(
                "{}: without {} (required by FtM)",
                schema.name,
                missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            &rec.caption,
        );
        return None;
    }
    Some(props)
}

/// A name longer than FtM allows: written cut (with an ellipsis), the whole of it as the
/// description so that nothing is lost, and said in the report.
fn shorten(
    props: &mut Props,
    schema: &FtmSchema,
    prop: &str,
    value: &str,
    rec: &Rec,
    report: &mut ExportReport,
) {
    let model = FtmModel::builtin();
    let max = model.max_length("name");
    let cut: String = value.chars().take(max.saturating_sub(1)).collect();
    let cut = format!("{}…", cut.trim_end());
    if !model.valid_value("name", &cut) {
        return;
    }
    push(props, prop, cut);
    let whole = schema.props.get("description").is_some_and(|p| model.valid_for(p, value));
    if whole {
        push(props, "description", value.to_owned());
    }
    report.left_out.add(
        &format!(
            "{}.{prop}: longer than FtM's {max} characters: shortened{}",
            schema.name,
            if whole { ", the whole of it written as the description" } else { "" }
        ),
        &rec.caption.chars().take(60).collect::<String>(),
    );
}
