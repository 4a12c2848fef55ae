//! Blocking: which pairs are compared at all. Each record gets a few keys (sound-alike keys of
//! its name tokens, alone, in pairs and with its birth year; its identifiers); only records
//! sharing a key are compared. A key shared by more than `MAX_BLOCK` records (a common
//! surname, a switchboard number) says little and would make the work quadratic: such a
//! block is skipped and counted, and its pairs are still found through their rarer keys.

use std::collections::{HashMap, HashSet};

use super::Record;

/// Records above which a block is skipped (see the module comment).
pub const MAX_BLOCK: usize = 200;

/// The blocking keys of a record. Keys are hashed to 64 bits: a collision only adds a
/// comparison, never loses one.
pub fn keys(r: &Record) -> Vec<u64> {
    let mut out = Vec::new();
    let mut push = |s: String| out.push(hash(&s));
    let g = r.group();
    let years: Vec<i32> = r.dates.iter().map(|d| d.year).collect();
    for name in &r.names {
        let codes: Vec<&str> = name
            .codes
            .iter()
            .zip(&name.skeletons)
            .map(|(c, s)| if name.abjad || c.0.is_empty() { s.as_str() } else { c.0.as_str() })
            .collect();
        // Sound-alike keys of Latin tokens and skeletons of Arabic-script ones differ:
        // both are keyed, so a Latin name meets its Arabic-script spelling by skeleton.
        let skels: Vec<&str> = name.skeletons.iter().map(String::as_str).collect();
        for set in [&codes, &skels] {
            for (i, c) in set.iter().enumerate() {
                if c.is_empty() {
                    continue;
                }
                // A token alone is a key only for one-word names; longer names meet through
                // pairs of tokens, a token and the birth year, or the date and an initial.
                if set.len() == 1 {
                    push(format!("{g}|t|{c}"));
                }
                for y in &years {
                    push(format!("{g}|ty|{c}|{y}"));
                }
                for d in set.iter().skip(i + 1) {
                    let (x, y) = if c <= d { (c, d) } else { (d, c) };
                    push(format!("{g}|tt|{x}|{y}"));
                }
            }
        }
        // One token by sound, another by its first letters: a typo in either still meets.
        for (i, c) in codes.iter().enumerate() {
            for (j, t) in name.tokens.iter().enumerate() {
                if i != j && !c.is_empty() {
                    push(format!("{g}|tp|{c}|{}", t.get(..3).unwrap_or(t)));
                }
            }
        }
        let joined: String = name.tokens.concat();
        if !joined.is_empty() {
            push(format!("{g}|j|{}", super::normalise::skeleton(&joined)));
        }
    }
    for d in &r.dates {
        if d.day != 0 {
            // Same full date and the same first letter of some name token.
            for name in &r.names {
                for t in &name.skeletons {
                    if let Some(c) = t.chars().next() {
                        push(format!("{g}|dt|{}|{c}", d.text()));
                    }
                }
            }
        }
    }
    // Same date and the same start of an address (its number, its street).
    for d in &r.dates {
        for a in &r.addresses {
            if let Some(first) = a.first() {
                push(format!("{g}|da|{}|{first}", d.text()));
            }
        }
    }
    for id in &r.idents {
        push(format!("{g}|i|{}|{}", id.kind, id.value));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn hash(s: &str) -> u64 {
    let h = blake3::hash(s.as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}

/// Blocking statistics, reported with the candidates.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct BlockStats {
    pub records: usize,
    pub blocks: usize,
    /// Blocks larger than `max_block`, not compared.
    pub blocks_skipped: usize,
    pub max_block: usize,
    /// Pairs compared.
    pub comparisons: usize,
}

/// Pairs (indexes into `records`, smaller first) sharing at least one key; when `focus` is
/// given, only pairs with at least one side in it (and, if `cross`, exactly one).
pub fn pairs(records: &[Record], focus: Option<&[bool]>, cross: bool) -> (Vec<(u32, u32)>, BlockStats) {
    let mut blocks: HashMap<u64, Vec<u32>> = HashMap::new();
    // With a focus (a case, an import), only keys the focus records have can pair anything:
    // the rest of the store is indexed under those alone, which keeps a cross-reference
    // against a million records small.
    let wanted: Option<HashSet<u64>> =
        focus.map(|f| records.iter().enumerate().filter(|(i, _)| f[*i]).flat_map(|(_, r)| keys(r)).collect());
    for (i, r) in records.iter().enumerate() {
        for k in keys(r) {
            if wanted.as_ref().is_none_or(|w| w.contains(&k)) {
                blocks.entry(k).or_default().push(i as u32);
            }
        }
    }
    let mut stats = BlockStats {
        records: records.len(),
        blocks: blocks.len(),
        max_block: MAX_BLOCK,
        ..BlockStats::default()
    };
    // Pairs packed into one u64 (smaller index high), sorted and deduplicated at the end: a
    // hash set of millions of pairs cost more time and three times the memory.
    let mut seen: Vec<u64> = Vec::new();
    for members in blocks.values() {
        if members.len() < 2 {
            continue;
        }
        if members.len() > MAX_BLOCK {
            stats.blocks_skipped += 1;
            continue;
        }
        if let Some(f) = focus {
            if !members.iter().any(|&i| f[i as usize]) {
                continue;
            }
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                if let Some(f) = focus {
                    let (fi, fj) = (f[i as usize], f[j as usize]);
                    if !(fi || fj) || (cross && fi && fj) {
                        continue;
                    }
                }
                if records[i as usize].group() != records[j as usize].group() {
                    continue;
                }
                seen.push((u64::from(i.min(j)) << 32) | u64::from(i.max(j)));
            }
        }
    }
    seen.sort_unstable();
    seen.dedup();
    let out: Vec<(u32, u32)> = seen.into_iter().map(|p| ((p >> 32) as u32, p as u32)).collect();
    stats.comparisons = out.len();
    (out, stats)
}
