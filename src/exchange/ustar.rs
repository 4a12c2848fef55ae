//! The strict tar profile inside a bundle (docs/bundle-format.md §3).
//!
//! A bundle's tar holds only regular files with fixed names, each with a canonical ustar
//! header: mode 0644, owner 0/0, time 0, no user or group names. The reader rebuilds the
//! canonical header from the name and size it reads and demands the same 512 bytes, so
//! extensions (pax, GNU long names), links, devices, odd modes and hidden fields are all
//! refused with one rule, and any flipped header byte is noticed. Padding and the two
//! closing zero blocks must be zeros, and nothing may follow them.

use std::io::{self, Read, Write};

pub const BLOCK: u64 = 512;
/// The size field holds 11 octal digits: entries stay below 8 GiB.
pub const MAX_ENTRY_BYTES: u64 = (1 << 33) - 1;

/// Why a tar stream is not a bundle's tar.
#[derive(Debug)]
pub enum TarError {
    /// The stream ended early.
    Truncated,
    /// The bytes break the profile.
    Invalid(String),
    Io(io::Error),
}

fn read_error(e: io::Error) -> TarError {
    if e.kind() == io::ErrorKind::UnexpectedEof { TarError::Truncated } else { TarError::Io(e) }
}

/// The canonical header of an entry.
pub fn header(name: &str, size: u64) -> io::Result<[u8; 512]> {
    if size > MAX_ENTRY_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "tar entry too large"));
    }
    let mut h = tar::Header::new_ustar();
    h.set_path(name)?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    Ok(*h.as_bytes())
}

/// Zero bytes after an entry of `size` bytes, up to the next block.
pub fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

/// Writes one entry header; the caller then writes exactly `size` bytes and the padding.
pub fn write_header<W: Write>(w: &mut W, name: &str, size: u64) -> io::Result<()> {
    w.write_all(&header(name, size)?)
}

pub fn write_padding<W: Write>(w: &mut W, size: u64) -> io::Result<()> {
    w.write_all(&[0u8; 512][..padding(size) as usize])
}

/// The two zero blocks that close the archive.
pub fn write_end<W: Write>(w: &mut W) -> io::Result<()> {
    w.write_all(&[0u8; 1024])
}

