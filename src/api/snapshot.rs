//! Cloud meta snapshots as the snapshot node sends them: `{date, metrics}` with metrics any
//! nested object of numbers (FlowFuse's `/api/v1/admin/stats`), flattened to dotted keys
//! here; the options of a history's report; a saved history (`toJSON()`), checked again.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::input;
use crate::error::{clip, Clip, Error, Result};
use crate::formula::Formula;
use crate::snapshot::{DayMetrics, History, HistoryOptions, Metrics, DEFAULT_AVERAGE_WEEKS, STATE_FORMAT};

/// Keys that would change a JavaScript object's prototype if copied into one.
const FORBIDDEN_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];
/// Far deeper than FlowFuse's admin stats (two levels); bounds a hostile object.
const MAX_DEPTH: usize = 16;
/// Hundreds of metrics are expected; this bounds one snapshot's size.
const MAX_METRICS: usize = 5000;
const MAX_KEY_LENGTH: usize = 200;

/// `add({date, metrics})`: the day, and the metrics flattened. A missing date is named
/// before anything in the metrics.
pub fn snapshot(value: &Value) -> Result<DayMetrics> {
    let map = input::object("snapshot", value)?;
    let date = match map.get("date") {
        Some(v) if !v.is_null() => input::day("date", v)?,
        _ => return Err(Error::new("date", "is required (YYYY-MM-DD)")),
    };
    let metrics = flatten(map.get("metrics").unwrap_or(&Value::Null))?;
    Ok(DayMetrics { date, metrics })
}

/// `addAll([...])`: every snapshot read before any is added, so a bad one in a backfill
/// (named `snapshots[i].…`) leaves the history as it was.
pub fn snapshots(value: &Value) -> Result<Vec<DayMetrics>> {
    let items = value
        .as_array()
        .ok_or_else(|| Error::new("snapshots", format!("must be an array, got {}", input::kind(value))))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| snapshot(item).map_err(|e| Error::new(format!("snapshots[{i}].{}", e.field), e.message)))
        .collect()
}

/// Flattens a metrics object to dotted keys: numbers as they are, booleans as 0 or 1. Any
/// other value, and a reserved key, is refused with its dotted name.
pub fn flatten(metrics: &Value) -> Result<Metrics> {
    let map = input::object("metrics", metrics)?;
    let mut out = BTreeMap::new();
    flatten_into("", map, 0, &mut out)?;
    if out.is_empty() {
        return Err(Error::new("metrics", "holds no metric (numbers or booleans)"));
    }
    Ok(out)
}

fn flatten_into(prefix: &str, map: &Map<String, Value>, depth: usize, out: &mut Metrics) -> Result<()> {
    for (key, value) in map {
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if key.is_empty() || key.split('.').any(|s| s.is_empty()) {
            return Err(Error::new(format!("metrics.{name}"), "is not a valid metric name (empty part)"));
        }
        if key.split('.').any(|s| FORBIDDEN_KEYS.contains(&s)) {
            return Err(Error::new(format!("metrics.{name}"), "is a reserved name and cannot be a metric"));
        }
        if name.chars().count() > MAX_KEY_LENGTH {
            return Err(Error::new(format!("metrics.{}", clip(&name, Clip::TEXT)), format!("is longer than {MAX_KEY_LENGTH} characters")));
        }
        match value {
            Value::Object(inner) => {
                if depth + 1 >= MAX_DEPTH {
                    return Err(Error::new(format!("metrics.{name}"), format!("is nested more than {MAX_DEPTH} levels deep")));
                }
                flatten_into(&name, inner, depth + 1, out)?;
            }
            Value::Number(n) => match n.as_f64().filter(|x| x.is_finite()) {
                Some(x) => {
                    out.insert(name, x);
                }
                None => return Err(Error::new(format!("metrics.{name}"), "must be a finite number")),
            },
            Value::Bool(b) => {
                out.insert(name, if *b { 1.0 } else { 0.0 });
            }
            Value::Null => {
                return Err(Error::new(
                    format!("metrics.{name}"),
                    "must be a finite number or a boolean, got null (NaN and Infinity arrive as null)",
                ))
            }
            other => {
                return Err(Error::new(
                    format!("metrics.{name}"),
                    format!("must be a number, a boolean or an object of them, got {}", input::kind(other)),
                ))
            }
        }
        if out.len() > MAX_METRICS {
            return Err(Error::new("metrics", format!("holds more than {MAX_METRICS} metrics")));
        }
    }
    Ok(())
}

/// Formula metrics one report may define.
const MAX_FORMULAS: usize = 100;

