//! The messages between the workbench's layers, as plain data: the effects `update` asks
//! for, the queries and writes sent to the store thread, the answers it sends back, and the
//! long jobs of the exchange screens.
//!
//! This is the bottom layer of `src/tui`: it imports nothing from the workbench, only the
//! library, so that state, update and the screens can name a query or an answer without
//! depending on the runtime (`app`, `worker`) that carries them.

use std::path::PathBuf;

use uuid::Uuid;
use zeroize::Zeroizing;

use crate::analysis::path::{PathFilter, PathStep};
use crate::exchange::{ExportReport, ImportReport as BundleReport};
use crate::interop::{ImportFormat, ImportReport as FileReport};
use crate::store::change::Change;
use crate::store::query::{
    CaseRow, DensityBucket, EntityView, KindCount, MemberQuery, MemberRow, Neighbour, SearchPage, Stats,
    TimelineItem, TimelineScope, Zoom,
};
use crate::store::undo::UndoPlan;

/// Rows per page of the lists: more than the tallest pane shows, and no more, since every
/// row costs a few lookups (link counts, the ends of a dated link).
pub const PAGE: u32 = 80;
/// A read the panes need.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Cases {
        status: Option<String>,
        text: Option<String>,
    },
    Members {
        case: Uuid,
        offset: u32,
        /// Which members, in what order (the store filters and sorts).
        filter: MemberQuery,
    },
    Neighbourhood {
        entity: Uuid,
        hops: u8,
    },
    Timeline {
        scope: TimelineScope,
        from: Option<String>,
        to: Option<String>,
        newest_first: bool,
        offset: u32,
    },
    Density {
        scope: TimelineScope,
        zoom: Zoom,
        from: Option<String>,
        to: Option<String>,
    },
    Detail {
        id: Uuid,
    },
    /// A case's journal notes, for its detail pane.
    Notes {
        case: Uuid,
    },
    Search {
        text: String,
    },
    Stats,
    Path {
        from: Uuid,
        to: Uuid,
        /// Only links of these kinds, grades and dates.
        filter: PathFilter,
    },
    /// The other offices; `pending` also plans each export (slower).
    Offices {
        pending: bool,
    },
    Conflicts,
    /// The task force's measures, month by month up to `until`; with `on_data`, ending on
    /// the last month that holds data when none falls in those months.
    Measures {
        until: chrono::NaiveDate,
        on_data: bool,
    },
    /// The entries of the folder a typed path is in, for Tab completion.
    Folder {
        typed: String,
    },
    /// A case's network, or an entity's ego network, laid out for the network screen.
    Network(NetworkOf),
    /// The newest watch alerts (the alerts list; the status bar's count comes with `Stats`).
    Alerts,
    /// Requests for information, incoming (`Some(true)`), outgoing or all; overdue first.
    Rfis {
        incoming: Option<bool>,
    },
    /// The trusted offices a case is shared with: those an RFI about it can be asked of.
    RfiOffices {
        case: Uuid,
    },
    /// Duplicate candidates (issue 13) with at least one member of `case` (the whole store
    /// when `None`), best first, pairs already judged left out; `marks`: only to mark the
    /// entities list, skipped on a store too large to compare without being asked.
    Candidates {
        case: Option<Uuid>,
        marks: bool,
    },
    /// The two records of a candidate pair, read whole for the review queue.
    ReviewPair {
        a: Uuid,
        b: Uuid,
    },
    /// The resolved profile of a record judged the same as others, for the detail pane.
    Profile {
        id: Uuid,
    },
}

