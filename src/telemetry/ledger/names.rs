//! The names a ledger keeps (dimension values, count keys), each stored once, and the bound
//! on how many it keeps (DESIGN.md, "What outsiders can make us hold"): every name comes from
//! unauthenticated pings, so past a set number of distinct values of a dimension, or of
//! count keys, a new one is counted under `other` and the surplus is reported as overflow.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::telemetry::model::Dimension;
use crate::telemetry::ping;

/// What surplus values are counted under.
pub const OTHER: &str = "other";

/// The most distinct values kept per dimension, and count keys: far above what FlowFuse
/// sends (4 drivers, 3 OSes, a few dozen releases, about 20 count keys).
pub const DEFAULT_VALUES_PER_DIMENSION: u32 = 100;
pub const DEFAULT_COUNT_KEYS: u32 = 200;
/// The settings' upper ends: a bound is only a bound if it cannot be set away.
pub const MAX_VALUES_PER_DIMENSION: u32 = 10_000;
pub const MAX_COUNT_KEYS: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub values_per_dimension: u32,
    pub count_keys: u32,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds { values_per_dimension: DEFAULT_VALUES_PER_DIMENSION, count_keys: DEFAULT_COUNT_KEYS }
    }
}

/// Values counted under `other` because their dimension (or the count keys) was full: per
/// dimension one for each ping that carried such a value, and one for each count value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Overflow {
    pub driver: u64,
    pub os: u64,
    pub version: u64,
    pub license: u64,
    pub counts: u64,
}

impl Overflow {
    pub fn as_array(&self) -> [u64; 5] {
        [self.driver, self.os, self.version, self.license, self.counts]
    }

    /// Every ping value counted under `other`, whatever its dimension (the node's status).
    pub fn total(&self) -> u64 {
        self.as_array().iter().sum()
    }

    pub fn from_array(a: [u64; 5]) -> Overflow {
        Overflow { driver: a[0], os: a[1], version: a[2], license: a[3], counts: a[4] }
    }

    fn bump(&mut self, role: usize) {
        match role {
            0 => self.driver += 1,
            1 => self.os += 1,
            2 => self.version += 1,
            3 => self.license += 1,
            _ => self.counts += 1,
        }
    }

    pub fn any(&self) -> bool {
        self.as_array().iter().any(|n| *n > 0)
    }
}

/// The role of count keys among the roles of a name; dimensions are 0..4.
const COUNT_KEY: usize = Dimension::COUNT;

/// Names seen by the ledger, each stored once, with the roles each plays.
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// Per name, a bit per role (each dimension, then count key) it is kept in.
    roles: Vec<u8>,
    /// Names kept per role (`other` not counted).
    members: [u32; COUNT_KEY + 1],
    /// The name last seen at each place of a ping (its four dimensions, then its counts in
    /// order): pings of a log mostly repeat the names of the one before, and one
    /// comparison is cheaper than hashing.
    recent: Vec<u32>,
    pub(super) bounds: Bounds,
    pub(super) overflow: Overflow,
}

/// Places of a ping whose last name is remembered (pings have about twenty).
const RECENT_NAMES: usize = 64;

impl Names {
    /// The id of a name kept as dimension `d`'s value, at place `at` of a ping.
    pub(super) fn value_id(&mut self, at: usize, d: Dimension, name: &str) -> u32 {
        self.bounded(at, d.index(), name, self.bounds.values_per_dimension)
    }

    /// The id of a name kept as a count key, at place `at` of a ping.
    pub(super) fn count_id(&mut self, at: usize, name: &str) -> u32 {
        self.bounded(at, COUNT_KEY, name, self.bounds.count_keys)
    }

