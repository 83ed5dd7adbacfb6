//! The only file that knows about JavaScript. Each export converts its input, calls the core
//! once and converts the result: no arithmetic, no validation of its own.

use serde::Serialize;
use serde_json::Value;
use serde_wasm_bindgen::Serializer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::analytics::{AlertsInput, OverviewInput};
use crate::api::growth::{PlanInput, ProjectionInput, RatesInput, RequiredRateInput, TableInput, WeeksToTargetInput};
use crate::api::input;
use crate::api::weekly::WeekOnWeekInput;
use crate::snapshot::History;
use crate::telemetry::dashboard;
use crate::telemetry::ledger::{self, Ledger, Outcome, ReportOptions};
use crate::{analytics, api, growth, weekly, Error};
#[cfg(feature = "demo")]
use crate::demo;

/// A real JS `Error` whose message names the field, with the field also as `err.field`, so
/// a Node-RED node can show it in its status and a Catch node can route on it.
fn js_error(err: Error) -> JsValue {
    let js = js_sys::Error::new(&err.to_string());
    let _ = js_sys::Reflect::set(&js, &"field".into(), &err.field.as_str().into());
    js.into()
}

fn from_js(field: &str, value: JsValue) -> Result<Value, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| js_error(Error::new(field, format!("cannot be read: {e}"))))
}

/// An export's argument read into its typed input (`api`): the error names the field.
fn read<T>(field: &str, value: JsValue, parse: impl FnOnce(&Value) -> crate::error::Result<T>) -> Result<T, JsValue> {
    parse(&from_js(field, value)?).map_err(js_error)
}

/// Big results (reports, charts) cross as JSON text: one `JSON.parse` in V8 is several times
/// cheaper than serde-wasm-bindgen's call into JS per property, and gives the same plain
/// objects (numbers, strings, `null`s).
fn to_js_text<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| js_error(Error::new("result", e.to_string())))?;
    js_sys::JSON::parse(&text).map_err(|_| js_error(Error::new("result", "could not be read back as JSON")))
}

/// Plain objects and `null`s only: safe to put on a Node-RED `msg` and send to a dashboard.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&Serializer::json_compatible())
        .map_err(|e| js_error(Error::new("result", e.to_string())))
}

/// `defaults()`: the lists and defaults nodes and flows share with the core
/// (`{activeWindowDays, retentionWeeks, accountingWeeks, dayFields, alertFloor, anomalyK}`).
#[wasm_bindgen]
pub fn defaults() -> Result<JsValue, JsValue> {
    to_js(&crate::defaults::defaults())
}

#[wasm_bindgen(js_name = projectGrowth)]
pub fn project_growth(input: JsValue) -> Result<JsValue, JsValue> {
    let input = read("input", input, ProjectionInput::parse)?;
    to_js(&growth::project(input.start, input.weekly_rate, input.weeks).map_err(js_error)?)
}

#[wasm_bindgen(js_name = equivalentRates)]
pub fn equivalent_rates(input: JsValue) -> Result<JsValue, JsValue> {
    let input = read("input", input, RatesInput::parse)?;
    to_js(&growth::equivalent_rates(input.weekly_rate))
}

#[wasm_bindgen(js_name = requiredWeeklyRate)]
pub fn required_weekly_rate(input: JsValue) -> Result<f64, JsValue> {
    let input = read("input", input, RequiredRateInput::parse)?;
    growth::required_weekly_rate(input.start, input.target, input.weeks).map_err(js_error)
}

#[wasm_bindgen(js_name = weeksToTarget)]
pub fn weeks_to_target(input: JsValue) -> Result<JsValue, JsValue> {
    let input = read("input", input, WeeksToTargetInput::parse)?;
    // Through the serializer so "never" is `null`, not `undefined`.
    to_js(&growth::weeks_to_target(input.start, input.target, input.weekly_rate))
}

#[wasm_bindgen(js_name = planTarget)]
pub fn plan_target(input: JsValue) -> Result<JsValue, JsValue> {
    let input = read("input", input, PlanInput::parse)?;
    to_js(&growth::plan_target(input.start, input.target, input.weeks, input.weekly_rate).map_err(js_error)?)
}

