//! The installation ledger: every install's latest ping of each day, and the daily figures
//! of the Telemetry Data Dashboard computed from them exactly as DESIGN.md defines them.
//!
//! The batch function and the incremental ledger are one thing: `aggregate` builds a ledger,
//! ingests the batch in order and reports, so both give the identical result by construction.
//!
//! Storage is compact because a ledger holds years of daily pings of thousands of installs:
//! names (drivers, versions, count keys) are interned once and a day's ping is a time, four
//! name ids and its counts as (id, value) pairs.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::checkpoint;
use super::days::{get, Contribution, Row, Tables, Work, DIMENSIONS};
use super::ping::{self, PingRef, Read, FORBIDDEN_KEYS};
use super::row;
use crate::dates::format_day;
use crate::error::{Error, Result};
use crate::api::input;

pub const DEFAULT_ACTIVE_WINDOW_DAYS: u32 = 7;
const MAX_ACTIVE_WINDOW_DAYS: u32 = 366;
/// A report spans at most a century of days: enough for any product, and it bounds the
/// memory an `asOf` typo can ask for.
const MAX_REPORT_DAYS: i64 = 36_600;
/// Rejections kept for the report; beyond this only the count grows.
const MAX_REJECTIONS_KEPT: usize = 1000;

const STATE_FORMAT: &str = "product-growth/installation-ledger@1";

/// Names seen by the ledger, each stored once.
#[derive(Debug, Clone, Default)]
struct Names {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The name last seen at each place of a ping (its four dimensions, then its counts in
    /// order): pings of a log mostly repeat the names of the one before, and one
    /// comparison is cheaper than hashing.
    recent: Vec<u32>,
}

/// Places of a ping whose last name is remembered (pings have about twenty).
const RECENT_NAMES: usize = 64;

impl Names {
    /// The id of the name at place `at` of a ping.
    fn id_at(&mut self, at: usize, name: &str) -> u32 {
        if let Some(&id) = self.recent.get(at) {
            if ping::same(self.names[id as usize].as_bytes(), name.as_bytes()) {
                return id;
            }
        }
        let id = self.id(name);
        if at < RECENT_NAMES {
            if at >= self.recent.len() {
                self.recent.resize(at + 1, id);
            }
            self.recent[at] = id;
        }
        id
    }

    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// The latest ping of one install on one day.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DayPing {
    /// Epoch milliseconds of the ping.
    pub at: i64,
    /// driver, os, version, license
    pub dims: [u32; 4],
    pub counts: Box<[(u32, u64)]>,
}

/// An install's days with a ping, in date order (days since the common era).
#[derive(Debug, Clone, Default)]
pub(crate) struct Install {
    pub days: Vec<(i32, DayPing)>,
}

impl Install {
    /// The contribution of the stored ping at `i` (see `days`).
    fn contribution(&self, i: usize) -> Contribution<'_> {
        Contribution { day: self.days[i].0, ping: &self.days[i].1, next: self.days.get(i + 1).map(|(d, _)| *d), first: i == 0 }
    }
}

/// How much of a raw log the ledger has read: the bytes of its whole lines, and their count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPosition {
    pub offset: u64,
    pub lines: u64,
}

/// A batch larger than this share of the stored pings (and at least `BULK_MIN` pings) stops
/// the day tables being kept ping by ping; the next report builds them in one sweep.
const BULK_SHARE: u64 = 8;
const BULK_MIN: u64 = 1000;

/// Bytes of a raw log taken in at a time by `ingest_ndjson_pieces`.
const NDJSON_PIECE: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// Position among all pings offered to this ledger (or in the batch).
    pub index: u64,
    pub instance_id: Option<String>,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Ledger {
    /// The caller's clock (epoch ms), if given: pings dated after it are refused. Not saved.
    now: Option<i64>,
    names: Names,
    instances: FxHashMap<Box<str>, Install>,
    accepted: u64,
    duplicates: u64,
    offered: u64,
    rejected_total: u64,
    rejected: Vec<Rejection>,
    /// The active window the day tables are kept for.
    window: u32,
    /// The day tables, kept ping by ping; `None` after a bulk load until the next report.
    tables: RefCell<Option<Tables>>,
    /// Stored pings (one per install and day), and the first and last day among them.
    stored: u64,
    first_day: Option<i32>,
    last_day: Option<i32>,
    /// What of a raw log this ledger holds (`ingest_log`).
    log: LogPosition,
    /// Where a database source stopped: the caller's keyset key, kept with the checkpoint.
    source_key: Option<String>,
    work: Cell<Work>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::with_window(DEFAULT_ACTIVE_WINDOW_DAYS)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    pub date: String,
    pub pinged: u64,
    pub active: u64,
    pub added: u64,
    pub removed: u64,
    pub resurrected: u64,
    pub hosted: f64,
    pub remote: f64,
    pub totals: BTreeMap<String, f64>,
    pub by_driver: BTreeMap<String, u64>,
    pub by_os: BTreeMap<String, u64>,
    pub by_version: BTreeMap<String, u64>,
    pub by_license: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub days: Vec<Day>,
    pub installations: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
    pub rejected_total: u64,
    pub active_window_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportOptions {
    pub active_window_days: u32,
    pub as_of: Option<NaiveDate>,
    /// Only the last N days of the report (all when `None`): a range reads only its rows.
    pub last_days: Option<u32>,
}

impl ReportOptions {
    pub fn from_json(value: Option<&Value>) -> Result<ReportOptions> {
        let map = input::options("options", value)?;
        let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
        let active_window_days = match get("activeWindowDays") {
            None => DEFAULT_ACTIVE_WINDOW_DAYS,
            Some(v) => input::whole("activeWindowDays", Some(v), 1, MAX_ACTIVE_WINDOW_DAYS)?,
        };
        let as_of = get("asOf").map(|v| input::day("asOf", v)).transpose()?;
        let last_days = get("lastDays").map(|v| input::whole("lastDays", Some(v), 1, MAX_REPORT_DAYS as u32)).transpose()?;
        Ok(ReportOptions { active_window_days, as_of, last_days })
    }
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { active_window_days: DEFAULT_ACTIVE_WINDOW_DAYS, as_of: None, last_days: None }
    }
}

