//! The store folder's files and how they are written safely.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::StoreError;

pub const DATABASE: &str = "liaison.db";
pub const KEYSTORE: &str = "keystore.age";

pub fn database(dir: &Path) -> PathBuf {
    dir.join(DATABASE)
}

pub fn keystore(dir: &Path) -> PathBuf {
    dir.join(KEYSTORE)
}

/// Writes `bytes` to a new file beside `path`, syncs it, then renames it over `path`, so a
/// crash leaves either the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::io(path, &e);
    let dir = path.parent().ok_or_else(|| StoreError::Io("no parent folder".into()))?;
    let tmp = dir.join(format!(".{}.new", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let written = private_file(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    // A half-written new file (a full disk) must not stay behind.
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new file readable by its owner only.
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes the database file, empty and readable by its owner only, before SQLite opens it:
/// SQLite would create it 0644 (under the usual umask), and it gives the WAL and shared-memory
/// files it makes later the database file's own mode, so all three end up 0600.
pub fn create_private_database(path: &Path) -> Result<(), StoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(|e| StoreError::io(path, &e))
}

/// Narrows every file of the store to its owner (0600): stores made before files were
/// created private have a 0644 database, and its WAL and shared-memory files copy that mode.
/// Best effort: a file we cannot change (another owner) is left as it is.
pub fn make_files_private(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let db = database(dir);
        for path in [
            keystore(dir),
            db.with_file_name(format!("{DATABASE}-wal")),
            db.with_file_name(format!("{DATABASE}-shm")),
            db.with_file_name(format!("{DATABASE}-journal")),
            db,
        ] {
            if let Ok(meta) = fs::symlink_metadata(&path) {
                if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                    let _ = fs::set_permissions(&path, fs::Permissions::from_mode(0o600));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Creates the store folder, private to its owner.
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Removes what a failed `init` left: the database and its WAL and index, the keystore and
/// its temporary file, and the folder itself when `init` made it (and it is now empty), so
/// that a retry starts clean rather than finding "a store already exists".
pub fn remove_new_store(dir: &Path, remove_dir: bool) {
    let db = database(dir);
    for path in [
        keystore(dir),
        dir.join(format!(".{KEYSTORE}.new")),
        db.with_file_name(format!("{DATABASE}-wal")),
        db.with_file_name(format!("{DATABASE}-shm")),
        db.with_file_name(format!("{DATABASE}-journal")),
        db,
    ] {
        let _ = fs::remove_file(path);
    }
    if remove_dir {
        // Fails, and so keeps the folder, if anything else is in it.
        let _ = fs::remove_dir(dir);
    }
}

/// Whether `dir` holds only what an interrupted `init` of an older Liaison left: a database
/// with no keystore and nothing in it (0 bytes). Such a database holds no data and no key
/// can open it, so `init` may replace it.
pub fn is_leftover_of_failed_init(dir: &Path) -> bool {
    !keystore(dir).exists() && fs::metadata(database(dir)).is_ok_and(|m| m.len() == 0)
}