#[wasm_bindgen(js_name = growthTable)]
pub fn growth_table(input: JsValue) -> Result<JsValue, JsValue> {
    let input = read("input", input, TableInput::parse)?;
    to_js(&growth::growth_table(input.start, input.weeks, &input.weekly_rates, input.rates_key).map_err(js_error)?)
}

#[wasm_bindgen(js_name = weekOnWeek)]
pub fn week_on_week(points: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (points, options) = (from_js("points", points)?, from_js("options", options)?);
    let input = WeekOnWeekInput::parse(&points, &options).map_err(js_error)?;
    to_js(&weekly::week_on_week(input.points, input.options))
}

/// `overviewRow(metric, points, {aggregate, asOf, target: {value, date}, floor, k})`: the
/// overview page's row for one metric: latest value, growth and rating, 4-week average,
/// 12-week sparkline, target status and this week's alert.
#[wasm_bindgen(js_name = overviewRow)]
pub fn overview_row(metric: &str, points: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (points, options) = (from_js("points", points)?, from_js("options", options)?);
    let input = OverviewInput::parse(metric, &points, &options).map_err(js_error)?;
    to_js(&analytics::overview_row(metric, input.points, input.aggregate, input.as_of, input.target, input.alerts))
}

/// `growthAccounting(days)`: growth accounting per ISO week from a report's days.
#[wasm_bindgen(js_name = growthAccounting)]
pub fn growth_accounting(days: JsValue) -> Result<JsValue, JsValue> {
    let days = read("days", days, api::analytics::accounting_days)?;
    to_js_text(&analytics::by_week(&days))
}

/// `growthAlerts(metric, points, {aggregate, asOf, floor, k, everyWeek})`: alerts on the
/// last complete week (or every week), one per week with its reasons.
#[wasm_bindgen(js_name = growthAlerts)]
pub fn growth_alerts(metric: &str, points: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (points, options) = (from_js("points", points)?, from_js("options", options)?);
    let input = AlertsInput::parse(&points, &options).map_err(js_error)?;
    to_js(&analytics::growth_alerts(metric, input.points, input.aggregate, input.as_of, input.alerts))
}

/// Pings cross the boundary as JSON text: V8's `JSON.stringify` and the core's streaming
/// reader together are several times faster than converting every property through
/// serde-wasm-bindgen (BENCHMARKS.md has the figures). Big arrays go in chunks so no single
/// string nears V8's length limit.
const PINGS_PER_CHUNK: u32 = 20_000;

fn json_text(field: &str, value: &JsValue) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::new(field, "is required"));
    }
    js_sys::JSON::stringify(value)
        .map_err(|e| {
            // V8 gives up on deep nesting with a stack overflow: say what it means.
            let why = describe(&e);
            let why = if why.contains("call stack") { "is nested too deeply to read".to_string() } else { format!("cannot be read as JSON: {why}") };
            Error::new(field, why)
        })?
        .as_string()
        .ok_or_else(|| Error::new(field, "cannot be read as JSON"))
}

fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "unknown error".into())
}

fn pings_array(pings: &JsValue) -> Result<&js_sys::Array, JsValue> {
    pings.dyn_ref::<js_sys::Array>().ok_or_else(|| {
        let kind = if pings.is_null() || pings.is_undefined() { "nothing".to_string() } else { pings.js_typeof().as_string().unwrap_or_default() };
        js_error(Error::new("pings", format!("must be an array, got {kind}")))
    })
}

