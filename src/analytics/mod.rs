//! The front page's analytics (DESIGN.md, "Growth accounting, retention, targets, alerts"):
//! growth accounting per ISO week from the ledger's days, targets and alerts over any weekly
//! series, and one overview row per headline metric. Cohort retention needs every install's
//! pings and lives with the ledger (`telemetry::ledger::Ledger::retention`).

pub mod accounting;
pub mod alerts;
pub mod overview;
pub mod targets;

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

#[cfg(test)]
mod tests {
    use super::fixtures::day;

    // Retention is computed by the ledger; its test stays with the analytics it belongs to.
    #[test]
    fn cohort_retention_by_hand_with_weeks_not_complete_yet() {
        use crate::telemetry::ledger::{Ledger, ReportOptions};
        use serde_json::json;
        let mut ledger = Ledger::new();
        // Cohort 2026-W02 (Mon 01-05): a pings 01-05 and 01-16 (active Sun 01-18, a week on:
        // 01-16 + 7 > 01-18) then stops; b pings 01-06 only. Cohort W03: c pings 01-12, 01-19
        // and 01-25, 02-01 (active on 01-25 and 02-01).
        for (id, at) in [("a", "01-05"), ("a", "01-16"), ("b", "01-06"), ("c", "01-12"), ("c", "01-19"), ("c", "01-25"), ("c", "02-01")] {
            ledger.ingest(&json!({"instanceId": id, "receivedAt": format!("2026-{at}T09:00:00Z")}));
        }
        let cohorts = ledger.retention(ReportOptions { as_of: Some(day("2026-02-04")), ..ReportOptions::default() });
        assert_eq!(cohorts.len(), 2);
        let w2 = &cohorts[0];
        assert_eq!((w2.week.as_str(), w2.size), ("2026-W02", 2));
        // k = 1: Sun 01-18: a (last 01-16) yes, b (01-06) no → 1 of 2. k = 2: Sun 01-25: none.
        // k = 4: Sun 02-08 is after asOf 02-04: not complete, null.
        let cells: Vec<(u32, Option<u64>, Option<f64>)> = w2.retained.iter().map(|c| (c.weeks, c.retained, c.share)).collect();
        assert_eq!(cells[..3], [(1, Some(1), Some(0.5)), (2, Some(0), Some(0.0)), (4, None, None)]);
        assert!(cells[3..].iter().all(|c| c.1.is_none()));
        let w3 = &cohorts[1];
        assert_eq!((w3.week.as_str(), w3.size), ("2026-W03", 1));
        // k = 1: Sun 01-25 (pinged that day) yes; k = 2: Sun 02-01 yes; k = 4: null.
        assert_eq!(w3.retained.iter().map(|c| c.retained).take(3).collect::<Vec<_>>(), [Some(1), Some(1), None]);
    }
}
