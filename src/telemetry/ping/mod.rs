//! One usage ping, as a FlowFuse install POSTs it (nested) or as the collector's `pings`
//! table stores it (flat, dotted column names). Both shapes mean the same and normalise to
//! the same `Ping`.
//!
//! Pings are read straight from JSON text by a streaming visitor that keeps only the fields
//! the ledger uses (borrowed from the text where it can) and checks every key on the way:
//! no tree of values is built, which is what makes a raw log of a million pings quick to
//! read. Validation then runs on those fields, the same for every source.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::dates;
use crate::error::Result;
use crate::telemetry::model::Dimension;

mod fields;
mod read;
mod scan;
mod validate;

pub(crate) use fields::{is_reserved, same, Fields, Key, Leaf, Slot};
pub use read::{describe_json_error, read, Read};
pub(crate) use read::parse_bytes_with_serde;
pub use scan::lines;
pub(crate) use scan::array as read_array;
pub use validate::{check_not_future, major_minor};
pub(crate) use validate::{instance_id_text, judge, validate};

/// `platform.counts.*`: every numeric key below it is summed over active installs.
pub const COUNTS_PREFIX: &str = "platform.counts.";

pub(crate) const MAX_INSTANCE_ID: usize = 256;

/// Deeper than any real ping by far; bounds the work a hostile body can cause.
pub(crate) const MAX_DEPTH: usize = 16;

/// Keys that would change a JavaScript object's prototype if copied into one.
pub const FORBIDDEN_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];

pub const UNKNOWN: &str = "unknown";

/// A valid ping, its text borrowed from the input where it can be.
#[derive(Debug, Clone, PartialEq)]
pub struct PingRef<'a> {
    pub instance_id: Cow<'a, str>,
    pub received_at: DateTime<Utc>,
    /// `platform.config.driver`
    pub driver: Cow<'a, str>,
    /// `os.type`
    pub os: Cow<'a, str>,
    /// major.minor of `env.flowforge`
    pub version: Cow<'a, str>,
    /// `platform.license.type`
    pub license: Cow<'a, str>,
    /// Every `platform.counts.*` integer, keyed by the dotted path below `counts`, in the
    /// order they came.
    pub counts: Vec<(Cow<'a, str>, u64)>,
}

/// A valid ping, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct Ping {
    pub instance_id: String,
    pub received_at: DateTime<Utc>,
    pub driver: String,
    pub os: String,
    pub version: String,
    pub license: String,
    pub counts: BTreeMap<String, u64>,
}

impl PingRef<'_> {
    /// The ping's value of a dimension.
    #[inline]
    pub fn dimension(&self, d: Dimension) -> &str {
        match d {
            Dimension::Driver => &self.driver,
            Dimension::Os => &self.os,
            Dimension::Version => &self.version,
            Dimension::License => &self.license,
        }
    }

    pub fn into_owned(self) -> Ping {
        Ping {
            instance_id: self.instance_id.into_owned(),
            received_at: self.received_at,
            driver: self.driver.into_owned(),
            os: self.os.into_owned(),
            version: self.version.into_owned(),
            license: self.license.into_owned(),
            counts: crate::order::map(self.counts.into_iter().map(|(k, v)| (k.into_owned(), v))),
        }
    }
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
            received_at: dates::format_instant_ms(self.received_at),
            day: dates::format_day(self.received_at.date_naive()),
            driver: self.driver.clone(),
            os: self.os.clone(),
            version: self.version.clone(),
            license: self.license.clone(),
            counts: self.counts.clone(),
        }
    }
}

/// Reads one ping from its JSON text.
pub fn parse(text: &str) -> Read<'_> {
    parse_bytes(text.as_bytes())
}

/// Reads one ping from the UTF-8 bytes of its JSON text (a line of a raw log read as a
/// buffer: no string is made of the whole file).
pub fn parse_bytes(text: &[u8]) -> Read<'_> {
    LineReader::default().read(text)
}