/// Feeds an array of pings to the core as JSON text, a chunk at a time: `take(state, text,
/// offset)` with the text of a JSON array. A chunk it cannot take whole (a ping too deep for
/// `JSON.stringify` or the reader) is retried ping by ping, so only the bad ping goes to
/// `refuse`. `take` must change nothing when it fails, which the core's array readers ensure.
fn in_chunks<S>(
    state: &mut S,
    pings: &JsValue,
    take: impl Fn(&mut S, &str, u64) -> Result<(), Error>,
    refuse: impl Fn(&mut S, u64, Option<String>, Error),
) -> Result<(), JsValue> {
    let array = pings_array(pings)?;
    let length = array.length();
    let mut start = 0;
    while start < length {
        let end = (start + PINGS_PER_CHUNK).min(length);
        let whole = json_text("pings", &array.slice(start, end)).and_then(|text| take(state, &text, start as u64));
        if whole.is_err() {
            for i in start..end {
                let item = array.get(i);
                let one = json_text("ping", &item).and_then(|text| take(state, &format!("[{text}]"), i as u64));
                if let Err(err) = one {
                    let id = js_sys::Reflect::get(&item, &"instanceId".into()).ok().and_then(|v| v.as_string());
                    refuse(state, i as u64, id, err);
                }
            }
        }
        start = end;
    }
    Ok(())
}

fn ingest_chunks(ledger: &mut Ledger, pings: &JsValue) -> Result<ledger::BatchOutcome, JsValue> {
    let mut state = (ledger, ledger::BatchOutcome::default());
    in_chunks(
        &mut state,
        pings,
        |(ledger, outcome), text, offset| {
            outcome.absorb(ledger.ingest_array_text(text)?, offset);
            Ok(())
        },
        |(ledger, outcome), index, id, err| {
            ledger.refuse(id.clone(), &err);
            let mut one = ledger::BatchOutcome::default();
            one.record(0, Outcome::Rejected(err), id);
            outcome.absorb(one, index);
        },
    )?;
    Ok(state.1)
}

/// `now` from an options object: epoch milliseconds, if given.
fn now_option(options: &Value) -> Result<Option<i64>, JsValue> {
    match options.get("now") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => Ok(Some(input::finite("now", Some(v)).map_err(js_error)? as i64)),
    }
}

#[wasm_bindgen(js_name = aggregateInstallations)]
pub fn aggregate_installations(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = from_js("options", options)?;
    let now = now_option(&options)?;
    let options = ReportOptions::from_json(Some(&options)).map_err(js_error)?;
    let mut ledger = Ledger::new();
    ledger.set_now(now);
    ingest_chunks(&mut ledger, &pings)?;
    to_js_text(&ledger.report(options).map_err(js_error)?)
}

/// Checks pings without keeping them: `{valid: [{index, ping}], rejected: [...]}`.
/// Options: `{now}` (epoch ms): pings dated more than a day after it are rejected.
#[wasm_bindgen(js_name = validatePings)]
pub fn validate_pings(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = from_js("options", options)?;
    let now = now_option(&options)?;
    let mut validation = ledger::Validation::default();
    in_chunks(
        &mut validation,
        &pings,
        |validation, text, offset| {
            validation.absorb(ledger::validate_array_text(text, now)?, offset);
            Ok(())
        },
        |validation, index, id, err| validation.refuse(index, id, &err),
    )?;
    to_js(&validation)
}

// Demo data is for the start command, the tests and the benchmark: the package ships
// without it (Cargo feature `demo`), which keeps the .wasm small.
#[cfg(feature = "demo")]
/// The same demo pings as NDJSON text, one per line: quick to make in bulk (benchmarks).
#[wasm_bindgen(js_name = demoPingsNdjson)]
pub fn demo_pings_ndjson(options: JsValue) -> Result<String, JsValue> {
    Ok(demo::pings_ndjson(read("options", options, api::demo::demo_options)?))
}

/// Bytes of WebAssembly memory in use. Linear memory only grows, so this is also the peak.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

// Demo data is for the start command, the tests and the benchmark: the package ships
// without it (Cargo feature `demo`), which keeps the .wasm small.
#[cfg(feature = "demo")]
/// Realistic demo pings: `{installs, days, start, seed?, flatShare?}`.
#[wasm_bindgen(js_name = demoPings)]
pub fn demo_pings(options: JsValue) -> Result<JsValue, JsValue> {
    to_js(&demo::pings(read("options", options, api::demo::demo_options)?))
}

