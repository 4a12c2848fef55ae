//! What kind of file this is, from its first bytes: `liaison import FILE` without `--format`
//! and the workbench's import screen both ask [`detect_format`] before choosing a reader.
//!
//! Only a bounded head is read ([`HEAD_BYTES`]), so a multi-gigabyte file is told as fast as a
//! small one. JSON is looked at through serde's visitor: the top-level keys (or the first
//! element's, for an array) are noted as they stream past and the rest is skipped, so a head
//! cut in the middle of a value still tells what it began. The content decides; the file
//! name's extension (`.ftm.json`, `.stix.json`, `.csv`…) only decides what the content leaves
//! open (an empty file, a JSON object no format claims).

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::input::io_error;
use super::{ImportError, ImportFormat};

/// How much of a file is read to tell its format.
pub const HEAD_BYTES: usize = 64 * 1024;

/// A file format Liaison knows, in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A signed, encrypted bundle from another office (age-encrypted).
    Bundle,
    Stix,
    Misp,
    Ftm,
    Csv,
    /// Written by `export --format graphml`; not read.
    Graphml,
    /// i2 Analyst's Notebook exchange chart, written by `export --format anx`; not read.
    Anx,
}

impl Format {
    /// The name `--format` takes ("bundle" for a Liaison bundle, which needs none).
    pub fn name(self) -> &'static str {
        match self {
            Format::Bundle => "bundle",
            Format::Stix => "stix",
            Format::Misp => "misp",
            Format::Ftm => "ftm",
            Format::Csv => "csv",
            Format::Graphml => "graphml",
            Format::Anx => "anx",
        }
    }

    /// What an analyst calls it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Bundle => "Liaison bundle",
            Format::Stix => "STIX file",
            Format::Misp => "MISP event file",
            Format::Ftm => "FollowTheMoney file",
            Format::Csv => "CSV file",
            Format::Graphml => "GraphML file",
            Format::Anx => "i2 Analyst's Notebook chart (ANX)",
        }
    }

    /// The reader [`super::import`] uses for it; `None` for bundles (the exchange reads
    /// them) and for the formats Liaison only writes.
    pub fn import_format(self) -> Option<ImportFormat> {
        match self {
            Format::Stix => Some(ImportFormat::Stix),
            Format::Misp => Some(ImportFormat::Misp),
            Format::Ftm => Some(ImportFormat::Ftm),
            Format::Csv => Some(ImportFormat::Csv),
            Format::Bundle | Format::Graphml | Format::Anx => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The format of the file (or MISP feed folder) at `path`, from its first bytes and, where
/// they leave it open, its name; `None` when neither tells.
pub fn detect_format(path: &Path) -> Result<Option<Format>, ImportError> {
    if path.is_dir() {
        // A MISP feed: a folder of event files listed by manifest.json, or (a feed without
        // manifest) whose first event file reads as MISP.
        if path.join("manifest.json").is_file() {
            return Ok(Some(Format::Misp));
        }
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| io_error(path, &e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        return match files.first() {
            Some(first) => Ok(detect_format(first)?.filter(|f| *f == Format::Misp)),
            None => Ok(None),
        };
    }
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let mut head = Vec::with_capacity(4096);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(|e| io_error(path, &e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
    Ok(detect_bytes(&head, name.as_deref()))
}

/// As [`detect_format`], for a head already read and the file's name (lowercase or not).
pub fn detect_bytes(head: &[u8], name: Option<&str>) -> Option<Format> {
    let hint = name.and_then(hint_from_name);
    if head.starts_with(b"age-encryption.org/") || head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
        return Some(Format::Bundle);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = &text[text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len())..];
    match text.first() {
        None => hint,
        Some(b'<') => xml_root(text).or(hint.filter(|h| matches!(h, Format::Graphml | Format::Anx))),
        Some(b'{' | b'[') => {
            json_format(text).or(hint.filter(|h| matches!(h, Format::Stix | Format::Misp | Format::Ftm)))
        }
        Some(_) if looks_like_csv(text) => Some(Format::Csv),
        // Text no reader claims: a `.csv` name is taken at its word (one column, say); a
        // binary file is nothing Liaison reads, whatever its name.
        Some(_) => hint.filter(|h| *h == Format::Csv && std::str::from_utf8(cut_at_char(text)).is_ok()),
    }
}

/// What a file's name suggests: double extensions first (`x.ftm.json` is FtM, not any JSON).
fn hint_from_name(name: &str) -> Option<Format> {
    let name = name.to_lowercase();
    let ends = |s: &str| name.ends_with(s);
    Some(if ends(".ftm.json") || ends(".ijson") || ends(".ftm") || ends(".ftm.jsonl") {
        Format::Ftm
    } else if ends(".stix.json") || ends(".stix") || ends(".stix2") {
        Format::Stix
    } else if ends(".misp.json") || ends(".misp") {
        Format::Misp
    } else if ends(".csv") || ends(".tsv") {
        Format::Csv
    } else if ends(".graphml") {
        Format::Graphml
    } else if ends(".anx") {
        Format::Anx
    } else if ends(".liaison") || ends(".bundle") {
        Format::Bundle
    } else {
        return None;
    })
}

/// The head without a UTF-8 sequence cut at its end.
fn cut_at_char(text: &[u8]) -> &[u8] {
    match std::str::from_utf8(text) {
        Err(e) if e.error_len().is_none() => &text[..e.valid_up_to()],
        // Whole, or invalid before its end (not text: the caller's UTF-8 check says so).
        Ok(_) | Err(_) => text,
    }
}

/// GraphML or ANX, from the first element that is not the XML declaration, a comment or a
/// doctype.
fn xml_root(text: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(text);
    let mut rest: &str = &text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = &after[after.find('>')? + 1..];
        } else {
            break;
        }
    }
    let element: String =
        rest.strip_prefix('<')?.chars().take_while(|c| c.is_alphanumeric() || *c == ':').collect();
    // A namespace prefix (`<g:graphml>`) names the same element.
    match element.rsplit(':').next()? {
        "graphml" => Some(Format::Graphml),
        "Chart" => Some(Format::Anx),
        _ => None,
    }
}

/// Whether the first complete lines read as a table: the same number of fields (two or more)
/// on each, split by comma, semicolon or tab.
fn looks_like_csv(text: &[u8]) -> bool {
    let text = cut_at_char(text);
    if std::str::from_utf8(text).is_err() {
        return false;
    }
    // The last line may be cut by the head's bound: only whole lines count, unless the head
    // is the whole (short) file.
    let whole = if text.len() < HEAD_BYTES {
        text
    } else {
        text.iter().rposition(|b| *b == b'\n').map_or(text, |at| &text[..=at])
    };
    [b',', b';', b'\t'].iter().any(|&delimiter| {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(whole);
        let widths: Vec<usize> = reader.records().take(20).map_while(Result::ok).map(|r| r.len()).collect();
        widths.first().is_some_and(|w| *w >= 2 && widths.iter().all(|x| x == w))
    })
}

/// What the start of a JSON document shows: for an object, its keys and its short string
/// fields; for an array, the same of its first element; for a STIX bundle, of its first object.
#[derive(Debug, Default)]
struct Seen {
    array: bool,
    keys: Vec<String>,
    kind: Option<String>,
    id: Option<String>,
    schema: Option<String>,
    /// For an array, its first element; for an object, its `objects` array (a STIX bundle's,
    /// whose own `first` is the bundle's first object).
    first: Option<Box<Seen>>,
}

impl Seen {
    fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// A STIX object: a `type` and an id of the form `type--uuid`.
    fn is_stix_object(&self) -> bool {
        self.kind.is_some() && self.id.as_deref().is_some_and(|id| id.contains("--"))
    }

    fn is_misp_event(&self) -> bool {
        // PyMISP writes an event's keys sorted: "Attribute" (a long list) may be all the head
        // shows before "info". No other format names a key "Attribute" or "Object".
        self.has("Event")
            || self.has("Attribute")
            || self.has("Object")
            || (self.has("info") && (self.has("Orgc") || self.has("uuid")))
    }

    fn is_ftm_entity(&self) -> bool {
        self.schema.is_some() && self.has("properties")
    }

    /// An FtM delta line: `{"op": "ADD", "entity": {…}}`.
    fn is_ftm_delta(&self) -> bool {
        self.has("op") && self.has("entity")
    }
}

fn json_format(text: &[u8]) -> Option<Format> {
    let mut seen = Seen::default();
    // An error is expected: the head ends mid-value, or an FtM file holds more than one
    // value. What streamed past before it is what counts.
    let _ = Look { seen: &mut seen, depth: 0 }.deserialize(&mut serde_json::Deserializer::from_slice(text));
    if seen.array {
        let first = seen.first.as_deref()?;
        return if first.is_misp_event() {
            Some(Format::Misp)
        } else if first.is_stix_object() {
            Some(Format::Stix)
        } else if first.is_ftm_entity() || first.is_ftm_delta() {
            Some(Format::Ftm)
        } else {
            None
        };
    }
    if seen.has("response") || seen.is_misp_event() {
        Some(Format::Misp)
    } else if seen.kind.as_deref() == Some("bundle")
        || seen.is_stix_object()
        || seen
            .first
            .as_deref()
            .and_then(|objects| objects.first.as_deref())
            .is_some_and(Seen::is_stix_object)
    {
        Some(Format::Stix)
    } else if seen.is_ftm_entity() || seen.is_ftm_delta() {
        Some(Format::Ftm)
    } else {
        None
    }
}

/// Notes what a JSON value shows into `seen`, skipping everything else.
struct Look<'a> {
    seen: &'a mut Seen,
    depth: u8,
}

impl<'de> DeserializeSeed<'de> for Look<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// A short string field's value, or nothing for any other value (skipped whole).
struct MaybeStringVisitor;

impl<'de> Visitor<'de> for MaybeStringVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.chars().take(200).collect()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// The value under a key, as [`MaybeStringVisitor`] reads it.
struct StringSeed;

impl<'de> DeserializeSeed<'de> for StringSeed {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(MaybeStringVisitor)
    }
}

