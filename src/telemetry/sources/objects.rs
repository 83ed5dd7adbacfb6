//! Pings handed over as JavaScript objects, without a text round trip: a walk in JavaScript
//! (`objects.js`, shipped with the core) packs each ping's keys and values as they are
//! (structure ops, one UTF-8 string table), and this reader fills the same `Fields` the
//! text readers fill, key by key as the serde reader visits them, then `judge`s them. The
//! walk decides nothing about validity; a ping it is not sure of is marked odd, and a ping
//! this reader is not sure of (a reserved key, deep nesting, a number where the ledger reads
//! one that is not a plain integer) is given back: both are read from their JSON text as
//! before, so every outcome and every message is the text path's.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::telemetry::ping::{is_reserved, judge, Fields, Leaf, Read, Slot, MAX_DEPTH};

const OBJ: u32 = 0;
const STR: u32 = 2;
const NUM: u32 = 3;
const BOOL: u32 = 4;
const NULL: u32 = 5;
const ARRAY: u32 = 6;
const PING: u32 = 7;
const ODD: u32 = 8;

/// Whole numbers up to this size read the same as a number or as its JSON text.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// Pings read from packs since the module loaded: a test's proof that the common pings do
/// take this path.
static READ_PACKED: AtomicU64 = AtomicU64::new(0);

pub fn read_packed_total() -> u64 {
    READ_PACKED.load(Ordering::Relaxed)
}

/// What `JSON.stringify` made of a chunk's odd pings (the chunk with every packed ping as
/// `null`): the text path's outcome for them depends on the whole chunk's text.
pub enum Odd {
    /// Every ping was packed.
    None,
    Text(String),
    /// `JSON.stringify` threw: the text path reads every ping of the chunk one by one.
    Threw,
}

/// A path of keys, as the trie of the walk numbers it, with what the ledger makes of it
/// decided once (what `Fields::keep` decides for each value of each ping).
struct Node {
    slot: Slot,
    /// An object here is kept, to be reported by its name (`Fields::wants_leaf`).
    wants_leaf: bool,
    /// A value here is read (`Fields::wants`): a number here that is not a plain integer
    /// is left to the text path.
    wants: bool,
    /// A reserved key on the path, or an object here nested too deep: the serde reader
    /// refuses the ping, so the text path reads it.
    refused: bool,
    too_deep: bool,
}

/// One chunk of pings as the walk packed it.
pub struct Packed {
    ops: Vec<u32>,
    /// Every string, each followed by a NUL.
    text: String,
    /// The end of each string in `text` (the next starts one byte later).
    ends: Vec<u32>,
    nodes: Vec<Node>,
    /// Where each ping's ops start (its PING word), and whether it is odd.
    pings: Vec<(usize, bool)>,
    pub odd: Odd,
}

/// What became of one ping of a pack.
pub enum Next<'a> {
    Read(Read<'a>),
    /// The walk was not sure of it: the text path reads it.
    Odd,
    /// This reader was not sure of it: read it from its own JSON text.
    Text,
}

impl Packed {
    /// `None` when the pack does not hold `pings` well-formed pings (the caller then reads
    /// the chunk as text). `trie` holds each node's parent and key (node 0 is the ping).
    pub fn new(ops: Vec<u32>, text: String, ends: Vec<u32>, trie: Vec<u32>, odd: Odd, pings: u32) -> Option<Packed> {
        let mut starts = Vec::with_capacity(pings as usize);
        let mut at = 0;
        while at < ops.len() {
            let word = ops[at];
            if word & 7 != PING {
                return None;
            }
            starts.push((at, word & ODD != 0));
            at = at.checked_add(1 + (word >> 4) as usize)?;
        }
        if at != ops.len() || starts.len() != pings as usize || trie.len() % 2 != 0 {
            return None;
        }
        let mut pack = Packed { ops, text, ends, nodes: Vec::with_capacity(trie.len() / 2), pings: starts, odd };
        let root = Node { slot: Slot::Unused, wants_leaf: false, wants: false, refused: true, too_deep: true };
        pack.nodes.push(root);
        let probe = Fields::default();
        // Each node's path and depth (objects above it below the ping), while it is built.
        let mut paths: Vec<(String, usize)> = vec![(String::new(), 0)];
        for n in 1..trie.len() / 2 {
            let (parent, key) = (trie[2 * n] as usize, pack.string(trie[2 * n + 1])?);
            if parent >= n {
                return None;
            }
            let (above, depth) = &paths[parent];
            // As the text readers build it: a dot only after a path that is not empty (so the
            // keys below an empty key are read as if it were not there).
            let path = if above.is_empty() { key.to_string() } else { format!("{above}.{key}") };
            let depth = if parent == 0 { 0 } else { depth + 1 };
            let refused = is_reserved(key) || (parent > 0 && pack.nodes[parent].refused);
            let node = Node { slot: Slot::of(&path), wants_leaf: probe.wants_leaf(&path), wants: probe.wants(&path), refused, too_deep: depth + 1 >= MAX_DEPTH };
            pack.nodes.push(node);
            paths.push((path, depth));
        }
        Some(pack)
    }

