//! Week on week: a daily series folded into ISO weeks, the growth of each week over the one
//! before, and a summary the product team reads at a glance.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::dates::{format_day, IsoWeek};
use crate::rating::Rating;

/// How a week's value comes from its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Gauges (teams, instances): the value of the week's last point.
    Last,
    /// Events (sign-ups): the sum of the week's points.
    Sum,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Week {
    /// ISO week label, `2026-W53`.
    pub week: String,
    /// Its Monday and Sunday, `YYYY-MM-DD`.
    pub start: String,
    pub end: String,
    /// `None` for a week with no points inside the series.
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// (value − previous) / previous; `None` when previous is 0 or missing.
    pub growth: Option<f64>,
    /// The week holding `asOf`, still in progress.
    pub partial: bool,
    pub rating: Option<Rating>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Growth of the last complete week.
    pub latest_growth: Option<f64>,
    /// (last / first)^(1/n) − 1 over the n weekly steps between the first and the last
    /// complete week of the window.
    pub average_growth: Option<f64>,
    pub complete_weeks: usize,
    /// Rating of `latest_growth`.
    pub rating: Option<Rating>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekOnWeek {
    pub weeks: Vec<Week>,
    pub summary: Summary,
}

/// Options of a week-on-week call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub aggregate: Aggregate,
    /// Today: the week holding it is partial and points after it are left out.
    pub as_of: Option<NaiveDate>,
    /// Average over this many most recent complete weeks (all of them when `None`).
    pub average_weeks: Option<u32>,
}

/// One point of a daily series, already validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// Folds points into ISO weeks from the first point's week to the last's (or to `asOf`'s),
/// with no gaps: a week without points has no value, and the next week no growth.
pub fn week_on_week(mut points: Vec<Point>, options: Options) -> WeekOnWeek {
    if let Some(as_of) = options.as_of {
        points.retain(|p| p.at.date_naive() <= as_of);
    }
    // A stable sort keeps arrival order for points at the same instant: the later one wins.
    crate::order::sort_by_key(&mut points, |p| p.at);

    let mut weeks: Vec<Week> = Vec::new();
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let first_week = IsoWeek::of(first.at.date_naive());
        let mut last_week = IsoWeek::of(last.at.date_naive());
        if let Some(as_of) = options.as_of {
            last_week = last_week.max(IsoWeek::of(as_of));
        }
        let mut remaining = points.iter().peekable();
        let mut week = first_week;
        let mut previous: Option<f64> = None;
        while week <= last_week {
            let mut value: Option<f64> = None;
            while let Some(p) = remaining.next_if(|p| week.contains(p.at.date_naive())) {
                value = Some(match (options.aggregate, value) {
                    (Aggregate::Sum, Some(sum)) => sum + p.value,
                    _ => p.value,
                });
            }
            let growth = match (value, previous) {
                (Some(v), Some(p)) if p != 0.0 => Some((v - p) / p).filter(|g| g.is_finite()),
                _ => None,
            };
            weeks.push(Week {
                week: week.label(),
                start: format_day(week.monday),
                end: format_day(week.sunday()),
                value,
                previous,
                growth,
                partial: options.as_of.is_some_and(|d| week.contains(d)),
                rating: growth.map(Rating::of),
            });
            previous = value;
            week = week.next();
        }
    }
    let summary = summarise(&weeks, options.average_weeks);
    WeekOnWeek { weeks, summary }
}

fn summarise(weeks: &[Week], average_weeks: Option<u32>) -> Summary {
    let complete: Vec<&Week> = weeks.iter().filter(|w| !w.partial).collect();
    let latest_growth = complete.last().and_then(|w| w.growth);
    let window = match average_weeks {
        Some(n) => &complete[complete.len().saturating_sub(n as usize + 1)..],
        None => &complete[..],
    };
    let average_growth = average_weekly_growth(window);
    Summary {
        latest_growth,
        average_growth,
        complete_weeks: complete.len(),
        rating: latest_growth.map(Rating::of),
    }
}

