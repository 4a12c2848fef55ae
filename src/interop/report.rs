//! What an import or export did, for the analyst (text) and for scripts (`--json`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::text;

/// Examples kept for each reason something was skipped.
const EXAMPLES: usize = 3;

/// Things left out, grouped by reason, with a few examples of each.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Skips {
    pub total: u64,
    pub reasons: BTreeMap<String, Skipped>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub count: u64,
    pub examples: Vec<String>,
}

impl Skips {
    pub fn add(&mut self, reason: &str, detail: &str) {
        self.total += 1;
        let entry = self.reasons.entry(reason.to_owned()).or_default();
        entry.count += 1;
        if entry.examples.len() < EXAMPLES && !detail.is_empty() {
            entry.examples.push(detail.chars().take(200).collect());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn print(&self, what: &str) {
        if self.is_empty() {
            return;
        }
        println!("{what} ({}):", self.total);
        for (reason, s) in &self.reasons {
            // Reasons and examples quote the file: shown escaped, never raw (model::text).
            println!("  {:>7}  {}", s.count, text::for_terminal(reason));
            for e in &s.examples {
                println!("           e.g. {}", text::for_terminal(e));
            }
        }
    }
}

/// How many values took one marking, and where it came from ("from the file", "from
/// --marking", "from case OP-7", "office default", or several joined by "and").
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct MarkingTally {
    pub marking: String,
    pub from: String,
    pub values: u64,
}

/// The report of one import (`liaison import --format …`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub file: String,
    pub format: String,
    /// The Source record named on every imported statement.
    pub source: String,
    pub dry_run: bool,
    /// When the same bytes were imported before with the same options (nothing was read).
    pub already_imported: Option<String>,
    /// Objects read from the file (lines, STIX objects, MISP attributes and objects, rows).
    pub read: u64,
    /// Records that did not exist and were created.
    pub created: u64,
    /// Records that existed (an earlier import, an observable another source entered) and
    /// received new values.
    pub merged: u64,
    /// Records that existed with every value read.
    pub unchanged: u64,
    /// Records created, by kind.
    pub created_by_kind: BTreeMap<String, u64>,
    pub values_written: u64,
    /// Values written, by marking and where the marking came from.
    pub markings: Vec<MarkingTally>,
    /// Markings the file names that cannot be read (missing from the file, statements,
    /// unknown types), each with the objects it affected: those took the fallback marking.
    pub unreadable_markings: Skips,
    /// How markings were read that the analyst should know (a MISP sharing group read as
    /// TLP:AMBER+STRICT), with the objects concerned.
    pub marking_notes: Skips,
    /// Objects not imported, by reason: read = created + merged + unchanged + skipped.
    pub skipped: Skips,
    /// Values refused (out of range, placeholder, not of their type) in records that were
    /// imported, by reason.
    pub skipped_values: Skips,
    /// Records made from what objects name (an indicator pattern's observables, embedded
    /// observables, links between them), by kind: not objects of the file, so apart.
    pub derived_by_kind: BTreeMap<String, u64>,
    /// Ops written to the store (0: the import changed nothing).
    pub ops: u64,
    pub changed: bool,
    /// Statements of the file naming a watched selector or record (`liaison watch`).
    pub watch_alerts: Vec<crate::store::watch::Alert>,
}

impl ImportReport {
    /// Counts `values` written under `marking`, taken `from` where it says.
    pub fn took_marking(&mut self, marking: &str, from: &str, values: u64) {
        if values == 0 {
            return;
        }
        if let Some(t) = self.markings.iter_mut().find(|t| t.marking == marking && t.from == from) {
            t.values += values;
        } else {
            self.markings.push(MarkingTally { marking: marking.into(), from: from.into(), values });
            self.markings.sort_by(|a, b| (&a.marking, &a.from).cmp(&(&b.marking, &b.from)));
        }
    }

    /// The marking lines of the report: "  12  TLP:AMBER  from case OP-7", then the markings
    /// that could not be read and how markings were read.
    pub fn marking_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in &self.markings {
            out.push(format!("{:>7}  {}  {}", t.values, t.marking, t.from));
        }
        for (why, s) in &self.unreadable_markings.reasons {
            out.push(format!(
                "unreadable marking {why}: {} object{}, given the fallback marking as well",
                s.count,
                if s.count == 1 { "" } else { "s" }
            ));
        }
        for (note, s) in &self.marking_notes.reasons {
            out.push(format!("{note} ({} object{})", s.count, if s.count == 1 { "" } else { "s" }));
        }
        out
    }

    pub fn print(&self) {
        let verb = if self.dry_run { "Would import" } else { "Imported" };
        if let Some(at) = &self.already_imported {
            println!(
                "{} ({}) was already imported on {at}: nothing changed.",
                text::for_terminal(&self.file),
                self.format
            );
            return;
        }
        println!("{verb} {} ({}) with source {:?}", text::for_terminal(&self.file), self.format, self.source);
        println!(
            "  read {} · created {} · merged into existing {} · unchanged {} · skipped {}",
            self.read, self.created, self.merged, self.unchanged, self.skipped.total
        );
        for (kind, n) in &self.created_by_kind {
            println!("  {n:>7}  {kind}");
        }
        let derived: u64 = self.derived_by_kind.values().sum();
        if derived > 0 {
            println!("  and {derived} records made from what the objects name:");
            for (kind, n) in &self.derived_by_kind {
                println!("  {n:>7}  {kind}");
            }
        }
        if self.dry_run {
            println!("  {} values would be written; nothing was (dry run)", self.values_written);
        } else {
            println!("  {} values written, {} ops", self.values_written, self.ops);
        }
        if !self.markings.is_empty() || !self.unreadable_markings.is_empty() {
            println!(
                "Markings{}:",
                if self.dry_run { " the values would take" } else { " of the values written" }
            );
            for l in self.marking_lines() {
                println!("  {}", text::for_terminal(&l));
            }
        }
        if !self.changed && !self.dry_run {
            if self.skipped.is_empty() && self.skipped_values.is_empty() {
                println!("  Nothing changed: everything in the file was already in the store.");
            } else {
                println!(
                    "  Nothing changed: what was imported was already in the store; {} objects and {} values were skipped.",
                    self.skipped.total, self.skipped_values.total
                );
            }
        }
        self.skipped.print("Skipped objects");
        self.skipped_values.print("Skipped values");
    }
}

/// The report of one export (`liaison export --format …`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ExportReport {
    pub file: String,
    pub format: String,
    pub case: Option<String>,
    /// Records written, by kind (or by the format's own object type).
    pub written: BTreeMap<String, u64>,
    /// What the format cannot carry, by reason.
    pub left_out: Skips,
    /// Who the file is for, and what was left out because that reader may not have it.
    pub release: super::export::Released,
}

impl ExportReport {
    pub fn wrote(&mut self, what: &str) {
        *self.written.entry(what.to_owned()).or_default() += 1;
    }

    pub fn print(&self) {
        let total: u64 = self.written.values().sum();
        match self.written.get("event") {
            // A MISP file is events: say how many, then what they hold.
            Some(&events) if self.format == "misp" => println!(
                "Exported {events} event{} ({total} objects in all) to {} (misp)",
                if events == 1 { "" } else { "s" },
                self.file
            ),
            _ => println!("Exported {total} objects to {} ({})", self.file, self.format),
        }
        for (what, n) in &self.written {
            println!("  {n:>7}  {what}");
        }
        self.release.print();
        self.left_out.print("Not carried by this format");
    }
}
