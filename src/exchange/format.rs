//! What is inside a bundle (docs/bundle-format.md): the version file, the manifest, the
//! commit lines, and the limits a reader enforces while streaming.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::ids::DeviceId;

/// The first entry of every bundle tar, and its exact content for this version.
pub const VERSION_FILE: &str = "BUNDLE-VERSION";
pub const VERSION: u32 = 1;
pub const VERSION_CONTENT: &[u8] = b"1\n";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SIGNATURE_FILE: &str = "manifest.sig";
pub const COMMITS_FILE: &str = "commits.jsonl.zst";
pub const BLOB_PREFIX: &str = "blobs/";
/// The `format` field of every manifest.
pub const FORMAT_NAME: &str = "liaison-bundle";
/// Domain tag prepended to the manifest bytes before signing.
pub const SIGNATURE_CONTEXT: &[u8] = b"liaison-bundle-manifest-v1\n";
/// zstd level of commits.jsonl.zst.
pub const ZSTD_LEVEL: i32 = 3;
/// Largest zstd window a reader accepts (2^24 = 16 MiB; level 3 uses far less).
pub const ZSTD_WINDOW_LOG_MAX: u32 = 24;

/// What a reader accepts. Everything is checked while streaming, before it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_manifest_bytes: u64,
    /// Compressed size of commits.jsonl.zst.
    pub max_commits_bytes: u64,
    /// Its decompressed size (decompression bombs stop here).
    pub max_uncompressed_bytes: u64,
    pub max_line_bytes: usize,
    pub max_commits: u64,
    pub max_ops: u64,
    pub max_ops_per_commit: u32,
    pub max_recipients: usize,
    pub max_devices: usize,
    pub max_cases: usize,
    pub max_blobs: usize,
    pub max_blob_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 16 << 30,
            max_manifest_bytes: 4 << 20,
            max_commits_bytes: super::ustar::MAX_ENTRY_BYTES,
            max_uncompressed_bytes: 64 << 30,
            max_line_bytes: 16 << 20,
            max_commits: 50_000_000,
            max_ops: 500_000_000,
            max_ops_per_commit: 65_536,
            max_recipients: 64,
            max_devices: 64,
            max_cases: 100_000,
            max_blobs: 100_000,
            max_blob_bytes: 1 << 30,
        }
    }
}

/// An office as a manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub office: String,
    pub agency: String,
    pub country: String,
    /// Hex device id.
    pub device: String,
}

/// A range of one author's commits the sender has sent this recipient: seqs `from` < s ≤ `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cover {
    pub device: String,
    pub from: u64,
    pub to: u64,
}

/// Everything the sender holds from an author, up to `upto`, as received from the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckedUpto {
    pub device: String,
    pub upto: u64,
}

/// What the sender has received from the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Acks {
    /// Ranges (inclusive) of the recipient's bundle sequence numbers the sender imported.
    pub bundles: Vec<[u64; 2]>,
    pub commits: Vec<AckedUpto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub office: String,
    pub agency: String,
    pub country: String,
    /// Hex ids of every device of the office the bundle is encrypted to.
    pub devices: Vec<String>,
    /// The n-th bundle from the sender to this office (gaps are reported as missing).
    pub sequence: u64,
    pub covers: Vec<Cover>,
    pub acks: Acks,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitsEntry {
    /// Size of commits.jsonl.zst.
    pub bytes: u64,
    /// BLAKE3 of commits.jsonl.zst, hex.
    pub blake3: String,
    pub commits: u64,
    pub ops: u64,
}

/// The head of the sender's hash-chained audit log when it wrote the bundle (DESIGN §1): the
/// recipient keeps it, so the sender's log cannot later be rewritten unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditHead {
    pub entries: i64,
    /// BLAKE3 hash of the last entry, hex.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// 16 random bytes, hex: a second import of the same id is "already imported".
    pub bundle_id: String,
    pub created_at: String,
    pub sender: Party,
    pub recipients: Vec<Recipient>,
    /// The cases shared with every recipient whose records the bundle carries.
    pub cases: Vec<Uuid>,
    /// Whether the bundle carries everything shared, not only the unacknowledged delta.
    pub full: bool,
    pub commits: CommitsEntry,
    /// Names (BLAKE3 hex) of the blobs/ entries, in archive order.
    pub blobs: Vec<String>,
    pub audit_head: AuditHead,
}

