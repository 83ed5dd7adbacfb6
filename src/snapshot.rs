//! Cloud meta snapshots: one object of usage metrics a day, flattened to dotted keys, kept
//! one per date, and reported metric by metric with week-on-week growth. A metric added to
//! the snapshot flow simply appears: its series starts the day it is first sent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::chart::ChartPoint;
use crate::dates::{epoch_ms, format_day};
use crate::error::{Error, Result};
use crate::api::input;
use crate::rating::Rating;
use crate::weekly::{self, Aggregate, Options, Point, WeekOnWeek};

const STATE_FORMAT: &str = "product-growth/snapshot-history@1";
/// Keys that would change a JavaScript object's prototype if copied into one.
const FORBIDDEN_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];
/// Far deeper than FlowFuse's admin stats (two levels); bounds a hostile object.
const MAX_DEPTH: usize = 16;
/// Hundreds of metrics are expected; this bounds one snapshot's size.
const MAX_METRICS: usize = 5000;
const MAX_KEY_LENGTH: usize = 200;
/// Average weekly growth is reported over this many complete weeks.
pub const DEFAULT_AVERAGE_WEEKS: u32 = 4;

/// Flattens a metrics object to dotted keys: numbers as they are, booleans as 0 or 1. Any
/// other value, and a reserved key, is refused with its dotted name.
pub fn flatten(metrics: &Value) -> Result<BTreeMap<String, f64>> {
    let map = input::object("metrics", metrics)?;
    let mut out = BTreeMap::new();
    flatten_into("", map, 0, &mut out)?;
    if out.is_empty() {
        return Err(Error::new("metrics", "holds no metric (numbers or booleans)"));
    }
    Ok(out)
}

