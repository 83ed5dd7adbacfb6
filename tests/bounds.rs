//! What outsiders can make the ledger hold (DESIGN.md): distinct values per dimension and
//! count keys are bounded, the surplus counted under `other` and reported as overflow, and
//! below the bounds every figure is exactly what it is without them, for any arrival order.
//!
//! `npm test` runs a few cases; for a long run:
//!   PROPTEST_CASES=20000 cargo test --release --test bounds

use std::collections::BTreeSet;

use chrono::NaiveDate;
use product_growth::api::installations::aggregate;
use product_growth::demo::{self, DemoOptions};
use product_growth::telemetry::ledger::{Bounds, Ledger, LedgerOptions, Overflow, ReportOptions, OTHER};
use proptest::prelude::*;
use serde_json::{json, Value};

fn hostile(i: usize) -> Value {
    let mut counts = serde_json::Map::new();
    counts.insert("projects".into(), json!(1));
    for k in 0..5 {
        counts.insert(format!("key{i}x{k}"), json!(1));
    }
    json!({
        "instanceId": format!("install-{i}"),
        "receivedAt": "2026-03-02T10:00:00Z",
        "os": {"type": format!("os-{i}")},
        "env": {"flowforge": format!("{i}.0.0")},
        "platform": {"config": {"driver": format!("driver-{i}")}, "license": {"type": format!("L{i}")}, "counts": counts},
    })
}

#[test]
fn past_the_bounds_every_ping_counts_and_the_surplus_is_other() {
    let bounds = Bounds { values_per_dimension: 10, count_keys: 20 };
    let mut ledger = Ledger::open(None, LedgerOptions { active_window_days: None, bounds }).unwrap();
    for i in 0..400 {
        ledger.ingest(&hostile(i));
    }
    let report = ledger.report(ReportOptions::default()).unwrap();
    let day = &report.days[0];
    assert_eq!((day.pinged, day.active), (400, 400), "every ping is counted");
    for by in [&day.by_driver, &day.by_os, &day.by_version, &day.by_license] {
        // The first ten values (in arrival order) are kept, the other 390 installs are `other`.
        assert_eq!(by.len(), 11, "{by:?}");
        assert_eq!(by[OTHER], 390);
        assert_eq!(by.values().sum::<u64>(), 400);
    }
    assert!(day.by_driver.contains_key("driver-9") && !day.by_driver.contains_key("driver-10"));
    // projects + 19 other keys kept; 400 × 5 − 19 values summed under `other`.
    assert_eq!(day.totals.len(), 21);
    assert_eq!(day.totals["projects"], 400.0);
    assert_eq!(day.totals[OTHER], (400 * 5 - 19) as f64);
    assert_eq!(report.overflow, Overflow { driver: 390, os: 390, version: 390, license: 390, counts: 400 * 5 - 19 });
    // The bounds and the overflow survive the checkpoint; the names past them were never kept.
    let restored = Ledger::open_checkpoint(&ledger.to_checkpoint(), LedgerOptions { active_window_days: None, bounds }).unwrap();
    assert_eq!(restored.report(ReportOptions::default()).unwrap(), report);
    assert!(ledger.to_checkpoint().len() < 40_000, "{} bytes", ledger.to_checkpoint().len());
    let mut again = restored;
    again.ingest(&hostile(500));
    let day = again.report(ReportOptions::default()).unwrap().days[0].clone();
    assert_eq!((day.by_driver.len(), day.by_driver[OTHER]), (11, 391));
}

#[test]
fn the_json_state_keeps_the_overflow() {
    let bounds = Bounds { values_per_dimension: 1, count_keys: 1 };
    let mut ledger = Ledger::open(None, LedgerOptions { active_window_days: None, bounds }).unwrap();
    for i in 0..3 {
        ledger.ingest(&hostile(i));
    }
    let saved = ledger.to_json();
    let restored = Ledger::open(Some(&saved), LedgerOptions { active_window_days: None, bounds }).unwrap();
    assert_eq!(restored.report(ReportOptions::default()).unwrap(), ledger.report(ReportOptions::default()).unwrap());
    assert_eq!(restored.report(ReportOptions::default()).unwrap().overflow.driver, 2);
}

fn distinct(pings: &[Value], pointer: &str) -> usize {
    pings.iter().filter_map(|p| p.pointer(pointer)).map(|v| v.to_string()).collect::<BTreeSet<_>>().len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(32)))]

    /// Bounds set to just the number of distinct names the data holds (plus `unknown`) change
    /// no figure, whatever order the pings arrive in.
    #[test]
    fn below_the_bounds_every_figure_is_exact(seed in 0u64..1000, order in any::<u64>()) {
        let pings = demo::pings(DemoOptions { installs: 15, days: 40, start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), seed, flat_share: 0.0 });
        let unbounded = aggregate(&Value::Array(pings.clone()), None).unwrap();
        let values = ["/platform/config/driver", "/os/type", "/env/flowforge", "/platform/license/type"]
            .iter().map(|p| distinct(&pings, p)).max().unwrap_or(0) as u32 + 1;
        let keys = pings.iter().filter_map(|p| p.pointer("/platform/counts").and_then(Value::as_object)).flat_map(|m| m.keys().cloned()).collect::<BTreeSet<_>>().len() as u32;
        let bounds = Bounds { values_per_dimension: values, count_keys: keys.max(1) };
        let mut shuffled = pings;
        let mut rng = demo::Rng::new(order);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut ledger = Ledger::open(None, LedgerOptions { active_window_days: None, bounds }).unwrap();
        for p in &shuffled { ledger.ingest(p); }
        let report = ledger.report(ReportOptions::default()).unwrap();
        prop_assert_eq!(report.overflow, Overflow::default());
        prop_assert_eq!(report, unbounded);
    }
}
