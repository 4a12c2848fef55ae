//! The demo investigation: a cocaine route Guayaquil → Rotterdam / Marseille worked by three
//! French agencies (Police Judiciaire, DGSI, DGSE) and their partners. Five cases, their key
//! figures with roles, phones, accounts, companies and vehicles, calls, payments and trips,
//! joint operations with outcomes, journal notes and tasks — about 300 entities, every one
//! invented, the same on every machine.

use uuid::Uuid;

use super::generate::{Kind, Pools, write_entity};
use super::{Rng, pick_str, words::SOURCES};
use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::model::values::Locale;
use crate::store::{Provenance, Result, Store, Txn};

/// The passphrase of the demo store (printed when it is made; it holds no real data).
pub const DEMO_PASSPHRASE: &str = "demo";

struct CaseDef {
    reference: &'static str,
    title: &'static str,
    lead: &'static str,
    status: &'static str,
    marking: &'static str,
    summary: &'static str,
}

const CASES: &[CaseDef] = &[
    CaseDef {
        reference: "PJ-MRS-2024-0113",
        title: "CALANQUE — cocaine in banana reefers through the port of Marseille",
        lead: "Police Judiciaire",
        status: "active",
        marking: "TLP:AMBER",
        summary: "Reefer containers from Guayaquil declared as bananas; extraction teams at the Marseille-Fos terminal.",
    },
    CaseDef {
        reference: "DGSI-2024-ORG-041",
        title: "BENALI network — laundering through front companies",
        lead: "DGSI",
        status: "active",
        marking: "TLP:AMBER+STRICT FR-DR",
        summary: "Proceeds moved through fruit importers and used-car dealers in Marseille and Antwerp.",
    },
    CaseDef {
        reference: "DGSE-2024-EXT-007",
        title: "Guayaquil supplier cell — liaison with the exporting side",
        lead: "DGSE",
        status: "open",
        marking: "TLP:RED",
        summary: "Brokers in Guayaquil arranging loads for European buyers; shared with partners case by case.",
    },
    CaseDef {
        reference: "PJ-MRS-2024-0150",
        title: "Go-fast runs Algeciras → Marseille with stolen vehicles",
        lead: "Police Judiciaire",
        status: "open",
        marking: "TLP:GREEN",
        summary: "Convoys of stolen premium cars with cloned plates; resin and cocaine north along the A7.",
    },
    CaseDef {
        reference: "JIT-2025-MAAS",
        title: "MAAS — joint investigation team Marseille–Rotterdam",
        lead: "Police Judiciaire",
        status: "active",
        marking: "TLP:AMBER H2",
        summary: "JIT with Politie Rotterdam under Europol support; Rotterdam receiving side of the same route.",
    },
];

/// A named figure of the investigation: (case index, role, name, birth date, nationality).
const FIGURES: &[(usize, &str, &str, &str, &str)] = &[
    (0, "head of network", "Karim Benali", "1979-04-12", "fr"),
    (0, "logistics at the port", "Julien Santoni", "1985-09-30", "fr"),
    (0, "extraction team", "Yanis Hamidi", "1997-01-18", "fr"),
    (0, "extraction team", "Nabil Chaouch", "1998-06-02", "fr"),
    (0, "dock worker (corrupt)", "Sébastien Leca", "1976-11-23", "fr"),
    (1, "money launderer", "Nadia Benali", "1983-02-14", "fr"),
    (1, "front company director", "Thomas Giraud", "1971-07-07", "fr"),
    (1, "accountant", "Claire Marchetti", "1969-12-01", "fr"),
    (2, "broker", "Andrés Zambrano", "1975-03-05", "ec"),
    (2, "exporter", "Byron Macías", "1981-08-19", "ec"),
    (2, "fixer at the port of Guayaquil", "Wilson Cedeño", "1988-10-27", "ec"),
    (3, "convoy organiser", "Mehdi Ouali", "1990-05-09", "fr"),
    (3, "driver", "Lucas Fabre", "1999-09-13", "fr"),
    (3, "car thief", "Sofiane Brahimi", "1995-04-21", "fr"),
    (4, "Rotterdam receiver", "Ricardo de Vries", "1980-01-31", "nl"),
    (4, "Rotterdam logistics", "Mohammed El Amrani", "1987-06-16", "nl"),
    (4, "courier", "Sven Bakker", "1994-02-08", "nl"),
];