/// What a query found.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Cases(Vec<CaseRow>),
    Members {
        case: Uuid,
        kinds: Vec<KindCount>,
        rows: Vec<MemberRow>,
        offset: u32,
    },
    Neighbourhood {
        center: Box<EntityView>,
        rows: Vec<Neighbour>,
    },
    Timeline {
        items: Vec<TimelineItem>,
        offset: u32,
    },
    Density(Vec<DensityBucket>),
    Detail(Box<EntityView>),
    /// The newest journal notes of a case shown in the detail pane.
    Notes {
        case: Uuid,
        notes: Vec<EntityView>,
    },
    Search {
        text: String,
        page: Box<SearchPage>,
    },
    /// The store's counts, and the watch alerts raised so far.
    Stats(Box<Stats>, u64),
    /// What undoing this session's last write would do; `None`: nothing left to undo.
    UndoPlan(Option<Box<UndoPlan>>),
    /// At most this many records (a large store: exact counts would take seconds).
    RecordBound(i64, u64),
    Path {
        from: Uuid,
        to: Uuid,
        steps: Option<Vec<PathStep>>,
    },
    Offices {
        pending: bool,
        offices: Vec<crate::exchange::OfficeStatus>,
    },
    Conflicts(Vec<crate::exchange::ConflictView>),
    Measures(Box<crate::store::query::Measures>),
    /// The names in the folder of `typed` (folders end with `/`); `more`: some were left
    /// unread.
    Folder {
        typed: String,
        names: Vec<String>,
        more: bool,
    },
    /// The network asked for, measured and laid out (on the worker, not in the draw).
    Network(Box<NetworkPicture>),
    /// The newest watch alerts, newest first.
    Alerts(Vec<crate::store::watch::Alert>),
    Rfis {
        incoming: Option<bool>,
        rows: Vec<crate::store::rfi::RfiRow>,
    },
    RfiOffices {
        case: Uuid,
        offices: Vec<String>,
    },
    /// Duplicate candidates; `skipped`: the store is too large to compare for the marks alone.
    Candidates {
        case: Option<Uuid>,
        marks: bool,
        candidates: Vec<crate::analysis::duplicates::Candidate>,
        skipped: bool,
    },
    ReviewPair {
        a: Box<EntityView>,
        b: Box<EntityView>,
    },
    /// `None`: no `same` judgement joins the record to another (the plain view).
    Profile {
        id: Uuid,
        profile: Option<Box<crate::store::judgements::ResolvedProfile>>,
    },
}

/// Whose network the network screen shows.
#[derive(Debug, Clone, PartialEq)]
pub enum NetworkOf {
    /// The entities of a case and the links between them.
    Case { id: Uuid, reference: String },
    /// An entity and the records within `hops` links of it (read page by page, capped).
    Entity { id: Uuid, caption: String, hops: u8 },
}

/// One node drawn on the network screen.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureNode {
    pub id: Uuid,
    pub schema: String,
    pub caption: String,
    /// Links to other drawn nodes (parallel links count once).
    pub degree: usize,
    /// Normalised betweenness in the network measured.
    pub betweenness: f64,
    /// Its connected component (0: the largest).
    pub component: usize,
    /// Where it is drawn, in [0, 1]² (y up).
    pub pos: (f64, f64),
}

/// A network as the screen draws it: nodes by rank (the top broker first), edges as pairs of
/// node indices, and what was left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetworkPicture {
    pub nodes: Vec<PictureNode>,
    pub edges: Vec<(usize, usize)>,
    /// Entities and linked pairs of the whole network measured (the drawing may show fewer).
    pub total_nodes: usize,
    pub total_edges: usize,
    /// Sizes of the connected components, largest first.
    pub components: Vec<usize>,
    /// Entities measured but not drawn (the least central of a large case).
    pub hidden_nodes: usize,
    /// Links not followed: past the cap of nodes or of links read per record. A lower bound
    /// when `hidden_bound` (a hub's links are not all counted).
    pub hidden_links: u64,
    pub hidden_bound: bool,
    /// The node the screen opens on: the entity of an ego network.
    pub center: Option<usize>,
}

/// A change the analyst made: the library's [`Change`], applied through [`Store::apply`](crate::store::Store::apply)
/// like the command line's (one signed op set, one audit entry).
#[derive(Debug, Clone)]
pub enum Write {
    Change(Change),
    /// A deletion, named for the message.
    Delete {
        id: Uuid,
        label: String,
    },
    /// Keep `keep` for the conflict `id` (as `liaison conflicts resolve ID --keep VALUE`).
    ResolveConflict {
        id: String,
        keep: String,
    },
    /// Who is working: every later op and audit entry names this analyst.
    ChooseAnalyst {
        name: String,
    },
}

