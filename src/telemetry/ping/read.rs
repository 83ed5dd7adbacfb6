//! The serde reader of a ping: a streaming visitor over one JSON object that keeps only
//! the fields the ledger uses, checking every key on the way. It is the reference every
//! faster reader agrees with.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::fields::{is_reserved, Fields, Key, Leaf};
use super::validate::{judge, instance_id_text};
use super::{PingRef, MAX_DEPTH};
use crate::error::{clip, Clip, Error, Result};

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

/// Serde visitor over one ping object: walks every key, keeps the fields above. The dotted
/// path of the current key lives in one reused buffer.
struct PingReader<'f, 'a> {
    fields: &'f mut Fields<'a>,
    path: &'f mut String,
    depth: usize,
}

impl<'de, 'f> Visitor<'de> for PingReader<'f, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> std::result::Result<(), M::Error> {
        let base = self.path.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            // Once a key is refused the rest is only read past, so the text stays in step
            // (the next ping of a batch starts where it should).
            if self.fields.problem.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.path.truncate(base);
            if base > 0 {
                self.path.push('.');
            }
            self.path.push_str(key.as_str());
            if is_reserved(key.as_str()) {
                self.fields.problem = Some(Error::new(self.path.as_str(), "is a reserved name and cannot be used as a key"));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(ValueReader { fields: &mut *self.fields, path: &mut *self.path, key: &key, depth: self.depth })?;
        }
        self.path.truncate(base);
        Ok(())
    }
}

/// Reads the value of one key: descends into objects, keeps leaves.
struct ValueReader<'f, 'a> {
    fields: &'f mut Fields<'a>,
    path: &'f mut String,
    key: &'f Key<'a>,
    depth: usize,
}

impl<'de, 'f> DeserializeSeed<'de> for ValueReader<'f, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'f> ValueReader<'f, 'de> {
    fn leaf<E>(self, leaf: Leaf<'de>) -> std::result::Result<(), E> {
        self.fields.keep(self.path, self.key, leaf);
        Ok(())
    }
}