/// Reads a bundle tar entry by entry.
pub struct TarReader<R> {
    inner: R,
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R) -> TarReader<R> {
        TarReader { inner }
    }

    /// The next entry's (name, size), or None after the closing zero blocks (and then the
    /// stream must end).
    pub fn next_entry(&mut self) -> Result<Option<(String, u64)>, TarError> {
        let mut block = [0u8; 512];
        self.inner.read_exact(&mut block).map_err(read_error)?;
        if block.iter().all(|b| *b == 0) {
            self.inner.read_exact(&mut block).map_err(read_error)?;
            if block.iter().any(|b| *b != 0) {
                return Err(TarError::Invalid("the closing blocks of the archive are not zeros".into()));
            }
            let mut extra = [0u8; 1];
            return match self.inner.read(&mut extra) {
                Ok(0) => Ok(None),
                Ok(_) => Err(TarError::Invalid("bytes follow the end of the archive".into())),
                Err(e) => Err(read_error(e)),
            };
        }
        let name_field = &block[..100];
        let name_len = name_field.iter().position(|b| *b == 0).unwrap_or(100);
        let name = std::str::from_utf8(&name_field[..name_len])
            .map_err(|_| TarError::Invalid("an entry name is not UTF-8".into()))?
            .to_owned();
        let size = parse_octal(&block[124..136])
            .ok_or_else(|| TarError::Invalid(format!("entry {name:?} has an unreadable size")))?;
        let canonical = header(&name, size)
            .map_err(|_| TarError::Invalid(format!("entry {name:?} has an impossible name or size")))?;
        if canonical != block {
            return Err(TarError::Invalid(format!("entry {name:?} has a header outside the bundle profile")));
        }
        Ok(Some((name, size)))
    }

    /// The data of the current entry, `size` bytes; call [`TarReader::end_entry`] after
    /// reading all of it.
    pub fn data(&mut self, size: u64) -> io::Take<&mut R> {
        (&mut self.inner).take(size)
    }

    /// Reads a whole (small) entry.
    pub fn read_entry(&mut self, size: u64) -> Result<Vec<u8>, TarError> {
        let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
        self.data(size).read_to_end(&mut bytes).map_err(read_error)?;
        if bytes.len() as u64 != size {
            return Err(TarError::Truncated);
        }
        self.end_entry(size)?;
        Ok(bytes)
    }

    /// Checks the padding after an entry of `size` bytes whose data has been read.
    pub fn end_entry(&mut self, size: u64) -> Result<(), TarError> {
        let mut pad = [0u8; 512];
        let pad = &mut pad[..padding(size) as usize];
        self.inner.read_exact(pad).map_err(read_error)?;
        if pad.iter().any(|b| *b != 0) {
            return Err(TarError::Invalid("padding after an entry is not zeros".into()));
        }
        Ok(())
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let digits: &[u8] = field.split(|b| *b == 0 || *b == b' ').next()?;
    if digits.is_empty() || digits.len() > 11 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, d| match d {
        b'0'..=b'7' => Some(acc * 8 + u64::from(d - b'0')),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            write_header(&mut out, name, data.len() as u64).unwrap();
            out.extend_from_slice(data);
            write_padding(&mut out, data.len() as u64).unwrap();
        }
        write_end(&mut out).unwrap();
        out
    }

    #[test]
    fn written_archives_read_back_and_other_tools_agree() {
        let bytes = archive(&[("BUNDLE-VERSION", b"1\n"), ("manifest.json", b"{}")]);
        let mut r = TarReader::new(&bytes[..]);
        assert_eq!(r.next_entry().unwrap(), Some(("BUNDLE-VERSION".into(), 2)));
        assert_eq!(r.read_entry(2).unwrap(), b"1\n");
        assert_eq!(r.next_entry().unwrap(), Some(("manifest.json".into(), 2)));
        assert_eq!(r.read_entry(2).unwrap(), b"{}");
        assert_eq!(r.next_entry().unwrap(), None);
        // The tar crate reads our archives as ordinary ustar files.
        let mut a = tar::Archive::new(&bytes[..]);
        let names: Vec<String> =
            a.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert_eq!(names, ["BUNDLE-VERSION", "manifest.json"]);
    }

    #[test]
    fn every_flipped_byte_is_refused_or_changes_what_is_read() {
        let bytes = archive(&[("manifest.json", b"{\"a\":1}")]);
        for i in 0..bytes.len() {
            let mut t = bytes.clone();
            t[i] ^= 0x20;
            let mut r = TarReader::new(&t[..]);
            let outcome = (|| -> Result<Vec<u8>, TarError> {
                let (name, size) = r.next_entry()?.ok_or(TarError::Truncated)?;
                let data = r.read_entry(size)?;
                if r.next_entry()?.is_some() || name != "manifest.json" {
                    return Err(TarError::Truncated);
                }
                Ok(data)
            })();
            // Only the file's own bytes may change silently (a signature covers those).
            if let Ok(data) = outcome {
                assert!((512..519).contains(&i), "flip at {i} accepted");
                assert_ne!(data, b"{\"a\":1}");
            }
        }
    }

    #[test]
    fn trailing_bytes_and_truncation_are_refused() {
        let mut bytes = archive(&[("x", b"abc")]);
        bytes.push(0);
        let mut r = TarReader::new(&bytes[..]);
        let (_, size) = r.next_entry().unwrap().unwrap();
        r.read_entry(size).unwrap();
        assert!(matches!(r.next_entry(), Err(TarError::Invalid(_))));
        let bytes = archive(&[("x", b"abc")]);
        let short = &bytes[..bytes.len() - 1];
        let mut r = TarReader::new(short);
        let (_, size) = r.next_entry().unwrap().unwrap();
        r.read_entry(size).unwrap();
        assert!(matches!(r.next_entry(), Err(TarError::Truncated)));
    }
}
