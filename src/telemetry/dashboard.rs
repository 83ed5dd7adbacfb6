//! The Installations page's figures from a ledger report: the KPIs at the top, and every
//! chart's points shaped for Dashboard 2.0's `ui-chart` (`{series, x, y}`, x in epoch ms).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::ledger::{Day, Ledger, Report, ReportOptions, OTHER};
use super::model::release;
use crate::analytics::{self, AccountingWeek};
use crate::chart::{ChartPoint, WeekPoint};
use crate::dates;
use crate::error::Result;
use crate::rating::Rating;
use crate::weekly::{self, Aggregate, Options, Point};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kpis {
    /// The last day of the report.
    pub date: Option<String>,
    pub active: u64,
    /// Active installs seven days before `date` (`None` when the report is shorter).
    pub active_week_ago: Option<u64>,
    pub active_change: Option<i64>,
    /// Week-on-week growth of active installs (last value of each ISO week), latest
    /// complete week, and its rating.
    pub weekly_growth: Option<f64>,
    pub rating: Option<Rating>,
    pub hosted: f64,
    pub remote: f64,
    pub installations: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub kpis: Kpis,
    /// Chart name → points: `active` (active, pinged, and `pinged so far` for a day in
    /// progress), `instances` (hosted, remote),
    /// `byDriver`, `byOs`, `byVersion`, `byLicense`, `changes` (removed drawn below zero,
    /// added and resurrected).
    pub charts: BTreeMap<&'static str, Vec<ChartPoint>>,
}

fn epoch_ms(date: &str) -> i64 {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").map(dates::epoch_ms).unwrap_or(0)
}

