//! Reading outside files within limits: a re-openable input (several readers make more than
//! one pass), a byte counter for progress and per-object limits, bounded lines, and a
//! streaming walk over the big array of a JSON document (a STIX bundle's `objects`, a MISP
//! `response`) that holds one element in memory at a time.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::ImportError;

/// Largest input file accepted.
pub const MAX_FILE: u64 = 4 << 30;
/// Largest single object (an FtM line, a STIX object, a MISP event).
pub const MAX_OBJECT: u64 = 64 << 20;
/// Most objects in one file.
pub const MAX_OBJECTS: u64 = 20_000_000;

/// Something a reader can open, more than once.
pub trait Input {
    fn open(&self) -> Result<Box<dyn BufRead + '_>, ImportError>;
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A file on disk.
#[derive(Debug, Clone)]
pub struct FileInput {
    pub path: PathBuf,
    len: u64,
}

impl FileInput {
    pub fn new(path: &Path) -> Result<FileInput, ImportError> {
        let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
        if meta.len() > MAX_FILE {
            return Err(ImportError::malformed(
                "",
                format!("the file is larger than {} GiB", MAX_FILE >> 30),
            ));
        }
        Ok(FileInput { path: path.to_path_buf(), len: meta.len() })
    }
}

pub fn io_error(path: &Path, e: &std::io::Error) -> ImportError {
    ImportError::Io(format!("{}: {e}", path.display()))
}

impl Input for FileInput {
    fn open(&self) -> Result<Box<dyn BufRead + '_>, ImportError> {
        let f = std::fs::File::open(&self.path).map_err(|e| io_error(&self.path, &e))?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }

    fn len(&self) -> u64 {
        self.len
    }
}

/// Bytes in memory (tests, fuzzing).
#[derive(Debug, Clone, Copy)]
pub struct BytesInput<'a>(pub &'a [u8]);

impl Input for BytesInput<'_> {
    fn open(&self) -> Result<Box<dyn BufRead + '_>, ImportError> {
        Ok(Box::new(self.0))
    }

    fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

/// Counts the bytes read through it; clones share the count.
pub struct Counting<R> {
    inner: R,
    pub count: Rc<Cell<u64>>,
}

