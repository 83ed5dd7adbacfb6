//! A hand-rolled reader for the pings nearly every raw log holds: one JSON object a line,
//! strings without escapes, whole numbers. It fills the same `Fields` the serde reader does,
//! touching each byte once and building nothing for the values the ledger does not use.
//!
//! It never decides on its own that a line is bad. Anything outside that common case (an
//! escape, an exponent, a negative or fractional number where the ledger reads one, a
//! reserved key, deep nesting, a syntax error) makes it give up with `None`, and the serde
//! reader reads the line from the start: so every rejection, and its message, is the serde
//! reader's, and the two agree on every line the scanner does accept (the property test
//! below checks this on mangled pings).

use std::borrow::Cow;

use super::{is_reserved, judge, parse_bytes_with_serde, Fields, Key, Leaf, Read, MAX_DEPTH};

/// Bounds the nesting of skipped arrays well below serde_json's own limit (128), so a line
/// this reader accepts is never one serde_json would refuse for depth.
const MAX_SKIP_NESTING: usize = 64;

/// Integers of up to 18 digits fit a u64 exactly; longer ones go to serde's rules.
const MAX_INTEGER_DIGITS: usize = 18;

/// Reads one ping into `fields` (empty on entry), with `path` as the reused key buffer.
/// `None`: not the common case, read the line with serde instead.
pub(super) fn read<'a>(text: &'a [u8], fields: &mut Fields<'a>, path: &mut String) -> Option<()> {
    let mut s = Scanner { b: text, i: 0 };
    s.blanks();
    if s.peek()? != b'{' {
        return None;
    }
    s.object(fields, path, 0)?;
    s.blanks();
    (s.i == text.len()).then_some(())
}

/// Reads every ping of a JSON array text (what `JSON.stringify` makes of a chunk of pings),
/// each element as `LineReader` reads a line: the scanner where it can, the serde reader on
/// that element's text where it cannot. `None` when the array itself is outside the common
/// case (an escape or deep nesting in an element the scanner left to serde, or anything that
/// is not a plain array): the caller then reads the whole text with serde, so every outcome
/// is the serde reader's either way.
pub(crate) fn array(text: &[u8]) -> Option<Vec<Read<'_>>> {
    let mut s = Scanner { b: text, i: 0 };
    let mut reads = Vec::new();
    let mut path = String::with_capacity(64);
    let mut counts = Vec::with_capacity(24);
    s.blanks();
    if s.peek()? != b'[' {
        return None;
    }
    s.i += 1;
    s.blanks();
    if s.peek()? == b']' {
        s.i += 1;
    } else {
        loop {
            s.blanks();
            let start = s.i;
            let mut fields = Fields { counts: std::mem::take(&mut counts), ..Fields::default() };
            path.clear();
            let scanned = s.peek()? == b'{' && s.object(&mut fields, &mut path, 0).is_some();
            let read = if scanned {
                judge(&mut fields)
            } else {
                s.i = start;
                s.skip(0)?;
                parse_bytes_with_serde(&text[start..s.i])
            };
            fields.counts.clear();
            counts = fields.counts;
            reads.push(read);
            s.blanks();
            if s.separator(b']')? {
                break;
            }
        }
    }
    s.blanks();
    (s.i == text.len()).then_some(reads)
}

/// A number as far as the reader is concerned.
enum Number {
    /// A whole number of at most 18 digits, no sign, no fraction: what counts and epoch
    /// milliseconds are.
    Unsigned(u64),
    /// Valid JSON, but negative or fractional: serde's reading of it is the reference.
    Other,
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// After a value of an array or an object: a `,` (more to come, `false`) or its `close`
    /// (the end, `true`), read past; anything else is not for the scanner.
    #[inline]
    fn separator(&mut self, close: u8) -> Option<bool> {
        let c = self.peek()?;
        if c != b',' && c != close {
            return None;
        }
        self.i += 1;
        Some(c == close)
    }

