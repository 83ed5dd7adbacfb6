//! Cohort retention (DESIGN.md, "Growth accounting, retention"): installs grouped by the
//! ISO week of their first ping, and how many of each cohort are active k weeks later.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dates::{day_number, day_of, format_day, IsoWeek};
use crate::telemetry::ledger::{Ledger, ReportOptions};

/// Weeks after its first at which a cohort's retention is read (DESIGN.md).
pub const RETENTION_WEEKS: [u32; 7] = [1, 2, 4, 8, 12, 26, 52];

/// The installs whose first ping is in one ISO week, and how many of them are active on the
/// last day of week c + k.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    pub week: String,
    pub start: String,
    pub size: u64,
    pub retained: Vec<RetentionCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionCell {
    pub weeks: u32,
    /// `None` while week c + k is not complete (its Sunday after `asOf`): never a guess.
    pub retained: Option<u64>,
    pub share: Option<f64>,
}

/// Cohort retention of installs, cohorts by the ISO week of their first ping, as of
/// `options.as_of` (the last day with a ping by default), active by the ledger's definition
/// with `options.active_window_days`.
pub fn retention(ledger: &Ledger, options: ReportOptions) -> Vec<Cohort> {
    let Some(max) = ledger.last_day().map(day_number) else { return Vec::new() };
    let as_of = options.as_of.map(day_number).unwrap_or(max);
    let w = options.active_window_days as i32;
    let mut cohorts: BTreeMap<i32, (u64, [u64; RETENTION_WEEKS.len()])> = BTreeMap::new();
    for install in ledger.installs() {
        let Some(&(first, _)) = install.days.first() else { continue };
        if first > as_of {
            continue;
        }
        let monday = day_number(IsoWeek::of(day_of(first)).monday);
        let entry = cohorts.entry(monday).or_insert((0, [0; RETENTION_WEEKS.len()]));
        entry.0 += 1;
        for (i, k) in RETENTION_WEEKS.iter().enumerate() {
            let sunday = monday + 7 * *k as i32 + 6;
            if sunday > as_of {
                break;
            }
            if install.active_ping(sunday, w).is_some() {
                entry.1[i] += 1;
            }
        }
    }
    cohorts
        .into_iter()
        .map(|(monday, (size, retained))| {
            let week = IsoWeek::of(day_of(monday));
            Cohort {
                week: week.label(),
                start: format_day(week.monday),
                size,
                retained: RETENTION_WEEKS
                    .iter()
                    .zip(retained)
                    .map(|(&k, n)| {
                        let complete = monday + 7 * k as i32 + 6 <= as_of;
                        RetentionCell { weeks: k, retained: complete.then_some(n), share: complete.then(|| n as f64 / size as f64) }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn cohort_retention_by_hand_with_weeks_not_complete_yet() {
        let mut ledger = Ledger::new();
        // Cohort 2026-W02 (Mon 01-05): a pings 01-05 and 01-16 (active Sun 01-18, a week on:
        // 01-16 + 7 > 01-18) then stops; b pings 01-06 only. Cohort W03: c pings 01-12, 01-19
        // and 01-25, 02-01 (active on 01-25 and 02-01).
        for (id, at) in [("a", "01-05"), ("a", "01-16"), ("b", "01-06"), ("c", "01-12"), ("c", "01-19"), ("c", "01-25"), ("c", "02-01")] {
            ledger.ingest(&json!({"instanceId": id, "receivedAt": format!("2026-{at}T09:00:00Z")}));
        }
        let cohorts = retention(&ledger, ReportOptions { as_of: Some(day("2026-02-04")), ..ReportOptions::default() });
        assert_eq!(cohorts.len(), 2);
        let w2 = &cohorts[0];
        assert_eq!((w2.week.as_str(), w2.size), ("2026-W02", 2));
        // k = 1: Sun 01-18: a (last 01-16) yes, b (01-06) no → 1 of 2. k = 2: Sun 01-25: none.
        // k = 4: Sun 02-08 is after asOf 02-04: not complete, null.
        let cells: Vec<(u32, Option<u64>, Option<f64>)> = w2.retained.iter().map(|c| (c.weeks, c.retained, c.share)).collect();
        assert_eq!(cells[..3], [(1, Some(1), Some(0.5)), (2, Some(0), Some(0.0)), (4, None, None)]);
        assert!(cells[3..].iter().all(|c| c.1.is_none()));
        let w3 = &cohorts[1];
        assert_eq!((w3.week.as_str(), w3.size), ("2026-W03", 1));
        // k = 1: Sun 01-25 (pinged that day) yes; k = 2: Sun 02-01 yes; k = 4: null.
        assert_eq!(w3.retained.iter().map(|c| c.retained).take(3).collect::<Vec<_>>(), [Some(1), Some(1), None]);
    }
}
