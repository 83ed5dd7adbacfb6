//! The fields of one ping the ledger reads, as a reader (serde, the scanner, a table row)
//! fills them: raw leaves, not yet validated.

use std::borrow::Cow;

use super::{COUNTS_PREFIX, FORBIDDEN_KEYS};
use crate::error::Error;
use crate::telemetry::model::Dimension;

/// Column sizes of the collector's `pings` table (shared/fixtures/pings-table.sql): a ping
/// that would not fit its row is not a FlowFuse ping.
pub(crate) const STRING_COLUMNS: [(&str, usize); 9] = [
    ("ip", 256),
    ("env.flowforge", 64),
    ("env.nodejs", 64),
    ("os.arch", 32),
    ("os.release", 128),
    ("os.type", 32),
    ("platform.config.driver", 32),
    ("platform.license.id", 256),
    ("platform.license.type", 16),
];

/// The place in `STRING_COLUMNS` of the field a dimension comes from.
pub(crate) const fn dimension_column(d: Dimension) -> usize {
    match d {
        Dimension::Driver => 6,
        Dimension::Os => 5,
        Dimension::Version => 1,
        Dimension::License => 8,
    }
}

/// A leaf value of a ping, borrowed from the JSON text where possible.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf<'a> {
    Null,
    Bool,
    Unsigned(u64),
    Negative(i64),
    Float(f64),
    Text(Cow<'a, str>),
    Array,
    /// An object where a single value belongs (`instanceId: {…}`).
    Object,
}

impl Leaf<'_> {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Leaf::Null => "null",
            Leaf::Bool => "a boolean",
            Leaf::Unsigned(_) | Leaf::Negative(_) | Leaf::Float(_) => "a number",
            Leaf::Text(_) => "a string",
            Leaf::Array => "an array",
            Leaf::Object => "an object",
        }
    }
}

/// The fields of one ping the ledger uses, as read. A later occurrence of the same field
/// (a flat key next to its nested twin) wins.
#[derive(Default)]
pub(crate) struct Fields<'a> {
    pub(crate) instance_id: Option<Leaf<'a>>,
    pub(crate) received_at: Option<Leaf<'a>>,
    pub(crate) created_at: Option<Leaf<'a>>,
    pub(crate) columns: [Option<Leaf<'a>>; 9],
    pub(crate) counts: Vec<(Cow<'a, str>, Leaf<'a>)>,
    /// The first problem met while reading keys (a reserved name, too deep).
    pub(crate) problem: Option<Error>,
}

impl<'a> Fields<'a> {
    /// Whether a value at `path` is one the ledger reads.
    pub(crate) fn wants(&self, path: &str) -> bool {
        self.wants_leaf(path) || path.starts_with(COUNTS_PREFIX)
    }

    /// Whether `path` names a single value (so an object there is kept, to be reported by
    /// its name and not as missing).
    pub(crate) fn wants_leaf(&self, path: &str) -> bool {
        matches!(path, "instanceId" | "receivedAt" | "created_at") || column(path).is_some()
    }

    /// `key` is the last key of `path`, borrowed from the text when it had no escapes.
    ///
    /// Called for every value of every ping: the names are compared by `same`, which the
    /// compiler inlines, where `==` on strings calls `memcmp` in WebAssembly.
    pub(crate) fn keep(&mut self, path: &str, key: &Key<'a>, leaf: Leaf<'a>) {
        let p = path.as_bytes();
        if p.len() > COUNTS_PREFIX.len() && same(&p[..COUNTS_PREFIX.len()], COUNTS_PREFIX.as_bytes()) {
            let name = &path[COUNTS_PREFIX.len()..];
            // The path always ends with the key: when the key is at least as long as the
            // name, the name is the key's tail (`projects` nested, or a flat
            // `platform.counts.projects`) and is borrowed; deeper names are built once.
            let name: Cow<'a, str> = match key {
                Key::Borrowed(k) if k.len() >= name.len() => Cow::Borrowed(&k[k.len() - name.len()..]),
                _ => Cow::Owned(name.to_string()),
            };
            match self.counts.iter_mut().find(|(k, _)| same(k.as_bytes(), name.as_bytes())) {
                Some(slot) => slot.1 = leaf,
                None => self.counts.push((name, leaf)),
            }
        } else if same(p, b"instanceId") {
            self.instance_id = Some(leaf);
        } else if same(p, b"receivedAt") {
            self.received_at = Some(leaf);
        } else if same(p, b"created_at") {
            self.created_at = Some(leaf);
        } else if let Some(i) = column(path) {
            self.columns[i] = Some(leaf);
        }
    }
}

