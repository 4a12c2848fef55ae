//! The cursor of a list: which row is selected, moved by the arrows, the page keys, Home and
//! End, the wheel or a click, and kept on a row when the list changes.
//!
//! The index stays in the screen's state as a `usize`; a [`ListCursor`] is that index with
//! the list's length, and says where it goes. Every list of the workbench moves by these
//! rules: the selection never leaves the rows, and an empty list selects row 0.

/// A move of the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Down (positive) or up (negative) this many rows, stopping at the first and last row.
    By(isize),
    First,
    Last,
}

impl Move {
    pub const NEXT: Move = Move::By(1);
    pub const PREV: Move = Move::By(-1);
}

/// Row `selected` of a list of `len` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
    pub len: usize,
}

impl ListCursor {
    pub fn new(selected: usize, len: usize) -> ListCursor {
        ListCursor { selected, len }
    }

    /// The row selected after `m`.
    #[must_use]
    pub fn moved(self, m: Move) -> usize {
        let Some(last) = self.len.checked_sub(1) else { return 0 };
        match m {
            Move::By(by) => self.selected.saturating_add_signed(by).min(last),
            Move::First => 0,
            Move::Last => last,
        }
    }

    /// The row kept when the list arrives anew: the same index, or the last row if the
    /// list is now shorter.
    #[must_use]
    pub fn clamped(self) -> usize {
        self.selected.min(self.len.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_stop_at_the_first_and_last_rows() {
        let at = |selected| ListCursor::new(selected, 5);
        assert_eq!(at(0).moved(Move::NEXT), 1);
        assert_eq!(at(4).moved(Move::NEXT), 4, "stops at the last row");
        assert_eq!(at(0).moved(Move::PREV), 0, "stops at the first row");
        assert_eq!(at(1).moved(Move::By(10)), 4, "a page down stops at the last row");
        assert_eq!(at(3).moved(Move::By(-10)), 0);
        assert_eq!(at(2).moved(Move::First), 0);
        assert_eq!(at(2).moved(Move::Last), 4);
        assert_eq!(at(2).moved(Move::By(isize::MAX)), 4, "no overflow");
        assert_eq!(at(2).moved(Move::By(isize::MIN)), 0);
    }

    #[test]
    fn an_empty_list_selects_row_zero() {
        for m in [Move::NEXT, Move::PREV, Move::By(7), Move::First, Move::Last] {
            assert_eq!(ListCursor::new(0, 0).moved(m), 0, "{m:?}");
            assert_eq!(ListCursor::new(3, 0).moved(m), 0, "{m:?}");
        }
        assert_eq!(ListCursor::new(3, 0).clamped(), 0);
    }

    #[test]
    fn a_shorter_list_keeps_the_selection_on_its_last_row() {
        assert_eq!(ListCursor::new(7, 3).clamped(), 2);
        assert_eq!(ListCursor::new(1, 3).clamped(), 1);
    }
}
