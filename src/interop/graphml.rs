//! GraphML charts of a case network (Gephi, yEd, Maltego, Cytoscape): entities as nodes and
//! links as edges, with kind, caption, dates, grade and marking as declared attributes.

use std::io::Write;

use super::ImportError;
use super::export::{Dataset, Rec};
use super::report::ExportReport;
use super::xml::{element, put};
use crate::model::schema::PropType;

const NODE_KEYS: &[&str] = &["label", "kind", "grade", "marking", "dates"];
const EDGE_KEYS: &[&str] = &["label", "kind", "grade", "marking", "start", "end", "date"];

/// The dated values of a record, as "prop=date" items.
pub fn dates(rec: &Rec) -> Vec<(String, String)> {
    rec.values
        .iter()
        .filter(|v| rec.kind.properties.get(&v.prop).is_some_and(|p| p.kind == PropType::Date))
        .map(|v| (v.prop.clone(), v.value.clone()))
        .collect()
}

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    put(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    )?;
    for (scope, keys) in [("node", NODE_KEYS), ("edge", EDGE_KEYS)] {
        for k in keys {
            element(
                out,
                "key",
                &[("id", &format!("{scope}_{k}")), ("for", scope), ("attr.name", k), ("attr.type", "string")],
                None,
            )?;
            put(out, "\n")?;
        }
    }
    put(out, "<graph id=\"liaison\" edgedefault=\"directed\">\n")?;
    for n in ds.entity_list() {
        let rec = ds.record(n)?;
        let dated: Vec<String> = dates(&rec).into_iter().map(|(p, d)| format!("{p}={d}")).collect();
        put(out, &format!("<node id=\"n{}\">", rec.uid))?;
        data(
            out,
            "node",
            &[
                ("label", rec.caption.as_str()),
                ("kind", rec.kind.name.as_str()),
                ("grade", rec.grade.as_deref().unwrap_or("")),
                ("marking", rec.marking.as_str()),
                ("dates", &dated.join("; ")),
            ],
        )?;
        put(out, "</node>\n")?;
        report.wrote("node");
    }
    for n in ds.link_list()? {
        let rec = ds.record(n)?;
        let (Some(src), Some(dst)) =
            (rec.src.and_then(|s| ds.entities.get(&s)), rec.dst.and_then(|d| ds.entities.get(&d)))
        else {
            continue;
        };
        put(out, &format!("<edge id=\"e{}\" source=\"n{src}\" target=\"n{dst}\">", rec.uid))?;
        data(
            out,
            "edge",
            &[
                ("label", rec.kind.label.as_str()),
                ("kind", rec.kind.name.as_str()),
                ("grade", rec.grade.as_deref().unwrap_or("")),
                ("marking", rec.marking.as_str()),
                ("start", rec.first("startDate").unwrap_or("")),
                ("end", rec.first("endDate").unwrap_or("")),
                ("date", rec.first("date").unwrap_or("")),
            ],
        )?;
        put(out, "</edge>\n")?;
        report.wrote("edge");
    }
    put(out, "</graph>\n</graphml>\n")
}

fn data(out: &mut dyn Write, scope: &str, values: &[(&str, &str)]) -> Result<(), ImportError> {
    for (k, v) in values {
        if !v.is_empty() {
            element(out, "data", &[("key", &format!("{scope}_{k}"))], Some(v))?;
        }
    }
    Ok(())
}
