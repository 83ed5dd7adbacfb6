//! The lists and defaults that nodes and flows need to agree with the core on: each lives
//! with the code that uses it, and this gathers them for `defaults()` so no node or flow
//! keeps a copy of its own.

use serde::Serialize;

use crate::analytics::retention::RETENTION_WEEKS;
use crate::analytics::{AlertOptions, ACCOUNTING_CHART_WEEKS};
use crate::telemetry::dashboard::DAY_TABLE_FIELDS;
use crate::telemetry::dashboard::DEFAULT_CHART_SERIES;
use crate::telemetry::ledger::{DEFAULT_ACTIVE_WINDOW_DAYS, DEFAULT_COUNT_KEYS, DEFAULT_VALUES_PER_DIMENSION};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Defaults {
    /// Days an install stays active after its last ping (W in the ledger's definitions).
    pub active_window_days: u32,
    /// The cohort retention columns, in weeks after the cohort's own week.
    pub retention_weeks: Vec<u32>,
    /// The complete weeks the growth accounting chart and table show.
    pub accounting_weeks: u32,
    /// The fields of the Installations page's day table, in column order.
    pub day_fields: Vec<&'static str>,
    /// An alert fires below this weekly growth (a fraction: 0.01 is 1 %).
    pub alert_floor: f64,
    /// An anomaly is a growth more than this many standard deviations from the mean.
    pub anomaly_k: f64,
    /// Distinct values a dimension keeps, and count keys; the surplus is `other`.
    pub max_values_per_dimension: u32,
    pub max_count_keys: u32,
    /// Series a breakdown chart draws besides `other`.
    pub chart_series: u32,
}

pub fn defaults() -> Defaults {
    let alerts = AlertOptions::default();
    Defaults {
        active_window_days: DEFAULT_ACTIVE_WINDOW_DAYS,
        retention_weeks: RETENTION_WEEKS.to_vec(),
        accounting_weeks: ACCOUNTING_CHART_WEEKS,
        day_fields: DAY_TABLE_FIELDS.to_vec(),
        alert_floor: alerts.floor,
        anomaly_k: alerts.k,
        max_values_per_dimension: DEFAULT_VALUES_PER_DIMENSION,
        max_count_keys: DEFAULT_COUNT_KEYS,
        chart_series: DEFAULT_CHART_SERIES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_designs() {
        let d = defaults();
        assert_eq!(d.active_window_days, 7);
        assert_eq!(d.retention_weeks, vec![1, 2, 4, 8, 12, 26, 52]);
        assert_eq!(d.accounting_weeks, 26);
        assert_eq!(d.day_fields, vec!["date", "active", "pinged", "added", "resurrected", "removed", "hosted", "remote"]);
        assert_eq!((d.alert_floor, d.anomaly_k), (0.01, 3.0));
        assert_eq!((d.max_values_per_dimension, d.max_count_keys, d.chart_series), (100, 200, 8));
    }
}
