//! The file import screen, its state and its `update`: a small form (file, format, CSV
//! mapping, case, source, grade, marking), then the library's dry run as a preview (which
//! says the marking each value takes and from where), a confirm step, and the import on the
//! worker.

use std::path::PathBuf;

use crate::interop::{ImportFormat, ImportReport as FileReport};
use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::tui::action::Action;
use crate::tui::message::{Effect, ExchangeJob, FileImport, Outcome, Query};
use crate::tui::requests::{query, reload, start_job};
use crate::tui::state::Mode;
use crate::tui::state::{Popup, State};
use crate::tui::widgets::TextInput;
use crate::tui::widgets::path_complete::{PathTab, TabResult};
use crate::tui::widgets::text_input::MAX_PATH_CHARS;

/// The formats offered, in the order the format field cycles through them.
pub const FORMATS: [ImportFormat; 4] =
    [ImportFormat::Stix, ImportFormat::Misp, ImportFormat::Ftm, ImportFormat::Csv];

/// The fields of the file import form, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportField {
    Path,
    Format,
    Mapping,
    Case,
    Source,
    Grade,
    Marking,
}

impl ImportField {
    pub const ALL: [ImportField; 7] = [
        ImportField::Path,
        ImportField::Format,
        ImportField::Mapping,
        ImportField::Case,
        ImportField::Source,
        ImportField::Grade,
        ImportField::Marking,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ImportField::Path => "File",
            ImportField::Format => "Format",
            ImportField::Mapping => "CSV mapping",
            ImportField::Case => "Into case",
            ImportField::Source => "Source",
            ImportField::Grade => "Grade",
            ImportField::Marking => "Marking",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportStep {
    Form,
    Working,
    Preview(FileImport, FileReport),
    Done(Result<FileReport, String>),
}

#[derive(Debug)]
pub struct ImportScreen {
    pub path: String,
    pub format: ImportFormat,
    pub mapping: String,
    pub case: String,
    /// Prefilled with the file's name until the analyst types one.
    pub source: String,
    pub source_typed: bool,
    pub grade: String,
    /// Prefilled with the target case's marking until the analyst types one; empty (the
    /// office default) when there is no case or its marking is not known here.
    pub marking: String,
    pub marking_typed: bool,
    /// Markings of the cases the workbench has listed, by reference, for the prefill.
    pub case_markings: Vec<(String, String)>,
    pub focus: ImportField,
    pub error: Option<String>,
    pub step: ImportStep,
    /// The analyst chose the format: the file's is no longer read.
    pub format_typed: bool,
    /// The format the file's name or start says (see [`detect`]), once read.
    pub detected: Option<&'static str>,
    /// Tab completion of the file and mapping paths.
    pub tab: PathTab,
    /// After an import that wrote something: how many of its records match records already
    /// held, as `liaison import` says it (`Ok(None)`: none); `None` while counting.
    pub matches: Option<Result<Option<String>, String>>,
}

impl ImportScreen {
    /// The form, with the case the analyst is working in already filled in, and its marking
    /// as the marking the values take where the file says nothing.
    pub fn new(case: Option<&str>, case_markings: Vec<(String, String)>) -> ImportScreen {
        let mut s = ImportScreen {
            path: String::new(),
            format: ImportFormat::Stix,
            mapping: String::new(),
            case: case.unwrap_or_default().to_owned(),
            source: String::new(),
            source_typed: false,
            grade: String::new(),
            marking: String::new(),
            marking_typed: false,
            case_markings,
            focus: ImportField::Path,
            error: None,
            step: ImportStep::Form,
            format_typed: false,
            detected: None,
            tab: PathTab::default(),
            matches: None,
        };
        s.prefill();
        s
    }

    /// The file's name as source and the case's marking as marking, where the analyst has
    /// not typed their own.
    pub fn prefill(&mut self) {
        if !self.source_typed {
            let path = std::path::Path::new(self.path.trim());
            self.source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        }
        if !self.marking_typed {
            let case = self.case.trim();
            self.marking = self
                .case_markings
                .iter()
                .find(|(r, _)| !case.is_empty() && r.eq_ignore_ascii_case(case))
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
        }
    }

    /// The format the file says it is, unless the analyst chose one. A format Liaison only
    /// writes (GraphML, ANX) is refused here, before any reading: false, with the error.
    pub fn detect_format(&mut self) -> bool {
        if self.format_typed {
            return true;
        }
        self.detected = detect(std::path::Path::new(self.path.trim()));
        let Some(name) = self.detected else { return true };
        if let Some(f) = FORMATS.iter().find(|f| f.name() == name) {
            self.format = *f;
            return true;
        }
        self.error = Some(format!(
            "{name} files are what Liaison exports for other tools; it imports STIX, MISP, FtM and CSV."
        ));
        false
    }

    /// The text of the focused field when it holds a path (the file, the CSV mapping).
    fn path_field(&mut self) -> Option<&mut String> {
        match self.focus {
            ImportField::Path => Some(&mut self.path),
            ImportField::Mapping => Some(&mut self.mapping),
            _ => None,
        }
    }

    /// Focus moves by `by` fields; leaving the file field reads its format.
    fn step_focus(&mut self, by: isize) {
        if self.focus == ImportField::Path {
            let _ = self.detect_format();
        }
        self.tab.clear();
        self.focus = field_step(self.focus, by);
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            ImportStep::Form => Mode::Input,
            ImportStep::Preview(..) => Mode::Confirm,
            ImportStep::Working | ImportStep::Done(_) => Mode::Exchange,
        }
    }

    /// The text of a typed field (None for the format choice).
    pub fn text(&self, field: ImportField) -> Option<&str> {
        match field {
            ImportField::Path => Some(&self.path),
            ImportField::Mapping => Some(&self.mapping),
            ImportField::Case => Some(&self.case),
            ImportField::Source => Some(&self.source),
            ImportField::Grade => Some(&self.grade),
            ImportField::Marking => Some(&self.marking),
            ImportField::Format => None,
        }
    }
}

/// Opens the import form, the case being worked in filled in, and its marking.
pub fn open(state: &mut State) -> Vec<Effect> {
    let case = state.current_case().map(|c| c.reference.clone());
    let markings: Vec<(String, String)> = state
        .cases
        .rows
        .iter()
        .filter(|c| !c.marking.trim().is_empty())
        .map(|c| (c.reference.clone(), c.marking.clone()))
        .collect();
    state.popup = Some(Popup::Import(ImportScreen::new(case.as_deref(), markings)));
    Vec::new()
}

/// The format a typed letter picks (its initial), or the next one for a space.
fn pick_format(current: ImportFormat, c: char) -> ImportFormat {
    if c == ' ' {
        let i = FORMATS.iter().position(|f| *f == current).unwrap_or(0);
        return FORMATS[(i + 1) % FORMATS.len()];
    }
    FORMATS.iter().copied().find(|f| f.name().starts_with(c.to_ascii_lowercase())).unwrap_or(current)
}

fn field_step(focus: ImportField, by: isize) -> ImportField {
    let all = ImportField::ALL;
    let i = all.iter().position(|f| *f == focus).unwrap_or(0) as isize;
    all[(i + by).rem_euclid(all.len() as isize) as usize]
}

/// The form as a job, or what is missing.
fn request(s: &ImportScreen) -> Result<FileImport, String> {
    let path = s.path.trim();
    if path.is_empty() {
        return Err("Type the path of the file to import.".into());
    }
    let mapping = Some(s.mapping.trim()).filter(|m| !m.is_empty()).map(PathBuf::from);
    match (s.format, &mapping) {
        (ImportFormat::Csv, None) => {
            return Err("CSV needs a column mapping file (assets/mappings/ has examples).".into());
        }
        (ImportFormat::Csv, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err("A mapping is for CSV files only: clear it or choose csv.".into()),
    }
    let grade = Some(s.grade.trim()).filter(|g| !g.is_empty());
    if let Some(g) = grade {
        Grade::parse(g).map_err(|e| format!("Grade: {e}"))?;
    }
    // Typed by the analyst: it applies (joined with the file's, so it can only narrow). Left
    // as prefilled: the library gives the same fallback (the case's, else the office's).
    let marking = Some(s.marking.trim()).filter(|m| s.marking_typed && !m.is_empty());
    if let Some(m) = marking {
        Marking::parse(m).map_err(|e| format!("Marking: {e}"))?;
    }
    Ok(FileImport {
        path: PathBuf::from(path),
        format: s.format,
        mapping,
        case: Some(s.case.trim().to_owned()).filter(|c| !c.is_empty()),
        source: Some(s.source.trim().to_owned()).filter(|t| s.source_typed && !t.is_empty()),
        grade: grade.map(str::to_owned),
        marking: marking.map(str::to_owned),
    })
}

fn file_name(file: &FileImport) -> String {
    file.path
        .file_name()
        .map_or_else(|| file.path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

pub fn import(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Popup::Import(s)) = &mut state.popup else { return Vec::new() };
    match &s.step {
        ImportStep::Form => {
            if s.focus == ImportField::Format {
                if let Action::TypeChar(c) = action {
                    s.format = pick_format(s.format, *c);
                    s.format_typed = true;
                    return Vec::new();
                }
            } else {
                let field = match s.focus {
                    ImportField::Path => &mut s.path,
                    ImportField::Mapping => &mut s.mapping,
                    ImportField::Case | ImportField::Format => &mut s.case,
                    ImportField::Source => &mut s.source,
                    ImportField::Grade => &mut s.grade,
                    ImportField::Marking => &mut s.marking,
                };
                if action.edit(TextInput::new(field, MAX_PATH_CHARS)) {
                    // Once edited, a field is the analyst's (left empty: the library's default).
                    match s.focus {
                        ImportField::Source => s.source_typed = true,
                        ImportField::Marking => s.marking_typed = true,
                        ImportField::Path | ImportField::Mapping => s.tab.clear(),
                        _ => {}
                    }
                    s.prefill();
                    s.error = None;
                    return Vec::new();
                }
            }
            match action {
                // On a path, Tab completes it first (the folder is read on the worker).
                Action::NextField => match s.path_field() {
                    Some(text) => {
                        let typed = text.clone();
                        let ticket = state.ticket();
                        if let Some(Popup::Import(s)) = &mut state.popup {
                            s.tab.ask(ticket, &typed);
                        }
                        return vec![Effect::Query(ticket, Query::Folder { typed })];
                    }
                    None => s.step_focus(1),
                },
                Action::PrevField => s.step_focus(-1),
                // The file's own format, unless the analyst chose one.
                Action::Submit if !s.detect_format() => {}
                Action::Submit => match request(s) {
                    Ok(file) => {
                        s.error = None;
                        s.step = ImportStep::Working;
                        let label = format!("Reading {}", file_name(&file));
                        return start_job(state, label, ExchangeJob::PreviewFile(file));
                    }
                    Err(e) => s.error = Some(e),
                },
                Action::Cancel => state.popup = None,
                _ => {}
            }
        }
        ImportStep::Preview(file, _) => match action {
            Action::Submit => {
                let file = file.clone();
                s.step = ImportStep::Working;
                let label = format!("Importing {}", file_name(&file));
                return start_job(state, label, ExchangeJob::ImportFile(file));
            }
            Action::Cancel => {
                s.step = ImportStep::Form;
                state.info("Nothing was imported.");
            }
            _ => {}
        },
        ImportStep::Working => {
            if matches!(action, Action::Cancel | Action::CancelJob) {
                state.info("An import is one transaction: it finishes or changes nothing; wait for it.");
            }
        }
        ImportStep::Done(_) => {
            if matches!(action, Action::Submit | Action::Cancel | Action::Quit | Action::ImportFile) {
                state.popup = None;
            }
        }
    }
    Vec::new()
}

/// The folder of a typed path was listed: Tab completes the file or mapping path; when there
/// is nothing to add, it moves to the next field. A file named whole gives its format.
pub fn listed(state: &mut State, ticket: u64, typed: &str, names: &[String], more: bool) -> Vec<Effect> {
    let Some(Popup::Import(s)) = &mut state.popup else { return Vec::new() };
    if s.step != ImportStep::Form {
        return Vec::new();
    }
    if s.path_field().is_none() {
        return Vec::new();
    }
    match s.tab.answer(ticket, typed, names, more) {
        Some(TabResult::Completed(done)) => {
            let whole = !done.ends_with('/') && s.tab.shown.is_empty();
            if let Some(text) = s.path_field() {
                *text = done;
            }
            if whole && s.focus == ImportField::Path {
                let _ = s.detect_format();
                s.prefill();
            }
        }
        Some(TabResult::Nothing { .. }) => s.step_focus(1),
        _ => {}
    }
    Vec::new()
}

/// The format a file is in, as the command line's `import` reads it
/// ([`crate::interop::detect_format`]: its first bytes, bounded, the name as a hint).
/// `None`: neither says, or the file is a bundle (imported from the exchange screen); the
/// format field stays as it is.
pub fn detect(path: &std::path::Path) -> Option<&'static str> {
    use crate::interop::detect::Format;
    match crate::interop::detect_format(path).ok()?? {
        Format::Stix => Some("stix"),
        Format::Misp => Some("misp"),
        Format::Ftm => Some("ftm"),
        Format::Csv => Some("csv"),
        Format::Graphml => Some("graphml"),
        Format::Anx => Some("anx"),
        Format::Bundle => None,
    }
}

/// A file job ended: its report goes on the import screen and in the status bar, and the
/// panes reload when the store changed.
pub fn outcome(state: &mut State, outcome: Outcome) -> Vec<Effect> {
    state.job = None;
    let (step, changed) = next_step(state, outcome);
    if let Some(Popup::Import(s)) = &mut state.popup {
        s.step = step;
        // The preview's count of matches is not the import's.
        s.matches = None;
    }
    let mut effects = Vec::new();
    if changed {
        effects.extend(reload(state));
        effects.push(query(state, Query::Stats));
    }
    effects
}

/// The records the import brought in, compared with those already held (issue 13).
pub fn matches(state: &mut State, line: Result<Option<String>, String>) -> Vec<Effect> {
    if let Some(Popup::Import(s)) = &mut state.popup {
        // After the import the line is news for the status bar too (as the command line's
        // last line); during the preview the status bar says how to go on.
        if let (Ok(Some(l)), ImportStep::Done(_)) = (&line, &s.step) {
            state.message = Some(crate::tui::state::Message { text: l.clone(), error: false });
        }
        s.matches = Some(line);
    }
    Vec::new()
}

/// Where the import screen goes after a file job, and whether the store changed.
fn next_step(state: &mut State, outcome: Outcome) -> (ImportStep, bool) {
    match outcome {
        Outcome::FilePreview(file, Ok(report)) if report.already_imported.is_none() => {
            state.info("What the file would bring: y or Enter imports it, Esc goes back to the form.");
            (ImportStep::Preview(file, report), false)
        }
        Outcome::FilePreview(_, result) | Outcome::FileImported(result) => {
            let mut changed = false;
            match &result {
                Ok(r) if r.already_imported.is_some() => state.info(format!(
                    "{} was already imported ({}): nothing changed.",
                    r.file,
                    r.already_imported.as_deref().unwrap_or_default()
                )),
                Ok(r) => {
                    changed = r.changed;
                    state.info(format!(
                        "Imported {}: {} read, {} created, {} merged, {} skipped.",
                        r.file, r.read, r.created, r.merged, r.skipped.total
                    ));
                }
                Err(e) => state.error(e.clone()),
            }
            (ImportStep::Done(result), changed)
        }
        _ => (ImportStep::Form, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_read_from_the_file_as_the_command_line_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        assert_eq!(detect(&file("b.json", "{\n  \"type\" : \"bundle\",\n\"objects\": []}")), Some("stix"));
        assert_eq!(detect(&file("e.json", r#"{"Event": {"info": "x"}}"#)), Some("misp"));
        assert_eq!(
            detect(&file("f.ftm.json", "{\"id\": \"x\", \"schema\": \"Person\", \"properties\": {}}\n")),
            Some("ftm")
        );
        assert_eq!(detect(&file("calls.csv", "caller,receiver\n1,2\n")), Some("csv"));
        assert_eq!(detect(&file("g.json", r#"{"anything": 1}"#)), None);
        assert_eq!(detect(&dir.path().join("missing.json")), None);
    }

    #[test]
    fn an_export_only_format_is_refused_and_a_chosen_format_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ImportScreen::new(None, Vec::new());
        let graphml = dir.path().join("net.graphml");
        std::fs::write(
            &graphml,
            "<?xml version=\"1.0\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\"></graphml>\n",
        )
        .unwrap();
        s.path = graphml.display().to_string();
        assert!(!s.detect_format());
        assert!(s.error.as_deref().is_some_and(|e| e.contains("graphml")), "{:?}", s.error);
        s.error = None;
        s.path = "calls.csv".into();
        s.format = ImportFormat::Misp;
        s.format_typed = true;
        assert!(s.detect_format());
        assert_eq!(s.format, ImportFormat::Misp, "the analyst's choice stands");
    }
}
