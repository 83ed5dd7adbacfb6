//! The only file that knows about JavaScript. Each export converts its input, calls the core
//! once and converts the result: no arithmetic, no validation of its own.

use serde::Serialize;
use serde_json::Value;
use serde_wasm_bindgen::Serializer;
use wasm_bindgen::prelude::*;

use crate::telemetry::dashboard;
use crate::telemetry::ledger::{self, Ledger, Outcome, ReportOptions};
use crate::snapshot::{self, History};
use crate::{demo, growth, input, weekly, Error};

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

/// Plain objects and `null`s only: safe to put on a Node-RED `msg` and send to a dashboard.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&Serializer::json_compatible())
        .map_err(|e| js_error(Error::new("result", e.to_string())))
}

#[wasm_bindgen(js_name = projectGrowth)]
pub fn project_growth(input: JsValue) -> Result<JsValue, JsValue> {
    let input = from_js("input", input)?;
    to_js(&growth::project(&input).map_err(js_error)?)
}

#[wasm_bindgen(js_name = equivalentRates)]
pub fn equivalent_rates(input: JsValue) -> Result<JsValue, JsValue> {
    let input = from_js("input", input)?;
    to_js(&growth::equivalent_rates(&input).map_err(js_error)?)
}

#[wasm_bindgen(js_name = requiredWeeklyRate)]
pub fn required_weekly_rate(input: JsValue) -> Result<f64, JsValue> {
    let input = from_js("input", input)?;
    growth::required_weekly_rate(&input).map_err(js_error)
}

#[wasm_bindgen(js_name = weeksToTarget)]
pub fn weeks_to_target(input: JsValue) -> Result<JsValue, JsValue> {
    let input = from_js("input", input)?;
    // Through the serializer so "never" is `null`, not `undefined`.
    to_js(&growth::weeks_to_target(&input).map_err(js_error)?)
}

#[wasm_bindgen(js_name = planTarget)]
pub fn plan_target(input: JsValue) -> Result<JsValue, JsValue> {
    let input = from_js("input", input)?;
    to_js(&growth::plan_target(&input).map_err(js_error)?)
}

#[wasm_bindgen(js_name = growthTable)]
pub fn growth_table(input: JsValue) -> Result<JsValue, JsValue> {
    let input = from_js("input", input)?;
    to_js(&growth::growth_table(&input).map_err(js_error)?)
}

#[wasm_bindgen(js_name = weekOnWeek)]
pub fn week_on_week(points: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let points = from_js("points", points)?;
    let options = from_js("options", options)?;
    to_js(&weekly::week_on_week_json(&points, Some(&options)).map_err(js_error)?)
}

#[wasm_bindgen(js_name = aggregateInstallations)]
pub fn aggregate_installations(pings: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let pings = from_js("pings", pings)?;
    let options = from_js("options", options)?;
    to_js(&ledger::aggregate(&pings, Some(&options)).map_err(js_error)?)
}

/// Checks pings without keeping them: `{valid: [{index, ping}], rejected: [...]}`.
#[wasm_bindgen(js_name = validatePings)]
pub fn validate_pings(pings: JsValue) -> Result<JsValue, JsValue> {
    let pings = from_js("pings", pings)?;
    to_js(&ledger::validate(&pings).map_err(js_error)?)
}

/// Realistic demo pings: `{installs, days, start, seed?, flatShare?}`.
#[wasm_bindgen(js_name = demoPings)]
pub fn demo_pings(options: JsValue) -> Result<JsValue, JsValue> {
    let options = from_js("options", options)?;
    to_js(&demo::pings(demo::DemoOptions::from_json(&options).map_err(js_error)?))
}

/// The installation ledger for incremental use: ingest pings as they come, report at any
/// time, save with `toJSON()` and restore with `new InstallationLedger(saved)`.
#[wasm_bindgen(js_name = InstallationLedger)]
pub struct InstallationLedger {
    inner: Ledger,
}

#[wasm_bindgen(js_class = InstallationLedger)]
impl InstallationLedger {
    #[wasm_bindgen(constructor)]
    pub fn new(state: JsValue) -> Result<InstallationLedger, JsValue> {
        if state.is_null() || state.is_undefined() {
            return Ok(InstallationLedger { inner: Ledger::new() });
        }
        let state = from_js("state", state)?;
        Ok(InstallationLedger { inner: Ledger::from_json(&state).map_err(js_error)? })
    }