/// `report({asOf, events, averageWeeks, formulas})` and `metric(name, {…})`; absent or null reads as
/// the defaults (every metric a gauge, a 4-week average).
pub fn history_options(value: &Value) -> Result<HistoryOptions> {
    let map = input::options("options", Some(value))?;
    let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
    let as_of = get("asOf").map(|v| input::day("asOf", v)).transpose()?;
    let events = match get("events") {
        None => BTreeSet::new(),
        Some(Value::Array(items)) => crate::order::set(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_str().map(str::to_string).ok_or_else(|| Error::new(format!("events[{i}]"), "must be a metric name")))
                .collect::<Result<Vec<_>>>()?,
        ),
        Some(other) => return Err(Error::new("events", format!("must be an array of metric names, got {}", input::kind(other)))),
    };
    let average_weeks = match get("averageWeeks") {
        None => DEFAULT_AVERAGE_WEEKS,
        Some(v) => input::whole("averageWeeks", Some(v), 1, 520)?,
    };
    let formulas = match get("formulas") {
        None => BTreeMap::new(),
        Some(Value::Object(items)) => {
            if items.len() > MAX_FORMULAS {
                return Err(Error::new("formulas", format!("holds more than {MAX_FORMULAS} formulas")));
            }
            // By insertion: a collect into the map would add a sort to the shipped .wasm.
            crate::order::try_map(items.iter().map(|(name, text)| {
                    let field = format!("formulas.{}", clip(name, Clip::TEXT));
                    if name.trim().is_empty() || FORBIDDEN_KEYS.contains(&name.as_str()) {
                        return Err(Error::new(field, "is not a name a metric can have"));
                    }
                    let text = text.as_str().ok_or_else(|| Error::new(field.clone(), format!("must be \"a / b\" as text, got {}", input::kind(text))))?;
                Ok((name.clone(), Formula::parse(&field, text)?))
            }))?
        }
        Some(other) => return Err(Error::new("formulas", format!("must be an object of name: \"a / b\", got {}", input::kind(other)))),
    };
    Ok(HistoryOptions { as_of, events, average_weeks, formulas })
}

/// `new SnapshotHistory(saved)`: a `toJSON()` result, or nothing (null) for a new, empty
/// history. The saved values went through `flatten`; they are checked again rather than
/// trusted as a file.
pub fn saved_history(value: &Value) -> Result<History> {
    if value.is_null() {
        return Ok(History::new());
    }
    if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
        return Err(Error::new("state.format", format!("must be {STATE_FORMAT:?}")));
    }
    let history: History =
        serde_json::from_value(value.clone()).map_err(|e| Error::new("state", format!("is not a saved history: {e}")))?;
    for (date, metrics) in history.days() {
        for (name, v) in metrics {
            if !v.is_finite() || name.split('.').any(|s| FORBIDDEN_KEYS.contains(&s) || s.is_empty()) {
                return Err(Error::new(format!("state.snapshots.{date}.{name}"), "is not a valid metric"));
            }
        }
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn a_snapshot_names_its_bad_field() {
        assert_eq!(message(snapshot(&json!(3))), "snapshot: must be an object, got a number");
        assert_eq!(message(snapshot(&json!({"metrics": {"a": 1}}))), "date: is required (YYYY-MM-DD)");
        assert_eq!(message(snapshot(&json!({"date": null, "metrics": {"a": 1}}))), "date: is required (YYYY-MM-DD)");
        assert!(message(snapshot(&json!({"date": "someday", "metrics": {"a": 1}}))).starts_with("date: must be a date (YYYY-MM-DD)"));
        assert_eq!(message(snapshot(&json!({"date": "2026-03-02"}))), "metrics: must be an object, got null");
        assert_eq!(message(snapshot(&json!({"date": "2026-03-02", "metrics": {}}))), "metrics: holds no metric (numbers or booleans)");
        assert_eq!(message(snapshot(&json!({"date": "2026-03-02", "metrics": {"a": {"b": "x"}}}))), "metrics.a.b: must be a number, a boolean or an object of them, got a string");
        assert_eq!(message(snapshot(&json!({"date": "2026-03-02", "metrics": {"a..b": 1}}))), "metrics.a..b: is not a valid metric name (empty part)");
        assert_eq!(message(snapshot(&json!({"date": "2026-03-02", "metrics": {"__proto__": 1}}))), "metrics.__proto__: is a reserved name and cannot be a metric");
        let long = "k".repeat(201);
        assert_eq!(message(snapshot(&json!({"date": "2026-03-02", "metrics": {long: 1}}))), format!("metrics.{}…: is longer than 200 characters", "k".repeat(64)));
        assert_eq!(message(snapshots(&json!({}))), "snapshots: must be an array, got an object");
        assert_eq!(message(snapshots(&json!([{"date": "2026-03-02", "metrics": {"a": 1}}, 5]))), "snapshots[1].snapshot: must be an object, got a number");
    }

    #[test]
    fn report_options_name_their_bad_field_and_default() {
        assert_eq!(history_options(&Value::Null).unwrap(), HistoryOptions::default());
        assert_eq!(history_options(&json!({"averageWeeks": null})).unwrap().average_weeks, 4);
        assert_eq!(message(history_options(&json!({"events": "signups"}))), "events: must be an array of metric names, got a string");
        assert_eq!(message(history_options(&json!({"events": ["a", 1]}))), "events[1]: must be a metric name");
        assert_eq!(message(history_options(&json!({"averageWeeks": 521}))), "averageWeeks: must be a whole number from 1 to 520, got 521");
        assert_eq!(message(history_options(&json!(1))), "options: must be an object, got a number");
        let o = history_options(&json!({"asOf": "2026-02-01", "events": ["signups"], "averageWeeks": "8"})).unwrap();
        assert_eq!((o.as_of, o.events.len(), o.average_weeks), (chrono::NaiveDate::from_ymd_opt(2026, 2, 1), 1, 8));
    }

    #[test]
    fn a_saved_history_is_checked_by_name() {
        assert_eq!(saved_history(&Value::Null).unwrap(), History::new());
        assert_eq!(message(saved_history(&json!({"format": "x"}))), "state.format: must be \"product-growth/snapshot-history@1\"");
        assert!(message(saved_history(&json!({"format": STATE_FORMAT}))).starts_with("state: is not a saved history: "));
        let tampered = json!({"format": STATE_FORMAT, "snapshots": {"2026-03-02": {"a.constructor": 1}}});
        assert_eq!(message(saved_history(&tampered)), "state.snapshots.2026-03-02.a.constructor: is not a valid metric");
    }
}
