//! The only file that knows about JavaScript. Each export converts its input, calls the core
//! once and converts the result: no arithmetic, no validation of its own.

use serde::Serialize;
use serde_json::Value;
use serde_wasm_bindgen::Serializer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::analytics::{conversions, retention, uptake};
use crate::api::analytics::{AlertsInput, OverviewInput};
use crate::api::growth::{PlanInput, ProjectionInput, RatesInput, RequiredRateInput, TableInput, WeeksToTargetInput};
use crate::api::weekly::WeekOnWeekInput;
use crate::snapshot::History;
use crate::telemetry::batch::{self, PingArray};
use crate::telemetry::dashboard;
use crate::telemetry::ledger::{Ledger, LedgerOptions, ReportOptions};
use crate::telemetry::model::LogRead;
use crate::telemetry::sources::objects::{Odd, Packed};
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

/// An export's `options` argument, read by its parser (which names the bad field).
fn options_with<T>(options: JsValue, parse: impl FnOnce(Option<&Value>) -> crate::error::Result<T>) -> Result<T, JsValue> {
    parse(Some(&from_js("options", options)?)).map_err(js_error)
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

// The walk that packs a chunk of pings for `sources::objects` (shipped with the core, in
// its snippets/ folder).
#[wasm_bindgen(module = "/src/telemetry/sources/objects.js")]
extern "C" {
    #[wasm_bindgen(js_name = packPings, catch)]
    fn pack_pings(pings: &js_sys::Array, start: u32, end: u32) -> Result<JsValue, JsValue>;
}

/// A JavaScript array of pings, handed to the core's batch functions (`telemetry::batch`),
/// which take it a chunk at a time, packed by `objects.js` or, where it cannot pack them,
/// as JSON text through `JSON.stringify`.
struct JsPings<'a>(&'a js_sys::Array);

impl<'a> JsPings<'a> {
    fn of(pings: &'a JsValue) -> Result<JsPings<'a>, JsValue> {
        pings.dyn_ref::<js_sys::Array>().map(JsPings).ok_or_else(|| {
            let kind = if pings.is_null() || pings.is_undefined() { "nothing".to_string() } else { pings.js_typeof().as_string().unwrap_or_default() };
            js_error(Error::new("pings", format!("must be an array, got {kind}")))
        })
    }
}

impl PingArray for JsPings<'_> {
    fn len(&self) -> u32 {
        self.0.length()
    }
    fn text(&self, start: u32, end: u32) -> Result<String, String> {
        json_text(&self.0.slice(start, end))
    }
    fn item_text(&self, index: u32) -> Result<String, String> {
        json_text(&self.0.get(index))
    }
    fn instance_id(&self, index: u32) -> Option<String> {
        js_sys::Reflect::get(&self.0.get(index), &"instanceId".into()).ok().and_then(|v| v.as_string())
    }
    fn packed(&self, start: u32, end: u32) -> Option<Packed> {
        let parts = pack_pings(self.0, start, end).ok()?.dyn_into::<js_sys::Array>().ok()?;
        let ops = parts.get(0).dyn_into::<js_sys::Uint32Array>().ok()?.to_vec();
        let text = String::from_utf8(parts.get(1).dyn_into::<js_sys::Uint8Array>().ok()?.to_vec()).ok()?;
        let ends = parts.get(2).dyn_into::<js_sys::Uint32Array>().ok()?.to_vec();
        let trie = parts.get(3).dyn_into::<js_sys::Uint32Array>().ok()?.to_vec();
        let odd = parts.get(4);
        let odd = match odd.as_string() {
            Some(text) => Odd::Text(text),
            None if odd.is_null() => Odd::None,
            None => Odd::Threw,
        };
        Packed::new(ops, text, ends, trie, odd, end - start)
    }
}

/// How many pings the batch functions have read from packs, not from their JSON text,
/// since the module loaded (tests check the common pings take that path).
#[wasm_bindgen(js_name = pingsReadPacked)]
pub fn pings_read_packed() -> f64 {
    crate::telemetry::sources::objects::read_packed_total() as f64
}

/// `JSON.stringify` of a value, or in words why not.
fn json_text(value: &JsValue) -> Result<String, String> {
    if value.is_undefined() {
        return Err("is required".into());
    }
    js_sys::JSON::stringify(value)
        .map_err(|e| {
            // V8 gives up on deep nesting with a stack overflow: say what it means.
            let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "unknown error".into());
            if why.contains("call stack") { "is nested too deeply to read".to_string() } else { format!("cannot be read as JSON: {why}") }
        })?
        .as_string()
        .ok_or_else(|| "cannot be read as JSON".to_string())
}

