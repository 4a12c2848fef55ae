//! Synthetic networks at scale: `liaison generate --entities N`.
//!
//! Entities come in clusters of about 2,000 (one case each), mostly linked within their
//! cluster, as real networks are: phones call phones, accounts pay accounts, people own
//! vehicles and travel to addresses. About five links originate from each entity. Values go
//! through the same validation as typed ones, and every write is a signed op, so a generated
//! store is a fair measure of the real thing.

use uuid::Uuid;

use super::words::{
    BANKS, CAR_MODELS, CITIES, COMPANY_TRADES, COMPANY_WORDS, CURRENCIES, FIRST_EC, FIRST_FR, FIRST_NL,
    GRADES, LAST_EC, LAST_FR, LAST_NL, LEGAL_FORMS, PROVIDERS, SOURCES,
};
use super::{Rng, iban, pick_str};
use crate::model::grade::Grade;
use crate::model::marking::Marking;
use crate::store::{Provenance, Result, Store, Txn};

/// Entities per cluster (and case).
const CLUSTER: u64 = 2000;
/// Links originating from each entity.
const LINKS_PER_ENTITY: u64 = 5;
/// Entities written per SQL transaction (bounds the WAL and memory).
const ENTITIES_PER_TRANSACTION: u64 = 20_000;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub entities: u64,
    pub seed: u64,
    /// Prefix of the generated case references.
    pub case_prefix: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GenerateSummary {
    pub entities: u64,
    pub links: u64,
    pub cases: u64,
    pub ops: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Person,
    Company,
    Phone,
    Vehicle,
    Account,
    Address,
}

impl Kind {
    fn pick(rng: &mut Rng) -> Kind {
        match rng.below(100) {
            0..35 => Kind::Person,
            35..45 => Kind::Company,
            45..70 => Kind::Phone,
            70..78 => Kind::Vehicle,
            78..90 => Kind::Account,
            _ => Kind::Address,
        }
    }

    /// The demo's mix: more people and companies, as an investigation's chart has.
    pub(crate) fn demo_pick(rng: &mut Rng) -> Kind {
        match rng.below(100) {
            0..38 => Kind::Person,
            38..58 => Kind::Company,
            58..76 => Kind::Phone,
            76..84 => Kind::Vehicle,
            84..94 => Kind::Account,
            _ => Kind::Address,
        }
    }
}

/// Entities made so far, by kind, for choosing link targets.
#[derive(Default)]
pub(crate) struct Pools {
    by_kind: [Vec<(Uuid, u64)>; 6],
}

impl Pools {
    pub(crate) fn push(&mut self, kind: Kind, uid: Uuid, cluster: u64) {
        self.by_kind[kind as usize].push((uid, cluster));
    }

    /// A target of `kind`, from `cluster` nine times in ten.
    fn target(&self, rng: &mut Rng, kind: Kind, cluster: u64) -> Option<Uuid> {
        let pool = &self.by_kind[kind as usize];
        if pool.is_empty() {
            return None;
        }
        if rng.chance(90) {
            // Pools are in creation order, so a cluster is a contiguous run at its end.
            let start = pool.partition_point(|(_, c)| *c < cluster);
            if start < pool.len() {
                return Some(pool[start + rng.below((pool.len() - start) as u64) as usize].0);
            }
        }
        Some(rng.pick(pool).0)
    }
}

pub(crate) fn person(rng: &mut Rng) -> (Vec<(String, String)>, &'static str) {
    let (first, last, nat) = match rng.below(10) {
        0..5 => (FIRST_FR, LAST_FR, "fr"),
        5..8 => (FIRST_NL, LAST_NL, "nl"),
        _ => (FIRST_EC, LAST_EC, "ec"),
    };
    let (f, l) = (*rng.pick(first), *rng.pick(last));
    let mut props = vec![
        ("name".to_owned(), format!("{f} {l}")),
        ("firstName".to_owned(), f.to_owned()),
        ("lastName".to_owned(), l.to_owned()),
        ("nationality".to_owned(), nat.to_owned()),
    ];
    if rng.chance(70) {
        props.push(("birthDate".to_owned(), rng.date(1962, 2003)));
    }
    (props, nat)
}