/// Reads pings from the lines of one text, reusing its buffers from one line to the next
/// (a raw log has a million lines). The common case is read by a hand-rolled scanner
/// (`scan`), anything else by the serde reader, with the same outcome either way.
#[derive(Default)]
pub struct LineReader<'a> {
    path: String,
    counts: Vec<(Cow<'a, str>, Leaf<'a>)>,
}

impl<'a> LineReader<'a> {
    pub fn read(&mut self, text: &'a [u8]) -> Read<'a> {
        let mut fields = Fields { counts: std::mem::take(&mut self.counts), ..Fields::default() };
        self.path.clear();
        let read = match scan::read(text, &mut fields, &mut self.path) {
            Some(()) => judge(&mut fields),
            None => parse_bytes_with_serde(text),
        };
        fields.counts.clear();
        self.counts = fields.counts;
        read
    }
}

/// Validates and normalises one ping given as a JSON value (tests, and callers that hold
/// one already).
pub fn normalise(value: &Value) -> Result<Ping> {
    let text = value.to_string();
    parse(&text).ping.map(PingRef::into_owned)
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
        assert_eq!(major_minor("2.33.2"), Some("2.33"));
        assert_eq!(major_minor("2.33.2-git"), Some("2.33"));
        assert_eq!(major_minor("1.5"), Some("1.5"));
        assert_eq!(major_minor("v2.10.0"), Some("2.10"));
        assert_eq!(major_minor("2.x"), None);
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
            (with("instanceId", json!({"id": "a"})), "instanceId"),
            (with("os", json!({"type": {"name": "Linux"}})), "os.type"),
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

    #[test]
    fn control_characters_are_refused_by_field() {
        let err = parse(r#"{"instanceId":"a\nb\u0000c","receivedAt":"2026-01-05T10:00:00Z"}"#).ping.unwrap_err();
        assert_eq!(err.field, "instanceId");
        assert_eq!(err.message, "must not hold control characters: U+000A at character 2");
        let err = parse(r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","os":{"type":"Lin\u0007ux"}}"#).ping.unwrap_err();
        assert_eq!(err.field, "os.type");
        let err = parse(r#"{"instanceId":"a","created_at":"2026-01-05T10:00:00Z","platform.config.driver":"x\u007f"}"#).ping.unwrap_err();
        assert_eq!(err.field, "platform.config.driver");
        // Tabs are control characters too; ordinary text (accents, emoji) is not.
        assert!(parse(r#"{"instanceId":"é😀 ok","receivedAt":"2026-01-05T10:00:00Z","os":{"type":"Linux"}}"#).ping.is_ok());
    }

    #[test]
    fn a_lone_surrogate_names_its_key() {
        let text = r#"{"instanceId":"sur-\ud800","receivedAt":"2026-01-05T10:00:00Z"}"#;
        let err = parse(text).ping.unwrap_err();
        assert_eq!(err.field, "instanceId", "{err}");
        assert!(err.message.starts_with("is not valid Unicode text"), "{err}");
        let err = parse(r#"{"instanceId":"a","os":{"type":"\udc00x"}}"#).ping.unwrap_err();
        assert_eq!(err.field, "type", "{err}");
        // In an array, as the collector hands pings to the core.
        let err = crate::telemetry::sources::json::validate_array_text(&format!("[{text}]"), None).unwrap_err();
        assert_eq!(err.field, "instanceId", "{err}");
    }

    #[test]
    fn an_error_echoes_at_most_40_characters() {
        let err = parse(r#"{"instanceId":"a","receivedAt":"2026-01-05T10:00:00Z","platform":{"counts":{"projects":1e308}}}"#).ping.unwrap_err();
        assert_eq!(err.field, "platform.counts.projects");
        assert!(err.message.len() < 120, "{}", err.message);
        assert!(err.message.contains("… (309 characters)"), "{}", err.message);
        assert_eq!(crate::error::clip("12345", crate::error::Clip::VALUE), "12345");
    }
}