/// What the workbench learns when the store opens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Session {
    /// The store's folder, as shown.
    pub label: String,
    pub office: String,
    /// The office's country: how typed phone numbers are read.
    pub country: String,
    pub default_marking: Option<String>,
    /// The analyst the session works as, if settled (`LIAISON_ANALYST`, or the only one).
    pub analyst: Option<String>,
    /// The store's analysts, to choose from when none is settled.
    pub analysts: Vec<String>,
}

/// Long work of the exchange screens, run on the worker with progress (and a cancel flag where the
/// library checks one).
#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeJob {
    Export {
        office: String,
        path: PathBuf,
    },
    /// The library's two passes with the second rolled back: what importing would do.
    PreviewBundle {
        path: PathBuf,
    },
    ImportBundle {
        path: PathBuf,
    },
    PreviewFile(FileImport),
    ImportFile(FileImport),
    /// Read another office's card, to show its fingerprint before trusting it.
    ReadCard {
        path: PathBuf,
    },
    /// Trust, share, unshare or revoke: the store's own calls, as `liaison office` and
    /// `liaison case share` make them.
    Office(OfficeOp),
}

/// A change to the offices this one works with.
#[derive(Debug, Clone, PartialEq)]
pub enum OfficeOp {
    /// Trust the office of the card at `path` once `words`, read out by that office, match
    /// its fingerprint (checked again against the card as read when trusting).
    Trust {
        path: PathBuf,
        words: String,
    },
    Share {
        case: Uuid,
        reference: String,
        office: String,
    },
    Unshare {
        case: Uuid,
        reference: String,
        office: String,
    },
    Revoke {
        office: String,
    },
}

/// A file to import with another tool's format, as typed on the import screen.
#[derive(Debug, Clone, PartialEq)]
pub struct FileImport {
    pub path: PathBuf,
    pub format: ImportFormat,
    pub mapping: Option<PathBuf>,
    /// Reference of the case the imported entities go in.
    pub case: Option<String>,
    /// Source, grade and marking typed by the analyst (None: the library's default, which
    /// the form showed prefilled: the file's name; the file's grade; the file's marking,
    /// else the case's, else the office default).
    pub source: Option<String>,
    pub grade: Option<String>,
    pub marking: Option<String>,
}

/// How a job ended: the library's report, or the one-line reason it failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Exported(Result<ExportReport, String>),
    BundlePreview(PathBuf, Result<BundleReport, String>),
    BundleImported(Result<BundleReport, String>),
    FilePreview(FileImport, Result<FileReport, String>),
    FileImported(Result<FileReport, String>),
    /// The card read (with its fingerprint words), or why it could not be.
    Card(PathBuf, Result<Box<OfficeCardView>, String>),
    /// What an office operation did, in one sentence, or why it was refused.
    Office(Result<String, String>),
    /// After a file import that wrote something: the line `liaison import` ends with, how
    /// many of its records match records already held (`None`: none does) (issue 13).
    FileMatches(Result<Option<String>, String>),
}

/// Another office's card as the analyst checks it before trusting it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeCardView {
    pub office: String,
    pub agency: String,
    pub country: String,
    pub device: String,
    /// The words the office reads out by telephone.
    pub fingerprint: String,
}

/// What `update` asks the runtime to do: the only way state changes reach the world.
#[derive(Debug)]
pub enum Effect {
    /// Ask the store a question; the answer comes back as `Action::Loaded(ticket, …)`.
    Query(u64, Query),
    /// Save a change through the store's `Txn` (signed op, audited).
    Write(Write),
    /// Try this passphrase on a worker thread (key derivation is slow).
    Unlock(Zeroizing<String>),
    /// Clear the screen and drop the store, and its key, now.
    Lock,
    /// Restore the terminal and leave.
    Quit,
    /// Generate this many synthetic entities on the worker.
    Generate(u64),
    /// Stop the running job at its next checkpoint.
    CancelJob,
    /// Export or import on the worker, with progress; `CancelJob` stops it.
    Exchange(ExchangeJob),
    /// Record a read in the audit log (a search, as the command line records it).
    Audit(&'static str, serde_json::Value),
    /// Say what undoing this session's last write would do (nothing is written); the answer
    /// comes back as `Loaded::UndoPlan`.
    UndoPreview,
}