/// A chart series: its name, and its value on a day.
type Series = (&'static str, fn(&Day) -> f64);

/// The Installations page's day table, in column order.
pub const DAY_TABLE_FIELDS: [&str; 8] = ["date", "active", "pinged", "added", "resurrected", "removed", "hosted", "remote"];

/// The series that carries the pinged count of the day in progress: that day's count only
/// grows until midnight, and drawn at the end of the `pinged` line it would read as a fall.
pub const PINGED_SO_FAR: &str = "pinged so far";

/// Series a breakdown chart draws at most, besides `other` (DESIGN.md: the top N by the last
/// day's value).
pub const DEFAULT_CHART_SERIES: u32 = 8;

/// KPIs over the whole report; charts over its last `last_days` days (all when `None`).
/// `today`: the day in progress, when the report reaches it (its pinged count is partial).
/// A breakdown (by driver, OS, version, licence) draws its `series` largest values on the
/// last day and sums the rest as `other`.
pub fn dashboard(report: &Report, last_days: Option<u32>, today: Option<NaiveDate>, series: u32) -> Dashboard {
    let days = &report.days;
    let latest = days.last();
    let week_ago = days.len().checked_sub(8).map(|i| &days[i]);
    let weekly = weekly::week_on_week(
        days.iter().map(|d| Point { at: day_start(&d.date), value: d.active as f64 }).collect(),
        Options { aggregate: Aggregate::Last, as_of: latest.and_then(|d| NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok()), average_weeks: None },
    );
    let kpis = Kpis {
        date: latest.map(|d| d.date.clone()),
        active: latest.map_or(0, |d| d.active),
        active_week_ago: week_ago.map(|d| d.active),
        active_change: week_ago.zip(latest).map(|(a, b)| b.active as i64 - a.active as i64),
        weekly_growth: weekly.summary.latest_growth,
        rating: weekly.summary.rating,
        hosted: latest.map_or(0.0, |d| d.hosted),
        remote: latest.map_or(0.0, |d| d.remote),
        installations: report.installations,
    };

    let shown = match last_days {
        Some(n) => &days[days.len().saturating_sub(n as usize)..],
        None => &days[..],
    };
    // The days whose pinged count is final: all but the day in progress, when shown.
    let in_progress = shown.last().filter(|last| today.is_some_and(|t| epoch_ms(&last.date) == dates::epoch_ms(t)));
    let complete = &shown[..shown.len() - usize::from(in_progress.is_some())];
    let mut charts = BTreeMap::new();
    let over = |days: &[Day], series: &[Series]| -> Vec<ChartPoint> {
        series
            .iter()
            .flat_map(|(name, value)| days.iter().map(move |d| ChartPoint { series: name.to_string(), x: epoch_ms(&d.date), y: value(d) }))
            .collect()
    };
    let fixed = |series: &[Series]| over(shown, series);
    // The day in progress is not the end of the pinged line but a point of its own.
    let mut active = fixed(&[("active", |d| d.active as f64)]);
    active.extend(over(complete, &[("pinged", |d| d.pinged as f64)]));
    active.extend(in_progress.map(|d| ChartPoint { series: PINGED_SO_FAR.to_string(), x: epoch_ms(&d.date), y: d.pinged as f64 }));
    charts.insert("active", active);
    charts.insert("instances", fixed(&[("hosted", |d| d.hosted), ("remote", |d| d.remote)]));
    charts.insert(
        "changes",
        // Removed first: its points (0 or below) are the bottom of the stack, so the y axis
        // always reaches zero, even on a first day when every stacked value is above it.
        fixed(&[
            ("removed", |d| -(d.removed as f64)),
            ("added", |d| d.added as f64),
            ("resurrected", |d| d.resurrected as f64),
        ]),
    );
    let by = |pick: fn(&Day) -> &BTreeMap<String, u64>, versions: bool| -> Vec<ChartPoint> {
        // Every value seen in the window gets a point on every day, so lines do not break.
        let names = crate::order::set(shown.iter().flat_map(|d| pick(d).keys()));
        let mut names: Vec<&String> = names.into_iter().collect();
        if versions {
            // The legend follows the series' order: 2.4 before 2.10, as releases came. An
            // insertion sort of these few names: std's sort for this key type added
            // 8.5 KB of code to the shipped .wasm.
            for i in 1..names.len() {
                let mut j = i;
                while j > 0 && version_order(names[j - 1]) > version_order(names[j]) {
                    names.swap(j - 1, j);
                    j -= 1;
                }
            }
        }
        let value = |d: &Day, name: &str| pick(d).get(name).copied().unwrap_or(0);
        let mut rest: Vec<&String> = Vec::new();
        if names.len() > series as usize {
            // The largest on the last day shown, ties by name; `other` (values past the
            // ledger's bound) is always part of the rest.
            let last = shown.last();
            let size = |name: &String| if name.as_str() == OTHER { 0 } else { last.map_or(0, |d| value(d, name)) + 1 };
            // Picked one at a time, not sorted: N is small, and a sort of these would add
            // its code to the shipped .wasm (see the versions' order above).
            let mut kept: Vec<&String> = Vec::new();
            while kept.len() < series as usize {
                let next = names.iter().copied().filter(|n| n.as_str() != OTHER && !kept.contains(n)).fold(None, |best: Option<&String>, n| match best {
                    Some(b) if size(b) >= size(n) => Some(b),
                    _ => Some(n),
                });
                let Some(next) = next else { break };
                kept.push(next);
            }
            rest = names.iter().copied().filter(|n| !kept.contains(n)).collect();
            names.retain(|n| kept.contains(n));
        }
        let mut points: Vec<ChartPoint> = names
            .into_iter()
            .flat_map(|name| shown.iter().map(move |d| ChartPoint { series: name.clone(), x: epoch_ms(&d.date), y: value(d, name) as f64 }))
            .collect();
        if !rest.is_empty() {
            points.extend(shown.iter().map(|d| ChartPoint {
                series: OTHER.to_string(),
                x: epoch_ms(&d.date),
                y: rest.iter().map(|n| value(d, n)).sum::<u64>() as f64,
            }));
        }
        points
    };
    charts.insert("byDriver", by(|d| &d.by_driver, false));
    charts.insert("byOs", by(|d| &d.by_os, false));
    charts.insert("byVersion", by(|d| &d.by_version, true));
    charts.insert("byLicense", by(|d| &d.by_license, false));
    Dashboard { kpis, charts }
}

/// Where a `major.minor` version sorts: by its numbers, then anything that is not one
/// (`unknown`) after every release, by its text.
fn version_order(name: &str) -> (bool, u64, u64, &str) {
    match release(name) {
        Some((major, minor)) => (false, major, minor, name),
        None => (true, 0, 0, name),
    }
}

/// What the installations node sends: the report and the page's figures, from one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportWithDashboard {
    pub report: Report,
    pub kpis: Kpis,
    pub charts: BTreeMap<&'static str, Vec<ChartPoint>>,
    /// The day table: the charts' days (every day when no `lastDays`), newest first.
    pub table: Vec<DayRow>,
}