/// What happened to one offered ping.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accepted { duplicate: bool },
    Rejected(Error),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchOutcome {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
}

impl BatchOutcome {
    /// Adds the outcome of a later part of the same batch, which started at `offset`.
    pub fn absorb(&mut self, part: BatchOutcome, offset: u64) {
        self.accepted += part.accepted;
        self.duplicates += part.duplicates;
        self.rejected.extend(part.rejected.into_iter().map(|r| Rejection { index: r.index + offset, ..r }));
    }

    /// Counts what happened to the ping at `index` of this batch.
    pub fn record(&mut self, index: u64, outcome: Outcome, instance_id: Option<String>) {
        match outcome {
            Outcome::Accepted { duplicate } => {
                self.accepted += 1;
                self.duplicates += duplicate as u64;
            }
            Outcome::Rejected(err) => self.rejected.push(rejection(index, instance_id, &err)),
        }
    }
}

fn rejection(index: u64, instance_id: Option<String>, err: &Error) -> Rejection {
    Rejection { index, instance_id, field: err.field.clone(), reason: err.to_string() }
}

fn day_number(day: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&day)
}

/// An install's stored pings as a checkpoint writes them (`checkpoint::SavedPing`).
fn pings_written(days: &[(i32, DayPing)]) -> impl Serialize + '_ {
    checkpoint::Seq(move || {
        days.iter().enumerate().map(move |(i, (day, p))| checkpoint::PingRef {
            day_step: (day - if i == 0 { 0 } else { days[i - 1].0 }) as u32,
            ms_in_day: (p.at - day_start_ms(*day)) as u32,
            dims: &p.dims,
            counts: &p.counts,
        })
    })
}

/// Days from the common era to 1970-01-01.
const UNIX_EPOCH_DAY: i64 = 719_163;

/// Epoch milliseconds of the start of a day (days from the common era), without chrono:
/// a checkpoint does this a million times.
fn day_start_ms(number: i32) -> i64 {
    (number as i64 - UNIX_EPOCH_DAY) * checkpoint::MS_PER_DAY
}

