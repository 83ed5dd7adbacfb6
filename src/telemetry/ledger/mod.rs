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

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::days::{get, Contribution, Row, Segment, Tables, Work};
use super::model::{DayPing, Dimension, LogPosition, Outcome, Rejection};
use super::ping::{self, PingRef, Read};
use crate::dates::{day_number, day_of, format_day};
use crate::error::{Error, Result};

mod counts;
mod names;
mod saved;

pub use names::{Bounds, Overflow, DEFAULT_COUNT_KEYS, DEFAULT_VALUES_PER_DIMENSION, MAX_COUNT_KEYS, MAX_VALUES_PER_DIMENSION, OTHER};
use counts::CountSets;
use names::Names;

pub const DEFAULT_ACTIVE_WINDOW_DAYS: u32 = 7;
pub const MAX_ACTIVE_WINDOW_DAYS: u32 = 366;
/// A report spans at most a century of days: enough for any product, and it bounds the
/// memory an `asOf` typo can ask for.
pub const MAX_REPORT_DAYS: i64 = 36_600;
/// Rejections kept for the report; beyond this only the count grows.
const MAX_REJECTIONS_KEPT: usize = 1000;

/// An install's days with a ping, in date order (days since the common era).
#[derive(Debug, Clone, Default)]
pub(crate) struct Install {
    pub days: Vec<(i32, DayPing)>,
}

impl Install {
    /// The ping that makes the install active on `day` (its latest at or before it, within
    /// `window` days), if it is active then.
    pub(crate) fn active_ping(&self, day: i32, window: i32) -> Option<&DayPing> {
        let upto = self.days.partition_point(|(d, _)| *d <= day);
        (upto > 0 && day - self.days[upto - 1].0 < window).then(|| &self.days[upto - 1].1)
    }

    /// The contribution of the stored ping at `i` (see `days`).
    fn contribution(&self, i: usize) -> Contribution<'_> {
        let next = self.days.get(i + 1);
        Contribution { day: self.days[i].0, ping: &self.days[i].1, next: next.map(|(d, _)| *d), next_dims: next.map(|(_, p)| p.dims), first: i == 0 }
    }
}

/// Segments whose day tables are kept ping by ping once asked for; asking for another drops
/// the one asked for least recently.
pub const MAX_KEPT_SEGMENTS: usize = 8;

/// A batch larger than this share of the stored pings (and at least `BULK_MIN` pings) stops
/// the day tables being kept ping by ping; the next report builds them in one sweep.
const BULK_SHARE: u64 = 8;
const BULK_MIN: u64 = 1000;

#[derive(Debug, Clone)]
pub struct Ledger {
    /// The caller's clock (epoch ms), if given: pings dated after it are refused. Not saved.
    now: Option<i64>,
    names: Names,
    /// Each distinct set of counts among the stored pings, once.
    count_sets: CountSets,
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
    /// The day tables of the segments asked for, kept likewise (most recently asked last);
    /// emptied whenever `tables` is dropped.
    segments: RefCell<Vec<Tables>>,
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
    /// In a segment's report: its installs that came from another segment that day, and
    /// those that went to one (absent from the whole ledger's report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_in: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_out: Option<u64>,
}

/// Which installs a segment's report counts: those whose latest ping has `value` for
/// `dimension` (`license`, `driver`, `os` or `version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentId {
    pub dimension: &'static str,
    pub value: String,
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
    /// Pings whose value of a dimension, or count key, was counted under `other` because
    /// that dimension (or the count keys) already held as many distinct names as it keeps.
    pub overflow: Overflow,
    /// The segment of a segment's report (absent from the whole ledger's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<SegmentId>,
}

/// How a ledger is kept: the active window its day tables are for, and the bounds on the
/// names it keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LedgerOptions {
    /// `None`: the default window for a new ledger, the saved one for a checkpoint.
    pub active_window_days: Option<u32>,
    pub bounds: Bounds,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    pub active_window_days: u32,
    pub as_of: Option<NaiveDate>,
    /// Only the last N days of the report (all when `None`): a range reads only its rows.
    pub last_days: Option<u32>,
    /// Only the installs of this segment (the whole ledger when `None`).
    pub segment: Option<SegmentChoice>,
}

