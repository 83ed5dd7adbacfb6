//! Growth accounting per ISO week (DESIGN.md, "Growth accounting, retention, targets,
//! alerts"): the new, resurrected and churned installs of each week from the ledger's days,
//! and the chart and table of the last complete weeks.

use chrono::NaiveDate;
use serde::Serialize;

use super::parse_day;
use crate::chart::WeekPoint;
use crate::dates::{format_day, IsoWeek};
use crate::telemetry::ledger::Day;

/// New, resurrected and churned installs of one ISO week, and what they add up to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountingWeek {
    pub week: String,
    pub start: String,
    pub end: String,
    pub new: u64,
    pub resurrected: u64,
    pub churned: u64,
    /// new + resurrected − churned = active at the week's last day − at the last day before.
    pub net: i64,
    /// (new + resurrected) / churned; `None` when nothing churned.
    pub quick_ratio: Option<f64>,
    /// Active installs on the week's last day in the report (its end, unless partial).
    pub active: u64,
    /// The report ends before the week does.
    pub partial: bool,
}

/// The figures of one report day that growth accounting adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCounts {
    pub date: NaiveDate,
    pub active: u64,
    pub added: u64,
    pub removed: u64,
    pub resurrected: u64,
}

/// The complete weeks of growth accounting the Installations page charts and lists.
pub const ACCOUNTING_CHART_WEEKS: u32 = 26;

/// The growth accounting chart of the last `last` complete weeks: new and resurrected above
/// zero, churned below it (drawn first, so a stacked axis always reaches zero), and net.
pub fn accounting_chart(weeks: &[AccountingWeek], last: usize) -> Vec<WeekPoint> {
    let complete: Vec<&AccountingWeek> = weeks.iter().filter(|w| !w.partial).collect();
    let shown = &complete[complete.len().saturating_sub(last)..];
    let series: [(&'static str, fn(&AccountingWeek) -> f64); 4] = [
        ("churned", |w| -(w.churned as f64)),
        ("new", |w| w.new as f64),
        ("resurrected", |w| w.resurrected as f64),
        ("net", |w| w.net as f64),
    ];
    series
        .iter()
        .flat_map(|(name, value)| shown.iter().map(move |w| WeekPoint { series: name, x: w.week.clone(), y: value(w) }))
        .collect()
}

/// The last `last` complete weeks of growth accounting, oldest first: what the page lists.
pub fn last_complete_weeks(weeks: Vec<AccountingWeek>, last: usize) -> Vec<AccountingWeek> {
    let mut complete: Vec<AccountingWeek> = weeks.into_iter().filter(|w| !w.partial).collect();
    let extra = complete.len().saturating_sub(last);
    complete.drain(..extra);
    complete
}

/// Growth accounting over a report's days (consecutive, as the ledger gives them).
pub fn growth_accounting(days: &[Day]) -> Vec<AccountingWeek> {
    // A report whose last day has no date gives no weeks; a day without one is passed over.
    if days.last().and_then(|d| parse_day(&d.date)).is_none() {
        return Vec::new();
    }
    let counts: Vec<DayCounts> = days
        .iter()
        .filter_map(|d| {
            Some(DayCounts { date: parse_day(&d.date)?, active: d.active, added: d.added, removed: d.removed, resurrected: d.resurrected })
        })
        .collect();
    by_week(&counts)
}

/// Growth accounting over consecutive days' counts, one week at a time.
pub fn by_week(days: &[DayCounts]) -> Vec<AccountingWeek> {
    let mut out: Vec<AccountingWeek> = Vec::new();
    let Some(last_day) = days.last().map(|d| d.date) else {
        return out;
    };
    for d in days {
        let week = IsoWeek::of(d.date);
        let label = week.label();
        if out.last().is_none_or(|w| w.week != label) {
            out.push(AccountingWeek {
                week: label,
                start: format_day(week.monday),
                end: format_day(week.sunday()),
                new: 0,
                resurrected: 0,
                churned: 0,
                net: 0,
                quick_ratio: None,
                active: 0,
                partial: week.sunday() > last_day,
            });
        }
        if let Some(w) = out.last_mut() {
            w.new += d.added;
            w.resurrected += d.resurrected;
            w.churned += d.removed;
            w.active = d.active;
        }
    }
    for w in out.iter_mut() {
        w.net = w.new as i64 + w.resurrected as i64 - w.churned as i64;
        w.quick_ratio = (w.churned > 0).then(|| (w.new + w.resurrected) as f64 / w.churned as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounting_with_a_week_that_churned_nothing() {
        use crate::api::installations::aggregate;
        use serde_json::json;
        // a: Mon 01-05 only (lapses Mon 01-12, W = 7); b: 01-06 and 01-14;
        // c: 01-13 and 01-20 (after a's lapse). asOf Wed 01-21.
        let pings = json!([
            {"instanceId": "a", "receivedAt": "2026-01-05T10:00:00Z"},
            {"instanceId": "b", "receivedAt": "2026-01-06T10:00:00Z"},
            {"instanceId": "b", "receivedAt": "2026-01-14T10:00:00Z"},
            {"instanceId": "c", "receivedAt": "2026-01-13T10:00:00Z"},
            {"instanceId": "c", "receivedAt": "2026-01-20T10:00:00Z"},
        ]);
        let report = aggregate(&pings, Some(&json!({"asOf": "2026-01-21"}))).unwrap();
        let w = growth_accounting(&report.days);
        assert_eq!(w.len(), 3);
        // W02: a, b new; nothing churned: quick ratio null. Active on Sun 01-11: 2.
        assert_eq!((w[0].week.as_str(), w[0].new, w[0].resurrected, w[0].churned, w[0].net, w[0].quick_ratio, w[0].active), ("2026-W02", 2, 0, 0, 2, None, 2));
        // W03: c new; a lapses 01-12, b's 01-06 ping lapses 01-13 but b pinged 01-14:
        // removed 01-13, resurrected 01-14. Net = 1 + 1 − 2 = 0: b and c active on 01-18.
        assert_eq!((w[1].new, w[1].resurrected, w[1].churned, w[1].net, w[1].active), (1, 1, 2, 0, 2));
        assert_eq!(w[1].quick_ratio, Some(1.0));
        assert!(!w[1].partial);
        // W04 up to Wed 01-21: b lapses 01-21; partial.
        assert_eq!((w[2].churned, w[2].net, w[2].partial), (1, -1, true));
        // The chart: complete weeks only, churned below zero and first in the stack.
        let chart = accounting_chart(&w, 26);
        let of = |series: &str| chart.iter().filter(|p| p.series == series).map(|p| (p.x.as_str(), p.y)).collect::<Vec<_>>();
        assert_eq!(chart[0].series, "churned");
        assert_eq!(of("churned"), [("2026-W02", -0.0), ("2026-W03", -2.0)]);
        assert_eq!(of("new"), [("2026-W02", 2.0), ("2026-W03", 1.0)]);
        assert_eq!(of("resurrected"), [("2026-W02", 0.0), ("2026-W03", 1.0)]);
        assert_eq!(of("net"), [("2026-W02", 2.0), ("2026-W03", 0.0)]);
        assert_eq!(accounting_chart(&w, 1).len(), 4, "the last week only");
    }
}