fn day_of(number: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(number).unwrap_or_default()
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// A ledger whose day tables are kept for an active window of `window` days (a report
    /// for another window is computed in one sweep instead).
    pub fn with_window(window: u32) -> Ledger {
        let window = window.clamp(1, MAX_ACTIVE_WINDOW_DAYS);
        Ledger {
            now: None,
            names: Names::default(),
            instances: FxHashMap::default(),
            accepted: 0,
            duplicates: 0,
            offered: 0,
            rejected_total: 0,
            rejected: Vec::new(),
            window,
            tables: RefCell::new(Some(Tables::new(window))),
            stored: 0,
            first_day: None,
            last_day: None,
            log: LogPosition::default(),
            source_key: None,
            work: Cell::new(Work::default()),
        }
    }

    pub fn active_window_days(&self) -> u32 {
        self.window
    }

    /// Keeps the day tables for another window from here on (built at the next report).
    pub fn set_active_window_days(&mut self, window: u32) {
        let window = window.clamp(1, MAX_ACTIVE_WINDOW_DAYS);
        if window != self.window {
            self.window = window;
            *self.tables.get_mut() = None;
        }
    }

    /// What ingests and reports touched since the last call: tests assert that a ping's
    /// work does not grow with the history.
    pub fn take_work(&self) -> Work {
        self.work.take()
    }

    /// A batch of about `pings` pings is coming: when it is large against what is stored,
    /// one sweep at the next report is cheaper than keeping the tables ping by ping.
    fn expect_batch(&mut self, pings: u64) {
        if pings > BULK_MIN && pings > self.stored / BULK_SHARE {
            *self.tables.get_mut() = None;
        }
    }

    /// Sets "now" (epoch ms) for the pings offered from here on: a ping dated more than a
    /// day after it is refused. The core never reads the clock itself.
    pub fn set_now(&mut self, now_ms: Option<i64>) {
        self.now = now_ms;
    }

    /// Offers one ping given as JSON text.
    pub fn ingest_text(&mut self, text: &str) -> Outcome {
        let read = ping::parse(text);
        self.offer(read).0
    }

    /// Offers one ping given as a JSON value.
    pub fn ingest(&mut self, value: &Value) -> Outcome {
        self.ingest_text(&value.to_string())
    }

    /// Keeps a valid ping (replacing an earlier ping of the same install on the same day),
    /// or counts an invalid one and keeps its reason. Returns the sender's id of a rejection.
    pub fn offer(&mut self, mut read: Read<'_>) -> (Outcome, Option<String>) {
        self.offered += 1;
        if let (Ok(p), Some(now)) = (&read.ping, self.now) {
            if let Err(e) = ping::check_not_future(p, now) {
                read.instance_id = Some(p.instance_id.to_string());
                read.ping = Err(e);
            }
        }
        match read.ping {
            Ok(p) => (Outcome::Accepted { duplicate: self.insert(p) }, read.instance_id),
            Err(err) => {
                self.record_rejection(read.instance_id.clone(), &err);
                (Outcome::Rejected(err), read.instance_id)
            }
        }
    }

    /// Counts a ping that could not even be read as JSON (by the caller), as a rejection.
    pub fn refuse(&mut self, instance_id: Option<String>, err: &Error) {
        self.offered += 1;
        self.record_rejection(instance_id, err);
    }

    /// Counts a rejection of the ping just offered and keeps its reason (up to a bound).
    fn record_rejection(&mut self, instance_id: Option<String>, err: &Error) {
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REJECTIONS_KEPT {
            self.rejected.push(rejection(self.offered - 1, instance_id, err));
        }
    }

    /// Returns whether the install already had a ping that day. Keeps the day tables up to
    /// date by adding the contributions the ping makes and taking away those it ends.
    fn insert(&mut self, p: PingRef<'_>) -> bool {
        self.accepted += 1;
        let at = p.received_at.timestamp_millis();
        let day = day_number(p.received_at.date_naive());
        let names = &mut self.names;
        let dims = [names.id_at(0, &p.driver), names.id_at(1, &p.os), names.id_at(2, &p.version), names.id_at(3, &p.license)];
        let counts: Box<[(u32, u64)]> = p.counts.iter().enumerate().map(|(i, (k, v))| (names.id_at(4 + i, k), *v)).collect();
        let entry = DayPing { at, dims, counts };
        self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
        let Ledger { instances, tables, work, duplicates, stored, .. } = self;
        let work = work.get_mut();
        work.installs += 1;
        let install = match instances.get_mut(p.instance_id.as_ref()) {
            Some(install) => install,
            None => instances.entry(p.instance_id.as_ref().into()).or_default(),
        };
        // Pings mostly arrive in date order: the common case is a push at the end.
        let slot = match install.days.last() {
            Some((last, _)) if *last < day => Err(install.days.len()),
            _ => install.days.binary_search_by_key(&day, |(d, _)| *d),
        };
        let tables = tables.get_mut().as_mut();
        match slot {
            Ok(i) => {
                *duplicates += 1;
                // The latest ping of the day counts; at the same instant, the later arrival.
                if at >= install.days[i].1.at {
                    let old = std::mem::replace(&mut install.days[i].1, entry);
                    if let Some(t) = tables {
                        let new = install.contribution(i);
                        t.apply(new, 1, work);
                        t.apply(Contribution { ping: &old, ..new }, -1, work);
                    }
                }
                true
            }
            Err(i) => {
                install.days.insert(i, (day, entry));
                *stored += 1;
                if let Some(t) = tables {
                    // New contributions first, then the old ones away: a name's first day
                    // then never has to be looked for again.
                    t.apply(install.contribution(i), 1, work);
                    if i > 0 {
                        let prev = install.contribution(i - 1);
                        t.apply(prev, 1, work);
                        t.apply(Contribution { next: install.days.get(i + 1).map(|(d, _)| *d), ..prev }, -1, work);
                    } else if install.days.len() > 1 {
                        let was_first = install.contribution(1);
                        t.apply(was_first, 1, work);
                        t.apply(Contribution { first: true, ..was_first }, -1, work);
                    }
                }
                false
            }
        }
    }

    /// Offers every ping of a JSON array given as text, reading it as a stream; returns
    /// what happened to this batch, with rejections indexed by their position in it.
    pub fn ingest_array_text(&mut self, text: &str) -> Result<BatchOutcome> {
        let mut outcome = BatchOutcome::default();
        let mut d = serde_json::Deserializer::from_str(text);
        let streamed = d.deserialize_any(ArrayOfPings { ledger: self, outcome: &mut outcome });
        match streamed.and_then(|()| d.end()) {
            Ok(()) => Ok(outcome),
            Err(e) if e.to_string().starts_with(NOT_AN_ARRAY) => {
                Err(Error::new("pings", e.to_string().trim_start_matches(NOT_AN_ARRAY).to_string()))
            }
            Err(e) => Err(ping::describe_json_error(text.as_bytes(), &e).unwrap_or_else(|| Error::new("pings", format!("is not JSON: {e}")))),
        }
    }

    /// Offers every ping of an array of JSON values.
    pub fn ingest_batch(&mut self, pings: &Value) -> Result<BatchOutcome> {
        if !pings.is_array() {
            return Err(Error::new("pings", format!("must be an array, got {}", input::kind(pings))));
        }
        self.ingest_array_text(&pings.to_string())
    }

    /// Offers every line of an NDJSON raw log (one ping per line; blank lines skipped). A
    /// line that is not JSON is rejected as `line N`, like any other bad ping.
    pub fn ingest_ndjson(&mut self, text: &str) -> BatchOutcome {
        self.ingest_ndjson_bytes(text.as_bytes())
    }

    /// The same over the file's bytes, as read from disk.
    pub fn ingest_ndjson_bytes(&mut self, text: &[u8]) -> BatchOutcome {
        self.expect_batch(text.len() as u64 / 256);
        self.ingest_lines(text, 0).0
    }

    /// The same over a raw log of `len` bytes that the caller hands over a piece at a time:
    /// `read(start, buffer)` fills `buffer` with the log's bytes from `start` on. A log of
    /// hundreds of megabytes is then never copied into WebAssembly memory whole (which grows
    /// that memory for good); the outcome is the one `ingest_ndjson_bytes` gives.
    pub fn ingest_ndjson_pieces(&mut self, len: usize, read: impl FnMut(usize, &mut [u8])) -> BatchOutcome {
        self.ingest_ndjson_pieces_of(NDJSON_PIECE, len, read)
    }

    fn ingest_ndjson_pieces_of(&mut self, piece: usize, len: usize, mut read: impl FnMut(usize, &mut [u8])) -> BatchOutcome {
        self.expect_batch(len as u64 / 256);
        let mut outcome = BatchOutcome::default();
        let mut buffer = vec![0u8; piece.clamp(1, len.max(1))];
        // Bytes at the start of `buffer` left from the last piece (the start of a line).
        let mut carried = 0;
        let mut next = 0;
        let mut first_line = 0u64;
        while next < len {
            if carried == buffer.len() {
                // One line longer than the buffer.
                buffer.resize(buffer.len() * 2, 0);
            }
            let n = (buffer.len() - carried).min(len - next);
            read(next, &mut buffer[carried..carried + n]);
            next += n;
            let filled = carried + n;
            let end = if next == len { filled } else {
                match buffer[..filled].iter().rposition(|b| *b == b'\n') {
                    Some(end) => end,
                    None => {
                        carried = filled;
                        continue;
                    }
                }
            };
            let (part, lines) = self.ingest_lines(&buffer[..end], first_line);
            outcome.absorb(part, 0);
            first_line += lines;
            carried = filled - (end + 1).min(filled);
            buffer.copy_within(filled - carried..filled, 0);
        }
        outcome
    }

    /// Offers the rows of a `COPY … TO STDOUT` (text format) of the collector's table, one a
    /// line, their columns as `columns` says; rejections are numbered by line from 0.
    pub fn ingest_rows(&mut self, text: &[u8], columns: &row::Columns) -> BatchOutcome {
        self.expect_batch(text.len() as u64 / 160);
        let mut outcome = BatchOutcome::default();
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        for (n, line) in body.split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let read = row::read_row(columns, line);
            let (result, instance_id) = self.offer(read);
            outcome.record(n as u64, result, instance_id);
        }
        outcome
    }

    /// Reads the next part of a raw log: the whole lines of `bytes`, which continue the log
    /// where `log_position()` says this ledger stopped. The last line is left for the next
    /// call when it does not end in a newline yet (a write in progress). Rejections are
    /// numbered by their line in the whole log, so a checkpoint and its tail give what one
    /// read of the whole log gives. Returns the outcome and the bytes read.
    pub fn ingest_log(&mut self, bytes: &[u8]) -> (BatchOutcome, u64) {
        let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else {
            return (BatchOutcome::default(), 0);
        };
        let whole = &bytes[..=end];
        self.expect_batch(whole.len() as u64 / 256);
        let first_line = self.log.lines;
        let (outcome, lines) = self.ingest_lines(&whole[..end], first_line);
        // `whole` ends in the newline after its last line.
        self.log.lines += lines;
        self.log.offset += whole.len() as u64;
        (outcome, whole.len() as u64)
    }

    pub fn log_position(&self) -> LogPosition {
        self.log
    }

    /// The key a database source stopped at, saved in the checkpoint with what it covers.
    pub fn source_key(&self) -> Option<&str> {
        self.source_key.as_deref()
    }

    pub fn set_source_key(&mut self, key: Option<String>) {
        self.source_key = key;
    }

    /// Offers each line of `text`; the first is line `first_line + 1` of its file.
    /// Returns the outcome and the number of lines (one more than the newlines).
    fn ingest_lines(&mut self, text: &[u8], first_line: u64) -> (BatchOutcome, u64) {
        let mut outcome = BatchOutcome::default();
        let mut reader = ping::LineReader::default();
        let mut lines = 0;
        for (n, line) in ping::lines(text).enumerate() {
            lines += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let number = first_line + n as u64;
            let mut read = reader.read(line);
            if let Err(e) = &read.ping {
                if e.field == "ping" && e.message.starts_with("is not JSON") {
                    read.ping = Err(Error::new(format!("line {}", number + 1), e.message.clone()));
                }
            }
            let (result, instance_id) = self.offer(read);
            outcome.record(number, result, instance_id);
        }
        (outcome, lines)
    }

    pub fn installations(&self) -> u64 {
        self.instances.len() as u64
    }

    pub fn report(&self, options: ReportOptions) -> Result<Report> {
        let days = self.daily_figures(options)?;
        Ok(Report {
            days,
            installations: self.installations(),
            accepted: self.accepted,
            duplicates: self.duplicates,
            rejected: self.rejected.clone(),
            rejected_total: self.rejected_total,
            active_window_days: options.active_window_days,
        })
    }

    /// The saved form: plain JSON, sorted, with names spelt out. Only an earlier version's
    /// context store holds it now (the checkpoint replaced it), so it is built and read by
    /// hand: serde's derived code for it was a tenth of the shipped .wasm.
    pub fn to_json(&self) -> Value {
        let mut instances = Map::new();
        for (id, install) in &self.instances {
            let mut days = Map::new();
            for (d, p) in &install.days {
                let [driver, os, version, license] = p.dims.map(|i| self.names.name(i));
                let counts: Map<String, Value> = p.counts.iter().map(|(k, v)| (self.names.name(*k).to_string(), Value::from(*v))).collect();
                let day = json!({"at": p.at, "driver": driver, "os": os, "version": version, "license": license, "counts": counts});
                days.insert(format_day(day_of(*d)), day);
            }
            instances.insert(id.to_string(), Value::Object(days));
        }
        let rejected: Vec<Value> = self
            .rejected
            .iter()
            .map(|r| json!({"index": r.index, "instanceId": r.instance_id, "field": r.field, "reason": r.reason}))
            .collect();
        json!({
            "format": STATE_FORMAT,
            "instances": instances,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "offered": self.offered,
            "rejectedTotal": self.rejected_total,
            "rejected": rejected,
        })
    }

    /// Restores a ledger from `to_json`'s output. Anything else is refused, leaving the
    /// caller's current state untouched.
    pub fn from_json(value: &Value) -> Result<Ledger> {
        if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
            return Err(Error::new("state.format", format!("must be {STATE_FORMAT:?}")));
        }
        // A state of the wrong shape is refused as a whole (`state`), saying where.
        fn shape(path: &str, what: &str) -> Error {
            Error::new("state", format!("is not a saved ledger: {path} must be {what}"))
        }
        let whole = |v: Option<&Value>, path: &str| v.and_then(Value::as_u64).ok_or_else(|| shape(path, "a whole number ≥ 0"));
        let text = |v: Option<&Value>, path: &str| v.and_then(Value::as_str).map(str::to_string).ok_or_else(|| shape(path, "a string"));
        fn object<'v>(v: Option<&'v Value>, path: &str) -> Result<&'v Map<String, Value>> {
            v.and_then(Value::as_object).ok_or_else(|| shape(path, "an object"))
        }
        let mut rejected = Vec::new();
        let saved = value.get("rejected").and_then(Value::as_array).ok_or_else(|| shape("rejected", "an array"))?;
        for (i, r) in saved.iter().enumerate() {
            let at = |k: &str| format!("rejected[{i}].{k}");
            let instance_id = match r.get("instanceId") {
                None | Some(Value::Null) => None,
                id => Some(text(id, &at("instanceId"))?),
            };
            rejected.push(Rejection {
                index: whole(r.get("index"), &at("index"))?,
                instance_id,
                field: text(r.get("field"), &at("field"))?,
                reason: text(r.get("reason"), &at("reason"))?,
            });
        }
        let mut ledger = Ledger {
            accepted: whole(value.get("accepted"), "accepted")?,
            duplicates: whole(value.get("duplicates"), "duplicates")?,
            offered: whole(value.get("offered"), "offered")?,
            rejected_total: whole(value.get("rejectedTotal"), "rejectedTotal")?,
            rejected,
            ..Ledger::default()
        };
        for (id, days) in object(value.get("instances"), "instances")? {
            let mut install = Install::default();
            for (date, p) in object(Some(days), &format!("instances.{id}"))? {
                let at = format!("state.instances.{id}.{date}");
                let day: NaiveDate = date.parse().map_err(|_| shape(&format!("instances.{id}"), "an object of dates (YYYY-MM-DD)"))?;
                let time = p.get("at").and_then(Value::as_i64).ok_or_else(|| shape(&format!("instances.{id}.{date}.at"), "epoch milliseconds"))?;
                // A file is not trusted more than a ping: names that would be object keys
                // in a report are checked again.
                let mut dims = [0; 4];
                for (id, k) in dims.iter_mut().zip(["driver", "os", "version", "license"]) {
                    let name = text(p.get(k), &format!("instances.{id}.{date}.{k}"))?;
                    if FORBIDDEN_KEYS.contains(&name.as_str()) {
                        return Err(Error::new(at, "holds a reserved name"));
                    }
                    *id = ledger.names.id(&name);
                }
                let bad_name = |s: &str| s.is_empty() || s.split('.').any(|seg| seg.is_empty() || FORBIDDEN_KEYS.contains(&seg));
                let mut counts = Vec::new();
                for (k, v) in object(p.get("counts"), &format!("instances.{id}.{date}.counts"))? {
                    if bad_name(k) {
                        return Err(Error::new(format!("{at}.counts.{k}"), "is not a valid count name"));
                    }
                    counts.push((ledger.names.id(k), whole(Some(v), &format!("instances.{id}.{date}.counts.{k}"))?));
                }
                install.days.push((day_number(day), DayPing { at: time, dims, counts: counts.into() }));
            }
            ledger.adopt(id.as_str().into(), install)?;
        }
        Ok(ledger)
    }
}