/// (case index, name, status, planned, executed, agencies, arrests, seizures, outcome, disrupted)
type OperationDef = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const OPERATIONS: &[OperationDef] = &[
    (
        0,
        "CALANQUE I — reefer search at Fos",
        "executed",
        "2024-09-10",
        "2024-09-17",
        &["Police Judiciaire", "Douane", "OFAST"],
        "4",
        &["1.2 t cocaine in banana boxes"],
        "Extraction team arrested at the terminal",
        "partly",
    ),
    (
        0,
        "CALANQUE II — coordinated arrests",
        "planned",
        "2025-03-11",
        "",
        &["Police Judiciaire", "Politie Rotterdam", "Europol"],
        "",
        &[],
        "",
        "",
    ),
    (
        1,
        "Asset freeze of the BENALI holdings",
        "planned",
        "2025-02-24",
        "",
        &["DGSI", "TRACFIN", "PNF"],
        "",
        &[],
        "",
        "",
    ),
    (
        3,
        "Go-fast interception on the A7",
        "executed",
        "2024-11-04",
        "2024-11-05",
        &["Police Judiciaire", "Gendarmerie"],
        "2",
        &["480 kg cannabis resin", "Audi RS6 (stolen)"],
        "Convoy stopped at Lançon toll",
        "no",
    ),
    (
        4,
        "MAAS — simultaneous searches",
        "executed",
        "2025-01-20",
        "2025-01-22",
        &["Police Judiciaire", "Politie Rotterdam", "Europol"],
        "6",
        &["EUR 2.1 M cash", "3 encrypted phones"],
        "Rotterdam cell dismantled",
        "yes",
    ),
];

/// (case index, date, text)
const NOTES: &[(usize, &str, &str)] = &[
    (0, "2024-06-03", "Wiretap W-2024-118 authorised; Benali uses a second phone for port contacts."),
    (0, "2024-09-18", "After CALANQUE I: Santoni absent from the terminal since the search."),
    (1, "2024-07-15", "TRACFIN report: round-sum transfers between the fruit importer and the car dealer."),
    (2, "2024-08-02", "Partner service confirms Zambrano brokers loads for at least two European buyers."),
    (3, "2024-10-28", "Beacon B-06 shows the RS6 going to Algeciras twice a month."),
    (
        4,
        "2025-01-23",
        "Seized phones sent for extraction; results to be shared with Marseille through the JIT.",
    ),
    (4, "2024-12-09", "JIT agreement signed; Europol analyst assigned."),
];

