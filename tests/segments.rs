//! Segments (DESIGN.md, "Segments, conversions, version uptake") against figures worked out
//! by hand from the definitions. Active window W = 7 days (the default), January 2026:
//!   A: CE on 01-02 (3 instances), EE on 01-08 (5): active throughout (01-08 ≤ 01-02 + 7),
//!      so it moves from CE into EE on 01-08.
//!   B: CE on 01-01 (2 instances) only: active 01-01 … 01-07, removed on 01-08.
//!   C: EE on 01-08 (7 instances): added on 01-08.
//! So on 01-08 the CE segment loses A (moved out) and B (removed) on the same day:
//!   CE: active 1, 2, 2, 2, 2, 2, 2, 0; added 1 (01-01), 1 (01-02); removed 1 and movedOut 1
//!       on 01-08; hosted 2, 5 × 6, 0.
//!   EE: active 0 × 7, then 2; added 1 and movedIn 1 on 01-08; hosted 12 on 01-08.
//!   Whole: active 1, 2 × 6, 2; added 1, 1, …, 1 on 01-08; removed 1 on 01-08.

use product_growth::api::installations::aggregate;
use product_growth::telemetry::ledger::{Day, Ledger, ReportOptions, SegmentChoice};
use product_growth::telemetry::model::Dimension;
use serde_json::{json, Value};

fn ping(id: &str, day: u32, license: &str, projects: u64) -> Value {
    json!({"instanceId": id, "receivedAt": format!("2026-01-{day:02}T10:00:00Z"), "platform": {"license": {"type": license}, "counts": {"projects": projects}}})
}

fn pings() -> Vec<Value> {
    vec![ping("B", 1, "CE", 2), ping("A", 2, "CE", 3), ping("A", 8, "EE", 5), ping("C", 8, "EE", 7)]
}

fn licence(value: &str) -> Value {
    json!({"segment": {"dimension": "license", "value": value}})
}

/// (active, added, removed, resurrected, movedIn, movedOut, hosted) of each day.
fn figures(days: &[Day]) -> Vec<(u64, u64, u64, u64, u64, u64, f64)> {
    days.iter().map(|d| (d.active, d.added, d.removed, d.resurrected, d.moved_in.unwrap_or(99), d.moved_out.unwrap_or(99), d.hosted)).collect()
}

#[test]
fn a_move_between_segments_on_the_day_another_install_is_removed() {
    let all = Value::Array(pings());
    let ce = aggregate(&all, Some(&licence("CE"))).unwrap();
    assert_eq!(
        figures(&ce.days),
        vec![
            (1, 1, 0, 0, 0, 0, 2.0),
            (2, 1, 0, 0, 0, 0, 5.0),
            (2, 0, 0, 0, 0, 0, 5.0),
            (2, 0, 0, 0, 0, 0, 5.0),
            (2, 0, 0, 0, 0, 0, 5.0),
            (2, 0, 0, 0, 0, 0, 5.0),
            (2, 0, 0, 0, 0, 0, 5.0),
            (0, 0, 1, 0, 0, 1, 0.0),
        ]
    );
    let ee = aggregate(&all, Some(&licence("EE"))).unwrap();
    let mut want = vec![(0, 0, 0, 0, 0, 0, 0.0); 7];
    want.push((2, 1, 0, 0, 1, 0, 12.0));
    assert_eq!(figures(&ee.days), want);
    // The segment's identity, its pinged and its maps: only what is in it.
    assert_eq!(serde_json::to_value(&ee.segment).unwrap(), json!({"dimension": "license", "value": "EE"}));
    assert_eq!(ee.days[7].pinged, 2);
    assert_eq!(ce.days[7].pinged, 0);
    assert_eq!(ee.days[7].by_license.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("EE", 2)]);
    assert!(ee.days[6].by_license.is_empty(), "no back-filled zeros: EE starts in the segment on 01-08");
    // The same days as the whole ledger's; the whole report has no moves and no segment.
    let whole = aggregate(&all, None).unwrap();
    assert_eq!(whole.days.iter().map(|d| &d.date).collect::<Vec<_>>(), ce.days.iter().map(|d| &d.date).collect::<Vec<_>>());
    assert_eq!((whole.days[7].active, whole.days[7].added, whole.days[7].removed, whole.days[7].hosted), (2, 1, 1, 12.0));
    assert!(whole.segment.is_none() && whole.days.iter().all(|d| d.moved_in.is_none() && d.moved_out.is_none()));
    let json = serde_json::to_value(&whole).unwrap();
    assert!(json.get("segment").is_none() && json["days"][0].get("movedIn").is_none(), "the whole report is as it was");
    // A value no ping has: a segment nobody is in, over the same days.
    let none = aggregate(&all, Some(&licence("Enterprise+"))).unwrap();
    assert_eq!(none.days.len(), 8);
    assert!(none.days.iter().all(|d| d.active == 0 && d.added == 0 && d.moved_in == Some(0)));
}

