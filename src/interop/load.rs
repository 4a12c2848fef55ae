//! The store-backed [`Sink`]: writes what readers push through one [`Txn`], with provenance,
//! so that the whole import is one transaction (all or nothing).
//!
//! Re-importing converges: records without an observable value get an id derived from their
//! external id, observables keep their UUIDv5, and a value already held from the same source
//! is not written again unless its grade or marking changed ([`Txn::holds`]). A value the schema refuses is skipped and
//! reported; it never fails the import.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::ImportError;
use super::record::{Item, Record, Sink};
use super::report::ImportReport;
use crate::model::grade::Grade;
use crate::model::ids::observable_id;
use crate::model::marking::Marking;
use crate::model::op::Assertion;
use crate::model::schema::{Category, Kind, PropType, Schema};
use crate::model::validate;
use crate::model::values::Locale;
use crate::store::Txn;
use crate::store::edit::observable_key;

/// The id of a record known to another tool as `ext` (when it has no observable value).
pub fn external_uid(ext: &str) -> Uuid {
    observable_id("External", ext)
}

/// What the user said about the statements of this import.
#[derive(Debug, Clone, Default)]
pub struct Stamp {
    /// `--source`: replaces the file's producer (or, when it names none, the file's name) as
    /// the Source of every statement.
    pub source: Option<String>,
    pub grade: Option<Grade>,
    /// `--marking`: joined with the file's (it can only narrow), else the values' marking.
    pub marking: Option<Marking>,
    pub case: Option<Uuid>,
    /// The office's default marking ([`crate::store::Store::default_marking`]): what values
    /// take when neither the file, `--marking` nor the case says anything. None: TLP:AMBER.
    pub default_marking: Option<Marking>,
    /// Name of the file, for the default source name.
    pub file: String,
    /// "STIX file", "MISP event", …: the Source record's kind.
    pub source_kind: String,
    /// `--strict`: a fault in one object refuses the whole file instead of skipping it.
    pub strict: bool,
}

pub struct StoreSink<'t, 's> {
    txn: &'t mut Txn<'s>,
    stamp: Stamp,
    locale: Locale,
    /// The Source record of the statements now being written, and its name.
    source: Option<(Uuid, String)>,
    producer: Option<String>,
    /// Records pushed by this import, by external id.
    known: HashMap<String, Uuid>,
    /// The target case's marking (None: it has none) and reference, read once.
    case_info: Option<(Option<Marking>, String)>,
    /// Records already counted in the report, and the external ids that were counted.
    counted: HashSet<Uuid>,
    counted_ext: HashSet<String>,
    pub report: ImportReport,
    /// Under `--strict`, the first fault the reader met (where, what): the import fails.
    pub fault: Option<(String, String)>,
    progress: &'t mut dyn FnMut(u64, u64),
}

impl<'t, 's> StoreSink<'t, 's> {
    pub fn new(
        txn: &'t mut Txn<'s>,
        stamp: Stamp,
        locale: Locale,
        progress: &'t mut dyn FnMut(u64, u64),
    ) -> StoreSink<'t, 's> {
        StoreSink {
            txn,
            stamp,
            locale,
            source: None,
            producer: None,
            known: HashMap::new(),
            case_info: None,
            counted: HashSet::new(),
            counted_ext: HashSet::new(),
            report: ImportReport::default(),
            fault: None,
            progress,
        }
    }

    /// The Source record for statements written now (made on first use).
    fn source(&mut self) -> Result<Uuid, ImportError> {
        if let Some((uid, _)) = &self.source {
            return Ok(*uid);
        }
        let name = match (&self.stamp.source, &self.producer) {
            (Some(s), _) => s.clone(),
            // What the file says made it names the source, not the file's name: the same
            // content under another name converges on the same statements. (A CSV mapping's
            // producer is the mapping's, not the file's: its files stay apart.)
            (None, Some(p)) if self.stamp.source_kind != "CSV file" => p.clone(),
            (None, Some(p)) => format!("{} ({p})", crate::model::text::for_terminal(&self.stamp.file)),
            // A file's name is not checked when it is given: escaped, it can name a source.
            (None, None) => crate::model::text::for_terminal(&self.stamp.file).into_owned(),
        };
        let uid = self.txn.source_record(&name)?;
        // What a source is and who produced it are as sensitive as its name.
        let marking = match self.txn.record_marking(uid)? {
            Some(m) => m,
            None => self.txn.office_marking()?,
        };
        if !self.txn.has_value(uid, "kind", &self.stamp.source_kind, None)? {
            self.txn.set(uid, Assertion::marked("kind", &self.stamp.source_kind, &marking))?;
        }
        if let Some(p) = &self.producer {
            if !self.txn.has_value(uid, "agency", p, None)? {
                self.txn.set(uid, Assertion::marked("agency", p, &marking))?;
            }
        }
        if self.report.source.is_empty() {
            self.report.source.clone_from(&name);
        } else if !self.report.source.split("; ").any(|s| s == name) {
            self.report.source = format!("{}; {name}", self.report.source);
        }
        self.source = Some((uid, name));
        Ok(uid)
    }

