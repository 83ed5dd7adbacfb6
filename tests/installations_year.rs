//! A generated year of pings: the ledger's identity holds on every day, and the incremental
//! ledger gives the batch result whatever the arrival order, through a JSON round trip.

use chrono::NaiveDate;
use product_growth::demo::{self, DemoOptions, Rng};
use product_growth::api::installations::aggregate;
use product_growth::telemetry::ledger::{Ledger, ReportOptions};
use serde_json::{json, Value};

fn year() -> Vec<Value> {
    demo::pings(DemoOptions {
        installs: 300,
        days: 365,
        start: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
        seed: 7,
        flat_share: 0.3,
    })
}

#[test]
fn the_generated_year_is_realistic() {
    let pings = year();
    let report = aggregate(&Value::Array(pings.clone()), None).unwrap();
    assert_eq!(report.days.len(), 365);
    assert_eq!(report.rejected_total, 0, "{:?}", report.rejected.first());
    assert!(report.duplicates > 100, "restarts give several pings a day: {}", report.duplicates);
    let sum = |f: fn(&product_growth::telemetry::ledger::Day) -> u64| report.days.iter().map(f).sum::<u64>();
    assert!(sum(|d| d.removed) > 30, "churn");
    assert!(sum(|d| d.resurrected) > 10, "resurrections");
    assert!(pings.iter().any(|p| p.get("created_at").is_some()) && pings.iter().any(|p| p.get("receivedAt").is_some()));
    let last = report.days.last().unwrap();
    assert!(last.by_version.len() > 5, "upgrades spread versions: {:?}", last.by_version);
    assert!(last.by_license.get("unknown").copied().unwrap_or(0) > 0 || report.days.iter().any(|d| d.by_license.contains_key("unknown")));
}

#[test]
fn active_changes_by_added_plus_resurrected_minus_removed_every_day() {
    let report = aggregate(&Value::Array(year()), None).unwrap();
    for pair in report.days.windows(2) {
        let (before, d) = (&pair[0], &pair[1]);
        assert_eq!(
            d.active as i64 - before.active as i64,
            d.added as i64 + d.resurrected as i64 - d.removed as i64,
            "on {}",
            d.date
        );
    }
}

#[test]
fn one_ping_at_a_time_in_any_order_equals_the_batch() {
    let pings = year();
    let options = ReportOptions { active_window_days: 7, ..ReportOptions::default() };
    let batch = aggregate(&Value::Array(pings.clone()), None).unwrap();

    // Shuffle the arrival order (Fisher–Yates with the demo's generator).
    let mut shuffled = pings.clone();
    let mut rng = Rng::new(99);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i as u64 + 1) as usize);
    }
    // Half of it, a save and a restore through JSON text, then the rest.
    let mut ledger = Ledger::new();
    let half = shuffled.len() / 2;
    for p in &shuffled[..half] {
        ledger.ingest(p);
    }
    let saved = serde_json::to_string(&ledger.to_json()).unwrap();
    let mut ledger = Ledger::from_json(&serde_json::from_str(&saved).unwrap()).unwrap();
    for p in &shuffled[half..] {
        ledger.ingest(p);
    }
    let incremental = ledger.report(options).unwrap();
    // Same-instant ties aside (none in generated data), order cannot matter.
    assert_eq!(incremental, batch);
}

#[test]
fn a_corrupt_saved_state_is_refused() {
    assert_eq!(Ledger::from_json(&json!({"format": "something else"})).unwrap_err().field, "state.format");
    let err = Ledger::from_json(&json!({"format": "product-growth/installation-ledger@1", "instances": 3})).unwrap_err();
    assert_eq!(err.field, "state");
}
