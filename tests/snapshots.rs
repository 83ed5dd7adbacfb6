//! Cloud meta snapshots: flattening, validation that leaves the history untouched, one
//! snapshot per date, and the extension path of a metric added to the flow.

use product_growth::rating::Rating;
use product_growth::api::snapshot::{flatten, history_options, saved_history, snapshot, snapshots};
use product_growth::error::Result;
use product_growth::snapshot::{History, HistoryOptions, Snapshot};
use serde_json::{json, Value};

/// A history fed as the binding feeds it: each snapshot read by `api::snapshot`, then added.
trait FromJs {
    fn add_json(&mut self, snapshot: &Value) -> Result<Snapshot>;
    fn add_all_json(&mut self, snapshots: &Value) -> Result<usize>;
}

impl FromJs for History {
    fn add_json(&mut self, value: &Value) -> Result<Snapshot> {
        Ok(self.add(snapshot(value)?))
    }
    fn add_all_json(&mut self, value: &Value) -> Result<usize> {
        Ok(self.add_all(snapshots(value)?))
    }
}

fn fixture() -> Value {
    let path = format!("{}/../shared/fixtures/admin-stats-ce.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn options() -> HistoryOptions {
    history_options(&Value::Null).unwrap()
}

#[test]
fn admin_stats_flatten_to_exactly_their_keys() {
    let flat = flatten(&fixture()).unwrap();
    let keys: Vec<&str> = flat.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "adminCount",
            "deviceCount",
            "devicesByLastSeen.day",
            "devicesByLastSeen.month",
            "devicesByLastSeen.never",
            "devicesByLastSeen.older",
            "devicesByLastSeen.week",
            "devicesByMode.autonomous",
            "instanceCount",
            "inviteCount",
            "maxInstances",
            "maxTeams",
            "maxUsers",
            "teamCount",
            "teamsByType.starter",
            "userCount",
        ]
    );
    assert_eq!(flat["teamsByType.starter"], 2.0);
    assert_eq!(flat["devicesByLastSeen.never"], 1.0);
    // `instancesByState: {}` holds no metric, so it adds no key.
    assert!(!flat.keys().any(|k| k.starts_with("instancesByState")));
}

#[test]
fn booleans_count_as_one_and_zero() {
    let flat = flatten(&json!({"broker": {"enabled": true}, "email": false})).unwrap();
    assert_eq!((flat["broker.enabled"], flat["email"]), (1.0, 0.0));
}

#[test]
fn every_bad_metrics_object_names_the_key_and_leaves_the_history_unchanged() {
    let mut history = History::new();
    history.add_json(&json!({"date": "2026-03-02", "metrics": fixture()})).unwrap();
    let before = history.to_json();
    let cases = [
        (json!({"teams": "12"}), "metrics.teams"),
        (json!({"teams": null}), "metrics.teams"),
        (json!({"teams": [1, 2]}), "metrics.teams"),
        (json!({"byType": {"starter": "x"}}), "metrics.byType.starter"),
        (json!({"__proto__": {"polluted": 1}}), "metrics.__proto__"),
        (json!({"constructor": 1}), "metrics.constructor"),
        (json!({"a": {"prototype": 1}}), "metrics.a.prototype"),
        (json!({}), "metrics"),
        (json!(42), "metrics"),
    ];
    for (metrics, field) in cases {
        let err = history.add_json(&json!({"date": "2026-03-03", "metrics": metrics})).unwrap_err();
        assert_eq!(err.field, field, "{metrics} gave {err}");
        assert_eq!(history.to_json(), before, "history changed after {metrics}");
    }
    assert_eq!(history.add_json(&json!({"date": "someday", "metrics": {"a": 1}})).unwrap_err().field, "date");
    assert_eq!(history.add_json(&json!({"metrics": {"a": 1}})).unwrap_err().field, "date");
    // A backfill with one bad snapshot adds none of them.
    let err = history
        .add_all_json(&json!([{"date": "2026-03-04", "metrics": {"a": 1}}, {"date": "2026-03-05", "metrics": {"a": "x"}}]))
        .unwrap_err();
    assert_eq!(err.field, "snapshots[1].metrics.a");
    assert_eq!(history.to_json(), before);
}

