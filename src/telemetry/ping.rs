//! One usage ping, as a FlowFuse install POSTs it (nested) or as the collector's `pings`
//! table stores it (flat, dotted column names). Both shapes mean the same and normalise to
//! the same `Ping`.
//!
//! Pings are read straight from JSON text by a streaming visitor that keeps only the fields
//! the ledger uses (borrowed from the text where it can) and checks every key on the way:
//! no tree of values is built, which is what makes a raw log of a million pings quick to
//! read. Validation then runs on those fields, the same for every source.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;

use crate::dates::{self, TimeInput};
use crate::error::{clip, Clip, Error, Result};

/// The largest integer a JavaScript number holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

mod scan;

pub use scan::lines;

/// `platform.counts.*`: every numeric key below it is summed over active installs.
pub const COUNTS_PREFIX: &str = "platform.counts.";

/// Column sizes of the collector's `pings` table (shared/fixtures/pings-table.sql): a ping
/// that would not fit its row is not a FlowFuse ping.
const STRING_COLUMNS: [(&str, usize); 9] = [
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
const DRIVER: usize = 6;
const OS: usize = 5;
const VERSION: usize = 1;
const LICENSE: usize = 8;

const MAX_INSTANCE_ID: usize = 256;

/// Deeper than any real ping by far; bounds the work a hostile body can cause.
const MAX_DEPTH: usize = 16;

/// Keys that would change a JavaScript object's prototype if copied into one.
pub const FORBIDDEN_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];

pub const UNKNOWN: &str = "unknown";

/// A leaf value of a ping, borrowed from the JSON text where possible.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Leaf<'a> {
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
    fn kind(&self) -> &'static str {
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

/// A valid ping, its text borrowed from the input where it can be.
#[derive(Debug, Clone, PartialEq)]
pub struct PingRef<'a> {
    pub instance_id: Cow<'a, str>,
    pub received_at: DateTime<Utc>,
    /// `platform.config.driver`
    pub driver: Cow<'a, str>,
    /// `os.type`
    pub os: Cow<'a, str>,
    /// major.minor of `env.flowforge`
    pub version: Cow<'a, str>,
    /// `platform.license.type`
    pub license: Cow<'a, str>,
    /// Every `platform.counts.*` integer, keyed by the dotted path below `counts`, in the
    /// order they came.
    pub counts: Vec<(Cow<'a, str>, u64)>,
}

/// A valid ping, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct Ping {
    pub instance_id: String,
    pub received_at: DateTime<Utc>,
    pub driver: String,
    pub os: String,
    pub version: String,
    pub license: String,
    pub counts: BTreeMap<String, u64>,
}

