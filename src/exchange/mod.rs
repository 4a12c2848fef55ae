//! Exchange between offices by file (DESIGN §5): office identities and cards, sharing,
//! signed and encrypted bundles (format, writer, strict reader), export planning with the
//! handling-marking release rules, two-pass import, acknowledgements and conflicts.
//! Knows nothing of terminals: the CLI and the TUI call the functions re-exported here.
//!
//! - [`card`]: office cards and their word-list fingerprints.
//! - [`format`](mod@format): the manifest, the commit lines and the limits of `docs/bundle-format.md`.
//! - [`ustar`]: the strict tar profile.
//! - [`writer`] / [`reader`]: the bundle file, written streaming and read streaming.
//! - [`release`]: which statement may go to which office, and why not.
//! - [`existence`]: which records an office may learn exist (a bare record never leaves).
//! - [`plan`]: what an export carries (shared cases, what they reach, the delta).
//! - [`export`](mod@export) / [`import`](mod@import): the two operations, with progress and cancel.
//! - [`conflicts`]: listing and resolving concurrent edits.
//! - [`status`]: offices with their traffic and pending delta.
//!
//! The screens' calls (each long one takes a progress callback `(done, total)` and a cancel
//! flag checked between commits; a cancelled import changes nothing):
//! - offices and pending delta: [`offices`]`(store, true)`;
//! - export: [`export()`]`(store, &ExportRequest { to, output, .. }, progress, cancel)`, and with
//!   `dry_run: true` the report of what would go and what is withheld;
//! - import: [`verify`] (first pass, writes nothing), then [`apply`] with `dry_run: true` for
//!   the preview of what would change (the same transaction, rolled back), then [`apply`]
//!   to import; [`import()`] does both passes at once;
//! - conflicts: [`list_conflicts`], [`resolve_conflict`].

pub mod card;
pub mod conflicts;
pub mod deconflict;
pub mod dropbox;
pub mod existence;
pub mod export;
pub mod format;
pub mod import;
pub mod plan;
pub mod psi;
pub mod reader;
pub mod release;
pub mod status;
pub mod ustar;
pub mod writer;

pub use card::OfficeCard;
pub use conflicts::{ConflictView, list_conflicts, resolve_conflict};
pub use export::{ExportReport, ExportRequest, export};
pub use import::{ImportReport, VerifiedBundle, apply, import, verify};
pub use status::{OfficeStatus, offices};

use crate::store::StoreError;

/// Why a bundle was refused, or an exchange failed. The text is one line, for the analyst.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("unknown sender: {0}")]
    UnknownSender(String),
    #[error("revoked sender: {0}")]
    RevokedSender(String),
    #[error("not addressed to this office: {0}")]
    NotAddressed(String),
    #[error("damaged or tampered: {0}")]
    Damaged(String),
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("unsupported version: {0}")]
    UnsupportedVersion(String),
    #[error("limits exceeded: {0}")]
    TooLarge(String),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
    #[error("cancelled; nothing was changed")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExchangeError {
    /// A rejection of the bundle itself (recorded in the audit log), as opposed to a
    /// failure of this store or a mistake on the command line.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            ExchangeError::UnknownSender(_)
                | ExchangeError::RevokedSender(_)
                | ExchangeError::NotAddressed(_)
                | ExchangeError::Damaged(_)
                | ExchangeError::Truncated(_)
                | ExchangeError::UnsupportedVersion(_)
                | ExchangeError::TooLarge(_)
        )
    }

    /// A short class name for the audit log and for tests.
    pub fn class(&self) -> &'static str {
        match self {
            ExchangeError::UnknownSender(_) => "unknown sender",
            ExchangeError::RevokedSender(_) => "revoked sender",
            ExchangeError::NotAddressed(_) => "not addressed to this office",
            ExchangeError::Damaged(_) => "damaged or tampered",
            ExchangeError::Truncated(_) => "truncated",
            ExchangeError::UnsupportedVersion(_) => "unsupported version",
            ExchangeError::TooLarge(_) => "limits exceeded",
            ExchangeError::Input(_) => "input",
            ExchangeError::Io(_) => "io",
            ExchangeError::Cancelled => "cancelled",
            ExchangeError::Store(_) => "store",
        }
    }
}

impl From<rusqlite::Error> for ExchangeError {
    fn from(e: rusqlite::Error) -> Self {
        ExchangeError::Store(StoreError::from(e))
    }
}

pub type Result<T, E = ExchangeError> = std::result::Result<T, E>;

/// Progress of a long export or import: `done` of `total` ops.
pub type ProgressFn<'a> = &'a mut dyn FnMut(u64, u64);