    /// The marking `item`'s values take, and where it came from (for the report). The
    /// file's marking, `--marking` and the target case's all apply (the strictest holds:
    /// the user's flag and the case only narrow); when none says anything, or the file names
    /// a marking that cannot be read and neither the flag nor the case gives one, the
    /// office's default marking. Never CLEAR unless the file or the user said CLEAR.
    fn marking_for(&mut self, item: &Item) -> Result<(Marking, String), ImportError> {
        if let (Some(case), None) = (self.stamp.case, &self.case_info) {
            self.case_info = Some(case_info(self.txn, case)?);
        }
        let mut marking: Option<Marking> = None;
        let mut from: Vec<String> = Vec::new();
        let apply = |marking: &mut Option<Marking>, from: &mut Vec<String>, m: &Marking, label: String| {
            let joined = marking.as_ref().map_or_else(|| m.clone(), |o| o.join(m));
            if marking.as_ref() != Some(&joined) {
                from.push(label);
            }
            *marking = Some(joined);
        };
        if let Some(m) = &item.marking {
            apply(&mut marking, &mut from, m, "the file".to_owned());
        }
        if let Some(m) = &self.stamp.marking {
            apply(&mut marking, &mut from, m, "--marking".to_owned());
        }
        let case = self.case_info.as_ref().and_then(|(m, r)| m.as_ref().map(|m| (m, r)));
        if let Some((m, reference)) = case {
            apply(&mut marking, &mut from, m, format!("case {reference}"));
        }
        let unreadable = !item.unreadable_markings().is_empty();
        if marking.is_none() || (unreadable && self.stamp.marking.is_none() && case.is_none()) {
            let default = self.stamp.default_marking.clone().unwrap_or_else(Marking::office_fallback);
            apply(&mut marking, &mut from, &default, "office default".to_owned());
        }
        let mut label = match from.as_slice() {
            [only] if only == "office default" => only.clone(),
            [] => "from the file".to_owned(),
            parts => format!("from {}", parts.join(" and ")),
        };
        if unreadable {
            label.push_str(" (a marking in the file is unreadable)");
        }
        Ok((marking.unwrap_or_else(Marking::office_fallback), label))
    }

    /// The record an external id names: pushed by this import, or imported before.
    fn resolve(&mut self, ext: &str) -> Result<Option<(Uuid, String)>, ImportError> {
        let uid = self.known.get(ext).copied().unwrap_or_else(|| external_uid(ext));
        Ok(self.txn.schema_of(uid)?.map(|k| (uid, k)))
    }