impl Ledger {
    /// The checkpoint: every stored ping, the counters and the raw log position, in the
    /// compact binary form of `checkpoint` (installs in id order, so equal ledgers give
    /// equal bytes).
    pub fn to_checkpoint(&self) -> Vec<u8> {
        let mut ids: Vec<&str> = self.instances.keys().map(|id| id.as_ref()).collect();
        ids.sort_unstable();
        checkpoint::encode(&checkpoint::CheckpointRef {
            window: self.window,
            names: &self.names.names,
            installs: checkpoint::Seq(|| ids.iter().map(|id| (*id, pings_written(&self.instances[*id].days)))),
            accepted: self.accepted,
            duplicates: self.duplicates,
            offered: self.offered,
            rejected_total: self.rejected_total,
            rejected: &self.rejected,
            log: self.log,
            source_key: self.source_key.as_deref(),
        })
    }

    /// Restores a ledger from `to_checkpoint`'s bytes. A file that fails its checks, or
    /// holds what no ledger could (a reserved name, days out of order), is refused by name.
    pub fn from_checkpoint(bytes: &[u8]) -> Result<Ledger> {
        let saved = checkpoint::decode(bytes)?;
        if !(1..=MAX_ACTIVE_WINDOW_DAYS).contains(&saved.window) {
            return Err(Error::new("checkpoint.window", format!("must be 1 to {MAX_ACTIVE_WINDOW_DAYS} days, got {}", saved.window)));
        }
        let mut ledger = Ledger::with_window(saved.window);
        for name in &saved.names {
            if FORBIDDEN_KEYS.contains(&name.as_str()) || ledger.names.ids.contains_key(name.as_str()) {
                return Err(Error::new("checkpoint.names", format!("holds a reserved or repeated name {name:?}")));
            }
            ledger.names.id(name);
        }
        let known = saved.names.len() as u32;
        let count_name_ok = |k: u32| {
            k < known && {
                let name = &saved.names[k as usize];
                !name.is_empty() && name.split('.').all(|seg| !seg.is_empty() && !FORBIDDEN_KEYS.contains(&seg))
            }
        };
        for install in saved.installs {
            let field = || format!("checkpoint.installs.{}", install.id);
            let mut days = Vec::with_capacity(install.pings.len());
            let mut day: i64 = 0;
            for (n, p) in install.pings.into_iter().enumerate() {
                day += p.day_step as i64;
                let date = i32::try_from(day).ok().and_then(NaiveDate::from_num_days_from_ce_opt);
                let ok = (n == 0 || p.day_step > 0)
                    && (p.ms_in_day as i64) < checkpoint::MS_PER_DAY
                    && p.dims.iter().all(|&d| d < known)
                    && p.counts.iter().all(|&(k, _)| count_name_ok(k));
                let (Some(date), true) = (date, ok) else {
                    return Err(Error::new(format!("{}[{n}]", field()), "is not a stored ping"));
                };
                let _ = date;
                let at = day_start_ms(day as i32) + p.ms_in_day as i64;
                days.push((day as i32, DayPing { at, dims: p.dims, counts: p.counts.into_boxed_slice() }));
            }
            if install.id.is_empty() || ledger.instances.contains_key(install.id.as_str()) {
                return Err(Error::new(field(), "is empty or repeated"));
            }
            ledger.adopt(install.id.into(), Install { days })?;
        }
        ledger.accepted = saved.accepted;
        ledger.duplicates = saved.duplicates;
        ledger.offered = saved.offered;
        ledger.rejected_total = saved.rejected_total;
        ledger.rejected = saved.rejected;
        ledger.log = saved.log;
        ledger.source_key = saved.source_key;
        Ok(ledger)
    }
}

