//! Writing a bundle file (docs/bundle-format.md), streaming, in bounded memory.
//!
//! Commit lines are compressed as they come into a spill file, because the manifest (which
//! precedes them in the tar) names their hash and size. The spill is encrypted with an
//! ephemeral age key that never leaves memory, so no readable byte of the investigation
//! ever touches the disk. The bundle itself is written under a random hidden name beside
//! the output, synced, then renamed into place: a crash leaves no half bundle.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};

use super::format::{
    BLOB_PREFIX, COMMITS_FILE, CommitsEntry, Line, MANIFEST_FILE, Manifest, SIGNATURE_FILE, VERSION_CONTENT,
    VERSION_FILE, ZSTD_LEVEL, write_commit_line, write_op_line,
};
use super::{ExchangeError, Result, ustar};

/// A temporary file removed when dropped (unless kept).
struct TempPath(Option<PathBuf>);

impl TempPath {
    fn keep(mut self) -> PathBuf {
        self.0.take().unwrap_or_default()
    }

    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> ExchangeError + '_ {
    move |e| {
        if e.kind() == io::ErrorKind::StorageFull {
            // The bundle's disk (often a removable one), not necessarily the store's.
            ExchangeError::Io(format!("{}: the disk is full; nothing was exported", path.display()))
        } else {
            ExchangeError::Io(format!("{}: {e}", path.display()))
        }
    }
}

/// The suffixes of the temporary files an export leaves beside its output while it runs.
const TEMP_SUFFIXES: [&str; 2] = ["spill", "partial"];
/// A temporary file whose writer cannot be told alive or dead is a leftover after this long.
const UNKNOWN_WRITER_STALE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A new file, readable by its owner only, in `dir`, named `.liaison-RANDOM-PID.SUFFIX`: the
/// process id tells [`remove_stale_temps`] in a later export whether its writer still runs.
fn private_temp(dir: &Path, suffix: &str) -> Result<(TempPath, File)> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| ExchangeError::Io(format!("no randomness: {e}")))?;
    let name = format!(".liaison-{}-{}.{suffix}", crate::model::ids::hex(&random), std::process::id());
    let path = dir.join(name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&path).map_err(io_error(&path))?;
    Ok((TempPath(Some(path)), file))
}

/// Who wrote an export's temporary file, as its name says.
enum Writer {
    /// The process id in the name.
    Process(u32),
    /// A name earlier Liaisons gave, with no process id.
    Unknown,
}

/// The writer named in the name of an export's temporary file; None for any other name.
fn temp_writer(name: &str) -> Option<Writer> {
    let (stem, suffix) = name.strip_prefix(".liaison-")?.split_once('.')?;
    if !TEMP_SUFFIXES.contains(&suffix) {
        return None;
    }
    let (random, writer) = match stem.split_once('-') {
        Some((random, pid)) => (random, Writer::Process(pid.parse().ok()?)),
        None => (stem, Writer::Unknown),
    };
    (random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit())).then_some(writer)
}

/// Whether the temporary file at `path`, written by `writer`, belongs to no running
/// export. Where processes can be looked up (`/proc`), a file is stale once its writer is gone
/// (a killed export); otherwise, or for older names, once untouched for a day. A process id
/// reused since only keeps a leftover longer, never removes a live export's file.
fn is_stale(path: &Path, writer: &Writer) -> bool {
    let procs = Path::new("/proc/self").exists();
    match *writer {
        Writer::Process(pid) if procs => {
            pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > UNKNOWN_WRITER_STALE),
    }
}

/// Removes what killed exports left in `dir`: hidden `.liaison-*.spill` and `.partial` files
/// (encrypted with a key that died with their process, so unreadable, but up to a bundle's
/// size each) whose export no longer runs. Best effort: returns how many went.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(writer) = name.to_str().and_then(temp_writer) else { continue };
        let path = entry.path();
        if is_stale(&path, &writer) && fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Counts and hashes what passes through.
pub struct HashCount<W> {
    inner: W,
    hasher: blake3::Hasher,
    count: u64,
}

impl<W: Write> Write for HashCount<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type Spill = age::stream::StreamWriter<BufWriter<File>>;

/// Collects commits, then writes the bundle.
pub struct BundleWriter {
    dir: PathBuf,
    spill_path: TempPath,
    identity: age::x25519::Identity,
    encoder: zstd::stream::write::Encoder<'static, HashCount<Spill>>,
    line: Vec<u8>,
    /// Blobs written after the commits (deconfliction requests and replies), in order.
    blobs: Vec<Vec<u8>>,
    pub commits: u64,
    pub ops: u64,
}

