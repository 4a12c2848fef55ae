//! Failed unlocks, remembered until the next successful one.
//!
//! A wrong passphrase cannot write to the encrypted audit log (there is no key), and must
//! leave the store folder byte-identical. So the time of each failure is kept in a small
//! file in the user's state folder, named by a hash of the store path (no secret, no
//! content), and moved into the audit log on the next unlock.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// At most this many failures are remembered between two unlocks.
const MAX_REMEMBERED: usize = 1000;

fn log_path(store_dir: &Path) -> Option<PathBuf> {
    let base = if let Some(d) = std::env::var_os("LIAISON_STATE_DIR") {
        PathBuf::from(d)
    } else {
        let dirs = directories::ProjectDirs::from("", "", "liaison")?;
        dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf()
    };
    let canonical = store_dir.canonicalize().unwrap_or_else(|_| store_dir.to_path_buf());
    let key = blake3::hash(canonical.as_os_str().as_encoded_bytes());
    Some(base.join("unlock-failures").join(format!("{}.log", &key.to_hex()[..24])))
}

/// Notes one failed unlock. Best effort: never fails the caller.
pub fn record_failure(store_dir: &Path) {
    let Some(path) = log_path(store_dir) else { return };
    if let Some(parent) = path.parent() {
        let _ = fs::create_dir_all(parent);
    }
    let count = fs::read_to_string(&path).map_or(0, |s| s.lines().count());
    if count >= MAX_REMEMBERED {
        return;
    }
    if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(&path) {
        let _ = writeln!(f, "{}", chrono::Utc::now().to_rfc3339());
    }
}

/// The times of failures since the last unlock (kept until [`forget_failures`]).
pub fn pending_failures(store_dir: &Path) -> Vec<String> {
    let Some(path) = log_path(store_dir) else { return Vec::new() };
    let Ok(text) = fs::read_to_string(&path) else { return Vec::new() };
    text.lines()
        .take(MAX_REMEMBERED)
        .filter(|l| chrono::DateTime::parse_from_rfc3339(l).is_ok())
        .map(str::to_owned)
        .collect()
}

/// Forgets the failures, once they are in the audit log.
pub fn forget_failures(store_dir: &Path) {
    if let Some(path) = log_path(store_dir) {
        let _ = fs::remove_file(&path);
    }
}