    fn item(&mut self, mut item: Item) -> Result<(), ImportError> {
        if let (Some(case), "Case") = (self.stamp.case, item.kind.as_str()) {
            // Imported into a case, a report or an event is material of that case: a note
            // in it, and what it names becomes a member of it.
            self.known.insert(item.ext.clone(), case);
            let text: Vec<&str> = ["title", "summary"]
                .iter()
                .filter_map(|p| item.props.iter().find(|(q, _)| q == p).map(|(_, v)| v.as_str()))
                .collect();
            item.props = vec![("text".to_owned(), text.join("\n\n"))];
            "Note".clone_into(&mut item.kind);
            item.ext = format!("{}#note", item.ext);
            item.case = None;
        }
        let schema = Schema::builtin();
        let Ok(kind) = schema.kind(&item.kind) else {
            self.skip_record(&item, &format!("{}: no such kind", item.kind), &item.at);
            return Ok(());
        };
        if kind.name == "Case" && !item.props.iter().any(|(p, _)| p == "marking") {
            // A case read from a file is marked as its values are.
            let (marking, _) = self.marking_for(&item)?;
            item.prop("marking", marking.to_string());
        }
        if !item.again {
            for why in item.unreadable_markings() {
                self.report.unreadable_markings.add(why, &item.at);
            }
            for note in item.marking_notes() {
                self.report.marking_notes.add(note, &item.at);
            }
        }
        let values = self.validated(kind, &item)?;
        let own_values = values.iter().filter(|(p, _)| p != "externalId" && p != "externalData").count();
        if own_values == 0 && !item.props.is_empty() && !self.known.contains_key(&item.ext) {
            // Everything it said was refused: an empty record would only mislead.
            if self.resolve(&item.ext)?.is_none() {
                self.skip_record(&item, &format!("{}: no value Liaison accepts", kind.name), &item.at);
                return Ok(());
            }
        }
        let existing_uid = self.known.get(&item.ext).copied();
        let uid = existing_uid.unwrap_or_else(|| {
            observable_key(kind, &values)
                .map_or_else(|| external_uid(&item.ext), |key| observable_id(&kind.name, &key))
        });
        let mut created = false;
        match self.txn.schema_of(uid)? {
            Some(k) if k == kind.name => {}
            Some(k) => {
                self.skip_record(
                    &item,
                    &format!("{}: the same record exists as a {k}", kind.name),
                    &format!("{}: {}", item.at, item.ext),
                );
                return Ok(());
            }
            None => {
                let (src, dst) = match kind.category {
                    Category::Link => {
                        let Some(ends) = self.link_ends(kind, &item)? else { return Ok(()) };
                        (Some(ends.0), Some(ends.1))
                    }
                    Category::Internal if kind.source.is_some() => {
                        let owner = match &item.case {
                            Some(c) => self.resolve(c)?.filter(|(_, k)| k == "Case").map(|(u, _)| u),
                            None => self.stamp.case,
                        };
                        let Some(owner) = owner else {
                            self.skip_record(
                                &item,
                                &format!("{}: no case to put it in", kind.name),
                                &item.at,
                            );
                            return Ok(());
                        };
                        (Some(owner), None)
                    }
                    _ => (None, None),
                };
                self.txn.create(uid, &kind.name, src, dst)?;
                created = true;
            }
        }
        self.known.insert(item.ext.clone(), uid);
        let written = self.write(uid, kind, &item, values, created)?;
        // Each object read is counted once, as what became of it: read = created + merged +
        // unchanged + skipped. A record met again (a phone on many rows, two objects with one
        // value) was created by the first and merges the second.
        if item.derived {
            if created {
                *self.report.derived_by_kind.entry(kind.name.clone()).or_default() += 1;
            }
        } else if !item.again {
            let new_record = self.counted.insert(uid);
            let new_object = self.counted_ext.insert(item.ext.clone());
            if new_record {
                if created {
                    self.report.created += 1;
                    *self.report.created_by_kind.entry(kind.name.clone()).or_default() += 1;
                } else if written > 0 {
                    self.report.merged += 1;
                } else {
                    self.report.unchanged += 1;
                }
            } else if new_object {
                // Another object of the file (its own id) that converges on a record counted
                // already: merged into it.
                self.report.merged += 1;
            }
        }
        if kind.category == Category::Entity {
            for case in [self.stamp.case, self.item_case(&item)?].into_iter().flatten() {
                self.member(case, uid)?;
            }
        }
        Ok(())
    }

    /// A record not imported: an object of the file counts as skipped; parts of one pushed
    /// apart (more values, derived records) count with the values.
    fn skip_record(&mut self, item: &Item, reason: &str, detail: &str) {
        if item.again || item.derived {
            self.report.skipped_values.add(reason, detail);
        } else {
            self.report.skipped.add(reason, detail);
        }
    }

    fn item_case(&mut self, item: &Item) -> Result<Option<Uuid>, ImportError> {
        let Some(c) = &item.case else { return Ok(None) };
        Ok(self.resolve(c)?.filter(|(_, k)| k == "Case").map(|(u, _)| u))
    }

