//! Names, dates and identifiers brought to a form in which two offices' spellings compare:
//! Unicode folded and transliterated to Latin (`any_ascii`, a maintained table for every
//! script rather than our own), casefolded, punctuation, honorifics and company legal forms
//! removed, split into tokens whose order no longer matters, each with a Double Metaphone key
//! (`rphonetic`) and a consonant skeleton (Arabic and Hebrew script write few vowels, so
//! "كريم" transliterates as "krym": its skeleton "krm" is Karim's).

use rphonetic::DoubleMetaphone;

/// Titles that say nothing about who someone is.
const HONORIFICS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mme", "mlle", "mme.", "m", "dr", "prof", "sir", "dame", "herr", "frau", "sr",
    "sra", "don", "dona", "sheikh", "cheikh", "hadj", "hajj", "haji", "sayyid", "gospodin", "monsieur",
    "madame",
];

/// Company legal forms across the jurisdictions the task force meets; removed before names
/// are compared, and named in the reasons when they differ.
const LEGAL_FORMS: &[&str] = &[
    "sarl",
    "sas",
    "sasu",
    "sa",
    "sci",
    "snc",
    "eurl",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "gmbh",
    "ag",
    "kg",
    "ug",
    "bv",
    "nv",
    "vof",
    "bvba",
    "srl",
    "spa",
    "sl",
    "sau",
    "slu",
    "lda",
    "oy",
    "ab",
    "as",
    "aps",
    "sro",
    "doo",
    "ooo",
    "zao",
    "oao",
    "pao",
    "ao",
    "cia",
    "ltda",
    "sae",
    "fze",
    "fzco",
    "fzc",
    "llc.",
    "pte",
    "pty",
    "bhd",
    "sdn",
];

/// A name ready for comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Name {
    /// Lowercase ASCII tokens, in the order written.
    pub tokens: Vec<String>,
    /// Double Metaphone primary and alternate key of each token.
    pub codes: Vec<(String, String)>,
    /// Each token without its vowels (and y, w, h, which Arabic script writes as consonants).
    pub skeletons: Vec<String>,
    /// The name was written in a non-Latin script.
    pub transliterated: bool,
    /// The name was written in a script that leaves most vowels out (Arabic, Hebrew…).
    pub abjad: bool,
    /// Company legal forms found and removed ("sarl").
    pub legal_forms: Vec<String>,
}