#[test]
fn out_of_order_dates_are_kept_in_order_and_a_rerun_replaces() {
    let mut history = History::new();
    for (date, teams) in [("2026-03-05", 12), ("2026-03-03", 10), ("2026-03-04", 11)] {
        history.add_json(&json!({"date": date, "metrics": {"teams": teams}})).unwrap();
    }
    let again = history.add_json(&json!({"date": "2026-03-04T18:00:00Z", "metrics": {"teams": 15}})).unwrap();
    assert!(again.replaced);
    let m = history.metric("teams", &options()).unwrap();
    let points: Vec<(&str, f64)> = m.points.iter().map(|p| (p.date.as_str(), p.value)).collect();
    assert_eq!(points, [("2026-03-03", 10.0), ("2026-03-04", 15.0), ("2026-03-05", 12.0)]);
    let row = &history.report(&options()).metrics[0];
    assert_eq!((row.latest, row.previous, row.change), (12.0, Some(15.0), Some(-3.0)));
}

#[test]
fn a_new_key_starts_its_series_on_its_first_day_with_no_zeros_before() {
    let mut history = History::new();
    // 2026-01-05 is a Monday. Teams grow 10 a week; Tables ships on 2026-01-21.
    for day in 0..28 {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Duration::days(day);
        let mut metrics = json!({"teamCount": 100 + 10 * (day / 7)});
        if day >= 16 {
            metrics["features"] = json!({"tablesDatabases": day - 15});
        }
        history.add_json(&json!({"date": date.to_string(), "metrics": metrics})).unwrap();
    }
    let report = history.report(&options());
    let names: Vec<&str> = report.metrics.iter().map(|m| m.metric.as_str()).collect();
    assert_eq!(names, ["features.tablesDatabases", "teamCount"]);
    assert_eq!(history.metric_names(), ["features.tablesDatabases", "teamCount"]);
    let tables = history.metric("features.tablesDatabases", &options()).unwrap();
    assert_eq!(tables.points.first().unwrap().date, "2026-01-21");
    assert_eq!(tables.points.len(), 12);
    assert!(tables.points.iter().all(|p| p.value > 0.0), "no back-filled zeros");
    assert_eq!(tables.value_chart.len(), 12);
    // Weekly growth in percent for complete weeks only: teams end weeks on 100, 110, 120, 130.
    let options = history_options(&json!({"asOf": "2026-02-01"})).unwrap();
    let growth: Vec<f64> = history.metric("teamCount", &options).unwrap().growth_chart.iter().map(|p| p.y).collect();
    assert_eq!(growth, [10.0 / 100.0 * 100.0, 10.0 / 110.0 * 100.0]);
    // teamCount: weeks end on 100, 110, 120, 130 → last growth (130 − 120) / 120.
    let teams = report.metrics.iter().find(|m| m.metric == "teamCount").unwrap();
    assert_eq!(teams.weekly_growth, Some((130.0 - 120.0) / 120.0));
    assert_eq!(teams.rating, Some(Rating::Exceptional));
    // Average over the last 4 complete weeks (3 steps here): (130/100)^(1/3) − 1.
    assert!((teams.average_growth.unwrap() - (1.3f64.powf(1.0 / 3.0) - 1.0)).abs() < 1e-12);
    assert!(!teams.ended);
}

#[test]
fn events_are_summed_per_week_and_stopped_metrics_end() {
    let mut history = History::new();
    for day in 0..14 {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Duration::days(day);
        let mut metrics = json!({"signups": if day < 7 { 2 } else { 3 }});
        if day < 10 {
            metrics["legacy"] = json!(1);
        }
        history.add_json(&json!({"date": date.to_string(), "metrics": metrics})).unwrap();
    }
    let options = history_options(&json!({"events": ["signups"]})).unwrap();
    let report = history.report(&options);
    let signups = report.metrics.iter().find(|m| m.metric == "signups").unwrap();
    assert_eq!(signups.aggregate, "sum");
    assert_eq!(signups.weekly_growth, Some((21.0 - 14.0) / 14.0));
    let legacy = report.metrics.iter().find(|m| m.metric == "legacy").unwrap();
    assert!(legacy.ended);
    assert_eq!(legacy.latest_date, "2026-01-14");
}

