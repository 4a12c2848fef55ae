//! How alike two records are, as evidence in words. Each kind of evidence adds or takes away
//! log-odds (Fellegi–Sunter style: agreement on a rare, reliable field counts for much,
//! disagreement on a field that rarely changes counts heavily against); the sum becomes a
//! score in [0, 1] through the logistic function. The weights were set on the FEBRL set and
//! the multi-script fixture (benches/README.md) and are named here, not scattered.

use std::collections::BTreeSet;

use strsim::jaro_winkler;

use super::Record;
use super::normalise::{Name, PartialDate};

/// Log-odds before any evidence: two records of one kind in one block are rarely the same.
const PRIOR: f64 = -3.5;
/// Name similarity → log-odds, linear between these points.
const NAME_CURVE: &[(f64, f64)] =
    &[(0.0, -5.0), (0.5, -3.0), (0.7, -1.0), (0.8, 1.0), (0.9, 3.0), (0.97, 5.0), (1.0, 5.0)];
/// Share of the name evidence a one-word name carries.
const ONE_WORD: f64 = 0.6;
const DATE_DAY: f64 = 4.0;
const DATE_MONTH: f64 = 2.5;
const DATE_YEAR: f64 = 1.0;
const DATE_OTHER_YEAR: f64 = -5.0;
const DATE_OTHER_MONTH: f64 = -3.0;
const DATE_OTHER_DAY: f64 = -2.5;
const DATE_SLIP: f64 = -0.5;
const IDENT_SHARED: f64 = 7.0;
/// Phones, e-mails, accounts and vehicles are lent, shared in a family, reassigned.
const CONTACT_SHARED: f64 = 3.0;
const IDENT_DIFFERENT: f64 = -3.0;
const IDENT_SLIP: f64 = 2.0;
const ADDRESS_SAME: f64 = 3.5;
const ADDRESS_CLOSE: f64 = 1.5;
const ADDRESS_DIFFERENT: f64 = -2.0;
const COUNTRY_SAME: f64 = 0.5;
const COUNTRY_DIFFERENT: f64 = -1.5;
const NEIGHBOUR_SHARED: f64 = 0.75;
const NEIGHBOURS_MAX: f64 = 2.0;

/// Identifier kinds a record normally has one of: two different values contradict.
const SINGLE_IDENTS: &[&str] =
    &["passport number", "ID number", "tax number", "registration number", "IMO number"];

/// Identifiers that several people may share.
const CONTACTS: &[&str] = &["phone", "e-mail", "account", "wallet", "user account", "vehicle", "vessel"];

/// The comparison of two records.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub score: f64,
    pub reasons: Vec<String>,
    pub contradictions: Vec<String>,
}

/// Similarity of two tokens in [0, 1]: Jaro–Winkler on the letters, raised when the
/// Double Metaphone keys agree (spelling variants that sound alike), and on consonant
/// skeletons when one side was written in a script without vowels.
fn token_sim(left: &Name, li: usize, right: &Name, ri: usize) -> f64 {
    let (lt, rt) = (&left.tokens[li], &right.tokens[ri]);
    if lt == rt {
        return 1.0;
    }
    let mut sim = jaro_winkler(lt, rt);
    let (lc, rc) = (&left.codes[li], &right.codes[ri]);
    if !lc.0.is_empty() && (lc.0 == rc.0 || lc.0 == rc.1 || lc.1 == rc.0) && lt.len().min(rt.len()) > 2 {
        sim = sim.max(0.93);
    }
    if left.transliterated || right.transliterated {
        let (ls, rs) = (&left.skeletons[li], &right.skeletons[ri]);
        if ls == rs && ls.len() > 1 {
            sim = sim.max(0.96);
        } else {
            sim = sim.max(jaro_winkler(ls, rs) * 0.95);
        }
    }
    sim
}