/// Whether `c` is a letter of a script other than Latin.
fn non_latin(c: char) -> bool {
    c.is_alphabetic() && !c.is_ascii() && !matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

fn abjad(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{05FF}' | '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Lowercase ASCII letters and digits of `text`, everything else a space. Apostrophes go
/// without a space: "O'Brien" is one name, and Arabic's ʿayn transliterates as one ("بنعلي":
/// "bn`ly").
pub fn fold(text: &str) -> String {
    any_ascii::any_ascii(text)
        .chars()
        .filter(|c| !matches!(c, '\'' | '`'))
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' })
        .collect()
}

/// The consonants of a token as they sound across scripts, doubled letters once: the
/// digraphs Latin spellings use for one Cyrillic or Arabic letter become that letter ("zh",
/// "dj" → j; "sh", "ch" → s; "kh", "q", "c" → k), letters Arabic lacks become the nearest it
/// has (p → b, v → f), and vowels go (y, w and h too: Arabic writes long vowels with them).
/// "Жюльен", "جوليان" and "Julien" are all "jln".
pub fn skeleton(token: &str) -> String {
    let mut t = token.to_owned();
    for (from, to) in [
        ("dzh", "j"),
        ("tch", "s"),
        ("zh", "j"),
        ("dj", "j"),
        ("dz", "j"),
        ("sh", "s"),
        ("ch", "s"),
        ("kh", "k"),
        ("ph", "f"),
        ("th", "t"),
        ("dh", "d"),
        ("gh", "g"),
        ("ts", "s"),
        ("ck", "k"),
        ("ou", "u"),
    ] {
        if t.contains(from) {
            t = t.replace(from, to);
        }
    }
    let mut out = String::new();
    for (i, c) in t.chars().enumerate() {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'h');
        // A leading vowel is kept as a marker: Arabic writes it (alif), Latin too.
        if vowel && i > 0 {
            continue;
        }
        let c = match c {
            _ if vowel => 'a',
            'p' => 'b',
            'v' => 'f',
            'q' | 'c' => 'k',
            'g' => 'j',
            'z' => 's',
            other => other,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

thread_local! {
    static METAPHONE: DoubleMetaphone = DoubleMetaphone::new(Some(6));
}

/// Double Metaphone keys of a lowercase ASCII token.
pub fn codes(token: &str) -> (String, String) {
    if token.bytes().any(|b| b.is_ascii_digit()) {
        return (token.to_owned(), token.to_owned());
    }
    METAPHONE.with(|m| {
        let r = m.double_metaphone(token);
        (r.primary(), r.alternate())
    })
}

/// Normalises a name; `org` removes company legal forms too.
pub fn name(raw: &str, org: bool) -> Name {
    let transliterated = raw.chars().any(non_latin);
    let is_abjad = raw.chars().any(abjad);
    let folded = fold(raw);
    let mut legal_forms = Vec::new();
    let mut tokens = Vec::new();
    let mut words: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
    if org {
        // "S.A.R.L." folds to "s a r l": runs of single letters are one abbreviation.
        let mut joined: Vec<String> = Vec::new();
        let mut run = String::new();
        for w in words {
            if w.len() == 1 {
                run.push_str(&w);
                continue;
            }
            if !run.is_empty() {
                joined.push(std::mem::take(&mut run));
            }
            joined.push(w);
        }
        if !run.is_empty() {
            joined.push(run);
        }
        words = joined;
    }
    for t in &words {
        let t = t.as_str();
        if HONORIFICS.contains(&t) && !org {
            continue;
        }
        if org && LEGAL_FORMS.contains(&t) {
            legal_forms.push(t.to_owned());
            continue;
        }
        tokens.push(t.to_owned());
    }
    // A name that was only a title or a legal form keeps its words rather than vanish.
    if tokens.is_empty() {
        tokens = folded.split_whitespace().map(str::to_owned).collect();
        legal_forms.clear();
    }
    let codes = tokens.iter().map(|t| codes(t)).collect();
    let skeletons = tokens.iter().map(|t| skeleton(t)).collect();
    Name { tokens, codes, skeletons, transliterated, abjad: is_abjad, legal_forms }
}

/// A date at the precision it was recorded: year, month (0 if unknown), day (0 if unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl PartialDate {
    /// "1979", "1979-04", "1979-04-17" (time of day ignored); `None` for anything else.
    pub fn parse(text: &str) -> Option<PartialDate> {
        let text = text.trim();
        let date = text.split(['T', ' ']).next().unwrap_or(text);
        let mut parts = date.split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        let day: u32 = parts.next().map_or(Some(0), |d| d.parse().ok())?;
        if !(1..=9999).contains(&year) || month > 12 || day > 31 {
            return None;
        }
        Some(PartialDate { year, month, day })
    }

    pub fn text(&self) -> String {
        match (self.month, self.day) {
            (0, _) => format!("{:04}", self.year),
            (m, 0) => format!("{:04}-{m:02}", self.year),
            (m, d) => format!("{:04}-{m:02}-{d:02}", self.year),
        }
    }
}

/// An identifier with its punctuation, spacing and case removed ("FR 12-345" = "fr12345").
pub fn identifier(value: &str) -> String {
    let v: String = any_ascii::any_ascii(value).chars().filter(char::is_ascii_alphanumeric).collect();
    v.to_ascii_lowercase()
}

/// A phone number as digits with its leading +, so "+33 6 12 34 56 78" = "+33612345678".
pub fn phone(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if value.trim_start().starts_with('+') { format!("+{digits}") } else { digits }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_and_order() {
        let a = name("Карим Бенали", false);
        assert_eq!(a.tokens, ["karim", "benali"]);
        assert!(a.transliterated);
        let b = name("M. BENALI, Karim", false);
        assert_eq!(b.tokens, ["benali", "karim"]);
        assert!(!b.transliterated);
    }

    #[test]
    fn arabic_skeletons_meet_latin() {
        let a = name("كريم بنعلي", false);
        assert!(a.abjad, "{a:?}");
        let b = name("Karim Benali", false);
        assert_eq!(a.skeletons, b.skeletons, "{a:?} {b:?}");
    }

    #[test]
    fn legal_forms_go() {
        let a = name("Marseille Primeurs Import S.A.R.L.", true);
        let b = name("MARSEILLE PRIMEURS IMPORT SAS", true);
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(b.legal_forms, ["sas"]);
    }

    #[test]
    fn dates_at_precision() {
        assert_eq!(PartialDate::parse("1979-04").unwrap().text(), "1979-04");
        assert_eq!(PartialDate::parse("1979-04-17").unwrap().day, 17);
        assert!(PartialDate::parse("April").is_none());
    }
}
