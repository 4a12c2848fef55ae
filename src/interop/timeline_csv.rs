//! The timeline as CSV in Timesketch's columns (`message`, `datetime`, `timestamp_desc`),
//! plus Liaison's own (kind, ids, the two ends, the date as recorded and its precision).
//! Timesketch needs a full timestamp: a date known only to the month is placed at its first
//! instant and its `precision` column says so.

use std::io::Write;

use super::ImportError;
use super::export::{Dataset, write_error};
use super::report::ExportReport;
use crate::store::query::TimelineQuery;

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
            let (datetime, precision) = timestamp(&i.at);
            let name = |r: &Option<crate::store::query::RecordRef>| {
                r.as_ref().map_or(String::new(), |r| r.caption.clone())
            };
            w.write_record([
                i.summary.as_str(),
                &datetime,
                &format!("{} {}", i.schema, i.prop),
                &i.schema,
                &i.id.to_string(),
                &name(&i.a),
                &name(&i.b),
                &i.at,
                precision,
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