    /// JSON's four blanks, as serde_json reads them.
    fn blanks(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.blanks();
        if self.peek()? != c {
            return None;
        }
        self.i += 1;
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? != word {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    /// The object at the cursor, `depth` objects below the ping, each key's value kept in
    /// `fields` by its dotted path as the serde reader keeps it.
    fn object(&mut self, fields: &mut Fields<'a>, path: &mut String, depth: usize) -> Option<()> {
        self.i += 1; // `{`
        self.blanks();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let base = path.len();
        loop {
            self.blanks();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if is_reserved(key) {
                return None;
            }
            self.expect(b':')?;
            self.blanks();
            path.truncate(base);
            if base > 0 {
                path.push('.');
            }
            path.push_str(key);
            self.value(fields, path, key, depth)?;
            self.blanks();
            if self.separator(b'}')? {
                break;
            }
        }
        path.truncate(base);
        Some(())
    }

    /// The value of key `key` (whose dotted path is `path`) in an object `depth` below the ping.
    fn value(&mut self, fields: &mut Fields<'a>, path: &mut String, key: &'a str, depth: usize) -> Option<()> {
        let leaf = match self.peek()? {
            b'{' => {
                if fields.wants_leaf(path) {
                    fields.keep(path, &Key::Borrowed(key), Leaf::Object);
                }
                if depth + 1 >= MAX_DEPTH {
                    return None;
                }
                return self.object(fields, path, depth + 1);
            }
            b'[' => {
                self.skip(0)?;
                Leaf::Array
            }
            b'"' => Leaf::Text(Cow::Borrowed(self.string()?)),
            b't' => {
                self.literal(b"true")?;
                Leaf::Bool
            }
            b'f' => {
                self.literal(b"false")?;
                Leaf::Bool
            }
            b'n' => {
                self.literal(b"null")?;
                Leaf::Null
            }
            _ => match self.number()? {
                Number::Unsigned(n) => Leaf::Unsigned(n),
                // serde's float reading may differ from Rust's in the last digit, and its
                // value shows in error messages: a number the ledger reads goes to serde.
                Number::Other if fields.wants(path) => return None,
                Number::Other => return Some(()),
            },
        };
        fields.keep(path, &Key::Borrowed(key), leaf);
        Some(())
    }

    /// Reads past any value (inside an array: nothing in it is used).
    fn skip(&mut self, nesting: usize) -> Option<()> {
        match self.peek()? {
            open @ (b'[' | b'{') => {
                if nesting >= MAX_SKIP_NESTING {
                    return None;
                }
                let close = if open == b'[' { b']' } else { b'}' };
                self.i += 1;
                self.blanks();
                if self.peek()? == close {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.blanks();
                    if open == b'{' {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        self.string()?;
                        self.expect(b':')?;
                        self.blanks();
                    }
                    self.skip(nesting + 1)?;
                    self.blanks();
                    if self.separator(close)? {
                        return Some(());
                    }
                }
            }
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// A number in JSON's grammar, without an exponent (serde_json refuses some of those
    /// as out of range: its message is the reference).
    fn number(&mut self) -> Option<Number> {
        let negative = self.peek()? == b'-';
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut value = 0u64;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            value = value.wrapping_mul(10).wrapping_add((c - b'0') as u64);
            self.i += 1;
        }
        let digits = self.i - start;
        // No digits, a leading zero, or too many to be exact.
        if digits == 0 || (digits > 1 && self.b[start] == b'0') || digits > MAX_INTEGER_DIGITS {
            return None;
        }
        let mut fraction = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            let from = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            if self.i == from {
                return None;
            }
            fraction = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            return None;
        }
        Some(if negative || fraction { Number::Other } else { Number::Unsigned(value) })
    }

    /// The string at the cursor (on its opening quote), borrowed: `None` when it holds an
    /// escape or is not valid UTF-8 (serde's to judge), or is unterminated.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.i + 1;
        let (end, ascii) = string_end(self.b, start)?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        let bytes = &self.b[start..end];
        if ascii {
            // SAFETY: every byte is below 0x80, and ASCII is UTF-8.
            Some(unsafe { std::str::from_utf8_unchecked(bytes) })
        } else {
            std::str::from_utf8(bytes).ok()
        }
    }
}

/// Where the string that starts at `from` stops: the first `"`, `\` or control character
/// (below 0x20) at or after `from`, and whether every byte before it is ASCII.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn string_end(b: &[u8], from: usize) -> Option<(usize, bool)> {
    use core::arch::wasm32::*;
    let quote = u8x16_splat(b'"');
    let backslash = u8x16_splat(b'\\');
    let blank = u8x16_splat(0x20);
    let mut high = 0u16;
    let mut j = from;
    while j + 16 <= b.len() {
        // SAFETY: `j + 16 <= b.len()`, so the 16 bytes read are inside `b`; wasm loads need
        // no alignment.
        let v = unsafe { v128_load(b.as_ptr().add(j) as *const v128) };
        let stops = u8x16_bitmask(v128_or(v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)), u8x16_lt(v, blank)));
        let above = u8x16_bitmask(v);
        if stops != 0 {
            let k = stops.trailing_zeros();
            high |= above & ((1u16 << k) - 1);
            return Some((j + k as usize, high == 0));
        }
        high |= above;
        j += 16;
    }
    let (end, ascii) = string_end_scalar(b, j)?;
    Some((end, ascii && high == 0))
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn string_end(b: &[u8], from: usize) -> Option<(usize, bool)> {
    string_end_scalar(b, from)
}