#[test]
fn the_history_round_trips_through_json_and_refuses_tampered_state() {
    let mut history = History::new();
    history.add_json(&json!({"date": "2026-03-02", "metrics": fixture()})).unwrap();
    let text = serde_json::to_string(&history.to_json()).unwrap();
    let restored = saved_history(&serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(restored, history);
    let mut tampered: Value = serde_json::from_str(&text).unwrap();
    tampered["snapshots"]["2026-03-02"]["__proto__"] = json!(1);
    assert_eq!(saved_history(&tampered).unwrap_err().field, "state.snapshots.2026-03-02.__proto__");
    assert_eq!(saved_history(&json!({"format": "x"})).unwrap_err().field, "state.format");
}

/// Formula metrics (DESIGN.md, "Formula metrics"), by hand. Sundays 2026-03-01, 03-08 and
/// 03-15 (ISO weeks W09, W10, W11), and Wednesday 03-11 with no teams counted (0):
///   tables 10, 12, 18 and 15 on 03-11; teams 100, 100, 120 and 0 on 03-11.
///   adoption = 0.10, 0.12, 0.15; on 03-11 no value (teams is 0), not a filled zero.
///   Growth of W11 over W10 = 0.15 / 0.12 − 1 = 0.25.
#[test]
fn a_formula_is_a_ratio_with_no_value_where_its_denominator_is_zero() {
    let mut history = History::new();
    for (date, tables, teams) in [("2026-03-01", 10, 100), ("2026-03-08", 12, 100), ("2026-03-11", 15, 0), ("2026-03-15", 18, 120)] {
        history.add_json(&json!({"date": date, "metrics": {"features": {"tablesDatabases": tables}, "teamCount": teams}})).unwrap();
    }
    let options = history_options(&json!({"asOf": "2026-03-16", "formulas": {"adoption.tables": "features.tablesDatabases / teamCount"}})).unwrap();
    let adoption = history.metric("adoption.tables", &options).unwrap();
    let points: Vec<(&str, f64)> = adoption.points.iter().map(|p| (p.date.as_str(), p.value)).collect();
    assert_eq!(points, [("2026-03-01", 0.1), ("2026-03-08", 0.12), ("2026-03-15", 0.15)]);
    let report = history.report(&options);
    let row = report.metrics.iter().find(|m| m.metric == "adoption.tables").unwrap();
    assert_eq!(row.formula.as_deref(), Some("features.tablesDatabases / teamCount"));
    assert_eq!((row.latest, row.latest_date.as_str(), row.aggregate, row.ended), (0.15, "2026-03-15", "last", false));
    assert!((row.weekly_growth.unwrap() - 0.25).abs() < 1e-12, "{:?}", row.weekly_growth);
    // The other metrics are as they were, with no formula of their own.
    let teams = report.metrics.iter().find(|m| m.metric == "teamCount").unwrap();
    assert_eq!((teams.latest, teams.formula.as_deref()), (120.0, None));
    assert_eq!(report.metrics.len(), 3);
    let json = serde_json::to_value(teams).unwrap();
    assert!(json.get("formula").is_none());
    // Without the option, no formula metric.
    assert!(history.metric("adoption.tables", &self::options()).is_err());
}

#[test]
fn a_formula_that_is_not_a_ratio_of_two_names_is_refused_by_name() {
    let err = |formulas: Value| history_options(&json!({"formulas": formulas})).unwrap_err().to_string();
    assert_eq!(err(json!({"adoption.tables": "features.tablesDatabases * teamCount"})), "formulas.adoption.tables: must be two metric names divided, \"a / b\", got \"features.tablesDatabases * teamCount\"");
    assert_eq!(err(json!({"adoption.tables": 3})), "formulas.adoption.tables: must be \"a / b\" as text, got a number");
    assert_eq!(err(json!({"__proto__": "a / b"})), "formulas.__proto__: is not a name a metric can have");
    assert_eq!(err(json!(["a / b"])), "formulas: must be an object of name: \"a / b\", got an array");
}
