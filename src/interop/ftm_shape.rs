//! The shapes FtM entities come in, as real tools write them: one entity per line (`ftm`,
//! Aleph, OpenSanctions), delta lines (`{"op": "ADD", "entity": {…}}`), a pretty-printed JSON
//! array of entities, or pretty-printed entities one after the other (a single entity saved
//! from a browser). Whatever the shape, entities come out one at a time with where they were
//! read ("line 12", "entity 7"), so that a file of millions is never held whole.

use std::cell::RefCell;
use std::fmt;
use std::io::BufRead;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::ImportError;
use super::input::{Counting, Input, Lines, MAX_OBJECT, json_error, kind_of};

/// How the entities are laid out in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One JSON value per line: a bad line is that line's fault only.
    Lines,
    /// A JSON array of entities, or JSON values spread over several lines each.
    Document,
}

/// One value read from the file, before it is checked as an FtM entity.
pub struct Raw {
    /// "line 12" or "entity 7".
    pub at: String,
    /// Bytes consumed so far, for progress.
    pub offset: u64,
    /// The value, or why it is not JSON (a line that does not parse).
    pub value: Result<Value, String>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file's shape, from its first non-blank line: an array, or a first line that is not a
/// whole JSON value although the next lines complete it, is a document; anything else is
/// read line by line (and a line that is not JSON is reported as that line's fault).
pub fn shape(input: &dyn Input) -> Result<Shape, ImportError> {
    let mut lines = Lines::new(input.open()?);
    while let Some((_, _, line)) = lines.next_line()? {
        let line = line.strip_prefix(BOM).unwrap_or(line);
        let Some(start) = line.iter().position(|b| !b.is_ascii_whitespace()) else { continue };
        if line[start] == b'[' {
            return Ok(Shape::Document);
        }
        return Ok(match serde_json::from_slice::<Value>(line) {
            Err(e) if e.is_eof() && line[start] == b'{' => Shape::Document,
            _ => Shape::Lines,
        });
    }
    Ok(Shape::Lines)
}

/// Calls `f` with every value of the file, in order.
pub fn each(
    input: &dyn Input,
    shape: Shape,
    f: &mut dyn FnMut(Raw) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    match shape {
        Shape::Lines => {
            let mut lines = Lines::new(input.open()?);
            while let Some((number, offset, line)) = lines.next_line()? {
                let line = if number == 1 { line.strip_prefix(BOM).unwrap_or(line) } else { line };
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let value = serde_json::from_slice::<Value>(line).map_err(|e| {
                    if e.is_eof() {
                        "the line ends in the middle of a JSON value (truncated?)".to_owned()
                    } else {
                        format!("not JSON: {e}")
                    }
                });
                f(Raw { at: format!("line {number}"), offset, value })?;
            }
            Ok(())
        }
        Shape::Document => document(input, f),
    }
}

fn document(input: &dyn Input, f: &mut dyn FnMut(Raw) -> Result<(), ImportError>) -> Result<(), ImportError> {
    let mut reader = input.open()?;
    let head = reader.fill_buf().map_err(|e| ImportError::Io(e.to_string()))?;
    if head.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    // Only whitespace may come before the first value; what it is decides the walk.
    let first = loop {
        let buf = reader.fill_buf().map_err(|e| ImportError::Io(e.to_string()))?;
        if buf.is_empty() {
            break None;
        }
        if let Some(at) = buf.iter().position(|b| !b.is_ascii_whitespace()) {
            let first = buf[at];
            reader.consume(at);
            break Some(first);
        }
        let n = buf.len();
        reader.consume(n);
    };
    let rest = Counting::new(reader);
    let count = rest.count.clone();
    if first == Some(b'[') {
        let failure: RefCell<Option<ImportError>> = RefCell::new(None);
        let mut de = serde_json::Deserializer::from_reader(rest);
        let walked =
            de::Deserializer::deserialize_any(&mut de, Elements { f, count: &count, failure: &failure });
        if let Some(e) = failure.borrow_mut().take() {
            return Err(e);
        }
        walked.map_err(|e| json_error(&e))?;
        return de.end().map_err(|e| json_error(&e));
    }
    let values = serde_json::Deserializer::from_reader(rest).into_iter::<Value>();
    let mut start = count.get();
    for (index, value) in values.enumerate() {
        let value = value.map_err(|e| json_error(&e))?;
        let offset = count.get();
        if offset.saturating_sub(start) > MAX_OBJECT + (1 << 16) {
            return Err(too_large(index + 1));
        }
        start = offset;
        f(Raw { at: format!("entity {}", index + 1), offset, value: Ok(value) })?;
    }
    Ok(())
}

fn too_large(index: usize) -> ImportError {
    ImportError::malformed(format!("entity {index}"), format!("larger than {} MiB", MAX_OBJECT >> 20))
}

/// Walks the top-level array, one element at a time.
struct Elements<'a> {
    f: &'a mut dyn FnMut(Raw) -> Result<(), ImportError>,
    count: &'a std::rc::Rc<std::cell::Cell<u64>>,
    failure: &'a RefCell<Option<ImportError>>,
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of FtM entities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        let mut start = self.count.get();
        while let Some(value) = seq.next_element::<Value>()? {
            index += 1;
            let offset = self.count.get();
            let stop = |e: ImportError| {
                *self.failure.borrow_mut() = Some(e);
                de::Error::custom("stopped")
            };
            if offset.saturating_sub(start) > MAX_OBJECT + (1 << 16) {
                return Err(stop(too_large(index)));
            }
            start = offset;
            (self.f)(Raw { at: format!("entity {index}"), offset, value: Ok(value) }).map_err(stop)?;
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// What a value of the file holds: an entity, or a delta line (`{"op": "ADD", "entity": …}`).
pub enum Unwrapped {
    Entity(Map<String, Value>),
    /// Not an entity to import, and why (a deletion, an unknown operation, not an object).
    Skip(String),
}

/// The entity a value carries.
pub fn unwrap(value: Value) -> Unwrapped {
    let Value::Object(mut obj) = value else {
        return Unwrapped::Skip(format!("expected an FtM entity (a JSON object), found {}", kind_of(&value)));
    };
    if !obj.contains_key("op") || obj.contains_key("schema") {
        return Unwrapped::Entity(obj);
    }
    let op = obj.get("op").and_then(Value::as_str).unwrap_or_default().to_ascii_uppercase();
    match (op.as_str(), obj.remove("entity")) {
        ("ADD" | "MOD", Some(Value::Object(entity))) => Unwrapped::Entity(entity),
        ("ADD" | "MOD", Some(other)) => {
            Unwrapped::Skip(format!("delta {op}: \"entity\" is {}, not an FtM entity", kind_of(&other)))
        }
        ("ADD" | "MOD", None) => Unwrapped::Skip(format!("delta {op} without an \"entity\"")),
        // Liaison keeps what it was told: a partner's deletion is not applied to statements
        // this office holds (an analyst deletes by hand, with an audit entry).
        ("DEL", _) => {
            Unwrapped::Skip("delta DEL: deletions are not applied (delete by hand if meant)".into())
        }
        _ => Unwrapped::Skip(match obj.get("op") {
            Some(Value::String(op)) => format!("delta operation {op:?} is not ADD or DEL"),
            other => format!("delta \"op\" is {}, not ADD or DEL", other.map_or("missing", kind_of)),
        }),
    }
}