/// One row of the Installations page's day table; its fields are `DAY_TABLE_FIELDS`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    pub date: String,
    pub active: u64,
    pub pinged: u64,
    pub added: u64,
    pub resurrected: u64,
    pub removed: u64,
    pub hosted: f64,
    pub remote: f64,
}

impl From<&Day> for DayRow {
    fn from(d: &Day) -> DayRow {
        DayRow { date: d.date.clone(), active: d.active, pinged: d.pinged, added: d.added, resurrected: d.resurrected, removed: d.removed, hosted: d.hosted, remote: d.remote }
    }
}

/// Days a report must hold for the KPIs: a week ago, and the ends of the last two ISO weeks.
const KPI_DAYS: u32 = 35;

/// What `ledger.dashboard` takes: the report's options (`lastDays` is the charts' range),
/// the days the report itself keeps (`reportDays`, every day when `None`), and the day in
/// progress (`today`, the nodes' clock; the core never reads one).
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardOptions {
    pub report: ReportOptions,
    pub report_days: Option<u32>,
    pub today: Option<NaiveDate>,
    /// Series a breakdown chart draws besides `other` (`chartSeries`).
    pub chart_series: u32,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        DashboardOptions { report: ReportOptions::default(), report_days: None, today: None, chart_series: DEFAULT_CHART_SERIES }
    }
}

/// `ledger.dashboard({activeWindowDays, asOf, lastDays, reportDays, today})`: the charts over
/// the last `lastDays` days, the KPIs, and the report over the last `reportDays` days (every
/// day when absent). `today` marks the day in progress. The ledger reads only the rows of the
/// range these need.
pub fn for_ledger(ledger: &Ledger, options: DashboardOptions) -> Result<ReportWithDashboard> {
    let DashboardOptions { report: mut report_options, report_days, today, chart_series } = options;
    let last_days = report_options.last_days;
    report_options.last_days = match (report_days, last_days) {
        (Some(r), Some(l)) => Some(r.max(l).max(KPI_DAYS)),
        _ => None,
    };
    let mut report = ledger.report(report_options)?;
    let Dashboard { kpis, charts } = dashboard(&report, last_days, today, chart_series);
    if let Some(r) = report_days {
        let extra = report.days.len().saturating_sub(r as usize);
        report.days.drain(..extra);
    }
    let shown = last_days.map_or(report.days.len(), |l| (l as usize).min(report.days.len()));
    let table = report.days[report.days.len() - shown..].iter().rev().map(DayRow::from).collect();
    Ok(ReportWithDashboard { report, kpis, charts, table })
}

/// `ledger.accounting(options)`: growth accounting per ISO week of the ledger's report;
/// with `complete_weeks`, only the last that many complete weeks.
pub fn accounting(ledger: &Ledger, options: ReportOptions, complete_weeks: Option<u32>) -> Result<Vec<AccountingWeek>> {
    let weeks = analytics::growth_accounting(&ledger.report(options)?.days);
    Ok(match complete_weeks {
        Some(n) => analytics::last_complete_weeks(weeks, n as usize),
        None => weeks,
    })
}

/// `ledger.accountingChart(options, weeks)`: the growth accounting chart of the last
/// `weeks` complete weeks (`ACCOUNTING_CHART_WEEKS` when `None`).
pub fn accounting_chart(ledger: &Ledger, options: ReportOptions, weeks: Option<u32>) -> Result<Vec<WeekPoint>> {
    let accounting = analytics::growth_accounting(&ledger.report(options)?.days);
    Ok(analytics::accounting_chart(&accounting, weeks.unwrap_or(analytics::ACCOUNTING_CHART_WEEKS) as usize))
}

