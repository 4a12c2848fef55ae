//! FollowTheMoney JSON lines out: one entity per line, valid for `ftm validate` and the
//! stricter `ftm_validate.py`. Records imported from FtM keep their FtM id and get back the
//! FtM properties Liaison kept as raw JSON; others use their Liaison id. Values FtM would
//! refuse (a type it checks differently, a name over its length limit), references outside
//! a property's range, kinds FtM lacks (phones, e-mail addresses…) and records that would
//! miss a required property are left out and reported. Each line carries the strictest marking
//! of the values it holds in its context, as `"marking"` beside `id`, `schema` and
//! `properties`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde_json::{Map, Value};

use super::ImportError;
use super::export::{Dataset, Rec, write_error};
use super::ftm::NOT_IN_FTM;
use super::ftm_model::{FtmModel, FtmSchema, valid_id};
use super::report::ExportReport;
use crate::model::schema::Category;

/// The FtM schema of a Liaison kind.
fn schema_for(rec: &Rec) -> Option<&'static FtmSchema> {
    if NOT_IN_FTM.contains(&rec.kind.name.as_str())
        || !matches!(rec.kind.category, Category::Entity | Category::Link)
    {
        return None;
    }
    FtmModel::builtin().schema(&rec.kind.name)
}

fn ftm_id(rec: &Rec) -> String {
    rec.external("ftm:").filter(|id| valid_id(id)).map_or_else(|| rec.uid.to_string(), str::to_owned)
}

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let model = FtmModel::builtin();
    // FtM id and schema of every entity that will be written, for references and ranges.
    let mut ids: HashMap<i64, (String, &'static FtmSchema)> = HashMap::new();
    for n in ds.entity_list() {
        let rec = ds.record(n)?;
        match schema_for(&rec) {
            Some(s) => {
                let missing = s
                    .required
                    .iter()
                    .find(|r| !s.props.get(*r).is_some_and(|p| rec.all(r).any(|v| model.valid_for(p, v))));
                if let Some(missing) = missing {
                    report.left_out.add(
                        &format!("{}: without {missing} (required by FtM)", rec.kind.name),
                        &format!("{} {}", rec.uid, rec.caption),
                    );
                } else {
                    ids.insert(n, (ftm_id(&rec), s));
                }
            }
            None => report.left_out.add(&format!("{}: FtM has no such entity", rec.kind.name), &rec.caption),
        }
    }
    let by_ftm: HashMap<String, i64> = ids.iter().map(|(n, (id, _))| (id.clone(), *n)).collect();
    let by_uid: HashMap<String, i64> = ds.entities.iter().map(|(n, u)| (u.to_string(), *n)).collect();
    let mut numbers = ds.entity_list();
    numbers.extend(ds.link_list()?);
    for n in numbers {
        let rec = ds.record(n)?;
        let Some(schema) = schema_for(&rec) else {
            if rec.kind.is_link() {
                report.left_out.add(&format!("{}: FtM has no such link", rec.kind.name), &rec.caption);
            }
            continue;
        };
        if !rec.kind.is_link() && !ids.contains_key(&n) {
            continue;
        }
        let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let push = |props: &mut BTreeMap<String, Vec<String>>, prop: &str, value: String| {
            let values = props.entry(prop.to_owned()).or_default();
            if !values.contains(&value) {
                values.push(value);
            }
        };
        let reference = |target: i64, prop: &str, report: &mut ExportReport| -> Option<String> {
            let (id, target_schema) = ids.get(&target)?;
            let range = schema.props.get(prop)?.range.as_deref();
            if range.is_some_and(|r| !target_schema.is_a(r)) {
                report.left_out.add(
                    &format!(
                        "{}.{prop}: FtM wants a {}, not a {}",
                        rec.kind.name,
                        range.unwrap_or("?"),
                        target_schema.name
                    ),
                    &rec.caption,
                );
                return None;
            }
            Some(id.clone())
        };
        if rec.kind.is_link() {
            for (end, prop) in [(rec.src, rec.kind.source.as_deref()), (rec.dst, rec.kind.target.as_deref())]
            {
                let (Some(end), Some(prop)) = (end, prop) else { continue };
                if let Some(id) = reference(end, prop, report) {
                    push(&mut props, prop, id);
                } else if rec.kind.name == "Payment" {
                    // An account paying an account: FtM names accounts apart from parties.
                    let account_prop = if Some(prop) == rec.kind.source.as_deref() {
                        "payerAccount"
                    } else {
                        "beneficiaryAccount"
                    };
                    if let Some(id) = reference(end, account_prop, report) {
                        push(&mut props, account_prop, id);
                    }
                }
            }
        }
        for v in &rec.values {
            if v.prop == "externalId" || v.prop == "externalData" || rec.kind.is_endpoint(&v.prop) {
                continue;
            }
            let Some(p) = schema.props.get(&v.prop).filter(|p| !p.stub) else {
                report
                    .left_out
                    .add(&format!("{}.{}: FtM has no such property", rec.kind.name, v.prop), &rec.caption);
                continue;
            };
            if p.kind == "entity" {
                match by_uid.get(&v.value).and_then(|t| reference(*t, &v.prop, report)) {
                    Some(id) => push(&mut props, &v.prop, id),
                    None => report.left_out.add(
                        &format!("{}.{}: refers to a record not exported", rec.kind.name, v.prop),
                        &rec.caption,
                    ),
                }
            } else if model.valid_for(p, &v.value) {
                push(&mut props, &v.prop, v.value.clone());
            } else {
                report.left_out.add(
                    &format!(
                        "{}.{}: a value FtM does not accept as {}",
                        rec.kind.name,
                        v.prop,
                        p.format.as_deref().unwrap_or(&p.kind)
                    ),
                    &format!("{}: {}", rec.caption, v.value.chars().take(60).collect::<String>()),
                );
            }
        }
        // What came from FtM and Liaison has no property for goes back as it came.
        for raw in rec.all("externalData") {
            let Ok(Value::Object(extra)) = serde_json::from_str::<Value>(raw) else { continue };
            for (prop, values) in extra {
                let Some(p) = schema.props.get(&prop).filter(|p| !p.stub) else { continue };
                for v in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if p.kind == "entity" {
                        // Raw references are FtM ids of records that must be exported too.
                        if let Some(id) = by_ftm.get(v).and_then(|t| reference(*t, &prop, report)) {
                            push(&mut props, &prop, id);
                        }
                    } else if model.valid_for(p, v) {
                        push(&mut props, &prop, v.to_owned());
                    }
                }
            }
        }
        let missing: Vec<&String> = schema.required.iter().filter(|r| !props.contains_key(*r)).collect();
        if !missing.is_empty() {
            report.left_out.add(
                &format!(
                    "{}: without {} (required by FtM)",
                    rec.kind.name,
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
                &rec.caption,
            );
            continue;
        }
        let id = if rec.kind.is_link() { ftm_id(&rec) } else { ids[&n].0.clone() };
        let mut line = Map::new();
        line.insert("id".into(), Value::String(id));
        line.insert("schema".into(), Value::String(schema.name.clone()));
        line.insert(
            "properties".into(),
            Value::Object(props.into_iter().map(|(k, v)| (k, Value::from(v))).collect()),
        );
        // FtM has no marking property; its entities carry a context (keys beside id, schema and
        // properties, kept by followthemoney's proxies), which holds the record's marking.
        line.insert("marking".into(), Value::String(rec.marking.clone()));
        serde_json::to_writer(&mut *out, &Value::Object(line)).map_err(|e| ImportError::Io(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| write_error(&e))?;
        report.wrote(&schema.name);
    }
    Ok(())
}
