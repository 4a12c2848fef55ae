use super::*;

#[test]
fn control_characters_are_refused_with_the_field_the_character_and_where() {
    let err = check("source name", "abc\u{1b}]0;pwned\u{7}", Rule::Name).unwrap_err();
    assert_eq!(err.to_string(), "the source name contains a control character (U+001B ESC) at position 4");
    for hostile in ["\u{1b}[2J", "x\u{1b}[31mred", "a\u{7f}", "a\u{9b}31m", "a\u{0}b"] {
        assert_eq!(check("f", hostile, Rule::Name).unwrap_err().problem, Problem::Control, "{hostile:?}");
        assert_eq!(check("f", hostile, Rule::Text).unwrap_err().problem, Problem::Control, "{hostile:?}");
    }
    assert!(check("f", "line\none", Rule::Name).is_err());
    assert!(check("f", "cr\ralone", Rule::Text).is_err());
}

#[test]
fn real_text_passes() {
    for ok in [
        "Ana Ruiz",
        "Ана Руис",
        "محمد العلي",
        "山田 太郎",
        "Zoë Ñúñez-O'Brien",
        "PJ Marseille",
        "a\tb",
        "می\u{200C}خواهم",
        "क्\u{200D}ष",
    ] {
        check("f", ok, Rule::Name).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
    }
    check("notes", "first line\r\nsecond\n\tindented", Rule::Text).unwrap();
    check("notes", "Arabic \u{200F}mark and emoji 👍\u{FE0F}", Rule::Text).unwrap();
}

#[test]
fn bidi_and_invisible_characters_are_refused_in_names() {
    let err = check("source name", "evil\u{202E}gnp.exe", Rule::Name).unwrap_err();
    assert_eq!(err.problem, Problem::Bidi);
    assert!(err.to_string().contains("(U+202E RIGHT-TO-LEFT OVERRIDE) at position 5"), "{err}");
    for c in ['\u{202A}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}'] {
        assert_eq!(check("f", &format!("a{c}b"), Rule::Name).unwrap_err().problem, Problem::Bidi);
    }
    for c in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{E0041}'] {
        assert_eq!(
            check("f", &format!("PJ {c}Marseille"), Rule::Name).unwrap_err().problem,
            Problem::Invisible
        );
    }
}

#[test]
fn a_text_needs_a_visible_character() {
    for empty in ["\u{200B}\u{200C}\u{200D}", "\u{FEFF}", " \u{2060} "] {
        assert!(check("name", empty, Rule::Name).is_err());
        let err = check("notes", empty, Rule::Text).unwrap_err();
        assert_eq!(err.problem, Problem::NothingVisible);
        assert_eq!(err.to_string(), "the notes has no visible character");
    }
}

#[test]
fn terminal_output_never_carries_raw_controls() {
    assert_eq!(for_terminal("plain Ана"), "plain Ана");
    assert!(matches!(for_terminal("plain"), Cow::Borrowed(_)));
    assert_eq!(for_terminal("a\u{1b}]0;pwned\u{7}"), "a\\u{1B}]0;pwned\\u{7}");
    assert_eq!(for_terminal("evil\u{202E}gnp"), "evil\\u{202E}gnp");
    assert_eq!(for_terminal("two\nlines\t"), "two\\nlines\\t");
    assert_eq!(for_terminal_lines("two\nlines\tx\r"), "two\nlines\tx\\r");
    assert_eq!(for_terminal("\u{200B}"), "\\u{200B}");
    assert_eq!(for_terminal("a\u{9b}b\u{2028}"), "a\\u{9B}b\\u{2028}");
    assert_eq!(for_terminal("می\u{200C}خواهم"), "می\u{200C}خواهم");
    for s in ["\u{1b}[2J", "x\u{202d}y", "\u{2066}q\u{2069}", "\u{7f}"] {
        let out = for_terminal(s);
        assert!(out.chars().all(|c| !c.is_control() && !is_bidi_control(c)), "{out:?}");
    }
}

#[test]
fn office_names_compare_by_their_look() {
    let trusted = office_key("PJ Marseille");
    for alike in [
        "PJ Marseille",
        "pj marseille",
        "PJ  Marseille",
        "PJ \u{200B}Marseille",
        "PJ \u{041C}arseille",
        "PJ \u{FF2D}arseille",
        "P\u{0408} Marseille",
        "PJ Marseil\u{0406}e",
    ] {
        assert_eq!(office_key(alike), trusted, "{alike:?}");
    }
    assert_ne!(office_key("PJ Lyon"), trusted);
    assert_ne!(office_key("PJ Marseilles"), trusted);
}