/// Weeks after its first at which a cohort's retention is read (DESIGN.md).
pub const RETENTION_WEEKS: [u32; 7] = [1, 2, 4, 8, 12, 26, 52];

/// The installs whose first ping is in one ISO week, and how many of them are active on the
/// last day of week c + k.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    pub week: String,
    pub start: String,
    pub size: u64,
    pub retained: Vec<RetentionCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionCell {
    pub weeks: u32,
    /// `None` while week c + k is not complete (its Sunday after `asOf`): never a guess.
    pub retained: Option<u64>,
    pub share: Option<f64>,
}

impl Ledger {
    /// Cohort retention of installs, cohorts by the ISO week of their first ping, as of
    /// `options.as_of` (the last day with a ping by default), active by the ledger's definition
    /// with `options.active_window_days`.
    pub fn retention(&self, options: ReportOptions) -> Vec<Cohort> {
        let Some(max) = self.last_day else { return Vec::new() };
        let as_of = options.as_of.map(day_number).unwrap_or(max);
        let w = options.active_window_days as i32;
        let mut cohorts: BTreeMap<i32, (u64, [u64; RETENTION_WEEKS.len()])> = BTreeMap::new();
        for install in self.instances.values() {
            let Some(&(first, _)) = install.days.first() else { continue };
            if first > as_of {
                continue;
            }
            let monday = day_number(crate::dates::IsoWeek::of(day_of(first)).monday);
            let entry = cohorts.entry(monday).or_insert((0, [0; RETENTION_WEEKS.len()]));
            entry.0 += 1;
            for (i, k) in RETENTION_WEEKS.iter().enumerate() {
                let sunday = monday + 7 * *k as i32 + 6;
                if sunday > as_of {
                    break;
                }
                let upto = install.days.partition_point(|(d, _)| *d <= sunday);
                if upto > 0 && sunday - install.days[upto - 1].0 < w {
                    entry.1[i] += 1;
                }
            }
        }
        cohorts
            .into_iter()
            .map(|(monday, (size, retained))| {
                let week = crate::dates::IsoWeek::of(day_of(monday));
                Cohort {
                    week: week.label(),
                    start: format_day(week.monday),
                    size,
                    retained: RETENTION_WEEKS
                        .iter()
                        .zip(retained)
                        .map(|(&k, n)| {
                            let complete = monday + 7 * k as i32 + 6 <= as_of;
                            RetentionCell { weeks: k, retained: complete.then_some(n), share: complete.then(|| n as f64 / size as f64) }
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

const NOT_AN_ARRAY: &str = "\u{0}not an array: ";

/// Streams the elements of a JSON array of pings into the ledger as they are read.
struct ArrayOfPings<'l> {
    ledger: &'l mut Ledger,
    outcome: &'l mut BatchOutcome,
}

impl<'de, 'l> Visitor<'de> for ArrayOfPings<'l> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of pings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        // Read the whole array before keeping anything: if the text turns out not to be
        // JSON part-way, nothing of it has been counted and the caller can go ping by ping.
        let mut reads = Vec::new();
        while let Some(read) = seq.next_element_seed(OnePing)? {
            reads.push(read);
        }
        self.ledger.expect_batch(reads.len() as u64);
        for (index, read) in reads.into_iter().enumerate() {
            let (result, instance_id) = self.ledger.offer(read);
            self.outcome.record(index as u64, result, instance_id);
        }
        Ok(())
    }
    fn visit_map<M: serde::de::MapAccess<'de>>(self, _: M) -> std::result::Result<(), M::Error> {
        Err(serde::de::Error::custom(format!("{NOT_AN_ARRAY}must be an array, got an object")))
    }
}

struct OnePing;

impl<'de> DeserializeSeed<'de> for OnePing {
    type Value = Read<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Read<'de>, D::Error> {
        ping::read(d)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidPing {
    pub index: u64,
    pub ping: ping::NormalisedPing,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Validation {
    pub valid: Vec<ValidPing>,
    pub rejected: Vec<Rejection>,
}

impl Validation {
    /// Counts a ping the caller could not even hand over as JSON, as rejected.
    pub fn refuse(&mut self, index: u64, instance_id: Option<String>, err: &Error) {
        self.rejected.push(rejection(index, instance_id, err));
    }

    /// Adds the result of a later part of the same batch, which started at `offset`.
    pub fn absorb(&mut self, part: Validation, offset: u64) {
        self.valid.extend(part.valid.into_iter().map(|v| ValidPing { index: v.index + offset, ..v }));
        self.rejected.extend(part.rejected.into_iter().map(|r| Rejection { index: r.index + offset, ..r }));
    }
}

/// `validatePings(pings)` over the text of a JSON array: checks a batch without keeping
/// anything; one bad ping never stops the others.
pub fn validate_array_text(text: &str, now: Option<i64>) -> Result<Validation> {
    let mut out = Validation::default();
    let mut d = serde_json::Deserializer::from_str(text);
    let streamed = d.deserialize_seq(ValidateAll { out: &mut out, now });
    streamed.and_then(|()| d.end()).map_err(|e| {
        ping::describe_json_error(text.as_bytes(), &e).unwrap_or_else(|| Error::new("pings", format!("must be a JSON array of pings: {e}")))
    })?;
    Ok(out)
}

/// `validatePings` over JSON values.
pub fn validate(pings: &Value) -> Result<Validation> {
    if !pings.is_array() {
        return Err(Error::new("pings", format!("must be an array, got {}", input::kind(pings))));
    }
    validate_array_text(&pings.to_string(), None)
}

struct ValidateAll<'o> {
    out: &'o mut Validation,
    now: Option<i64>,
}

impl<'de, 'o> Visitor<'de> for ValidateAll<'o> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of pings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let mut index = 0u64;
        while let Some(read) = seq.next_element_seed(OnePing)? {
            let checked = match (read.ping, self.now) {
                (Ok(p), Some(now)) => ping::check_not_future(&p, now).map(|()| p),
                (other, _) => other,
            };
            let instance_id = read.instance_id;
            match checked {
                Ok(p) => self.out.valid.push(ValidPing { index, ping: p.into_owned().normalised() }),
                Err(err) => self.out.rejected.push(rejection(index, instance_id, &err)),
            }
            index += 1;
        }
        Ok(())
    }
}

/// `aggregateInstallations(pings, {activeWindowDays, asOf})` over JSON values.
pub fn aggregate(pings: &Value, options: Option<&Value>) -> Result<Report> {
    let options = ReportOptions::from_json(options)?;
    let mut ledger = Ledger::with_window(options.active_window_days);
    // The batch is one sweep over every install: the reference the ping-by-ping tables of
    // an incremental ledger are tested against.
    ledger.expect_batch(u64::MAX);
    ledger.ingest_batch(pings)?;
    ledger.report(options)
}


impl Ledger {
    /// Takes a restored install's pings (in date order, one per day) into the ledger.
    fn adopt(&mut self, id: Box<str>, install: Install) -> Result<()> {
        if install.days.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(Error::new(format!("state.instances.{id}"), "days must be in order, one ping a day"));
        }
        if let (Some((first, _)), Some((last, _))) = (install.days.first(), install.days.last()) {
            self.first_day = Some(self.first_day.map_or(*first, |d| d.min(*first)));
            self.last_day = Some(self.last_day.map_or(*last, |d| d.max(*last)));
        }
        self.stored += install.days.len() as u64;
        *self.tables.get_mut() = None;
        self.instances.insert(id, install);
        Ok(())
    }

    /// Every stored ping's contribution, for a sweep.
    fn contributions(&self) -> impl Iterator<Item = Contribution<'_>> {
        self.instances.values().flat_map(|install| (0..install.days.len()).map(move |i| install.contribution(i)))
    }

