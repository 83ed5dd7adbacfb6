//! Cloud meta snapshots: one object of usage metrics a day, flattened to dotted keys, kept
//! one per date, and reported metric by metric with week-on-week growth. A metric added to
//! the snapshot flow simply appears: its series starts the day it is first sent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::chart::ChartPoint;
use crate::dates::{epoch_ms, format_day};
use crate::error::{Error, Result};
use crate::formula::Formula;
use crate::rating::Rating;
use crate::weekly::{self, Aggregate, Options, Point, WeekOnWeek};

/// The `format` of a saved history (`toJSON()`), checked when one is restored.
pub const STATE_FORMAT: &str = "product-growth/snapshot-history@1";
/// Average weekly growth is reported over this many complete weeks.
pub const DEFAULT_AVERAGE_WEEKS: u32 = 4;

/// A snapshot's metrics flattened to dotted keys (`teamsByType.starter`).
pub type Metrics = BTreeMap<String, f64>;

/// One day's snapshot, read (`api::snapshot`) and flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct DayMetrics {
    pub date: NaiveDate,
    pub metrics: Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub date: String,
    pub metrics: Metrics,
    /// Whether it replaced an earlier snapshot of the same date.
    pub replaced: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    format: String,
    snapshots: BTreeMap<NaiveDate, Metrics>,
}

/// What a history's report and a metric's history are asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryOptions {
    pub as_of: Option<NaiveDate>,
    /// Metrics that are events, summed per week; the rest are gauges (last value).
    pub events: BTreeSet<String>,
    pub average_weeks: u32,
    /// Formula metrics by name (`adoption.tables` → `features.tablesDatabases / teamCount`):
    /// reported among the metrics, as gauges; one named like a metric of the snapshots
    /// takes its place.
    pub formulas: BTreeMap<String, Formula>,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions { as_of: None, events: BTreeSet::new(), average_weeks: DEFAULT_AVERAGE_WEEKS, formulas: BTreeMap::new() }
    }
}

impl HistoryOptions {
    fn aggregate(&self, metric: &str) -> Aggregate {
        if self.events.contains(metric) && !self.formulas.contains_key(metric) { Aggregate::Sum } else { Aggregate::Last }
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
    /// The metric was not in the latest snapshot: it stopped being sent. A formula ends
    /// when one of its two metrics does.
    pub ended: bool,
    /// A formula metric's `a / b` (absent for the snapshots' own metrics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
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

    /// Adds one day's metrics; a second snapshot of a date replaces the first.
    pub fn add(&mut self, snapshot: DayMetrics) -> Snapshot {
        let DayMetrics { date, metrics } = snapshot;
        let replaced = self.snapshots.insert(date, metrics.clone()).is_some();
        Snapshot { date: format_day(date), metrics, replaced }
    }

    /// Adds many (all read beforehand, so a backfill is all or nothing); returns how many.
    pub fn add_all(&mut self, snapshots: Vec<DayMetrics>) -> usize {
        let n = snapshots.len();
        for snapshot in snapshots {
            self.add(snapshot);
        }
        n
    }

    /// Every day's metrics, in date order.
    pub fn days(&self) -> impl Iterator<Item = (&NaiveDate, &Metrics)> {
        self.snapshots.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
    }

    pub fn metric_names(&self) -> Vec<String> {
        let names: BTreeSet<&String> = crate::order::set(self.snapshots.values().flat_map(|m| m.keys()));
        names.into_iter().cloned().collect()
    }

    /// A metric's daily series, or a formula's from its two metrics'.
    fn series(&self, metric: &str, options: &HistoryOptions) -> Vec<(NaiveDate, f64)> {
        match options.formulas.get(metric) {
            Some(f) => f.series(&self.metric_series(&f.numerator, options.as_of), &self.metric_series(&f.denominator, options.as_of)),
            None => self.metric_series(metric, options.as_of),
        }
    }

    fn metric_series(&self, metric: &str, as_of: Option<NaiveDate>) -> Vec<(NaiveDate, f64)> {
        self.snapshots
            .iter()
            .filter(|(d, _)| as_of.is_none_or(|a| **d <= a))
            .filter_map(|(d, m)| m.get(metric).map(|v| (*d, *v)))
            .collect()
    }

    fn weekly(&self, series: &[(NaiveDate, f64)], aggregate: Aggregate, options: &HistoryOptions) -> WeekOnWeek {
        let points = series
            .iter()
            .filter_map(|(d, v)| d.and_hms_opt(0, 0, 0).map(|t| Point { at: t.and_utc(), value: *v }))
            .collect();
        weekly::week_on_week(points, Options { aggregate, as_of: options.as_of, average_weeks: Some(options.average_weeks) })
    }

    /// Every metric's series from one pass over the snapshots (a report of hundreds of
    /// metrics over years would otherwise look each one up in every snapshot).
    /// Formulas come after, from the series of their two metrics.
    fn all_series<'a>(&'a self, options: &'a HistoryOptions) -> BTreeMap<&'a str, Vec<(NaiveDate, f64)>> {
        let mut series: BTreeMap<&str, Vec<(NaiveDate, f64)>> = BTreeMap::new();
        for (date, metrics) in self.snapshots.iter().filter(|(d, _)| options.as_of.is_none_or(|a| **d <= a)) {
            for (name, value) in metrics {
                series.entry(name.as_str()).or_default().push((*date, *value));
            }
        }
        let none = Vec::new();
        let ratios: Vec<(&str, Vec<(NaiveDate, f64)>)> = options
            .formulas
            .iter()
            .map(|(name, f)| (name.as_str(), f.series(series.get(f.numerator.as_str()).unwrap_or(&none), series.get(f.denominator.as_str()).unwrap_or(&none))))
            .collect();
        series.extend(ratios);
        series
    }

    pub fn report(&self, options: &HistoryOptions) -> HistoryReport {
        let last_date = self.snapshots.keys().filter(|d| options.as_of.is_none_or(|a| **d <= a)).next_back().copied();
        let last = last_date.and_then(|d| self.snapshots.get(&d));
        let sent_last = |metric: &str| last.is_some_and(|m| m.contains_key(metric));
        let metrics = self
            .all_series(options)
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
                    ended: match options.formulas.get(metric) {
                        Some(f) => !(sent_last(&f.numerator) && sent_last(&f.denominator)),
                        None => Some(latest_date) != last_date,
                    },
                    formula: options.formulas.get(metric).map(Formula::text),
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

    pub fn metric(&self, metric: &str, options: &HistoryOptions) -> Result<MetricHistory> {
        let series = self.series(metric, options);
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
}