impl<R: Read> Counting<R> {
    pub fn new(inner: R) -> Counting<R> {
        Counting { inner, count: Rc::new(Cell::new(0)) }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Reads lines of at most [`MAX_OBJECT`] bytes, numbered from 1.
pub struct Lines<R> {
    inner: R,
    pub line: u64,
    pub offset: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    pub fn new(inner: R) -> Lines<R> {
        Lines { inner, line: 0, offset: 0, buf: Vec::new() }
    }

    /// The next line (without its end) with its number and the bytes read so far, or None
    /// at the end of the input.
    pub fn next_line(&mut self) -> Result<Option<(u64, u64, &[u8])>, ImportError> {
        self.buf.clear();
        let n = (&mut self.inner)
            .take(MAX_OBJECT + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| ImportError::malformed(format!("line {}", self.line + 1), e.to_string()))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        self.offset += n as u64;
        if n as u64 > MAX_OBJECT {
            return Err(ImportError::malformed(
                format!("line {}", self.line),
                format!("the line is longer than {} MiB", MAX_OBJECT >> 20),
            ));
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(Some((self.line, self.offset, &self.buf)))
    }
}

/// Where an element of the streamed array ends, for messages and limits.
pub struct Element {
    /// 1-based position in the array.
    pub index: u64,
    /// Bytes consumed so far.
    pub offset: u64,
    pub value: Value,
}

/// The member [`stream_array`] returns, empty, when the document is itself an array (its
/// elements were streamed): no format names a member so.
pub const TOP_ARRAY: &str = "\u{0}array";

type OnElement<'f> = dyn FnMut(Element) -> Result<(), ImportError> + 'f;

/// Walks the top-level JSON object of `reader`: the array under `array_key` is streamed to
/// `on_element` one element at a time; every other top-level member is returned (they are
/// small in the formats read here). A document that is itself an array is streamed the same
/// way and returns only [`TOP_ARRAY`]. A leading UTF-8 byte order mark is skipped. Fails on bad JSON with line and column, on an element
/// over [`MAX_OBJECT`], or with the first error `on_element` returns.
pub fn stream_array(
    reader: impl Read,
    array_key: &str,
    on_element: &mut OnElement<'_>,
) -> Result<Map<String, Value>, ImportError> {
    let mut reader = std::io::BufReader::new(reader);
    if reader.fill_buf().map_err(|e| ImportError::Io(e.to_string()))?.starts_with(b"\xEF\xBB\xBF") {
        // Windows editors write a byte order mark; it is not part of the JSON.
        reader.consume(3);
    }
    let counting = Counting::new(reader);
    let count = counting.count.clone();
    let failure: RefCell<Option<ImportError>> = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_reader(counting);
    let result = de::Deserializer::deserialize_any(
        &mut de,
        TopVisitor { key: array_key, on_element, count: &count, failure: &failure },
    );
    if let Some(e) = failure.borrow_mut().take() {
        return Err(e);
    }
    let top = result.map_err(|e| json_error(&e))?;
    de.end().map_err(|e| json_error(&e))?;
    Ok(top)
}

/// A JSON error as the analyst should read it.
pub fn json_error(e: &serde_json::Error) -> ImportError {
    let why = match e.classify() {
        serde_json::error::Category::Eof => {
            "the file ends in the middle of a JSON value (truncated?)".to_owned()
        }
        serde_json::error::Category::Io => format!("cannot be read: {e}"),
        _ => format!("bad JSON: {e}"),
    };
    ImportError::malformed(format!("line {} column {}", e.line(), e.column()), why)
}

struct TopVisitor<'a, 'f> {
    key: &'a str,
    on_element: &'a mut OnElement<'f>,
    count: &'a Rc<Cell<u64>>,
    failure: &'a RefCell<Option<ImportError>>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ArraySeed { on_element: self.on_element, count: self.count, failure: self.failure }.visit_seq(seq)?;
        let mut top = Map::new();
        top.insert(TOP_ARRAY.to_owned(), Value::Array(Vec::new()));
        Ok(top)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut top = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if k == self.key {
                map.next_value_seed(ArraySeed {
                    on_element: self.on_element,
                    count: self.count,
                    failure: self.failure,
                })?;
                top.insert(k, Value::Array(Vec::new()));
            } else {
                let before = self.count.get();
                let v: Value = map.next_value()?;
                if self.count.get().saturating_sub(before) > MAX_OBJECT + (1 << 16) {
                    *self.failure.borrow_mut() = Some(ImportError::malformed(
                        format!("\"{}\"", k.chars().take(40).collect::<String>()),
                        format!("larger than {} MiB", MAX_OBJECT >> 20),
                    ));
                    return Err(de::Error::custom("stopped"));
                }
                top.insert(k, v);
            }
        }
        Ok(top)
    }
}

struct ArraySeed<'a, 'f> {
    on_element: &'a mut OnElement<'f>,
    count: &'a Rc<Cell<u64>>,
    failure: &'a RefCell<Option<ImportError>>,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        let mut start = self.count.get();
        while let Some(value) = seq.next_element::<Value>()? {
            index += 1;
            let offset = self.count.get();
            let stop = |e: ImportError| {
                *self.failure.borrow_mut() = Some(e);
                de::Error::custom("stopped")
            };
            if offset.saturating_sub(start) > MAX_OBJECT + (1 << 16) {
                return Err(stop(ImportError::malformed(
                    format!("element {index}"),
                    format!("larger than {} MiB", MAX_OBJECT >> 20),
                )));
            }
            if index > MAX_OBJECTS {
                return Err(stop(ImportError::malformed("", format!("more than {MAX_OBJECTS} objects"))));
            }
            start = offset;
            (self.on_element)(Element { index, offset, value }).map_err(stop)?;
        }
        Ok(())
    }
}

/// Reads a whole JSON document of at most [`MAX_OBJECT`] bytes.
pub fn read_json(input: &dyn Input) -> Result<Value, ImportError> {
    if input.len() > MAX_OBJECT {
        return Err(ImportError::malformed("", format!("larger than {} MiB", MAX_OBJECT >> 20)));
    }
    let mut reader = input.open()?;
    if reader.fill_buf().map_err(|e| ImportError::Io(e.to_string()))?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let v = <Value as serde::Deserialize>::deserialize(&mut de).map_err(|e| json_error(&e))?;
    de.end().map_err(|e| json_error(&e))?;
    Ok(v)
}

/// A short description of a JSON value's kind, for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The string at `key` of `obj`, if it is one.
pub fn str_at<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    obj.get(key).and_then(Value::as_str)
}
