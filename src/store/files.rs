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
    let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
    let dir = path.parent().ok_or_else(|| StoreError::Io("no parent folder".into()))?;
    let tmp = dir.join(format!(".{}.new", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    {
        let mut f = private_file(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    fs::rename(&tmp, path).map_err(io)?;
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

/// Creates the store folder, private to its owner.
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    Ok(())
}