    fn member(&mut self, case: Uuid, entity: Uuid) -> Result<(), ImportError> {
        let m = crate::model::ids::member_id(case, entity);
        if self.txn.schema_of(m)?.is_none() {
            self.txn.add_member(case, entity, None)?;
        }
        Ok(())
    }

    /// The two ends of a link, both entities, or None (reported) when one is missing.
    fn link_ends(&mut self, kind: &Kind, item: &Item) -> Result<Option<(Uuid, Uuid)>, ImportError> {
        let Some((from, to)) = &item.ends else {
            self.skip_record(item, &format!("{}: one end is missing", kind.name), &item.at);
            return Ok(None);
        };
        let mut ends = [Uuid::nil(); 2];
        for (slot, ext) in ends.iter_mut().zip([from, to]) {
            match self.resolve(ext)? {
                Some((uid, k)) if is_entity(&k) => *slot = uid,
                Some((_, k)) => {
                    self.skip_record(
                        item,
                        &format!("{}: an end is a {k}, not an entity", kind.name),
                        &format!("{}: {ext}", item.at),
                    );
                    return Ok(None);
                }
                None => {
                    self.skip_record(
                        item,
                        &format!("{}: an end was not imported", kind.name),
                        &format!("{}: {ext}", item.at),
                    );
                    return Ok(None);
                }
            }
        }
        Ok(Some((ends[0], ends[1])))
    }

    /// The values of `item` the schema accepts, normalised; the others are reported.
    fn validated(&mut self, kind: &Kind, item: &Item) -> Result<Vec<(String, String)>, ImportError> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(item.props.len() + 2);
        for (prop, raw) in &item.props {
            let Some(p) = kind.properties.get(prop).filter(|_| !kind.is_endpoint(prop)) else {
                self.report.skipped_values.add(&format!("{}.{prop}: no such property", kind.name), &item.at);
                continue;
            };
            let value = if p.kind == PropType::Entity {
                if let Some((uid, _)) = self.resolve(raw)? {
                    uid.to_string()
                } else {
                    self.report.skipped_values.add(
                        &format!("{}.{prop}: refers to a record not imported", kind.name),
                        &format!("{}: {raw}", item.at),
                    );
                    continue;
                }
            } else {
                // Windows line ends are line ends, not control characters.
                let raw = if p.kind == PropType::Text && raw.contains('\r') {
                    std::borrow::Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
                } else {
                    std::borrow::Cow::Borrowed(raw.as_str())
                };
                match validate(kind, prop, &raw, self.locale) {
                    Ok(v) => v,
                    Err(e) => {
                        let why = match &e {
                            crate::model::ModelError::BadValue { why, .. } => why.to_string(),
                            // The reason already names the kind and property.
                            crate::model::ModelError::Text(t) => {
                                crate::model::text::TextError { field: "value".into(), ..t.clone() }
                                    .to_string()
                            }
                            other => other.to_string(),
                        };
                        let shown: String = raw.chars().take(60).collect();
                        self.report
                            .skipped_values
                            .add(&format!("{}.{prop}: {why}", kind.name), &format!("{}: {shown:?}", item.at));
                        continue;
                    }
                }
            };
            if !out.iter().any(|(q, v)| q == prop && *v == value) {
                out.push((prop.clone(), value));
            }
        }
        // Other tools' ids are kept; a CSV row's key is Liaison's own and means nothing outside.
        let foreign = ["ftm:", "stix:", "misp:"].iter().any(|p| item.ext.starts_with(p));
        if foreign && kind.properties.contains_key("externalId") && !item.again && !item.derived {
            out.push(("externalId".into(), item.ext.clone()));
        }
        if let Some(raw) = &item.raw {
            if kind.properties.contains_key("externalData") {
                let (parts, too_long) = super::record::split_json(raw);
                for key in too_long {
                    self.report.skipped_values.add(
                        &format!("{}: data without a Liaison property is too long to keep", kind.name),
                        &format!("{}: {key}", item.at),
                    );
                }
                for part in parts {
                    match validate(kind, "externalData", &part, self.locale) {
                        Ok(v) => out.push(("externalData".into(), v)),
                        Err(e) => self
                            .report
                            .skipped_values
                            .add(&format!("{}.externalData: {e}", kind.name), &item.at),
                    }
                }
            }
        }
        Ok(out)
    }

    fn write(
        &mut self,
        uid: Uuid,
        kind: &Kind,
        item: &Item,
        values: Vec<(String, String)>,
        brand_new: bool,
    ) -> Result<u64, ImportError> {
        if values.is_empty() {
            return Ok(0);
        }
        let source = self.source()?;
        let (marking, from) = self.marking_for(item)?;
        let marking_text = marking.to_string();
        let grade = self.stamp.grade.as_ref().or(item.grade.as_ref()).map(ToString::to_string);
        let case = self.stamp.case;
        let mut written = 0;
        for (prop, value) in values {
            let single = kind.properties.get(&prop).is_some_and(|p| p.single);
            let a = Assertion {
                prop,
                value,
                source: Some(source),
                grade: grade.clone(),
                marking: marking_text.clone(),
                valid_from: None,
                valid_to: None,
                case,
            };
            if !brand_new && self.txn.holds(uid, &a)? {
                continue;
            }
            if single {
                self.txn.set(uid, a)?;
            } else {
                self.txn.add(uid, a)?;
            }
            written += 1;
        }
        self.report.values_written += written;
        self.report.took_marking(&marking_text, &from, written);
        Ok(written)
    }
}

