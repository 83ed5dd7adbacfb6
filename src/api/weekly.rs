//! `weekOnWeek(points, {aggregate, asOf, averageWeeks})`: a daily series as `[{date|x,
//! value|y}]` and the options of the fold into ISO weeks. The overview and alerts read their
//! points and `aggregate` here too.

use chrono::NaiveDate;
use serde_json::Value;

use super::input;
use crate::error::{clip, Clip, Error, Result};
use crate::weekly::{Aggregate, Options, Point};

/// `weekOnWeek`'s arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekOnWeekInput {
    pub points: Vec<Point>,
    pub options: Options,
}

impl WeekOnWeekInput {
    /// The options are read first, then the points (so a bad option is named even when the
    /// points are bad too).
    pub fn parse(points: &Value, options: &Value) -> Result<WeekOnWeekInput> {
        let options = week_on_week_options(options)?;
        Ok(WeekOnWeekInput { points: points_of(points)?, options })
    }
}

/// `{aggregate, asOf, averageWeeks}`; absent or null reads as the defaults (last value, no
/// asOf, every complete week).
pub fn week_on_week_options(value: &Value) -> Result<Options> {
    let Some(map) = input::options("options", Some(value))? else {
        return Ok(Options { aggregate: Aggregate::Last, as_of: None, average_weeks: None });
    };
    let aggregate = aggregate("aggregate", map.get("aggregate"))?;
    let as_of = match map.get("asOf") {
        None | Some(Value::Null) => None,
        Some(v) => Some(input::day("asOf", v)?),
    };
    let average_weeks = match map.get("averageWeeks") {
        None | Some(Value::Null) => None,
        Some(v) => Some(input::whole("averageWeeks", Some(v), 1, 10_000)?),
    };
    Ok(Options { aggregate, as_of, average_weeks })
}

/// `"last"` (gauges) or `"sum"` (events); absent or null is `last`.
pub fn aggregate(field: &str, value: Option<&Value>) -> Result<Aggregate> {
    match value {
        None | Some(Value::Null) => Ok(Aggregate::Last),
        Some(Value::String(s)) if s == "last" => Ok(Aggregate::Last),
        Some(Value::String(s)) if s == "sum" => Ok(Aggregate::Sum),
        Some(other) => Err(Error::new(field, format!("must be \"last\" or \"sum\", got {}", described(other)))),
    }
}

fn described(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{:?}", clip(s, Clip::TEXT)),
        other => input::kind(other).to_string(),
    }
}

/// An optional day (`asOf`): absent or null is `None`.
pub fn optional_day(field: &str, value: Option<&Value>) -> Result<Option<NaiveDate>> {
    value.filter(|v| !v.is_null()).map(|v| input::day(field, v)).transpose()
}

/// Reads `[{date|x, value|y}]`; the error names the point and its field.
pub fn points_of(value: &Value) -> Result<Vec<Point>> {
    let items = value
        .as_array()
        .ok_or_else(|| Error::new("points", format!("must be an array, got {}", input::kind(value))))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let here = format!("points[{i}]");
            let map = input::object(&here, item)?;
            let (time_key, time) = match (map.get("date"), map.get("x")) {
                (Some(t), _) => ("date", t),
                (None, Some(t)) => ("x", t),
                (None, None) => return Err(Error::new(format!("{here}.date"), "is required (or x)")),
            };
            let time_field = format!("{here}.{time_key}");
            let at = crate::dates::parse_instant(&time_field, input::time_input(&time_field, time)?)?;
            let value_key = if map.contains_key("value") || !map.contains_key("y") { "value" } else { "y" };
            let value = input::finite(&format!("{here}.{value_key}"), map.get(value_key))?;
            Ok(Point { at, value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(points: Value, options: Value) -> String {
        WeekOnWeekInput::parse(&points, &options).unwrap_err().to_string()
    }

    #[test]
    fn each_bad_point_or_option_is_named() {
        assert_eq!(message(json!({"date": "2026-01-01"}), Value::Null), "points: must be an array, got an object");
        assert_eq!(message(json!([7]), Value::Null), "points[0]: must be an object, got a number");
        assert_eq!(message(json!([{"value": 1}]), Value::Null), "points[0].date: is required (or x)");
        assert_eq!(message(json!([{"date": "2026-01-01", "value": "one"}]), Value::Null), "points[0].value: must be a finite number, got \"one\"");
        assert_eq!(message(json!([{"x": 1_767_225_600_000_i64, "y": null}]), Value::Null), "points[0].y: must be a finite number, got null");
        assert_eq!(message(json!([{"date": true, "value": 1}]), Value::Null), "points[0].date: must be a date string or epoch milliseconds, got a boolean");
        assert_eq!(message(json!([]), json!({"aggregate": "mean"})), "aggregate: must be \"last\" or \"sum\", got \"mean\"");
        assert_eq!(message(json!([]), json!({"aggregate": 3})), "aggregate: must be \"last\" or \"sum\", got a number");
        assert_eq!(message(json!([]), json!({"averageWeeks": 0})), "averageWeeks: must be a whole number from 1 to 10000, got 0");
        assert_eq!(message(json!([]), json!("sum")), "options: must be an object, got a string");
        assert!(message(json!([]), json!({"asOf": "tomorrow"})).starts_with("asOf: must be a date (YYYY-MM-DD)"));
        // A bad option is named before bad points.
        assert_eq!(message(json!("x"), json!({"aggregate": "mean"})).split(':').next(), Some("aggregate"));
    }

    #[test]
    fn options_default_and_points_take_either_key() {
        let input = WeekOnWeekInput::parse(&json!([{"x": 1_767_225_600_000_i64, "y": 2}, {"date": "2026-01-02", "value": " 3 "}]), &Value::Null).unwrap();
        assert_eq!(input.options, Options { aggregate: Aggregate::Last, as_of: None, average_weeks: None });
        assert_eq!(input.points.iter().map(|p| p.value).collect::<Vec<_>>(), [2.0, 3.0]);
        let input = WeekOnWeekInput::parse(&json!([]), &json!({"aggregate": "sum", "asOf": "2026-01-07", "averageWeeks": "4"})).unwrap();
        assert_eq!(input.options.aggregate, Aggregate::Sum);
        assert_eq!(input.options.as_of, NaiveDate::from_ymd_opt(2026, 1, 7));
        assert_eq!(input.options.average_weeks, Some(4));
    }
}
