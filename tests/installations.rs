//! `aggregateInstallations` against figures worked out by hand from DESIGN.md's definitions.
//!
//! Active window W = 3 days. Ping days (January 2026) per install, and the intervals each
//! ping keeps its install active, [p, min(next ping, p + W)):
//!   A (nested, docker, Linux, 2.33 then 2.34 from day 10, EE): 1 1 1 2 4 10
//!     → [1,2) [2,4) [4,7) removed on 7; resurrected on 10, [10,13)
//!   B (flat rows, localfs, Darwin, no version, CE): 2 3   → [2,3) [3,6) removed on 6
//!   C (nested, kubernetes, Windows_NT, 2.4, no license): 5 → [5,8) removed on 8
//!   D (flat, no driver, no OS, 2.33, CE): 12 → [12,15)
//! A's three pings on day 1 arrive out of order; the 18:00 one counts (projects 3).

use std::collections::BTreeMap;

use product_growth::api::installations::aggregate;
use product_growth::telemetry::ledger::Day;
use serde_json::{json, Value};

fn at(day: u32, hour: u32) -> String {
    format!("2026-01-{day:02}T{hour:02}:00:00Z")
}

fn nested(id: &str, day: u32, hour: u32, version: &str, projects: u64, devices: u64) -> Value {
    let dims: BTreeMap<&str, (&str, &str, Option<&str>)> = [
        ("A", ("docker", "Linux", Some("EE"))),
        ("C", ("kubernetes", "Windows_NT", None)),
    ]
    .into_iter()
    .collect();
    let (driver, os, license) = dims[id];
    let mut ping = json!({
        "instanceId": id,
        "receivedAt": at(day, hour),
        "os": {"type": os, "release": "6.1", "arch": "x64"},
        "env": {"nodejs": "v20.20.2", "flowforge": version},
        "platform": {
            "counts": {"projects": projects, "devices": devices},
            "config": {"driver": driver, "broker": {"enabled": false}}
        }
    });
    if let Some(l) = license {
        ping["platform"]["license"] = json!({"id": "", "type": l});
    }
    ping
}

fn pings() -> Vec<Value> {
    vec![
        // D first: arrival order is not time order.
        json!({"instanceId": "D", "created_at": "2026-01-12 09:00:00", "env.flowforge": "2.33.2-git",
               "platform.license.type": "CE", "platform.counts.projects": 0, "platform.counts.devices": null}),
        nested("A", 10, 9, "2.34.0", 5, 0),
        nested("A", 1, 10, "2.33.2", 2, 1),
        json!({"receivedAt": at(3, 1), "platform": {"counts": {"projects": 1}}}), // no instanceId
        nested("A", 1, 18, "2.33.2", 3, 1),
        nested("A", 1, 8, "2.33.2", 99, 99), // earlier the same day, arrives later: ignored
        json!({"instanceId": 42, "receivedAt": at(3, 1)}),
        json!({"instanceId": "B", "created_at": "2026-01-02 07:30:00", "os.type": "Darwin",
               "platform.config.driver": "localfs", "platform.license.type": "CE",
               "platform.counts.projects": 1, "platform.counts.devices": 0}),
        json!({"instanceId": "E", "receivedAt": at(3, 1), "platform": {"counts": {"projects": -2}}}),
        nested("A", 2, 12, "2.33.2", 3, 2),
        json!({"instanceId": "E", "receivedAt": at(3, 1), "platform.counts.devices": "3"}),
        json!({"instanceId": "B", "created_at": "2026-01-03 07:30:00", "os.type": "Darwin",
               "platform.config.driver": "localfs", "platform.license.type": "CE",
               "platform.counts.projects": 1, "platform.counts.devices": 5, "platform.counts.teamBrokerClients": 2}),
        json!({"instanceId": "E", "receivedAt": "yesterday"}),
        nested("A", 4, 12, "2.33.2", 4, 2),
        json!({"instanceId": "E", "receivedAt": at(3, 1), "os": {"type": "x".repeat(40)}}),
        nested("C", 5, 12, "2.4.0", 10, 3),
        json!("not a ping"),
        json!({"instanceId": "E", "created_at": "2026-01-32 00:00:00"}),
    ]
}

