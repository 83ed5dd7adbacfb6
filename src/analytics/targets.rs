//! A metric against its target (DESIGN.md: a value T by a date D): the rate it needs, the
//! rate it has, and where that rate takes it.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::parse_day;
use crate::dates::format_day;
use crate::growth;
use crate::weekly;

/// Where a metric stands against its target (a value by a date).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetStatus {
    pub target: f64,
    pub date: String,
    /// L: the value at the end of the last complete week, and that week's Sunday.
    pub latest: Option<f64>,
    pub latest_week_end: Option<String>,
    /// n: weeks (fractional) from that Sunday to the target date.
    pub weeks: Option<f64>,
    /// (T / L)^(1/n) − 1.
    pub required_rate: Option<f64>,
    /// The average weekly growth over the last 4 complete weeks.
    pub current_rate: Option<f64>,
    pub on_track: Option<bool>,
    /// L · (1 + currentRate)^n.
    pub projected: Option<f64>,
    /// The first day the value reaches T at the current rate (that Sunday when already
    /// reached); `None` when the current rate never gets there.
    pub reach_date: Option<String>,
    pub reached: bool,
}

/// Weeks of the current-rate average (DESIGN.md: the last 4 complete weeks).
pub const CURRENT_RATE_WEEKS: u32 = 4;

pub fn target_status(weeks: &weekly::WeekOnWeek, target: f64, date: NaiveDate) -> TargetStatus {
    let last = weeks.weeks.iter().rev().find(|w| !w.partial && w.value.is_some());
    let latest = last.and_then(|w| w.value);
    let end = last.and_then(|w| parse_day(&w.end));
    let current_rate = weeks.summary.average_growth;
    let n = end.map(|e| (date - e).num_days() as f64 / 7.0);
    let reached = latest.is_some_and(|l| l >= target);
    let required_rate = match (latest, n) {
        (Some(l), Some(n)) if l > 0.0 && n > 0.0 => Some(growth::rate_over(l, target, n)).filter(|r| r.is_finite()),
        _ => None,
    };
    let projected = match (latest, current_rate, n) {
        (Some(l), Some(c), Some(n)) if n >= 0.0 => Some(growth::value_after(l, c, n)).filter(|v| v.is_finite()),
        _ => None,
    };
    let on_track = match (required_rate, current_rate) {
        (Some(r), Some(c)) => Some(c >= r),
        _ if reached => Some(true),
        _ => None,
    };
    let reach_date = match (end, latest, current_rate) {
        (Some(e), Some(_), _) if reached => Some(format_day(e)),
        (Some(e), Some(l), Some(c)) if l > 0.0 => growth::weeks_to(l, target, c).and_then(|w| {
            let days = (w * 7.0).ceil();
            (days < 3_650_000.0).then(|| format_day(e + Duration::days(days as i64)))
        }),
        _ => None,
    };
    TargetStatus {
        target,
        date: format_day(date),
        latest,
        latest_week_end: end.map(format_day),
        weeks: n,
        required_rate,
        current_rate,
        on_track,
        projected,
        reach_date,
        reached,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixtures::{day, sundays, weeks};

    #[test]
    fn a_target_by_hand() {
        // Sundays 2026-01-04 … 02-01: 100, 110, 121, 133.1, 146.41 (10 % a week); asOf
        // Wed 02-04 makes W06 partial. L = 146.41 on 02-01; target 200 by 03-01: n = 4.
        let w = weeks(sundays("2026-01-04", &[100.0, 110.0, 121.0, 133.1, 146.41]), "2026-02-04");
        let s = target_status(&w, 200.0, day("2026-03-01"));
        assert_eq!(s.latest, Some(146.41));
        assert_eq!(s.latest_week_end.as_deref(), Some("2026-02-01"));
        assert_eq!(s.weeks, Some(4.0));
        let required = (200.0f64 / 146.41).powf(0.25) - 1.0; // 8.11 %
        assert!((s.required_rate.unwrap() - required).abs() < 1e-12);
        assert!((s.current_rate.unwrap() - 0.10).abs() < 1e-12);
        assert_eq!(s.on_track, Some(true));
        assert!((s.projected.unwrap() - 146.41 * 1.1f64.powi(4)).abs() < 1e-9); // 214.36
        // ln(200/146.41)/ln(1.1) = 3.27 weeks = 22.9 days → 2026-02-24.
        assert_eq!(s.reach_date.as_deref(), Some("2026-02-24"));
        assert!(!s.reached);
    }

    #[test]
    fn a_target_already_reached_and_one_out_of_reach() {
        let w = weeks(sundays("2026-01-04", &[100.0, 110.0, 121.0, 133.1, 146.41]), "2026-02-04");
        let s = target_status(&w, 120.0, day("2026-03-01"));
        assert!(s.reached);
        assert_eq!(s.reach_date.as_deref(), Some("2026-02-01"));
        assert_eq!(s.on_track, Some(true));
        assert!(s.required_rate.unwrap() < 0.0);
        // Falling 5 % a week: current rate negative, target above: no reach date, behind.
        let w = weeks(sundays("2026-01-04", &[100.0, 95.0, 90.25, 85.7375, 81.450625]), "2026-02-04");
        let s = target_status(&w, 150.0, day("2026-06-28"));
        assert!((s.current_rate.unwrap() + 0.05).abs() < 1e-12);
        assert_eq!(s.reach_date, None);
        assert_eq!(s.on_track, Some(false));
        assert!(!s.reached);
    }
}