    /// Runs `f` over the day tables for `window`: the kept ones (built first if a bulk load
    /// dropped them), or, for another window, ones built for this call alone.
    fn with_tables<R>(&self, window: u32, f: impl FnOnce(&Tables) -> R) -> R {
        let (Some(lo), Some(hi)) = (self.first_day, self.last_day) else {
            return f(&Tables::new(window));
        };
        let build = || {
            let mut work = self.work.get();
            work.builds += 1;
            self.work.set(work);
            Tables::build(window, self.contributions(), lo, hi)
        };
        if window != self.window {
            return f(&build());
        }
        let mut kept = self.tables.borrow_mut();
        let tables = kept.get_or_insert_with(build);
        tables.refresh_firsts();
        f(tables)
    }

    /// The kept day tables against a sweep of every install: the incremental path's proof.
    pub fn tables_match_a_rebuild(&self) -> bool {
        let (Some(lo), Some(hi)) = (self.first_day, self.last_day) else { return true };
        let rebuilt = Tables::build(self.window, self.contributions(), lo, hi);
        self.with_tables(self.window, |kept| kept.same_figures(&rebuilt))
    }

    /// The report's days, read from the day tables: only the rows of the range asked for.
    fn daily_figures(&self, options: ReportOptions) -> Result<Vec<Day>> {
        let (Some(first), Some(max)) = (self.first_day, self.last_day) else {
            return Ok(Vec::new());
        };
        let last = options.as_of.map(day_number).unwrap_or(max);
        if last < first {
            return Ok(Vec::new());
        }
        let span = (last - first) as i64 + 1;
        if span > MAX_REPORT_DAYS {
            return Err(Error::new("asOf", format!("the report would span {span} days; at most {MAX_REPORT_DAYS}")));
        }
        let from = match options.last_days {
            Some(n) => first.max(last - n as i32 + 1),
            None => first,
        };
        Ok(self.with_tables(options.active_window_days, |t| (from..=last).map(|d| self.day(t, d)).collect()))
    }