    #[inline]
    fn bounded(&mut self, at: usize, role: usize, name: &str, limit: u32) -> u32 {
        let bit = 1u8 << role;
        let found = self.find_at(at, name);
        if let Some(id) = found {
            if self.roles[id as usize] & bit != 0 {
                return id;
            }
        }
        if self.members[role] < limit {
            let id = found.unwrap_or_else(|| self.id(name));
            self.roles[id as usize] |= bit;
            self.members[role] += 1;
            self.remember(at, id);
            return id;
        }
        self.overflow.bump(role);
        let other = self.id(OTHER);
        self.roles[other as usize] |= bit;
        other
    }

    /// A name's id if it is stored: the one last seen at `at`, or by its hash.
    fn find_at(&mut self, at: usize, name: &str) -> Option<u32> {
        if let Some(&id) = self.recent.get(at) {
            if ping::same(self.names[id as usize].as_bytes(), name.as_bytes()) {
                return Some(id);
            }
        }
        let id = *self.ids.get(name)?;
        self.remember(at, id);
        Some(id)
    }

    fn remember(&mut self, at: usize, id: u32) {
        if at < RECENT_NAMES {
            if at >= self.recent.len() {
                self.recent.resize(at + 1, id);
            }
            self.recent[at] = id;
        }
    }

    /// The id of a name, stored if new, whatever its role (restoring a saved ledger).
    pub(super) fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.roles.push(0);
        self.ids.insert(name.into(), id);
        id
    }

    /// Marks a restored ping's names as kept in their roles (a saved ledger holds what the
    /// bounds of its day let in, even past today's).
    pub(super) fn mark(&mut self, dims: &[u32; Dimension::COUNT], counts: &[(u32, u64)]) {
        for (role, &id) in dims.iter().enumerate() {
            self.mark_one(role, id);
        }
        for &(id, _) in counts {
            self.mark_one(COUNT_KEY, id);
        }
    }

    fn mark_one(&mut self, role: usize, id: u32) {
        let bit = 1u8 << role;
        let Some(roles) = self.roles.get_mut(id as usize) else { return };
        if *roles & bit == 0 {
            *roles |= bit;
            if self.names[id as usize].as_ref() != OTHER {
                self.members[role] += 1;
            }
        }
    }

    /// Sums a ping's surplus count values (all under `other`) into one entry.
    pub(super) fn merge_other(&self, counts: &mut Vec<(u32, u64)>) {
        let Some(other) = self.lookup(OTHER) else { return };
        let total = counts.iter().filter(|(k, _)| *k == other).fold(0u64, |sum, (_, v)| sum.saturating_add(*v));
        let Some(first) = counts.iter().position(|(k, _)| *k == other) else { return };
        counts[first].1 = total;
        let mut seen = false;
        counts.retain(|(k, _)| *k != other || !std::mem::replace(&mut seen, true));
    }

    pub(super) fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub(super) fn all(&self) -> &[Box<str>] {
        &self.names
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    pub(super) fn lookup(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_bound_new_values_are_other_and_known_ones_stay() {
        let mut names = Names { bounds: Bounds { values_per_dimension: 2, count_keys: 1 }, ..Names::default() };
        let a = names.value_id(0, Dimension::Driver, "localfs");
        let b = names.value_id(0, Dimension::Driver, "docker");
        let c = names.value_id(0, Dimension::Driver, "k8s");
        assert_eq!((names.name(a), names.name(b), names.name(c)), ("localfs", "docker", OTHER));
        // A known value is kept whenever it comes back; "k8s" was never stored.
        assert_eq!(names.value_id(0, Dimension::Driver, "localfs"), a);
        assert_eq!(names.lookup("k8s"), None);
        // Another dimension has its own bound; a name kept as one role is not kept as another.
        let os = names.value_id(1, Dimension::Os, "docker");
        assert_eq!(names.name(os), "docker");
        let projects = names.count_id(4, "projects");
        assert_eq!(names.name(projects), "projects");
        let devices = names.count_id(5, "devices");
        assert_eq!(names.name(devices), OTHER);
        assert_eq!(names.overflow, Overflow { driver: 1, counts: 1, ..Overflow::default() });
    }
}
