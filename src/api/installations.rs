//! The installations exports' options, read from what JavaScript passes, each error naming
//! its field: `{activeWindowDays, asOf, lastDays}` of a report, `now` of a batch,
//! `reportDays` and `today` of the dashboard, `completeWeeks` of the growth accounting.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::api::input;
use crate::telemetry::batch::{self, BatchOptions};
use crate::telemetry::dashboard::{DashboardOptions, DEFAULT_CHART_SERIES};
use crate::telemetry::sources::rows::Columns;
use crate::telemetry::model::Dimension;
use crate::telemetry::ledger::{Bounds, LedgerOptions, Report, SegmentChoice, MAX_COUNT_KEYS, MAX_VALUES_PER_DIMENSION, ReportOptions, DEFAULT_ACTIVE_WINDOW_DAYS, MAX_ACTIVE_WINDOW_DAYS, MAX_REPORT_DAYS};

/// An option that is set: present and not `null`.
fn get<'v>(options: Option<&'v serde_json::Map<String, Value>>, key: &str) -> Option<&'v Value> {
    options.and_then(|m| m.get(key)).filter(|v| !v.is_null())
}

/// `{activeWindowDays, asOf, lastDays}`; absent or null options are the defaults.
pub fn report_options(value: Option<&Value>) -> Result<ReportOptions> {
    report_options_of(input::options("options", value)?)
}

fn report_options_of(map: Option<&serde_json::Map<String, Value>>) -> Result<ReportOptions> {
    let active_window_days = match get(map, "activeWindowDays") {
        None => DEFAULT_ACTIVE_WINDOW_DAYS,
        Some(v) => input::whole("activeWindowDays", Some(v), 1, MAX_ACTIVE_WINDOW_DAYS)?,
    };
    let as_of = get(map, "asOf").map(|v| input::day("asOf", v)).transpose()?;
    let last_days = get(map, "lastDays").map(|v| input::whole("lastDays", Some(v), 1, MAX_REPORT_DAYS as u32)).transpose()?;
    let segment = get(map, "segment").map(segment_choice).transpose()?;
    Ok(ReportOptions { active_window_days, as_of, last_days, segment })
}

/// `segment: {dimension, value}`: a dimension by its name and one of its values.
fn segment_choice(value: &Value) -> Result<SegmentChoice> {
    let map = input::object("segment", value)?;
    let dimension = dimension_of("segment.dimension", map.get("dimension").filter(|v| !v.is_null()))?;
    let value = match map.get("value") {
        Some(Value::String(v)) if !v.is_empty() && v.len() <= 256 => v.clone(),
        _ => return Err(Error::new("segment.value", "must be a value of the dimension: a string of 1 to 256 characters")),
    };
    Ok(SegmentChoice { dimension, value })
}

/// A ledger's options: `{activeWindowDays, maxValuesPerDimension, maxCountKeys}`.
pub fn ledger_options(value: Option<&Value>) -> Result<LedgerOptions> {
    let map = input::options("options", value)?;
    let active_window_days = get(map, "activeWindowDays").map(|v| input::whole("activeWindowDays", Some(v), 1, MAX_ACTIVE_WINDOW_DAYS)).transpose()?;
    let mut bounds = Bounds::default();
    if let Some(v) = get(map, "maxValuesPerDimension") {
        bounds.values_per_dimension = input::whole("maxValuesPerDimension", Some(v), 1, MAX_VALUES_PER_DIMENSION)?;
    }
    if let Some(v) = get(map, "maxCountKeys") {
        bounds.count_keys = input::whole("maxCountKeys", Some(v), 1, MAX_COUNT_KEYS)?;
    }
    Ok(LedgerOptions { active_window_days, bounds })
}

/// A batch's options: the report's, and `now` (epoch milliseconds) if given.
pub fn batch_options(value: Option<&Value>) -> Result<BatchOptions> {
    let report = report_options(value)?;
    let now = match value.and_then(|v| v.get("now")) {
        None | Some(Value::Null) => None,
        Some(v) => Some(input::finite("now", Some(v))? as i64),
    };
    Ok(BatchOptions { report, now })
}

/// `ledger.dashboard({…report options, reportDays, today})`.
pub fn dashboard_options(value: Option<&Value>) -> Result<DashboardOptions> {
    let map = input::options("options", value)?;
    let report = report_options_of(map)?;
    let report_days = get(map, "reportDays").map(|v| input::whole("reportDays", Some(v), 1, MAX_REPORT_DAYS as u32)).transpose()?;
    let today = get(map, "today").map(|v| input::day("today", v)).transpose()?;
    let chart_series = match get(map, "chartSeries") {
        Some(v) => input::whole("chartSeries", Some(v), 1, 100)?,
        None => DEFAULT_CHART_SERIES,
    };
    Ok(DashboardOptions { report, report_days, today, chart_series })
}