pub(crate) fn company(rng: &mut Rng, serial: u64) -> Vec<(String, String)> {
    let (trade, sector) = *rng.pick(COMPANY_TRADES);
    let (country, form) = *rng.pick(LEGAL_FORMS);
    vec![
        ("name".to_owned(), format!("{} {trade} {form}", rng.pick(COMPANY_WORDS))),
        ("jurisdiction".to_owned(), country.to_owned()),
        ("registrationNumber".to_owned(), format!("{}-{serial:07}", country.to_uppercase())),
        ("sector".to_owned(), sector.to_owned()),
        ("incorporationDate".to_owned(), rng.date(2005, 2023)),
    ]
}

/// A valid mobile number; `serial` keeps numbers distinct.
pub(crate) fn phone(rng: &mut Rng, serial: u64) -> Vec<(String, String)> {
    let (country, provider) = *rng.pick(PROVIDERS);
    let number = match country {
        "fr" => {
            format!("+336{}{:07}", [0, 1, 2, 4, 5, 6, 7, 8][(serial % 8) as usize], (serial / 8) % 10_000_000)
        }
        "nl" => format!("+316{}{:07}", 1 + serial % 5, (serial / 5) % 10_000_000),
        _ => format!("+5939{}{:07}", 8 + serial % 2, (serial / 2) % 10_000_000),
    };
    vec![
        ("number".to_owned(), number),
        ("provider".to_owned(), provider.to_owned()),
        ("country".to_owned(), country.to_owned()),
    ]
}

pub(crate) fn vehicle(rng: &mut Rng, serial: u64) -> Vec<(String, String)> {
    let letters =
        |rng: &mut Rng| -> String { (0..2).map(|_| char::from(b'A' + rng.below(26) as u8)).collect() };
    let plate = format!("{}-{:03}-{}", letters(rng), serial % 1000, letters(rng));
    vec![
        ("registrationNumber".to_owned(), plate),
        ("country".to_owned(), "fr".to_owned()),
        ("model".to_owned(), (*rng.pick(CAR_MODELS)).to_owned()),
    ]
}

pub(crate) fn account(rng: &mut Rng) -> Vec<(String, String)> {
    let (country, bank, len) = *rng.pick(BANKS);
    let bban_country = country.to_uppercase();
    let number = if country == "nl" {
        // Dutch BBANs start with a four-letter bank code.
        let bank_code = if bank.starts_with("ING") { "INGB" } else { "ABNA" };
        let partial = iban(rng, "NL", 10);
        let digits = &partial[4..];
        fix_iban(&format!("NL00{bank_code}{digits}"))
    } else {
        iban(rng, &bban_country, len)
    };
    vec![("iban".to_owned(), number), ("bankName".to_owned(), bank.to_owned())]
}

/// Recomputes the two check digits of an IBAN written with "00".
fn fix_iban(raw: &str) -> String {
    let (head, bban) = raw.split_at(4);
    let rearranged: String =
        format!("{bban}{}00", &head[..2])
            .chars()
            .map(|c| {
                if c.is_ascii_alphabetic() { (c as u32 - 'A' as u32 + 10).to_string() } else { c.to_string() }
            })
            .collect();
    let remainder = rearranged.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("{}{:02}{bban}", &head[..2], 98 - remainder)
}

pub(crate) fn address(rng: &mut Rng) -> Vec<(String, String)> {
    let (city, country, streets) = *rng.pick(CITIES);
    let street = format!("{} {}", 1 + rng.below(180), rng.pick(streets));
    vec![
        ("full".to_owned(), format!("{street}, {city}")),
        ("street".to_owned(), street),
        ("city".to_owned(), city.to_owned()),
        ("country".to_owned(), country.to_owned()),
    ]
}