impl Manifest {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a manifest always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// The bytes an Ed25519 signature covers.
    pub fn signed_message(manifest_bytes: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(SIGNATURE_CONTEXT.len() + manifest_bytes.len());
        m.extend_from_slice(SIGNATURE_CONTEXT);
        m.extend_from_slice(manifest_bytes);
        m
    }

    /// The recipient entry naming `device`, if any.
    pub fn recipient_for(&self, device: DeviceId) -> Option<&Recipient> {
        let hex = device.to_string();
        self.recipients.iter().find(|r| r.devices.contains(&hex))
    }
}

/// One line of commits.jsonl: a commit (its signed header, byte-exact, and signature),
/// followed by `ops` op lines carrying the op bodies the sender releases to the recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Commit { header: Vec<u8>, sig: [u8; 64], ops: u32 },
    Op { idx: u32, body: Vec<u8> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine<'a> {
    #[serde(borrow)]
    commit: Option<&'a str>,
    sig: Option<&'a str>,
    ops: Option<u32>,
    op: Option<u32>,
    body: Option<&'a str>,
}

impl Line {
    /// Appends the line, with its newline, to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Line::Commit { header, sig, ops } => write_commit_line(out, header, sig, *ops),
            Line::Op { idx, body } => write_op_line(out, *idx, body),
        }
    }

    /// Parses one line (without its newline).
    pub fn parse(text: &[u8]) -> Result<Line, String> {
        let raw: RawLine<'_> = serde_json::from_slice(text).map_err(|e| format!("unreadable line: {e}"))?;
        match raw {
            RawLine { commit: Some(h), sig: Some(s), ops: Some(ops), op: None, body: None } => {
                let header = hex_decode(h).ok_or("a commit header is not hex")?;
                let sig = hex_decode(s)
                    .and_then(|s| <[u8; 64]>::try_from(s).ok())
                    .ok_or("a commit signature is not 64 bytes of hex")?;
                Ok(Line::Commit { header, sig, ops })
            }
            RawLine { commit: None, sig: None, ops: None, op: Some(idx), body: Some(b) } => {
                Ok(Line::Op { idx, body: hex_decode(b).ok_or("an op body is not hex")? })
            }
            _ => Err("a line is neither a commit nor an op".into()),
        }
    }
}

/// Appends a commit line (see [`Line::Commit`]).
pub fn write_commit_line(out: &mut Vec<u8>, header: &[u8], sig: &[u8; 64], ops: u32) {
    out.extend_from_slice(b"{\"commit\":\"");
    hex_into(header, out);
    out.extend_from_slice(b"\",\"sig\":\"");
    hex_into(sig, out);
    out.extend_from_slice(format!("\",\"ops\":{ops}}}\n").as_bytes());
}

/// Appends an op line (see [`Line::Op`]).
pub fn write_op_line(out: &mut Vec<u8>, idx: u32, body: &[u8]) {
    out.extend_from_slice(format!("{{\"op\":{idx},\"body\":\"").as_bytes());
    hex_into(body, out);
    out.extend_from_slice(b"\"}\n");
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes`, appended to `out`.
pub fn hex_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

/// Decodes lower-case hex (upper case is refused: one spelling per value).
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    if t.len() % 2 != 0 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    t.chunks_exact(2).map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?)).collect()
}

pub fn parse_device(text: &str) -> Option<DeviceId> {
    Some(DeviceId(hex_decode(text)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_odd_lines_are_refused() {
        for line in [
            Line::Commit { header: vec![1, 2, 255], sig: [7; 64], ops: 3 },
            Line::Op { idx: 9, body: vec![0, 16, 32] },
        ] {
            let mut out = Vec::new();
            line.write(&mut out);
            assert_eq!(out.last(), Some(&b'\n'));
            assert_eq!(Line::parse(&out[..out.len() - 1]).unwrap(), line);
        }
        for bad in [
            &b"{}"[..],
            b"{\"op\":1}",
            b"{\"op\":1,\"body\":\"0g\"}",
            b"{\"op\":1,\"body\":\"AA\"}",
            b"{\"op\":1,\"body\":\"00\",\"x\":1}",
            b"{\"commit\":\"00\",\"sig\":\"00\",\"ops\":1}",
            b"[1]",
        ] {
            assert!(Line::parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn hex_is_lower_case_both_ways() {
        let mut out = Vec::new();
        hex_into(&[0xab, 0x01], &mut out);
        assert_eq!(out, b"ab01");
        assert_eq!(hex_decode("ab01").unwrap(), [0xab, 0x01]);
        assert!(hex_decode("AB01").is_none());
        assert!(hex_decode("abc").is_none());
    }
}
