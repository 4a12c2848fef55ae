//! The audit heads partners announce in their bundles (entries, hash of the last entry),
//! one per sending device. A partner's log only grows, so a head that has fewer entries than
//! the one held before, or as many but another last entry, means entries were removed from
//! it or it was rewritten. That is reported, never grounds to refuse the bundle: its
//! contents are still signed and valid, and refusing would only hide them.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store};
use crate::model::ids::DeviceId;

/// The latest head held from one sending device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerAuditHead {
    pub device: String,
    pub office: String,
    pub entries: i64,
    pub hash: String,
    /// The bundle that carried it, and when it was imported.
    pub bundle: String,
    pub received_at: String,
    /// The latest head from this device that did not extend the one held before it.
    pub warning: Option<String>,
    pub warned_at: Option<String>,
}

/// A head announced in a bundle.
#[derive(Debug, Clone, Copy)]
pub struct AnnouncedHead<'a> {
    pub device: DeviceId,
    pub office: &'a str,
    /// The bundle's sequence number from the sender to this office.
    pub sequence: u64,
    pub entries: i64,
    pub hash: &'a str,
    pub bundle: &'a str,
}

/// Holds `head` against the last head held from its device, inside the import's transaction,
/// and keeps it if it is newer. Returns the warning, in words, if one of the two does not
/// extend the other.
pub fn record(conn: &Connection, head: &AnnouncedHead<'_>) -> Result<Option<String>> {
    let held: Option<(i64, String, i64)> = conn
        .prepare_cached("SELECT entries, hash, sequence FROM peer_audit_head WHERE device = ?1")?
        .query_row([head.device.0.as_slice()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let office = head.office;
    let Some((held_entries, held_hash, held_sequence)) = held else {
        store(conn, head, &now)?;
        return Ok(None);
    };
    // Bundles may arrive out of order: compare the older head with the newer one.
    let newer = head.sequence as i64 >= held_sequence;
    let ((before, before_hash), (after, after_hash)) = if newer {
        ((held_entries, held_hash.as_str()), (head.entries, head.hash))
    } else {
        ((head.entries, head.hash), (held_entries, held_hash.as_str()))
    };
    let warning = if after < before && newer {
        Some(format!(
            "{office}'s audit log went from {before} entries to {after} since its last bundle: \
             entries may have been removed"
        ))
    } else if after < before {
        Some(format!(
            "{office}'s audit log went from {before} entries in this earlier bundle to {after} in a later \
             one: entries may have been removed"
        ))
    } else if after == before && after_hash != before_hash {
        Some(format!(
            "{office}'s audit log was rewritten: it has {after} entries as before, but another last entry"
        ))
    } else {
        None
    };
    if newer {
        store(conn, head, &now)?;
    }
    if let Some(w) = &warning {
        conn.prepare_cached("UPDATE peer_audit_head SET warning = ?2, warned_at = ?3 WHERE device = ?1")?
            .execute(params![head.device.0.as_slice(), w, now])?;
    }
    Ok(warning)
}

fn store(conn: &Connection, head: &AnnouncedHead<'_>, now: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO peer_audit_head(device, office, entries, hash, bundle, received_at, sequence)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(device) DO UPDATE SET office = excluded.office, entries = excluded.entries,
           hash = excluded.hash, bundle = excluded.bundle, received_at = excluded.received_at,
           sequence = excluded.sequence",
    )?
    .execute(params![
        head.device.0.as_slice(),
        head.office,
        head.entries,
        head.hash,
        head.bundle,
        now,
        head.sequence as i64
    ])?;
    Ok(())
}

impl Store {
    /// The audit heads held from other offices' devices, by office.
    pub fn peer_audit_heads(&self) -> Result<Vec<PeerAuditHead>> {
        let mut stmt = self.conn().prepare(
            "SELECT device, office, entries, hash, bundle, received_at, warning, warned_at
             FROM peer_audit_head ORDER BY office, device",
        )?;
        let rows = stmt.query_map([], |r| {
            let device: Vec<u8> = r.get(0)?;
            Ok(PeerAuditHead {
                device: crate::model::ids::hex(&device),
                office: r.get(1)?,
                entries: r.get(2)?,
                hash: r.get(3)?,
                bundle: r.get(4)?,
                received_at: r.get(5)?,
                warning: r.get(6)?,
                warned_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::upgrade(&mut conn).unwrap();
        conn
    }

    fn head(sequence: u64, entries: i64, hash: &str) -> AnnouncedHead<'_> {
        AnnouncedHead {
            device: DeviceId([7; 16]),
            office: "PJ Marseille",
            sequence,
            entries,
            hash,
            bundle: "b",
        }
    }

    #[test]
    fn a_head_that_grows_is_quiet_and_one_that_falls_is_reported() {
        let c = conn();
        assert_eq!(record(&c, &head(1, 20, "aa")).unwrap(), None);
        assert_eq!(record(&c, &head(2, 43, "bb")).unwrap(), None);
        assert_eq!(
            record(&c, &head(3, 13, "cc")).unwrap().as_deref(),
            Some(
                "PJ Marseille's audit log went from 43 entries to 13 since its last bundle: \
                 entries may have been removed"
            )
        );
        // The shorter head is now the one held; the warning stays for `office list`.
        assert_eq!(record(&c, &head(4, 15, "dd")).unwrap(), None);
        let held: (i64, Option<String>) = c
            .query_row("SELECT entries, warning FROM peer_audit_head", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(held.0, 15);
        assert!(held.1.unwrap().contains("from 43 entries to 13"));
    }

    #[test]
    fn the_same_length_with_another_end_is_a_rewrite() {
        let c = conn();
        record(&c, &head(1, 43, "aa")).unwrap();
        let w = record(&c, &head(2, 43, "bb")).unwrap().unwrap();
        assert!(w.contains("was rewritten: it has 43 entries as before"), "{w}");
        assert_eq!(record(&c, &head(3, 43, "bb")).unwrap(), None, "the same head again is no news");
    }

    #[test]
    fn bundles_arriving_out_of_order_are_compared_the_right_way_round() {
        let c = conn();
        record(&c, &head(5, 50, "aa")).unwrap();
        // An older bundle with a shorter head: the log grew between them, as it should.
        assert_eq!(record(&c, &head(4, 40, "bb")).unwrap(), None);
        // An older bundle with a longer head: the log fell between the two.
        let w = record(&c, &head(3, 60, "cc")).unwrap().unwrap();
        assert!(w.contains("went from 60 entries in this earlier bundle to 50 in a later one"), "{w}");
        let entries: i64 = c.query_row("SELECT entries FROM peer_audit_head", [], |r| r.get(0)).unwrap();
        assert_eq!(entries, 50, "the newest bundle's head is the one held");
    }
}