#[wasm_bindgen(js_name = aggregateInstallations)]
pub fn aggregate_installations(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_with(options, api::installations::batch_options)?;
    to_js_text(&batch::aggregate(&JsPings::of(&pings)?, options).map_err(js_error)?)
}

/// Per complete ISO week, installs whose value of a dimension changed:
/// `[{week, from, to, count}]`; options `{activeWindowDays, asOf, dimension}`.
#[wasm_bindgen(js_name = installationConversions)]
pub fn installation_conversions(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (options, dimension) = options_with(options, api::installations::batch_conversion_options)?;
    to_js(&batch::conversions(&JsPings::of(&pings)?, options, dimension))
}

/// Each release's uptake, in release order: `[{version, released, share7, share30, share90,
/// daysTo50}]`; options `{activeWindowDays, asOf}`.
#[wasm_bindgen(js_name = versionUptake)]
pub fn version_uptake(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_with(options, api::installations::batch_options)?;
    to_js(&batch::uptake(&JsPings::of(&pings)?, options).map_err(js_error)?)
}

/// Checks pings without keeping them: `{valid: [{index, ping}], rejected: [...]}`.
/// Options: `{now}` (epoch ms): pings dated more than a day after it are rejected.
#[wasm_bindgen(js_name = validatePings)]
pub fn validate_pings(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_with(options, api::installations::batch_options)?;
    to_js(&batch::validate(&JsPings::of(&pings)?, options.now))
}

// Demo data is for the start command, the tests and the benchmark: the package ships
// without it (Cargo feature `demo`), which keeps the .wasm small.
#[cfg(feature = "demo")]
/// The same demo pings as NDJSON text, one per line: quick to make in bulk (benchmarks).
#[wasm_bindgen(js_name = demoPingsNdjson)]
pub fn demo_pings_ndjson(options: JsValue) -> Result<String, JsValue> {
    Ok(demo::pings_ndjson(read("options", options, api::demo::demo_options)?))
}

