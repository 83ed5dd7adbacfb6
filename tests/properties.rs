//! Property tests: random pings, snapshots and series never panic, every error names a
//! field, the incremental ledger equals the batch for any arrival order, and saving then
//! restoring a ledger or a history changes nothing.
//!
//! `npm test` runs a few cases; for a long run:
//!   PROPTEST_CASES=20000 cargo test --release --test properties

use chrono::NaiveDate;
use product_growth::api::snapshot::{flatten, history_options, saved_history, snapshot};
use product_growth::api::weekly::WeekOnWeekInput;
use product_growth::demo::{self, DemoOptions};
use product_growth::snapshot::History;
use product_growth::api::installations::aggregate;
use product_growth::telemetry::ledger::{Day, Ledger, ReportOptions, SegmentChoice};
use product_growth::telemetry::model::Dimension;
use product_growth::telemetry::ping;
use product_growth::weekly;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Any JSON value, with keys drawn from the ping's own vocabulary (so the interesting paths
/// are hit) and from reserved and odd names.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("instanceId".to_string()),
        Just("receivedAt".to_string()),
        Just("created_at".to_string()),
        Just("platform".to_string()),
        Just("counts".to_string()),
        Just("projects".to_string()),
        Just("devices".to_string()),
        Just("os".to_string()),
        Just("type".to_string()),
        Just("env".to_string()),
        Just("flowforge".to_string()),
        Just("platform.counts.projects".to_string()),
        Just("__proto__".to_string()),
        Just("constructor".to_string()),
        Just("".to_string()),
        "[a-z.]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(|x| json!(x)),
        Just(json!("2026-01-05T10:00:00Z")),
        Just(json!("2.33.2")),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A permutation of the arrival order, driven by `order`.
