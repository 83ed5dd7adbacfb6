//! One row of the Overview page per headline metric: where it stands, how it grows, its
//! target and this week's alert.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::alerts::{alerts, Alert, AlertOptions};
use super::targets::{target_status, TargetStatus, CURRENT_RATE_WEEKS};
use crate::dates::{format_day, IsoWeek};
use crate::rating::Rating;
use crate::weekly::{self, Aggregate, Options, Point, Week};

/// One row of the overview page: a metric's latest value, its week-on-week growth and
/// rating, the 4-week average, the last 12 weeks for a sparkline, its target and alert;
/// and, for the first days before weeks are complete, the latest day and when the weekly
/// figures start.
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
    /// The latest day with a value (at or before `asOf`).
    pub day: Option<DayFigure>,
    /// Complete ISO weeks so far: 0 in the first week, growth from 2.
    pub complete_weeks: usize,
    /// The Sunday that ends the first week (the first point's ISO week): its value is the
    /// first weekly value.
    pub first_week_end: Option<String>,
    /// The Sunday that ends the second week: the first week-on-week growth, and with it a
    /// target's rates and the alerts, are known once that week is complete.
    pub growth_from: Option<String>,
}

/// A metric's latest day: its value (the day's last point, or the day's sum for an event
/// metric) and the change from the day before, when that day has a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayFigure {
    pub date: String,
    pub value: f64,
    pub previous: Option<f64>,
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SparkPoint {
    pub week: String,
    pub value: Option<f64>,
}

const SPARKLINE_WEEKS: usize = 12;

pub fn overview_row(metric: &str, points: Vec<Point>, aggregate: Aggregate, as_of: Option<NaiveDate>, target: Option<(f64, NaiveDate)>, alert_options: AlertOptions) -> OverviewRow {
    let (day, first) = latest_day(&points, aggregate, as_of);
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
        day,
        complete_weeks: weeks.summary.complete_weeks,
        first_week_end: first.map(|d| format_day(IsoWeek::of(d).sunday())),
        growth_from: first.map(|d| format_day(IsoWeek::of(d).next().sunday())),
    }
}

/// The latest day with a value at or before `as_of` (its value folded from the day's points
/// as a week's is), and the first day of the series.
fn latest_day(points: &[Point], aggregate: Aggregate, as_of: Option<NaiveDate>) -> (Option<DayFigure>, Option<NaiveDate>) {
    let mut kept: Vec<&Point> = points.iter().filter(|p| as_of.is_none_or(|a| p.at.date_naive() <= a)).collect();
    // Stable, as week_on_week's: of two points at one instant the later one wins.
    crate::order::sort_by_key(&mut kept, |p| p.at);
    let Some(last) = kept.last() else { return (None, None) };
    let first = kept[0].at.date_naive();
    let date = last.at.date_naive();
    let value_on = |d: NaiveDate| {
        let mut value = None;
        for p in kept.iter().filter(|p| p.at.date_naive() == d) {
            value = Some(match (aggregate, value) {
                (Aggregate::Sum, Some(sum)) => sum + p.value,
                _ => p.value,
            });
        }
        value
    };
    let value = value_on(date).unwrap_or(last.value);
    let previous = value_on(date - Duration::days(1));
    let day = DayFigure { date: format_day(date), value, previous, change: previous.map(|p| value - p) };
    (Some(day), Some(first))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::analytics::fixtures::day;

    fn at(date: &str, hour: u32, value: f64) -> Point {
        Point { at: Utc.from_utc_datetime(&day(date).and_hms_opt(hour, 0, 0).unwrap()), value }
    }

    #[test]
    fn the_first_day_shows_the_day_and_when_the_weeks_start() {
        // Thursday 2026-12-03, the first day: one point. Its ISO week (W49) ends Sunday
        // 12-06; the next week ends 12-13, when the first growth is known.
        let row = overview_row("active installs", vec![at("2026-12-03", 10, 1.0)], Aggregate::Last, Some(day("2026-12-03")), Some((100.0, day("2027-06-30"))), AlertOptions::default());
        assert_eq!(row.latest, None, "no complete week yet");
        assert_eq!(row.complete_weeks, 0);
        assert_eq!(row.day, Some(DayFigure { date: "2026-12-03".into(), value: 1.0, previous: None, change: None }));
        assert_eq!(row.first_week_end.as_deref(), Some("2026-12-06"));
        assert_eq!(row.growth_from.as_deref(), Some("2026-12-13"));
        let target = row.target.unwrap();
        assert_eq!((target.on_track, target.required_rate, target.current_rate), (None, None, None), "a target has no rates before a complete week");
        assert_eq!(row.alert, None);
    }

    #[test]
    fn the_day_change_is_against_the_day_before_only() {
        // Gauge: 3 on Thursday, then 2 and 5 on Friday (the later point wins): 5, +2.
        let points = vec![at("2026-12-03", 9, 3.0), at("2026-12-04", 8, 2.0), at("2026-12-04", 20, 5.0)];
        let row = overview_row("m", points.clone(), Aggregate::Last, Some(day("2026-12-04")), None, AlertOptions::default());
        assert_eq!(row.day, Some(DayFigure { date: "2026-12-04".into(), value: 5.0, previous: Some(3.0), change: Some(2.0) }));
        // An event metric sums its day: 2 + 5 = 7 against 3: +4.
        let row = overview_row("m", points.clone(), Aggregate::Sum, Some(day("2026-12-04")), None, AlertOptions::default());
        assert_eq!(row.day.map(|d| (d.value, d.change)), Some((7.0, Some(4.0))));
        // asOf Thursday leaves Friday out; a gap day before gives no change.
        let row = overview_row("m", points.clone(), Aggregate::Last, Some(day("2026-12-03")), None, AlertOptions::default());
        assert_eq!(row.day.map(|d| (d.date, d.change)), Some(("2026-12-03".into(), None)));
        let row = overview_row("m", vec![at("2026-12-01", 9, 3.0), at("2026-12-03", 9, 4.0)], Aggregate::Last, None, None, AlertOptions::default());
        assert_eq!(row.day.map(|d| d.change), Some(None));
        // Monday 12-07: W49 (Thu 12-03 … Sun 12-06) is complete, its value the first latest.
        let row = overview_row("m", vec![at("2026-12-03", 9, 3.0), at("2026-12-06", 9, 4.0), at("2026-12-07", 9, 6.0)], Aggregate::Last, Some(day("2026-12-07")), None, AlertOptions::default());
        assert_eq!((row.complete_weeks, row.latest, row.growth), (1, Some(4.0), None));
        assert_eq!(row.day.map(|d| (d.value, d.change)), Some((6.0, Some(2.0))));
    }
}
