//! Conversions per ISO week (DESIGN.md, "Segments, conversions, version uptake"): installs
//! whose value of a dimension changed between the ends of two weeks, active at both: for the
//! licence, CE → EE is an upgrade; for the version, an install's move to a newer release.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dates::{day_number, day_of, IsoWeek};
use crate::telemetry::ledger::{Ledger, ReportOptions};
use crate::telemetry::model::Dimension;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversion {
    pub week: String,
    pub from: String,
    pub to: String,
    pub count: u64,
}

/// Every complete ISO week after the ledger's first, up to `options.as_of` (the last day
/// with a ping by default): per (from, to), the installs active on the last day of the week
/// before and on the last day of this one whose `dimension` differs between those two days
/// (an install that changes twice in a week converts once, from the first to the last).
pub fn conversions(ledger: &Ledger, options: ReportOptions, dimension: Dimension) -> Vec<Conversion> {
    let Some(last) = ledger.last_day().map(day_number) else { return Vec::new() };
    let Some(first) = ledger.installs().filter_map(|i| i.days.first().map(|(d, _)| *d)).min() else { return Vec::new() };
    let as_of = options.as_of.map(day_number).unwrap_or(last);
    let w = options.active_window_days as i32;
    // The Sundays that end a complete week, from the first week's on.
    let mut sundays = Vec::new();
    let mut week = IsoWeek::of(day_of(first));
    while day_number(week.sunday()) <= as_of {
        sundays.push(day_number(week.sunday()));
        week = week.next();
    }
    let mut counts: BTreeMap<(i32, u32, u32), u64> = BTreeMap::new();
    for install in ledger.installs() {
        // The install's value on a day, if it is active then.
        let value = |day: i32| install.active_ping(day, w).map(|p| p.dims[dimension.index()]);
        let mut before = None;
        for (i, &sunday) in sundays.iter().enumerate() {
            let now = value(sunday);
            if let (Some(from), Some(to)) = (before, now) {
                if from != to {
                    *counts.entry((i as i32, from, to)).or_insert(0) += 1;
                }
            }
            before = now;
        }
    }
    counts
        .into_iter()
        .map(|((i, from, to), count)| Conversion {
            week: IsoWeek::of(day_of(sundays[i as usize])).label(),
            from: ledger.name(from).to_string(),
            to: ledger.name(to).to_string(),
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ping(ledger: &mut Ledger, id: &str, day: &str, license: &str) {
        ledger.ingest(&json!({"instanceId": id, "receivedAt": format!("2026-{day}T10:00:00Z"), "platform": {"license": {"type": license}}}));
    }

    #[test]
    fn an_install_that_changes_twice_in_a_week_converts_once() {
        let mut ledger = Ledger::new();
        // W02 ends Sun 01-11, W03 Sun 01-18, W04 Sun 01-25. a: CE on 01-10, EE on 01-13,
        // back to CE and then EE again by 01-17: one CE → EE in W03 (its 01-25 ping makes W04
        // complete). b: CE on 01-10, EE on
        // 01-20: CE → EE in W04. c: EE on 01-05, lapsed by 01-18 (W = 7), EE → CE on 01-24
        // after its lapse: not active at the end of W03, so no conversion.
        for (id, day, license) in [("a", "01-10", "CE"), ("a", "01-13", "EE"), ("a", "01-15", "CE"), ("a", "01-17", "EE"), ("a", "01-25", "EE"),
            ("b", "01-10", "CE"), ("b", "01-17", "CE"), ("b", "01-20", "EE"),
            ("c", "01-05", "EE"), ("c", "01-24", "CE")] {
            ping(&mut ledger, id, day, license);
        }
        let got = conversions(&ledger, ReportOptions::default(), Dimension::License);
        let want = [("2026-W03", "CE", "EE", 1), ("2026-W04", "CE", "EE", 1)];
        assert_eq!(got.iter().map(|c| (c.week.as_str(), c.from.as_str(), c.to.as_str(), c.count)).collect::<Vec<_>>(), want);
        // As of Sat 01-24, W04 is not complete.
        let early = conversions(&ledger, ReportOptions { as_of: NaiveDate::from_ymd_opt(2026, 1, 24), ..ReportOptions::default() }, Dimension::License);
        assert_eq!(early.len(), 1);
    }

    use chrono::NaiveDate;
}