fn shuffle(mut pings: Vec<Value>, order: u64) -> Vec<Value> {
    let mut rng = demo::Rng::new(order);
    for i in (1..pings.len()).rev() {
        pings.swap(i, rng.below(i as u64 + 1) as usize);
    }
    pings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64)))]

    #[test]
    fn any_ping_is_accepted_or_refused_by_name(value in json_value()) {
        match ping::normalise(&value) {
            Ok(p) => prop_assert!(!p.instance_id.is_empty()),
            Err(e) => {
                prop_assert!(!e.field.is_empty());
                let prefix = format!("{}: ", e.field);
                prop_assert!(e.to_string().starts_with(&prefix), "{}", e);
            }
        }
        // And a ledger offered it stays usable.
        let mut ledger = Ledger::new();
        ledger.ingest(&value);
        prop_assert!(ledger.report(ReportOptions::default()).is_ok());
    }

    #[test]
    fn any_metrics_object_is_flattened_or_refused_by_key(value in json_value()) {
        match flatten(&value) {
            Ok(metrics) => prop_assert!(metrics.values().all(|v| v.is_finite()) && !metrics.is_empty()),
            Err(e) => prop_assert!(e.field.starts_with("metrics"), "{}", e),
        }
    }

    #[test]
    fn any_series_gives_finite_growth_or_none(points in prop::collection::vec((0i64..4000, -1e9f64..1e9), 0..200), sum in any::<bool>(), as_of in prop::option::of(0i64..4000)) {
        let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let day = |n: i64| (start + chrono::Duration::days(n)).to_string();
        let pts: Vec<Value> = points.iter().map(|(d, v)| json!({"date": day(*d), "value": v})).collect();
        let mut options = json!({"aggregate": if sum { "sum" } else { "last" }});
        if let Some(a) = as_of { options["asOf"] = json!(day(a)); }
        let input = WeekOnWeekInput::parse(&Value::Array(pts), &options).unwrap();
        let r = weekly::week_on_week(input.points, input.options);
        for w in &r.weeks {
            prop_assert!(w.growth.is_none_or(f64::is_finite));
            prop_assert!(w.previous != Some(0.0) || w.growth.is_none());
        }
        prop_assert!(r.summary.average_growth.is_none_or(f64::is_finite));
        prop_assert_eq!(r.weeks.iter().filter(|w| w.partial).count() <= 1, true);
    }

    #[test]
    fn segments_keep_their_identity_and_sum_to_the_whole(seed in 0u64..1000, order in any::<u64>(), cut in 0usize..400) {
        let pings = demo::pings(DemoOptions { installs: 12, days: 40, start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), seed, flat_share: 0.4 });
        let shuffled = shuffle(pings.clone(), order);
        let cut = cut.min(shuffled.len());
        let mut ledger = Ledger::new();
        for p in &shuffled[..cut] { ledger.ingest(p); }
        let segment = |d: Dimension, v: &str| ReportOptions { segment: Some(SegmentChoice { dimension: d, value: v.to_string() }), ..ReportOptions::default() };
        // Licence segments asked for midway are kept and follow the later pings one by one.
        ledger.report(ReportOptions::default()).unwrap();
        for v in ["CE", "EE", "unknown"] { ledger.report(segment(Dimension::License, v)).unwrap(); }
        for p in &shuffled[cut..] { ledger.ingest(p); }
        prop_assert!(ledger.tables_match_a_rebuild());
        let whole = ledger.report(ReportOptions::default()).unwrap();
        let all = Value::Array(pings);
        for d in Dimension::ALL {
            let by = |day: &Day| match d {
                Dimension::Driver => day.by_driver.clone(),
                Dimension::Os => day.by_os.clone(),
                Dimension::Version => day.by_version.clone(),
                Dimension::License => day.by_license.clone(),
            };
            let values: std::collections::BTreeSet<String> = whole.days.iter().flat_map(|day| by(day).into_keys()).collect();
            let reports: Vec<_> = values.iter().map(|v| ledger.report(segment(d, v)).unwrap()).collect();
            for (v, r) in values.iter().zip(&reports) {
                prop_assert_eq!(r, &aggregate(&all, Some(&json!({"segment": {"dimension": d.name(), "value": v}}))).unwrap(), "{} = {}: incremental = batch", d.name(), v);
                prop_assert_eq!(r.days.len(), whole.days.len());
                for (i, day) in r.days.iter().enumerate() {
                    let before = if i == 0 { 0 } else { r.days[i - 1].active as i64 };
                    let (moved_in, moved_out) = (day.moved_in.unwrap() as i64, day.moved_out.unwrap() as i64);
                    prop_assert_eq!(day.active as i64 - before, day.added as i64 + day.resurrected as i64 + moved_in - day.removed as i64 - moved_out, "{} = {} on {}", d.name(), v, &day.date);
                    // In the segment: its active installs are the whole ledger's of that value.
                    prop_assert_eq!(day.active, by(&whole.days[i]).get(v).copied().unwrap_or(0));
                }
            }
            for (i, w) in whole.days.iter().enumerate() {
                let sum = |f: &dyn Fn(&Day) -> f64| reports.iter().map(|r| f(&r.days[i])).sum::<f64>();
                prop_assert_eq!(sum(&|x| x.active as f64), w.active as f64);
                prop_assert_eq!(sum(&|x| x.pinged as f64), w.pinged as f64);
                prop_assert_eq!(sum(&|x| x.added as f64), w.added as f64);
                prop_assert_eq!(sum(&|x| x.removed as f64), w.removed as f64);
                prop_assert_eq!(sum(&|x| x.resurrected as f64), w.resurrected as f64);
                prop_assert_eq!(sum(&|x| x.hosted), w.hosted);
                prop_assert_eq!(sum(&|x| x.remote), w.remote);
                prop_assert_eq!(sum(&|x| x.moved_in.unwrap() as f64), sum(&|x| x.moved_out.unwrap() as f64), "every move is out of one segment into another");
            }
        }
    }

    #[test]
    fn arrival_order_and_a_save_change_nothing(seed in 0u64..1000, order in any::<u64>(), cut in 0usize..400) {
        let pings = demo::pings(DemoOptions { installs: 12, days: 40, start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), seed, flat_share: 0.4 });
        let batch = aggregate(&Value::Array(pings.clone()), None).unwrap();
        let shuffled = shuffle(pings, order);
        let cut = cut.min(shuffled.len());
        let mut ledger = Ledger::new();
        for p in &shuffled[..cut] { ledger.ingest(p); }
        let saved = ledger.to_json();
        let mut ledger = Ledger::from_json(&saved).unwrap();
        prop_assert_eq!(ledger.to_json(), saved);
        // The restored ledger builds its day tables at its first report, then keeps them
        // ping by ping (late pings and same-day restarts included).
        ledger.report(ReportOptions { last_days: Some(3), ..ReportOptions::default() }).unwrap();
        for p in &shuffled[cut..] { ledger.ingest(p); }
        prop_assert!(ledger.tables_match_a_rebuild());
        prop_assert_eq!(ledger.report(ReportOptions::default()).unwrap(), batch);
    }

    #[test]
    fn a_history_survives_a_save(days in prop::collection::vec((0i64..60, prop::collection::btree_map("[a-z]{1,6}", 0u32..1000, 1..6)), 1..30)) {
        let mut history = History::new();
        for (d, metrics) in &days {
            let date = (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(*d)).to_string();
            history.add(snapshot(&json!({"date": date, "metrics": metrics})).unwrap());
        }
        let restored = saved_history(&serde_json::from_str(&history.to_json().to_string()).unwrap()).unwrap();
        prop_assert_eq!(&restored, &history);
        let options = history_options(&Value::Null).unwrap();
        prop_assert_eq!(restored.report(&options), history.report(&options));
    }
}
