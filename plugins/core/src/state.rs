//! A key→state map whose size is bounded, for rate limiters and alert groups.
//!
//! Two generations: lookups hit the young map first, then the old one (and
//! promote). When the young map reaches half the cap, the old generation is
//! discarded and the young one becomes old. That is an approximate LRU with
//! O(1) work per operation and at most `cap` live keys, so memory never grows
//! with key cardinality. Discarded entries are counted as evictions.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

/// A bounded map; see the module docs.
#[derive(Debug)]
pub(crate) struct BoundedMap<K, V> {
    young: HashMap<K, V>,
    old: HashMap<K, V>,
    half_cap: usize,
    evicted: u64,
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    pub fn new(cap: usize) -> Self {
        BoundedMap { young: HashMap::new(), old: HashMap::new(), half_cap: (cap / 2).max(1), evicted: 0 }
    }

    /// The entry for `key`, created with `init` when absent.
    pub fn get_or_insert_with(&mut self, key: &K, init: impl FnOnce() -> V) -> &mut V {
        if self.young.len() >= self.half_cap && !self.young.contains_key(key) {
            let carried = self.old.remove(key);
            self.evicted += self.old.len() as u64;
            self.old = std::mem::take(&mut self.young);
            if let Some(v) = carried {
                self.young.insert(key.clone(), v);
            }
        }
        match self.young.entry(key.clone()) {
            Entry::Occupied(slot) => slot.into_mut(),
            Entry::Vacant(slot) => slot.insert(self.old.remove(key).unwrap_or_else(init)),
        }
    }

    /// Every live entry, young and old.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.young.iter_mut().chain(self.old.iter_mut())
    }

    /// Removes entries for which `keep` returns false (not counted as evictions).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.young.retain(&mut keep);
        self.old.retain(keep);
    }

    /// Live keys.
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    /// Entries discarded to stay under the cap, since creation.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_under_cap_and_counts_evictions() {
        let mut m: BoundedMap<u64, u64> = BoundedMap::new(100);
        for k in 0..100_000u64 {
            *m.get_or_insert_with(&k, || 0) += 1;
            assert!(m.len() <= 100);
        }
        assert!(m.evicted() >= 100_000 - 100);
    }

    #[test]
    fn recently_used_keys_survive() {
        let mut m: BoundedMap<u64, u64> = BoundedMap::new(10);
        *m.get_or_insert_with(&0, || 0) += 1;
        for k in 1..1000u64 {
            *m.get_or_insert_with(&0, || 0) += 1;
            m.get_or_insert_with(&k, || 0);
        }
        assert_eq!(*m.get_or_insert_with(&0, || 0), 1000);
    }
}
