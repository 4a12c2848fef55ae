//! Everything the workbench shows, as plain data. Only `update` writes it; the render
//! functions borrow it read-only. It holds no store handle: data arrives as actions.

use std::time::Instant;

use serde::Deserialize;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::screens::form::{Form, Picker};
use super::theme::ThemeName;
use crate::analysis::path::PathStep;
use crate::model::schema::{Category, Schema};
use crate::store::query::{
    CaseMembership, CaseRow, DensityBucket, EntityView, KindCount, LinkView, MemberQuery, MemberRow,
    Neighbour, TimelineItem, TimelineScope, Zoom,
};

/// Where the workbench is taking keys from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Main,
    Unlock,
    Search,
    Palette,
    Form,
    Picker,
    Confirm,
    Help,
    Conflicts,
    Exchange,
    Input,
    /// The measures screen: scrolls, and moves to earlier or later months.
    Measures,
    /// A small choice in a pane (which party of a call to pivot to).
    Choice,
    /// The network screen: a case's or an entity's network drawn, brokers and paths.
    Network,
    /// The requests for information, incoming and outgoing.
    Rfi,
    /// The watch alerts list.
    Alerts,
    /// The duplicate candidates, judged one pair at a time.
    Review,
}

impl Mode {
    pub const ALL: [Mode; 17] = [
        Mode::Main,
        Mode::Search,
        Mode::Palette,
        Mode::Form,
        Mode::Picker,
        Mode::Confirm,
        Mode::Help,
        Mode::Unlock,
        Mode::Conflicts,
        Mode::Exchange,
        Mode::Input,
        Mode::Measures,
        Mode::Choice,
        Mode::Network,
        Mode::Rfi,
        Mode::Alerts,
        Mode::Review,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Mode::Main => "NORMAL",
            Mode::Unlock => "LOCKED",
            Mode::Search => "SEARCH",
            Mode::Palette => "COMMAND",
            Mode::Form => "EDIT",
            Mode::Picker => "CHOOSE",
            Mode::Confirm => "CONFIRM",
            Mode::Help => "HELP",
            Mode::Conflicts => "CONFLICTS",
            Mode::Exchange => "EXCHANGE",
            Mode::Input => "INPUT",
            Mode::Measures => "MEASURES",
            Mode::Choice => "PIVOT",
            Mode::Network => "NETWORK",
            Mode::Rfi => "RFI",
            Mode::Alerts => "ALERTS",
            Mode::Review => "REVIEW",
        }
    }

    /// Modes where printable keys without a binding are typed into an input.
    pub fn takes_text(self) -> bool {
        matches!(self, Mode::Unlock | Mode::Search | Mode::Palette | Mode::Form | Mode::Picker | Mode::Input)
    }
}

/// The four panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Cases,
    Entities,
    Timeline,
    Detail,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Cases, Pane::Entities, Pane::Timeline, Pane::Detail];

    #[must_use]
    pub fn next(self) -> Pane {
        Pane::ALL[(self as usize + 1) % 4]
    }

    #[must_use]
    pub fn prev(self) -> Pane {
        Pane::ALL[(self as usize + 3) % 4]
    }
}

/// The unlock screen: the passphrase typed so far lives in a buffer wiped when dropped.
#[derive(Debug)]
pub struct UnlockState {
    pub input: Zeroizing<String>,
    pub failures: u32,
    /// No attempt is accepted before this moment (grows with each failure).
    pub retry_at: Option<Instant>,
    pub message: Option<String>,
    /// Key derivation is running.
    pub busy: bool,
}

/// Room for the longest passphrase accepted, reserved up front: a `String` that grows
/// copies itself and leaves the old, unwiped buffer behind.
pub const PASSPHRASE_CAPACITY: usize = 4096;

impl UnlockState {
    pub fn new() -> UnlockState {
        UnlockState {
            input: Zeroizing::new(String::with_capacity(PASSPHRASE_CAPACITY)),
            failures: 0,
            retry_at: None,
            message: None,
            busy: false,
        }
    }
}

impl Default for UnlockState {
    fn default() -> Self {
        UnlockState::new()
    }
}

#[derive(Debug)]
pub enum Screen {
    Unlock(UnlockState),
    Main,
}

#[derive(Debug, Default)]
pub struct CasesPane {
    pub rows: Vec<CaseRow>,
    pub selected: usize,
    pub status: Option<String>,
    pub text: String,
    pub ticket: u64,
    pub loading: bool,
    /// Select this case when the list next arrives (a case just made, a search jump).
    pub want: Option<Uuid>,
    /// The next list keeps the entities pane and the timeline as they are (after unlocking,
    /// where the analyst was is put back rather than the case's members).
    pub keep_view: bool,
}

impl CasesPane {
    pub fn current(&self) -> Option<&CaseRow> {
        self.rows.get(self.selected)
    }
}

