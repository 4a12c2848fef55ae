//! Reading a bundle file, streaming, with every limit enforced before anything is kept.
//!
//! The reader checks the form (encryption, tar profile, version, manifest shape, line
//! grammar, sizes, the hash of the commits against the manifest); what the content means
//! (signatures, trust, chains, op hashes) is checked by `import`, which sees each commit as
//! the reader yields it. Errors are [`ExchangeError`] rejections with a one-line reason.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use super::format::{
    BLOB_PREFIX, COMMITS_FILE, FORMAT_NAME, Limits, Line, MANIFEST_FILE, Manifest, SIGNATURE_FILE, VERSION,
    VERSION_CONTENT, VERSION_FILE, ZSTD_WINDOW_LOG_MAX,
};
use super::ustar::{TarError, TarReader};
use super::{ExchangeError, Result};

/// A commit as read: its signed header bytes, signature, and the ops carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommit {
    pub header: Vec<u8>,
    pub sig: [u8; 64],
    pub ops: Vec<(u32, Vec<u8>)>,
}

fn tar_error(e: TarError) -> ExchangeError {
    match e {
        TarError::Truncated => ExchangeError::Truncated("the bundle ends early".into()),
        TarError::Invalid(why) => ExchangeError::Damaged(why),
        TarError::Io(e) => plain_io(&e),
    }
}

/// Errors from the decrypted stream: age reports alterations as InvalidData.
fn plain_io(e: &io::Error) -> ExchangeError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => ExchangeError::Truncated("the encrypted file is cut short".into()),
        io::ErrorKind::InvalidData => {
            ExchangeError::Damaged("decryption failed: the file was altered or cut short".into())
        }
        _ => ExchangeError::Io(first_line(e)),
    }
}

/// The first line of a library's message (age's span several), for one-line reasons.
fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().trim_end_matches('.').to_owned()
}

/// A bundle whose version, manifest and signature have been read; the commits come next.
pub struct OpenedBundle<R> {
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub sig: [u8; 64],
    tar: TarReader<R>,
    commits_size: u64,
}

/// Reads the plaintext tar up to the commits entry.
pub fn open_plain<R: Read>(inner: R, limits: &Limits) -> Result<OpenedBundle<R>> {
    let mut tar = TarReader::new(inner);
    let expect = |tar: &mut TarReader<R>, name: &str| -> Result<u64> {
        match tar.next_entry().map_err(tar_error)? {
            Some((n, size)) if n == name => Ok(size),
            Some((n, _)) => {
                Err(ExchangeError::Damaged(format!("expected {name} in the bundle, found {n:?}")))
            }
            None => Err(ExchangeError::Truncated(format!("the bundle has no {name}"))),
        }
    };
    let size = expect(&mut tar, VERSION_FILE)?;
    if size > 16 {
        return Err(ExchangeError::Damaged(format!("{VERSION_FILE} is not a version number")));
    }
    let version = tar.read_entry(size).map_err(tar_error)?;
    if version != VERSION_CONTENT {
        let text = String::from_utf8_lossy(&version).trim().to_owned();
        return Err(match text.parse::<u32>() {
            Ok(v) => ExchangeError::UnsupportedVersion(format!(
                "bundle version {v}; this Liaison reads version {VERSION}: upgrade Liaison to import it"
            )),
            Err(_) => ExchangeError::Damaged(format!("{VERSION_FILE} is not a version number")),
        });
    }
    let size = expect(&mut tar, MANIFEST_FILE)?;
    if size > limits.max_manifest_bytes {
        return Err(ExchangeError::TooLarge(format!(
            "{MANIFEST_FILE} is {size} bytes; the limit is {}",
            limits.max_manifest_bytes
        )));
    }
    let manifest_bytes = tar.read_entry(size).map_err(tar_error)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| ExchangeError::Damaged(format!("{MANIFEST_FILE} is unreadable ({e})")))?;
    check_manifest(&manifest, limits)?;
    let size = expect(&mut tar, SIGNATURE_FILE)?;
    if size != 64 {
        return Err(ExchangeError::Damaged(format!("{SIGNATURE_FILE} is not an Ed25519 signature")));
    }
    let sig: [u8; 64] = tar.read_entry(size).map_err(tar_error)?.try_into().unwrap_or([0; 64]);
    let commits_size = expect(&mut tar, COMMITS_FILE)?;
    if commits_size > limits.max_commits_bytes {
        return Err(ExchangeError::TooLarge(format!(
            "{COMMITS_FILE} is {commits_size} bytes; the limit is {}",
            limits.max_commits_bytes
        )));
    }
    if commits_size != manifest.commits.bytes {
        return Err(ExchangeError::Damaged(format!("{COMMITS_FILE} is not the size the manifest says")));
    }
    Ok(OpenedBundle { manifest, manifest_bytes, sig, tar, commits_size })
}