/// An object key, borrowed from the JSON text unless it held escapes.
pub(crate) enum Key<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

/// Where `keep` puts the value of a flat name, decided once for a name that every row
/// repeats (a table's column): the rows then skip matching it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slot {
    InstanceId,
    ReceivedAt,
    CreatedAt,
    Column(usize),
    /// A count, by its name below `platform.counts.`.
    Count(String),
    /// A name the ledger does not read.
    Unused,
}

impl Slot {
    pub(crate) fn of(path: &str) -> Slot {
        let p = path.as_bytes();
        if p.len() > COUNTS_PREFIX.len() && same(&p[..COUNTS_PREFIX.len()], COUNTS_PREFIX.as_bytes()) {
            Slot::Count(path[COUNTS_PREFIX.len()..].to_string())
        } else if same(p, b"instanceId") {
            Slot::InstanceId
        } else if same(p, b"receivedAt") {
            Slot::ReceivedAt
        } else if same(p, b"created_at") {
            Slot::CreatedAt
        } else if let Some(i) = column(path) {
            Slot::Column(i)
        } else {
            Slot::Unused
        }
    }
}

impl<'a> Fields<'a> {
    /// `keep` for a name already resolved to its slot, for names that are distinct (a
    /// table's columns): the same outcome, with no matching and no search of the counts.
    pub(crate) fn put(&mut self, slot: &'a Slot, leaf: Leaf<'a>) {
        self.put_in(slot, leaf, false)
    }

    /// `keep` for a path already resolved to its slot, where a path may come again (an
    /// object's keys): a later value of the same field wins, counts keep the order they
    /// were first seen in.
    pub(crate) fn put_again(&mut self, slot: &'a Slot, leaf: Leaf<'a>) {
        self.put_in(slot, leaf, true)
    }

    fn put_in(&mut self, slot: &'a Slot, leaf: Leaf<'a>, search: bool) {
        match slot {
            Slot::Count(name) => match if search { self.counts.iter_mut().find(|(k, _)| same(k.as_bytes(), name.as_bytes())) } else { None } {
                Some(count) => count.1 = leaf,
                None => self.counts.push((Cow::Borrowed(name.as_str()), leaf)),
            },
            Slot::InstanceId => self.instance_id = Some(leaf),
            Slot::ReceivedAt => self.received_at = Some(leaf),
            Slot::CreatedAt => self.created_at = Some(leaf),
            Slot::Column(i) => self.columns[*i] = Some(leaf),
            Slot::Unused => {}
        }
    }
}

/// Whether a key, or a dotted part of it, is one of `FORBIDDEN_KEYS`. Called for every key
/// of every ping, so the common case (no dot, not 9 or 11 long) is decided at once.
pub fn is_reserved(key: &str) -> bool {
    // Every reserved name is 9 or 11 bytes long: most keys are decided by their length.
    if key.len() < 9 {
        return false;
    }
    let reserved = |part: &[u8]| matches!(part.len(), 9 | 11) && FORBIDDEN_KEYS.iter().any(|k| same(k.as_bytes(), part));
    key.as_bytes().split(|b| *b == b'.').any(reserved)
}

/// The column of a collector's string field, by its dotted name.
fn column(path: &str) -> Option<usize> {
    let p = path.as_bytes();
    STRING_COLUMNS.iter().position(|(name, _)| same(p, name.as_bytes()))
}

/// Byte equality, eight bytes at a time, inlined: the key comparisons of reading a ping
/// (a few dozen a ping) are too short to pay for a call to `memcmp`.
#[inline(always)]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i + 8 <= a.len() {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or_default());
        let y = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        if x != y {
            return false;
        }
        i += 8;
    }
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_lookup_matches_the_column_table() {
        for (i, (name, _)) in STRING_COLUMNS.iter().enumerate() {
            assert_eq!(column(name), Some(i), "{name}");
        }
        assert_eq!(column("os"), None);
        assert!(is_reserved("__proto__") && is_reserved("a.constructor.b") && is_reserved("prototype"));
        assert!(!is_reserved("projects") && !is_reserved("platform.counts.projects") && !is_reserved("constructors"));
    }

    #[test]
    fn each_dimension_reads_its_own_column() {
        for d in Dimension::ALL {
            assert_eq!(STRING_COLUMNS[dimension_column(d)].0, d.field(), "{d:?}");
        }
    }
}
