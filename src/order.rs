//! One stable sort for the cold paths. Each `sort_by_key` or `collect` into a `BTreeMap` /
//! `BTreeSet` instantiates std's stable sort for its own element type (about 6.5 KB of the
//! shipped .wasm each); these helpers sort indices with one comparator behind a reference,
//! so every caller shares a single instance. Same order as `sort_by`: ties keep their place.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The order a stable sort would put `n` items in, compared by index.
fn stable_order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// `v.sort_by(cmp)`, through the shared instance.
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = stable_order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().map(|i| slots[i].take().expect("each index once")));
}

/// `v.sort_by_key(key)`, through the shared instance.
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)))
}

/// `iter.collect::<BTreeMap<_, _>>()` (of equal keys the last value stays), by insertion.
pub fn map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut out = BTreeMap::new();
    for (k, v) in items {
        out.insert(k, v);
    }
    out
}

/// `iter.collect::<Result<BTreeMap<_, _>>>()`: the first error, or the map by insertion.
pub fn try_map<K: Ord, V, E>(items: impl IntoIterator<Item = Result<(K, V), E>>) -> Result<BTreeMap<K, V>, E> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item?;
        out.insert(k, v);
    }
    Ok(out)
}

/// `iter.collect::<BTreeSet<_>>()`, by insertion.
pub fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    for item in items {
        out.insert(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_order_as_std_stable_sort() {
        let mut seed = 7u64;
        for n in 0..200 {
            let mut v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|p| p.0);
            sort_by_key(&mut v, |p| p.0);
            assert_eq!(v, expected);
        }
    }

    #[test]
    fn collections_keep_the_last_value() {
        assert_eq!(map([(1, "a"), (2, "b"), (1, "c")]), [(1, "a"), (2, "b"), (1, "c")].into_iter().collect());
        assert_eq!(set([3, 1, 3, 2]), [3, 1, 3, 2].into_iter().collect());
    }
}
