//! One row of the Overview page per headline metric: where it stands, how it grows, its
//! target and this week's alert.

use chrono::NaiveDate;
use serde::Serialize;

use super::alerts::{alerts, Alert, AlertOptions};
use super::targets::{target_status, TargetStatus, CURRENT_RATE_WEEKS};
use crate::rating::Rating;
use crate::weekly::{self, Aggregate, Options, Point, Week};

/// One row of the overview page: a metric's latest value, its week-on-week growth and
/// rating, the 4-week average, the last 12 weeks for a sparkline, its target and alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverviewRow {
    pub metric: String,
    pub latest: Option<f64>,
    pub latest_week: Option<String>,
    pub growth: Option<f64>,
    pub rating: Option<Rating>,
    pub average_growth: Option<f64>,
    pub sparkline: Vec<SparkPoint>,
    pub target: Option<TargetStatus>,
    pub alert: Option<Alert>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SparkPoint {
    pub week: String,
    pub value: Option<f64>,
}

const SPARKLINE_WEEKS: usize = 12;

pub fn overview_row(metric: &str, points: Vec<Point>, aggregate: Aggregate, as_of: Option<NaiveDate>, target: Option<(f64, NaiveDate)>, alert_options: AlertOptions) -> OverviewRow {
    let weeks = weekly::week_on_week(points, Options { aggregate, as_of, average_weeks: Some(CURRENT_RATE_WEEKS) });
    let last = weeks.weeks.iter().rev().find(|w| !w.partial);
    let complete: Vec<&Week> = weeks.weeks.iter().filter(|w| !w.partial).collect();
    OverviewRow {
        metric: metric.to_string(),
        latest: last.and_then(|w| w.value),
        latest_week: last.map(|w| w.week.clone()),
        growth: weeks.summary.latest_growth,
        rating: weeks.summary.rating,
        average_growth: weeks.summary.average_growth,
        sparkline: complete[complete.len().saturating_sub(SPARKLINE_WEEKS)..].iter().map(|w| SparkPoint { week: w.week.clone(), value: w.value }).collect(),
        target: target.map(|(value, date)| target_status(&weeks, value, date)),
        alert: alerts(metric, &weeks.weeks, AlertOptions { every_week: false, ..alert_options }).into_iter().next(),
    }
}
