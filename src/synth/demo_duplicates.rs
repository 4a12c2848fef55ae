//! The demo's duplicates (issue #13): the same people and company recorded again by another
//! agency in another case, spelled their way — the partner service's report in Cyrillic, the
//! internal security file surname first with only the birth month and a passport number, the
//! company under another legal form — and namesakes who are not the same people (born in
//! other years), so `liaison duplicates` has something true to find and something false to
//! resist. All invented.

use uuid::Uuid;

use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::model::values::Locale;
use crate::store::{Provenance, Result, Txn};

/// (case index, source, role, kind, properties). Case indexes are those of `demo::CASES`:
/// 0 PJ Marseille port, 1 DGSI laundering, 2 DGSE supplier cell, 3 PJ go-fast, 4 JIT MAAS.
type Plant = (usize, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const PLANTS: &[Plant] = &[
    // Karim Benali (PJ, born 1979-04-12) as the partner service wrote him.
    (
        2,
        "Partner service report (liaison channel)",
        "contact of the supplier cell",
        "Person",
        &[("name", "Карим Бенали"), ("birthDate", "1979-04-12"), ("nationality", "fr")],
    ),
    // Julien Santoni (PJ, born 1985-09-30) in the internal security file.
    (
        1,
        "DGSI file",
        "courier for the proceeds",
        "Person",
        &[
            ("name", "SANTONI Julien"),
            ("birthDate", "1985-09"),
            ("nationality", "fr"),
            ("passportNumber", "18AB52731"),
        ],
    ),
    // One fruit importer, registered by each agency under another legal form.
    (
        0,
        "Registre du commerce (extract)",
        "front company at the port",
        "Company",
        &[
            ("name", "Primeurs du Vieux-Port SARL"),
            ("incorporationDate", "2016-03-08"),
            ("jurisdiction", "fr"),
        ],
    ),
    (
        1,
        "DGSI file",
        "laundering vehicle",
        "Company",
        &[("name", "PRIMEURS DU VIEUX PORT SAS"), ("incorporationDate", "2016-03"), ("jurisdiction", "fr")],
    ),
    // Namesakes: same names, other people (other birth years).
    (
        3,
        "Police Judiciaire: procès-verbal",
        "driver (go-fast)",
        "Person",
        &[("name", "Karim Benali"), ("birthDate", "1992-08-03"), ("nationality", "fr")],
    ),
    (
        4,
        "Politie Rotterdam report",
        "witness at the terminal",
        "Person",
        &[("name", "Julien Santoni"), ("birthDate", "1961-02-11"), ("nationality", "fr")],
    ),
];

/// Writes the planted records into the demo's cases (`cases`: the demo's cases and markings,
/// in `demo::CASES` order).
pub fn plant(tx: &mut Txn<'_>, cases: &[(Uuid, Marking)], locale: Locale) -> Result<()> {
    for (ci, source, role, kind, props) in PLANTS {
        let Some((case, marking)) = cases.get(*ci) else { continue };
        let prov = Provenance {
            source: Some((*source).to_owned()),
            grade: Grade::parse("B2").ok(),
            marking: Some(marking.clone()),
            clear_chosen: true,
            case: Some(*case),
            valid_from: None,
            valid_to: None,
        };
        let props: Vec<(String, String)> =
            props.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let id = tx.new_entity(kind, &props, &prov, locale)?;
        tx.add_member(*case, id, Some(role))?;
    }
    Ok(())
}
