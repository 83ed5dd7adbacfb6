//! The analytics exports' inputs: `overviewRow(metric, points, options)`,
//! `growthAlerts(metric, points, options)` and `growthAccounting(days)`.

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value};

use super::input;
use super::weekly::{aggregate, optional_day, points_of};
use crate::analytics::{AlertOptions, DayCounts};
use crate::dates::format_day;
use crate::error::{Error, Result};
use crate::weekly::{Aggregate, Point};

/// `overviewRow(metric, points, {aggregate, asOf, target: {value, date}, floor, k})`.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewInput {
    pub points: Vec<Point>,
    pub aggregate: Aggregate,
    pub as_of: Option<NaiveDate>,
    /// A value to reach by a date.
    pub target: Option<(f64, NaiveDate)>,
    pub alerts: AlertOptions,
}

/// `growthAlerts(metric, points, {aggregate, asOf, floor, k, everyWeek})`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsInput {
    pub points: Vec<Point>,
    pub aggregate: Aggregate,
    pub as_of: Option<NaiveDate>,
    pub alerts: AlertOptions,
}

/// A present, non-null option.
fn option<'a>(map: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Value> {
    map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
}

impl OverviewInput {
    pub fn parse(metric: &str, points: &Value, options: &Value) -> Result<OverviewInput> {
        if metric.is_empty() {
            return Err(Error::new("metric", "must be a non-empty name"));
        }
        let points = points_of(points)?;
        let map = input::options("options", Some(options))?;
        let aggregate = aggregate("aggregate", option(map, "aggregate"))?;
        let as_of = optional_day("asOf", option(map, "asOf"))?;
        let target = match option(map, "target") {
            None => None,
            Some(t) => {
                let t = input::object("target", t)?;
                let value = input::positive("target.value", t.get("value"))?;
                let date = input::day("target.date", t.get("date").unwrap_or(&Value::Null))?;
                Some((value, date))
            }
        };
        Ok(OverviewInput { points, aggregate, as_of, target, alerts: alert_options(map)? })
    }
}

impl AlertsInput {
    pub fn parse(points: &Value, options: &Value) -> Result<AlertsInput> {
        let points = points_of(points)?;
        let map = input::options("options", Some(options))?;
        let aggregate = aggregate("aggregate", option(map, "aggregate"))?;
        let as_of = optional_day("asOf", option(map, "asOf"))?;
        Ok(AlertsInput { points, aggregate, as_of, alerts: alert_options(map)? })
    }
}

/// `{floor, k, everyWeek}` over the defaults (1 %, 3 σ, the last week only); an `everyWeek`
/// that is not `true` or `false` reads as `false`.
fn alert_options(map: Option<&Map<String, Value>>) -> Result<AlertOptions> {
    let mut o = AlertOptions::default();
    if let Some(v) = option(map, "floor") {
        o.floor = input::finite("floor", Some(v))?;
    }
    if let Some(v) = option(map, "k") {
        o.k = input::positive("k", Some(v))?;
    }
    o.every_week = option(map, "everyWeek").and_then(Value::as_bool).unwrap_or(false);
    Ok(o)
}