/// A segment asked for: a dimension and one of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentChoice {
    pub dimension: Dimension,
    pub value: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { active_window_days: DEFAULT_ACTIVE_WINDOW_DAYS, as_of: None, last_days: None, segment: None }
    }
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
            count_sets: CountSets::default(),
            instances: FxHashMap::default(),
            accepted: 0,
            duplicates: 0,
            offered: 0,
            rejected_total: 0,
            rejected: Vec::new(),
            window,
            tables: RefCell::new(Some(Tables::new(window))),
            segments: RefCell::new(Vec::new()),
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
            self.drop_tables();
        }
    }

    /// How many distinct values per dimension, and count keys, it keeps from here on; the
    /// surplus is counted under `other`.
    pub fn set_bounds(&mut self, bounds: Bounds) {
        self.names.bounds = bounds;
    }

    pub fn bounds(&self) -> Bounds {
        self.names.bounds
    }

    pub fn overflow(&self) -> Overflow {
        self.names.overflow
    }

    /// What ingests and reports touched since the last call: tests assert that a ping's
    /// work does not grow with the history.
    pub fn take_work(&self) -> Work {
        self.work.take()
    }

    /// A batch of about `pings` pings is coming: when it is large against what is stored,
    /// one sweep at the next report is cheaper than keeping the tables ping by ping.
    pub(crate) fn expect_batch(&mut self, pings: u64) {
        if pings > BULK_MIN && pings > self.stored / BULK_SHARE {
            self.drop_tables();
        }
    }

    /// Sets "now" (epoch ms) for the pings offered from here on: a ping dated more than a
    /// day after it is refused. The core never reads the clock itself.
    pub fn set_now(&mut self, now_ms: Option<i64>) {
        self.now = now_ms;
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
            self.rejected.push(Rejection::new(self.offered - 1, instance_id, err));
        }
    }

    /// Returns whether the install already had a ping that day. Keeps the day tables up to
    /// date by adding the contributions the ping makes and taking away those it ends.
    fn insert(&mut self, p: PingRef<'_>) -> bool {
        self.accepted += 1;
        let at = p.received_at.timestamp_millis();
        let day = day_number(p.received_at.date_naive());
        let names = &mut self.names;
        let dims = Dimension::ALL.map(|d| names.value_id(d.index(), d, p.dimension(d)));
        let folded = names.overflow.counts;
        let mut counts: Vec<(u32, u64)> = p.counts.iter().enumerate().map(|(i, (k, v))| (names.count_id(Dimension::COUNT + i, k), *v)).collect();
        if names.overflow.counts > folded + 1 {
            names.merge_other(&mut counts);
        }
        let counts = self.count_sets.intern(&counts);
        let entry = DayPing { at, dims, counts };
        self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
        let Ledger { instances, tables, segments, work, duplicates, stored, .. } = self;
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
        // The whole ledger's tables and the kept segments' (none while the whole is dropped).
        let segments = segments.get_mut();
        let all = tables.get_mut().iter_mut().chain(segments.iter_mut());
        match slot {
            Ok(i) => {
                *duplicates += 1;
                // The latest ping of the day counts; at the same instant, the later arrival.
                if at >= install.days[i].1.at {
                    let old = std::mem::replace(&mut install.days[i].1, entry);
                    let new = install.contribution(i);
                    let changed_dims = old.dims != new.ping.dims;
                    for t in all {
                        t.apply(new, 1, work);
                        t.apply(Contribution { ping: &old, ..new }, -1, work);
                        // The day before's ping moves into the new ping's segment now.
                        if i > 0 && changed_dims && t.segment.is_some() {
                            let prev = install.contribution(i - 1);
                            t.apply(prev, 1, work);
                            t.apply(Contribution { next_dims: Some(old.dims), ..prev }, -1, work);
                        }
                    }
                }
                true
            }
            Err(i) => {
                install.days.insert(i, (day, entry));
                *stored += 1;
                for t in all {
                    // New contributions first, then the old ones away: a name's first day
                    // then never has to be looked for again.
                    t.apply(install.contribution(i), 1, work);
                    if i > 0 {
                        let prev = install.contribution(i - 1);
                        let old_next = install.days.get(i + 1);
                        t.apply(prev, 1, work);
                        t.apply(Contribution { next: old_next.map(|(d, _)| *d), next_dims: old_next.map(|(_, p)| p.dims), ..prev }, -1, work);
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

    /// Stops keeping the day tables ping by ping (the whole ledger's and the segments'): the
    /// next report builds them in one sweep.
    fn drop_tables(&mut self) {
        *self.tables.get_mut() = None;
        self.segments.get_mut().clear();
    }

    /// The raw log has been read `lines` lines and `bytes` bytes further.
    pub(crate) fn advance_log(&mut self, lines: u64, bytes: u64) {
        self.log.lines += lines;
        self.log.offset += bytes;
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

    pub fn installations(&self) -> u64 {
        self.instances.len() as u64
    }

    /// The report of the whole ledger, or with `options.segment` of the installs of one
    /// segment (DESIGN.md, "Segments"): every figure over the installs in it, each day with
    /// `movedIn` and `movedOut`, over the whole ledger's days. A value no ping has had is a
    /// segment nobody is in.
    pub fn report(&self, options: ReportOptions) -> Result<Report> {
        let days = self.daily_figures(&options)?;
        Ok(Report {
            segment: options.segment.as_ref().map(|s| SegmentId { dimension: s.dimension.name(), value: s.value.clone() }),
            days,
            installations: self.installations(),
            accepted: self.accepted,
            duplicates: self.duplicates,
            rejected: self.rejected.clone(),
            rejected_total: self.rejected_total,
            active_window_days: options.active_window_days,
            overflow: self.names.overflow,
        })
    }

    /// The last day with a stored ping.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_day.map(day_of)
    }

    /// The name a stored ping's id stands for.
    pub fn name(&self, id: u32) -> &str {
        self.names.name(id)
    }

    /// Every install's stored pings, each in date order (for analyses over installs).
    pub(crate) fn installs(&self) -> impl Iterator<Item = &Install> {
        self.instances.values()
    }
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
        for (_, p) in &install.days {
            self.names.mark(&p.dims, &p.counts);
        }
        self.drop_tables();
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
            Tables::build(window, None, self.contributions(), lo, hi)
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
        let rebuilt = Tables::build(self.window, None, self.contributions(), lo, hi);
        let segments_match = self.segments.borrow().iter().all(|kept| {
            let mut kept = kept.clone();
            kept.refresh_firsts();
            kept.same_figures(&Tables::build(self.window, kept.segment, self.contributions(), lo, hi))
        });
        segments_match && self.with_tables(self.window, |kept| kept.same_figures(&rebuilt))
    }

    /// Runs `f` over a segment's day tables: kept ones (built by a sweep the first time the
    /// segment is asked for, then kept ping by ping), or, for another window or while the
    /// whole ledger's tables are dropped, ones built for this call alone.
    fn with_segment_tables<R>(&self, window: u32, segment: Segment, f: impl FnOnce(&Tables) -> R) -> R {
        let (Some(lo), Some(hi)) = (self.first_day, self.last_day) else {
            return f(&Tables::of_segment(window, Some(segment)));
        };
        let build = || {
            let mut work = self.work.get();
            work.builds += 1;
            self.work.set(work);
            Tables::build(window, Some(segment), self.contributions(), lo, hi)
        };
        if window != self.window || self.tables.borrow().is_none() {
            return f(&build());
        }
        let mut kept = self.segments.borrow_mut();
        let mut tables = match kept.iter().position(|t| t.segment == Some(segment)) {
            Some(i) => kept.remove(i),
            None => build(),
        };
        tables.refresh_firsts();
        let out = f(&tables);
        if kept.len() >= MAX_KEPT_SEGMENTS {
            kept.remove(0);
        }
        kept.push(tables);
        out
    }

    /// The report's days, read from the day tables: only the rows of the range asked for.
    fn daily_figures(&self, options: &ReportOptions) -> Result<Vec<Day>> {
        let segment = options.segment.as_ref().map(|s| (s.dimension.index(), self.names.lookup(&s.value).unwrap_or(u32::MAX)));
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
        let days = |t: &Tables| (from..=last).map(|d| self.day(t, d)).collect();
        Ok(match segment {
            None => self.with_tables(options.active_window_days, days),
            Some(segment) => self.with_segment_tables(options.active_window_days, segment, days),
        })
    }

    fn day(&self, t: &Tables, day: i32) -> Day {
        let zero = Row::default();
        let row = t.row_at(day).unwrap_or(&zero);
        let names = self.names.len();
        let name = |id: usize| self.names.name(id as u32).to_string();
        let named_counts = |d: Dimension| -> BTreeMap<String, u64> {
            let kind = d.index();
            crate::order::map((0..names).filter(|&id| t.dim_first(kind, id) <= day).map(|id| (name(id), get(&row.dims[kind], id).max(0) as u64)))
        };
        let total = |key: &str| {
            self.names.lookup(key).map(|k| k as usize).filter(|&k| t.total_first(k) <= day).map_or(0.0, |k| get(&row.totals, k) as f64)
        };
        Day {
            date: format_day(day_of(day)),
            pinged: row.pinged as u64,
            active: row.active.max(0) as u64,
            added: row.added as u64,
            removed: row.removed as u64,
            resurrected: row.resurrected as u64,
            hosted: total("projects"),
            remote: total("devices"),
            totals: crate::order::map((0..names).filter(|&k| t.total_first(k) <= day).map(|k| (name(k), get(&row.totals, k) as f64))),
            by_driver: named_counts(Dimension::Driver),
            by_os: named_counts(Dimension::Os),
            by_version: named_counts(Dimension::Version),
            by_license: named_counts(Dimension::License),
            moved_in: t.segment.map(|_| row.moved_in as u64),
            moved_out: t.segment.map(|_| row.moved_out as u64),
        }
    }
}