/// (last / first)^(1/n) − 1, the constant weekly rate that turns the first week's value into
/// the last's over the n steps between them.
fn average_weekly_growth(window: &[&Week]) -> Option<f64> {
    let steps = window.len().checked_sub(1).filter(|&n| n > 0)?;
    let first = window.first()?.value?;
    let last = window.last()?.value?;
    if first <= 0.0 || last < 0.0 {
        return None;
    }
    Some((last / first).powf(1.0 / steps as f64) - 1.0).filter(|g| g.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::weekly::WeekOnWeekInput;
    use crate::error::Result;
    use serde_json::{json, Value};

    // The export's whole path: the arguments parsed as `api::weekly` reads them, then the fold.
    fn week_on_week_json(points: &Value, options: Option<&Value>) -> Result<WeekOnWeek> {
        let input = WeekOnWeekInput::parse(points, options.unwrap_or(&Value::Null))?;
        Ok(week_on_week(input.points, input.options))
    }

    fn daily(from: &str, values: &[f64]) -> Value {
        let start = NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap();
        Value::Array(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| json!({"date": format_day(start + chrono::Duration::days(i as i64)), "value": v}))
                .collect(),
        )
    }

    #[test]
    fn weeks_cross_the_year_through_week_53() {
        // 2026-12-21 (Mon) … 2027-01-10 (Sun): three full ISO weeks.
        let values: Vec<f64> = (1..=21).map(|d| d as f64).collect();
        let r = week_on_week_json(&daily("2026-12-21", &values), Some(&json!({"asOf": "2027-01-07"}))).unwrap();
        let labels: Vec<&str> = r.weeks.iter().map(|w| w.week.as_str()).collect();
        assert_eq!(labels, ["2026-W52", "2026-W53", "2027-W01"]);
        assert_eq!(r.weeks[1].start, "2026-12-28");
        assert_eq!(r.weeks[1].end, "2027-01-03");
        // Last value per week; asOf 2027-01-07 cuts day 18 onwards and makes W01 partial.
        let values: Vec<Option<f64>> = r.weeks.iter().map(|w| w.value).collect();
        assert_eq!(values, [Some(7.0), Some(14.0), Some(18.0)]);
        let partial: Vec<bool> = r.weeks.iter().map(|w| w.partial).collect();
        assert_eq!(partial, [false, false, true]);
        assert_eq!(r.weeks[1].growth, Some(1.0)); // 7 → 14
        assert_eq!(r.weeks[1].rating, Some(Rating::Exceptional));
        assert_eq!(r.summary.complete_weeks, 2);
        assert_eq!(r.summary.latest_growth, Some(1.0));
    }

    #[test]
    fn sum_aggregates_events_and_growth_is_null_after_a_zero_week() {
        let mut values = vec![1.0; 7]; // W52: 7
        values.extend([0.0; 7]); // W53: 0
        values.extend([2.0; 7]); // W01: 14
        let r = week_on_week_json(&daily("2026-12-21", &values), Some(&json!({"aggregate": "sum"}))).unwrap();
        let sums: Vec<Option<f64>> = r.weeks.iter().map(|w| w.value).collect();
        assert_eq!(sums, [Some(7.0), Some(0.0), Some(14.0)]);
        assert_eq!(r.weeks[0].growth, None, "no previous week");
        assert_eq!(r.weeks[1].growth, Some(-1.0));
        assert_eq!(r.weeks[2].previous, Some(0.0));
        assert_eq!(r.weeks[2].growth, None, "previous week was zero");
        assert_eq!(r.weeks[2].rating, None);
        assert!(r.weeks.iter().all(|w| !w.partial), "no asOf, no partial week");
    }

    #[test]
    fn gap_weeks_have_no_value_and_break_growth() {
        let points = json!([
            {"date": "2026-01-05", "value": 100},
            {"x": 1_769_385_600_000_i64, "y": 121} // 2026-01-26, three weeks later
        ]);
        let r = week_on_week_json(&points, None).unwrap();
        let values: Vec<Option<f64>> = r.weeks.iter().map(|w| w.value).collect();
        assert_eq!(values, [Some(100.0), None, None, Some(121.0)]);
        assert_eq!(r.weeks[3].growth, None);
        // Average over the three steps from 100 to 121: 121/100 = 1.1^2… over 3 steps.
        let expected = (1.21f64).powf(1.0 / 3.0) - 1.0;
        assert!((r.summary.average_growth.unwrap() - expected).abs() < 1e-15);
    }

    #[test]
    fn average_growth_over_the_last_complete_weeks() {
        // Weekly gauge 100, 110, 121, 133.1, 146.41 then a partial week.
        let points = json!([
            {"date": "2026-01-05", "value": 100},
            {"date": "2026-01-12", "value": 110},
            {"date": "2026-01-19", "value": 121},
            {"date": "2026-01-26", "value": 133.1},
            {"date": "2026-02-02", "value": 146.41},
            {"date": "2026-02-09", "value": 1}
        ]);
        let r = week_on_week_json(&points, Some(&json!({"asOf": "2026-02-10", "averageWeeks": 2}))).unwrap();
        assert_eq!(r.summary.complete_weeks, 5);
        // Over the last 2 steps: (146.41 / 121)^(1/2) − 1 = 0.1
        assert!((r.summary.average_growth.unwrap() - 0.1).abs() < 1e-12);
        assert!((r.summary.latest_growth.unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(r.summary.rating, Some(Rating::Exceptional));
        let all = week_on_week_json(&points, Some(&json!({"asOf": "2026-02-10"}))).unwrap();
        assert!((all.summary.average_growth.unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn unordered_points_and_an_empty_series() {
        let points = json!([
            {"date": "2026-01-07T10:00:00Z", "value": 5},
            {"date": "2026-01-06T10:00:00Z", "value": 3}
        ]);
        let r = week_on_week_json(&points, None).unwrap();
        assert_eq!(r.weeks[0].value, Some(5.0), "last in time, not in arrival");
        let empty = week_on_week_json(&json!([]), Some(&json!({"asOf": "2026-01-01"}))).unwrap();
        assert!(empty.weeks.is_empty());
        assert_eq!(empty.summary.complete_weeks, 0);
        assert_eq!(empty.summary.average_growth, None);
    }

    #[test]
    fn bad_points_and_options_name_the_field() {
        let cases = [
            (json!({"date": "2026-01-01"}), None, "points"),
            (json!([{"date": "2026-01-01", "value": 1}, {"date": "soon", "value": 1}]), None, "points[1].date"),
            (json!([{"date": "2026-01-01", "value": "one"}]), None, "points[0].value"),
            (json!([{"x": 1_767_225_600_000_i64, "y": null}]), None, "points[0].y"),
            (json!([{"value": 1}]), None, "points[0].date"),
            (json!([7]), None, "points[0]"),
            (json!([]), Some(json!({"aggregate": "mean"})), "aggregate"),
            (json!([]), Some(json!({"asOf": "tomorrow"})), "asOf"),
            (json!([]), Some(json!("sum")), "options"),
        ];
        for (points, options, field) in cases {
            let err = week_on_week_json(&points, options.as_ref()).unwrap_err();
            assert_eq!(err.field, field, "{points} {options:?} gave {err}");
        }
    }
}
