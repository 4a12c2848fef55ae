//! The workbench's vocabulary: everything that can happen, as one enum.
//!
//! Named actions (unit variants) are what the keymap file and the command palette call by
//! their snake_case name; their doc line is their description in the palette. Internal
//! actions carry what arrived from the terminal or the store worker; they have no name and
//! cannot be bound to a key.

use serde::{Deserialize, Serialize};

use super::message::Loaded;
use super::widgets::{Edit, Move, TextInput};

macro_rules! actions {
    (
        named { $( #[doc = $ndoc:literal] $named:ident, )* }
        internal { $( #[doc = $idoc:literal] $internal:ident $( ( $($field:ty),* ) )?, )* }
    ) => {
        /// Something the analyst asked for, or something that arrived.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $( #[doc = $ndoc] $named, )*
            $( #[doc = $idoc] #[serde(skip)] $internal $( ( $($field),* ) )?, )*
        }

        impl Action {
            /// Every named action with its description, in declaration order.
            pub fn named() -> Vec<(Action, &'static str)> {
                vec![ $( (Action::$named, $ndoc.trim()), )* ]
            }
        }
    };
}

actions! {
    named {
        /// Quit the workbench
        Quit,
        /// Show every key binding
        Help,
        /// Lock: clear the screen and forget the key until the passphrase is typed again
        Lock,
        /// Search names, identifiers and notes as you type
        Search,
        /// Run any action by name
        Palette,
        /// Move focus to the next pane
        FocusNext,
        /// Move focus to the previous pane
        FocusPrev,
        /// Focus the cases pane
        FocusCases,
        /// Focus the linked-entities pane
        FocusEntities,
        /// Focus the timeline pane
        FocusTimeline,
        /// Focus the detail pane
        FocusDetail,
        /// Select the next row
        SelectNext,
        /// Select the previous row
        SelectPrev,
        /// Move down a page
        PageDown,
        /// Move up a page
        PageUp,
        /// Select the first row
        SelectFirst,
        /// Select the last row
        SelectLast,
        /// Open the selection: pivot to an entity's neighbourhood, jump to a result
        Open,
        /// Go back along the pivot history
        Back,
        /// Filter the focused pane (cases by text, timeline by dates)
        Filter,
        /// Show cases of the next status only (all, open, active, suspended, closed)
        CycleStatus,
        /// Remove the focused pane's filter
        ClearFilter,
        /// Timeline: newest or oldest first
        ToggleOrder,
        /// Timeline: finer buckets (year, month, week, day)
        ZoomIn,
        /// Timeline: coarser buckets
        ZoomOut,
        /// Neighbourhood: one or two hops
        ToggleHops,
        /// Open a new case
        NewCase,
        /// Create an entity (in the selected case)
        NewEntity,
        /// Link the marked entity to the selected one
        NewLink,
        /// Write a journal note in the selected case
        NewNote,
        /// Edit the selected case or entity
        Edit,
        /// Change the grade and marking of the selected statement
        Regrade,
        /// Delete the selected record (asks first)
        Delete,
        /// Mark the selected entity as the start of a link or path
        Mark,
        /// Add the selected entity to the selected case
        AddToCase,
        /// Show the shortest chain of links from the marked entity to the selected one
        ShowPath,
        /// Switch between the dark and light themes
        ToggleTheme,
        /// Reload every pane from the store
        Refresh,
        /// Generate 10,000 synthetic entities on a worker (cancellable)
        Generate,
        /// Cancel the running job
        CancelJob,
        /// Undo this session's last write (as new edits), saying what is undone first
        Undo,
        /// Confirm: unlock, save the form, run the palette entry, accept
        Submit,
        /// Close the popup or leave the input
        Cancel,
        /// Next form field
        NextField,
        /// Previous form field
        PrevField,
        /// Delete the character before the cursor
        DeleteChar,
        /// Clear the input
        ClearInput,
        /// Move the cursor left in the field, or to the previous choice
        CursorLeft,
        /// Move the cursor right in the field, or to the next choice
        CursorRight,
        /// Move the cursor to the start of the line
        LineStart,
        /// Move the cursor to the end of the line
        LineEnd,
        /// Delete the character under the cursor
        DeleteNextChar,
        /// Save the form (Enter starts a new line in a note)
        Save,
        /// Open the conflicts inbox: choose which competing value to keep
        Conflicts,
        /// Offices and bundles: pending delta, export, import with a preview
        Exchange,
        /// Import a STIX, MISP, FtM or CSV file, with a preview first
        ImportFile,
        /// Timeline of the whole store, bundle arrivals included
        TimelineAll,
        /// Export a bundle for the selected office
        ExportBundle,
        /// Import a bundle file (a preview first, then confirm)
        ImportBundle,
        /// The task force's measures: sharing response time, joint operations, disruptions
        Measures,
        /// Measures: show earlier months
        EarlierMonths,
        /// Measures: show later months
        LaterMonths,
        /// Exchange: trust an office from its card, once its fingerprint words are checked
        TrustOffice,
        /// Exchange: share the selected case with the selected office
        ShareCase,
        /// Exchange: stop sharing the selected case with the selected office
        UnshareCase,
        /// Exchange: revoke the selected office (its bundles are refused; asks first)
        RevokeOffice,
        /// Record a joint operation of the selected case
        NewOperation,
        /// Record a task of the selected case
        NewTask,
        /// Record arrests: an executed operation of the selected case with its arrests
        RecordArrests,
        /// Entities of a case: people first, by kind, by name, by links or by grade
        CycleSort,
        /// Timeline: one date range for every case, or each case its own
        TimelineRangeAll,
        /// Choose the first party offered (a call's caller, a payment's payer)
        ChooseFirst,
        /// Choose the second party offered (a call's receiver, a payment's beneficiary)
        ChooseSecond,
        /// Network of the selected case, or ego network of the selected entity
        Network,
        /// Network: the nearest node to the left
        NodeLeft,
        /// Network: the nearest node to the right
        NodeRight,
        /// Network: the nearest node above
        NodeUp,
        /// Network: the nearest node below
        NodeDown,
        /// Network: the next node by rank (brokers first)
        NodeNext,
        /// Network: the previous node by rank
        NodePrev,
        /// Watch alerts: what was watched, where it appeared, newest first
        Alerts,
        /// Requests for information, incoming and outgoing, overdue first
        Rfis,
        /// Ask another office about the selected entity (a request for information)
        AskOffice,
        /// RFIs: answer the selected incoming request
        AnswerRfi,
        /// RFIs: close the selected outgoing request
        CloseRfi,
        /// RFIs: reopen the selected outgoing request
        ReopenRfi,
        /// RFIs: show incoming, outgoing or all requests
        RfiTab,
        /// Duplicate candidates of the case (or the store), best first: judge them one by one
        Review,
        /// Review: the two records are the same
        JudgeSame,
        /// Review: the two records are not the same
        JudgeNotSame,
        /// Review: unsure whether the two records are the same
        JudgeUnsure,
        /// Review: leave this pair for later and show the next
        SkipCandidate,
        /// RFI answer: attach (or detach) a record of the case
        AttachRecord,
    }
    internal {
        /// A character typed into the focused input.
        TypeChar(char),
        /// The terminal was resized to (columns, rows).
        Resize(u16, u16),
        /// A mouse click at (column, row).
        Click(u16, u16),
        /// The mouse wheel turned down at (column, row).
        ScrollDown(u16, u16),
        /// The mouse wheel turned up at (column, row).
        ScrollUp(u16, u16),
        /// Time passed (the unlock delay counts down).
        Tick,
        /// The store is open: its folder, office, country, analysts.
        Unlocked(Box<crate::tui::message::Session>),
        /// Unlocking failed with this message.
        UnlockFailed(String),
        /// The store answered a query (with the ticket it was asked with).
        Loaded(u64, Box<Loaded>),
        /// A write was saved; the message says what, and the id is the record to select.
        Saved(String, Option<uuid::Uuid>),
        /// A query or write failed.
        Failed(String),
        /// The running job has done this much of that much.
        JobProgress(u64, u64),
        /// The running job ended with this message.
        JobDone(String),
        /// An exchange or import job on the worker ended with this outcome.
        Exchanged(Box<super::message::Outcome>),
    }
}

impl Action {
    /// The snake_case name of a named action.
    pub fn name(&self) -> Option<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The named action called `name`.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.trim().to_owned())).ok()
    }

    /// The edit a typing action makes to the focused text input, if it is one.
    pub fn text_edit(&self) -> Option<Edit> {
        match self {
            Action::TypeChar(c) => Some(Edit::Insert(*c)),
            Action::DeleteChar => Some(Edit::DeleteBack),
            Action::ClearInput => Some(Edit::Clear),
            Action::CursorLeft => Some(Edit::Left),
            Action::CursorRight => Some(Edit::Right),
            Action::LineStart => Some(Edit::Home),
            Action::LineEnd => Some(Edit::End),
            Action::DeleteNextChar => Some(Edit::DeleteForward),
            _ => None,
        }
    }

    /// The move a navigation action makes in a list whose page keys move `page_rows` rows.
    pub fn list_move(&self, page_rows: isize) -> Option<Move> {
        Some(match self {
            Action::SelectNext => Move::NEXT,
            Action::SelectPrev => Move::PREV,
            Action::PageDown => Move::By(page_rows),
            Action::PageUp => Move::By(-page_rows),
            Action::SelectFirst => Move::First,
            Action::SelectLast => Move::Last,
            _ => return None,
        })
    }

    /// Applies a typing action to `input`. False if this action is not one, or the input
    /// refused it: the screen may then give the key another meaning.
    pub fn edit(&self, mut input: TextInput<'_>) -> bool {
        self.text_edit().is_some_and(|e| input.apply(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_actions_round_trip_through_their_names() {
        for (action, desc) in Action::named() {
            let name = action.name().expect("named");
            assert_eq!(Action::from_name(&name), Some(action.clone()), "{name}");
            assert!(!desc.is_empty() && !desc.starts_with(' '), "{name}: {desc:?}");
        }
        assert_eq!(Action::from_name("select_next"), Some(Action::SelectNext));
        assert_eq!(Action::from_name("type_char"), None, "internal actions have no name");
        assert_eq!(Action::TypeChar('x').name(), None);
    }
}