    pub fn len(&self) -> usize {
        self.pings.len()
    }

    /// A reader of the pings in order, its buffers reused from one ping to the next.
    pub fn reader(&self) -> Reader<'_> {
        Reader { pack: self, next: 0, counts: Vec::with_capacity(24) }
    }

    fn string(&self, id: u32) -> Option<&str> {
        let end = *self.ends.get(id as usize)? as usize;
        let start = if id == 0 { 0 } else { self.ends[id as usize - 1] as usize + 1 };
        self.text.get(start..end)
    }
}

pub struct Reader<'a> {
    pack: &'a Packed,
    next: usize,
    counts: Vec<(Cow<'a, str>, Leaf<'a>)>,
}

impl<'a> Reader<'a> {
    /// The next ping of the pack (as many as the pack holds are given).
    pub fn next(&mut self) -> Next<'a> {
        let Some(&(start, odd)) = self.pack.pings.get(self.next) else { return Next::Odd };
        self.next += 1;
        if odd {
            return Next::Odd;
        }
        let mut fields = Fields { counts: std::mem::take(&mut self.counts), ..Fields::default() };
        let end = start + 1 + (self.pack.ops[start] >> 4) as usize;
        let next = match self.values(&mut fields, start + 1, end) {
            Some(()) => {
                READ_PACKED.fetch_add(1, Ordering::Relaxed);
                Next::Read(judge(&mut fields))
            }
            None => Next::Text,
        };
        fields.counts.clear();
        self.counts = fields.counts;
        next
    }

    /// Keeps the ping's values in `fields` by their paths, as the serde reader keeps them;
    /// `None` to leave the ping to the text path.
    fn values(&mut self, fields: &mut Fields<'a>, mut i: usize, end: usize) -> Option<()> {
        let pack: &'a Packed = self.pack;
        let ops = &pack.ops[..end];
        while i < end {
            let word = ops[i];
            i += 1;
            let node = pack.nodes.get((word >> 3) as usize)?;
            if node.refused {
                return None;
            }
            let leaf = match word & 7 {
                OBJ => {
                    if node.too_deep {
                        return None;
                    }
                    if node.wants_leaf {
                        fields.put_again(&node.slot, Leaf::Object);
                    }
                    continue;
                }
                STR => {
                    let s = pack.string(*ops.get(i)?)?;
                    i += 1;
                    Leaf::Text(Cow::Borrowed(s))
                }
                NUM => {
                    let bits = (*ops.get(i)? as u64) | (*ops.get(i + 1)? as u64) << 32;
                    i += 2;
                    match integer(f64::from_bits(bits)) {
                        Some(leaf) => leaf,
                        // Its JSON text, read by serde, is the reference for any other number.
                        None if node.wants => return None,
                        None => continue,
                    }
                }
                BOOL => Leaf::Bool,
                NULL => Leaf::Null,
                ARRAY => Leaf::Array,
                _ => return None,
            };
            fields.put_again(&node.slot, leaf);
        }
        Some(())
    }
}