impl<'de> Visitor<'de> for Look<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if self.seen.keys.len() < 64 {
                self.seen.keys.push(key.clone());
            }
            match key.as_str() {
                "type" => self.seen.kind = map.next_value_seed(StringSeed)?,
                "id" => self.seen.id = map.next_value_seed(StringSeed)?,
                "schema" => self.seen.schema = map.next_value_seed(StringSeed)?,
                // A STIX bundle's objects: the first tells, even when `type` comes later.
                "objects" if self.depth == 0 => {
                    let first = self.seen.first.get_or_insert_with(Box::default);
                    map.next_value_seed(Look { seen: first, depth: 1 })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.seen.array = true;
        if self.depth > 1 {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        let first = self.seen.first.get_or_insert_with(Box::default);
        seq.next_element_seed(Look { seen: first, depth: self.depth + 1 })?;
        // The rest is not needed: stopping here is an error serde reports, which the caller
        // ignores like the head's cut.
        Err(serde::de::Error::custom("seen enough"))
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str, name: &str) -> Option<Format> {
        detect_bytes(text.as_bytes(), Some(name))
    }

    #[test]
    fn stix_bundles_and_arrays_of_objects() {
        let bundle = r#"{"type": "bundle", "id": "bundle--1", "objects": [{"type": "identity"#;
        assert_eq!(detect(bundle, "feed.json"), Some(Format::Stix));
        let objects_first =
            r#"{"objects": [{"type": "indicator", "id": "indicator--0b1c"}], "type": "bundle"}"#;
        assert_eq!(detect(objects_first, "x"), Some(Format::Stix));
        let array = r#"[{"id": "threat-actor--56f3", "type": "threat-actor", "name": "X"}, {"#;
        assert_eq!(detect(array, "x.json"), Some(Format::Stix));
        let single = r#"{"type": "identity", "spec_version": "2.1", "id": "identity--1", "name": "Y"}"#;
        assert_eq!(detect(single, "x.json"), Some(Format::Stix));
    }

    #[test]
    fn misp_events_responses_and_lists() {
        assert_eq!(detect(r#"{"Event": {"info": "x", "Attribute": [{"#, "e.json"), Some(Format::Misp));
        assert_eq!(detect(r#"{"response": [{"Event": {"#, "r.json"), Some(Format::Misp));
        // A bare event as PyMISP writes it, keys sorted, the head cut inside its attributes.
        assert_eq!(
            detect(r##"{"Attribute": [{"Tag": [{"colour": "#00223b", "name": "osint"##, "e.json"),
            Some(Format::Misp)
        );
        assert_eq!(detect(r#"[{"Event": {"uuid": "1"}}]"#, "l.json"), Some(Format::Misp));
        assert_eq!(
            detect(r#"{"uuid": "1", "info": "bare event", "Attribute": []}"#, "b.json"),
            Some(Format::Misp)
        );
    }

    #[test]
    fn ftm_lines_whatever_their_name() {
        let lines = "{\"id\": \"p1\", \"schema\": \"Person\", \"properties\": {\"name\": [\"A\"]}}\n{\"id\": \"p2\", \"schema\": \"Person\", \"properties\": {}}\n";
        assert_eq!(detect(lines, "entities.ijson"), Some(Format::Ftm));
        assert_eq!(detect(lines, "export.json"), Some(Format::Ftm));
        assert_eq!(detect(lines, "no-extension"), Some(Format::Ftm));
        let pretty =
            "[\n  {\n    \"id\": \"p1\",\n    \"schema\": \"Person\",\n    \"properties\": {}\n  }\n]";
        assert_eq!(detect(pretty, "people.json"), Some(Format::Ftm));
        let delta = "{\"op\": \"ADD\", \"entity\": {\"id\": \"p1\", \"schema\": \"Person\"}}\n";
        assert_eq!(detect(delta, "changes.json"), Some(Format::Ftm));
    }

    #[test]
    fn csv_graphml_anx_and_bundles() {
        assert_eq!(detect("caller;callee;date\n0611;0622;2024-01-02\n", "calls.txt"), Some(Format::Csv));
        assert_eq!(detect("a,b\n1,2\n", "x"), Some(Format::Csv));
        let graphml = "<?xml version=\"1.0\"?>\n<!-- made by x -->\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">";
        assert_eq!(detect(graphml, "g.xml"), Some(Format::Graphml));
        assert_eq!(detect("<?xml version=\"1.0\"?>\n<Chart Rigorous=\"true\">", "c.xml"), Some(Format::Anx));
        assert_eq!(detect_bytes(b"age-encryption.org/v1\n-> X25519 abc", None), Some(Format::Bundle));
    }

    #[test]
    fn the_name_decides_only_what_the_content_leaves_open() {
        assert_eq!(detect("", "empty.ftm.json"), Some(Format::Ftm));
        assert_eq!(detect("{}", "empty.stix.json"), Some(Format::Stix));
        // The content wins over a misleading name.
        assert_eq!(detect(r#"{"Event": {}}"#, "wrong.stix.json"), Some(Format::Misp));
        assert_eq!(detect("just some words", "notes.txt"), None);
        assert_eq!(detect("{\"hello\": 1}", "data.json"), None);
        assert_eq!(detect("", "empty"), None);
        assert_eq!(detect_bytes(&[0, 159, 146, 150, 1, 2], Some("x.csv")), None);
        assert_eq!(detect("just one column\nof words\n", "list.csv"), Some(Format::Csv));
    }

    #[test]
    fn a_head_cut_anywhere_tells_no_lie() {
        let bundle = r#"{"type": "bundle", "id": "bundle--1", "objects": [{"type": "identity", "id": "identity--2"}]}"#;
        for cut in 0..bundle.len() {
            let got = detect_bytes(&bundle.as_bytes()[..cut], None);
            assert!(matches!(got, None | Some(Format::Stix)), "cut at {cut}: {got:?}");
        }
    }
}
