//! The installation ledger: every install's latest ping of each day, and the daily figures
//! of the Telemetry Data Dashboard computed from them exactly as DESIGN.md defines them.
//!
//! The batch function and the incremental ledger are one thing: `aggregate` builds a ledger,
//! ingests the batch in order and reports, so both give the identical result by construction.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ping::{self, Ping};
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

/// The latest ping of one install on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DayPing {
    /// Epoch milliseconds of the ping.
    at: i64,
    driver: String,
    os: String,
    version: String,
    license: String,
    counts: BTreeMap<String, u64>,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ledger {
    format: String,
    /// instanceId → day (`YYYY-MM-DD`) → latest ping that day.
    instances: BTreeMap<String, BTreeMap<NaiveDate, DayPing>>,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchOutcome {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
}

/// What happened to one offered ping.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accepted { duplicate: bool },
    Rejected(Error),
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger { format: STATE_FORMAT.to_string(), ..Ledger::default() }
    }

    /// Offers one ping: a valid one is kept (replacing an earlier ping of the same install
    /// on the same day), an invalid one is counted and its reason kept.
    pub fn ingest(&mut self, value: &Value) -> Outcome {
        self.offered += 1;
        match ping::normalise(value) {
            Ok(p) => Outcome::Accepted { duplicate: self.insert(p) },
            Err(err) => {
                self.record_rejection(value, &err);
                Outcome::Rejected(err)
            }
        }
    }

    /// Counts a rejection of the ping just offered and keeps its reason (up to a bound).
    fn record_rejection(&mut self, value: &Value, err: &Error) {
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REJECTIONS_KEPT {
            self.rejected.push(rejection(self.offered - 1, value, err));
        }
    }

    /// Returns whether the install already had a ping that day.
    fn insert(&mut self, p: Ping) -> bool {
        self.accepted += 1;
        let at = p.received_at.timestamp_millis();
        let day = p.received_at.date_naive();
        let entry = DayPing { at, driver: p.driver, os: p.os, version: p.version, license: p.license, counts: p.counts };
        let days = self.instances.entry(p.instance_id).or_default();
        match days.get_mut(&day) {
            Some(existing) => {
                self.duplicates += 1;
                // The latest ping of the day counts; at the same instant, the later arrival.
                if at >= existing.at {
                    *existing = entry;
                }
                true
            }
            None => {
                days.insert(day, entry);
                false
            }
        }
    }

    /// Offers every ping of an array; returns what happened to this batch, with rejections
    /// indexed by their position in it.
    pub fn ingest_batch(&mut self, pings: &Value) -> Result<BatchOutcome> {
        let items = pings
            .as_array()
            .ok_or_else(|| Error::new("pings", format!("must be an array, got {}", input::kind(pings))))?;
        let mut outcome = BatchOutcome::default();
        for (index, item) in items.iter().enumerate() {
            match self.ingest(item) {
                Outcome::Accepted { duplicate } => {
                    outcome.accepted += 1;
                    outcome.duplicates += duplicate as u64;
                }
                Outcome::Rejected(err) => outcome.rejected.push(rejection(index as u64, item, &err)),
            }
        }
        Ok(outcome)
    }

    /// Offers every line of an NDJSON raw log (one ping per line; blank lines skipped). A
    /// line that is not JSON is rejected as `line N`, like any other bad ping.
    pub fn ingest_ndjson(&mut self, text: &str) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let value: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    let err = Error::new(format!("line {}", n + 1), format!("is not JSON: {e}"));
                    self.offered += 1;
                    self.record_rejection(&Value::Null, &err);
                    outcome.rejected.push(rejection(n as u64, &Value::Null, &err));
                    continue;
                }
            };
            match self.ingest(&value) {
                Outcome::Accepted { duplicate } => {
                    outcome.accepted += 1;
                    outcome.duplicates += duplicate as u64;
                }
                Outcome::Rejected(err) => outcome.rejected.push(rejection(n as u64, &value, &err)),
            }
        }
        outcome
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Restores a ledger from `to_json`'s output. Anything else is refused, leaving the
    /// caller's current state untouched.
    pub fn from_json(value: &Value) -> Result<Ledger> {
        if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
            return Err(Error::new("state.format", format!("must be {STATE_FORMAT:?}")));
        }
        serde_json::from_value(value.clone()).map_err(|e| Error::new("state", format!("is not a saved ledger: {e}")))
    }

    pub fn installations(&self) -> u64 {
        self.instances.len() as u64
    }

    pub fn report(&self, options: ReportOptions) -> Result<Report> {
        let days = daily_figures(&self.instances, options)?;
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

/// `validatePings(pings)`: checks a batch without keeping anything; one bad ping never
/// stops the others.
pub fn validate(pings: &Value) -> Result<Validation> {
    let items = pings
        .as_array()
        .ok_or_else(|| Error::new("pings", format!("must be an array, got {}", input::kind(pings))))?;
    let mut out = Validation::default();
    for (index, item) in items.iter().enumerate() {
        match ping::normalise(item) {
            Ok(p) => out.valid.push(ValidPing { index: index as u64, ping: p.normalised() }),
            Err(err) => out.rejected.push(rejection(index as u64, item, &err)),
        }
    }
    Ok(out)
}

fn rejection(index: u64, item: &Value, err: &Error) -> Rejection {
    Rejection { index, instance_id: instance_id_of(item), field: err.field.clone(), reason: err.to_string() }
}

/// The sender's `instanceId` for a rejection, if it is a string (cut to the column size).
fn instance_id_of(value: &Value) -> Option<String> {
    value.get("instanceId").and_then(Value::as_str).map(|s| s.chars().take(256).collect())
}

/// `aggregateInstallations(pings, {activeWindowDays, asOf})`.
pub fn aggregate(pings: &Value, options: Option<&Value>) -> Result<Report> {
    let options = ReportOptions::from_json(options)?;
    let items = pings
        .as_array()
        .ok_or_else(|| Error::new("pings", format!("must be an array, got {}", input::kind(pings))))?;
    let mut ledger = Ledger::new();
    for item in items {
        ledger.ingest(item);
    }
    ledger.report(options)
}

/// Interns names so the per-day sweep works on small integer ids.
#[derive(Default)]
struct Names {
    ids: HashMap<String, usize>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }
}

