//! CSV files with a column mapping (see `mapping.rs`): each row makes the mapping's
//! entities (a caller's and a callee's phone; a payer's and a payee's account) and the links
//! between them (a call, a payment), which land on the timeline through their dates.
//!
//! Entities are identified by their mapped values (observables by their normalised number
//! or IBAN), links by an id column or by the row's mapped values, so importing a file again
//! converges. Empty cells are simply absent; a value the schema refuses is skipped and
//! reported; a row that cannot be read as CSV fails the import naming its line.

use chrono::{NaiveDate, NaiveDateTime};

use super::ImportError;
use super::input::{Input, MAX_OBJECT};
use super::mapping::Mapping;
use super::record::{Item, Record, Sink};
use crate::model::schema::{PropType, Schema};

/// Reads `input` as CSV with `mapping` into `sink`.
pub fn read(input: &dyn Input, mapping: &Mapping, sink: &mut dyn Sink) -> Result<(), ImportError> {
    let delimiter = u8::try_from(mapping.csv.delimiter)
        .map_err(|_| ImportError::Usage("the CSV delimiter must be a single ASCII character".into()))?;
    let mut rdr = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(input.open()?);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(&e, 1))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let column = |name: &str| -> Result<usize, ImportError> {
        headers.iter().position(|h| *h == name.trim().to_lowercase()).ok_or_else(|| {
            ImportError::malformed(
                "line 1",
                format!(
                    "no column {name:?} (mapping {}); the header has: {}",
                    mapping.name,
                    headers.join(", ").chars().take(300).collect::<String>()
                ),
            )
        })
    };
    for c in mapping.columns() {
        column(c)?;
    }
    sink.producer(mapping.producer.as_deref().unwrap_or(&mapping.name));
    let total = input.len().max(1);
    let mut record = ::csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, row + 1)),
        }
        row = record.position().map_or(row + 1, ::csv::Position::line);
        if record.as_slice().len() as u64 > MAX_OBJECT {
            return Err(ImportError::malformed(format!("line {row}"), "the row is too long"));
        }
        sink.read();
        let cell = |name: &str| column(name).ok().and_then(|i| record.get(i)).unwrap_or("").to_owned();
        row_records(mapping, row, &cell, sink)?;
        if row % 1024 == 0 {
            sink.progress(record.position().map_or(0, ::csv::Position::byte), total);
        }
    }
    sink.progress(total, total);
    Ok(())
}

fn csv_error(e: &::csv::Error, line: u64) -> ImportError {
    let line = e.position().map_or(line, ::csv::Position::line);
    let why = match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "not UTF-8 text: save the file as UTF-8".to_owned(),
        _ => format!("not CSV: {e}"),
    };
    ImportError::malformed(format!("line {line}"), why)
}

fn row_records(
    mapping: &Mapping,
    row: u64,
    cell: &dyn Fn(&str) -> String,
    sink: &mut dyn Sink,
) -> Result<(), ImportError> {
    let schema = Schema::builtin();
    let at = format!("line {row}");
    let mut present = Vec::new();
    for e in &mapping.entities {
        let kind = schema.kind(&e.kind)?;
        let mut item = Item::new(&at, String::new(), &kind.name);
        for (prop, col) in &e.props {
            let ty = kind.properties.get(prop).map(|p| p.kind);
            item.prop(prop, convert(mapping, ty, &cell(col)));
        }
        if item.props.is_empty() {
            continue;
        }
        let key: Vec<String> = item.props.iter().map(|(p, v)| format!("{p}={v}")).collect();
        item.ext = format!("csv:{}:{}:{}", mapping.name, e.kind, key.join("|"));
        present.push((e.id.clone(), item.ext.clone()));
        sink.record(Record::Item(item))?;
    }
    for l in &mapping.links {
        let kind = schema.kind(&l.kind)?;
        let end = |id: &str| present.iter().find(|(e, _)| e == id).map(|(_, ext)| ext.clone());
        let (Some(from), Some(to)) = (end(&l.from), end(&l.to)) else {
            sink.skip(&format!("{}: a row without {} or {}", l.kind, l.from, l.to), &at);
            continue;
        };
        let mut item = Item::new(&at, String::new(), &kind.name);
        for (prop, col) in &l.props {
            let ty = kind.properties.get(prop).map(|p| p.kind);
            item.prop(prop, convert(mapping, ty, &cell(col)));
        }
        let identity = match &l.id_column {
            Some(c) if !cell(c).is_empty() => cell(c),
            _ => {
                let mut h = blake3::Hasher::new();
                for part in [&from, &to] {
                    h.update(part.as_bytes());
                    h.update(b"\n");
                }
                for (p, v) in &item.props {
                    h.update(format!("{p}={v}\n").as_bytes());
                }
                h.finalize().to_hex()[..32].to_owned()
            }
        };
        item.ext = format!("csv:{}:{}:{identity}", mapping.name, l.kind);
        item.ends = Some((from, to));
        sink.record(Record::Item(item))?;
    }
    Ok(())
}

/// A cell as the schema reads it: dates in the mapping's format to ISO, durations written
/// as h:mm:ss to seconds, decimal commas to points.
fn convert(mapping: &Mapping, ty: Option<PropType>, raw: &str) -> String {
    let raw = raw.trim();
    match ty {
        Some(PropType::Date) => {
            if let Some(fmt) = &mapping.csv.date_format {
                if let Ok(dt) = NaiveDateTime::parse_from_str(raw, fmt) {
                    return dt.format("%Y-%m-%dT%H:%M:%S").to_string();
                }
                if let Ok(d) = NaiveDate::parse_from_str(raw, fmt) {
                    return d.format("%Y-%m-%d").to_string();
                }
            }
            raw.to_owned()
        }
        Some(PropType::Number) => {
            let parts: Vec<&str> = raw.split(':').collect();
            if (2..=3).contains(&parts.len())
                && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                let secs = parts
                    .iter()
                    .fold(0u64, |acc, p| acc.saturating_mul(60).saturating_add(p.parse().unwrap_or(0)));
                return secs.to_string();
            }
            if mapping.csv.decimal_comma {
                return raw.replace('.', "").replace(',', ".");
            }
            raw.to_owned()
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::input::BytesInput;
    use crate::interop::record::VecSink;

    #[test]
    fn call_records_make_phones_and_calls() {
        let mapping = Mapping::parse(include_str!("../../assets/mappings/call-records.toml")).unwrap();
        let csv = include_str!("../../assets/mappings/call-records.example.csv");
        let mut sink = VecSink::default();
        read(&BytesInput(csv.as_bytes()), &mapping, &mut sink).unwrap();
        assert!(sink.count("Phone") >= 4, "{:?}", sink.records);
        let call = sink.items().find(|i| i.kind == "Call").unwrap();
        assert!(call.ends.is_some());
        assert!(call.props.iter().any(|(p, v)| p == "startDate" && v.starts_with("2024-")), "{call:?}");
        assert!(call.props.iter().any(|(p, v)| p == "duration" && v.bytes().all(|b| b.is_ascii_digit())));
    }

    #[test]
    fn a_missing_column_is_named() {
        let mapping = Mapping::parse(include_str!("../../assets/mappings/call-records.toml")).unwrap();
        let mut sink = VecSink::default();
        let err = read(&BytesInput(b"a,b\n1,2\n"), &mapping, &mut sink).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("no column"), "{err}");
    }
}
