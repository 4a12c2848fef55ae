//! Exports: what a case (or the whole store) holds, read page by page from the store and
//! written by one writer per format. A writer maps what its format can carry and reports the
//! rest; it never writes something invalid to look complete. The file appears only when it
//! is complete (written beside its final name, then renamed).

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use rusqlite::params;
use uuid::Uuid;

use super::ImportError;
use super::report::ExportReport;
use crate::model::hlc::Hlc;
use crate::model::schema::{Category, Kind, Schema};
use crate::store::query::TimelineScope;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Stix,
    Ftm,
    Misp,
    Graphml,
    Anx,
    TimelineCsv,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Stix => "stix",
            ExportFormat::Ftm => "ftm",
            ExportFormat::Misp => "misp",
            ExportFormat::Graphml => "graphml",
            ExportFormat::Anx => "anx",
            ExportFormat::TimelineCsv => "timeline-csv",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Only this case's network; otherwise everything in the store.
    pub case: Option<Uuid>,
}

/// One live statement of a record.
#[derive(Debug, Clone)]
pub struct Value {
    pub prop: String,
    pub value: String,
    pub grade: Option<String>,
    pub marking: String,
    pub source: Option<String>,
}

/// A record to export, with its live values.
#[derive(Debug, Clone)]
pub struct Rec {
    pub n: i64,
    pub uid: Uuid,
    pub kind: &'static Kind,
    pub src: Option<i64>,
    pub dst: Option<i64>,
    pub caption: String,
    pub grade: Option<String>,
    pub marking: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub updated: chrono::DateTime<chrono::Utc>,
    pub values: Vec<Value>,
}

impl Rec {
    pub fn first(&self, prop: &str) -> Option<&str> {
        self.values.iter().find(|v| v.prop == prop).map(|v| v.value.as_str())
    }

    pub fn all<'a>(&'a self, prop: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values.iter().filter(move |v| v.prop == prop).map(|v| v.value.as_str())
    }

    /// The id another tool gave this record, if it was imported with one of `prefix`.
    pub fn external(&self, prefix: &str) -> Option<&str> {
        self.all("externalId").find_map(|e| e.strip_prefix(prefix))
    }
}

/// What an export covers: a case's members, the links among them, the case and its notes;
/// or every live entity, link and case of the store.
pub struct Dataset<'s> {
    pub store: &'s Store,
    pub case: Option<(i64, Uuid)>,
    /// Local number → uid of every entity exported (links are exported when both ends are).
    pub entities: HashMap<i64, Uuid>,
}