/// `activeWindowDays` of an options object (7 when absent).
fn window_option(options: JsValue) -> Result<u32, JsValue> {
    let options = from_js("options", options)?;
    Ok(ReportOptions::from_json(Some(&options)).map_err(js_error)?.active_window_days)
}

/// The installation ledger for incremental use: ingest pings as they come, report at any
/// time, save with `toJSON()` and restore with `new InstallationLedger(saved)`.
#[wasm_bindgen(js_name = InstallationLedger)]
pub struct InstallationLedger {
    inner: Ledger,
}

#[wasm_bindgen(js_class = InstallationLedger)]
impl InstallationLedger {
    /// `new InstallationLedger(saved?, {activeWindowDays}?)`: the day tables are kept for
    /// that window (7 by default); `saved` is a `toJSON()` result.
    #[wasm_bindgen(constructor)]
    pub fn new(state: JsValue, options: JsValue) -> Result<InstallationLedger, JsValue> {
        if state.is_null() || state.is_undefined() {
            return Ok(InstallationLedger { inner: Ledger::with_window(window_option(options)?) });
        }
        let window = window_option(options)?;
        let state = from_js("state", state)?;
        let mut inner = Ledger::from_json(&state).map_err(js_error)?;
        inner.set_active_window_days(window);
        Ok(InstallationLedger { inner })
    }

    /// `InstallationLedger.fromCheckpoint(bytes, {activeWindowDays}?)` restores a ledger from
    /// `checkpoint()`'s bytes; a damaged or foreign file throws an Error whose `field` is
    /// `checkpoint`.
    #[wasm_bindgen(js_name = fromCheckpoint)]
    pub fn from_checkpoint(bytes: &[u8], options: JsValue) -> Result<InstallationLedger, JsValue> {
        let mut inner = Ledger::from_checkpoint(bytes).map_err(js_error)?;
        if !options.is_undefined() && !options.is_null() {
            inner.set_active_window_days(window_option(options)?);
        }
        Ok(InstallationLedger { inner })
    }

    /// The compact binary checkpoint (a Uint8Array): stored pings, counters, log position.
    pub fn checkpoint(&self) -> Vec<u8> {
        self.inner.to_checkpoint()
    }

    /// Reads the next bytes of the raw log (a Buffer starting at `logOffset`): its whole
    /// lines are ingested, an unfinished last line is left for the next read. Returns the
    /// batch outcome with `read`, the bytes taken; rejections are indexed by log line.
    #[wasm_bindgen(js_name = ingestLog)]
    pub fn ingest_log(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let (outcome, read) = self.inner.ingest_log(bytes);
        to_js(&serde_json::json!({"accepted": outcome.accepted, "duplicates": outcome.duplicates, "rejected": outcome.rejected, "read": read}))
    }

    /// Offers rows of the collector's table as `COPY (SELECT …) TO STDOUT` writes them (text
    /// format, a Buffer of whole lines); `columns` names the query's columns in order as
    /// `[[name, type], …]` (type as PostgreSQL's `format_type` gives it). Returns the batch
    /// outcome, rejections by line from 0.
    #[wasm_bindgen(js_name = ingestRows)]
    pub fn ingest_rows(&mut self, bytes: &[u8], columns: JsValue) -> Result<JsValue, JsValue> {
        let columns: Vec<(String, String)> = serde_json::from_value(from_js("columns", columns)?)
            .map_err(|_| js_error(Error::new("columns", "must be an array of [name, type] pairs")))?;
        let columns = crate::telemetry::row::Columns::new(&columns).map_err(js_error)?;
        to_js(&self.inner.ingest_rows(bytes, &columns))
    }

    /// Bytes of the raw log this ledger holds (where the next `ingestLog` starts).
    #[wasm_bindgen(getter, js_name = logOffset)]
    pub fn log_offset(&self) -> f64 {
        self.inner.log_position().offset as f64
    }

