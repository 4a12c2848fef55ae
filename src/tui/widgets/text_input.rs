//! A one-line text input: the search and palette queries, the picker's filter, form fields,
//! paths and the import form's fields, and the passphrase.
//!
//! The text stays in the screen's state as a `String`; a [`TextInput`] borrows it with the
//! input's limit to apply an [`Edit`]. The cursor stands at the end of the text: typing
//! appends, Backspace takes the last character, and the drawn value is the end that fits,
//! followed by [`CURSOR`].

/// What a typing key does to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Type this character at the cursor.
    Insert(char),
    /// Delete the character before the cursor (Backspace).
    DeleteBack,
    /// Empty the input.
    Clear,
}

/// Longest path typed into an input (characters), also the limit of the import form's fields.
pub const MAX_PATH_CHARS: usize = 1000;

/// Longest search, palette or picker filter input (characters).
pub const MAX_QUERY_CHARS: usize = 200;

/// Drawn after the text of the focused input, where the next character goes.
pub const CURSOR: &str = "█";

/// The input over `text`, holding at most `max_chars` characters.
#[derive(Debug)]
pub struct TextInput<'a> {
    text: &'a mut String,
    max_chars: usize,
}

impl<'a> TextInput<'a> {
    pub fn new(text: &'a mut String, max_chars: usize) -> TextInput<'a> {
        TextInput { text, max_chars }
    }

    /// Applies `edit`. False when the input refuses it (a control character, or a character
    /// past the limit): the key is then not the input's, and a screen may give it another
    /// meaning. Deleting from an empty input is still an edit.
    pub fn apply(&mut self, edit: Edit) -> bool {
        match edit {
            Edit::Insert(c) => {
                // Counted in characters, not bytes: the limit is what the analyst sees.
                if c.is_control() || self.text.chars().count() >= self.max_chars {
                    return false;
                }
                self.text.push(c);
            }
            Edit::DeleteBack => {
                self.text.pop();
            }
            Edit::Clear => self.text.clear(),
        }
        true
    }
}

/// The end of `text` that fits in `width` characters: a long value is shown where the
/// cursor is, at its end.
pub fn tail(text: &str, width: usize) -> &str {
    let skip = text.chars().count().saturating_sub(width);
    text.char_indices().nth(skip).map_or("", |(i, _)| &text[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_appends_and_backspace_takes_the_last_character() {
        let mut text = String::new();
        let mut input = TextInput::new(&mut text, 10);
        for c in "Benalí".chars() {
            assert!(input.apply(Edit::Insert(c)));
        }
        assert!(input.apply(Edit::DeleteBack));
        assert_eq!(text, "Benal");
        let mut input = TextInput::new(&mut text, 10);
        assert!(input.apply(Edit::Clear));
        assert!(input.apply(Edit::DeleteBack), "deleting from an empty input is still an edit");
        assert_eq!(text, "");
    }

    #[test]
    fn control_characters_and_characters_past_the_limit_are_refused() {
        let mut text = "ab".to_owned();
        let mut input = TextInput::new(&mut text, 3);
        assert!(!input.apply(Edit::Insert('\n')), "a control character is not typed");
        assert!(!input.apply(Edit::Insert('\u{1b}')));
        assert!(input.apply(Edit::Insert('é')));
        assert!(!input.apply(Edit::Insert('x')), "three characters is the limit");
        assert_eq!(text, "abé", "the limit counts characters, not bytes");
    }

    #[test]
    fn the_tail_shown_is_the_end_of_the_text() {
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("abc", 10), "abc");
        assert_eq!(tail("Sébastien", 8), "ébastien", "cut by characters");
        assert_eq!(tail("abc", 0), "");
        assert_eq!(tail("", 4), "");
    }
}
