//! The only file that knows about JavaScript. Each export converts its input, calls the core
//! once and converts the result: no arithmetic, no validation of its own.

use serde::Serialize;
use serde_json::Value;
use serde_wasm_bindgen::Serializer;
use wasm_bindgen::prelude::*;

use crate::{growth, weekly, Error};

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
pub fn weeks_to_target(input: JsValue) -> Result<Option<f64>, JsValue> {
    let input = from_js("input", input)?;
    growth::weeks_to_target(&input).map_err(js_error)
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
