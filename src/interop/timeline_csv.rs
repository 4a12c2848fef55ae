//! The timeline as CSV in Timesketch's columns (`message`, `datetime`, `timestamp_desc`),
//! plus Liaison's own (kind, ids, the two ends, the date as recorded and its precision).
//! Timesketch needs a full timestamp: a date known only to the month is placed at its first
//! instant and its `precision` column says so. The last column, `marking`, is the handling
//! marking of the dated value. Only items the reader may have are written: the dated value
//! and its record must be released, and the names in a row are those released.

use std::io::Write;

use super::ImportError;
use super::export::{Dataset, Rec, write_error};
use super::report::ExportReport;
use crate::model::marking::Marking;
use crate::model::schema::Category;
use crate::store::query::{RecordRef, TimelineItem, TimelineQuery};

const PAGE: u32 = 1000;

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let mut w = ::csv::Writer::from_writer(out);
    let io = |e: ::csv::Error| ImportError::Io(format!("writing the export: {e}"));
    w.write_record([
        "message",
        "datetime",
        "timestamp_desc",
        "kind",
        "id",
        "from",
        "to",
        "date",
        "precision",
        "marking",
    ])
    .map_err(io)?;
    let mut offset = 0;
    loop {
        let items = ds.store.timeline(&TimelineQuery {
            scope: ds.timeline_scope(),
            newest_first: false,
            limit: PAGE,
            offset,
            ..TimelineQuery::default()
        })?;
        for i in &items {
            let Some(row) = released_row(ds, i)? else { continue };
            let (datetime, precision) = timestamp(&i.at);
            w.write_record([
                row.summary.as_str(),
                &datetime,
                &format!("{} {}", i.schema, i.prop),
                &i.schema,
                &i.id.to_string(),
                &row.from,
                &row.to,
                &i.at,
                precision,
                &row.marking,
            ])
            .map_err(io)?;
            report.wrote("event");
        }
        if items.len() < PAGE as usize {
            break;
        }
        offset += PAGE;
    }
    w.flush().map_err(|e| write_error(&e))?;
    Ok(())
}

/// A timeline row as its reader may see it.
struct Row {
    summary: String,
    from: String,
    to: String,
    marking: String,
}

/// The row for `item`, if its record and dated value are released; names of the records it
/// is about only if those are released too.
fn released_row(ds: &Dataset<'_>, item: &TimelineItem) -> Result<Option<Row>, ImportError> {
    let Some(rec) = ds.record_by_id(item.id)? else { return Ok(None) };
    let Some(marking) = rec
        .values
        .iter()
        .filter(|v| v.prop == item.prop && v.value == item.at)
        .filter_map(|v| Marking::parse(&v.marking).ok())
        .reduce(|a, b| a.join(&b))
    else {
        return Ok(None);
    };
    let name = |r: &Option<RecordRef>| -> Result<String, ImportError> {
        match r {
            Some(r) if r.id == rec.uid => Ok(rec.caption.clone()),
            Some(r) => Ok(ds.record_by_id(r.id)?.map(|x| x.caption).unwrap_or_default()),
            None => Ok(String::new()),
        }
    };
    let (from, to) = (name(&item.a)?, name(&item.b)?);
    if rec.kind.category == Category::Link && (from.is_empty() || to.is_empty()) {
        return Ok(None);
    }
    Ok(Some(Row { summary: summary(&rec, &item.prop, &from, &to), from, to, marking: marking.to_string() }))
}

/// The row's message, as the store's timeline words it, from released names only.
fn summary(rec: &Rec, prop: &str, from: &str, to: &str) -> String {
    let kind = rec.kind;
    match kind.category {
        Category::Link => format!("{}: {from} → {to}", kind.label),
        Category::Internal => {
            let short: String = rec.caption.chars().take(120).collect();
            format!("{}: {short}", kind.label)
        }
        _ => {
            let label = kind.properties.get(prop).map_or(prop, |p| p.label.as_str());
            format!("{label}: {}", rec.caption)
        }
    }
}

/// An ISO 8601 timestamp with offset for a Liaison date of any precision.
fn timestamp(at: &str) -> (String, &'static str) {
    match at.len() {
        4 => (format!("{at}-01-01T00:00:00+00:00"), "year"),
        7 => (format!("{at}-01T00:00:00+00:00"), "month"),
        10 => (format!("{at}T00:00:00+00:00"), "day"),
        _ if at.ends_with('Z') => (format!("{}+00:00", at.trim_end_matches('Z')), "second"),
        _ => (format!("{at}+00:00"), "second (local time of the source)"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_precision_becomes_a_full_timestamp() {
        assert_eq!(super::timestamp("2024").0, "2024-01-01T00:00:00+00:00");
        assert_eq!(super::timestamp("2024-03-07T10:00:00Z").0, "2024-03-07T10:00:00+00:00");
        assert_eq!(super::timestamp("2024-03-07T10:00:00").1, "second (local time of the source)");
    }
}