/// Builds the demo investigation in an empty store. `progress(done, total)` as it goes.
pub fn build(store: &mut Store, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
    let mut rng = Rng::new(2024);
    let locale = Locale::default();
    // The demo office keeps the default DESIGN §5b gives every office that chose none.
    store.set_default_marking(&Marking::office_fallback())?;
    let mut tx = store.write("demo")?;
    let mut cases = Vec::new();
    for c in CASES {
        let m = Marking::parse(c.marking)?;
        let props: Vec<(String, String)> = [
            ("reference", c.reference),
            ("title", c.title),
            ("status", c.status),
            ("leadOffice", c.lead),
            ("marking", &m.to_string()),
            ("summary", c.summary),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let id = tx.new_record(
            "Case",
            None,
            &props,
            &Provenance { marking: Some(m.clone()), ..Provenance::default() },
        )?;
        cases.push((id, m));
    }
    let mut pools = Pools::default();
    let figures = write_figures(&mut tx, &mut rng, &cases, &mut pools, locale)?;
    progress(1, 4);
    // The wider network of each case: ~55 entities with their links.
    let mut serial = 10_000;
    for (ci, (case, marking)) in cases.iter().enumerate() {
        for _ in 0..55 {
            let kind = Kind::demo_pick(&mut rng);
            let prov = prov(&mut rng, *case, marking);
            let uid = write_entity(&mut tx, &mut rng, kind, serial, &prov, locale)?;
            serial += 1;
            pools.push(kind, uid, ci as u64);
            for _ in 0..3 {
                if let Some((schema, target, props)) =
                    super::generate::link_for(&mut rng, kind, &pools, ci as u64)
                {
                    if target != uid {
                        let mut p = prov.clone();
                        p.case = None;
                        tx.new_link(schema, uid, target, &props, &p, locale)?;
                    }
                }
            }
        }
        // Tie each named figure to the wider network of their case.
        for (fc, person) in &figures {
            if *fc == ci {
                for _ in 0..2 {
                    if let Some((schema, target, props)) =
                        super::generate::link_for(&mut rng, Kind::Person, &pools, ci as u64)
                    {
                        if target != *person {
                            tx.new_link(
                                schema,
                                *person,
                                target,
                                &props,
                                &prov(&mut rng, *case, marking),
                                locale,
                            )?;
                        }
                    }
                }
            }
        }
    }
    progress(2, 4);
    write_route(&mut tx, &cases, &figures, locale)?;
    super::demo_duplicates::plant(&mut tx, &cases, locale)?;
    write_case_work(&mut tx, &cases)?;
    progress(3, 4);
    tx.commit(&serde_json::json!({ "demo": true }))?;
    progress(4, 4);
    Ok(())
}

fn prov(rng: &mut Rng, case: Uuid, marking: &Marking) -> Provenance {
    Provenance {
        source: Some((*rng.pick(SOURCES)).to_owned()),
        grade: Grade::parse(pick_str(rng, &["A1", "B2", "B2", "B3", "C3", "EU:B2", "F6"])).ok(),
        marking: Some(marking.clone()),
        // The synthetic office chose these markings, CLEAR included.
        clear_chosen: true,
        case: Some(case),
        valid_from: None,
        valid_to: None,
    }
}

/// The named figures, each with a phone, most with an account, and the calls, payments and
/// trips that tie the route together. Returns (case index, person id).
fn write_figures(
    tx: &mut Txn<'_>,
    rng: &mut Rng,
    cases: &[(Uuid, Marking)],
    pools: &mut Pools,
    locale: Locale,
) -> Result<Vec<(usize, Uuid)>> {
    let mut people = Vec::new();
    let mut phones = Vec::new();
    let mut accounts = Vec::new();
    for (i, (ci, role, name, birth, nat)) in FIGURES.iter().enumerate() {
        let (case, marking) = &cases[*ci];
        let p = prov(rng, *case, marking);
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        let props: Vec<(String, String)> = [
            ("name", *name),
            ("firstName", first),
            ("lastName", last),
            ("birthDate", birth),
            ("nationality", nat),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let person = tx.new_entity("Person", &props, &p, locale)?;
        tx.add_member(*case, person, Some(role))?;
        pools.push(Kind::Person, person, *ci as u64);
        // A second, differently graded statement from another source: the analyst sees both.
        if i % 3 == 0 {
            let mut other = prov(rng, *case, marking);
            other.source = Some("Open source: social media".to_owned());
            other.grade = Grade::parse("D4").ok();
            tx.set_values(
                person,
                &[(
                    "alias".to_owned(),
                    format!("\"{}\"", last.to_uppercase().chars().take(4).collect::<String>()),
                )],
                &other,
                locale,
            )?;
        }
        let number = match *nat {
            "nl" => format!("+3161{:07}", 2_000_000 + i * 7919),
            "ec" => format!("+59399{:07}", 1_000_000 + i * 6007),
            _ => format!("+3361{:07}", 1_000_000 + i * 4567),
        };
        let phone = tx.new_entity("Phone", &[("number".to_owned(), number)], &p, locale)?;
        tx.new_link(
            "Ownership",
            person,
            phone,
            &[("startDate".to_owned(), "2023-01-01".to_owned())],
            &p,
            locale,
        )?;
        pools.push(Kind::Phone, phone, *ci as u64);
        if i % 2 == 0 {
            let acc = tx.new_entity("BankAccount", &super::generate::account(rng), &p, locale)?;
            tx.new_link("Ownership", person, acc, &[], &p, locale)?;
            pools.push(Kind::Account, acc, *ci as u64);
            accounts.push((*ci, acc));
        }
        people.push((*ci, person));
        phones.push((*ci, phone));
    }
    // Calls along the route: every figure calls the head of their case and a cross-case contact.
    for (i, (ci, phone)) in phones.iter().enumerate() {
        let (case, marking) = &cases[*ci];
        let head = phones.iter().find(|(c, _)| c == ci).map_or(*phone, |(_, p)| *p);
        let other = phones[(i * 5 + 3) % phones.len()].1;
        for target in [head, other] {
            if target == *phone {
                continue;
            }
            for _ in 0..3 {
                let props = vec![
                    ("date".to_owned(), rng.datetime(2024, 2025)),
                    ("duration".to_owned(), (20 + rng.below(600)).to_string()),
                ];
                tx.new_link("Call", *phone, target, &props, &prov(rng, *case, marking), locale)?;
            }
        }
    }
    // Payments from the laundering case's accounts to the others.
    let launder: Vec<Uuid> = accounts.iter().filter(|(c, _)| *c == 1).map(|(_, a)| *a).collect();
    for (ci, acc) in &accounts {
        if let Some(from) = launder.first().filter(|f| *f != acc) {
            let (case, marking) = &cases[*ci];
            for _ in 0..2 {
                let props = vec![
                    ("date".to_owned(), rng.date(2024, 2025)),
                    ("amount".to_owned(), (5000 * (1 + rng.below(40))).to_string()),
                    ("currency".to_owned(), "EUR".to_owned()),
                    ("purpose".to_owned(), "Invoice fruit import".to_owned()),
                ];
                tx.new_link("Payment", *from, *acc, &props, &prov(rng, *case, marking), locale)?;
            }
        }
    }
    // Trips: the Marseille head and the Rotterdam receiver meet in Guayaquil.
    let guayaquil = tx.new_entity(
        "Address",
        &[
            ("full".to_owned(), "Avenida 9 de Octubre 410, Guayaquil".to_owned()),
            ("city".to_owned(), "Guayaquil".to_owned()),
            ("country".to_owned(), "ec".to_owned()),
        ],
        &prov(rng, cases[2].0, &cases[2].1),
        locale,
    )?;
    for (who, date) in
        [(people[0].1, "2024-05-14"), (people[14].1, "2024-05-15"), (people[8].1, "2024-05-14")]
    {
        tx.new_link(
            "Trip",
            who,
            guayaquil,
            &[("startDate".to_owned(), date.to_owned()), ("means".to_owned(), "flight".to_owned())],
            &prov(rng, cases[2].0, &cases[2].1),
            locale,
        )?;
    }
    Ok(people)
}

/// Contacts of the broker in his own cell (members of the Guayaquil case) tied to him.
const BROKER_CONTACTS: usize = 12;

/// The route made explicit, for `liaison path` and `liaison network` to find: the exporter
/// in Guayaquil supplies through the broker Andrés Zambrano, who arranges loads for the
/// Rotterdam receiver and the Marseille head, and knows the people of his cell. Fixed sources,
/// grades and dates, and no random draw, so the rest of the demo stays as it was.
fn write_route(
    tx: &mut Txn<'_>,
    cases: &[(Uuid, Marking)],
    figures: &[(usize, Uuid)],
    locale: Locale,
) -> Result<()> {
    let (case, marking) = &cases[2];
    let [benali, zambrano, macias, cedeno, de_vries] = [0, 8, 9, 10, 14].map(|i| figures[i].1);
    let prov = |source: &str, grade: &str, in_case: bool| Provenance {
        source: Some(source.to_owned()),
        grade: Grade::parse(grade).ok(),
        marking: Some(marking.clone()),
        clear_chosen: false,
        // The buyers stay members of their own cases only.
        case: in_case.then_some(*case),
        valid_from: None,
        valid_to: None,
    };
    let props = |relationship: &str, start: &str| {
        vec![("relationship".to_owned(), relationship.to_owned()), ("startDate".to_owned(), start.to_owned())]
    };
    let chain = [
        (
            macias,
            zambrano,
            "supplies loads through",
            "2024-02",
            "Policía Nacional Ecuador cable 2024-411",
            "B2",
            true,
        ),
        (
            zambrano,
            cedeno,
            "loads at the port through",
            "2024-02",
            "Policía Nacional Ecuador cable 2024-411",
            "B2",
            true,
        ),
        (zambrano, de_vries, "arranges loads for", "2024-04", "Europol SIENA message 1180662", "B2", false),
        (zambrano, benali, "arranges loads for", "2024-05", "DGSE liaison note 2024-Q3", "C3", false),
    ];
    for (from, to, relationship, start, source, grade, in_case) in chain {
        tx.new_link(
            "Associate",
            from,
            to,
            &props(relationship, start),
            &prov(source, grade, in_case),
            locale,
        )?;
    }
    let figure_ids: Vec<Uuid> = figures.iter().map(|(_, p)| *p).collect();
    let contacts: Vec<Uuid> = tx
        .conn()
        .prepare(
            "SELECT e.uid FROM object m JOIN object e ON e.n = m.dst JOIN object c ON c.n = m.src
             WHERE c.uid = ?1 AND m.schema = 'CaseMember' AND m.deleted = 0 AND e.schema = 'Person'
             ORDER BY e.n",
        )?
        .query_map([case.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?
        .filter_map(|r| r.ok().and_then(|b| Uuid::from_slice(&b).ok()))
        .filter(|p| !figure_ids.contains(p))
        .take(BROKER_CONTACTS)
        .collect();
    for person in contacts {
        tx.new_link(
            "Associate",
            zambrano,
            person,
            &props("contact in the cell", "2024-03"),
            &prov("DGSE liaison note 2024-Q3", "C3", true),
            locale,
        )?;
    }
    Ok(())
}

fn write_case_work(tx: &mut Txn<'_>, cases: &[(Uuid, Marking)]) -> Result<()> {
    let kv = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    for (ci, name, status, planned, executed, agencies, arrests, seizures, outcome, disrupted) in OPERATIONS {
        let (case, marking) = &cases[*ci];
        let mut props = vec![kv("name", name), kv("status", status), kv("plannedDate", planned)];
        for (k, v) in [
            ("executedDate", executed),
            ("arrests", arrests),
            ("outcome", outcome),
            ("networkDisrupted", disrupted),
        ] {
            if !v.is_empty() {
                props.push(kv(k, v));
            }
        }
        props.extend(agencies.iter().map(|a| kv("agencies", a)));
        props.extend(seizures.iter().map(|s| kv("seizures", s)));
        tx.new_record(
            "Operation",
            Some(*case),
            &props,
            &Provenance { marking: Some(marking.clone()), case: Some(*case), ..Provenance::default() },
        )?;
    }
    for (ci, date, text) in NOTES {
        let (case, marking) = &cases[*ci];
        let office = CASES[*ci].lead;
        tx.new_record(
            "Note",
            Some(*case),
            &[kv("text", text), kv("author", office), kv("date", date)],
            &Provenance { marking: Some(marking.clone()), case: Some(*case), ..Provenance::default() },
        )?;
    }
    for (ci, title) in [
        (0, "Request phone records of the second Benali line"),
        (4, "Share extraction results with Marseille"),
        (1, "Map the car dealer's accounts in Antwerp"),
    ] {
        let (case, marking) = &cases[ci];
        tx.new_record(
            "Task",
            Some(*case),
            &[kv("title", title), kv("status", "open")],
            &Provenance { marking: Some(marking.clone()), case: Some(*case), ..Provenance::default() },
        )?;
    }
    Ok(())
}