fn provenance(rng: &mut Rng, case: Uuid, marking: &Marking) -> Provenance {
    Provenance {
        source: Some((*rng.pick(SOURCES)).to_owned()),
        grade: Grade::parse(pick_str(rng, GRADES)).ok(),
        marking: Some(if rng.chance(5) {
            marking.join(&Marking::parse("TLP:RED").unwrap_or_default())
        } else {
            marking.clone()
        }),
        // The synthetic office chose these markings, CLEAR included.
        clear_chosen: true,
        case: Some(case),
        valid_from: None,
        valid_to: None,
    }
}

/// One outgoing link from an entity of `kind`: (link kind, target, values).
pub(crate) fn link_for(
    rng: &mut Rng,
    kind: Kind,
    pools: &Pools,
    cluster: u64,
) -> Option<(&'static str, Uuid, Vec<(String, String)>)> {
    let p = |k: &str, v: String| (k.to_owned(), v);
    match kind {
        Kind::Phone => Some((
            "Call",
            pools.target(rng, Kind::Phone, cluster)?,
            vec![p("date", rng.datetime(2023, 2025)), p("duration", (5 + rng.below(900)).to_string())],
        )),
        Kind::Account => Some((
            "Payment",
            pools.target(rng, Kind::Account, cluster)?,
            vec![
                p("date", rng.date(2022, 2025)),
                p("amount", (100 * (1 + rng.below(5000))).to_string()),
                p("currency", (*rng.pick(CURRENCIES)).to_owned()),
            ],
        )),
        Kind::Person => match rng.below(10) {
            0..3 => Some(("Associate", pools.target(rng, Kind::Person, cluster)?, vec![])),
            3..5 => Some((
                "Trip",
                pools.target(rng, Kind::Address, cluster)?,
                vec![p("startDate", rng.date(2023, 2025))],
            )),
            5..8 => {
                let asset = *rng.pick(&[Kind::Phone, Kind::Vehicle, Kind::Account]);
                Some((
                    "Ownership",
                    pools.target(rng, asset, cluster)?,
                    vec![p("startDate", rng.date(2018, 2025))],
                ))
            }
            8 => Some((
                "Directorship",
                pools.target(rng, Kind::Company, cluster)?,
                vec![p("startDate", rng.date(2010, 2024))],
            )),
            _ => Some((
                "Family",
                pools.target(rng, Kind::Person, cluster)?,
                vec![p("relationship", "cousin".into())],
            )),
        },
        Kind::Company => {
            let asset = *rng.pick(&[Kind::Account, Kind::Vehicle, Kind::Address]);
            Some((
                "Ownership",
                pools.target(rng, asset, cluster)?,
                vec![p("startDate", rng.date(2012, 2025))],
            ))
        }
        Kind::Vehicle => Some((
            "Trip",
            pools.target(rng, Kind::Address, cluster)?,
            vec![p("startDate", rng.datetime(2023, 2025))],
        )),
        Kind::Address => None,
    }
}

/// Writes one synthetic entity of `kind`; returns its id.
pub(crate) fn write_entity(
    tx: &mut Txn<'_>,
    rng: &mut Rng,
    kind: Kind,
    serial: u64,
    prov: &Provenance,
    locale: crate::model::values::Locale,
) -> Result<Uuid> {
    let (schema, props) = match kind {
        Kind::Person => ("Person", person(rng).0),
        Kind::Company => ("Company", company(rng, serial)),
        Kind::Phone => ("Phone", phone(rng, serial)),
        Kind::Vehicle => ("Vehicle", vehicle(rng, serial)),
        Kind::Account => ("BankAccount", account(rng)),
        Kind::Address => ("Address", address(rng)),
    };
    tx.new_entity(schema, &props, prov, locale)
}