fn string_end_scalar(b: &[u8], from: usize) -> Option<(usize, bool)> {
    let rest = b.get(from..)?;
    let k = rest.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    Some((from + k, rest[..k].is_ascii()))
}

/// The lines of a text, split at each `\n` as `split(|b| *b == b'\n')` splits them (so a
/// text ending in a newline ends in an empty line), found 16 bytes at a time.
pub struct Lines<'a> {
    text: &'a [u8],
    /// Where the next line starts; past the end once the last line is given.
    at: usize,
}

pub fn lines(text: &[u8]) -> Lines<'_> {
    Lines { text, at: 0 }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        if start > self.text.len() {
            return None;
        }
        let end = newline(self.text, start).unwrap_or(self.text.len());
        self.at = end + 1;
        Some(&self.text[start..end])
    }
}

/// The first `\n` at or after `from`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn newline(b: &[u8], from: usize) -> Option<usize> {
    use core::arch::wasm32::*;
    let nl = u8x16_splat(b'\n');
    let mut j = from;
    while j + 16 <= b.len() {
        // SAFETY: `j + 16 <= b.len()`: the 16 bytes read are inside `b`.
        let v = unsafe { v128_load(b.as_ptr().add(j) as *const v128) };
        let hits = u8x16_bitmask(u8x16_eq(v, nl));
        if hits != 0 {
            return Some(j + hits.trailing_zeros() as usize);
        }
        j += 16;
    }
    b.get(j..)?.iter().position(|c| *c == b'\n').map(|k| j + k)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn newline(b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?.iter().position(|c| *c == b'\n').map(|k| from + k)
}

#[cfg(test)]
mod tests {
    use super::super::{parse_bytes, parse_bytes_with_serde, Read};
    use proptest::prelude::*;

    fn same(a: &Read, b: &Read) -> bool {
        a.instance_id == b.instance_id && a.ping == b.ping
    }

    const PINGS: [&str; 4] = [
        r#"{"instanceId":"2c3f012c-fe61-4cf7-8b77-1ce9e7fd2092","os":{"type":"Linux","release":"6.1.0","arch":"x64"},"env":{"nodejs":"v20.20.2","flowforge":"2.33.2"},"platform":{"counts":{"users":2,"teams":1,"projects":3,"devices":1,"projectSnapshots":6,"projectsByState":{"suspended":0},"blueprints":0},"config":{"driver":"docker"},"license":{"id":"","type":"CE"}},"receivedAt":"2026-01-05T10:00:00.000Z"}"#,
        r#"{"instanceId":"a","created_at":"2026-01-05 10:00:00","os.type":"Darwin","env.flowforge":"2.33.2-git","platform.counts.projects":3,"platform.counts.projectsByState.suspended":1,"platform.counts.devices":null,"platform.config.driver":"docker","platform.config.broker.enabled":true}"#,
        r#" { "instanceId" : "é😀 ok" , "receivedAt" : 1767607200000 , "tags" : [1, -2.5, "x", {"a": [true, null]}], "x": {"y": -3, "z": 0.25} } "#,
        r#"{"instanceId":"b","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":-1}}}"#,
    ];

    #[test]
    fn the_scanner_reads_common_pings_itself() {
        for text in &PINGS[..3] {
            let mut fields = super::super::Fields::default();
            let mut path = String::new();
            assert!(super::read(text.as_bytes(), &mut fields, &mut path).is_some(), "{text}");
            assert!(same(&parse_bytes(text.as_bytes()), &parse_bytes_with_serde(text.as_bytes())), "{text}");
        }
    }

    #[test]
    fn what_it_leaves_to_serde_is_read_the_same() {
        let hard = [
            PINGS[3],
            r#"{"instanceId":"a\u0041","receivedAt":"2026-01-05T10:00:00Z"}"#,
            r#"{"instanceId":"a","receivedAt":1.7676072e12}"#,
            r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","__proto__":1}"#,
            r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z",}"#,
            r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z"} x"#,
            r#"{"instanceId":"a","receivedAt":01}"#,
            r#"[1]"#,
            r#"{"instanceId":"a","x":1e400}"#,
            r#"{"instanceId":"a","x":"\ud800"}"#,
        ];
        for text in hard {
            assert!(same(&parse_bytes(text.as_bytes()), &parse_bytes_with_serde(text.as_bytes())), "{text}");
        }
    }