/// `growthAccounting(days)`: a report's days (`{date, active, added, removed, resurrected}`
/// each, one a day in date order); the error names the day and its field.
pub fn accounting_days(days: &Value) -> Result<Vec<DayCounts>> {
    let items = days.as_array().ok_or_else(|| Error::new("days", format!("must be an array of report days, got {}", input::kind(days))))?;
    let mut parsed: Vec<DayCounts> = Vec::with_capacity(items.len());
    for (i, d) in items.iter().enumerate() {
        let field = |k: &str| format!("days[{i}].{k}");
        input::object(&format!("days[{i}]"), d)?;
        let date = input::day(&field("date"), d.get("date").unwrap_or(&Value::Null))?;
        if let Some(prev) = parsed.last().map(|p| p.date) {
            if date != prev + Duration::days(1) {
                return Err(Error::new(field("date"), format!("must be the day after {}, got {}", format_day(prev), format_day(date))));
            }
        }
        let count = |k: &str| input::whole(&field(k), d.get(k), 0, u32::MAX).map(u64::from);
        parsed.push(DayCounts {
            date,
            active: count("active")?,
            added: count("added")?,
            removed: count("removed")?,
            resurrected: count("resurrected")?,
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POINTS: &str = r#"[{"date": "2026-01-05", "value": 1}]"#;

    fn overview(metric: &str, options: Value) -> String {
        OverviewInput::parse(metric, &serde_json::from_str(POINTS).unwrap(), &options).unwrap_err().to_string()
    }

    #[test]
    fn an_overview_row_names_its_bad_field() {
        assert_eq!(overview("", json!({})), "metric: must be a non-empty name");
        assert_eq!(overview("m", json!({"target": 5})), "target: must be an object, got a number");
        assert_eq!(overview("m", json!({"target": {"value": 0, "date": "2026-12-31"}})), "target.value: must be greater than 0, got 0");
        assert_eq!(overview("m", json!({"target": {"value": 10}})), "target.date: must be a date string or epoch milliseconds, got null");
        assert!(overview("m", json!({"target": {"value": 10, "date": "soon"}})).starts_with("target.date: must be a date (YYYY-MM-DD)"));
        assert_eq!(overview("m", json!({"aggregate": "avg"})), "aggregate: must be \"last\" or \"sum\", got \"avg\"");
        assert_eq!(overview("m", json!({"floor": "low"})), "floor: must be a finite number, got \"low\"");
        assert_eq!(overview("m", json!({"k": 0})), "k: must be greater than 0, got 0");
        assert_eq!(overview("m", json!([])), "options: must be an object, got an array");
        let err = OverviewInput::parse("m", &json!([{"date": "2026-01-05"}]), &json!({})).unwrap_err();
        assert_eq!(err.to_string(), "points[0].value: is required (a finite number)");
    }

    #[test]
    fn options_default_and_nulls_read_as_absent() {
        let input = OverviewInput::parse("m", &json!([]), &Value::Null).unwrap();
        assert_eq!((input.aggregate, input.as_of, input.target, input.alerts), (Aggregate::Last, None, None, AlertOptions::default()));
        let input = AlertsInput::parse(&json!([]), &json!({"aggregate": "sum", "floor": null, "k": "2", "everyWeek": "yes", "asOf": "2026-01-07"})).unwrap();
        assert_eq!(input.aggregate, Aggregate::Sum);
        assert_eq!(input.alerts, AlertOptions { floor: 0.01, k: 2.0, every_week: false });
        assert_eq!(input.as_of, NaiveDate::from_ymd_opt(2026, 1, 7));
        assert!(AlertsInput::parse(&json!([]), &json!({"everyWeek": true})).unwrap().alerts.every_week);
        assert_eq!(AlertsInput::parse(&json!({}), &json!({})).unwrap_err().field, "points");
    }

    #[test]
    fn accounting_days_name_the_day_and_its_field() {
        let day = |date: &str| json!({"date": date, "active": 2, "added": 1, "removed": 0, "resurrected": 0});
        assert_eq!(accounting_days(&json!("x")).unwrap_err().to_string(), "days: must be an array of report days, got a string");
        assert_eq!(accounting_days(&json!([1])).unwrap_err().to_string(), "days[0]: must be an object, got a number");
        assert_eq!(accounting_days(&json!([day("2026-01-05"), day("2026-01-07")])).unwrap_err().to_string(), "days[1].date: must be the day after 2026-01-05, got 2026-01-07");
        let mut bad = day("2026-01-05");
        bad["removed"] = json!(-1);
        assert_eq!(accounting_days(&json!([bad])).unwrap_err().to_string(), "days[0].removed: must be a whole number from 0 to 4294967295, got -1");
        let days = accounting_days(&json!([day("2026-01-05"), day("2026-01-06")])).unwrap();
        assert_eq!(days[1], DayCounts { date: NaiveDate::from_ymd_opt(2026, 1, 6).unwrap(), active: 2, added: 1, removed: 0, resurrected: 0 });
    }
}