/// Fills `store` with `opts.entities` entities in clusters, each cluster a case.
pub fn generate(
    store: &mut Store,
    opts: &GenerateOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<GenerateSummary> {
    let first = format!("{}-{:05}", opts.case_prefix, 1);
    if !store.case_reference_holders(&first)?.is_empty() {
        // Most likely a generate stopped part-way: its finished transactions stay.
        return Err(crate::store::StoreError::Input(format!(
            "this store already holds case {first} from an earlier generate: pass another \
             --case-prefix to add more generated data"
        )));
    }
    let mut rng = Rng::new(opts.seed);
    let mut pools = Pools::default();
    let mut summary = GenerateSummary::default();
    let locale = crate::model::values::Locale::default();
    let agencies = ["DGSI", "Police Judiciaire", "DGSE"];
    let markings = ["TLP:AMBER", "TLP:GREEN", "TLP:AMBER", "TLP:RED", "TLP:AMBER+STRICT"];
    let mut tx = store.write("generate")?;
    let mut case = Uuid::nil();
    let mut marking = Marking::default();
    for i in 0..opts.entities {
        let cluster = i / CLUSTER;
        if i % CLUSTER == 0 {
            marking = Marking::parse(pick_str(&mut rng, &markings)).unwrap_or_default();
            let reference = format!("{}-{:05}", opts.case_prefix, cluster + 1);
            let props = [
                ("reference", reference.clone()),
                ("title", format!("Network {} — {} route", cluster + 1, rng.pick(CITIES).0)),
                ("status", (*rng.pick(&["open", "active", "active", "closed"])).to_owned()),
                ("leadOffice", (*rng.pick(&agencies)).to_owned()),
                ("marking", marking.to_string()),
            ]
            .map(|(k, v)| (k.to_owned(), v));
            let prov = Provenance { marking: Some(marking.clone()), ..Provenance::default() };
            case = tx.new_record("Case", None, &props, &prov)?;
            summary.cases += 1;
        }
        let kind = Kind::pick(&mut rng);
        let prov = provenance(&mut rng, case, &marking);
        let uid = write_entity(&mut tx, &mut rng, kind, i, &prov, locale)?;
        pools.push(kind, uid, cluster);
        summary.entities += 1;
        for _ in 0..LINKS_PER_ENTITY {
            if let Some((schema, target, props)) = link_for(&mut rng, kind, &pools, cluster) {
                if target == uid {
                    continue;
                }
                let mut prov = provenance(&mut rng, case, &marking);
                prov.case = None; // the ends are members already; the link needs no membership
                tx.new_link(schema, uid, target, &props, &prov, locale)?;
                summary.links += 1;
            }
        }
        if (i + 1) % ENTITIES_PER_TRANSACTION == 0 {
            tx.checkpoint()?;
        }
        if (i + 1) % 500 == 0 || i + 1 == opts.entities {
            progress(i + 1, opts.entities);
        }
    }
    let written = tx.commit(&serde_json::json!({ "entities": summary.entities, "seed": opts.seed }))?;
    summary.ops = written.ops;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_are_valid_for_their_kinds() {
        let schema = crate::model::schema::Schema::builtin();
        let mut rng = Rng::new(3);
        let locale = crate::model::values::Locale::default();
        for serial in (0..400).map(|k| k * 7919 + k) {
            for (kind, props) in [
                ("Person", person(&mut rng).0),
                ("Company", company(&mut rng, serial)),
                ("Phone", phone(&mut rng, serial)),
                ("Vehicle", vehicle(&mut rng, serial)),
                ("BankAccount", account(&mut rng)),
                ("Address", address(&mut rng)),
            ] {
                let k = schema.kind(kind).unwrap();
                for (p, v) in props {
                    crate::model::validate(k, &p, &v, locale)
                        .unwrap_or_else(|e| panic!("{kind}.{p}={v}: {e}"));
                }
            }
        }
    }
}
