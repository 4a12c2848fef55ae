//! A text input: the search and palette queries, the picker's filter, form fields (a note's
//! text on several lines), paths and the import form's fields, and the passphrase.
//!
//! The text stays in the screen's state as a `String`; a [`TextInput`] borrows it with the
//! input's limit to apply an [`Edit`]. An input that keeps a cursor (a form field: its
//! position in characters, also in the screen's state) types, deletes and moves at the
//! cursor; the others keep it at the end, where typing appends and Backspace takes the last
//! character. The drawn value is the part around the cursor that fits ([`window`]).

/// What a typing key does to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Type this character at the cursor.
    Insert(char),
    /// Delete the character before the cursor (Backspace).
    DeleteBack,
    /// Empty the input.
    Clear,
    /// Delete the character under the cursor (Delete).
    DeleteForward,
    /// Move the cursor one character left or right, or to the start or the end of the line.
    Left,
    Right,
    Home,
    End,
    /// Start a new line (only in an input that takes several lines).
    Newline,
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
    /// The cursor, in characters from the start; `None`: always at the end.
    cursor: Option<&'a mut usize>,
    multiline: bool,
}

/// The byte offset of character `n` of `text` (its length past the end).
fn byte_at(text: &str, n: usize) -> usize {
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

impl<'a> TextInput<'a> {
    pub fn new(text: &'a mut String, max_chars: usize) -> TextInput<'a> {
        TextInput { text, max_chars, cursor: None, multiline: false }
    }

    /// An input that keeps its cursor in `cursor` (clamped to the text).
    pub fn with_cursor(text: &'a mut String, cursor: &'a mut usize, max_chars: usize) -> TextInput<'a> {
        *cursor = (*cursor).min(text.chars().count());
        TextInput { text, max_chars, cursor: Some(cursor), multiline: false }
    }

    /// Accepts new lines (a note's text).
    #[must_use]
    pub fn multiline(mut self) -> TextInput<'a> {
        self.multiline = true;
        self
    }

    /// Applies `edit`. False when the input refuses it (a control character, a character
    /// past the limit, a move in an input without a cursor): the key is then not the input's,
    /// and a screen may give it another meaning. Deleting from an empty input is still an edit.
    pub fn apply(&mut self, edit: Edit) -> bool {
        let len = self.text.chars().count();
        let at = self.cursor.as_deref().copied().unwrap_or(len);
        let insert = |this: &mut Self, c: char| {
            // Counted in characters, not bytes: the limit is what the analyst sees.
            if len >= this.max_chars {
                return false;
            }
            let b = byte_at(this.text, at);
            this.text.insert(b, c);
            this.set_cursor(at + 1);
            true
        };
        match edit {
            Edit::Insert(c) if c.is_control() => false,
            Edit::Insert(c) => insert(self, c),
            Edit::Newline if self.multiline => insert(self, '\n'),
            Edit::Newline => false,
            Edit::DeleteBack => {
                if at > 0 {
                    let b = byte_at(self.text, at - 1);
                    self.text.remove(b);
                    self.set_cursor(at - 1);
                }
                true
            }
            Edit::DeleteForward => {
                if at < len {
                    let b = byte_at(self.text, at);
                    self.text.remove(b);
                }
                self.cursor.is_some()
            }
            Edit::Clear => {
                self.text.clear();
                self.set_cursor(0);
                true
            }
            Edit::Left | Edit::Right | Edit::Home | Edit::End if self.cursor.is_none() => false,
            Edit::Left => self.set_cursor(at.saturating_sub(1)),
            Edit::Right => self.set_cursor((at + 1).min(len)),
            Edit::Home => {
                // The start of the cursor's line.
                let before: Vec<char> = self.text.chars().take(at).collect();
                let start = before.iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
                self.set_cursor(start)
            }
            Edit::End => {
                let after = self.text.chars().skip(at).position(|c| c == '\n').unwrap_or(len - at);
                self.set_cursor(at + after)
            }
        }
    }

    fn set_cursor(&mut self, at: usize) -> bool {
        if let Some(c) = self.cursor.as_deref_mut() {
            *c = at;
        }
        true
    }
}

/// What to draw of a one-line value with the cursor at `cursor` in `width` columns: the
/// text before the cursor, the character under it (a space at the end) and the text after,
/// the window sliding so the cursor is always in view.
pub fn window(text: &str, cursor: usize, width: usize) -> (String, String, String) {
    let chars: Vec<char> = text.chars().collect();
    let cursor = cursor.min(chars.len());
    let width = width.max(1);
    // The cursor takes one column; keep it inside the window, showing as much before it as fits.
    let start = (cursor + 1).saturating_sub(width);
    let end = (start + width).min(chars.len());
    let before: String = chars[start..cursor].iter().collect();
    let at: String = chars.get(cursor).map_or_else(|| " ".to_owned(), char::to_string);
    let after: String =
        chars.get(cursor + 1..end.max(cursor + 1)).map_or(String::new(), |s| s.iter().collect());
    (before, at, after)
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
    fn the_cursor_moves_inside_the_text_and_edits_happen_there() {
        let (mut text, mut cursor) = ("Benli".to_owned(), 5);
        let mut input = TextInput::with_cursor(&mut text, &mut cursor, 20);
        assert!(input.apply(Edit::Left) && input.apply(Edit::Left));
        assert!(input.apply(Edit::Insert('a')));
        assert_eq!((text.as_str(), cursor), ("Benali", 4));
        let mut input = TextInput::with_cursor(&mut text, &mut cursor, 20);
        assert!(input.apply(Edit::Home) && input.apply(Edit::DeleteForward));
        assert!(input.apply(Edit::End) && input.apply(Edit::DeleteBack));
        assert_eq!((text.as_str(), cursor), ("enal", 4));
        let mut plain = "abc".to_owned();
        assert!(!TextInput::new(&mut plain, 9).apply(Edit::Left), "no cursor: a move is not the input's");
    }

    #[test]
    fn new_lines_only_where_the_input_takes_several() {
        let (mut text, mut cursor) = ("ab".to_owned(), 1);
        assert!(!TextInput::with_cursor(&mut text, &mut cursor, 9).apply(Edit::Newline));
        assert!(TextInput::with_cursor(&mut text, &mut cursor, 9).multiline().apply(Edit::Newline));
        assert_eq!(text, "a\nb");
        let mut input = TextInput::with_cursor(&mut text, &mut cursor, 9).multiline();
        assert!(input.apply(Edit::End));
        assert_eq!(cursor, 3, "End goes to the end of the cursor's line");
        assert!(TextInput::with_cursor(&mut text, &mut cursor, 9).apply(Edit::Home));
        assert_eq!(cursor, 2, "Home to its start");
    }

    #[test]
    fn the_window_keeps_the_cursor_in_view() {
        assert_eq!(window("abcdef", 6, 4), ("def".to_owned(), " ".to_owned(), String::new()));
        assert_eq!(window("abcdef", 1, 4), ("a".to_owned(), "b".to_owned(), "cd".to_owned()));
        assert_eq!(window("", 0, 4), (String::new(), " ".to_owned(), String::new()));
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
