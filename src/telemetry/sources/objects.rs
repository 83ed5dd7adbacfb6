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

use crate::telemetry::ping::{is_reserved, judge, Fields, Key, Leaf, Read, MAX_DEPTH};

const OBJ: u32 = 0;
const END: u32 = 1;
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

/// One chunk of pings as the walk packed it.
pub struct Packed {
    ops: Vec<u32>,
    /// Every string, each followed by a NUL.
    text: String,
    /// The end of each string in `text` (the next starts one byte later).
    ends: Vec<u32>,
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
    /// the chunk as text).
    pub fn new(ops: Vec<u32>, text: String, ends: Vec<u32>, odd: Odd, pings: u32) -> Option<Packed> {
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
        if at != ops.len() || starts.len() != pings as usize {
            return None;
        }
        Some(Packed { ops, text, ends, pings: starts, odd })
    }

    pub fn len(&self) -> usize {
        self.pings.len()
    }

    /// A reader of the pings in order, its buffers reused from one ping to the next.
    pub fn reader(&self) -> Reader<'_> {
        Reader { pack: self, next: 0, path: String::with_capacity(64), bases: Vec::with_capacity(MAX_DEPTH), counts: Vec::with_capacity(24) }
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
    path: String,
    bases: Vec<usize>,
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
        let next = match self.members(&mut fields, start + 1, end) {
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

    /// Keeps the ping's values in `fields` by their dotted paths, as the serde reader keeps
    /// them; `None` to leave the ping to the text path.
    fn members(&mut self, fields: &mut Fields<'a>, mut i: usize, end: usize) -> Option<()> {
        let pack = self.pack;
        let ops = &pack.ops[..end];
        self.path.clear();
        self.bases.clear();
        while i < end {
            let word = ops[i];
            i += 1;
            let tag = word & 7;
            if tag == END {
                match self.bases.pop() {
                    Some(base) => self.path.truncate(base),
                    None => return (i == end).then_some(()),
                }
                continue;
            }
            let key = pack.string(word >> 3)?;
            if is_reserved(key) {
                return None;
            }
            let base = self.path.len();
            if base > 0 {
                self.path.push('.');
            }
            self.path.push_str(key);
            let leaf = match tag {
                OBJ => {
                    if fields.wants_leaf(&self.path) {
                        fields.keep(&self.path, &Key::Borrowed(key), Leaf::Object);
                    }
                    if self.bases.len() + 1 >= MAX_DEPTH {
                        return None;
                    }
                    self.bases.push(base);
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
                        None if fields.wants(&self.path) => return None,
                        None => {
                            self.path.truncate(base);
                            continue;
                        }
                    }
                }
                BOOL => Leaf::Bool,
                NULL => Leaf::Null,
                ARRAY => Leaf::Array,
                _ => return None,
            };
            fields.keep(&self.path, &Key::Borrowed(key), leaf);
            self.path.truncate(base);
        }
        None
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

    /// A pack as objects.js writes it, for pings given as (key, value) trees.
    fn pack(ops: Vec<u32>, strings: &[&str], pings: u32) -> Packed {
        let mut ends = Vec::new();
        let mut at = 0;
        for s in strings {
            at += s.len() as u32;
            ends.push(at);
            at += 1;
        }
        Packed::new(ops, strings.join("\0") + "\0", ends, Odd::None, pings).expect("a well-formed pack")
    }

    fn num(key: u32, x: f64) -> [u32; 3] {
        let bits = x.to_bits();
        [key << 3 | NUM, bits as u32, (bits >> 32) as u32]
    }

    #[test]
    fn a_packed_ping_reads_as_its_text_reads() {
        // {"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":3,"x":-0}}}
        let strings = ["instanceId", "a", "receivedAt", "2026-01-05T10:00:00Z", "platform", "counts", "projects", "x"];
        let mut ops = vec![0, 0 << 3 | STR, 1, 2 << 3 | STR, 3, 4 << 3 | OBJ, 5 << 3 | OBJ];
        ops.extend(num(6, 3.0));
        ops.extend(num(7, -0.0));
        ops.extend([END, END, END]);
        ops[0] = ((ops.len() as u32 - 1) << 4) | PING;
        ops.push(ODD | PING);
        let packed = pack(ops, &strings, 2);
        let mut reader = packed.reader();
        let Next::Read(read) = reader.next() else { panic!("packed") };
        let text = r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":3,"x":0}}}"#;
        assert_eq!(read.ping, crate::telemetry::ping::parse(text).ping);
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
        let mut ops = vec![0];
        ops.extend(num(0, 1.5));
        ops.push(END);
        ops[0] = ((ops.len() as u32 - 1) << 4) | PING;
        let mut second = vec![0, 1 << 3 | OBJ];
        second.extend(num(2, 0.25));
        second.extend([END, END]);
        second[0] = ((second.len() as u32 - 1) << 4) | PING;
        ops.extend(second);
        let packed = pack(ops, &strings, 2);
        let mut reader = packed.reader();
        assert!(matches!(reader.next(), Next::Text), "a fraction where a count goes");
        assert!(matches!(reader.next(), Next::Read(_)), "a fraction nothing reads");
    }

    #[test]
    fn a_malformed_pack_is_refused() {
        assert!(Packed::new(vec![5 << 4 | PING], String::new(), vec![], Odd::None, 1).is_none());
        assert!(Packed::new(vec![ODD | PING], String::new(), vec![], Odd::None, 2).is_none());
        let odd_string = Packed::new(vec![2 << 4 | PING, 0 << 3 | BOOL, END], "ab\0".into(), vec![4], Odd::None, 1).unwrap();
        assert!(matches!(odd_string.reader().next(), Next::Text), "a string past the text");
    }
}