fn flatten_into(prefix: &str, map: &Map<String, Value>, depth: usize, out: &mut BTreeMap<String, f64>) -> Result<()> {
    for (key, value) in map {
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if key.is_empty() || key.split('.').any(|s| s.is_empty()) {
            return Err(Error::new(format!("metrics.{name}"), "is not a valid metric name (empty part)"));
        }
        if key.split('.').any(|s| FORBIDDEN_KEYS.contains(&s)) {
            return Err(Error::new(format!("metrics.{name}"), "is a reserved name and cannot be a metric"));
        }
        if name.chars().count() > MAX_KEY_LENGTH {
            return Err(Error::new(format!("metrics.{}", crate::error::clip(&name, crate::error::Clip::TEXT)), format!("is longer than {MAX_KEY_LENGTH} characters")));
        }
        match value {
            Value::Object(inner) => {
                if depth + 1 >= MAX_DEPTH {
                    return Err(Error::new(format!("metrics.{name}"), format!("is nested more than {MAX_DEPTH} levels deep")));
                }
                flatten_into(&name, inner, depth + 1, out)?;
            }
            Value::Number(n) => match n.as_f64().filter(|x| x.is_finite()) {
                Some(x) => {
                    out.insert(name, x);
                }
                None => return Err(Error::new(format!("metrics.{name}"), "must be a finite number")),
            },
            Value::Bool(b) => {
                out.insert(name, if *b { 1.0 } else { 0.0 });
            }
            Value::Null => {
                return Err(Error::new(
                    format!("metrics.{name}"),
                    "must be a finite number or a boolean, got null (NaN and Infinity arrive as null)",
                ))
            }
            other => {
                return Err(Error::new(
                    format!("metrics.{name}"),
                    format!("must be a number, a boolean or an object of them, got {}", input::kind(other)),
                ))
            }
        }
        if out.len() > MAX_METRICS {
            return Err(Error::new("metrics", format!("holds more than {MAX_METRICS} metrics")));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub date: String,
    pub metrics: BTreeMap<String, f64>,
    /// Whether it replaced an earlier snapshot of the same date.
    pub replaced: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    format: String,
    snapshots: BTreeMap<NaiveDate, BTreeMap<String, f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    pub as_of: Option<NaiveDate>,
    /// Metrics that are events, summed per week; the rest are gauges (last value).
    pub events: BTreeSet<String>,
    pub average_weeks: u32,
}

impl ReportOptions {
    pub fn from_json(value: Option<&Value>) -> Result<ReportOptions> {
        let map = input::options("options", value)?;
        let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
        let as_of = get("asOf").map(|v| input::day("asOf", v)).transpose()?;
        let events = match get("events") {
            None => BTreeSet::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| Error::new(format!("events[{i}]"), "must be a metric name"))
                })
                .collect::<Result<_>>()?,
            Some(other) => return Err(Error::new("events", format!("must be an array of metric names, got {}", input::kind(other)))),
        };
        let average_weeks = match get("averageWeeks") {
            None => DEFAULT_AVERAGE_WEEKS,
            Some(v) => input::whole("averageWeeks", Some(v), 1, 520)?,
        };
        Ok(ReportOptions { as_of, events, average_weeks })
    }

    fn aggregate(&self, metric: &str) -> Aggregate {
        if self.events.contains(metric) { Aggregate::Sum } else { Aggregate::Last }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricRow {
    pub metric: String,
    /// `last` (gauge) or `sum` (event).
    pub aggregate: &'static str,
    pub first_date: String,
    pub latest_date: String,
    pub latest: f64,
    /// The value the day before `latest_date`, when there is a snapshot with it that day.
    pub previous: Option<f64>,
    pub change: Option<f64>,
    /// Growth of the last complete ISO week over the one before.
    pub weekly_growth: Option<f64>,
    pub rating: Option<Rating>,
    /// (last / first)^(1/n) − 1 over the last `averageWeeks` complete weeks.
    pub average_growth: Option<f64>,
    /// The metric was not in the latest snapshot: it stopped being sent.
    pub ended: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryReport {
    pub snapshots: usize,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub metrics: Vec<MetricRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricHistory {
    pub metric: String,
    pub points: Vec<DatedValue>,
    pub week_on_week: WeekOnWeek,
    /// `ui-chart` points: the daily values, and the weekly growth in percent of every
    /// complete week.
    pub value_chart: Vec<ChartPoint>,
    pub growth_chart: Vec<ChartPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatedValue {
    pub date: String,
    pub value: f64,
}

impl History {
    pub fn new() -> History {
        History { format: STATE_FORMAT.to_string(), snapshots: BTreeMap::new() }
    }

    /// Adds `{date, metrics}`. Nothing changes when it is refused.
    pub fn add(&mut self, snapshot: &Value) -> Result<Snapshot> {
        let map = input::object("snapshot", snapshot)?;
        let date = match map.get("date") {
            Some(v) if !v.is_null() => input::day("date", v)?,
            _ => return Err(Error::new("date", "is required (YYYY-MM-DD)")),
        };
        let metrics = flatten(map.get("metrics").unwrap_or(&Value::Null))?;
        let replaced = self.snapshots.insert(date, metrics.clone()).is_some();
        Ok(Snapshot { date: format_day(date), metrics, replaced })
    }

    /// Adds many; all or nothing, so a bad one in a backfill leaves the history as it was.
    pub fn add_all(&mut self, snapshots: &Value) -> Result<usize> {
        let items = snapshots
            .as_array()
            .ok_or_else(|| Error::new("snapshots", format!("must be an array, got {}", input::kind(snapshots))))?;
        let mut next = self.clone();
        for (i, item) in items.iter().enumerate() {
            next.add(item).map_err(|e| Error::new(format!("snapshots[{i}].{}", e.field), e.message))?;
        }
        *self = next;
        Ok(items.len())
    }

    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
    }

    pub fn metric_names(&self) -> Vec<String> {
        let names: BTreeSet<&String> = self.snapshots.values().flat_map(|m| m.keys()).collect();
        names.into_iter().cloned().collect()
    }

    fn series(&self, metric: &str, as_of: Option<NaiveDate>) -> Vec<(NaiveDate, f64)> {
        self.snapshots
            .iter()
            .filter(|(d, _)| as_of.is_none_or(|a| **d <= a))
            .filter_map(|(d, m)| m.get(metric).map(|v| (*d, *v)))
            .collect()
    }

    fn weekly(&self, series: &[(NaiveDate, f64)], aggregate: Aggregate, options: &ReportOptions) -> WeekOnWeek {
        let points = series
            .iter()
            .filter_map(|(d, v)| d.and_hms_opt(0, 0, 0).map(|t| Point { at: t.and_utc(), value: *v }))
            .collect();
        weekly::week_on_week(points, Options { aggregate, as_of: options.as_of, average_weeks: Some(options.average_weeks) })
    }

    /// Every metric's series from one pass over the snapshots (a report of hundreds of
    /// metrics over years would otherwise look each one up in every snapshot).
    fn all_series(&self, as_of: Option<NaiveDate>) -> BTreeMap<&str, Vec<(NaiveDate, f64)>> {
        let mut series: BTreeMap<&str, Vec<(NaiveDate, f64)>> = BTreeMap::new();
        for (date, metrics) in self.snapshots.iter().filter(|(d, _)| as_of.is_none_or(|a| **d <= a)) {
            for (name, value) in metrics {
                series.entry(name.as_str()).or_default().push((*date, *value));
            }
        }
        series
    }

    pub fn report(&self, options: &ReportOptions) -> HistoryReport {
        let last_date = self.snapshots.keys().filter(|d| options.as_of.is_none_or(|a| **d <= a)).next_back().copied();
        let metrics = self
            .all_series(options.as_of)
            .into_iter()
            .filter_map(|(metric, series)| {
                let (&(first, _), &(latest_date, latest)) = (series.first()?, series.last()?);
                let previous = series
                    .iter()
                    .rev()
                    .nth(1)
                    .filter(|(d, _)| *d == latest_date - Duration::days(1))
                    .map(|(_, v)| *v);
                let aggregate = options.aggregate(metric);
                let weeks = self.weekly(&series, aggregate, options);
                Some(MetricRow {
                    aggregate: if aggregate == Aggregate::Sum { "sum" } else { "last" },
                    first_date: format_day(first),
                    latest_date: format_day(latest_date),
                    latest,
                    previous,
                    change: previous.map(|p| latest - p),
                    weekly_growth: weeks.summary.latest_growth,
                    rating: weeks.summary.rating,
                    average_growth: weeks.summary.average_growth,
                    ended: Some(latest_date) != last_date,
                    metric: metric.to_string(),
                })
            })
            .collect();
        HistoryReport {
            snapshots: self.snapshots.keys().filter(|d| options.as_of.is_none_or(|a| **d <= a)).count(),
            first_date: self.snapshots.keys().next().map(|d| format_day(*d)),
            last_date: last_date.map(format_day),
            metrics,
        }
    }

    pub fn metric(&self, metric: &str, options: &ReportOptions) -> Result<MetricHistory> {
        let series = self.series(metric, options.as_of);
        if series.is_empty() {
            return Err(Error::new("metric", format!("{:?} is not in the history", crate::error::clip(metric, crate::error::Clip::TEXT))));
        }
        let week_on_week = self.weekly(&series, options.aggregate(metric), options);
        let value_chart = series.iter().map(|(d, v)| ChartPoint { series: metric.to_string(), x: epoch_ms(*d), y: *v }).collect();
        let growth_chart = week_on_week
            .weeks
            .iter()
            // A week in progress would show a misleading partial growth.
            .filter(|w| !w.partial)
            .filter_map(|w| {
                let growth = w.growth?;
                let monday = NaiveDate::parse_from_str(&w.start, "%Y-%m-%d").ok()?;
                Some(ChartPoint { series: "weekly growth %".to_string(), x: epoch_ms(monday), y: growth * 100.0 })
            })
            .collect();
        Ok(MetricHistory {
            metric: metric.to_string(),
            points: series.iter().map(|(d, v)| DatedValue { date: format_day(*d), value: *v }).collect(),
            week_on_week,
            value_chart,
            growth_chart,
        })
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn from_json(value: &Value) -> Result<History> {
        if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
            return Err(Error::new("state.format", format!("must be {STATE_FORMAT:?}")));
        }
        let history: History =
            serde_json::from_value(value.clone()).map_err(|e| Error::new("state", format!("is not a saved history: {e}")))?;
        // The saved values went through `flatten`; check them again rather than trust a file.
        for (date, metrics) in &history.snapshots {
            for (name, v) in metrics {
                if !v.is_finite() || name.split('.').any(|s| FORBIDDEN_KEYS.contains(&s) || s.is_empty()) {
                    return Err(Error::new(format!("state.snapshots.{date}.{name}"), "is not a valid metric"));
                }
            }
        }
        Ok(history)
    }
}
