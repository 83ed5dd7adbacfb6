//! The front page's analytics (DESIGN.md, "Growth accounting, retention, targets, alerts"):
//! growth accounting per ISO week from the ledger's days, targets and alerts over any weekly
//! series, one overview row per headline metric; over a ledger's installs, cohort retention
//! and conversions; over a report's days, version uptake.

pub mod accounting;
pub mod alerts;
pub mod conversions;
pub mod overview;
pub mod retention;
pub mod targets;
pub mod uptake;

pub use accounting::{accounting_chart, by_week, growth_accounting, last_complete_weeks, AccountingWeek, DayCounts, ACCOUNTING_CHART_WEEKS};
pub use alerts::{alerts, growth_alerts, Alert, AlertOptions};
pub use overview::{overview_row, OverviewRow, SparkPoint};
pub use targets::{target_status, TargetStatus, CURRENT_RATE_WEEKS};

/// A `YYYY-MM-DD` label of a report or a week back into a day.
pub(crate) fn parse_day(date: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

/// Weekly series by hand for the tests of targets and alerts.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::{Duration, NaiveDate, TimeZone, Utc};

    use super::CURRENT_RATE_WEEKS;
    use crate::weekly::{self, Aggregate, Options, Point};

    pub fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// One point per Sunday from `first` (a Sunday), the given values.
    pub fn sundays(first: &str, values: &[f64]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point { at: Utc.from_utc_datetime(&(day(first) + Duration::days(7 * i as i64)).and_hms_opt(12, 0, 0).unwrap()), value: *v })
            .collect()
    }

    pub fn weeks(points: Vec<Point>, as_of: &str) -> weekly::WeekOnWeek {
        weekly::week_on_week(points, Options { aggregate: Aggregate::Last, as_of: Some(day(as_of)), average_weeks: Some(CURRENT_RATE_WEEKS) })
    }
}
