//! The count sets of stored pings, each distinct one kept once. An install's counts mostly
//! repeat from one day to the next, and many installs report the same small numbers, so a
//! stored ping holds a shared handle (8 bytes in WebAssembly) instead of its own copy (16 bytes a count
//! and an allocation): at ten million pings this is most of the ledger's memory.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use crate::telemetry::model::Counts;

/// Sets no stored ping holds any more (its pings were replaced by later ones of the same
/// day) are let go when the table has doubled since the last look, so the table stays
/// within twice the sets in use.
#[derive(Debug, Clone, Default)]
pub(super) struct CountSets {
    sets: FxHashSet<Counts>,
    next_sweep: usize,
}

const FIRST_SWEEP: usize = 4096;

impl CountSets {
    /// The shared copy of `counts`.
    pub(super) fn intern(&mut self, counts: &[(u32, u64)]) -> Counts {
        if let Some(kept) = self.sets.get(counts) {
            return kept.clone();
        }
        if self.sets.len() >= self.next_sweep {
            self.sets.retain(|set| Rc::strong_count(set) > 1);
            self.next_sweep = (2 * self.sets.len()).max(FIRST_SWEEP);
        }
        let set: Counts = counts.into();
        self.sets.insert(set.clone());
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sets_share_one_copy_and_unused_ones_are_let_go() {
        let mut sets = CountSets::default();
        let a = sets.intern(&[(1, 3), (2, 0)]);
        let b = sets.intern(&[(1, 3), (2, 0)]);
        assert!(Rc::ptr_eq(&a, &b));
        assert!(!Rc::ptr_eq(&a, &sets.intern(&[(2, 0), (1, 3)])), "the order of a ping's counts is kept");
        for v in 0..FIRST_SWEEP as u64 {
            sets.intern(&[(9, v)]);
        }
        // The sweep when the table reached FIRST_SWEEP sets (before the last two of the
        // loop) kept only the one still held (a and b's); those two are there until the next.
        assert_eq!(sets.sets.len(), 1 + 2);
        assert!(sets.sets.contains(&a[..]) && !sets.sets.contains(&[(2, 0), (1, 3)][..]));
        assert_eq!(*sets.intern(&[(1, 3), (2, 0)]), [(1, 3), (2, 0)]);
    }
}