/// What the entities pane lists.
#[derive(Debug, Clone, PartialEq)]
pub enum EntitiesView {
    /// The members of a case.
    Members { case: Uuid, reference: String },
    /// The links of an entity, one or two hops out.
    Neighbourhood { center: Uuid, caption: String, hops: u8 },
    /// The shortest chain of links between two entities.
    Path { from: Uuid, to: Uuid, caption: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntityRow {
    Member(MemberRow),
    Neighbour(Neighbour),
    Step(PathStep),
}

impl EntityRow {
    /// The entity the row is about (the far end for a link).
    pub fn entity(&self) -> (Uuid, &str, &str) {
        match self {
            EntityRow::Member(m) => (m.id, &m.schema, &m.caption),
            EntityRow::Neighbour(n) => (n.via.other.id, &n.via.other.schema, &n.via.other.caption),
            EntityRow::Step(s) => (s.to.id, &s.to.schema, &s.to.caption),
        }
    }
}

#[derive(Debug, Default)]
pub struct EntitiesPane {
    pub view: Option<EntitiesView>,
    /// Where Backspace goes back to.
    pub history: Vec<EntitiesView>,
    pub kinds: Vec<KindCount>,
    pub rows: Vec<EntityRow>,
    pub selected: usize,
    pub ticket: u64,
    pub loading: bool,
    /// The last page arrived short: nothing more to load.
    pub complete: bool,
    /// Select this entity when the list next arrives (one just made).
    pub want: Option<Uuid>,
    /// Which members of a case are listed, in what order (the store filters and sorts).
    pub filter: MemberQuery,
    /// The filter text being typed (`f` in the entities pane), shown in the pane.
    pub filter_input: Option<String>,
    /// Which links a path may use, and the text the analyst typed for it.
    pub path_filter: crate::analysis::path::PathFilter,
    pub path_filter_text: String,
    pub kept: Option<Box<KeptCase>>,
}

/// A case's members and timeline as left by a pivot, shown again at once on going back.
#[derive(Debug)]
pub struct KeptCase {
    pub view: EntitiesView,
    pub key: (MemberQuery, Option<String>, Option<String>, bool, Zoom),
    pub entities: (Vec<KindCount>, Vec<EntityRow>, usize, bool),
    pub timeline: (Vec<TimelineItem>, Vec<DensityBucket>, usize, bool, usize),
}

impl EntitiesPane {
    pub fn current(&self) -> Option<&EntityRow> {
        self.rows.get(self.selected)
    }
}

#[derive(Debug)]
pub struct TimelinePane {
    pub scope: Option<TimelineScope>,
    pub label: String,
    pub items: Vec<TimelineItem>,
    pub selected: usize,
    pub newest_first: bool,
    pub zoom: Zoom,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Buckets with gaps filled by zeros, oldest first.
    pub density: Vec<DensityBucket>,
    pub ticket: u64,
    pub density_ticket: u64,
    pub loading: bool,
    pub complete: bool,
    /// Items that are bundle arrivals, not rows of the store's timeline (they do not count
    /// in the offset of the next page).
    pub arrivals: usize,
    /// Whose date range `from` and `to` are, and the other cases' own.
    pub ranges: Ranges,
    /// Enter on a call, payment or trip: which party to pivot to.
    pub choice: Option<PivotChoice>,
}

/// The timeline's date ranges: each case keeps its own unless the analyst asked for one
/// range for all.
#[derive(Debug, Default)]
pub struct Ranges {
    /// Each case's range (`None`: the whole-store timeline's), kept while another is shown.
    pub saved: std::collections::HashMap<Option<Uuid>, (Option<String>, Option<String>)>,
    /// Whose range the timeline's `from` and `to` are now.
    pub owner: Option<Uuid>,
    /// One date range for every case.
    pub for_all: bool,
}

/// The parties of a dated link the analyst may pivot to.
#[derive(Debug, Clone, PartialEq)]
pub struct PivotChoice {
    /// What was chosen from ("Call 2024-03-07").
    pub title: String,
    /// Each party with its part in the link ("caller", "receiver").
    pub parties: Vec<(crate::store::query::RecordRef, String)>,
    pub selected: usize,
}

impl Default for TimelinePane {
    fn default() -> Self {
        TimelinePane {
            scope: None,
            label: String::new(),
            items: Vec::new(),
            selected: 0,
            newest_first: true,
            zoom: Zoom::Month,
            from: None,
            to: None,
            density: Vec::new(),
            ticket: 0,
            density_ticket: 0,
            loading: false,
            complete: false,
            arrivals: 0,
            ranges: Ranges::default(),
            choice: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct DetailPane {
    pub subject: Option<Uuid>,
    pub view: Option<Box<EntityView>>,
    /// The selected row: a statement (for regrading), then the links, then the cases
    /// (`ui::detail::DetailRow`).
    pub selected: usize,
    /// The first line shown: the pane scrolls line by line through a long note.
    pub scroll: usize,
    /// A case's newest journal notes, shown whole under its statements.
    pub notes: Vec<EntityView>,
    /// The resolved profile when `same` judgements join the record to others (issue 13).
    pub profile: Option<Box<crate::store::judgements::ResolvedProfile>>,
    pub ticket: u64,
    pub loading: bool,
}

impl DetailPane {
    /// The link selected in the pane (its rows are the statements, a case's notes, the links,
    /// then the cases), if the selection is on one.
    pub fn selected_link(&self) -> Option<&LinkView> {
        let v = self.view.as_deref()?;
        v.links.get(self.selected.checked_sub(v.statements.len() + self.notes.len())?)
    }

    /// The case selected in the pane, if the selection is on one.
    pub fn selected_case(&self) -> Option<&CaseMembership> {
        let v = self.view.as_deref()?;
        v.cases.get(self.selected.checked_sub(v.statements.len() + self.notes.len() + v.links.len())?)
    }

    /// How many rows the selection moves over.
    pub fn rows(&self) -> usize {
        self.view
            .as_deref()
            .map_or(0, |v| v.statements.len() + self.notes.len() + v.links.len() + v.cases.len())
    }
}

/// A link the analyst points at, to delete: (link id, what the question calls it).
pub type LinkChoice = (Uuid, String);

impl State {
    /// The link the analyst points at: the link a neighbour row was reached through (entities
    /// pane), or the link row selected in the detail pane.
    pub fn selected_link(&self) -> Option<LinkChoice> {
        match self.focus {
            Pane::Entities => match (self.entities.current()?, &self.entities.view) {
                (EntityRow::Neighbour(n), Some(EntitiesView::Neighbourhood { caption, .. }))
                    if n.depth == 1 =>
                {
                    Some((n.via.id, link_label(&n.via, caption)))
                }
                (EntityRow::Step(s), _) => Some((s.link, format!("link {} to {}", s.schema, s.to.caption))),
                _ => None,
            },
            Pane::Detail => {
                let v = self.detail.view.as_deref()?;
                self.detail.selected_link().map(|l| (l.id, link_label(l, &v.caption)))
            }
            _ => None,
        }
    }
}

/// "link Call: A → B" with the link's real direction.
fn link_label(l: &LinkView, here: &str) -> String {
    let kind = Schema::builtin().kind(&l.schema).map_or(l.schema.as_str(), |k| k.label.as_str());
    if l.direction == "out" {
        format!("link {kind}: {here} → {}", l.other.caption)
    } else {
        format!("link {kind}: {} → {here}", l.other.caption)
    }
}

#[derive(Debug)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    Search(super::screens::search::SearchPopup),
    Palette(super::screens::palette::PalettePopup),
    Form(Box<Form>),
    Picker(Picker),
    Confirm(super::screens::confirm::Confirm),
    Conflicts(super::screens::conflicts::ConflictsScreen),
    Exchange(super::screens::exchange::ExchangeScreen),
    Import(super::screens::import::ImportScreen),
    Measures(super::screens::measures::MeasuresScreen),
    /// Who is working, asked after unlocking a store with several analysts.
    Analyst(super::screens::unlock::AnalystChoice),
    CaseRecord(super::screens::case_records::CaseRecordScreen),
    /// The network screen (full screen over the panes).
    Network(Box<super::screens::network::NetworkScreen>),
    /// Requests for information (full screen over the panes).
    Rfi(Box<super::screens::rfi::RfiScreen>),
    /// Asking another office about the selected entity.
    RfiAsk(Box<super::screens::rfi::AskForm>),
    /// The watch alerts, newest first.
    Alerts(super::screens::alerts::AlertsScreen),
    /// The duplicate candidates, one pair at a time (full screen over the panes).
    Review(Box<super::screens::review::ReviewScreen>),
}

/// The entities with open duplicate candidates (not yet judged) among the pairs of one case,
/// computed once on the worker when the case opens: the entities list marks them.
#[derive(Debug, Default)]
pub struct DuplicateMarks {
    pub case: Option<Uuid>,
    pub ticket: u64,
    pub pairs: Vec<(Uuid, Uuid)>,
}

impl DuplicateMarks {
    pub fn open(&self, id: Uuid) -> bool {
        self.pairs.iter().any(|&(a, b)| a == id || b == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// A long job on the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub label: String,
    pub done: u64,
    pub total: u64,
}

/// Counts for the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub entities: i64,
    pub links: i64,
    pub cases: i64,
    /// On a large store only a bound of all records is shown (exact counts take seconds).
    pub records_bound: Option<i64>,
    /// Watch alerts raised so far (the status bar's badge).
    pub alerts: u64,
}

#[derive(Debug)]
pub struct State {
    pub screen: Screen,
    pub store_label: String,
    pub office: String,
    /// The office's country: how typed phone numbers are read.
    pub country: String,
    /// The office default marking: what a value outside any case and record inherits.
    pub default_marking: String,
    /// Who is working (named on every op and audit entry), once settled.
    pub analyst: Option<String>,
    /// While locked: where the analyst was, to come back to after unlocking.
    pub resume: Option<Box<super::screens::unlock::Resume>>,
    pub focus: Pane,
    pub cases: CasesPane,
    pub entities: EntitiesPane,
    pub timeline: TimelinePane,
    pub detail: DetailPane,
    pub duplicates: DuplicateMarks,
    pub popup: Option<Popup>,
    pub message: Option<Message>,
    pub theme: ThemeName,
    /// Terminal size (columns, rows), for mouse hit-testing.
    pub size: (u16, u16),
    pub quit: bool,
    pub job: Option<Job>,
    /// The entity marked as the start of a link or path.
    pub marked: Option<(Uuid, String)>,
    pub counts: Option<Counts>,
    /// The day the measures screen ends on; `None`: today by the clock (tests fix it).
    pub today: Option<chrono::NaiveDate>,
    next_ticket: u64,
}

impl State {
    /// A workbench waiting for the passphrase of the store in `store_label`.
    pub fn locked(store_label: &str) -> State {
        State::new(Screen::Unlock(UnlockState::new()), store_label)
    }

    /// A workbench on an open store (the first loads still to be asked for).
    pub fn unlocked(store_label: &str, office: &str, country: &str) -> State {
        let mut s = State::new(Screen::Main, store_label);
        office.clone_into(&mut s.office);
        country.clone_into(&mut s.country);
        s
    }

    fn new(screen: Screen, store_label: &str) -> State {
        State {
            screen,
            store_label: store_label.to_owned(),
            office: String::new(),
            country: String::new(),
            default_marking: crate::model::marking::Marking::office_fallback().to_string(),
            analyst: None,
            resume: None,
            focus: Pane::Cases,
            cases: CasesPane::default(),
            entities: EntitiesPane::default(),
            timeline: TimelinePane::default(),
            detail: DetailPane::default(),
            duplicates: DuplicateMarks::default(),
            popup: None,
            message: None,
            theme: ThemeName::Dark,
            size: (80, 24),
            quit: false,
            job: None,
            marked: None,
            counts: None,
            today: None,
            next_ticket: 0,
        }
    }

    /// A fresh number to match an answer with its question.
    pub fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    /// Which keymap applies now.
    pub fn mode(&self) -> Mode {
        if matches!(self.screen, Screen::Unlock(_)) {
            return Mode::Unlock;
        }
        match &self.popup {
            // Typing the entities filter: the pane shows the text, Enter applies it.
            None if self.entities.filter_input.is_some() => Mode::Input,
            None if self.timeline.choice.is_some() => Mode::Choice,
            None => Mode::Main,
            Some(Popup::Help { .. }) => Mode::Help,
            Some(Popup::Measures(_)) => Mode::Measures,
            Some(Popup::Network(_)) => Mode::Network,
            Some(Popup::Rfi(r)) => r.mode(),
            Some(Popup::Alerts(_)) => Mode::Alerts,
            Some(Popup::Review(_)) => Mode::Review,
            Some(Popup::Search(_)) => Mode::Search,
            Some(Popup::Palette(_)) => Mode::Palette,
            Some(Popup::Form(_) | Popup::CaseRecord(_) | Popup::RfiAsk(_)) => Mode::Form,
            Some(Popup::Picker(_) | Popup::Analyst(_)) => Mode::Picker,
            Some(Popup::Confirm(_)) => Mode::Confirm,
            Some(Popup::Conflicts(_)) => Mode::Conflicts,
            Some(Popup::Exchange(e)) => e.mode(),
            Some(Popup::Import(i)) => i.mode(),
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), error: false });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), error: true });
    }

    /// The case the analyst is working in: the one selected in the cases pane.
    pub fn current_case(&self) -> Option<&CaseRow> {
        self.cases.current()
    }

    /// The entity the analyst points at: the row of the entities pane when it has focus, else
    /// the record in the detail pane if it is an entity.
    pub fn selected_entity(&self) -> Option<(Uuid, String)> {
        if self.focus == Pane::Entities {
            if let Some(row) = self.entities.current() {
                let (id, _, caption) = row.entity();
                return Some((id, caption.to_owned()));
            }
        }
        let view = self.detail.view.as_ref()?;
        let kind = Schema::builtin().kind(&view.schema).ok()?;
        (kind.category == Category::Entity && !view.deleted).then(|| (view.id, view.caption.clone()))
    }
}