impl BundleWriter {
    /// Starts a bundle whose temporary files go in `dir` (the output's folder).
    pub fn new(dir: &Path) -> Result<BundleWriter> {
        remove_stale_temps(dir);
        let (spill_path, file) = private_temp(dir, "spill")?;
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        let spill = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| ExchangeError::Io(format!("spill encryption: {e}")))?
            .wrap_output(BufWriter::with_capacity(1 << 16, file))
            .map_err(io_error(spill_path.path()))?;
        let counted = HashCount { inner: spill, hasher: blake3::Hasher::new(), count: 0 };
        let encoder =
            zstd::stream::write::Encoder::new(counted, ZSTD_LEVEL).map_err(io_error(spill_path.path()))?;
        Ok(BundleWriter {
            dir: dir.to_path_buf(),
            spill_path,
            identity,
            encoder,
            line: Vec::with_capacity(1 << 16),
            blobs: Vec::new(),
            commits: 0,
            ops: 0,
        })
    }

    /// Adds a blob; the manifest lists it by its BLAKE3 hash, in the order added.
    pub fn attach(&mut self, blob: Vec<u8>) {
        self.blobs.push(blob);
    }

    /// Adds a commit (its signed header bytes and signature) with the ops it carries.
    pub fn push(&mut self, header: &[u8], sig: &[u8; 64], ops: &[(u32, &[u8])]) -> Result<()> {
        self.line.clear();
        write_commit_line(&mut self.line, header, sig, ops.len() as u32);
        for (idx, body) in ops {
            write_op_line(&mut self.line, *idx, body);
        }
        self.encoder.write_all(&self.line).map_err(io_error(self.spill_path.path()))?;
        self.commits += 1;
        self.ops += ops.len() as u64;
        Ok(())
    }

    /// Signs the manifest `build` makes from the commits entry, encrypts the bundle to
    /// `recipients` and puts it at `output`. Returns the manifest and the file size.
    pub fn finish(
        self,
        build: impl FnOnce(CommitsEntry) -> Manifest,
        key: &SigningKey,
        recipients: &[&dyn age::Recipient],
        output: &Path,
    ) -> Result<(Manifest, u64)> {
        let spill_err = io_error(self.spill_path.path());
        let counted = self.encoder.finish().map_err(&spill_err)?;
        let entry = CommitsEntry {
            bytes: counted.count,
            blake3: counted.hasher.finalize().to_hex().to_string(),
            commits: self.commits,
            ops: self.ops,
        };
        // The writing handle stays open, and the spill locked, until the bundle is written.
        let _locked = counted
            .inner
            .finish()
            .map_err(&spill_err)?
            .into_inner()
            .map_err(|e| spill_err(e.into_error()))?;
        let mut manifest = build(entry);
        manifest.blobs = self.blobs.iter().map(|b| blake3::hash(b).to_hex().to_string()).collect();
        let manifest_bytes = manifest.to_bytes();
        let sig = key.sign(&Manifest::signed_message(&manifest_bytes)).to_bytes();

        let spill = File::open(self.spill_path.path()).map_err(&spill_err)?;
        let mut commits = age::Decryptor::new_buffered(BufReader::with_capacity(1 << 16, spill))
            .and_then(|d| d.decrypt(std::iter::once(&self.identity as &dyn age::Identity)))
            .map_err(|e| ExchangeError::Io(format!("reading back the spill file: {e}")))?;

        let (out_path, file) = private_temp(&self.dir, "partial")?;
        let out_err = io_error(out_path.path());
        let encryptor = age::Encryptor::with_recipients(recipients.iter().copied())
            .map_err(|e| ExchangeError::Input(format!("cannot encrypt to the recipients: {e}")))?;
        let mut sealed = encryptor.wrap_output(BufWriter::with_capacity(1 << 16, file)).map_err(&out_err)?;
        write_tar_with_blobs(
            &mut sealed,
            &manifest_bytes,
            &sig,
            &mut commits,
            manifest.commits.bytes,
            &self.blobs,
        )
        .map_err(&out_err)?;
        let mut buffered = sealed.finish().map_err(&out_err)?;
        buffered.flush().map_err(&out_err)?;
        let file = buffered.into_inner().map_err(|e| out_err(e.into_error()))?;
        file.sync_all().map_err(&out_err)?;
        let size = file.metadata().map_err(&out_err)?.len();
        drop(file);
        drop(out_err);
        let tmp = out_path.keep();
        if let Err(e) = fs::rename(&tmp, output) {
            let _ = fs::remove_file(&tmp);
            return Err(io_error(output)(e));
        }
        if let Some(parent) = output.parent().and_then(|p| File::open(p).ok()) {
            let _ = parent.sync_all();
        }
        Ok((manifest, size))
    }
}

