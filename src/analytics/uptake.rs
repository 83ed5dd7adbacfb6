//! Version uptake (DESIGN.md, "Segments, conversions, version uptake"): how fast a release
//! reaches the installs. From a report's days alone: `byVersion` already counts the active
//! installs on each version each day, so no install is swept again.

use chrono::Duration;
use serde::Serialize;

use super::parse_day;
use crate::chart::ChartPoint;
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
    let Some(first) = days.first().and_then(|d| parse_day(&d.date)) else { return Vec::new() };
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

/// The Versions section of the Installations page: the uptake table, the stacked share
/// chart and the newest release's share.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    pub uptake: Vec<Uptake>,
    /// `ui-chart` points, one a series and day with active installs: the percentage of the
    /// active installs on each of the newest releases, on older ones (`older`), and on no
    /// known release (`unknown`, values past the ledger's bound included); they add to 100.
    pub share_chart: Vec<ChartPoint>,
    pub newest: Option<NewestShare>,
}

/// The newest release on the last day, and the share of the active installs on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewestShare {
    pub version: String,
    pub date: String,
    pub share: f64,
}

/// The versions section over `days` (the last `chart_days` of them charted), with the
/// `newest` releases seen in the chart's days drawn apart.
pub fn versions(days: &[Day], chart_days: usize, newest: usize) -> Versions {
    let shown = &days[days.len().saturating_sub(chart_days)..];
    let known = |d: &Day| d.by_version.iter().filter(|(_, n)| **n > 0).filter_map(|(name, _)| release(name).map(|r| (r, name.clone()))).collect::<Vec<_>>();
    // The newest releases seen, newest first (picked one at a time: a sort of these would
    // add its code to the shipped .wasm).
    let mut seen: Vec<((u64, u64), String)> = Vec::new();
    for (r, name) in shown.iter().flat_map(known) {
        if !seen.iter().any(|(s, _)| *s == r) {
            seen.push((r, name));
        }
    }
    let mut top: Vec<((u64, u64), String)> = Vec::new();
    while top.len() < newest {
        let Some(i) = (0..seen.len()).fold(None, |best: Option<usize>, i| match best {
            Some(b) if seen[b].0 >= seen[i].0 => Some(b),
            _ => Some(i),
        }) else { break };
        top.push(seen.swap_remove(i));
    }
    let oldest_top = top.last().map(|(r, _)| *r);
    let mut share_chart = Vec::new();
    // Oldest of the top first, so the newest is drawn on top of the stack.
    let mut series: Vec<&str> = top.iter().rev().map(|(_, n)| n.as_str()).collect();
    series.extend(["older", "unknown"]);
    for name in series {
        for d in shown.iter().filter(|d| d.active > 0) {
            let on = |pick: &dyn Fn(&str) -> bool| d.by_version.iter().filter(|(v, _)| pick(v)).map(|(_, n)| *n).sum::<u64>();
            let count = match name {
                "older" => on(&|v| release(v).is_some_and(|r| oldest_top.is_some_and(|o| r < o))),
                "unknown" => on(&|v| release(v).is_none()),
                v => d.by_version.get(v).copied().unwrap_or(0),
            };
            share_chart.push(ChartPoint { series: name.to_string(), x: crate::dates::epoch_ms(parse_day(&d.date).unwrap_or_default()), y: 100.0 * count as f64 / d.active as f64 });
        }
    }
    let newest = days.last().filter(|d| d.active > 0).and_then(|d| {
        let (_, name) = known(d).into_iter().fold(None, |best: Option<((u64, u64), String)>, x| match best {
            Some(b) if b.0 >= x.0 => Some(b),
            _ => Some(x),
        })?;
        let on = d.by_version.get(&name).copied().unwrap_or(0);
        Some(NewestShare { version: name, date: d.date.clone(), share: on as f64 / d.active as f64 })
    });
    Versions { uptake: uptake(days), share_chart, newest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use crate::api::installations::aggregate;
    use serde_json::json;

    fn ping(id: &str, day: &str, version: &str) -> serde_json::Value {
        json!({"instanceId": id, "receivedAt": format!("2026-{day}T10:00:00Z"), "env": {"flowforge": version}})
    }

    /// Four installs pinging daily from 01-01 to 02-19: a upgrades to 2.10 on 01-05, b on
    /// 01-10; c stays on 2.9; d has no version.
    fn four_installs() -> Vec<serde_json::Value> {
        let mut pings = Vec::new();
        for n in 0..50 {
            let day = (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(n)).format("%m-%d").to_string();
            pings.push(ping("a", &day, if n >= 4 { "2.10.1" } else { "2.9.0" }));
            pings.push(ping("b", &day, if n >= 9 { "2.10.0" } else { "2.9.3" }));
            pings.push(ping("c", &day, "2.9.3"));
            pings.push(json!({"instanceId": "d", "receivedAt": format!("2026-{day}T10:00:00Z")}));
        }
        pings
    }

    /// Four installs ping daily from 01-01 to 02-19 (W = 7). a upgrades to 2.10 on 01-05, b
    /// on 01-10; c stays on 2.9; d has no version. 2.10 never reaches half: 2 of 4.
    #[test]
    fn uptake_by_hand_with_a_release_that_never_reaches_half() {
        let pings = four_installs();
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

    /// The same four installs: on 02-19 a and b run 2.10, c 2.9, d no version (4 active).
    #[test]
    fn the_versions_section_by_hand() {
        let pings = four_installs();
        let days = aggregate(&json!(pings), Some(&json!({"asOf": "2026-02-19"}))).unwrap().days;
        let v = versions(&days, 365, 1);
        assert_eq!(v.newest, Some(NewestShare { version: "2.10".into(), date: "2026-02-19".into(), share: 0.5 }));
        assert_eq!(v.uptake, uptake(&days));
        // The newest release apart, 2.9 as older, d as unknown: 50 + 25 + 25 on the last day;
        // 0 + 75 + 25 on the first (2.10 not out yet).
        let at = |series: &str, i: usize| v.share_chart.iter().filter(|p| p.series == series).nth(i).map(|p| p.y);
        assert_eq!([at("2.10", 49), at("older", 49), at("unknown", 49)], [Some(50.0), Some(25.0), Some(25.0)]);
        assert_eq!([at("2.10", 0), at("older", 0), at("unknown", 0)], [Some(0.0), Some(75.0), Some(25.0)]);
        let names: Vec<&str> = v.share_chart.iter().map(|p| p.series.as_str()).fold(Vec::new(), |mut n, s| { if !n.contains(&s) { n.push(s) } n });
        assert_eq!(names, ["2.10", "older", "unknown"]);
        // Two newest: 2.9 and 2.10 apart (oldest first), nothing older; the last 10 days only.
        let v = versions(&days, 10, 5);
        let names: Vec<&str> = v.share_chart.iter().map(|p| p.series.as_str()).fold(Vec::new(), |mut n, s| { if !n.contains(&s) { n.push(s) } n });
        assert_eq!(names, ["2.9", "2.10", "older", "unknown"]);
        assert_eq!(v.share_chart.len(), 40);
        assert!(v.share_chart.iter().filter(|p| p.series == "older").all(|p| p.y == 0.0));
    }
}
