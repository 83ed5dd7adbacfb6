//! The query strings of the application's `GET /api/…` endpoints, checked before any work:
//! a query comes from anyone who can reach the server, so every parameter is one this
//! endpoint takes, given once, short, and of its kind; `asOf` is at most tomorrow, so a
//! report stays the size of the history (a date in 2125 asked for 36,000 days of it).

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::dates::{self, format_day, TimeInput};
use crate::error::{clip, Clip, Error, Result};
use crate::api::input;

/// The parameters an endpoint may take.
pub const PARAMETERS: [&str; 2] = ["asOf", "format"];

/// Longer than any value a parameter takes; a longer one is refused without being read.
const MAX_VALUE: usize = 64;

/// What a checked query asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    /// The report's last day, `YYYY-MM-DD` (`None`: today's report).
    pub as_of: Option<String>,
    /// `json` (the default) or `csv`.
    pub format: &'static str,
}

/// `checkQuery(query, {allowed, today})`: `query` as Express parses it (values are strings,
/// or arrays when a parameter is repeated); `allowed` the parameters this endpoint takes.
pub fn check(query: Option<&Map<String, Value>>, allowed: &[String], today: NaiveDate) -> Result<Query> {
    let mut out = Query { as_of: None, format: "json" };
    let Some(query) = query else { return Ok(out) };
    for (name, value) in query {
        if !allowed.iter().any(|a| a == name) {
            let known = allowed.join(", ");
            let shown = clip(name, Clip::TEXT);
            return Err(Error::new(shown, format!("is not a parameter here (it takes {})", if known.is_empty() { "none".into() } else { known })));
        }
        let text = match value {
            Value::String(s) => s.as_str(),
            Value::Array(_) => return Err(Error::new(name.as_str(), "must be given once")),
            other => return Err(Error::new(name.as_str(), format!("must be text, got {}", input::kind(other)))),
        };
        if text.chars().count() > MAX_VALUE {
            return Err(Error::new(name.as_str(), format!("must be at most {MAX_VALUE} characters")));
        }
        match name.as_str() {
            "asOf" => {
                let day = dates::parse_day("asOf", TimeInput::Text(text))?;
                let latest = today + Duration::days(1);
                if day > latest {
                    return Err(Error::new("asOf", format!("must be at most tomorrow ({}), got {}", format_day(latest), format_day(day))));
                }
                out.as_of = Some(format_day(day));
            }
            "format" => {
                out.format = match text {
                    "json" => "json",
                    "csv" => "csv",
                    _ => return Err(Error::new("format", format!("must be json or csv, got {:?}", clip(text, Clip::TEXT)))),
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The options of `checkQuery`: `{allowed: [names], today}`.
pub fn options(value: Option<&Value>) -> Result<(Vec<String>, NaiveDate)> {
    let map = input::options("options", value)?;
    let allowed = match map.and_then(|m| m.get("allowed")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(names)) => names
            .iter()
            .map(|n| match n.as_str() {
                Some(n) if PARAMETERS.contains(&n) => Ok(n.to_string()),
                _ => Err(Error::new("allowed", format!("must list parameters among {}", PARAMETERS.join(", ")))),
            })
            .collect::<Result<_>>()?,
        Some(other) => return Err(Error::new("allowed", format!("must be an array, got {}", input::kind(other)))),
    };
    let today = input::day("today", map.and_then(|m| m.get("today")).unwrap_or(&Value::Null))?;
    Ok((allowed, today))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(query: Value) -> Result<Query> {
        let allowed = vec!["asOf".to_string(), "format".to_string()];
        check(query.as_object(), &allowed, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap())
    }

    #[test]
    fn good_queries_read_as_asked() {
        assert_eq!(run(json!({})).unwrap(), Query { as_of: None, format: "json" });
        assert_eq!(run(json!({"asOf": "2026-12-04", "format": "csv"})).unwrap(), Query { as_of: Some("2026-12-04".into()), format: "csv" });
        assert_eq!(run(json!({"asOf": "2020-02-29"})).unwrap().as_of.as_deref(), Some("2020-02-29"));
    }

    #[test]
    fn every_bad_value_is_refused_by_name() {
        let err = |q: Value| run(q).unwrap_err().to_string();
        assert!(err(json!({"asOf": "garbage"})).starts_with("asOf: must be a date (YYYY-MM-DD)"), "{}", err(json!({"asOf": "garbage"})));
        assert!(err(json!({"asOf": "2026-02-30"})).starts_with("asOf: must be a date"));
        assert_eq!(err(json!({"asOf": "2125-01-01"})), "asOf: must be at most tomorrow (2026-12-04), got 2125-01-01");
        assert_eq!(err(json!({"asOf": "2026-12-05"})), "asOf: must be at most tomorrow (2026-12-04), got 2026-12-05");
        assert_eq!(err(json!({"asOf": ["2026-01-01", "2026-01-02"]})), "asOf: must be given once");
        assert_eq!(err(json!({"asOf": "x".repeat(65)})), "asOf: must be at most 64 characters");
        assert_eq!(err(json!({"format": "xml"})), "format: must be json or csv, got \"xml\"");
        assert_eq!(err(json!({"limit": "5"})), "limit: is not a parameter here (it takes asOf, format)");
        let none = check(json!({"asOf": "2026-01-01"}).as_object(), &[], NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()).unwrap_err();
        assert_eq!(none.to_string(), "asOf: is not a parameter here (it takes none)");
    }

    #[test]
    fn the_options_name_their_field() {
        assert_eq!(options(Some(&json!({"allowed": ["asOf"], "today": "2026-12-03"}))).unwrap().0, vec!["asOf"]);
        assert_eq!(options(Some(&json!({"allowed": ["x"], "today": "2026-12-03"}))).unwrap_err().field, "allowed");
        assert_eq!(options(Some(&json!({"allowed": []}))).unwrap_err().field, "today");
    }
}