#[cfg(feature = "demo")]
/// `demoPingsNdjson` handed to `write(text)` in parts of whole lines (about 16 MB each), for
/// histories larger than one string (the benchmark's ten million pings).
#[wasm_bindgen(js_name = demoPingsNdjsonEach)]
pub fn demo_pings_ndjson_each(options: JsValue, write: &js_sys::Function) -> Result<(), JsValue> {
    let mut failed = None;
    demo::pings_ndjson_each(read("options", options, api::demo::demo_options)?, 16 << 20, |text| {
        if failed.is_none() {
            failed = write.call1(&JsValue::NULL, &JsValue::from_str(text)).err();
        }
    });
    failed.map_or(Ok(()), Err)
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

/// A ledger's options: `{activeWindowDays, maxValuesPerDimension, maxCountKeys}`.
fn ledger_options(options: JsValue) -> Result<LedgerOptions, JsValue> {
    let options = if options.is_null() || options.is_undefined() { None } else { Some(from_js("options", options)?) };
    api::installations::ledger_options(options.as_ref()).map_err(js_error)
}

/// The report options of an options object.
fn report_options(options: JsValue) -> Result<ReportOptions, JsValue> {
    options_with(options, api::installations::report_options)
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
        let saved = if state.is_null() || state.is_undefined() { None } else { Some(from_js("state", state)?) };
        let inner = Ledger::open(saved.as_ref(), ledger_options(options)?).map_err(js_error)?;
        Ok(InstallationLedger { inner })
    }

    /// `InstallationLedger.fromCheckpoint(bytes, {activeWindowDays}?)` restores a ledger from
    /// `checkpoint()`'s bytes; a damaged or foreign file throws an Error whose `field` is
    /// `checkpoint`.
    #[wasm_bindgen(js_name = fromCheckpoint)]
    pub fn from_checkpoint(bytes: &[u8], options: JsValue) -> Result<InstallationLedger, JsValue> {
        let inner = Ledger::open_checkpoint(bytes, ledger_options(options)?).map_err(js_error)?;
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
        to_js(&LogRead::new(outcome, read))
    }

    /// Offers rows of the collector's table as `COPY (SELECT …) TO STDOUT` writes them (text
    /// format, a Buffer of whole lines); `columns` names the query's columns in order as
    /// `[[name, type], …]` (type as PostgreSQL's `format_type` gives it). Returns the batch
    /// outcome, rejections by line from 0.
    #[wasm_bindgen(js_name = ingestRows)]
    pub fn ingest_rows(&mut self, bytes: &[u8], columns: JsValue) -> Result<JsValue, JsValue> {
        let columns = api::installations::columns(&from_js("columns", columns)?).map_err(js_error)?;
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
        let text = json_text(&ping).map_err(|why| js_error(Error::new("ping", why)))?;
        to_js(&self.inner.ingest_text(&text).into_result().map_err(js_error)?)
    }

    /// Offers many pings; bad ones do not stop the others. Returns
    /// `{accepted, duplicates, rejected: [{index, instanceId, field, reason}]}` for this batch.
    #[wasm_bindgen(js_name = ingestMany)]
    pub fn ingest_many(&mut self, pings: JsValue) -> Result<JsValue, JsValue> {
        to_js(&batch::ingest_many(&mut self.inner, &JsPings::of(&pings)?))
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
        to_js_text(&self.inner.report(report_options(options)?).map_err(js_error)?)
    }

    /// The report with the Installations page's KPIs and charts:
    /// `{report, kpis, charts}`; options as `report` plus `lastDays` for the charts.
    pub fn dashboard(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = options_with(options, api::installations::dashboard_options)?;
        to_js_text(&dashboard::for_ledger(&self.inner, options).map_err(js_error)?)
    }

    /// Growth accounting per ISO week: `[{week, start, end, new, resurrected, churned, net,
    /// quickRatio, active, partial}]`; options as `report`, plus `completeWeeks: n` for only
    /// the last n complete weeks.
    pub fn accounting(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let (options, complete) = options_with(options, api::installations::accounting_options)?;
        to_js_text(&dashboard::accounting(&self.inner, options, complete).map_err(js_error)?)
    }

    /// The growth accounting chart of the last `weeks` complete weeks (default 26), for a
    /// `ui-chart` with a category x axis: `[{series, x: week, y}]`, churned below zero.
    #[wasm_bindgen(js_name = accountingChart)]
    pub fn accounting_chart(&self, options: JsValue, weeks: Option<u32>) -> Result<JsValue, JsValue> {
        to_js(&dashboard::accounting_chart(&self.inner, report_options(options)?, weeks).map_err(js_error)?)
    }

    /// Cohort retention: `[{week, start, size, retained: [{weeks, retained, share}]}]` at
    /// 1, 2, 4, 8, 12, 26 and 52 weeks; `null` where that week is not complete.
    pub fn retention(&self, options: JsValue) -> Result<JsValue, JsValue> {
        to_js_text(&retention::retention(&self.inner, report_options(options)?))
    }

    /// Per complete ISO week, installs whose value of `dimension` changed: `[{week, from, to,
    /// count}]`; options as `report` plus `dimension` (required).
    pub fn conversions(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let (options, dimension) = options_with(options, api::installations::conversion_options)?;
        to_js(&conversions::conversions(&self.inner, options, dimension))
    }

    /// Each release's uptake (from the report's days, read from the kept tables): options as
    /// `report`.
    pub fn uptake(&self, options: JsValue) -> Result<JsValue, JsValue> {
        to_js(&uptake::uptake(&self.inner.report(report_options(options)?).map_err(js_error)?.days))
    }

    /// The Installations page's Versions section: `{uptake, shareChart, newest: {version,
    /// date, share}}`; options as `report`, plus `chartDays` and `newest` (releases charted
    /// apart, 5 by default).
    pub fn versions(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let (options, chart_days, newest) = options_with(options, api::installations::versions_options)?;
        to_js(&uptake::versions(&self.inner.report(options).map_err(js_error)?.days, chart_days, newest))
    }

    /// `{driver, os, version, license, counts}`: values counted under `other` because the
    /// dimension (or the count keys) was full.
    #[wasm_bindgen(getter)]
    pub fn overflow(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.overflow())
    }

    /// How many values in all went to `other` (the sum of `overflow`'s).
    #[wasm_bindgen(getter, js_name = overflowTotal)]
    pub fn overflow_total(&self) -> f64 {
        self.inner.overflow().total() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn installations(&self) -> f64 {
        self.inner.installations() as f64
    }

    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        js_sys::JSON::parse(&self.inner.to_json_text()).map_err(|_| js_error(Error::new("state", "could not be read back as JSON")))
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