    /// Offers one ping. Returns `{accepted: true, duplicate}`; a bad ping throws an Error
    /// naming the field (and is counted among the report's rejections).
    pub fn ingest(&mut self, ping: JsValue) -> Result<JsValue, JsValue> {
        let ping = from_js("ping", ping)?;
        match self.inner.ingest(&ping) {
            Outcome::Accepted { duplicate } => to_js(&serde_json::json!({"accepted": true, "duplicate": duplicate})),
            Outcome::Rejected(err) => Err(js_error(err)),
        }
    }

    /// Offers many pings; bad ones do not stop the others. Returns
    /// `{accepted, duplicates, rejected: [{index, instanceId, field, reason}]}` for this batch.
    #[wasm_bindgen(js_name = ingestMany)]
    pub fn ingest_many(&mut self, pings: JsValue) -> Result<JsValue, JsValue> {
        let pings = from_js("pings", pings)?;
        to_js(&self.inner.ingest_batch(&pings).map_err(js_error)?)
    }

    /// Offers the lines of an NDJSON raw log; returns the batch outcome (rejections by
    /// line index, from 0).
    #[wasm_bindgen(js_name = ingestNdjson)]
    pub fn ingest_ndjson(&mut self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.inner.ingest_ndjson(text))
    }

    pub fn report(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let options = ReportOptions::from_json(Some(&options)).map_err(js_error)?;
        to_js(&self.inner.report(options).map_err(js_error)?)
    }

    /// The report with the Installations page's KPIs and charts:
    /// `{report, kpis, charts}`; options as `report` plus `lastDays` for the charts.
    pub fn dashboard(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        to_js(&dashboard::for_ledger(&self.inner, Some(&options)).map_err(js_error)?)
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

/// A year of demo snapshots: `{days, start, seed?}` → `[{date, metrics}]`.
#[wasm_bindgen(js_name = demoSnapshots)]
pub fn demo_snapshots(options: JsValue) -> Result<JsValue, JsValue> {
    let options = from_js("options", options)?;
    let days = input::whole("days", options.get("days"), 1, 20_000).map_err(js_error)?;
    let start = input::day("start", options.get("start").unwrap_or(&serde_json::Value::Null)).map_err(js_error)?;
    let seed = match options.get("seed") {
        Some(v) if !v.is_null() => input::whole("seed", Some(v), 0, u32::MAX).map_err(js_error)? as u64,
        _ => 1,
    };
    to_js(&demo::snapshots(days, start, seed))
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
        if state.is_null() || state.is_undefined() {
            return Ok(SnapshotHistory { inner: History::new() });
        }
        let state = from_js("state", state)?;
        Ok(SnapshotHistory { inner: History::from_json(&state).map_err(js_error)? })
    }

    /// Adds one snapshot; returns `{date, metrics (flattened), replaced}`. A bad one throws
    /// an Error naming the key and changes nothing.
    pub fn add(&mut self, snapshot: JsValue) -> Result<JsValue, JsValue> {
        let snapshot = from_js("snapshot", snapshot)?;
        to_js(&self.inner.add(&snapshot).map_err(js_error)?)
    }

    /// Adds an array of snapshots, all or none.
    #[wasm_bindgen(js_name = addAll)]
    pub fn add_all(&mut self, snapshots: JsValue) -> Result<f64, JsValue> {
        let snapshots = from_js("snapshots", snapshots)?;
        self.inner.add_all(&snapshots).map(|n| n as f64).map_err(js_error)
    }

    /// Every metric: `{snapshots, firstDate, lastDate, metrics: [{metric, latest, previous,
    /// change, weeklyGrowth, rating, averageGrowth, …}]}`. Options: `asOf`, `events`, `averageWeeks`.
    pub fn report(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let options = snapshot::ReportOptions::from_json(Some(&options)).map_err(js_error)?;
        to_js(&self.inner.report(&options))
    }

    /// One metric's history, week on week and chart points.
    pub fn metric(&self, name: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let options = from_js("options", options)?;
        let options = snapshot::ReportOptions::from_json(Some(&options)).map_err(js_error)?;
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