fn day_start(date: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(epoch_ms(date)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::batch::{aggregate, BatchOptions};
    use serde_json::{json, Value};

    fn options(value: Value) -> BatchOptions {
        crate::api::installations::batch_options(Some(&value)).unwrap()
    }

    /// Install "a" pings every day from 2026-01-05 (Mon) to 01-18; "b" joins on 01-12 and
    /// "c" on 01-14; "b" stops after 01-12, so with W = 7 it is removed on 01-19.
    fn report() -> Report {
        let mut pings = Vec::new();
        for day in 5..=18 {
            pings.push(json!({"instanceId": "a", "receivedAt": format!("2026-01-{day:02}T12:00:00Z"), "platform": {"counts": {"projects": 2, "devices": 1}}}));
        }
        pings.push(json!({"instanceId": "b", "receivedAt": "2026-01-12T12:00:00Z", "platform": {"counts": {"projects": 3}}}));
        pings.push(json!({"instanceId": "c", "receivedAt": "2026-01-14T12:00:00Z", "os": {"type": "Darwin"}}));
        aggregate(&pings[..], options(json!({"asOf": "2026-01-19"}))).unwrap()
    }

    #[test]
    fn kpis_compare_with_a_week_ago_and_rate_the_weekly_growth() {
        let d = dashboard(&report(), None, None, DEFAULT_CHART_SERIES);
        // 01-19: a (last 01-18) and c (01-14) active; b lapsed. A week before, 01-12: a, b.
        assert_eq!(d.kpis.date.as_deref(), Some("2026-01-19"));
        assert_eq!((d.kpis.active, d.kpis.active_week_ago, d.kpis.active_change), (2, Some(2), Some(0)));
        // Weeks: W02 ends (Sun 01-11) with 1 active, W03 ends (01-18) with 3: growth 200 %.
        assert_eq!(d.kpis.weekly_growth, Some(2.0));
        assert_eq!(d.kpis.rating, Some(Rating::Exceptional));
        assert_eq!((d.kpis.hosted, d.kpis.remote, d.kpis.installations), (2.0, 1.0, 3));
    }

    #[test]
    fn charts_cover_the_window_with_removed_below_zero() {
        let d = dashboard(&report(), Some(3), None, DEFAULT_CHART_SERIES);
        let changes = &d.charts["changes"];
        let removed: Vec<f64> = changes.iter().filter(|p| p.series == "removed").map(|p| p.y).collect();
        assert_eq!(removed, [0.0, 0.0, -1.0]); // 01-17, 01-18, 01-19
        assert_eq!(changes.iter().filter(|p| p.series == "removed").next().unwrap().x, 1_768_608_000_000); // 2026-01-17
        let os: Vec<(&str, f64)> = d.charts["byOs"].iter().map(|p| (p.series.as_str(), p.y)).collect();
        // a and b (no OS) are both active on 01-17 and 01-18; b lapses on 01-19.
        assert_eq!(os, [("Darwin", 1.0), ("Darwin", 1.0), ("Darwin", 1.0), ("unknown", 2.0), ("unknown", 2.0), ("unknown", 1.0)]);
        assert_eq!(d.charts.len(), 7);
        assert!(d.charts.values().all(|points| !points.is_empty()));
    }

    #[test]
    fn the_day_in_progress_is_its_own_pinged_point() {
        let series = |d: &Dashboard| -> Vec<(String, i64, f64)> { d.charts["active"].iter().map(|p| (p.series.clone(), p.x, p.y)).collect() };
        let (d17, d18, d19) = (1_768_608_000_000, 1_768_694_400_000, 1_768_780_800_000);
        // 01-19 is today and nobody has pinged yet (a's last ping was 01-18). a, b and c
        // are active on 01-17 and 01-18; b lapses on 01-19. Only a pings on 01-17 and 01-18.
        let d = dashboard(&report(), Some(3), NaiveDate::from_ymd_opt(2026, 1, 19), DEFAULT_CHART_SERIES);
        assert_eq!(
            series(&d),
            [
                ("active".into(), d17, 3.0),
                ("active".into(), d18, 3.0),
                ("active".into(), d19, 2.0),
                ("pinged".into(), d17, 1.0),
                ("pinged".into(), d18, 1.0),
                (PINGED_SO_FAR.into(), d19, 0.0),
            ]
        );
        // A report that ends before today (or no today given) has no day in progress.
        for today in [NaiveDate::from_ymd_opt(2026, 1, 20), None] {
            let d = dashboard(&report(), Some(3), today, DEFAULT_CHART_SERIES);
            assert_eq!(series(&d).last(), Some(&("pinged".into(), d19, 0.0)));
            assert!(d.charts["active"].iter().all(|p| p.series != PINGED_SO_FAR));
        }
    }

    #[test]
    fn versions_are_charted_in_release_order() {
        let mut pings = Vec::new();
        for (i, version) in ["2.10.0", "1.15.2", "2.4.1", "unknown-build", "2.35.0", "1.4.0"].iter().enumerate() {
            pings.push(json!({"instanceId": format!("i{i}"), "receivedAt": "2026-01-05T12:00:00Z", "env": {"flowforge": version}}));
        }
        pings.push(json!({"instanceId": "no-version", "receivedAt": "2026-01-05T12:00:00Z"}));
        let report = aggregate(&pings[..], options(json!({"asOf": "2026-01-05"}))).unwrap();
        let d = dashboard(&report, None, None, DEFAULT_CHART_SERIES);
        let order: Vec<&str> = d.charts["byVersion"].iter().map(|p| p.series.as_str()).collect();
        // By hand: 1.4 < 1.15 < 2.4 < 2.10 < 2.35, then `unknown` (no version, and one that
        // is not major.minor) after every release; text order would give 1.15, 1.4, 2.10, ….
        assert_eq!(order, ["1.4", "1.15", "2.4", "2.10", "2.35", "unknown"]);
        assert_eq!(report.days[0].by_version.get("unknown"), Some(&2));
    }

    #[test]
    fn the_day_table_has_the_listed_fields_newest_first() {
        let rows: Vec<DayRow> = report().days.iter().rev().map(DayRow::from).collect();
        let first = serde_json::to_value(&rows[0]).unwrap();
        let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
        let mut listed = DAY_TABLE_FIELDS.to_vec();
        listed.sort_unstable();
        assert_eq!(keys, listed, "serde_json's map is sorted, so compare sorted");
        assert!(rows.windows(2).all(|w| w[0].date > w[1].date));
    }

    #[test]
    fn a_breakdown_draws_its_largest_values_and_sums_the_rest_as_other() {
        // Ten drivers: driver-k has k + 1 installs on 01-06, driver-0 one more (since 01-05).
        let mut pings = Vec::new();
        for k in 0..10u32 {
            for n in 0..=k {
                pings.push(json!({"instanceId": format!("{k}-{n}"), "receivedAt": "2026-01-06T12:00:00Z", "platform": {"config": {"driver": format!("driver-{k}")}}}));
            }
        }
        pings.push(json!({"instanceId": "early", "receivedAt": "2026-01-05T12:00:00Z", "platform": {"config": {"driver": "driver-0"}}}));
        let report = aggregate(&pings[..], options(json!({"asOf": "2026-01-06"}))).unwrap();
        let of = |d: &Dashboard| d.charts["byDriver"].iter().map(|p| (p.series.clone(), p.y)).collect::<Vec<_>>();
        let d = dashboard(&report, None, None, 8);
        let series: std::collections::BTreeSet<String> = d.charts["byDriver"].iter().map(|p| p.series.clone()).collect();
        // The eight largest on the last day are driver-2 … driver-9 (3 to 10); driver-0
        // (1 + early) and driver-1 (2) sum to other: 1 on 01-05 (early), 4 on 01-06.
        assert_eq!(series.len(), 9);
        assert!(!series.contains("driver-0") && !series.contains("driver-1"));
        let other: Vec<f64> = of(&d).into_iter().filter(|(s, _)| s == OTHER).map(|(_, y)| y).collect();
        assert_eq!(other, [1.0, 4.0]);
        assert_eq!(d.charts["byDriver"].last().map(|p| p.series.as_str()), Some(OTHER), "other is drawn last");
        // With room for every value, nothing is grouped.
        assert_eq!(dashboard(&report, None, None, 10).charts["byDriver"].len(), 20);
    }

    #[test]
    fn today_must_be_a_day() {
        let err = crate::api::installations::dashboard_options(Some(&json!({"today": "soon"}))).unwrap_err();
        assert_eq!(err.field, "today");
    }
}
