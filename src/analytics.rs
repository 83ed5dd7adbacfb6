//! The front page's analytics (DESIGN.md, "Growth accounting, retention, targets, alerts"):
//! growth accounting per ISO week from the ledger's days, targets and alerts over any weekly
//! series, and one overview row per headline metric. Cohort retention needs every install's
//! pings and lives with the ledger (`telemetry::ledger::Ledger::retention`).

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::chart::WeekPoint;
use crate::dates::{format_day, IsoWeek};
use crate::error::{Error, Result};
use crate::growth;
use crate::api::input;
use crate::rating::Rating;
use crate::telemetry::ledger::Day;
use crate::weekly::{self, Aggregate, Options, Point, Week};

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

/// The growth accounting chart of the last `last` complete weeks: new and resurrected above
/// zero, churned below it (drawn first, so a stacked axis always reaches zero), and net.
/// The complete weeks of growth accounting the Installations page charts and lists.
pub const ACCOUNTING_CHART_WEEKS: u32 = 26;

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
    let mut out: Vec<AccountingWeek> = Vec::new();
    let Some(last_day) = days.last().and_then(|d| parse(&d.date)) else {
        return out;
    };
    for d in days {
        let Some(date) = parse(&d.date) else { continue };
        let week = IsoWeek::of(date);
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

/// `growthAccounting(days)` over a report's days as JSON (`{date, active, added, removed,
/// resurrected}` each, in date order, one a day): the error names the day and its field.
pub fn growth_accounting_json(days: &Value) -> Result<Vec<AccountingWeek>> {
    let items = days.as_array().ok_or_else(|| Error::new("days", format!("must be an array of report days, got {}", input::kind(days))))?;
    let mut parsed: Vec<Day> = Vec::with_capacity(items.len());
    for (i, d) in items.iter().enumerate() {
        let field = |k: &str| format!("days[{i}].{k}");
        input::object(&format!("days[{i}]"), d)?;
        let date = input::day(&field("date"), d.get("date").unwrap_or(&Value::Null))?;
        if let Some(prev) = parsed.last().and_then(|p| parse(&p.date)) {
            if date != prev + Duration::days(1) {
                return Err(Error::new(field("date"), format!("must be the day after {}, got {}", format_day(prev), format_day(date))));
            }
        }
        let count = |k: &str| input::whole(&field(k), d.get(k), 0, u32::MAX).map(u64::from);
        parsed.push(Day {
            date: format_day(date),
            active: count("active")?,
            added: count("added")?,
            removed: count("removed")?,
            resurrected: count("resurrected")?,
            pinged: 0,
            hosted: 0.0,
            remote: 0.0,
            totals: Default::default(),
            by_driver: Default::default(),
            by_os: Default::default(),
            by_version: Default::default(),
            by_license: Default::default(),
        });
    }
    Ok(growth_accounting(&parsed))
}

fn parse(date: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

/// Where a metric stands against its target (a value by a date).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetStatus {
    pub target: f64,
    pub date: String,
    /// L: the value at the end of the last complete week, and that week's Sunday.
    pub latest: Option<f64>,
    pub latest_week_end: Option<String>,
    /// n: weeks (fractional) from that Sunday to the target date.
    pub weeks: Option<f64>,
    /// (T / L)^(1/n) − 1.
    pub required_rate: Option<f64>,
    /// The average weekly growth over the last 4 complete weeks.
    pub current_rate: Option<f64>,
    pub on_track: Option<bool>,
    /// L · (1 + currentRate)^n.
    pub projected: Option<f64>,
    /// The first day the value reaches T at the current rate (that Sunday when already
    /// reached); `None` when the current rate never gets there.
    pub reach_date: Option<String>,
    pub reached: bool,
}

/// Weeks of the current-rate average (DESIGN.md: the last 4 complete weeks).
pub const CURRENT_RATE_WEEKS: u32 = 4;

pub fn target_status(weeks: &weekly::WeekOnWeek, target: f64, date: NaiveDate) -> TargetStatus {
    let last = weeks.weeks.iter().rev().find(|w| !w.partial && w.value.is_some());
    let latest = last.and_then(|w| w.value);
    let end = last.and_then(|w| parse(&w.end));
    let current_rate = weeks.summary.average_growth;
    let n = end.map(|e| (date - e).num_days() as f64 / 7.0);
    let reached = latest.is_some_and(|l| l >= target);
    let required_rate = match (latest, n) {
        (Some(l), Some(n)) if l > 0.0 && n > 0.0 => Some(growth::rate_over(l, target, n)).filter(|r| r.is_finite()),
        _ => None,
    };
    let projected = match (latest, current_rate, n) {
        (Some(l), Some(c), Some(n)) if n >= 0.0 => Some(growth::value_after(l, c, n)).filter(|v| v.is_finite()),
        _ => None,
    };
    let on_track = match (required_rate, current_rate) {
        (Some(r), Some(c)) => Some(c >= r),
        _ if reached => Some(true),
        _ => None,
    };
    let reach_date = match (end, latest, current_rate) {
        (Some(e), Some(_), _) if reached => Some(format_day(e)),
        (Some(e), Some(l), Some(c)) if l > 0.0 => growth::weeks_to(l, target, c).and_then(|w| {
            let days = (w * 7.0).ceil();
            (days < 3_650_000.0).then(|| format_day(e + Duration::days(days as i64)))
        }),
        _ => None,
    };
    TargetStatus {
        target,
        date: format_day(date),
        latest,
        latest_week_end: end.map(format_day),
        weeks: n,
        required_rate,
        current_rate,
        on_track,
        projected,
        reach_date,
        reached,
    }
}

/// An alert on one metric's growth in one complete week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub metric: String,
    pub week: String,
    pub growth: f64,
    /// `below` (growth under the floor) and/or `anomaly` (more than k·σ from the mean of
    /// the previous weeks): one alert per metric and week, with every reason.
    pub reasons: Vec<&'static str>,
    pub floor: f64,
    pub mean: Option<f64>,
    pub sigma: Option<f64>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertOptions {
    pub floor: f64,
    pub k: f64,
    /// Every complete week (a history), or only the last complete week.
    pub every_week: bool,
}

impl Default for AlertOptions {
    fn default() -> Self {
        AlertOptions { floor: 0.01, k: 3.0, every_week: false }
    }
}

/// Growths used for the anomaly test: the previous 12, of which at least 8 must exist.
const ANOMALY_WINDOW: usize = 12;
const ANOMALY_MIN: usize = 8;
const ANOMALY_TOLERANCE: f64 = 1e-9;

pub fn alerts(metric: &str, weeks: &[Week], options: AlertOptions) -> Vec<Alert> {
    let complete: Vec<(&Week, f64)> = weeks.iter().filter(|w| !w.partial).filter_map(|w| w.growth.map(|g| (w, g))).collect();
    let from = if options.every_week { 0 } else { complete.len().saturating_sub(1) };
    let mut out = Vec::new();
    for i in from..complete.len() {
        let (week, g) = complete[i];
        // Only the last complete week counts when not asked for a history.
        if !options.every_week && weeks.iter().rev().find(|w| !w.partial).is_some_and(|w| w.week != week.week) {
            continue;
        }
        let earlier: Vec<f64> = complete[..i].iter().map(|(_, g)| *g).collect();
        let window = &earlier[earlier.len().saturating_sub(ANOMALY_WINDOW)..];
        let (mean, sigma) = if earlier.len() >= ANOMALY_MIN {
            let mean = window.iter().sum::<f64>() / window.len() as f64;
            let var = window.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / window.len() as f64;
            (Some(mean), Some(var.sqrt()))
        } else {
            (None, None)
        };
        let mut reasons = Vec::new();
        if g < options.floor {
            reasons.push("below");
        }
        if let (Some(m), Some(s)) = (mean, sigma) {
            // A tolerance far below any real difference keeps rounding noise in a steady
            // series (σ of about 1e-17) from counting as an anomaly.
            if (g - m).abs() > options.k * s + ANOMALY_TOLERANCE {
                reasons.push("anomaly");
            }
        }
        if reasons.is_empty() {
            continue;
        }
        let pct = |x: f64| format!("{:+.2} %", x * 100.0);
        let mut message = format!("{metric}: {} in {}", pct(g), week.week);
        if reasons.contains(&"below") {
            message.push_str(&format!(", below the floor of {}", pct(options.floor)));
        }
        if let (true, Some(m), Some(s)) = (reasons.contains(&"anomaly"), mean, sigma) {
            message.push_str(&format!(", {:.1} σ from the mean of the previous {} weeks ({})", (g - m).abs() / s.max(f64::MIN_POSITIVE), window.len(), pct(m)));
        }
        out.push(Alert { metric: metric.to_string(), week: week.week.clone(), growth: g, reasons, floor: options.floor, mean, sigma, message });
    }
    out
}

/// One row of the overview page: a metric's latest value, its week-on-week growth and
/// rating, the 4-week average, the last 12 weeks for a sparkline, its target and alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverviewRow {
    pub metric: String,
    pub latest: Option<f64>,
    pub latest_week: Option<String>,
    pub growth: Option<f64>,
    pub rating: Option<Rating>,
    pub average_growth: Option<f64>,
    pub sparkline: Vec<SparkPoint>,
    pub target: Option<TargetStatus>,
    pub alert: Option<Alert>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SparkPoint {
    pub week: String,
    pub value: Option<f64>,
}

const SPARKLINE_WEEKS: usize = 12;

pub fn overview_row(metric: &str, points: Vec<Point>, aggregate: Aggregate, as_of: Option<NaiveDate>, target: Option<(f64, NaiveDate)>, alert_options: AlertOptions) -> OverviewRow {
    let weeks = weekly::week_on_week(points, Options { aggregate, as_of, average_weeks: Some(CURRENT_RATE_WEEKS) });
    let last = weeks.weeks.iter().rev().find(|w| !w.partial);
    let complete: Vec<&Week> = weeks.weeks.iter().filter(|w| !w.partial).collect();
    OverviewRow {
        metric: metric.to_string(),
        latest: last.and_then(|w| w.value),
        latest_week: last.map(|w| w.week.clone()),
        growth: weeks.summary.latest_growth,
        rating: weeks.summary.rating,
        average_growth: weeks.summary.average_growth,
        sparkline: complete[complete.len().saturating_sub(SPARKLINE_WEEKS)..].iter().map(|w| SparkPoint { week: w.week.clone(), value: w.value }).collect(),
        target: target.map(|(value, date)| target_status(&weeks, value, date)),
        alert: alerts(metric, &weeks.weeks, AlertOptions { every_week: false, ..alert_options }).into_iter().next(),
    }
}

/// Reads `{aggregate, asOf, target: {value, date}, floor, k}` for `overviewRow`, naming the
/// field of any bad value.
pub fn overview_row_json(metric: &str, points: &Value, options: Option<&Value>) -> Result<OverviewRow> {
    if metric.is_empty() {
        return Err(Error::new("metric", "must be a non-empty name"));
    }
    let points = crate::api::weekly::points_of(points)?;
    let map = input::options("options", options)?;
    let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
    let aggregate = crate::api::weekly::aggregate("aggregate", get("aggregate"))?;
    let as_of = get("asOf").map(|v| input::day("asOf", v)).transpose()?;
    let target = match get("target") {
        None => None,
        Some(t) => {
            let t = input::object("target", t)?;
            let value = input::positive("target.value", t.get("value"))?;
            let date = input::day("target.date", t.get("date").unwrap_or(&Value::Null))?;
            Some((value, date))
        }
    };
    let alert_options = alert_options_json(map)?;
    Ok(overview_row(metric, points, aggregate, as_of, target, alert_options))
}

fn alert_options_json(map: Option<&serde_json::Map<String, Value>>) -> Result<AlertOptions> {
    let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
    let mut o = AlertOptions::default();
    if let Some(v) = get("floor") {
        o.floor = input::finite("floor", Some(v))?;
    }
    if let Some(v) = get("k") {
        o.k = input::positive("k", Some(v))?;
    }
    o.every_week = get("everyWeek").and_then(Value::as_bool).unwrap_or(false);
    Ok(o)
}

/// `growthAlerts(metric, points, {aggregate, asOf, floor, k, everyWeek})`.
pub fn alerts_json(metric: &str, points: &Value, options: Option<&Value>) -> Result<Vec<Alert>> {
    let points = crate::api::weekly::points_of(points)?;
    let map = input::options("options", options)?;
    let get = |k: &str| map.and_then(|m| m.get(k)).filter(|v| !v.is_null());
    let aggregate = crate::api::weekly::aggregate("aggregate", get("aggregate"))?;
    let as_of = get("asOf").map(|v| input::day("asOf", v)).transpose()?;
    let weeks = weekly::week_on_week(points, Options { aggregate, as_of, average_weeks: None });
    Ok(alerts(metric, &weeks.weeks, alert_options_json(map)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// One point per Sunday from `first` (a Sunday), the given values.
    fn sundays(first: &str, values: &[f64]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point { at: Utc.from_utc_datetime(&(day(first) + Duration::days(7 * i as i64)).and_hms_opt(12, 0, 0).unwrap()), value: *v })
            .collect()
    }

    fn weeks(points: Vec<Point>, as_of: &str) -> weekly::WeekOnWeek {
        weekly::week_on_week(points, Options { aggregate: Aggregate::Last, as_of: Some(day(as_of)), average_weeks: Some(CURRENT_RATE_WEEKS) })
    }

    #[test]
    fn a_target_by_hand() {
        // Sundays 2026-01-04 … 02-01: 100, 110, 121, 133.1, 146.41 (10 % a week); asOf
        // Wed 02-04 makes W06 partial. L = 146.41 on 02-01; target 200 by 03-01: n = 4.
        let w = weeks(sundays("2026-01-04", &[100.0, 110.0, 121.0, 133.1, 146.41]), "2026-02-04");
        let s = target_status(&w, 200.0, day("2026-03-01"));
        assert_eq!(s.latest, Some(146.41));
        assert_eq!(s.latest_week_end.as_deref(), Some("2026-02-01"));
        assert_eq!(s.weeks, Some(4.0));
        let required = (200.0f64 / 146.41).powf(0.25) - 1.0; // 8.11 %
        assert!((s.required_rate.unwrap() - required).abs() < 1e-12);
        assert!((s.current_rate.unwrap() - 0.10).abs() < 1e-12);
        assert_eq!(s.on_track, Some(true));
        assert!((s.projected.unwrap() - 146.41 * 1.1f64.powi(4)).abs() < 1e-9); // 214.36
        // ln(200/146.41)/ln(1.1) = 3.27 weeks = 22.9 days → 2026-02-24.
        assert_eq!(s.reach_date.as_deref(), Some("2026-02-24"));
        assert!(!s.reached);
    }

    #[test]
    fn a_target_already_reached_and_one_out_of_reach() {
        let w = weeks(sundays("2026-01-04", &[100.0, 110.0, 121.0, 133.1, 146.41]), "2026-02-04");
        let s = target_status(&w, 120.0, day("2026-03-01"));
        assert!(s.reached);
        assert_eq!(s.reach_date.as_deref(), Some("2026-02-01"));
        assert_eq!(s.on_track, Some(true));
        assert!(s.required_rate.unwrap() < 0.0);
        // Falling 5 % a week: current rate negative, target above: no reach date, behind.
        let w = weeks(sundays("2026-01-04", &[100.0, 95.0, 90.25, 85.7375, 81.450625]), "2026-02-04");
        let s = target_status(&w, 150.0, day("2026-06-28"));
        assert!((s.current_rate.unwrap() + 0.05).abs() < 1e-12);
        assert_eq!(s.reach_date, None);
        assert_eq!(s.on_track, Some(false));
        assert!(!s.reached);
    }

    #[test]
    fn an_anomaly_fires_once_and_a_low_week_is_below() {
        // Ten weeks of +2 %, one of +30 %, then +2 % again.
        let mut v = vec![100.0];
        for g in [0.02; 10].iter().chain(&[0.30]).chain(&[0.02; 3]) {
            let last = *v.last().unwrap();
            v.push(last * (1.0 + g));
        }
        let w = weeks(sundays("2026-01-04", &v), "2026-12-31");
        let all = alerts("teamCount", &w.weeks, AlertOptions { every_week: true, ..AlertOptions::default() });
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].reasons, ["anomaly"]);
        assert!((all[0].growth - 0.30).abs() < 1e-9);
        assert_eq!(all[0].week, "2026-W12"); // the 12th Sunday after 01-04 is 03-22
        // A week of +0.5 %: below the 1 % floor; too few earlier weeks for an anomaly.
        let w = weeks(sundays("2026-01-04", &[100.0, 102.0, 102.51]), "2026-01-21");
        let last = alerts("m", &w.weeks, AlertOptions::default());
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].reasons, ["below"]);
        assert_eq!((last[0].mean, last[0].sigma), (None, None));
    }

    #[test]
    fn accounting_with_a_week_that_churned_nothing() {
        use crate::telemetry::ledger::aggregate;
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

    #[test]
    fn cohort_retention_by_hand_with_weeks_not_complete_yet() {
        use crate::telemetry::ledger::{Ledger, ReportOptions};
        use serde_json::json;
        let mut ledger = Ledger::new();
        // Cohort 2026-W02 (Mon 01-05): a pings 01-05 and 01-16 (active Sun 01-18, a week on:
        // 01-16 + 7 > 01-18) then stops; b pings 01-06 only. Cohort W03: c pings 01-12, 01-19
        // and 01-25, 02-01 (active on 01-25 and 02-01).
        for (id, at) in [("a", "01-05"), ("a", "01-16"), ("b", "01-06"), ("c", "01-12"), ("c", "01-19"), ("c", "01-25"), ("c", "02-01")] {
            ledger.ingest(&json!({"instanceId": id, "receivedAt": format!("2026-{at}T09:00:00Z")}));
        }
        let cohorts = ledger.retention(ReportOptions { as_of: Some(day("2026-02-04")), ..ReportOptions::default() });
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