fn check_manifest(m: &Manifest, limits: &Limits) -> Result<()> {
    if m.format != FORMAT_NAME {
        return Err(ExchangeError::Damaged(format!("the manifest is not a {FORMAT_NAME} manifest")));
    }
    if m.version != VERSION {
        return Err(ExchangeError::UnsupportedVersion(format!(
            "manifest version {}; this Liaison reads version {VERSION}",
            m.version
        )));
    }
    let too_many = |what: &str, n: usize, max: usize| -> Result<()> {
        if n > max {
            return Err(ExchangeError::TooLarge(format!(
                "the manifest lists {n} {what}; the limit is {max}"
            )));
        }
        Ok(())
    };
    too_many("recipients", m.recipients.len(), limits.max_recipients)?;
    too_many("cases", m.cases.len(), limits.max_cases)?;
    too_many("blobs", m.blobs.len(), limits.max_blobs)?;
    for r in &m.recipients {
        too_many("devices of one office", r.devices.len(), limits.max_devices)?;
    }
    if m.commits.commits > limits.max_commits || m.commits.ops > limits.max_ops {
        return Err(ExchangeError::TooLarge(format!(
            "the bundle holds {} commits and {} ops; the limits are {} and {}",
            m.commits.commits, m.commits.ops, limits.max_commits, limits.max_ops
        )));
    }
    let hex_ok = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex_ok(&m.bundle_id, 32)
        || !hex_ok(&m.commits.blake3, 64)
        || !hex_ok(&m.sender.device, 32)
        || !hex_ok(&m.audit_head.hash, 64)
    {
        return Err(ExchangeError::Damaged("the manifest's ids are malformed".into()));
    }
    Ok(())
}

/// Counts and hashes what is read through it.
struct HashRead<R> {
    inner: R,
    hasher: blake3::Hasher,
    count: u64,
}