/// A whole number as its JSON text reads (`JSON.stringify(-0)` is `0`), `None` for any other.
fn integer(x: f64) -> Option<Leaf<'static>> {
    if x.fract() != 0.0 || x.abs() > MAX_EXACT {
        return None;
    }
    Some(if x >= 0.0 { Leaf::Unsigned(x as u64) } else { Leaf::Negative(x as i64) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pack as objects.js writes it: the strings, the trie as (parent, key string) pairs
    /// after the ping's node 0, and the ops.
    fn pack(ops: Vec<u32>, strings: &[&str], trie: &[(u32, u32)], pings: u32) -> Packed {
        let mut ends = Vec::new();
        let mut at = 0;
        for s in strings {
            at += s.len() as u32;
            ends.push(at);
            at += 1;
        }
        let mut nodes = vec![0, 0];
        nodes.extend(trie.iter().flat_map(|(p, k)| [*p, *k]));
        Packed::new(ops, strings.join("\0") + "\0", ends, nodes, Odd::None, pings).expect("a well-formed pack")
    }

    fn num(node: u32, x: f64) -> [u32; 3] {
        let bits = x.to_bits();
        [node << 3 | NUM, bits as u32, (bits >> 32) as u32]
    }

    fn ping(mut ops: Vec<u32>) -> Vec<u32> {
        ops.insert(0, (ops.len() as u32) << 4 | PING);
        ops
    }

    #[test]
    fn a_packed_ping_reads_as_its_text_reads() {
        // {"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":3,"x":-0}},"platform.counts.projects":4}
        let strings = ["instanceId", "a", "receivedAt", "2026-01-05T10:00:00Z", "platform", "counts", "projects", "x", "platform.counts.projects"];
        let trie = [(0, 0), (0, 2), (0, 4), (3, 5), (4, 6), (4, 7), (0, 8)];
        let mut ops = vec![1 << 3 | STR, 1, 2 << 3 | STR, 3, 3 << 3 | OBJ, 4 << 3 | OBJ];
        ops.extend(num(5, 3.0));
        ops.extend(num(6, -0.0));
        ops.extend(num(7, 4.0));
        let mut ops = ping(ops);
        ops.push(ODD | PING);
        let packed = pack(ops, &strings, &trie, 2);
        let mut reader = packed.reader();
        let Next::Read(read) = reader.next() else { panic!("packed") };
        let text = r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":3,"x":0}},"platform.counts.projects":4}"#;
        assert_eq!(read.ping, crate::telemetry::ping::parse(text).ping);
        assert_eq!(read.ping.unwrap().counts, vec![(Cow::Borrowed("projects"), 4), (Cow::Borrowed("x"), 0)]);
        assert!(matches!(reader.next(), Next::Odd));
    }

    #[test]
    fn numbers_the_ledger_reads_go_to_the_text_path_unless_whole() {
        assert_eq!(integer(-0.0), Some(Leaf::Unsigned(0)));
        assert_eq!(integer(MAX_EXACT), Some(Leaf::Unsigned(9_007_199_254_740_992)));
        assert_eq!(integer(-MAX_EXACT), Some(Leaf::Negative(-9_007_199_254_740_992)));
        for x in [0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, MAX_EXACT * 2.0, 1e21] {
            assert_eq!(integer(x), None, "{x}");
        }
        let strings = ["platform.counts.projects", "os", "load"];
        let trie = [(0, 0), (0, 1), (2, 2)];
        let mut ops = ping(num(1, 1.5).to_vec());
        ops.extend(ping([&[2 << 3 | OBJ][..], &num(3, 0.25)].concat()));
        let packed = pack(ops, &strings, &trie, 2);
        let mut reader = packed.reader();
        assert!(matches!(reader.next(), Next::Text), "a fraction where a count goes");
        assert!(matches!(reader.next(), Next::Read(_)), "a fraction nothing reads");
    }

    #[test]
    fn reserved_keys_and_deep_objects_go_to_the_text_path() {
        let strings = ["a.constructor", "x"];
        let mut trie = vec![(0, 0), (0, 1)];
        for n in 2..=MAX_DEPTH as u32 {
            trie.push((n, 1));
        }
        let mut ops = ping(vec![1 << 3 | NULL]);
        ops.extend(ping((2..=MAX_DEPTH as u32 + 1).map(|n| n << 3 | OBJ).collect()));
        ops.extend(ping((2..=MAX_DEPTH as u32).map(|n| n << 3 | OBJ).collect()));
        let packed = pack(ops, &strings, &trie, 3);
        let mut reader = packed.reader();
        assert!(matches!(reader.next(), Next::Text), "reserved");
        assert!(matches!(reader.next(), Next::Text), "{} objects deep", MAX_DEPTH);
        assert!(matches!(reader.next(), Next::Read(_)), "{} objects deep", MAX_DEPTH - 1);
    }

    #[test]
    fn a_malformed_pack_is_refused() {
        assert!(Packed::new(vec![5 << 4 | PING], String::new(), vec![], vec![0, 0], Odd::None, 1).is_none());
        assert!(Packed::new(vec![ODD | PING], String::new(), vec![], vec![0, 0], Odd::None, 2).is_none());
        assert!(Packed::new(vec![ODD | PING], "a\0".into(), vec![1], vec![0, 0, 2, 0], Odd::None, 1).is_none(), "a parent after its child");
        let odd_string = Packed::new(vec![1 << 4 | PING, 1 << 3 | BOOL], "ab\0".into(), vec![4], vec![0, 0, 0, 0], Odd::None, 1);
        assert!(odd_string.is_none(), "a key past the text");
        let unknown_node = Packed::new(vec![1 << 4 | PING, 9 << 3 | BOOL], "ab\0".into(), vec![2], vec![0, 0, 0, 0], Odd::None, 1).unwrap();
        assert!(matches!(unknown_node.reader().next(), Next::Text));
    }
}