#[test]
fn a_kept_segment_follows_ping_by_ping_what_the_batch_gives() {
    // The segment is asked for (its tables built and kept) before A's upgrade arrives, then
    // the rest come, one of them a later same-day ping of A that goes back to CE.
    let all = pings();
    let mut ledger = Ledger::new();
    for p in &all[..2] {
        ledger.ingest(p);
    }
    let options = |value: &str| ReportOptions { segment: Some(SegmentChoice { dimension: Dimension::License, value: value.into() }), ..ReportOptions::default() };
    assert_eq!(ledger.report(options("CE")).unwrap().days.last().unwrap().active, 2);
    ledger.report(options("EE")).unwrap();
    for p in &all[2..] {
        ledger.ingest(p);
    }
    assert!(ledger.tables_match_a_rebuild());
    for value in ["CE", "EE"] {
        assert_eq!(ledger.report(options(value)).unwrap(), aggregate(&Value::Array(all.clone()), Some(&licence(value))).unwrap(), "{value}");
    }
    // 01-08 18:00: A's later ping that day is CE again: no move, and C alone is in EE.
    let mut later = ping("A", 8, "CE", 5);
    later["receivedAt"] = json!("2026-01-08T18:00:00Z");
    ledger.ingest(&later);
    assert!(ledger.tables_match_a_rebuild());
    let ce = ledger.report(options("CE")).unwrap();
    let ee = ledger.report(options("EE")).unwrap();
    assert_eq!(figures(&ce.days[7..]), [(1, 0, 1, 0, 0, 0, 5.0)]);
    assert_eq!(figures(&ee.days[7..]), [(1, 1, 0, 0, 0, 0, 7.0)]);
    let mut all = all;
    all.push(later);
    assert_eq!(ce, aggregate(&Value::Array(all), Some(&licence("CE"))).unwrap());
}

#[test]
fn a_segment_is_refused_by_name() {
    let all = Value::Array(pings());
    let err = |options: Value| aggregate(&all, Some(&options)).unwrap_err().to_string();
    assert_eq!(err(json!({"segment": {"dimension": "plan", "value": "CE"}})), "segment.dimension: must be one of driver, os, version, license, got \"plan\"");
    assert_eq!(err(json!({"segment": {"value": "CE"}})), "segment.dimension: must be one of driver, os, version, license, got nothing");
    assert_eq!(err(json!({"segment": {"dimension": "license", "value": ""}})), "segment.value: must be a value of the dimension: a string of 1 to 256 characters");
    assert_eq!(err(json!({"segment": "CE"})), "segment: must be an object, got a string");
}

/// Conversions by version, by hand (W = 7). W02 ends Sunday 01-11, W03 Sunday 01-18.
///   a: 2.3 on 01-10, 2.4 on 01-13, 2.5 on 01-16, 2.5 on 01-18: one conversion in W03, from
///      2.3 (its version at the end of W02) to 2.5 (at the end of W03), not two.
///   b: 2.3 on 01-11, 2.3 on 01-18: no change, no conversion.
#[test]
fn an_install_that_upgrades_twice_in_one_week_converts_once_from_the_first_to_the_last() {
    let ping = |id: &str, day: u32, version: &str| json!({"instanceId": id, "receivedAt": format!("2026-01-{day:02}T10:00:00Z"), "env": {"flowforge": format!("{version}.0")}});
    let pings = Value::Array(vec![ping("a", 10, "2.3"), ping("a", 13, "2.4"), ping("a", 16, "2.5"), ping("a", 18, "2.5"), ping("b", 11, "2.3"), ping("b", 18, "2.3")]);
    let mut ledger = Ledger::new();
    for p in pings.as_array().unwrap() {
        ledger.ingest(p);
    }
    let got = product_growth::analytics::conversions::conversions(&ledger, ReportOptions::default(), Dimension::Version);
    assert_eq!(got.iter().map(|c| (c.week.as_str(), c.from.as_str(), c.to.as_str(), c.count)).collect::<Vec<_>>(), [("2026-W03", "2.3", "2.5", 1)]);
    // The version segments see both moves, on 01-13 (2.3 → 2.4) and 01-16 (2.4 → 2.5).
    let segment = |v: &str| ReportOptions { segment: Some(SegmentChoice { dimension: Dimension::Version, value: v.into() }), ..ReportOptions::default() };
    let moves = |v: &str| ledger.report(segment(v)).unwrap().days.iter().filter(|d| d.moved_in != Some(0) || d.moved_out != Some(0)).map(|d| (d.date.clone(), d.moved_in.unwrap(), d.moved_out.unwrap())).collect::<Vec<_>>();
    assert_eq!(moves("2.3"), [("2026-01-13".to_string(), 0, 1)]);
    assert_eq!(moves("2.4"), [("2026-01-13".to_string(), 1, 0), ("2026-01-16".to_string(), 0, 1)]);
    assert_eq!(moves("2.5"), [("2026-01-16".to_string(), 1, 0)]);
}
