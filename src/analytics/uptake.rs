//! Version uptake (DESIGN.md, "Segments, conversions, version uptake"): how fast a release
//! reaches the installs. From a report's days alone: `byVersion` already counts the active
//! installs on each version each day, so no install is swept again.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::dates::format_day;
use crate::telemetry::ledger::Day;
use crate::telemetry::model::release;

/// One release's uptake. Shares are fractions of the active installs, `None` where the day
/// is past the report's last day (or nothing was active).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uptake {
    pub version: String,
    /// The first day an active install ran it.
    pub released: String,
    pub share7: Option<f64>,
    pub share30: Option<f64>,
    pub share90: Option<f64>,
    /// The fewest days after `released` on which half the active installs or more ran it
    /// or a newer release; `None` if that has not happened.
    pub days_to50: Option<u32>,
}

/// Uptake of every release seen in `days` (consecutive, as a report gives them), in release
/// order. `unknown` (and `other`, past the ledger's bound) is not a release.
pub fn uptake(days: &[Day]) -> Vec<Uptake> {
    let parse = |d: &Day| NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok();
    let Some(first) = days.first().and_then(parse) else { return Vec::new() };
    // Releases in order, with the index of their first day.
    let mut releases: Vec<((u64, u64), &str, usize)> = Vec::new();
    for (i, d) in days.iter().enumerate() {
        for (name, &n) in &d.by_version {
            if n == 0 {
                continue;
            }
            if let Some(number) = release(name) {
                if !releases.iter().any(|(r, _, _)| *r == number) {
                    releases.push((number, name.as_str(), i));
                }
            }
        }
    }
    // An insertion sort of these few: std's sort would add its code to the shipped .wasm.
    for i in 1..releases.len() {
        let mut j = i;
        while j > 0 && releases[j - 1].0 > releases[j].0 {
            releases.swap(j - 1, j);
            j -= 1;
        }
    }
    // share(v, d): installs on v or newer over the active installs of day d.
    let share = |number: (u64, u64), d: &Day| -> Option<f64> {
        if d.active == 0 {
            return None;
        }
        let newer: u64 = d.by_version.iter().filter(|(name, _)| release(name).is_some_and(|r| r >= number)).map(|(_, n)| *n).sum();
        Some(newer as f64 / d.active as f64)
    };
    releases
        .iter()
        .map(|&(number, name, at)| {
            let after = |k: usize| days.get(at + k).and_then(|d| share(number, d));
            Uptake {
                version: name.to_string(),
                released: format_day(first + Duration::days(at as i64)),
                share7: after(7),
                share30: after(30),
                share90: after(90),
                days_to50: days[at..].iter().position(|d| share(number, d).is_some_and(|s| s >= 0.5)).map(|k| k as u32),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::installations::aggregate;
    use serde_json::json;

    fn ping(id: &str, day: &str, version: &str) -> serde_json::Value {
        json!({"instanceId": id, "receivedAt": format!("2026-{day}T10:00:00Z"), "env": {"flowforge": version}})
    }

    /// Four installs ping daily from 01-01 to 02-19 (W = 7). a upgrades to 2.10 on 01-05, b
    /// on 01-10; c stays on 2.9; d has no version. 2.10 never reaches half: 2 of 4.
    #[test]
    fn uptake_by_hand_with_a_release_that_never_reaches_half() {
        let mut pings = Vec::new();
        for n in 0..50 {
            let day = (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(n)).format("%m-%d").to_string();
            pings.push(ping("a", &day, if n >= 4 { "2.10.1" } else { "2.9.0" }));
            pings.push(ping("b", &day, if n >= 9 { "2.10.0" } else { "2.9.3" }));
            pings.push(ping("c", &day, "2.9.3"));
            pings.push(json!({"instanceId": "d", "receivedAt": format!("2026-{day}T10:00:00Z")}));
        }
        let report = aggregate(&json!(pings), Some(&json!({"asOf": "2026-02-19"}))).unwrap();
        let u = uptake(&report.days);
        assert_eq!(u.iter().map(|u| u.version.as_str()).collect::<Vec<_>>(), ["2.9", "2.10"], "release order, unknown left out");
        // 2.9: released 01-01; a, b, c on 2.9 or newer out of 4 active: 0.75 from the start.
        assert_eq!((u[0].released.as_str(), u[0].share7, u[0].days_to50), ("2026-01-01", Some(0.75), Some(0)));
        // 2.10: released 01-05 (a); 01-12: a and b (b since 01-10) of 4 = 0.5 → reached on
        // 01-10, five days after release.
        assert_eq!(u[1].released, "2026-01-05");
        assert_eq!(u[1].share7, Some(0.5));
        assert_eq!(u[1].days_to50, Some(5));
        // 01-05 + 30 = 02-04 is in the report, + 90 is not.
        assert_eq!((u[1].share30, u[1].share90), (Some(0.5), None));

        // Without b's upgrade, 2.10 stays at 1 of 4: never half.
        let lone: Vec<_> = pings.iter().filter(|p| !(p["instanceId"] == "b" && p["env"]["flowforge"] == "2.10.0")).cloned().collect();
        let u = uptake(&aggregate(&json!(lone), Some(&json!({"asOf": "2026-02-19"}))).unwrap().days);
        assert_eq!((u[1].share7, u[1].days_to50), (Some(0.25), None));
    }
}
