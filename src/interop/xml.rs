//! A small XML writer for the chart formats (GraphML, i2 ANX): escaping, and elements
//! written as they go so a large chart never sits in memory.

use std::fmt::Write as _;
use std::io::Write;

use super::ImportError;
use super::export::write_error;

/// Text escaped for XML content and attribute values; characters XML 1.0 forbids are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn put(out: &mut dyn Write, s: &str) -> Result<(), ImportError> {
    out.write_all(s.as_bytes()).map_err(|e| write_error(&e))
}

/// `<name a="v" …/>` or, with `text`, `<name …>text</name>`.
pub fn element(
    out: &mut dyn Write,
    name: &str,
    attrs: &[(&str, &str)],
    text: Option<&str>,
) -> Result<(), ImportError> {
    let mut s = format!("<{name}");
    for (k, v) in attrs {
        let _ = write!(s, " {k}=\"{}\"", escape(v));
    }
    match text {
        Some(t) => {
            let _ = write!(s, ">{}</{name}>", escape(t));
        }
        None => s.push_str("/>"),
    }
    put(out, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