fn counts(spec: &str) -> BTreeMap<String, u64> {
    spec.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.rsplit_once('=').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

fn totals(spec: &str) -> BTreeMap<String, f64> {
    counts(spec).into_iter().map(|(k, v)| (k, v as f64)).collect()
}

#[test]
fn every_field_day_by_day_matches_the_hand_worked_figures() {
    let report = aggregate(&Value::Array(pings()), Some(&json!({"activeWindowDays": 3}))).unwrap();

    // day: pinged active added removed resurrected hosted remote | totals | driver | os | version | license
    #[rustfmt::skip]
    let expected: [(u32, u64, u64, u64, u64, u64, f64, f64, &str, &str, &str, &str, &str); 12] = [
        (1, 1, 1, 1, 0, 0, 3.0, 1.0, "projects=3 devices=1", "docker=1", "Linux=1", "2.33=1", "EE=1"),
        (2, 2, 2, 1, 0, 0, 4.0, 2.0, "projects=4 devices=2", "docker=1 localfs=1", "Linux=1 Darwin=1", "2.33=1 unknown=1", "EE=1 CE=1"),
        (3, 1, 2, 0, 0, 0, 4.0, 7.0, "projects=4 devices=7 teamBrokerClients=2", "docker=1 localfs=1", "Linux=1 Darwin=1", "2.33=1 unknown=1", "EE=1 CE=1"),
        (4, 1, 2, 0, 0, 0, 5.0, 7.0, "projects=5 devices=7 teamBrokerClients=2", "docker=1 localfs=1", "Linux=1 Darwin=1", "2.33=1 unknown=1", "EE=1 CE=1"),
        (5, 1, 3, 1, 0, 0, 15.0, 10.0, "projects=15 devices=10 teamBrokerClients=2", "docker=1 localfs=1 kubernetes=1", "Linux=1 Darwin=1 Windows_NT=1", "2.33=1 unknown=1 2.4=1", "EE=1 CE=1 unknown=1"),
        (6, 0, 2, 0, 1, 0, 14.0, 5.0, "projects=14 devices=5 teamBrokerClients=0", "docker=1 localfs=0 kubernetes=1", "Linux=1 Darwin=0 Windows_NT=1", "2.33=1 unknown=0 2.4=1", "EE=1 CE=0 unknown=1"),
        (7, 0, 1, 0, 1, 0, 10.0, 3.0, "projects=10 devices=3 teamBrokerClients=0", "docker=0 localfs=0 kubernetes=1", "Linux=0 Darwin=0 Windows_NT=1", "2.33=0 unknown=0 2.4=1", "EE=0 CE=0 unknown=1"),
        (8, 0, 0, 0, 1, 0, 0.0, 0.0, "projects=0 devices=0 teamBrokerClients=0", "docker=0 localfs=0 kubernetes=0", "Linux=0 Darwin=0 Windows_NT=0", "2.33=0 unknown=0 2.4=0", "EE=0 CE=0 unknown=0"),
        (9, 0, 0, 0, 0, 0, 0.0, 0.0, "projects=0 devices=0 teamBrokerClients=0", "docker=0 localfs=0 kubernetes=0", "Linux=0 Darwin=0 Windows_NT=0", "2.33=0 unknown=0 2.4=0", "EE=0 CE=0 unknown=0"),
        (10, 1, 1, 0, 0, 1, 5.0, 0.0, "projects=5 devices=0 teamBrokerClients=0", "docker=1 localfs=0 kubernetes=0", "Linux=1 Darwin=0 Windows_NT=0", "2.33=0 unknown=0 2.4=0 2.34=1", "EE=1 CE=0 unknown=0"),
        (11, 0, 1, 0, 0, 0, 5.0, 0.0, "projects=5 devices=0 teamBrokerClients=0", "docker=1 localfs=0 kubernetes=0", "Linux=1 Darwin=0 Windows_NT=0", "2.33=0 unknown=0 2.4=0 2.34=1", "EE=1 CE=0 unknown=0"),
        (12, 1, 2, 1, 0, 0, 5.0, 0.0, "projects=5 devices=0 teamBrokerClients=0", "docker=1 localfs=0 kubernetes=0 unknown=1", "Linux=1 Darwin=0 Windows_NT=0 unknown=1", "2.33=1 unknown=0 2.4=0 2.34=1", "EE=1 CE=1 unknown=0"),
    ];
    assert_eq!(report.days.len(), expected.len());
    for (day, e) in report.days.iter().zip(expected) {
        let want = Day {
            date: format!("2026-01-{:02}", e.0),
            pinged: e.1,
            active: e.2,
            added: e.3,
            removed: e.4,
            resurrected: e.5,
            hosted: e.6,
            remote: e.7,
            totals: totals(e.8),
            by_driver: counts(e.9),
            by_os: counts(e.10),
            by_version: counts(e.11),
            by_license: counts(e.12),
            moved_in: None,
            moved_out: None,
        };
        assert_eq!(day, &want, "day {}", e.0);
    }
    assert_eq!(report.installations, 4);
    assert_eq!(report.accepted, 10);
    assert_eq!(report.duplicates, 2);
    let rejected: Vec<(u64, &str)> = report.rejected.iter().map(|r| (r.index, r.field.as_str())).collect();
    assert_eq!(
        rejected,
        [
            (3, "instanceId"),
            (6, "instanceId"),
            (8, "platform.counts.projects"),
            (10, "platform.counts.devices"),
            (12, "receivedAt"),
            (14, "os.type"),
            (16, "ping"),
            (17, "created_at"),
        ]
    );
    assert_eq!(report.rejected[0].instance_id, None);
    assert_eq!(report.rejected[2].instance_id.as_deref(), Some("E"));
    assert!(report.rejected[2].reason.starts_with("platform.counts.projects: must not be negative"));
}

#[test]
fn as_of_extends_the_days_and_drops_later_pings() {
    let report = aggregate(&Value::Array(pings()), Some(&json!({"activeWindowDays": 3, "asOf": "2026-01-14"}))).unwrap();
    let tail: Vec<(&str, u64, u64)> = report.days[11..].iter().map(|d| (d.date.as_str(), d.active, d.removed)).collect();
    // A (last ping day 10) lapses on 13, D (day 12) stays active to 14.
    assert_eq!(tail, [("2026-01-12", 2, 0), ("2026-01-13", 1, 1), ("2026-01-14", 1, 0)]);
    let early = aggregate(&Value::Array(pings()), Some(&json!({"activeWindowDays": 3, "asOf": "2026-01-04"}))).unwrap();
    assert_eq!(early.days.len(), 4);
    assert_eq!(early.days[3].active, 2);
}

#[test]
fn both_fixtures_are_accepted_and_counted() {
    let read = |name: &str| -> Value {
        let path = format!("{}/../shared/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["receivedAt"] = json!("2026-03-02T12:00:00Z");
        v
    };
    let pings = json!([read("ping-flowfuse-2.33.2-ce-stub.json"), read("ping-flowfuse-2.4.0-ce-localfs.json")]);
    let report = aggregate(&pings, None).unwrap();
    assert_eq!((report.accepted, report.installations), (2, 2));
    let day = &report.days[0];
    assert_eq!((day.active, day.hosted, day.remote), (2, 0.0, 2.0));
    assert_eq!(day.totals["users"], 4.0);
    assert_eq!(day.totals["teamBrokerClients"], 0.0);
    assert_eq!(day.by_driver, counts("stub=1 localfs=1"));
    assert_eq!(day.by_version, counts("2.33=1 2.4=1"));
}
