//! One rule for every piece of text, from any source (issue #16).
//!
//! - **In**: [`check`] refuses control characters everywhere (C0 but tab, and newlines only
//!   in multi-line fields such as notes; DEL; C1), and in names also bidirectional controls and
//!   invisible characters, which can reorder or hide what an analyst reads; every text must
//!   show at least one visible character. The error names the field, the character and its
//!   position, so the analyst can find it in the file or the line they typed.
//! - **Out**: [`for_terminal`] / [`for_terminal_lines`] turn any stored string, whoever wrote it
//!   (another office's signed bundle is kept as it came), into one that cannot drive a terminal:
//!   those characters are shown as `\u{202E}`, never sent raw.
//! - **Compare**: [`office_key`] is the confusable-safe form of an office name (UTS #39
//!   skeleton), so "PJ Marseille" with a zero-width space or a Cyrillic "М" is the same office.
//!
//! Pure: no IO.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_normalization::UnicodeNormalization;

/// How a field is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A name or any other one-line value: no control character (tab is whitespace), no
    /// bidirectional control, no invisible character.
    Name,
    /// Multi-line free text (notes, descriptions, summaries): newlines allowed; bidirectional
    /// marks and joiners are accepted, as right-to-left scripts need them, and escaped on output.
    Text,
}

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Control,
    Bidi,
    Invisible,
    NothingVisible,
}

/// A text refused by [`check`], naming the field, the character and where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TextError {
    pub field: String,
    pub problem: Problem,
    pub ch: char,
    /// 1-based, in characters.
    pub position: usize,
}

impl TextError {
    fn describe(&self) -> String {
        let what = match self.problem {
            Problem::NothingVisible => return format!("the {} has no visible character", self.field),
            Problem::Control => "a control character",
            Problem::Bidi => "a bidirectional control character",
            Problem::Invisible => "an invisible character",
        };
        let mut msg = format!(
            "the {} contains {what} ({}) at position {}",
            self.field,
            code_name(self.ch),
            self.position
        );
        if self.problem != Problem::Control {
            msg.push_str(": it can hide or reorder what is shown; remove it");
        }
        msg
    }
}

/// Refuses `text` for `field` (as the analyst knows it: "source name", "Person.name") if it
/// breaks `rule`. Leading and trailing whitespace is left to the caller to trim.
pub fn check(field: &str, text: &str, rule: Rule) -> Result<(), TextError> {
    let err = |problem, ch, position| TextError { field: field.to_owned(), problem, ch, position };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let allowed_control =
            c == '\t' || (rule == Rule::Text && (c == '\n' || (c == '\r' && next == Some('\n'))));
        if c.is_control() && !allowed_control {
            return Err(err(Problem::Control, c, i + 1));
        }
        if rule == Rule::Name {
            if is_bidi_control(c) {
                return Err(err(Problem::Bidi, c, i + 1));
            }
            if is_invisible(c) && !joins_letters(c, prev, next) {
                return Err(err(Problem::Invisible, c, i + 1));
            }
        }
    }
    if !chars.iter().any(|&c| is_visible(c)) {
        return Err(err(Problem::NothingVisible, ' ', 0));
    }
    Ok(())
}

/// `text` safe for a terminal on one line: control characters (newlines too), bidirectional
/// controls and invisible characters are written as `\u{…}` (`\n`, `\t`, `\r` for those).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// As [`for_terminal`], keeping newlines and tabs (a note shown on several lines).
pub fn for_terminal_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_lines: bool) -> Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    let unsafe_at = |i: usize| {
        let c = chars[i];
        if keep_lines && (c == '\n' || c == '\t') {
            return false;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        c.is_control()
            || is_bidi_control(c)
            || matches!(c, '\u{2028}' | '\u{2029}')
            || (is_invisible(c)
                && !joins_letters(c, prev, chars.get(i + 1).copied())
                && !is_variation_selector(c))
    };
    if !(0..chars.len()).any(unsafe_at) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        if !unsafe_at(i) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            _ => {
                let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// The form office names are compared in: NFKC, case-folded, invisible characters removed,
/// then the UTS #39 confusable skeleton, so look-alikes ("PJ Marseille" with a zero-width
/// space, a Cyrillic "М", a fullwidth "Ｍ") compare equal to the name they imitate.
pub fn office_key(name: &str) -> String {
    let visible: String = name.nfkc().filter(|&c| !is_default_ignorable(c) && !c.is_control()).collect();
    let collapsed = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    // Skeleton before and after folding case: Cyrillic "М" is Latin "M" before, and the
    // skeleton of a lower-case name ("m" → "rn") must meet that of its capitals.
    let once: String = unicode_security::skeleton(&collapsed).collect::<String>().to_lowercase();
    unicode_security::skeleton(&once).collect::<String>().to_lowercase()
}

/// Bidirectional formatting characters: embeddings, overrides, isolates and marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that draw nothing: Unicode's Default_Ignorable_Code_Point, less the bidi
/// controls (reported as such).
pub fn is_invisible(c: char) -> bool {
    is_default_ignorable(c) && !is_bidi_control(c)
}

/// Default_Ignorable_Code_Point (Unicode 15, DerivedCoreProperties.txt). A table of its 17
/// ranges: no maintained crate exposes the property, and it has been stable since Unicode 4.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Variation selectors pick a glyph (emoji or text presentation, CJK variants): harmless on
/// their own, so shown as they are, but not allowed in names.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Zero-width (non-)joiners are part of spelling in Persian, Arabic and Indic scripts: kept
/// between two letters outside Latin, where they cannot split a Latin look-alike.
fn joins_letters(c: char, prev: Option<char>, next: Option<char>) -> bool {
    let letter = |x: Option<char>| {
        x.is_some_and(|x| {
            (x.is_alphabetic() || unicode_normalization::char::is_combining_mark(x)) && !is_latin_like(x)
        })
    };
    matches!(c, '\u{200C}' | '\u{200D}') && letter(prev) && letter(next)
}

/// Latin, Greek and Cyrillic letters (below U+0530, and the Latin extensions): scripts whose
/// words never need a joiner.
fn is_latin_like(c: char) -> bool {
    u32::from(c) < 0x0530 || ('\u{1D00}'..='\u{1FFF}').contains(&c) || ('\u{2C60}'..='\u{2C7F}').contains(&c)
}

fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_default_ignorable(c) && !matches!(c, '\u{2028}' | '\u{2029}')
}

/// "U+001B ESC", "U+202E RIGHT-TO-LEFT OVERRIDE", or just "U+0085".
fn code_name(c: char) -> String {
    let name = match c {
        '\0' => "NUL",
        '\u{7}' => "BEL",
        '\u{8}' => "BACKSPACE",
        '\n' => "LINE FEED",
        '\r' => "CARRIAGE RETURN",
        '\u{1B}' => "ESC",
        '\u{7F}' => "DEL",
        '\u{9B}' => "CSI",
        '\u{9D}' => "OSC",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        _ => return format!("U+{:04X}", u32::from(c)),
    };
    format!("U+{:04X} {name}", u32::from(c))
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