impl<'s> Dataset<'s> {
    pub fn new(store: &'s Store, case: Option<Uuid>) -> Result<Dataset<'s>, ImportError> {
        let case = match case {
            Some(uid) => Some((
                store.object_n(uid)?.ok_or_else(|| StoreError::NotFound(format!("no case {uid}")))?,
                uid,
            )),
            None => None,
        };
        let mut ds = Dataset { store, case, entities: HashMap::new() };
        for n in ds.entity_numbers()? {
            let uid: Vec<u8> =
                store.conn().query_row("SELECT uid FROM object WHERE n = ?1", [n], |r| r.get(0))?;
            ds.entities.insert(n, Uuid::from_slice(&uid).unwrap_or_default());
        }
        Ok(ds)
    }

    fn numbers(&self, sql: &str) -> Result<Vec<i64>, ImportError> {
        let anchor = self.case.map_or(0, |c| c.0);
        let rows = self
            .store
            .conn()
            .prepare(sql)
            .map_err(StoreError::from)?
            .query_map([anchor], |r| r.get(0))
            .map_err(StoreError::from)?
            .collect::<Result<Vec<i64>, _>>()
            .map_err(StoreError::from)?;
        Ok(rows)
    }

    fn kinds(category: Category) -> String {
        let names: Vec<String> = Schema::builtin()
            .kinds()
            .filter(|k| k.category == category && k.name != "CaseMember")
            .map(|k| format!("'{}'", k.name))
            .collect();
        format!("({})", names.join(","))
    }

    fn entity_numbers(&self) -> Result<Vec<i64>, ImportError> {
        let entities = Self::kinds(Category::Entity);
        if self.case.is_some() {
            self.numbers(&format!(
                "SELECT e.n FROM object m JOIN object e ON e.n = m.dst
                 WHERE m.src = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.deleted = 0
                   AND e.schema IN {entities} ORDER BY e.n"
            ))
        } else {
            self.numbers(&format!(
                "SELECT n FROM object WHERE ?1 = 0 AND deleted = 0 AND schema IN {entities} ORDER BY n"
            ))
        }
    }

    /// Entities, in the order they were first stored.
    pub fn entity_list(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self.entities.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Links whose two ends are exported.
    pub fn link_list(&self) -> Result<Vec<i64>, ImportError> {
        let links = Self::kinds(Category::Link);
        let all = self.numbers(&format!(
            "SELECT n FROM object WHERE ?1 = ?1 AND deleted = 0 AND schema IN {links} ORDER BY n"
        ))?;
        let mut out = Vec::new();
        for n in all {
            let (src, dst): (Option<i64>, Option<i64>) = self
                .store
                .conn()
                .prepare_cached("SELECT src, dst FROM object WHERE n = ?1")
                .map_err(StoreError::from)?
                .query_row([n], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(StoreError::from)?;
            if src.is_some_and(|s| self.entities.contains_key(&s))
                && dst.is_some_and(|d| self.entities.contains_key(&d))
            {
                out.push(n);
            }
        }
        Ok(out)
    }

    /// The exported case, or every case.
    pub fn case_list(&self) -> Result<Vec<i64>, ImportError> {
        match self.case {
            Some((n, _)) => Ok(vec![n]),
            None => self
                .numbers("SELECT n FROM object WHERE ?1 = 0 AND schema = 'Case' AND deleted = 0 ORDER BY n"),
        }
    }

    /// Notes of case `n`.
    pub fn notes_of(&self, case: i64) -> Result<Vec<i64>, ImportError> {
        self.numbers_for(
            "SELECT n FROM object WHERE src = ?1 AND schema = 'Note' AND deleted = 0 ORDER BY n",
            case,
        )
    }

    /// Members of case `n` that are exported.
    pub fn members_of(&self, case: i64) -> Result<Vec<i64>, ImportError> {
        Ok(self
            .numbers_for(
                "SELECT dst FROM object WHERE src = ?1 AND schema = 'CaseMember' AND deleted = 0 ORDER BY dst",
                case,
            )?
            .into_iter()
            .filter(|n| self.entities.contains_key(n))
            .collect())
    }

    fn numbers_for(&self, sql: &str, n: i64) -> Result<Vec<i64>, ImportError> {
        Ok(self
            .store
            .conn()
            .prepare_cached(sql)
            .map_err(StoreError::from)?
            .query_map([n], |r| r.get(0))
            .map_err(StoreError::from)?
            .collect::<Result<Vec<i64>, _>>()
            .map_err(StoreError::from)?)
    }

    /// One record with its live values.
    pub fn record(&self, n: i64) -> Result<Rec, ImportError> {
        let conn = self.store.conn();
        let (uid, schema, src, dst, caption, grade, marking, created, updated): (
            Vec<u8>,
            String,
            Option<i64>,
            Option<i64>,
            String,
            Option<String>,
            String,
            i64,
            i64,
        ) = conn
            .prepare_cached(
                "SELECT uid, schema, src, dst, caption, grade, marking, created, updated FROM object WHERE n = ?1",
            )
            .map_err(StoreError::from)?
            .query_row([n], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
            })
            .map_err(StoreError::from)?;
        let kind = Schema::builtin().kind(&schema)?;
        let values = conn
            .prepare_cached(
                "SELECT s.prop, s.value, s.grade, s.marking, src.caption FROM stmt s
                 LEFT JOIN object src ON src.n = s.source AND s.source <> 0
                 WHERE s.obj = ?1 AND s.live = 1 AND s.prop NOT LIKE '$%' ORDER BY s.prop, s.n",
            )
            .map_err(StoreError::from)?
            .query_map(params![n], |r| {
                Ok(Value {
                    prop: r.get(0)?,
                    value: r.get(1)?,
                    grade: r.get(2)?,
                    marking: r.get(3)?,
                    source: r.get(4)?,
                })
            })
            .map_err(StoreError::from)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from)?;
        Ok(Rec {
            n,
            uid: Uuid::from_slice(&uid).unwrap_or_default(),
            kind,
            src,
            dst,
            caption,
            grade,
            marking,
            created: Hlc(created).to_datetime(),
            updated: Hlc(updated.max(created)).to_datetime(),
            values,
        })
    }

    pub fn timeline_scope(&self) -> TimelineScope {
        self.case.map_or(TimelineScope::All, |(_, uid)| TimelineScope::Case(uid))
    }
}

/// Writes the export to `out` (nothing is audited: see [`export`]).
pub fn export_to(
    store: &Store,
    out: &mut dyn Write,
    opts: &ExportOptions,
    report: &mut ExportReport,
) -> Result<(), ImportError> {
    let ds = Dataset::new(store, opts.case)?;
    match opts.format {
        ExportFormat::Ftm => super::ftm_export::write(&ds, out, report),
        ExportFormat::Stix => super::stix_export::write(&ds, out, report),
        ExportFormat::Misp => super::misp_export::write(&ds, out, report),
        ExportFormat::Graphml => super::graphml::write(&ds, out, report),
        ExportFormat::Anx => super::anx::write(&ds, out, report),
        ExportFormat::TimelineCsv => super::timeline_csv::write(&ds, out, report),
    }
}

/// Writes the export to `path` (complete or not at all), audits it, and reports what it
/// wrote and what the format could not carry.
pub fn export(store: &Store, path: &Path, opts: &ExportOptions) -> Result<ExportReport, ImportError> {
    let mut report = ExportReport {
        file: path.display().to_string(),
        format: opts.format.name().into(),
        case: opts.case.map(|c| c.to_string()),
        ..ExportReport::default()
    };
    let partial = path.with_extension("partial");
    let result = (|| -> Result<(), ImportError> {
        let file = std::fs::File::create(&partial).map_err(|e| super::input::io_error(&partial, &e))?;
        let mut out = BufWriter::new(file);
        export_to(store, &mut out, opts, &mut report)?;
        out.flush().map_err(|e| super::input::io_error(&partial, &e))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, path).map_err(|e| super::input::io_error(path, &e))?;
    store.audit(
        "interop export",
        &serde_json::json!({
            "file": report.file,
            "format": report.format,
            "case": report.case,
            "written": report.written,
            "left_out": report.left_out.total,
        }),
    )?;
    Ok(report)
}

/// An I/O error while writing the export.
pub fn write_error(e: &std::io::Error) -> ImportError {
    ImportError::Io(format!("writing the export: {e}"))
}
