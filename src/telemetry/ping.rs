//! One usage ping, as a FlowFuse install POSTs it (nested) or as the collector's `pings`
//! table stores it (flat, dotted column names). Both shapes mean the same and normalise to
//! the same `Ping`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::dates;
use crate::error::{Error, Result};
use crate::input::{self, MAX_SAFE_INTEGER};

/// `platform.counts.*`: every numeric key below it is summed over active installs.
pub const COUNTS_PREFIX: &str = "platform.counts.";

/// Column sizes of the collector's `pings` table (shared/fixtures/pings-table.sql): a ping
/// that would not fit its row is not a FlowFuse ping.
const STRING_COLUMNS: [(&str, usize); 9] = [
    ("ip", 256),
    ("env.flowforge", 64),
    ("env.nodejs", 64),
    ("os.arch", 32),
    ("os.release", 128),
    ("os.type", 32),
    ("platform.config.driver", 32),
    ("platform.license.id", 256),
    ("platform.license.type", 16),
];

const MAX_INSTANCE_ID: usize = 256;

/// Deeper than any real ping by far; bounds the work a hostile body can cause.
const MAX_DEPTH: usize = 16;

/// Keys that would change a JavaScript object's prototype if copied into one.
pub const FORBIDDEN_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];

pub const UNKNOWN: &str = "unknown";

/// A valid ping, reduced to what the ledger needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Ping {
    pub instance_id: String,
    pub received_at: DateTime<Utc>,
    /// `platform.config.driver`
    pub driver: String,
    /// `os.type`
    pub os: String,
    /// major.minor of `env.flowforge`
    pub version: String,
    /// `platform.license.type`
    pub license: String,
    /// Every `platform.counts.*` integer, keyed by the dotted path below `counts`.
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NormalisedPing {
    pub instance_id: String,
    /// ISO 8601, UTC, milliseconds.
    pub received_at: String,
    pub day: String,
    pub driver: String,
    pub os: String,
    pub version: String,
    pub license: String,
    pub counts: BTreeMap<String, u64>,
}

impl Ping {
    pub fn normalised(&self) -> NormalisedPing {
        NormalisedPing {
            instance_id: self.instance_id.clone(),
            received_at: self.received_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            day: dates::format_day(self.received_at.date_naive()),
            driver: self.driver.clone(),
            os: self.os.clone(),
            version: self.version.clone(),
            license: self.license.clone(),
            counts: self.counts.clone(),
        }
    }
}

/// Flattens nested objects to dotted keys; a flat collector row passes through unchanged.
fn flatten<'a>(prefix: &str, map: &'a Map<String, Value>, depth: usize, out: &mut Vec<(String, &'a Value)>) -> Result<()> {
    for (key, value) in map {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if key.split('.').any(|segment| FORBIDDEN_KEYS.contains(&segment)) {
            return Err(Error::new(path, "is a reserved name and cannot be used as a key"));
        }
        match value {
            Value::Object(inner) => {
                if depth >= MAX_DEPTH {
                    return Err(Error::new(path, format!("is nested more than {MAX_DEPTH} levels deep")));
                }
                flatten(&path, inner, depth + 1, out)?;
            }
            _ => out.push((path, value)),
        }
    }
    Ok(())
}

/// Major.minor of a FlowFuse version: `2.33.2` and `2.33.2-git` are `2.33`.
pub fn major_minor(version: &str) -> Option<String> {
    let mut parts = version.trim().trim_start_matches('v').split('.');
    let major = parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
    let minor = parts.next()?;
    let minor_digits: &str = &minor[..minor.bytes().take_while(|b| b.is_ascii_digit()).count()];
    if minor_digits.is_empty() {
        return None;
    }
    Some(format!("{major}.{minor_digits}"))
}