    fn day(&self, t: &Tables, day: i32) -> Day {
        let zero = Row::default();
        let row = t.row_at(day).unwrap_or(&zero);
        let names = self.names.names.len();
        let name = |id: usize| self.names.name(id as u32).to_string();
        let named_counts = |kind: usize| -> BTreeMap<String, u64> {
            (0..names).filter(|&id| t.dim_first(kind, id) <= day).map(|id| (name(id), get(&row.dims[kind], id).max(0) as u64)).collect()
        };
        let total = |key: &str| {
            self.names.ids.get(key).map(|&k| k as usize).filter(|&k| t.total_first(k) <= day).map_or(0.0, |k| get(&row.totals, k) as f64)
        };
        debug_assert_eq!(DIMENSIONS, 4);
        Day {
            date: format_day(day_of(day)),
            pinged: row.pinged as u64,
            active: row.active.max(0) as u64,
            added: row.added as u64,
            removed: row.removed as u64,
            resurrected: row.resurrected as u64,
            hosted: total("projects"),
            remote: total("devices"),
            totals: (0..names).filter(|&k| t.total_first(k) <= day).map(|k| (name(k), get(&row.totals, k) as f64)).collect(),
            by_driver: named_counts(0),
            by_os: named_counts(1),
            by_version: named_counts(2),
            by_license: named_counts(3),
        }
    }
}

