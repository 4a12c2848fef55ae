//! A compact map of the records an export's scope holds, each with its owning case.
//!
//! At a million entities a whole-store export's scope is five and a half million records;
//! a `HashMap<Uuid, Option<Uuid>>` of them took ~300 MB (and twice that while it grew).
//! Here each record costs 16 bytes (its id in a vector sorted in place), and a case record
//! 32 more for its owning case (ids and case index, in a second sorted vector). Records added
//! after the scope is read (cited sources, office records, records named by requests) are few
//! and kept in a small side table.

use std::collections::HashMap;

use uuid::Uuid;

/// Owner index meaning "no owning case".
const NO_CASE: u32 = 0;
/// Owner index of a record taken out of the map.
const GONE: u32 = u32::MAX;

#[derive(Debug, Default, Clone)]
pub struct ScopeMap {
    /// Record ids, sorted in place once [`ScopeMap::seal`] ran (pushed unsorted before).
    keys: Vec<u128>,
    /// The records of `keys` that have an owning case (case records: a minority), sorted
    /// by id once sealed, with 1 + the case's index in `cases`.
    owned: Vec<(u128, u32)>,
    /// Per position of `keys`: taken out.
    gone: Vec<u64>,
    /// Owners changed after sealing (rare: a record taken out and put back).
    changed: HashMap<u128, u32>,
    cases: Vec<Uuid>,
    case_index: HashMap<Uuid, u32>,
    /// Records inserted after sealing, with their position after `keys`.
    extra: HashMap<Uuid, u32>,
    extra_owners: Vec<(Uuid, u32)>,
    len: usize,
}

impl ScopeMap {
    /// An empty map with room for `n` records (no growth by doubling while reading them).
    pub fn with_capacity(n: usize) -> Self {
        ScopeMap { keys: Vec::with_capacity(n), ..ScopeMap::default() }
    }

    /// Adds a record while the scope is being read (any order, no duplicates); call
    /// [`ScopeMap::seal`] before looking anything up.
    pub fn push(&mut self, record: Uuid, owner: Option<Uuid>) {
        let o = self.intern(owner);
        self.keys.push(record.as_u128());
        if o != NO_CASE {
            self.owned.push((record.as_u128(), o));
        }
    }

    /// Sorts what was pushed, in place: lookups are then binary searches.
    pub fn seal(&mut self) {
        self.keys.sort_unstable();
        self.keys.dedup();
        self.keys.shrink_to_fit();
        self.owned.sort_unstable_by_key(|p| p.0);
        self.owned.dedup_by_key(|p| p.0);
        self.owned.shrink_to_fit();
        self.gone = vec![0; self.keys.len().div_ceil(64)];
        self.len = self.keys.len();
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

    fn case_of(&self, o: u32) -> Option<Uuid> {
        if o == NO_CASE { None } else { Some(self.cases[o as usize - 1]) }
    }

    fn is_gone(&self, i: usize) -> bool {
        self.gone[i / 64] & (1 << (i % 64)) != 0
    }

    fn set_gone(&mut self, i: usize, gone: bool) {
        if gone {
            self.gone[i / 64] |= 1 << (i % 64);
        } else {
            self.gone[i / 64] &= !(1 << (i % 64));
        }
    }

    /// The record's position (stable once sealed): below [`ScopeMap::slots`].
    pub fn index(&self, record: &Uuid) -> Option<usize> {
        if let Ok(i) = self.keys.binary_search(&record.as_u128()) {
            return (!self.is_gone(i)).then_some(i);
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

    /// The owner at a live position.
    fn owner_at(&self, i: usize) -> Option<Uuid> {
        let Some(k) = self.keys.get(i) else {
            return self.case_of(self.extra_owners[i - self.keys.len()].1);
        };
        if let Some(o) = self.changed.get(k) {
            return self.case_of(*o);
        }
        match self.owned.binary_search_by_key(k, |p| p.0) {
            Ok(j) => self.case_of(self.owned[j].1),
            Err(_) => None,
        }
    }

    fn live(&self, i: usize) -> bool {
        if i < self.keys.len() { !self.is_gone(i) } else { self.extra_owners[i - self.keys.len()].1 != GONE }
    }

    pub fn get(&self, record: &Uuid) -> Option<Option<Uuid>> {
        Some(self.owner_at(self.index(record)?))
    }

    pub fn contains_key(&self, record: &Uuid) -> bool {
        self.index(record).is_some()
    }

    /// Adds or replaces a record's owner.
    pub fn insert(&mut self, record: Uuid, owner: Option<Uuid>) {
        let o = self.intern(owner);
        if let Ok(i) = self.keys.binary_search(&record.as_u128()) {
            if self.is_gone(i) {
                self.len += 1;
                self.set_gone(i, false);
            }
            self.changed.insert(record.as_u128(), o);
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

    fn take_out(&mut self, i: usize) {
        let n = self.keys.len();
        if i < n {
            self.set_gone(i, true);
        } else {
            self.extra_owners[i - n].1 = GONE;
        }
        self.len -= 1;
    }

    /// Takes a record out; returns its owner if it was there.
    pub fn remove(&mut self, record: &Uuid) -> Option<Option<Uuid>> {
        let i = self.index(record)?;
        let owner = self.owner_at(i);
        self.take_out(i);
        Some(owner)
    }

    /// Keeps the records for which `keep(record, position, owner)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(Uuid, usize, Option<Uuid>) -> bool) {
        for i in 0..self.slots() {
            if self.live(i) && !keep(self.record_at(i), i, self.owner_at(i)) {
                self.take_out(i);
            }
        }
    }

    /// Every record with its owner.
    pub fn iter(&self) -> impl Iterator<Item = (Uuid, Option<Uuid>)> + '_ {
        (0..self.slots()).filter(|i| self.live(*i)).map(|i| (self.record_at(i), self.owner_at(i)))
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
        // Taken out and put back with another owner: the new owner holds.
        assert_eq!(m.remove(&ids[2]), Some(case));
        m.insert_absent(ids[2], None);
        assert_eq!(m.get(&ids[2]), Some(None));
    }
}
