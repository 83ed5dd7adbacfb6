//! The installation ledger: every install's latest ping of each day, and the daily figures
//! of the Telemetry Data Dashboard computed from them exactly as DESIGN.md defines them.
//!
//! The batch function and the incremental ledger are one thing: `aggregate` builds a ledger,
//! ingests the batch in order and reports, so both give the identical result by construction.
//!
//! Storage is compact because a ledger holds years of daily pings of thousands of installs:
//! names (drivers, versions, count keys) are interned once and a day's ping is a time, four
//! name ids and its counts as (id, value) pairs.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ping::{self, PingRef, Read, FORBIDDEN_KEYS};
use crate::dates::format_day;
use crate::error::{Error, Result};
use crate::input;

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
}

impl Names {
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
#[derive(Debug, Clone)]
struct DayPing {
    /// Epoch milliseconds of the ping.
    at: i64,
    /// driver, os, version, license
    dims: [u32; 4],
    counts: Box<[(u32, u64)]>,
}

/// An install's days with a ping, in date order (days since the common era).
#[derive(Debug, Clone, Default)]
struct Install {
    days: Vec<(i32, DayPing)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// Position among all pings offered to this ledger (or in the batch).
    pub index: u64,
    pub instance_id: Option<String>,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
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
        Ok(ReportOptions { active_window_days, as_of })
    }
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { active_window_days: DEFAULT_ACTIVE_WINDOW_DAYS, as_of: None }
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

fn day_of(number: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(number).unwrap_or_default()
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
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

    /// Returns whether the install already had a ping that day.
    fn insert(&mut self, p: PingRef<'_>) -> bool {
        self.accepted += 1;
        let at = p.received_at.timestamp_millis();
        let day = day_number(p.received_at.date_naive());
        let dims = [self.names.id(&p.driver), self.names.id(&p.os), self.names.id(&p.version), self.names.id(&p.license)];
        let counts: Box<[(u32, u64)]> = p.counts.iter().map(|(k, v)| (self.names.id(k), *v)).collect();
        let entry = DayPing { at, dims, counts };
        let install = match self.instances.get_mut(p.instance_id.as_ref()) {
            Some(install) => install,
            None => self.instances.entry(p.instance_id.as_ref().into()).or_default(),
        };
        // Pings mostly arrive in date order: the common case is a push at the end.
        let slot = match install.days.last() {
            Some((last, _)) if *last < day => Err(install.days.len()),
            _ => install.days.binary_search_by_key(&day, |(d, _)| *d),
        };
        match slot {
            Ok(i) => {
                self.duplicates += 1;
                // The latest ping of the day counts; at the same instant, the later arrival.
                if at >= install.days[i].1.at {
                    install.days[i].1 = entry;
                }
                true
            }
            Err(i) => {
                install.days.insert(i, (day, entry));
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
            Err(e) => Err(Error::new("pings", format!("is not JSON: {e}"))),
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
        let mut outcome = BatchOutcome::default();
        for (n, line) in text.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut read = ping::parse_bytes(line);
            if let Err(e) = &read.ping {
                if e.field == "ping" && e.message.starts_with("is not JSON") {
                    read.ping = Err(Error::new(format!("line {}", n + 1), e.message.clone()));
                }
            }
            let (result, instance_id) = self.offer(read);
            outcome.record(n as u64, result, instance_id);
        }
        outcome
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

    /// The saved form: plain JSON, sorted, with names spelt out.
    pub fn to_json(&self) -> Value {
        let mut instances = BTreeMap::new();
        for (id, install) in &self.instances {
            let days: BTreeMap<NaiveDate, SavedDay> = install
                .days
                .iter()
                .map(|(d, p)| {
                    let [driver, os, version, license] = p.dims.map(|i| self.names.name(i).to_string());
                    let counts = p.counts.iter().map(|(k, v)| (self.names.name(*k).to_string(), *v)).collect();
                    (day_of(*d), SavedDay { at: p.at, driver, os, version, license, counts })
                })
                .collect();
            instances.insert(id.to_string(), days);
        }
        let saved = Saved {
            format: STATE_FORMAT.to_string(),
            instances,
            accepted: self.accepted,
            duplicates: self.duplicates,
            offered: self.offered,
            rejected_total: self.rejected_total,
            rejected: self.rejected.clone(),
        };
        serde_json::to_value(saved).unwrap_or(Value::Null)
    }

    /// Restores a ledger from `to_json`'s output. Anything else is refused, leaving the
    /// caller's current state untouched.
    pub fn from_json(value: &Value) -> Result<Ledger> {
        if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
            return Err(Error::new("state.format", format!("must be {STATE_FORMAT:?}")));
        }
        let saved: Saved =
            serde_json::from_value(value.clone()).map_err(|e| Error::new("state", format!("is not a saved ledger: {e}")))?;
        let mut ledger = Ledger {
            accepted: saved.accepted,
            duplicates: saved.duplicates,
            offered: saved.offered,
            rejected_total: saved.rejected_total,
            rejected: saved.rejected,
            ..Ledger::default()
        };
        for (id, days) in saved.instances {
            let mut install = Install::default();
            for (date, p) in days {
                // A file is not trusted more than a ping: names that would be object keys
                // in a report are checked again.
                let bad_name = |s: &str| s.is_empty() || s.split('.').any(|seg| seg.is_empty() || FORBIDDEN_KEYS.contains(&seg));
                if let Some(k) = p.counts.keys().find(|k| bad_name(k)) {
                    return Err(Error::new(format!("state.instances.{id}.{date}.counts.{k}"), "is not a valid count name"));
                }
                if [&p.driver, &p.os, &p.version, &p.license].iter().any(|v| FORBIDDEN_KEYS.contains(&v.as_str())) {
                    return Err(Error::new(format!("state.instances.{id}.{date}"), "holds a reserved name"));
                }
                let dims = [ledger.names.id(&p.driver), ledger.names.id(&p.os), ledger.names.id(&p.version), ledger.names.id(&p.license)];
                let counts = p.counts.iter().map(|(k, v)| (ledger.names.id(k), *v)).collect();
                install.days.push((day_number(date), DayPing { at: p.at, dims, counts }));
            }
            ledger.instances.insert(id.into(), install);
        }
        Ok(ledger)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Saved {
    format: String,
    instances: BTreeMap<String, BTreeMap<NaiveDate, SavedDay>>,
    accepted: u64,
    duplicates: u64,
    offered: u64,
    rejected_total: u64,
    rejected: Vec<Rejection>,
}

#[derive(Serialize, Deserialize)]
struct SavedDay {
    at: i64,
    driver: String,
    os: String,
    version: String,
    license: String,
    counts: BTreeMap<String, u64>,
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
    streamed.and_then(|()| d.end()).map_err(|e| Error::new("pings", format!("must be a JSON array of pings: {e}")))?;
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
    let mut ledger = Ledger::new();
    ledger.ingest_batch(pings)?;
    ledger.report(options)
}


const DIMENSIONS: usize = 4; // driver, os, version, license

impl Ledger {
    /// Each ping p of an install with next ping q holds the install active, with p's data,
    /// on the days [p, min(q, p + W)). So every figure is a sum of intervals: add at the
    /// start, take away at the end, and sweep the days once.
    ///
    /// The changes are kept in dense day × name tables: a few megabytes for years of data,
    /// where a list of changes per interval took hundreds (every ping's counts, twice).
    fn daily_figures(&self, options: ReportOptions) -> Result<Vec<Day>> {
        let w = options.active_window_days as i32;
        let Some(first) = self.instances.values().filter_map(|i| i.days.first().map(|(d, _)| *d)).min() else {
            return Ok(Vec::new());
        };
        let last = match options.as_of {
            Some(d) => day_number(d),
            None => self.instances.values().filter_map(|i| i.days.last().map(|(d, _)| *d)).max().unwrap_or(first),
        };
        if last < first {
            return Ok(Vec::new());
        }
        let span = (last - first) as i64 + 1;
        if span > MAX_REPORT_DAYS {
            return Err(Error::new("asOf", format!("the report would span {span} days; at most {MAX_REPORT_DAYS}")));
        }
        let span = span as usize;
        let names = self.names.names.len();
        let index = |d: i32| (d - first) as usize;

        let mut pinged = vec![0u64; span];
        let mut added = vec![0u64; span];
        let mut removed = vec![0u64; span];
        let mut resurrected = vec![0u64; span];
        let mut active_change = vec![0i64; span + 1];
        let mut total_change = vec![0i128; (span + 1) * names];
        let mut dim_change = vec![0i64; (span + 1) * names * DIMENSIONS];
        // The first day each name has a value: from then on it is in the day's map.
        let mut total_from = vec![usize::MAX; names];
        let mut dim_from = vec![usize::MAX; names * DIMENSIONS];

        for install in self.instances.values() {
            let upto = install.days.partition_point(|(d, _)| *d <= last);
            let pings = &install.days[..upto];
            for (i, (day, p)) in pings.iter().enumerate() {
                let start = index(*day);
                let next = pings.get(i + 1).map(|(d, _)| *d);
                pinged[start] += 1;
                if i == 0 {
                    added[start] += 1;
                }
                let lapses = day + w;
                let end = match next {
                    Some(q) if q <= lapses => index(q),
                    _ => {
                        if lapses <= last {
                            removed[index(lapses)] += 1;
                        }
                        if let Some(q) = next {
                            resurrected[index(q)] += 1;
                        }
                        // Past the last day: the change at `span` is never swept.
                        if lapses <= last { index(lapses) } else { span }
                    }
                };
                active_change[start] += 1;
                active_change[end] -= 1;
                for &(k, v) in p.counts.iter() {
                    let k = k as usize;
                    total_change[start * names + k] += v as i128;
                    total_change[end * names + k] -= v as i128;
                    total_from[k] = total_from[k].min(start);
                }
                for (kind, &id) in p.dims.iter().enumerate() {
                    let slot = kind * names + id as usize;
                    dim_change[start * names * DIMENSIONS + slot] += 1;
                    dim_change[end * names * DIMENSIONS + slot] -= 1;
                    dim_from[slot] = dim_from[slot].min(start);
                }
            }
        }

        let hosted_id = self.names.ids.get("projects").map(|&k| k as usize);
        let remote_id = self.names.ids.get("devices").map(|&k| k as usize);
        let mut totals = vec![0i128; names];
        let mut dims = vec![0i64; names * DIMENSIONS];
        let mut active: i64 = 0;
        let mut out = Vec::with_capacity(span);
        for day in 0..span {
            active += active_change[day];
            for (k, t) in totals.iter_mut().enumerate() {
                *t += total_change[day * names + k];
            }
            for (slot, c) in dims.iter_mut().enumerate() {
                *c += dim_change[day * names * DIMENSIONS + slot];
            }
            let named_counts = |kind: usize| -> BTreeMap<String, u64> {
                (0..names)
                    .filter(|&id| dim_from[kind * names + id] <= day)
                    .map(|id| (self.names.name(id as u32).to_string(), dims[kind * names + id].max(0) as u64))
                    .collect()
            };
            let total = |id: Option<usize>| id.filter(|&k| total_from[k] <= day).map_or(0.0, |k| totals[k] as f64);
            out.push(Day {
                date: format_day(day_of(first + day as i32)),
                pinged: pinged[day],
                active: active.max(0) as u64,
                added: added[day],
                removed: removed[day],
                resurrected: resurrected[day],
                hosted: total(hosted_id),
                remote: total(remote_id),
                totals: (0..names)
                    .filter(|&k| total_from[k] <= day)
                    .map(|k| (self.names.name(k as u32).to_string(), totals[k] as f64))
                    .collect(),
                by_driver: named_counts(0),
                by_os: named_counts(1),
                by_version: named_counts(2),
                by_license: named_counts(3),
            });
        }
        Ok(out)
    }
}