/// Name similarity in [0, 1] whatever the token order, and whether the order differed.
pub fn name_sim(a: &Name, b: &Name) -> (f64, bool) {
    let (n, m) = (a.tokens.len(), b.tokens.len());
    if n == 0 || m == 0 {
        return (0.0, false);
    }
    let mut pairs = Vec::with_capacity(n * m);
    for i in 0..n {
        for j in 0..m {
            pairs.push((token_sim(a, i, b, j), i, j));
        }
    }
    pairs.sort_by(|p, q| q.0.total_cmp(&p.0));
    let (mut used_a, mut used_b) = (vec![false; n], vec![false; m]);
    let (mut total, mut matched) = (0.0, Vec::new());
    for (s, i, j) in pairs {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            total += s;
            matched.push((i, j));
        }
    }
    let short = n.min(m);
    // Each token one side has and the other lacks (a middle name) costs a little.
    let mut sim = total / short as f64 * 0.92_f64.powi((n.max(m) - short) as i32);
    // Names run together or split ("Benali" / "Ben Ali").
    if n != m {
        let joined = jaro_winkler(&a.tokens.concat(), &b.tokens.concat());
        if joined > sim {
            sim = joined;
        }
    }
    matched.sort_unstable();
    let swapped = matched.windows(2).any(|w| w[0].1 > w[1].1);
    (sim, swapped)
}

fn date_evidence(a: &[PartialDate], b: &[PartialDate], what: &str) -> Option<(f64, String, bool)> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut best: Option<(f64, String, bool)> = None;
    for x in a {
        for y in b {
            let e = if x.day != 0 && y.day != 0 && one_slip(&x.text(), &y.text()) {
                // A slip of the keyboard (1921-04-07 / 1912-04-07) rather than another person.
                (DATE_SLIP, format!("{what} dates one digit apart ({} and {})", x.text(), y.text()), false)
            } else if x.year != y.year {
                (DATE_OTHER_YEAR, format!("different {what} years ({} and {})", x.year, y.year), false)
            } else if x.month == 0 || y.month == 0 {
                (DATE_YEAR, format!("same {what} year ({})", x.year), true)
            } else if x.month != y.month {
                (DATE_OTHER_MONTH, format!("different {what} months ({} and {})", x.text(), y.text()), false)
            } else if x.day == 0 || y.day == 0 {
                let month = PartialDate { day: 0, ..*x };
                (DATE_MONTH, format!("same {what} month ({})", month.text()), true)
            } else if x.day != y.day {
                (DATE_OTHER_DAY, format!("different {what} days ({} and {})", x.text(), y.text()), false)
            } else {
                (DATE_DAY, format!("same {what} date ({})", x.text()), true)
            };
            if best.as_ref().is_none_or(|b| e.0 > b.0) {
                best = Some(e);
            }
        }
    }
    best
}

