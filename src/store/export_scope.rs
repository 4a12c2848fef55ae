//! A compact map of the records an export's scope holds, each with its owning case.
//!
//! At a million entities a whole-store export's scope is five and a half million records;
//! a `HashMap<Uuid, Option<Uuid>>` of them took ~300 MB (and twice that while it grew).
//! Here each record costs 20 bytes: its id in a sorted vector and a 4-byte index into the
//! few distinct owning cases. Records added after the scope is read (cited sources, office
//! records, records named by requests) are few and kept in a small side table.

use std::collections::HashMap;

use uuid::Uuid;

/// Owner index meaning "no owning case".
const NO_CASE: u32 = 0;
/// Owner index of a record taken out of the map.
const GONE: u32 = u32::MAX;

#[derive(Debug, Default, Clone)]
pub struct ScopeMap {
    /// Record ids, sorted once [`ScopeMap::seal`] ran (pushed unsorted before).
    keys: Vec<u128>,
    /// Per key: 0 for no case, k for `cases[k - 1]`, [`GONE`] once removed.
    owners: Vec<u32>,
    cases: Vec<Uuid>,
    case_index: HashMap<Uuid, u32>,
    /// Records inserted after sealing, with their position after `keys`.
    extra: HashMap<Uuid, u32>,
    extra_owners: Vec<(Uuid, u32)>,
    len: usize,
}

impl ScopeMap {
    /// Adds a record while the scope is being read (any order, no duplicates); call
    /// [`ScopeMap::seal`] before looking anything up.
    pub fn push(&mut self, record: Uuid, owner: Option<Uuid>) {
        let o = self.intern(owner);
        self.keys.push(record.as_u128());
        self.owners.push(o);
        self.len += 1;
    }

    /// Sorts what was pushed: lookups are then binary searches.
    pub fn seal(&mut self) {
        let mut pairs: Vec<(u128, u32)> =
            std::mem::take(&mut self.keys).into_iter().zip(std::mem::take(&mut self.owners)).collect();
        pairs.sort_unstable_by_key(|p| p.0);
        pairs.dedup_by_key(|p| p.0);
        self.len = pairs.len() + self.extra_owners.iter().filter(|(_, o)| *o != GONE).count();
        self.keys = pairs.iter().map(|p| p.0).collect();
        self.owners = pairs.iter().map(|p| p.1).collect();
        self.keys.shrink_to_fit();
        self.owners.shrink_to_fit();
    }

    fn intern(&mut self, owner: Option<Uuid>) -> u32 {
        let Some(case) = owner else { return NO_CASE };
        if let Some(i) = self.case_index.get(&case) {
            return *i;
        }
        self.cases.push(case);
        let i = self.cases.len() as u32;
        self.case_index.insert(case, i);
        i
    }

    fn owner_of(&self, o: u32) -> Option<Uuid> {
        if o == NO_CASE { None } else { Some(self.cases[o as usize - 1]) }
    }

    /// The record's position (stable once sealed): below [`ScopeMap::slots`].
    pub fn index(&self, record: &Uuid) -> Option<usize> {
        if let Ok(i) = self.keys.binary_search(&record.as_u128()) {
            return (self.owners[i] != GONE).then_some(i);
        }
        let j = *self.extra.get(record)? as usize;
        (self.extra_owners[j].1 != GONE).then_some(self.keys.len() + j)
    }

    /// How many positions [`ScopeMap::index`] may return.
    pub fn slots(&self) -> usize {
        self.keys.len() + self.extra_owners.len()
    }

    /// The record at a position.
    pub fn record_at(&self, i: usize) -> Uuid {
        match self.keys.get(i) {
            Some(k) => Uuid::from_u128(*k),
            None => self.extra_owners[i - self.keys.len()].0,
        }
    }

    fn slot(&mut self, i: usize) -> &mut u32 {
        let n = self.keys.len();
        if i < n { &mut self.owners[i] } else { &mut self.extra_owners[i - n].1 }
    }