/// `ledger.accounting({…report options, completeWeeks})`: the report's options, and how
/// many of the last complete weeks to give (every week, partial too, when absent).
pub fn accounting_options(value: Option<&Value>) -> Result<(ReportOptions, Option<u32>)> {
    let map = input::options("options", value)?;
    let report = report_options_of(map)?;
    let complete = get(map, "completeWeeks").map(|v| input::whole("completeWeeks", Some(v), 1, 5200)).transpose()?;
    Ok((report, complete))
}

/// `{…report options, dimension}` of conversions: the dimension by its name, required.
pub fn conversion_options(value: Option<&Value>) -> Result<(ReportOptions, Dimension)> {
    let map = input::options("options", value)?;
    let report = report_options_of(map)?;
    Ok((report, dimension_of("dimension", get(map, "dimension"))?))
}

/// A batch's options with a dimension: `installationConversions(pings, options)`.
pub fn batch_conversion_options(value: Option<&Value>) -> Result<(BatchOptions, Dimension)> {
    let (_, dimension) = conversion_options(value)?;
    Ok((batch_options(value)?, dimension))
}

/// Releases the Versions section's chart draws apart by default.
pub const DEFAULT_NEWEST_RELEASES: u32 = 5;

/// `ledger.versions({…report options, chartDays, newest})`: the report's options, the days
/// charted (all when absent) and how many of the newest releases the chart draws apart.
pub fn versions_options(value: Option<&Value>) -> Result<(ReportOptions, usize, usize)> {
    let map = input::options("options", value)?;
    let report = report_options_of(map)?;
    let chart_days = get(map, "chartDays").map(|v| input::whole("chartDays", Some(v), 1, MAX_REPORT_DAYS as u32)).transpose()?.unwrap_or(MAX_REPORT_DAYS as u32);
    let newest = get(map, "newest").map(|v| input::whole("newest", Some(v), 1, 20)).transpose()?.unwrap_or(DEFAULT_NEWEST_RELEASES);
    Ok((report, chart_days as usize, newest as usize))
}

/// A dimension by its name (`driver`, `os`, `version`, `license`).
fn dimension_of(field: &str, value: Option<&Value>) -> Result<Dimension> {
    let names = Dimension::ALL.map(Dimension::name).join(", ");
    match value {
        Some(Value::String(name)) => Dimension::named(name).ok_or_else(|| Error::new(field, format!("must be one of {names}, got {}", Value::String(name.clone())))),
        other => Err(Error::new(field, format!("must be one of {names}, got {}", other.map_or("nothing".to_string(), Value::to_string)))),
    }
}

/// `ingestRows(bytes, columns)`: the query's columns in order as `[[name, type], …]`.
pub fn columns(value: &Value) -> Result<Columns> {
    let pairs: Vec<(String, String)> =
        serde_json::from_value(value.clone()).map_err(|_| Error::new("columns", "must be an array of [name, type] pairs"))?;
    Columns::new(&pairs)
}

/// `aggregateInstallations(pings, options)` over JSON values, as the binding calls it
/// over a JavaScript array: the options read here, the pings in the same chunks.
pub fn aggregate(pings: &Value, options: Option<&Value>) -> Result<Report> {
    batch::aggregate(batch::as_ping_array(pings)?, batch_options(options)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_name_their_field() {
        let err = |v: Value| report_options(Some(&v)).unwrap_err().to_string();
        assert_eq!(err(json!({"activeWindowDays": 0})), "activeWindowDays: must be a whole number from 1 to 366, got 0");
        assert_eq!(err(json!({"lastDays": 1.5})), "lastDays: must be a whole number from 1 to 36600, got 1.5");
        assert!(err(json!({"asOf": "garbage"})).starts_with("asOf: "));
        assert_eq!(report_options(Some(&json!({"asOf": null}))).unwrap(), ReportOptions::default());
        assert_eq!(batch_options(Some(&json!({"now": "x"}))).unwrap_err().field, "now");
        assert_eq!(dashboard_options(Some(&json!({"reportDays": 0}))).unwrap_err().field, "reportDays");
        assert_eq!(dashboard_options(Some(&json!({"today": 5}))).unwrap().today.map(crate::dates::format_day).as_deref(), Some("1970-01-01"));
        assert_eq!(accounting_options(Some(&json!({"completeWeeks": 26}))).unwrap().1, Some(26));
        assert_eq!(accounting_options(Some(&json!({"completeWeeks": 0}))).unwrap_err().field, "completeWeeks");
    }
}