    /// Where a database source stopped (any string, e.g. a JSON keyset key), kept in the
    /// checkpoint so a start resumes from exactly what the checkpoint covers.
    #[wasm_bindgen(getter, js_name = sourceKey)]
    pub fn source_key(&self) -> Option<String> {
        self.inner.source_key().map(str::to_string)
    }

    #[wasm_bindgen(setter, js_name = sourceKey)]
    pub fn set_source_key(&mut self, key: Option<String>) {
        self.inner.set_source_key(key);
    }

    /// What was touched since the last call: `{installs, days, builds}`.
    #[wasm_bindgen(js_name = takeWork)]
    pub fn take_work(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.take_work())
    }

    #[wasm_bindgen(getter, js_name = activeWindowDays)]
    pub fn active_window_days(&self) -> u32 {
        self.inner.active_window_days()
    }

    /// Offers one ping. Returns `{accepted: true, duplicate}`; a bad ping throws an Error
    /// naming the field (and is counted among the report's rejections).
    pub fn ingest(&mut self, ping: JsValue) -> Result<JsValue, JsValue> {
        let text = json_text("ping", &ping).map_err(js_error)?;
        match self.inner.ingest_text(&text) {
            Outcome::Accepted { duplicate } => to_js(&serde_json::json!({"accepted": true, "duplicate": duplicate})),
            Outcome::Rejected(err) => Err(js_error(err)),
        }
    }

    /// Offers many pings; bad ones do not stop the others. Returns
    /// `{accepted, duplicates, rejected: [{index, instanceId, field, reason}]}` for this batch.
    #[wasm_bindgen(js_name = ingestMany)]
    pub fn ingest_many(&mut self, pings: JsValue) -> Result<JsValue, JsValue> {
        to_js(&ingest_chunks(&mut self.inner, &pings)?)
    }

    /// Offers the lines of an NDJSON raw log; returns the batch outcome (rejections by
    /// line index, from 0).
    /// "Now" for the pings offered next (epoch ms): one dated more than a day later is
    /// refused. Pass `Date.now()`; the core never reads the clock.
    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(&mut self, now_ms: f64) {
        self.inner.set_now(now_ms.is_finite().then_some(now_ms as i64));
    }

    #[wasm_bindgen(js_name = ingestNdjson)]
    pub fn ingest_ndjson(&mut self, text: JsValue) -> Result<JsValue, JsValue> {
        // A Buffer (a file as read) is copied in a piece at a time, never whole; a string
        // has to be encoded first.
        let outcome = if let Some(bytes) = text.dyn_ref::<js_sys::Uint8Array>() {
            self.inner.ingest_ndjson_pieces(bytes.length() as usize, |start, buffer| {
                bytes.subarray(start as u32, (start + buffer.len()) as u32).copy_to(buffer)
            })
        } else if let Some(text) = text.as_string() {
            self.inner.ingest_ndjson(&text)
        } else {
            return Err(js_error(Error::new("text", "must be NDJSON as a string or a Buffer")));
        };
        to_js(&outcome)
    }

    pub fn report(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let options = ReportOptions::from_json(Some(&options)).map_err(js_error)?;
        to_js_text(&self.inner.report(options).map_err(js_error)?)
    }

    /// The report with the Installations page's KPIs and charts:
    /// `{report, kpis, charts}`; options as `report` plus `lastDays` for the charts.
    pub fn dashboard(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        to_js_text(&dashboard::for_ledger(&self.inner, Some(&options)).map_err(js_error)?)
    }

    /// Growth accounting per ISO week: `[{week, start, end, new, resurrected, churned, net,
    /// quickRatio, active, partial}]`; options as `report`, plus `completeWeeks: n` for only
    /// the last n complete weeks.
    pub fn accounting(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let complete = match options.get("completeWeeks").filter(|v| !v.is_null()) {
            Some(v) => Some(input::whole("completeWeeks", Some(v), 1, 5200).map_err(js_error)?),
            None => None,
        };
        let options = ReportOptions::from_json(Some(&options)).map_err(js_error)?;
        let report = self.inner.report(options).map_err(js_error)?;
        let weeks = analytics::growth_accounting(&report.days);
        to_js_text(&match complete {
            Some(n) => analytics::last_complete_weeks(weeks, n as usize),
            None => weeks,
        })
    }

    /// The growth accounting chart of the last `weeks` complete weeks (default 26), for a
    /// `ui-chart` with a category x axis: `[{series, x: week, y}]`, churned below zero.
    #[wasm_bindgen(js_name = accountingChart)]
    pub fn accounting_chart(&self, options: JsValue, weeks: Option<u32>) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let options = ReportOptions::from_json(Some(&options)).map_err(js_error)?;
        let report = self.inner.report(options).map_err(js_error)?;
        to_js(&analytics::accounting_chart(&analytics::growth_accounting(&report.days), weeks.unwrap_or(analytics::ACCOUNTING_CHART_WEEKS) as usize))
    }

    /// Cohort retention: `[{week, start, size, retained: [{weeks, retained, share}]}]` at
    /// 1, 2, 4, 8, 12, 26 and 52 weeks; `null` where that week is not complete.
    pub fn retention(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let options = ReportOptions::from_json(Some(&options)).map_err(js_error)?;
        to_js_text(&self.inner.retention(options))
    }

    #[wasm_bindgen(getter)]
    pub fn installations(&self) -> f64 {
        self.inner.installations() as f64
    }

    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.to_json())
    }
}

