//! Column mappings for CSV imports (`--mapping FILE.toml`): which columns make which
//! entities, and which links join them. Examples ship in `assets/mappings/` (call detail
//! records, bank transactions). A mapping is checked against the schema before any row is
//! read, and against the file's header when the file is opened.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::ImportError;
use crate::model::schema::{Category, Schema};
use crate::model::values::{Locale, country_code};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Short name; part of the external ids of what the mapping makes.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Who produces such files (an operator, a bank); names the source of the statements.
    #[serde(default)]
    pub producer: Option<String>,
    #[serde(default)]
    pub csv: CsvOptions,
    #[serde(default, rename = "entity")]
    pub entities: Vec<EntityMap>,
    #[serde(default, rename = "link")]
    pub links: Vec<LinkMap>,
    /// Hash of the mapping's text (for the import log).
    #[serde(skip)]
    pub fingerprint: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    #[serde(default = "comma")]
    pub delimiter: char,
    /// strftime format of date columns when they are not ISO 8601 (e.g. "%d/%m/%Y %H:%M:%S").
    #[serde(default)]
    pub date_format: Option<String>,
    /// Country of phone numbers written without an international prefix.
    #[serde(default)]
    pub default_country: Option<String>,
    /// Numbers are written with a decimal comma ("1234,50").
    #[serde(default)]
    pub decimal_comma: bool,
}

fn comma() -> char {
    ','
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: ',', date_format: None, default_country: None, decimal_comma: false }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityMap {
    /// How links below refer to this entity.
    pub id: String,
    pub kind: String,
    /// Property name → column name.
    pub props: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkMap {
    pub kind: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub props: BTreeMap<String, String>,
    /// Column holding a unique id of the row (a transaction number); otherwise a row is
    /// identified by its mapped values, so identical rows are one link.
    #[serde(default)]
    pub id_column: Option<String>,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping, ImportError> {
        let text = std::fs::read_to_string(path).map_err(|e| super::input::io_error(path, &e))?;
        Mapping::parse(&text).map_err(|e| match e {
            ImportError::Usage(why) => ImportError::Usage(format!("mapping {}: {why}", path.display())),
            other => other,
        })
    }

    pub fn parse(text: &str) -> Result<Mapping, ImportError> {
        let mut m: Mapping = toml::from_str(text).map_err(|e| ImportError::Usage(e.to_string()))?;
        m.fingerprint = blake3::hash(text.as_bytes()).to_hex().to_string();
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), ImportError> {
        let bad = |why: String| Err(ImportError::Usage(why));
        let schema = Schema::builtin();
        if self.entities.is_empty() {
            return bad("no [[entity]]: a mapping makes at least one entity".into());
        }
        for e in &self.entities {
            let kind = schema.kind(&e.kind).map_err(|err| ImportError::Usage(err.to_string()))?;
            if kind.category != Category::Entity {
                return bad(format!("entity {:?}: {} is not an entity kind", e.id, e.kind));
            }
            for p in e.props.keys() {
                kind.property(p).map_err(|err| ImportError::Usage(err.to_string()))?;
            }
        }
        for l in &self.links {
            let kind = schema.kind(&l.kind).map_err(|err| ImportError::Usage(err.to_string()))?;
            if !kind.is_link() {
                return bad(format!("link {}: not a relationship kind", l.kind));
            }
            for end in [&l.from, &l.to] {
                if !self.entities.iter().any(|e| &e.id == end) {
                    return bad(format!("link {}: no [[entity]] with id {end:?}", l.kind));
                }
            }
            for p in l.props.keys() {
                kind.property(p).map_err(|err| ImportError::Usage(err.to_string()))?;
                if kind.is_endpoint(p) {
                    return bad(format!("link {}: {p} is given by from/to", l.kind));
                }
            }
        }
        if let Some(c) = &self.csv.default_country {
            if country_code(c).is_none() {
                return bad(format!("default_country {c:?} is not a two-letter country code"));
            }
        }
        Ok(())
    }

    /// How phone numbers in the file are read.
    pub fn locale(&self) -> Option<Locale> {
        self.csv.default_country.as_deref().map(|c| Locale { default_country: country_code(c) })
    }

    /// Every column the mapping reads.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.entities
            .iter()
            .flat_map(|e| e.props.values())
            .chain(self.links.iter().flat_map(|l| l.props.values().chain(l.id_column.iter())))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_mappings_are_valid() {
        for text in [
            include_str!("../../assets/mappings/call-records.toml"),
            include_str!("../../assets/mappings/bank-transactions.toml"),
        ] {
            let m = Mapping::parse(text).unwrap();
            assert!(!m.links.is_empty());
        }
    }

    #[test]
    fn mistakes_in_a_mapping_are_named() {
        let err = Mapping::parse(
            "name = \"x\"\n[[entity]]\nid = \"a\"\nkind = \"Phone\"\nprops = { numbr = \"n\" }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("numbr"), "{err}");
        let err = Mapping::parse(
            "name = \"x\"\n[[entity]]\nid = \"a\"\nkind = \"Phone\"\nprops = { number = \"n\" }\n\
             [[link]]\nkind = \"Call\"\nfrom = \"a\"\nto = \"b\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"b\""), "{err}");
    }
}