/// Writes the plaintext tar of a bundle: version, manifest, signature, then `commits_len`
/// bytes of compressed commit lines read from `commits`.
pub fn write_tar<W: Write>(
    out: &mut W,
    manifest: &[u8],
    sig: &[u8; 64],
    commits: &mut dyn Read,
    commits_len: u64,
) -> io::Result<()> {
    write_tar_with_blobs(out, manifest, sig, commits, commits_len, &[])
}

/// [`write_tar`] followed by `blobs/<blake3>` entries.
pub fn write_tar_with_blobs<W: Write>(
    out: &mut W,
    manifest: &[u8],
    sig: &[u8; 64],
    commits: &mut dyn Read,
    commits_len: u64,
    blobs: &[Vec<u8>],
) -> io::Result<()> {
    for (name, data) in
        [(VERSION_FILE, VERSION_CONTENT), (MANIFEST_FILE, manifest), (SIGNATURE_FILE, &sig[..])]
    {
        ustar::write_header(out, name, data.len() as u64)?;
        out.write_all(data)?;
        ustar::write_padding(out, data.len() as u64)?;
    }
    ustar::write_header(out, COMMITS_FILE, commits_len)?;
    let copied = io::copy(&mut commits.take(commits_len), out)?;
    if copied != commits_len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the commits ended early"));
    }
    ustar::write_padding(out, commits_len)?;
    for blob in blobs {
        let name = format!("{BLOB_PREFIX}{}", blake3::hash(blob).to_hex());
        ustar::write_header(out, &name, blob.len() as u64)?;
        out.write_all(blob)?;
        ustar::write_padding(out, blob.len() as u64)?;
    }
    ustar::write_end(out)
}

/// Compresses commit lines as a bundle does (for tests and golden files).
pub fn compress_lines(lines: &[Line]) -> io::Result<Vec<u8>> {
    let mut text = Vec::new();
    for l in lines {
        l.write(&mut text);
    }
    zstd::stream::encode_all(&text[..], ZSTD_LEVEL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn write_aged(path: &Path, days: u64) {
        let f = File::create(path).unwrap();
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
        f.set_modified(then).unwrap();
    }

    #[test]
    fn the_next_export_removes_what_killed_exports_left_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        // An export still running (here, in this process).
        let mut live = BundleWriter::new(dir.path()).unwrap();
        live.push(b"header", &[0; 64], &[(0, b"op")]).unwrap();
        let live_spill = names(dir.path());
        assert_eq!(live_spill.len(), 1);
        // What a killed export leaves: its process is gone.
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let dead = gone.id();
        gone.wait().unwrap();
        let stale = [
            format!(".liaison-0123456789abcdef-{dead}.spill"),
            format!(".liaison-fedcba9876543210-{dead}.partial"),
        ];
        for name in &stale {
            fs::write(dir.path().join(name), b"age-encrypted bytes").unwrap();
        }
        // Names of older Liaisons, with no process id: removed once a day old.
        write_aged(&dir.path().join(".liaison-00112233445566ff.spill"), 2);
        write_aged(&dir.path().join(".liaison-aabbccddeeff0011.spill"), 0);
        // Files that only look alike are someone else's.
        let others = [".liaison-notours.spill", "liaison-0123456789abcdef-1.spill", "bundle.partial"];
        for other in others {
            fs::write(dir.path().join(other), b"x").unwrap();
        }
        let next = BundleWriter::new(dir.path()).unwrap();
        let left = names(dir.path());
        for name in &stale {
            assert!(!left.contains(name), "{name} stays: {left:?}");
        }
        assert!(!left.contains(&".liaison-00112233445566ff.spill".to_owned()), "{left:?}");
        assert!(left.contains(&".liaison-aabbccddeeff0011.spill".to_owned()), "{left:?}");
        assert!(left.contains(&live_spill[0]), "the running export's spill stays: {left:?}");
        for other in others {
            assert!(left.contains(&other.to_owned()), "{other} stays: {left:?}");
        }
        drop((live, next));
        assert_eq!(names(dir.path()).len(), 4, "only the others remain");
    }
}