const DIMENSIONS: usize = 4; // driver, os, version, license

/// Changes that take effect on one day, applied in a single sweep over the days.
#[derive(Default, Clone)]
struct DayChanges {
    pinged: u64,
    added: u64,
    removed: u64,
    resurrected: u64,
    active: i64,
    totals: Vec<(usize, i128)>,
    dimensions: Vec<(usize, usize, i64)>,
}

/// Each ping p of an install with next ping q holds the install active, with p's data, on
/// the days [p, min(q, p + W)). So every figure is a sum of intervals: add at the start,
/// take away at the end, and sweep the days once.
fn daily_figures(instances: &BTreeMap<String, BTreeMap<NaiveDate, DayPing>>, options: ReportOptions) -> Result<Vec<Day>> {
    let w = Duration::days(options.active_window_days as i64);
    let Some(first) = instances.values().filter_map(|d| d.keys().next()).min().copied() else {
        return Ok(Vec::new());
    };
    let last = match options.as_of {
        Some(d) => d,
        None => instances.values().filter_map(|d| d.keys().next_back()).max().copied().unwrap_or(first),
    };
    if last < first {
        return Ok(Vec::new());
    }
    let span = (last - first).num_days() + 1;
    if span > MAX_REPORT_DAYS {
        return Err(Error::new("asOf", format!("the report would span {span} days; at most {MAX_REPORT_DAYS}")));
    }
    let index = |d: NaiveDate| (d - first).num_days() as usize;
    let mut changes = vec![DayChanges::default(); span as usize];
    let mut count_names = Names::default();
    let mut dimension_names: [Names; DIMENSIONS] = Default::default();

    for days in instances.values() {
        let pings: Vec<(&NaiveDate, &DayPing)> = days.range(..=last).collect();
        for (i, (&day, p)) in pings.iter().enumerate() {
            let start = index(day);
            let next = pings.get(i + 1).map(|(d, _)| **d);
            changes[start].pinged += 1;
            if i == 0 {
                changes[start].added += 1;
            }
            let lapses = day + w;
            let end = match next {
                Some(q) if q <= lapses => Some(q),
                _ => {
                    if lapses <= last {
                        changes[index(lapses)].removed += 1;
                    }
                    if let Some(q) = next {
                        changes[index(q)].resurrected += 1;
                    }
                    Some(lapses).filter(|d| *d <= last)
                }
            };
            let dims = [&p.driver, &p.os, &p.version, &p.license];
            let count_ids: Vec<(usize, i128)> = p.counts.iter().map(|(k, v)| (count_names.id(k), *v as i128)).collect();
            let dim_ids: Vec<(usize, usize)> = dims.iter().enumerate().map(|(k, v)| (k, dimension_names[k].id(v))).collect();
            changes[start].active += 1;
            changes[start].totals.extend(count_ids.iter().copied());
            changes[start].dimensions.extend(dim_ids.iter().map(|&(k, id)| (k, id, 1)));
            if let Some(end) = end {
                let e = &mut changes[index(end)];
                e.active -= 1;
                e.totals.extend(count_ids.iter().map(|&(k, v)| (k, -v)));
                e.dimensions.extend(dim_ids.iter().map(|&(k, id)| (k, id, -1)));
            }
        }
    }

    let hosted_id = count_names.ids.get("projects").copied();
    let remote_id = count_names.ids.get("devices").copied();
    // Running values; `None` until a name is first seen, so series start where data starts.
    let mut totals: Vec<Option<i128>> = vec![None; count_names.names.len()];
    let mut dimension_counts: Vec<Vec<Option<i64>>> = dimension_names.iter().map(|n| vec![None; n.names.len()]).collect();
    let mut active: i64 = 0;
    let mut out = Vec::with_capacity(span as usize);
    for (offset, change) in changes.into_iter().enumerate() {
        active += change.active;
        for (k, delta) in change.totals {
            *totals[k].get_or_insert(0) += delta;
        }
        for (dim, id, delta) in change.dimensions {
            *dimension_counts[dim][id].get_or_insert(0) += delta;
        }
        let named_counts = |dim: usize| -> BTreeMap<String, u64> {
            dimension_counts[dim]
                .iter()
                .enumerate()
                .filter_map(|(id, c)| c.map(|c| (dimension_names[dim].names[id].clone(), c.max(0) as u64)))
                .collect()
        };
        let total = |id: Option<usize>| id.and_then(|k| totals[k]).unwrap_or(0) as f64;
        out.push(Day {
            date: format_day(first + Duration::days(offset as i64)),
            pinged: change.pinged,
            active: active.max(0) as u64,
            added: change.added,
            removed: change.removed,
            resurrected: change.resurrected,
            hosted: total(hosted_id),
            remote: total(remote_id),
            totals: totals
                .iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|v| (count_names.names[k].clone(), v as f64)))
                .collect(),
            by_driver: named_counts(0),
            by_os: named_counts(1),
            by_version: named_counts(2),
            by_license: named_counts(3),
        });
    }
    Ok(out)
}