fn is_entity(kind: &str) -> bool {
    Schema::builtin().kind(kind).is_ok_and(|k| k.category == Category::Entity)
}

/// A case's marking (None when it has none or it cannot be read: the office default then
/// applies, never CLEAR) and its reference, for the report.
fn case_info(txn: &Txn<'_>, case: Uuid) -> Result<(Option<Marking>, String), ImportError> {
    let live = |prop: &str| -> Result<Vec<String>, ImportError> {
        let mut stmt = txn.conn().prepare(
            "SELECT s.value FROM stmt s JOIN object o ON o.n = s.obj
             WHERE o.uid = ?1 AND s.prop = ?2 AND s.live = 1",
        )?;
        let rows = stmt.query_map(rusqlite::params![case.as_bytes(), prop], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    // Two offices' markings in conflict: both apply, the stricter holding.
    let marking = live("marking")?.iter().filter_map(|t| Marking::parse(t).ok()).reduce(|a, b| a.join(&b));
    let reference = live("reference")?.into_iter().min().unwrap_or_else(|| case.to_string());
    Ok((marking, reference))
}

impl Sink for StoreSink<'_, '_> {
    fn producer(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || self.producer.as_deref() == Some(name) {
            return;
        }
        // The producer names the source: under the text rule, or reported and left out.
        if let Err(e) = crate::model::text::check("producer", name, crate::model::text::Rule::Name) {
            let shown: String = name.chars().take(60).collect();
            self.report.skipped_values.add(&format!("the file's producer: {e}"), &format!("{shown:?}"));
            return;
        }
        self.producer = Some(name.to_owned());
        if self.stamp.source.is_none() {
            self.source = None;
        }
    }

    fn read(&mut self) {
        self.report.read += 1;
    }

    fn record(&mut self, rec: Record) -> Result<(), ImportError> {
        match rec {
            Record::Item(item) => self.item(item),
            Record::Member { at, case, entity } => {
                let case = self.resolve(&case)?.filter(|(_, k)| k == "Case");
                let entity = self.resolve(&entity)?.filter(|(_, k)| is_entity(k));
                if let (Some((c, _)), Some((e, _))) = (case, entity) {
                    self.member(c, e)
                } else {
                    self.report
                        .skipped_values
                        .add("case member: the case or the entity was not imported", &at);
                    Ok(())
                }
            }
        }
    }

    fn skip(&mut self, reason: &str, detail: &str) {
        self.report.skipped.add(reason, detail);
    }

    fn fault(&mut self, reason: &str, detail: &str, whole_object: bool) {
        if !self.stamp.strict {
            if whole_object {
                self.report.skipped.add(reason, detail);
            } else {
                self.report.skipped_values.add(reason, detail);
            }
        } else if self.fault.is_none() {
            self.fault = Some((detail.to_owned(), reason.to_owned()));
        }
    }

    fn progress(&mut self, done: u64, total: u64) {
        (self.progress)(done, total);
    }
}