    pub fn get(&self, record: &Uuid) -> Option<Option<Uuid>> {
        let i = self.index(record)?;
        let o = if i < self.keys.len() { self.owners[i] } else { self.extra_owners[i - self.keys.len()].1 };
        Some(self.owner_of(o))
    }

    pub fn contains_key(&self, record: &Uuid) -> bool {
        self.index(record).is_some()
    }

    /// Adds or replaces a record's owner.
    pub fn insert(&mut self, record: Uuid, owner: Option<Uuid>) {
        let o = self.intern(owner);
        if let Ok(i) = self.keys.binary_search(&record.as_u128()) {
            if self.owners[i] == GONE {
                self.len += 1;
            }
            self.owners[i] = o;
            return;
        }
        if let Some(j) = self.extra.get(&record) {
            let slot = &mut self.extra_owners[*j as usize].1;
            if *slot == GONE {
                self.len += 1;
            }
            *slot = o;
            return;
        }
        self.extra.insert(record, self.extra_owners.len() as u32);
        self.extra_owners.push((record, o));
        self.len += 1;
    }

    /// Adds a record unless it is there already.
    pub fn insert_absent(&mut self, record: Uuid, owner: Option<Uuid>) {
        if !self.contains_key(&record) {
            self.insert(record, owner);
        }
    }

    /// Takes a record out; returns its owner if it was there.
    pub fn remove(&mut self, record: &Uuid) -> Option<Option<Uuid>> {
        let i = self.index(record)?;
        let slot = self.slot(i);
        let o = std::mem::replace(slot, GONE);
        self.len -= 1;
        Some(self.owner_of(o))
    }

    /// Keeps the records for which `keep(record, position, owner)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(Uuid, usize, Option<Uuid>) -> bool) {
        for i in 0..self.slots() {
            let o =
                if i < self.keys.len() { self.owners[i] } else { self.extra_owners[i - self.keys.len()].1 };
            if o == GONE {
                continue;
            }
            if !keep(self.record_at(i), i, self.owner_of(o)) {
                *self.slot(i) = GONE;
                self.len -= 1;
            }
        }
    }

    /// Every record with its owner.
    pub fn iter(&self) -> impl Iterator<Item = (Uuid, Option<Uuid>)> + '_ {
        (0..self.slots()).filter_map(move |i| {
            let o =
                if i < self.keys.len() { self.owners[i] } else { self.extra_owners[i - self.keys.len()].1 };
            (o != GONE).then(|| (self.record_at(i), self.owner_of(o)))
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_inserts_and_removals_agree_with_a_hash_map() {
        let ids: Vec<Uuid> = (0..50u128).map(|i| Uuid::from_u128(i * 7919 % 101)).collect();
        let case = Some(Uuid::from_u128(999));
        let mut m = ScopeMap::default();
        for (k, id) in ids.iter().enumerate().take(30) {
            m.push(*id, if k % 2 == 0 { case } else { None });
        }
        m.seal();
        assert_eq!(m.len(), 30);
        assert_eq!(m.get(&ids[0]), Some(case));
        assert_eq!(m.get(&ids[1]), Some(None));
        assert_eq!(m.get(&ids[40]), None);
        m.insert_absent(ids[40], None);
        m.insert_absent(ids[0], None);
        assert_eq!((m.len(), m.get(&ids[0]), m.get(&ids[40])), (31, Some(case), Some(None)));
        assert_eq!(m.remove(&ids[0]), Some(case));
        assert_eq!(m.remove(&ids[0]), None);
        assert!(!m.contains_key(&ids[0]));
        m.retain(|r, _, _| r != ids[40] && r != ids[1]);
        assert_eq!(m.len(), 28);
        assert_eq!(m.iter().count(), 28);
        assert!(m.iter().all(|(r, _)| m.record_at(m.index(&r).unwrap()) == r));
    }
}
