//! The seam between format readers and the store: readers turn a file into neutral
//! [`Record`]s and push them into a [`Sink`]; the store-backed sink (`load.rs`) writes them,
//! tests collect them in a [`VecSink`]. A reader never touches the store, so every reader
//! can be fuzzed and tested on its own.

use crate::model::grade::Grade;
use crate::model::marking::Marking;

use super::ImportError;

/// One record read from a file: an entity, a link, a case or a note, in Liaison's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    /// Where it was read, for messages: "line 12", "object 5 (identity--…)".
    pub at: String,
    /// What the other tool calls it, with the tool's prefix ("ftm:…", "stix:…", "misp:…").
    /// Records without an observable value get a deterministic id from it, so that
    /// importing the same file again finds the same records.
    pub ext: String,
    /// A Liaison kind from `assets/schema.toml`.
    pub kind: String,
    /// Values as read (validated by the sink). Values of entity-reference properties are
    /// external ids of other records of the same file.
    pub props: Vec<(String, String)>,
    /// Links: the external ids of the source and the target.
    pub ends: Option<(String, String)>,
    /// Notes: the external id of their case. Entities: a case to put them in.
    pub case: Option<String>,
    /// Grade and marking the file gives this record (its own, or its container's: a STIX
    /// bundle's, a MISP object's or event's). None: the file says nothing readable.
    pub grade: Option<Grade>,
    pub marking: Option<Marking>,
    /// What the file says of the marking beyond the marking itself (rare, so boxed): see
    /// [`Item::unreadable_markings`] and [`Item::marking_notes`].
    pub marking_remarks: Option<Box<MarkingRemarks>>,
    /// What the file says of it that Liaison has no property for, as a JSON object.
    pub raw: Option<String>,
    /// More values of a record pushed before (not counted again).
    pub again: bool,
    /// Made from what another object names (an indicator pattern's observables, a STIX 2.0
    /// observed-data's embedded objects, the link between them): counted apart in the
    /// report, so that what was read still adds up.
    pub derived: bool,
}

/// What a file says of a record's marking beyond what could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MarkingRemarks {
    /// Markings that cannot be read (a reference missing from the file, a statement, an
    /// unknown type), each as the report names it. With any, the record's values also take
    /// the import's fallback marking: never CLEAR by default.
    pub unreadable: Vec<String>,
    /// How a marking was read, worth telling the analyst (a MISP sharing group read as
    /// TLP:AMBER+STRICT), each as the report names it.
    pub notes: Vec<String>,
}

impl Item {
    /// Markings the file names for this record that cannot be read.
    pub fn unreadable_markings(&self) -> &[String] {
        self.marking_remarks.as_deref().map_or(&[], |r| r.unreadable.as_slice())
    }

    /// How this record's marking was read, worth telling the analyst.
    pub fn marking_notes(&self) -> &[String] {
        self.marking_remarks.as_deref().map_or(&[], |r| r.notes.as_slice())
    }

    pub fn set_marking_remarks(&mut self, unreadable: Vec<String>, notes: Vec<String>) {
        self.marking_remarks = (!unreadable.is_empty() || !notes.is_empty())
            .then(|| Box::new(MarkingRemarks { unreadable, notes }));
    }

    pub fn new(at: impl Into<String>, ext: impl Into<String>, kind: &str) -> Item {
        Item { at: at.into(), ext: ext.into(), kind: kind.to_owned(), ..Item::default() }
    }

    pub fn prop(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.trim().is_empty() {
            self.props.push((name.to_owned(), value));
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Item(Item),
    /// Puts an entity in a case (both by external id).
    Member {
        at: String,
        case: String,
        entity: String,
    },
}

/// Where readers push what they read.
pub trait Sink {
    /// The producer of what follows (a STIX identity, a MISP organisation, an FtM dataset):
    /// it names the source of the statements unless the user gave one.
    fn producer(&mut self, name: &str);
    /// One object of the file was read (whatever becomes of it).
    fn read(&mut self);
    fn record(&mut self, rec: Record) -> Result<(), ImportError>;
    /// Something read is not imported: `reason` is short and shared by alike cases (it
    /// groups the report), `detail` names this case.
    fn skip(&mut self, reason: &str, detail: &str);
    /// Something in the file is wrong (a bad object or reference, a value of the wrong
    /// type): the object (`whole_object`) or only that value is skipped with `reason`, or,
    /// under `--strict`, the whole file is refused.
    fn fault(&mut self, reason: &str, detail: &str, whole_object: bool) {
        let _ = whole_object;
        self.skip(reason, detail);
    }
    /// Bytes consumed of the input so far.
    fn progress(&mut self, done: u64, total: u64);
}

/// Collects records in memory: for tests and fuzzing.
#[derive(Debug, Default)]
pub struct VecSink {
    pub producers: Vec<String>,
    pub read: u64,
    pub records: Vec<Record>,
    pub skipped: Vec<(String, String)>,
}

impl VecSink {
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.records.iter().filter_map(|r| match r {
            Record::Item(i) => Some(i),
            Record::Member { .. } => None,
        })
    }

    /// Items of `kind` pushed for the first time.
    pub fn count(&self, kind: &str) -> usize {
        self.items().filter(|i| i.kind == kind && !i.again).count()
    }
}

impl Sink for VecSink {
    fn producer(&mut self, name: &str) {
        self.producers.push(name.to_owned());
    }

    fn read(&mut self) {
        self.read += 1;
    }

    fn record(&mut self, rec: Record) -> Result<(), ImportError> {
        self.records.push(rec);
        Ok(())
    }

    fn skip(&mut self, reason: &str, detail: &str) {
        self.skipped.push((reason.to_owned(), detail.to_owned()));
    }

    fn progress(&mut self, _done: u64, _total: u64) {}
}

/// `raw` as values of `externalData`: itself, or, when longer than a value may be, a JSON
/// object split by its members into objects that each fit (their union is the original);
/// and the members too long to fit on their own (left out, reported).
pub fn split_json(raw: &str) -> (Vec<String>, Vec<String>) {
    use crate::model::values::MAX_VALUE_LEN;
    if raw.len() <= MAX_VALUE_LEN {
        return (vec![raw.to_owned()], Vec::new());
    }
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(raw) else {
        return (Vec::new(), vec!["(not a JSON object)".to_owned()]);
    };
    // Each part names the object it is part of (its id and type, where it has them), so that
    // the parts of two objects kept on one record stay apart.
    let names: serde_json::Map<String, serde_json::Value> = obj
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "id" | "type"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let named_len = serde_json::Value::Object(names.clone()).to_string().len();
    let mut parts = Vec::new();
    let mut too_long = Vec::new();
    let mut part = names.clone();
    let mut len = named_len;
    for (k, v) in obj {
        if names.contains_key(&k) {
            continue;
        }
        let member = serde_json::to_string(&v).unwrap_or_default().len() + k.len() + 4;
        if member + named_len > MAX_VALUE_LEN {
            too_long.push(k);
            continue;
        }
        if len + member > MAX_VALUE_LEN {
            parts.push(serde_json::Value::Object(std::mem::replace(&mut part, names.clone())).to_string());
            len = named_len;
        }
        len += member;
        part.insert(k, v);
    }
    if part.len() > names.len() || parts.is_empty() {
        parts.push(serde_json::Value::Object(part).to_string());
    }
    (parts, too_long)
}
