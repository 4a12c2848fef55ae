//! i2 Analyst's Notebook exchange charts (ANX): entities as icons with their kind as entity
//! type, links with their kind as link type and arrows from source to target, dates on chart
//! items, grades as i2's GradeOne (source reliability) and GradeTwo (information
//! credibility) on the Admiralty scale, and markings as an attribute.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

use super::ImportError;
use super::export::{Dataset, Rec};
use super::graphml::dates;
use super::report::ExportReport;
use super::xml::{element, escape, put};
use crate::model::grade::{Grade, Grading};

/// i2 icon names for Liaison kinds.
fn icon(kind: &str) -> &'static str {
    match kind {
        "Person" => "Person",
        "Organization" | "PublicBody" | "LegalEntity" => "Organisation",
        "Company" => "Company",
        "Phone" => "Mobile Phone",
        "BankAccount" => "Bank Account",
        "CryptoWallet" => "Account",
        "Vehicle" => "Car",
        "Vessel" => "Boat",
        "Address" => "Address",
        "Email" => "Email Address",
        "UserAccount" | "Domain" | "Url" | "IpAddress" => "Computer",
        "Document" | "Passport" => "Document",
        "Event" => "Event",
        _ => "Question",
    }
}

/// The chart item's date: the first date of a link or an event, else none.
fn when(rec: &Rec) -> Option<String> {
    let all = dates(rec);
    let d = ["date", "startDate", "birthDate", "incorporationDate"]
        .iter()
        .find_map(|p| rec.first(p))
        .or_else(|| all.first().map(|(_, d)| d.as_str()))?
        .to_owned();
    // i2 wants a full date and time; partial dates start at their first day.
    let full = match d.len() {
        4 => format!("{d}-01-01T00:00:00"),
        7 => format!("{d}-01T00:00:00"),
        10 => format!("{d}T00:00:00"),
        _ => d.trim_end_matches('Z').chars().take(19).collect(),
    };
    Some(full)
}

fn grade_indexes(rec: &Rec) -> Option<(usize, usize)> {
    let (g, _) = Grade::parse(rec.grade.as_deref()?).ok()?.to_admiralty();
    let def = &Grading::builtin().admiralty;
    let r = def.reliability.iter().position(|l| l.symbol.starts_with(g.reliability))?;
    let c = def.credibility.iter().position(|l| l.symbol.starts_with(g.credibility))?;
    Some((r, c))
}

fn item_attrs<'a>(
    rec: &'a Rec,
    label: &'a str,
    date: Option<&'a String>,
    grades: Option<&'a (String, String)>,
) -> Vec<(&'a str, &'a str)> {
    let mut a = vec![("Label", label), ("Description", rec.kind.label.as_str())];
    if let Some(d) = date {
        a.push(("DateSet", "true"));
        a.push(("DateTime", d));
    }
    if let Some((r, c)) = grades {
        a.push(("GradeOneIndex", r));
        a.push(("GradeTwoIndex", c));
    }
    a
}

pub fn write(ds: &Dataset<'_>, out: &mut dyn Write, report: &mut ExportReport) -> Result<(), ImportError> {
    let entities = ds.entity_list();
    let links = ds.link_list()?;
    let mut entity_types = BTreeSet::new();
    let mut link_types = BTreeSet::new();
    for n in &entities {
        let rec = ds.record(*n)?;
        entity_types.insert((rec.kind.name.clone(), icon(&rec.kind.name)));
    }
    for n in &links {
        link_types.insert(ds.record(*n)?.kind.name.clone());
    }
    put(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Chart IdReferenceLinking=\"false\" Rigorous=\"true\">\n",
    )?;
    let def = &Grading::builtin().admiralty;
    for (tag, levels) in [("GradeOne", &def.reliability), ("GradeTwo", &def.credibility)] {
        put(out, &format!("<{tag}><StringCollection>"))?;
        for l in levels {
            element(out, "String", &[], Some(&format!("{} - {}", l.symbol, l.label)))?;
        }
        put(out, &format!("</StringCollection></{tag}>\n"))?;
    }
    put(out, "<EntityTypeCollection>")?;
    for (name, icon) in &entity_types {
        element(out, "EntityType", &[("Name", name), ("IconFile", icon)], None)?;
    }
    put(out, "</EntityTypeCollection>\n<LinkTypeCollection>")?;
    for name in &link_types {
        element(out, "LinkType", &[("Name", name), ("Colour", "0")], None)?;
    }
    put(out, "</LinkTypeCollection>\n<AttributeClassCollection>")?;
    for name in ["Marking", "Kind", "Liaison id"] {
        element(out, "AttributeClass", &[("Name", name), ("Type", "AttText"), ("ShowValue", "true")], None)?;
    }
    put(out, "</AttributeClassCollection>\n<ChartItemCollection>\n")?;
    for n in &entities {
        let rec = ds.record(*n)?;
        let date = when(&rec);
        let grades = grade_indexes(&rec).map(|(r, c)| (r.to_string(), c.to_string()));
        open_item(out, &item_attrs(&rec, &rec.caption, date.as_ref(), grades.as_ref()))?;
        put(
            out,
            &format!(
                "<End><Entity EntityId=\"{}\" Identity=\"{}\"><Icon><IconStyle Type=\"{}\"/></Icon></Entity></End>",
                rec.uid,
                escape(&rec.caption),
                escape(&rec.kind.name)
            ),
        )?;
        attributes(out, &rec)?;
        put(out, "</ChartItem>\n")?;
        report.wrote(&format!("entity {}", rec.kind.name));
    }
    for n in &links {
        let rec = ds.record(*n)?;
        let (Some(src), Some(dst)) =
            (rec.src.and_then(|s| ds.entities.get(&s)), rec.dst.and_then(|d| ds.entities.get(&d)))
        else {
            continue;
        };
        let date = when(&rec);
        let grades = grade_indexes(&rec).map(|(r, c)| (r.to_string(), c.to_string()));
        open_item(out, &item_attrs(&rec, &rec.kind.label, date.as_ref(), grades.as_ref()))?;
        put(
            out,
            &format!(
                "<Link End1Id=\"{src}\" End2Id=\"{dst}\"><LinkStyle Type=\"{}\" ArrowStyle=\"ArrowOnHead\"/></Link>",
                escape(&rec.kind.name)
            ),
        )?;
        attributes(out, &rec)?;
        put(out, "</ChartItem>\n")?;
        report.wrote(&format!("link {}", rec.kind.name));
    }
    put(out, "</ChartItemCollection>\n</Chart>\n")
}

fn open_item(out: &mut dyn Write, attrs: &[(&str, &str)]) -> Result<(), ImportError> {
    let mut s = String::from("<ChartItem");
    for (k, v) in attrs {
        let _ = write!(s, " {k}=\"{}\"", escape(v));
    }
    s.push('>');
    put(out, &s)
}

fn attributes(out: &mut dyn Write, rec: &Rec) -> Result<(), ImportError> {
    put(out, "<AttributeCollection>")?;
    for (class, value) in [
        ("Marking", rec.marking.as_str()),
        ("Kind", rec.kind.name.as_str()),
        ("Liaison id", &rec.uid.to_string()),
    ] {
        element(out, "Attribute", &[("AttributeClass", class), ("Value", value)], None)?;
    }
    put(out, "</AttributeCollection>")
}