    /// The serde reader over a whole array: the reference `array` agrees with.
    fn serde_array(text: &[u8]) -> Result<Vec<Read<'_>>, serde_json::Error> {
        use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
        struct One;
        impl<'de> DeserializeSeed<'de> for One {
            type Value = Read<'de>;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read<'de>, D::Error> {
                super::super::read(d)
            }
        }
        struct All;
        impl<'de> Visitor<'de> for All {
            type Value = Vec<Read<'de>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Read<'de>>, A::Error> {
                let mut reads = Vec::new();
                while let Some(read) = seq.next_element_seed(One)? {
                    reads.push(read);
                }
                Ok(reads)
            }
        }
        let mut d = serde_json::Deserializer::from_slice(text);
        let reads = d.deserialize_seq(All)?;
        d.end()?;
        Ok(reads)
    }

    /// Whatever `array` reads, serde reads the same, element by element.
    fn agrees(text: &[u8]) -> bool {
        match (super::array(text), serde_array(text)) {
            (Some(fast), Ok(slow)) => fast.len() == slow.len() && fast.iter().zip(&slow).all(|(a, b)| same(a, b)),
            (Some(_), Err(_)) => false,
            (None, _) => true,
        }
    }

    #[test]
    fn an_array_of_common_pings_is_read_by_the_scanner() {
        let text = format!("[{},{},{}]", PINGS[0], PINGS[1], PINGS[0]);
        let reads = super::array(text.as_bytes()).expect("read by the scanner");
        assert_eq!(reads.len(), 3);
        assert!(agrees(text.as_bytes()));
        assert!(super::array(b"[]").unwrap().is_empty());
        // What JSON.stringify makes of odd elements: each is read, and refused, as serde reads it.
        let deep = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        // Read by the scanner (deep(20) is too deep for the ping reader, not for the split),
        // and then as serde reads them.
        for text in [format!("[{},null,1,\"x\",[],{}]", PINGS[3], PINGS[2]), format!("[{}]", deep(20))] {
            assert!(super::array(text.as_bytes()).is_some(), "read by the scanner: {text}");
            assert!(agrees(text.as_bytes()), "{text}");
        }
        // Deeper than the split goes: left to serde whole.
        for text in [format!("[{}]", deep(70)), format!("[{}]", deep(130))] {
            assert!(super::array(text.as_bytes()).is_none(), "left to serde: {text}");
        }
        for not_common in [r#"{"a":1}"#, r#"[{"instanceId":"a\u0041"}]"#, "[1,]", "[1] x", "[1"] {
            assert!(super::array(not_common.as_bytes()).is_none(), "{not_common}");
        }
    }

    #[test]
    fn lines_split_as_split_does() {
        for text in ["", "\n", "a", "a\n", "\n\nab\nc", &"x".repeat(40), &format!("{}\n{}\n\n", "y".repeat(17), "z".repeat(33))] {
            let expected: Vec<&[u8]> = text.as_bytes().split(|b| *b == b'\n').collect();
            assert_eq!(super::lines(text.as_bytes()).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
        /// Mangled pings (a byte changed, inserted or cut) read the same either way.
        #[test]
        fn mangled_pings_read_the_same(which in 0..PINGS.len(), at in 0usize..400, byte in prop::sample::select(b"{}[]\",:.-+eE0129 \\tnulx\x7f\xc3\xa9\xff\n".to_vec()), op in 0..3) {
            let mut text = PINGS[which].as_bytes().to_vec();
            let at = at % (text.len() + 1);
            match op {
                0 if at < text.len() => text[at] = byte,
                1 => text.insert(at, byte),
                _ => text.truncate(at),
            }
            let fast = parse_bytes(&text);
            let slow = parse_bytes_with_serde(&text);
            prop_assert!(same(&fast, &slow), "{}: {:?} against {:?}", String::from_utf8_lossy(&text), fast.ping, slow.ping);
        }

        /// Arrays of pings with a byte changed, inserted or cut anywhere (in a ping, a comma,
        /// a bracket) read the same as serde reads them, or are left to serde whole.
        #[test]
        fn mangled_arrays_read_the_same(a in 0..PINGS.len(), b in 0..PINGS.len(), at in 0usize..900, byte in prop::sample::select(b"{}[]\",:.-+eE0129 \tnulx\x7f\xc3\xa9\xff\n".to_vec()), op in 0..3) {
            let mut text = format!("[{},{}, {} ]", PINGS[a], PINGS[b], PINGS[a]).into_bytes();
            let at = at % (text.len() + 1);
            match op {
                0 if at < text.len() => text[at] = byte,
                1 => text.insert(at, byte),
                _ => text.truncate(at),
            }
            prop_assert!(agrees(&text), "{}", String::from_utf8_lossy(&text));
        }
    }
}