impl<'de, 'f> Visitor<'de> for ValueReader<'f, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        self.leaf(Leaf::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<(), E> {
        self.leaf(Leaf::Null)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        self.leaf(Leaf::Bool)
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<(), E> {
        self.leaf(Leaf::Unsigned(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<(), E> {
        self.leaf(if v >= 0 { Leaf::Unsigned(v as u64) } else { Leaf::Negative(v) })
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<(), E> {
        self.leaf(Leaf::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<(), E> {
        self.leaf(Leaf::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<(), E> {
        self.leaf(Leaf::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<(), E> {
        self.leaf(Leaf::Text(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        // Arrays are leaves: nothing in them is used, and they are not descended into.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.leaf(Leaf::Array)
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> std::result::Result<(), M::Error> {
        // An object in place of a single value is kept as such, so it is reported by its
        // name and not as missing. Its keys are still checked on the way through.
        if self.fields.wants_leaf(self.path) {
            self.fields.keep(self.path, self.key, Leaf::Object);
        }
        if self.depth + 1 >= MAX_DEPTH {
            if self.fields.problem.is_none() {
                self.fields.problem = Some(Error::new(self.path.as_str(), format!("is nested more than {MAX_DEPTH} levels deep")));
            }
            let mut map = map;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        PingReader { fields: self.fields, path: self.path, depth: self.depth + 1 }.visit_map(map)
    }
}

/// Reads one ping from a deserializer positioned on it; `Err` when it is not an object or
/// a key is refused. JSON syntax errors are the caller's.
struct Root<'f, 'a> {
    fields: &'f mut Fields<'a>,
    path: &'f mut String,
    kind: &'f mut Option<&'static str>,
}

impl<'de, 'f> DeserializeSeed<'de> for Root<'f, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'f> Visitor<'de> for Root<'f, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ping object")
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> std::result::Result<(), M::Error> {
        *self.kind = Some("an object");
        PingReader { fields: self.fields, path: self.path, depth: 0 }.visit_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        *self.kind = Some("an array");
        Ok(())
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        *self.kind = Some("null");
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        *self.kind = Some("a boolean");
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        *self.kind = Some("a number");
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        *self.kind = Some("a number");
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        *self.kind = Some("a number");
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        *self.kind = Some("a string");
        Ok(())
    }
}

/// One ping read from a deserializer: its outcome, and the `instanceId` it gave if it was
/// a string (for naming a rejection).
pub struct Read<'a> {
    pub ping: Result<PingRef<'a>>,
    pub instance_id: Option<String>,
}

/// Reads and validates the ping a deserializer is positioned on. A JSON syntax error is
/// returned as `Err` so the caller can name the line or position.
pub fn read<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Read<'de>, D::Error> {
    let mut fields = Fields { counts: Vec::with_capacity(24), ..Fields::default() };
    let mut path = String::with_capacity(64);
    let mut kind = None;
    let outcome = Root { fields: &mut fields, path: &mut path, kind: &mut kind }.deserialize(d);
    if let Some(problem) = fields.problem.take() {
        let instance_id = instance_id_text(&fields);
        return Ok(Read { ping: Err(problem), instance_id });
    }
    outcome?;
    if kind != Some("an object") {
        let problem = Error::new("ping", format!("must be an object, got {}", kind.unwrap_or("nothing")));
        return Ok(Read { ping: Err(problem), instance_id: None });
    }
    Ok(judge(&mut fields))
}

/// `parse_bytes` through the serde reader only: the reference the scanner is tested against.
pub(crate) fn parse_bytes_with_serde(text: &[u8]) -> Read<'_> {
    let mut d = serde_json::Deserializer::from_slice(text);
    let not_json = |e: serde_json::Error| Read {
        ping: Err(describe_json_error(text, &e).unwrap_or_else(|| Error::new("ping", format!("is not JSON: {e}")))),
        instance_id: None,
    };
    match read(&mut d) {
        Ok(r) => match d.end() {
            Ok(()) => r,
            Err(e) => not_json(e),
        },
        Err(e) => not_json(e),
    }
}

/// Names what a JSON reader choked on when it is a string that is not Unicode text (a lone
/// UTF-16 surrogate such as `\ud800`, which `JSON.parse` accepts and Rust's strings cannot
/// hold): the key of the string, instead of the whole document.
pub fn describe_json_error(text: &[u8], e: &serde_json::Error) -> Option<Error> {
    let message = e.to_string();
    if !(message.contains("surrogate") || message.contains("hex escape")) {
        return None;
    }
    // The byte offset of the error, from its line and column.
    let mut offset = 0usize;
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if i + 1 == e.line() {
            offset += e.column().min(line.len());
            break;
        }
        offset += line.len() + 1;
    }
    let before = &text[..offset.min(text.len())];
    // The quote that opens the string the error is in (or that it just closed).
    let mut open = None;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in before.iter().enumerate() {
        match (in_string, escaped, *b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (false, _, b'"') => {
                in_string = true;
                open = Some(i);
            }
            _ => {}
        }
    }
    let open = open?;
    // Then past `:` and blanks to the key before it.
    let mut j = open;
    while j > 0 && (before[j - 1] == b' ' || before[j - 1] == b'\t' || before[j - 1] == b'\n' || before[j - 1] == b'\r') {
        j -= 1;
    }
    let why = "is not valid Unicode text: it holds a lone UTF-16 surrogate (a \\ud800–\\udfff escape without its pair)";
    if j == 0 || before[j - 1] != b':' {
        return Some(Error::new("ping", format!("has a string that {why}")));
    }
    j -= 1;
    while j > 0 && before[j - 1].is_ascii_whitespace() {
        j -= 1;
    }
    if j == 0 || before[j - 1] != b'"' {
        return None;
    }
    let key_end = j - 1;
    let key_start = before[..key_end].iter().rposition(|b| *b == b'"')? + 1;
    let key = std::str::from_utf8(&before[key_start..key_end]).ok()?;
    Some(Error::new(clip(key, Clip::VALUE), why))
}