impl PingRef<'_> {
    pub fn into_owned(self) -> Ping {
        Ping {
            instance_id: self.instance_id.into_owned(),
            received_at: self.received_at,
            driver: self.driver.into_owned(),
            os: self.os.into_owned(),
            version: self.version.into_owned(),
            license: self.license.into_owned(),
            counts: self.counts.into_iter().map(|(k, v)| (k.into_owned(), v)).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NormalisedPing {
    pub instance_id: String,
    /// ISO 8601, UTC, milliseconds.
    pub received_at: String,
    pub day: String,
    pub driver: String,
    pub os: String,
    pub version: String,
    pub license: String,
    pub counts: BTreeMap<String, u64>,
}

impl Ping {
    pub fn normalised(&self) -> NormalisedPing {
        NormalisedPing {
            instance_id: self.instance_id.clone(),
            received_at: dates::format_instant_ms(self.received_at),
            day: dates::format_day(self.received_at.date_naive()),
            driver: self.driver.clone(),
            os: self.os.clone(),
            version: self.version.clone(),
            license: self.license.clone(),
            counts: self.counts.clone(),
        }
    }
}

/// The fields of one ping the ledger uses, as read. A later occurrence of the same field
/// (a flat key next to its nested twin) wins.
#[derive(Default)]
pub(super) struct Fields<'a> {
    instance_id: Option<Leaf<'a>>,
    received_at: Option<Leaf<'a>>,
    created_at: Option<Leaf<'a>>,
    columns: [Option<Leaf<'a>>; 9],
    counts: Vec<(Cow<'a, str>, Leaf<'a>)>,
    /// The first problem met while reading keys (a reserved name, too deep).
    pub(super) problem: Option<Error>,
}

impl<'a> Fields<'a> {
    /// Whether a value at `path` is one the ledger reads.
    fn wants(&self, path: &str) -> bool {
        self.wants_leaf(path) || path.starts_with(COUNTS_PREFIX)
    }

    /// Whether `path` names a single value (so an object there is kept, to be reported by
    /// its name and not as missing).
    fn wants_leaf(&self, path: &str) -> bool {
        matches!(path, "instanceId" | "receivedAt" | "created_at") || column(path).is_some()
    }

    /// `key` is the last key of `path`, borrowed from the text when it had no escapes.
    ///
    /// Called for every value of every ping: the names are compared by `same`, which the
    /// compiler inlines, where `==` on strings calls `memcmp` in WebAssembly.
    pub(super) fn keep(&mut self, path: &str, key: &Key<'a>, leaf: Leaf<'a>) {
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

/// Where `keep` puts the value of a flat name, decided once for a name that every row
/// repeats (a table's column): the rows then skip matching it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Slot {
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
    pub(super) fn of(path: &str) -> Slot {
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
    pub(super) fn put(&mut self, slot: &'a Slot, leaf: Leaf<'a>) {
        match slot {
            Slot::Count(name) => self.counts.push((Cow::Borrowed(name.as_str()), leaf)),
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

/// An object key, borrowed from the JSON text unless it held escapes.
pub(super) enum Key<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

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

/// Validates the fields read from one ping object (taking them out of `fields`).
fn judge<'a>(fields: &mut Fields<'a>) -> Read<'a> {
    // The sender's id is only wanted to name a rejection: a valid ping carries it anyway,
    // so it is only copied out for one.
    let sent_id = match &fields.instance_id {
        Some(Leaf::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let ping = validate(fields);
    let instance_id = match ping {
        Ok(_) => None,
        Err(_) => sent_id.map(|s| s.chars().take(MAX_INSTANCE_ID).collect()),
    };
    Read { instance_id, ping }
}

pub(super) fn instance_id_text(fields: &Fields) -> Option<String> {
    match &fields.instance_id {
        Some(Leaf::Text(s)) => Some(s.chars().take(MAX_INSTANCE_ID).collect()),
        _ => None,
    }
}

/// Reads one ping from its JSON text.
pub fn parse(text: &str) -> Read<'_> {
    parse_bytes(text.as_bytes())
}

/// Reads one ping from the UTF-8 bytes of its JSON text (a line of a raw log read as a
/// buffer: no string is made of the whole file).
pub fn parse_bytes(text: &[u8]) -> Read<'_> {
    LineReader::default().read(text)
}

/// Reads pings from the lines of one text, reusing its buffers from one line to the next
/// (a raw log has a million lines). The common case is read by a hand-rolled scanner
/// (`scan`), anything else by the serde reader, with the same outcome either way.
#[derive(Default)]
pub struct LineReader<'a> {
    path: String,
    counts: Vec<(Cow<'a, str>, Leaf<'a>)>,
}

impl<'a> LineReader<'a> {
    pub fn read(&mut self, text: &'a [u8]) -> Read<'a> {
        let mut fields = Fields { counts: std::mem::take(&mut self.counts), ..Fields::default() };
        self.path.clear();
        let read = match scan::read(text, &mut fields, &mut self.path) {
            Some(()) => judge(&mut fields),
            None => parse_bytes_with_serde(text),
        };
        fields.counts.clear();
        self.counts = fields.counts;
        read
    }
}

/// `parse_bytes` through the serde reader only: the reference the scanner is tested against.
fn parse_bytes_with_serde(text: &[u8]) -> Read<'_> {
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

/// Validates and normalises one ping given as a JSON value (tests, and callers that hold
/// one already).
pub fn normalise(value: &Value) -> Result<Ping> {
    let text = value.to_string();
    parse(&text).ping.map(PingRef::into_owned)
}

/// No FlowFuse (FlowForge) install existed before 2021; a time before 2020 is a mistake (a
/// clock at the epoch, seconds taken for milliseconds) and would stretch every report.
/// 2020-01-01T00:00:00Z in epoch milliseconds.
const EARLIEST_MS: i64 = 1_577_836_800_000;

/// A day of slack for clocks that run ahead.
const FUTURE_SLACK_MS: i64 = 86_400_000;

/// Refuses a ping dated more than a day after `now` (epoch ms): it would put a day that has
/// not happened into every report.
pub fn check_not_future(p: &PingRef<'_>, now: i64) -> Result<()> {
    if p.received_at.timestamp_millis() > now.saturating_add(FUTURE_SLACK_MS) {
        return Err(Error::new("receivedAt", format!("is in the future: {}", dates::format_instant(p.received_at))));
    }
    Ok(())
}

/// Major.minor of a FlowFuse version: `2.33.2` and `2.33.2-git` are `2.33`. It is always a
/// slice of the text, so no string is made for it.
pub fn major_minor(version: &str) -> Option<&str> {
    let v = version.trim().trim_start_matches('v');
    let major = v.bytes().take_while(|b| b.is_ascii_digit()).count();
    if major == 0 || v.as_bytes().get(major) != Some(&b'.') {
        return None;
    }
    let minor = v[major + 1..].bytes().take_while(|b| b.is_ascii_digit()).count();
    if minor == 0 {
        return None;
    }
    Some(&v[..major + 1 + minor])
}

/// The first C0 control character (U+0000–U+001F) or DEL of a text, and where it is.
fn control_character(s: &str) -> Option<(usize, char)> {
    // Every byte of a multi-byte character is 0x80 or above: a text with no byte below
    // 0x20 and no 0x7f has no control character (the common case, decided without
    // decoding).
    if s.bytes().all(|b| b >= 0x20 && b != 0x7f) {
        return None;
    }
    s.chars().enumerate().find(|(_, c)| (*c as u32) < 0x20 || *c == '\u{7f}')
}

/// Whether a text is empty or all white space (`str::trim`'s white space), decided at the
/// first byte when that is a printable ASCII character.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii() && !(*b as char).is_whitespace() => false,
        _ => s.trim().is_empty(),
    }
}

/// A count's name below `platform.counts.`: dotted parts, none of them empty.
fn dotted_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty() && b[0] != b'.' && b[b.len() - 1] != b'.' && !b.windows(2).any(|w| w[0] == b'.' && w[1] == b'.')
}

fn refuse_controls(field: &str, s: &str) -> Result<()> {
    match control_character(s) {
        Some((at, c)) => Err(Error::new(field, format!("must not hold control characters: U+{:04X} at character {}", c as u32, at + 1))),
        None => Ok(()),
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

/// A count: a whole number from 0 to 2^53 − 1, or null (absent). The error is the message;
/// the caller names the field only when there is one.
fn count(leaf: &Leaf) -> std::result::Result<Option<u64>, String> {
    let fail = |why: &str, shown: String| Err(format!("{why}, got {}", clip(&shown, Clip::VALUE)));
    match *leaf {
        Leaf::Null => Ok(None),
        Leaf::Unsigned(c) if (c as f64) <= MAX_SAFE_INTEGER => Ok(Some(c)),
        Leaf::Unsigned(c) => fail("must be at most 2^53 − 1", c.to_string()),
        Leaf::Negative(c) => fail("must not be negative", c.to_string()),
        Leaf::Float(x) if x < 0.0 => fail("must not be negative", x.to_string()),
        Leaf::Float(x) if x.fract() != 0.0 => fail("must be a whole number", x.to_string()),
        Leaf::Float(x) if x > MAX_SAFE_INTEGER => fail("must be at most 2^53 − 1", x.to_string()),
        Leaf::Float(x) => Ok(Some(x as u64)),
        ref other => Err(format!("must be a non-negative integer, got {}", other.kind())),
    }
}

/// The rules of DESIGN.md, in a fixed order so the same ping always names the same field.
pub(super) fn validate<'a>(fields: &mut Fields<'a>) -> Result<PingRef<'a>> {
    let instance_id = fields.instance_id.take();
    let received_at = fields.received_at.take();
    let created_at = fields.created_at.take();
    let columns = &mut fields.columns;
    let instance_id = match instance_id {
        Some(Leaf::Text(s)) if s.is_empty() => return Err(Error::new("instanceId", "must not be empty")),
        Some(Leaf::Text(s)) if s.len() > MAX_INSTANCE_ID && s.chars().count() > MAX_INSTANCE_ID => {
            return Err(Error::new("instanceId", format!("must be at most {MAX_INSTANCE_ID} characters")))
        }
        Some(Leaf::Text(s)) => {
            refuse_controls("instanceId", &s)?;
            s
        }
        None | Some(Leaf::Null) => return Err(Error::new("instanceId", "is required")),
        Some(other) => return Err(Error::new("instanceId", format!("must be a string, got {}", other.kind()))),
    };

    let (time_field, time) = match (received_at, created_at) {
        (Some(t), _) if t != Leaf::Null => ("receivedAt", t),
        (_, Some(t)) if t != Leaf::Null => ("created_at", t),
        _ => return Err(Error::new("receivedAt", "is required (or created_at)")),
    };
    let received_at = match &time {
        Leaf::Text(s) => dates::parse_instant(time_field, TimeInput::Text(s))?,
        Leaf::Unsigned(n) => dates::parse_instant(time_field, TimeInput::EpochMs(*n as f64))?,
        Leaf::Negative(n) => dates::parse_instant(time_field, TimeInput::EpochMs(*n as f64))?,
        Leaf::Float(x) => dates::parse_instant(time_field, TimeInput::EpochMs(*x))?,
        other => {
            return Err(Error::new(time_field, format!("must be a date string or epoch milliseconds, got {}", other.kind())))
        }
    };

    if received_at.timestamp_millis() < EARLIEST_MS {
        return Err(Error::new(time_field, format!("is before 2020, long before any FlowFuse install: {}", dates::format_instant(received_at))));
    }

    for (i, (column, limit)) in STRING_COLUMNS.iter().enumerate() {
        match &columns[i] {
            None | Some(Leaf::Null) => {}
            Some(Leaf::Text(s)) if s.len() <= *limit || s.chars().count() <= *limit => refuse_controls(column, s)?,
            Some(Leaf::Text(_)) => return Err(Error::new(*column, format!("must be at most {limit} characters"))),
            Some(other) => return Err(Error::new(*column, format!("must be a string, got {}", other.kind()))),
        }
    }
    // Dimension values become keys of the report's maps (`byDriver`): a reserved name there
    // would be dropped or worse by a JavaScript object.
    for i in [DRIVER, OS, LICENSE] {
        if let Some(Leaf::Text(s)) = &columns[i] {
            if FORBIDDEN_KEYS.contains(&s.as_ref()) {
                return Err(Error::new(STRING_COLUMNS[i].0, "is a reserved name and cannot be a value here"));
            }
        }
    }
    let mut text = |i: usize| -> Option<Cow<'a, str>> {
        match columns[i].take() {
            Some(Leaf::Text(s)) if !blank(&s) => Some(s),
            _ => None,
        }
    };
    let driver = text(DRIVER).unwrap_or(Cow::Borrowed(UNKNOWN));
    let os = text(OS).unwrap_or(Cow::Borrowed(UNKNOWN));
    let version = match text(VERSION) {
        Some(Cow::Borrowed(v)) => major_minor(v).map(Cow::Borrowed),
        Some(Cow::Owned(v)) => major_minor(&v).map(|m| Cow::Owned(m.to_string())),
        None => None,
    }
    .unwrap_or(Cow::Borrowed(UNKNOWN));
    let license = text(LICENSE).unwrap_or(Cow::Borrowed(UNKNOWN));

    let mut kept = Vec::with_capacity(fields.counts.len());
    for (name, leaf) in fields.counts.drain(..) {
        if !dotted_name(&name) {
            return Err(Error::new(format!("{COUNTS_PREFIX}{name}"), "is not a valid count name"));
        }
        match count(&leaf) {
            Ok(Some(c)) => kept.push((name, c)),
            Ok(None) => {}
            Err(message) => return Err(Error::new(format!("{COUNTS_PREFIX}{name}"), message)),
        }
    }

    Ok(PingRef { instance_id, received_at, driver, os, version, license, counts: kept })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/../shared/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
    }

    fn stamped(mut ping: Value) -> Value {
        ping["receivedAt"] = json!("2026-01-05T10:00:00Z");
        ping
    }

    #[test]
    fn the_2_33_fixture_normalises_with_every_count() {
        let p = normalise(&stamped(fixture("ping-flowfuse-2.33.2-ce-stub.json"))).unwrap();
        assert_eq!(p.instance_id, "2c3f012c-fe61-4cf7-8b77-1ce9e7fd2092");
        assert_eq!((p.driver.as_str(), p.os.as_str(), p.version.as_str(), p.license.as_str()), ("stub", "Linux", "2.33", "CE"));
        let keys: Vec<&str> = p.counts.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "blueprints", "devices", "devicesByLastSeen.day", "devicesByLastSeen.never", "libraryEntries",
                "projectSnapshots", "projectStacks", "projectTemplates", "projects", "projectsByState.suspended",
                "remoteBrokers", "sharedLibraryEntries", "teamBrokerClients", "teams", "users"
            ]
        );
        assert_eq!(p.counts["devices"], 1);
        assert_eq!(p.counts["users"], 2);
        assert_eq!(p.counts["devicesByLastSeen.never"], 1);
    }

    #[test]
    fn the_older_2_4_fixture_has_fewer_counts() {
        let p = normalise(&stamped(fixture("ping-flowfuse-2.4.0-ce-localfs.json"))).unwrap();
        assert_eq!((p.driver.as_str(), p.version.as_str()), ("localfs", "2.4"));
        assert_eq!(p.counts.len(), 10);
        assert!(!p.counts.contains_key("blueprints"));
    }

    #[test]
    fn a_flat_collector_row_means_the_same_as_the_nested_body() {
        let nested = json!({
            "instanceId": "a", "receivedAt": "2026-01-05T10:00:00Z",
            "os": {"type": "Darwin"}, "env": {"flowforge": "2.33.2-git"},
            "platform": {"counts": {"projects": 3, "projectsByState": {"suspended": 1}}, "config": {"driver": "docker"}}
        });
        let flat = json!({
            "instanceId": "a", "created_at": "2026-01-05 10:00:00",
            "os.type": "Darwin", "env.flowforge": "2.33.2-git",
            "platform.counts.projects": 3, "platform.counts.projectsByState.suspended": 1,
            "platform.counts.devices": null, "platform.config.driver": "docker", "platform.config.broker.enabled": true
        });
        let a = normalise(&nested).unwrap();
        assert_eq!(a, normalise(&flat).unwrap());
        assert_eq!(a.version, "2.33");
        assert_eq!(a.license, UNKNOWN);
    }

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
    fn versions_reduce_to_major_minor() {
        assert_eq!(major_minor("2.33.2"), Some("2.33"));
        assert_eq!(major_minor("2.33.2-git"), Some("2.33"));
        assert_eq!(major_minor("1.5"), Some("1.5"));
        assert_eq!(major_minor("v2.10.0"), Some("2.10"));
        assert_eq!(major_minor("2.x"), None);
        assert_eq!(major_minor("nightly"), None);
        assert_eq!(major_minor("2"), None);
    }

    #[test]
    fn every_rejection_names_its_field() {
        let ok = || json!({"instanceId": "a", "receivedAt": "2026-01-05T10:00:00Z"});
        let with = |key: &str, v: Value| {
            let mut p = ok();
            p[key] = v;
            p
        };
        let cases = [
            (json!([1]), "ping"),
            (json!({"receivedAt": "2026-01-05"}), "instanceId"),
            (with("instanceId", json!("")), "instanceId"),
            (with("instanceId", json!(42)), "instanceId"),
            (with("instanceId", json!({"id": "a"})), "instanceId"),
            (with("os", json!({"type": {"name": "Linux"}})), "os.type"),
            (with("instanceId", json!("x".repeat(257))), "instanceId"),
            (json!({"instanceId": "a"}), "receivedAt"),
            (with("receivedAt", json!("last tuesday")), "receivedAt"),
            (with("platform", json!({"counts": {"projects": -1}})), "platform.counts.projects"),
            (with("platform", json!({"counts": {"projects": 1.5}})), "platform.counts.projects"),
            (with("platform", json!({"counts": {"projects": "3"}})), "platform.counts.projects"),
            (with("platform", json!({"counts": {"devices": 9_007_199_254_740_992_u64}})), "platform.counts.devices"),
            (with("platform.counts.projects", json!(true)), "platform.counts.projects"),
            (with("os", json!({"type": "L".repeat(33)})), "os.type"),
            (with("env", json!({"flowforge": 2.33})), "env.flowforge"),
            (with("platform", json!({"counts": {"__proto__": {"x": 1}}})), "platform.counts.__proto__"),
            (with("constructor", json!({"x": 1})), "constructor"),
        ];
        for (ping, field) in cases {
            let err = normalise(&ping).unwrap_err();
            assert_eq!(err.field, field, "{ping} gave {err}");
        }
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!({"x": deep});
        }
        assert!(normalise(&with("platform", deep)).unwrap_err().message.contains("nested"));
    }

    #[test]
    fn control_characters_are_refused_by_field() {
        let err = parse(r#"{"instanceId":"a\nb\u0000c","receivedAt":"2026-01-05T10:00:00Z"}"#).ping.unwrap_err();
        assert_eq!(err.field, "instanceId");
        assert_eq!(err.message, "must not hold control characters: U+000A at character 2");
        let err = parse(r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","os":{"type":"Lin\u0007ux"}}"#).ping.unwrap_err();
        assert_eq!(err.field, "os.type");
        let err = parse(r#"{"instanceId":"a","created_at":"2026-01-05T10:00:00Z","platform.config.driver":"x\u007f"}"#).ping.unwrap_err();
        assert_eq!(err.field, "platform.config.driver");
        // Tabs are control characters too; ordinary text (accents, emoji) is not.
        assert!(parse(r#"{"instanceId":"é😀 ok","receivedAt":"2026-01-05T10:00:00Z","os":{"type":"Linux"}}"#).ping.is_ok());
    }

    #[test]
    fn a_lone_surrogate_names_its_key() {
        let text = r#"{"instanceId":"sur-\ud800","receivedAt":"2026-01-05T10:00:00Z"}"#;
        let err = parse(text).ping.unwrap_err();
        assert_eq!(err.field, "instanceId", "{err}");
        assert!(err.message.starts_with("is not valid Unicode text"), "{err}");
        let err = parse(r#"{"instanceId":"a","os":{"type":"\udc00x"}}"#).ping.unwrap_err();
        assert_eq!(err.field, "type", "{err}");
        // In an array, as the collector hands pings to the core.
        let err = crate::telemetry::ledger::validate_array_text(&format!("[{text}]"), None).unwrap_err();
        assert_eq!(err.field, "instanceId", "{err}");
    }

    #[test]
    fn an_error_echoes_at_most_40_characters() {
        let err = parse(r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":1e308}}}"#).ping.unwrap_err();
        assert_eq!(err.field, "platform.counts.projects");
        assert!(err.message.len() < 120, "{}", err.message);
        assert!(err.message.contains("… (309 characters)"), "{}", err.message);
        assert_eq!(clip("12345", Clip::VALUE), "12345");
    }
}