// Demo data is for the start command, the tests and the benchmark: the package ships
// without it (Cargo feature `demo`), which keeps the .wasm small.
#[cfg(feature = "demo")]
/// A year of demo snapshots: `{days, start, seed?}` → `[{date, metrics}]`.
#[wasm_bindgen(js_name = demoSnapshots)]
pub fn demo_snapshots(options: JsValue) -> Result<JsValue, JsValue> {
    let options = read("options", options, api::demo::DemoSnapshotsInput::parse)?;
    to_js(&demo::snapshots(options.days, options.start, options.seed))
}

/// The history of Cloud meta snapshots: `add({date, metrics})`, `report(options)`,
/// `metric(name, options)`, `toJSON()` and `new SnapshotHistory(saved)`.
#[wasm_bindgen(js_name = SnapshotHistory)]
pub struct SnapshotHistory {
    inner: History,
}

#[wasm_bindgen(js_class = SnapshotHistory)]
impl SnapshotHistory {
    #[wasm_bindgen(constructor)]
    pub fn new(state: JsValue) -> Result<SnapshotHistory, JsValue> {
        Ok(SnapshotHistory { inner: read("state", state, api::snapshot::saved_history)? })
    }

    /// Adds one snapshot; returns `{date, metrics (flattened), replaced}`. A bad one throws
    /// an Error naming the key and changes nothing.
    pub fn add(&mut self, snapshot: JsValue) -> Result<JsValue, JsValue> {
        let snapshot = read("snapshot", snapshot, api::snapshot::snapshot)?;
        to_js(&self.inner.add(snapshot))
    }

    /// Adds an array of snapshots, all or none.
    #[wasm_bindgen(js_name = addAll)]
    pub fn add_all(&mut self, snapshots: JsValue) -> Result<f64, JsValue> {
        let snapshots = read("snapshots", snapshots, api::snapshot::snapshots)?;
        Ok(self.inner.add_all(snapshots) as f64)
    }

    /// Every metric: `{snapshots, firstDate, lastDate, metrics: [{metric, latest, previous,
    /// change, weeklyGrowth, rating, averageGrowth, …}]}`. Options: `asOf`, `events`, `averageWeeks`.
    pub fn report(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = read("options", options, api::snapshot::history_options)?;
        to_js(&self.inner.report(&options))
    }

    /// One metric's history, week on week and chart points.
    pub fn metric(&self, name: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let options = read("options", options, api::snapshot::history_options)?;
        to_js(&self.inner.metric(name, &options).map_err(js_error)?)
    }

    #[wasm_bindgen(getter, js_name = metricNames)]
    pub fn metric_names(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.metric_names())
    }

    #[wasm_bindgen(getter, js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.to_json())
    }
}