#[cfg(test)]
mod day_start_tests {
    use super::*;

    #[test]
    fn day_start_ms_is_chronos_midnight() {
        for date in ["1970-01-01", "2020-02-29", "2026-11-25", "2099-12-31"] {
            let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            assert_eq!(day_start_ms(day_number(day)), crate::dates::epoch_ms(day), "{date}");
        }
    }
}

#[cfg(test)]
mod piece_tests {
    use super::*;
    use crate::demo::{self, DemoOptions};

    #[test]
    fn a_raw_log_read_in_pieces_is_read_as_one() {
        let mut log = demo::pings_ndjson(DemoOptions { installs: 40, days: 40, start: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), seed: 3, flat_share: 0.3 });
        // A bad line, a blank one and a rejected ping in the middle; the last line unfinished.
        let middle = log.len() / 2;
        let middle = middle + log[middle..].find('\n').unwrap() + 1;
        log.insert_str(middle, "{not json\n\n  \n{\"instanceId\":\"\"}\n");
        log.push_str(r#"{"instanceId":"last","receivedAt":"2025-03-02T00:00:00Z"}"#);
        let bytes = log.as_bytes();
        let mut whole = Ledger::new();
        let expected = whole.ingest_ndjson_bytes(bytes);
        assert_eq!(expected.rejected.len(), 2);
        let report = whole.report(ReportOptions::default()).unwrap();
        for piece in [1, 7, 300, 4096, bytes.len() - 1, bytes.len(), 1 << 20] {
            let mut ledger = Ledger::new();
            let outcome = ledger.ingest_ndjson_pieces_of(piece, bytes.len(), |start, buffer| buffer.copy_from_slice(&bytes[start..start + buffer.len()]));
            assert_eq!(outcome, expected, "pieces of {piece}");
            assert_eq!(ledger.report(ReportOptions::default()).unwrap(), report, "pieces of {piece}");
        }
        assert_eq!(Ledger::new().ingest_ndjson_pieces(0, |_, _| unreachable!()), Ledger::new().ingest_ndjson_bytes(b""));
    }
}