fn count(field: &str, value: &Value) -> Result<Option<u64>> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            Some(c) if (c as f64) <= MAX_SAFE_INTEGER => Ok(Some(c)),
            _ => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                let why = if x < 0.0 {
                    "must not be negative"
                } else if x.fract() != 0.0 {
                    "must be a whole number"
                } else {
                    "must be at most 2^53 − 1"
                };
                Err(Error::new(field, format!("{why}, got {n}")))
            }
        },
        other => Err(Error::new(field, format!("must be a non-negative integer, got {}", input::kind(other)))),
    }
}

/// Validates and normalises one ping. The error names the first field that is wrong.
pub fn normalise(value: &Value) -> Result<Ping> {
    let map = input::object("ping", value)?;
    let mut fields = Vec::with_capacity(32);
    flatten("", map, 0, &mut fields)?;
    let get = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| *v);

    let instance_id = match get("instanceId") {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_INSTANCE_ID => s.clone(),
        Some(Value::String(s)) if s.is_empty() => return Err(Error::new("instanceId", "must not be empty")),
        Some(Value::String(_)) => {
            return Err(Error::new("instanceId", format!("must be at most {MAX_INSTANCE_ID} characters")))
        }
        None | Some(Value::Null) => return Err(Error::new("instanceId", "is required")),
        Some(other) => return Err(Error::new("instanceId", format!("must be a string, got {}", input::kind(other)))),
    };

    let (time_field, time) = match (get("receivedAt"), get("created_at")) {
        (Some(t), _) if !t.is_null() => ("receivedAt", t),
        (_, Some(t)) if !t.is_null() => ("created_at", t),
        _ => return Err(Error::new("receivedAt", "is required (or created_at)")),
    };
    let received_at = dates::parse_instant(time_field, input::time_input(time_field, time)?)?;

    for (column, limit) in STRING_COLUMNS {
        match get(column) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.chars().count() <= limit => {}
            Some(Value::String(_)) => return Err(Error::new(column, format!("must be at most {limit} characters"))),
            Some(other) => return Err(Error::new(column, format!("must be a string, got {}", input::kind(other)))),
        }
    }
    let text = |name: &str| match get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    };

    let mut counts = BTreeMap::new();
    for (key, value) in &fields {
        if let Some(name) = key.strip_prefix(COUNTS_PREFIX) {
            if name.is_empty() || name.split('.').any(str::is_empty) {
                return Err(Error::new(key.as_str(), "is not a valid count name"));
            }
            if let Some(c) = count(key, value)? {
                counts.insert(name.to_string(), c);
            }
        }
    }

    Ok(Ping {
        instance_id,
        received_at,
        driver: text("platform.config.driver").unwrap_or(UNKNOWN).to_string(),
        os: text("os.type").unwrap_or(UNKNOWN).to_string(),
        version: text("env.flowforge").and_then(major_minor).unwrap_or_else(|| UNKNOWN.to_string()),
        license: text("platform.license.type").unwrap_or(UNKNOWN).to_string(),
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/../shared/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
    }

    fn stamped(mut ping: Value) -> Value {
        ping["receivedAt"] = json!("2026-01-05T10:00:00Z");
        ping
    }

    #[test]
    fn the_2_33_fixture_normalises_with_every_count() {
        let p = normalise(&stamped(fixture("ping-flowfuse-2.33.2-ce-stub.json"))).unwrap();
        assert_eq!(p.instance_id, "2c3f012c-fe61-4cf7-8b77-1ce9e7fd2092");
        assert_eq!((p.driver.as_str(), p.os.as_str(), p.version.as_str(), p.license.as_str()), ("stub", "Linux", "2.33", "CE"));
        let keys: Vec<&str> = p.counts.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "blueprints", "devices", "devicesByLastSeen.day", "devicesByLastSeen.never", "libraryEntries",
                "projectSnapshots", "projectStacks", "projectTemplates", "projects", "projectsByState.suspended",
                "remoteBrokers", "sharedLibraryEntries", "teamBrokerClients", "teams", "users"
            ]
        );
        assert_eq!(p.counts["devices"], 1);
        assert_eq!(p.counts["users"], 2);
        assert_eq!(p.counts["devicesByLastSeen.never"], 1);
    }

    #[test]
    fn the_older_2_4_fixture_has_fewer_counts() {
        let p = normalise(&stamped(fixture("ping-flowfuse-2.4.0-ce-localfs.json"))).unwrap();
        assert_eq!((p.driver.as_str(), p.version.as_str()), ("localfs", "2.4"));
        assert_eq!(p.counts.len(), 10);
        assert!(!p.counts.contains_key("blueprints"));
    }

    #[test]
    fn a_flat_collector_row_means_the_same_as_the_nested_body() {
        let nested = json!({
            "instanceId": "a", "receivedAt": "2026-01-05T10:00:00Z",
            "os": {"type": "Darwin"}, "env": {"flowforge": "2.33.2-git"},
            "platform": {"counts": {"projects": 3, "projectsByState": {"suspended": 1}}, "config": {"driver": "docker"}}
        });
        let flat = json!({
            "instanceId": "a", "created_at": "2026-01-05 10:00:00",
            "os.type": "Darwin", "env.flowforge": "2.33.2-git",
            "platform.counts.projects": 3, "platform.counts.projectsByState.suspended": 1,
            "platform.counts.devices": null, "platform.config.driver": "docker", "platform.config.broker.enabled": true
        });
        let a = normalise(&nested).unwrap();
        assert_eq!(a, normalise(&flat).unwrap());
        assert_eq!(a.version, "2.33");
        assert_eq!(a.license, UNKNOWN);
    }

    #[test]
    fn versions_reduce_to_major_minor() {
        assert_eq!(major_minor("2.33.2").as_deref(), Some("2.33"));
        assert_eq!(major_minor("2.33.2-git").as_deref(), Some("2.33"));
        assert_eq!(major_minor("1.5").as_deref(), Some("1.5"));
        assert_eq!(major_minor("v2.10.0").as_deref(), Some("2.10"));
        assert_eq!(major_minor("nightly"), None);
        assert_eq!(major_minor("2"), None);
    }

    #[test]
    fn every_rejection_names_its_field() {
        let ok = || json!({"instanceId": "a", "receivedAt": "2026-01-05T10:00:00Z"});
        let with = |key: &str, v: Value| {
            let mut p = ok();
            p[key] = v;
            p
        };
        let cases = [
            (json!([1]), "ping"),
            (json!({"receivedAt": "2026-01-05"}), "instanceId"),
            (with("instanceId", json!("")), "instanceId"),
            (with("instanceId", json!(42)), "instanceId"),
            (with("instanceId", json!("x".repeat(257))), "instanceId"),
            (json!({"instanceId": "a"}), "receivedAt"),
            (with("receivedAt", json!("last tuesday")), "receivedAt"),
            (with("platform", json!({"counts": {"projects": -1}})), "platform.counts.projects"),
            (with("platform", json!({"counts": {"projects": 1.5}})), "platform.counts.projects"),
            (with("platform", json!({"counts": {"projects": "3"}})), "platform.counts.projects"),
            (with("platform", json!({"counts": {"devices": 9_007_199_254_740_992_u64}})), "platform.counts.devices"),
            (with("platform.counts.projects", json!(true)), "platform.counts.projects"),
            (with("os", json!({"type": "L".repeat(33)})), "os.type"),
            (with("env", json!({"flowforge": 2.33})), "env.flowforge"),
            (with("platform", json!({"counts": {"__proto__": {"x": 1}}})), "platform.counts.__proto__"),
            (with("constructor", json!({"x": 1})), "constructor"),
        ];
        for (ping, field) in cases {
            let err = normalise(&ping).unwrap_err();
            assert_eq!(err.field, field, "{ping} gave {err}");
        }
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!({"x": deep});
        }
        assert!(normalise(&with("platform", deep)).unwrap_err().message.contains("nested"));
    }
}