/// Whether two texts of one length differ in one character or in two adjacent ones swapped.
fn one_slip(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

fn tokens_sim(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    jaro_winkler(&a.join(" "), &b.join(" ")).max({
        let sa: BTreeSet<&String> = a.iter().collect();
        let sb: BTreeSet<&String> = b.iter().collect();
        sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64
    })
}

fn name_weight(s: f64) -> f64 {
    for w in NAME_CURVE.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if s <= x1 {
            return y0 + (y1 - y0) * ((s - x0) / (x1 - x0)).clamp(0.0, 1.0);
        }
    }
    NAME_CURVE[NAME_CURVE.len() - 1].1
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Compares two records of the same group.
pub fn compare(a: &Record, b: &Record) -> Evidence {
    let mut logit = PRIOR;
    let mut reasons = Vec::new();
    let mut contradictions = Vec::new();
    // Names: the best-matching pair of their names.
    let mut best: Option<(f64, bool, &Name, &Name)> = None;
    for x in &a.names {
        for y in &b.names {
            let (s, swapped) = name_sim(x, y);
            if best.is_none_or(|b| s > b.0) {
                best = Some((s, swapped, x, y));
            }
        }
    }
    if let Some((s, swapped, x, y)) = best {
        let mut how = Vec::new();
        if x.transliterated != y.transliterated
            || (x.transliterated && y.transliterated && x.tokens != y.tokens)
        {
            how.push("after transliteration".to_owned());
        }
        if swapped {
            how.push("with the order swapped".to_owned());
        }
        if x.legal_forms != y.legal_forms {
            let f = |n: &Name| {
                if n.legal_forms.is_empty() {
                    "none".to_owned()
                } else {
                    n.legal_forms.join(" ").to_uppercase()
                }
            };
            how.push(format!("apart from the legal form ({} and {})", f(x), f(y)));
        }
        let how = if how.is_empty() { String::new() } else { format!(" {}", how.join(", ")) };
        let mut w = name_weight(s);
        if w > 0.0 && x.tokens.len().min(y.tokens.len()) < 2 {
            // One word ("Charlotte", "Karim") is shared by many: it counts for less.
            w *= ONE_WORD;
        }
        logit += w;
        if s >= 0.97 {
            reasons.push(format!("names match{how}"));
        } else if s >= 0.9 {
            reasons.push(format!("names close ({s:.2}){how}"));
        } else if s >= 0.75 {
            reasons.push(format!("names similar ({s:.2}){how}"));
        } else {
            contradictions.push(format!("names differ ({s:.2})"));
        }
    }
    let what = if a.group() == "person" { "birth" } else { "incorporation" };
    if let Some((w, text, agrees)) = date_evidence(&a.dates, &b.dates, what) {
        logit += w;
        if agrees { reasons.push(text) } else { contradictions.push(text) }
    }
    // Identifiers, whether typed as values or reached through a linked phone, account…
    let mut kinds_shared: BTreeSet<&str> = BTreeSet::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut shared = 0;
    for x in &a.idents {
        if b.idents.iter().any(|y| y.kind == x.kind && y.value == x.value) && seen.insert((x.kind, &x.value))
        {
            if shared < 3 {
                let w = if CONTACTS.contains(&x.kind) { CONTACT_SHARED } else { IDENT_SHARED };
                logit += w / f64::from(shared + 1);
                reasons.push(format!("share {} {}", x.kind, x.shown));
            }
            shared += 1;
            kinds_shared.insert(x.kind);
        }
    }
    for kind in SINGLE_IDENTS {
        let ha = a.idents.iter().any(|x| x.kind == *kind);
        let hb = b.idents.iter().any(|y| y.kind == *kind);
        if ha && hb && !kinds_shared.contains(kind) {
            let slip = a.idents.iter().filter(|x| x.kind == *kind).find_map(|x| {
                b.idents
                    .iter()
                    .find(|y| y.kind == *kind && y.value.len() > 4 && one_slip(&x.value, &y.value))
                    .map(|y| (x, y))
            });
            if let Some((x, y)) = slip {
                // One character apart: a typing slip more often than another document.
                logit += IDENT_SLIP;
                reasons.push(format!("{kind}s one character apart ({} and {})", x.shown, y.shown));
            } else {
                logit += IDENT_DIFFERENT;
                contradictions.push(format!("different {kind}s"));
            }
        }
    }
    let mut address_best = 0.0_f64;
    for x in &a.addresses {
        for y in &b.addresses {
            address_best = address_best.max(tokens_sim(x, y));
        }
    }
    if !a.addresses.is_empty() && !b.addresses.is_empty() {
        if address_best >= 0.93 {
            logit += ADDRESS_SAME;
            reasons.push("same address".into());
        } else if address_best >= 0.8 {
            logit += ADDRESS_CLOSE;
            reasons.push(format!("similar addresses ({address_best:.2})"));
        } else {
            logit += ADDRESS_DIFFERENT;
            contradictions.push("different addresses".into());
        }
    }
    if !a.countries.is_empty() && !b.countries.is_empty() {
        let common: Vec<&String> = a.countries.iter().filter(|c| b.countries.contains(c)).collect();
        let what = if a.group() == "person" { "nationality" } else { "jurisdiction" };
        if let Some(c) = common.first() {
            logit += COUNTRY_SAME;
            reasons.push(format!("same {what} ({c})"));
        } else {
            logit += COUNTRY_DIFFERENT;
            contradictions.push(format!(
                "different {what} ({} and {})",
                a.countries.join(", "),
                b.countries.join(", ")
            ));
        }
    }
    let neighbours = a.neighbours.iter().filter(|n| b.neighbours.binary_search(n).is_ok()).count();
    if neighbours > 0 {
        logit += (NEIGHBOUR_SHARED * neighbours as f64).min(NEIGHBOURS_MAX);
        reasons.push(if neighbours == 1 {
            "one linked record in common".to_owned()
        } else {
            format!("{neighbours} linked records in common")
        });
    }
    Evidence { score: logistic(logit), reasons, contradictions }
}