impl<R: Read> Read for HashRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: Read> OpenedBundle<R> {
    /// Streams commits.jsonl.zst, calling `visit` with each commit, then checks the whole
    /// entry against the manifest (size, BLAKE3, counts).
    pub fn commits(
        &mut self,
        limits: &Limits,
        visit: &mut dyn FnMut(RawCommit) -> Result<()>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<()> {
        let damaged = |why: &str| ExchangeError::Damaged(format!("{COMMITS_FILE}: {why}"));
        let hashing =
            HashRead { inner: self.tar.data(self.commits_size), hasher: blake3::Hasher::new(), count: 0 };
        let mut decoder = zstd::stream::read::Decoder::new(hashing).map_err(|e| plain_io(&e))?;
        decoder.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(|e| plain_io(&e))?;
        let mut lines = BufReader::with_capacity(1 << 16, decoder);
        let mut line = Vec::with_capacity(1 << 12);
        let mut uncompressed = 0u64;
        let (mut commits, mut ops) = (0u64, 0u64);
        let mut pending: Option<(RawCommit, u32)> = None;
        let total_ops = self.manifest.commits.ops;
        loop {
            line.clear();
            let read = (&mut lines)
                .take(limits.max_line_bytes as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| match e.kind() {
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => plain_io(&e),
                    _ => damaged(&format!("not a zstd stream ({e})")),
                })?;
            if read == 0 {
                break;
            }
            uncompressed += read as u64;
            if uncompressed > limits.max_uncompressed_bytes {
                return Err(ExchangeError::TooLarge(format!(
                    "{COMMITS_FILE} decompresses to more than {} bytes",
                    limits.max_uncompressed_bytes
                )));
            }
            if line.last() != Some(&b'\n') {
                if read > limits.max_line_bytes {
                    return Err(ExchangeError::TooLarge(format!(
                        "a line of the commits is longer than {} bytes",
                        limits.max_line_bytes
                    )));
                }
                return Err(damaged("the last line is cut short"));
            }
            match Line::parse(&line[..line.len() - 1]).map_err(|e| damaged(&e))? {
                Line::Commit { header, sig, ops: count } => {
                    if let Some((c, left)) = pending.take() {
                        if left > 0 {
                            return Err(damaged("a commit has fewer ops than it announces"));
                        }
                        visit(c)?;
                    }
                    if count > limits.max_ops_per_commit {
                        return Err(ExchangeError::TooLarge(format!(
                            "a commit carries {count} ops; the limit is {}",
                            limits.max_ops_per_commit
                        )));
                    }
                    commits += 1;
                    if commits > self.manifest.commits.commits {
                        return Err(damaged("more commits than the manifest says"));
                    }
                    pending =
                        Some((RawCommit { header, sig, ops: Vec::with_capacity(count as usize) }, count));
                }
                Line::Op { idx, body } => {
                    let Some((c, left)) = pending.as_mut() else {
                        return Err(damaged("an op comes before any commit"));
                    };
                    if *left == 0 {
                        return Err(damaged("a commit has more ops than it announces"));
                    }
                    if c.ops.last().is_some_and(|(last, _)| *last >= idx) {
                        return Err(damaged("the ops of a commit are out of order"));
                    }
                    *left -= 1;
                    c.ops.push((idx, body));
                    ops += 1;
                    if ops > total_ops {
                        return Err(damaged("more ops than the manifest says"));
                    }
                    if ops % 4096 == 0 {
                        progress(ops, total_ops);
                    }
                }
            }
        }
        if let Some((c, left)) = pending.take() {
            if left > 0 {
                return Err(damaged("the last commit has fewer ops than it announces"));
            }
            visit(c)?;
        }
        let mut rest = lines.into_inner().finish();
        io::copy(&mut rest, &mut io::sink()).map_err(|e| plain_io(&e))?;
        let hashing = rest.into_inner();
        if hashing.count != self.commits_size {
            return Err(ExchangeError::Truncated(format!("{COMMITS_FILE} ends early")));
        }
        if hashing.hasher.finalize().to_hex().as_str() != self.manifest.commits.blake3 {
            return Err(damaged("its hash does not match the signed manifest"));
        }
        if commits != self.manifest.commits.commits || ops != self.manifest.commits.ops {
            return Err(damaged("it holds other counts than the manifest says"));
        }
        progress(ops, total_ops);
        self.tar.end_entry(self.commits_size).map_err(tar_error)
    }

    /// Reads the blobs the manifest names (checking each hash), the end of the archive, and
    /// that nothing follows it. Returns the underlying reader.
    pub fn finish(self, limits: &Limits) -> Result<R> {
        self.finish_with_blobs(limits, 0).map(|(r, _)| r)
    }

    /// [`Self::finish`], keeping the content of each blob of at most `keep_up_to` bytes
    /// (larger ones are checked and dropped).
    pub fn finish_with_blobs(mut self, limits: &Limits, keep_up_to: u64) -> Result<(R, Vec<Vec<u8>>)> {
        let mut kept = Vec::new();
        for name in &self.manifest.blobs {
            let expected = format!("{BLOB_PREFIX}{name}");
            let size = match self.tar.next_entry().map_err(tar_error)? {
                Some((n, size)) if n == expected => size,
                _ => return Err(ExchangeError::Damaged(format!("the bundle lacks {expected}"))),
            };
            if size > limits.max_blob_bytes {
                return Err(ExchangeError::TooLarge(format!(
                    "{expected} is larger than {}",
                    limits.max_blob_bytes
                )));
            }
            let mut hashing =
                HashRead { inner: self.tar.data(size), hasher: blake3::Hasher::new(), count: 0 };
            let mut content = Vec::new();
            if size <= keep_up_to {
                hashing.read_to_end(&mut content).map_err(|e| plain_io(&e))?;
            } else {
                io::copy(&mut hashing, &mut io::sink()).map_err(|e| plain_io(&e))?;
            }
            if hashing.count != size {
                return Err(ExchangeError::Truncated(format!("{expected} ends early")));
            }
            if hashing.hasher.finalize().to_hex().as_str() != name {
                return Err(ExchangeError::Damaged(format!("{expected} does not match its name")));
            }
            self.tar.end_entry(size).map_err(tar_error)?;
            if size <= keep_up_to {
                kept.push(content);
            }
        }
        match self.tar.next_entry().map_err(tar_error)? {
            None => Ok((self.tar.into_inner(), kept)),
            Some((n, _)) => Err(ExchangeError::Damaged(format!("unexpected entry {n:?} in the bundle"))),
        }
    }
}

/// Counts the ciphertext bytes read, to prove the whole file was consumed.
pub struct CountingFile {
    inner: File,
    count: Rc<Cell<u64>>,
}

impl Read for CountingFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A bundle file opened and decrypted with `identity`, read up to its commits.
pub struct EncryptedBundle {
    pub opened: OpenedBundle<age::stream::StreamReader<BufReader<CountingFile>>>,
    consumed: Rc<Cell<u64>>,
    file_len: u64,
}

impl EncryptedBundle {
    pub fn open(path: &Path, identity: &age::x25519::Identity, limits: &Limits) -> Result<EncryptedBundle> {
        let file = File::open(path).map_err(|e| ExchangeError::Io(format!("{}: {e}", path.display())))?;
        let file_len = file.metadata().map_err(|e| ExchangeError::Io(e.to_string()))?.len();
        if file_len > limits.max_file_bytes {
            return Err(ExchangeError::TooLarge(format!(
                "the file is {file_len} bytes; the limit is {}",
                limits.max_file_bytes
            )));
        }
        let consumed = Rc::new(Cell::new(0));
        let counting = CountingFile { inner: file, count: Rc::clone(&consumed) };
        let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(1 << 16, counting)).map_err(
            |e| match e {
                age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    ExchangeError::Truncated("the file ends inside its encryption header".into())
                }
                _ => ExchangeError::Damaged(format!(
                    "not a Liaison bundle, or its encryption header was altered ({})",
                    first_line(&e)
                )),
            },
        )?;
        let stream =
            decryptor.decrypt(std::iter::once(identity as &dyn age::Identity)).map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => {
                    ExchangeError::NotAddressed("it is not encrypted to this office's key".into())
                }
                other => ExchangeError::Damaged(format!(
                    "its encryption header does not open ({})",
                    first_line(&other)
                )),
            })?;
        Ok(EncryptedBundle { opened: open_plain(stream, limits)?, consumed, file_len })
    }

    /// Reads the rest after the commits and proves the whole file was read.
    pub fn finish(self, limits: &Limits) -> Result<()> {
        self.finish_with_blobs(limits, 0).map(|_| ())
    }

    /// [`Self::finish`], returning the blobs of at most `keep_up_to` bytes.
    pub fn finish_with_blobs(self, limits: &Limits, keep_up_to: u64) -> Result<Vec<Vec<u8>>> {
        let (mut stream, blobs) = self.opened.finish_with_blobs(limits, keep_up_to)?;
        let mut extra = [0u8; 1];
        match stream.read(&mut extra) {
            Ok(0) => {}
            Ok(_) => return Err(ExchangeError::Damaged("bytes follow the end of the bundle".into())),
            Err(e) => return Err(plain_io(&e)),
        }
        if self.consumed.get() != self.file_len {
            return Err(ExchangeError::Damaged("bytes follow the end of the encrypted bundle".into()));
        }
        Ok(blobs)
    }
}

/// Entry point for the fuzz target and its corpus replay: reads a plaintext bundle tar with
/// small limits. Must never panic, whatever the bytes.
pub fn fuzz_plaintext(bytes: &[u8]) {
    let limits = Limits {
        max_manifest_bytes: 64 * 1024,
        max_uncompressed_bytes: 8 << 20,
        max_line_bytes: 1 << 20,
        max_blob_bytes: 1 << 20,
        ..Limits::default()
    };
    let Ok(mut opened) = open_plain(bytes, &limits) else { return };
    let mut visit = |c: RawCommit| -> Result<()> {
        let _ = crate::model::op::CommitHeader::decode(&c.header);
        for (_, body) in &c.ops {
            let _ = crate::model::op::Op::decode(body);
        }
        Ok(())
    };
    if opened.commits(&limits, &mut visit, &mut |_, _| {}).is_ok() {
        let _ = opened.finish(&limits);
    }
}
