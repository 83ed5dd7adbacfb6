//! Alerts on a metric's weekly growth (DESIGN.md): `below` the floor, or an `anomaly` more
//! than k·σ from the mean of the previous weeks; one alert per metric and week.

use chrono::NaiveDate;
use serde::Serialize;

use crate::weekly::{self, Aggregate, Options, Point, Week};

/// An alert on one metric's growth in one complete week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub metric: String,
    pub week: String,
    pub growth: f64,
    /// `below` (growth under the floor) and/or `anomaly` (more than k·σ from the mean of
    /// the previous weeks): one alert per metric and week, with every reason.
    pub reasons: Vec<&'static str>,
    pub floor: f64,
    pub mean: Option<f64>,
    pub sigma: Option<f64>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertOptions {
    pub floor: f64,
    pub k: f64,
    /// Every complete week (a history), or only the last complete week.
    pub every_week: bool,
}

impl Default for AlertOptions {
    fn default() -> Self {
        AlertOptions { floor: 0.01, k: 3.0, every_week: false }
    }
}

/// Growths used for the anomaly test: the previous 12, of which at least 8 must exist.
const ANOMALY_WINDOW: usize = 12;
const ANOMALY_MIN: usize = 8;
const ANOMALY_TOLERANCE: f64 = 1e-9;

pub fn alerts(metric: &str, weeks: &[Week], options: AlertOptions) -> Vec<Alert> {
    let complete: Vec<(&Week, f64)> = weeks.iter().filter(|w| !w.partial).filter_map(|w| w.growth.map(|g| (w, g))).collect();
    let from = if options.every_week { 0 } else { complete.len().saturating_sub(1) };
    let mut out = Vec::new();
    for i in from..complete.len() {
        let (week, g) = complete[i];
        // Only the last complete week counts when not asked for a history.
        if !options.every_week && weeks.iter().rev().find(|w| !w.partial).is_some_and(|w| w.week != week.week) {
            continue;
        }
        let earlier: Vec<f64> = complete[..i].iter().map(|(_, g)| *g).collect();
        let window = &earlier[earlier.len().saturating_sub(ANOMALY_WINDOW)..];
        let (mean, sigma) = if earlier.len() >= ANOMALY_MIN {
            let mean = window.iter().sum::<f64>() / window.len() as f64;
            let var = window.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / window.len() as f64;
            (Some(mean), Some(var.sqrt()))
        } else {
            (None, None)
        };
        let mut reasons = Vec::new();
        if g < options.floor {
            reasons.push("below");
        }
        if let (Some(m), Some(s)) = (mean, sigma) {
            // A tolerance far below any real difference keeps rounding noise in a steady
            // series (σ of about 1e-17) from counting as an anomaly.
            if (g - m).abs() > options.k * s + ANOMALY_TOLERANCE {
                reasons.push("anomaly");
            }
        }
        if reasons.is_empty() {
            continue;
        }
        let pct = |x: f64| format!("{:+.2} %", x * 100.0);
        let mut message = format!("{metric}: {} in {}", pct(g), week.week);
        if reasons.contains(&"below") {
            message.push_str(&format!(", below the floor of {}", pct(options.floor)));
        }
        if let (true, Some(m), Some(s)) = (reasons.contains(&"anomaly"), mean, sigma) {
            message.push_str(&format!(", {:.1} σ from the mean of the previous {} weeks ({})", (g - m).abs() / s.max(f64::MIN_POSITIVE), window.len(), pct(m)));
        }
        out.push(Alert { metric: metric.to_string(), week: week.week.clone(), growth: g, reasons, floor: options.floor, mean, sigma, message });
    }
    out
}

/// `growthAlerts`: the weeks of a daily series, then its alerts (the last complete week's, or
/// every week's with `every_week`).
pub fn growth_alerts(metric: &str, points: Vec<Point>, aggregate: Aggregate, as_of: Option<NaiveDate>, options: AlertOptions) -> Vec<Alert> {
    let weeks = weekly::week_on_week(points, Options { aggregate, as_of, average_weeks: None });
    alerts(metric, &weeks.weeks, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixtures::{sundays, weeks};

    #[test]
    fn an_anomaly_fires_once_and_a_low_week_is_below() {
        // Ten weeks of +2 %, one of +30 %, then +2 % again.
        let mut v = vec![100.0];
        for g in [0.02; 10].iter().chain(&[0.30]).chain(&[0.02; 3]) {
            let last = *v.last().unwrap();
            v.push(last * (1.0 + g));
        }
        let w = weeks(sundays("2026-01-04", &v), "2026-12-31");
        let all = alerts("teamCount", &w.weeks, AlertOptions { every_week: true, ..AlertOptions::default() });
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].reasons, ["anomaly"]);
        assert!((all[0].growth - 0.30).abs() < 1e-9);
        assert_eq!(all[0].week, "2026-W12"); // the 12th Sunday after 01-04 is 03-22
        // A week of +0.5 %: below the 1 % floor; too few earlier weeks for an anomaly.
        let w = weeks(sundays("2026-01-04", &[100.0, 102.0, 102.51]), "2026-01-21");
        let last = alerts("m", &w.weeks, AlertOptions::default());
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].reasons, ["below"]);
        assert_eq!((last[0].mean, last[0].sigma), (None, None));
    }
}
