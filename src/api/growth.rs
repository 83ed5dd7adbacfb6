//! The growth calculator's inputs: `{start, weeklyRate | weeklyRatePercent, weeks, target}`
//! in the combinations each export takes, numbers or numeric strings (as an `http in` query
//! or a text field sends them).

use serde_json::{Map, Value};

use super::input;
use crate::error::{Error, Result};
use crate::growth::{self, MAX_WEEKS};

/// `projectGrowth({start, weeklyRate, weeks})`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionInput {
    pub start: f64,
    pub weekly_rate: f64,
    pub weeks: u32,
}

/// `equivalentRates({weeklyRate})`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatesInput {
    pub weekly_rate: f64,
}

/// `requiredWeeklyRate({start, target, weeks})`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequiredRateInput {
    pub start: f64,
    pub target: f64,
    pub weeks: u32,
}

/// `weeksToTarget({start, target, weeklyRate})`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeeksToTargetInput {
    pub start: f64,
    pub target: f64,
    pub weekly_rate: f64,
}

/// `planTarget({start, target, weeks?, weeklyRate?})`: at least one of the two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanInput {
    pub start: f64,
    pub target: f64,
    pub weeks: Option<u32>,
    pub weekly_rate: Option<f64>,
}

/// `growthTable({start, weeks, weeklyRates | weeklyRatesPercent})`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableInput {
    pub start: f64,
    pub weeks: u32,
    /// Fractions, whichever way they were sent.
    pub weekly_rates: Vec<f64>,
    /// The key they came under, so an error names `weeklyRatesPercent[2]` as it was sent.
    pub rates_key: &'static str,
}

fn field<'a>(input: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    input.get(name)
}

/// The weekly rate as a fraction (`weeklyRate: 0.05`) or, as a dashboard form sends it, in
/// percent (`weeklyRatePercent: 5`).
fn weekly_rate(input: &Map<String, Value>) -> Result<f64> {
    match field(input, "weeklyRatePercent") {
        Some(percent) if field(input, "weeklyRate").is_none() => {
            let p = input::finite("weeklyRatePercent", Some(percent))?;
            if p / 100.0 <= -1.0 {
                return Err(Error::new("weeklyRatePercent", format!("must be greater than -100, got {p}")));
            }
            Ok(p / 100.0)
        }
        _ => input::rate("weeklyRate", field(input, "weeklyRate")),
    }
}

fn has_weekly_rate(input: &Map<String, Value>) -> bool {
    ["weeklyRate", "weeklyRatePercent"].iter().any(|k| !matches!(field(input, k), None | Some(Value::Null)))
}

impl ProjectionInput {
    pub fn parse(value: &Value) -> Result<ProjectionInput> {
        let input = input::object("input", value)?;
        Ok(ProjectionInput {
            start: input::non_negative("start", field(input, "start"))?,
            weekly_rate: weekly_rate(input)?,
            weeks: input::whole("weeks", field(input, "weeks"), 0, MAX_WEEKS)?,
        })
    }
}

impl RatesInput {
    pub fn parse(value: &Value) -> Result<RatesInput> {
        let input = input::object("input", value)?;
        Ok(RatesInput { weekly_rate: weekly_rate(input)? })
    }
}

impl RequiredRateInput {
    pub fn parse(value: &Value) -> Result<RequiredRateInput> {
        let input = input::object("input", value)?;
        Ok(RequiredRateInput {
            start: input::positive("start", field(input, "start"))?,
            target: input::positive("target", field(input, "target"))?,
            weeks: input::whole("weeks", field(input, "weeks"), 1, MAX_WEEKS)?,
        })
    }
}

impl WeeksToTargetInput {
    pub fn parse(value: &Value) -> Result<WeeksToTargetInput> {
        let input = input::object("input", value)?;
        Ok(WeeksToTargetInput {
            start: input::positive("start", field(input, "start"))?,
            target: input::positive("target", field(input, "target"))?,
            weekly_rate: weekly_rate(input)?,
        })
    }
}

impl PlanInput {
    pub fn parse(value: &Value) -> Result<PlanInput> {
        let input = input::object("input", value)?;
        let start = input::positive("start", field(input, "start"))?;
        let target = input::positive("target", field(input, "target"))?;
        let has_weeks = !matches!(field(input, "weeks"), None | Some(Value::Null));
        if !has_weeks && !has_weekly_rate(input) {
            return Err(Error::new("weeks", "give weeks, weeklyRate or both"));
        }
        let weeks = if has_weeks { Some(input::whole("weeks", field(input, "weeks"), 1, MAX_WEEKS)?) } else { None };
        if let Some(weeks) = weeks {
            // A target out of range of these weeks is named before a bad weekly rate, as
            // planTarget always named it.
            growth::required_weekly_rate(start, target, weeks)?;
        }
        let weekly_rate = if has_weekly_rate(input) { Some(weekly_rate(input)?) } else { None };
        Ok(PlanInput { start, target, weeks, weekly_rate })
    }
}

impl TableInput {
    /// Checked in the order a row at a time meets them, as growthTable always checked them:
    /// the first rate's number, then `start`, that rate's range, `weeks` and whether it
    /// compounds to a number, then each further rate the same way.
    pub fn parse(value: &Value) -> Result<TableInput> {
        let map = input::object("input", value)?;
        let (key, scale) = if map.contains_key("weeklyRatesPercent") && !map.contains_key("weeklyRates") {
            ("weeklyRatesPercent", 100.0)
        } else {
            ("weeklyRates", 1.0)
        };
        let rates = match map.get(key) {
            Some(Value::Array(items)) if !items.is_empty() && items.len() <= 1000 => items,
            _ => return Err(Error::new(key, "must be an array of 1 to 1000 rates")),
        };
        let mut start_and_weeks = None;
        let mut weekly_rates = Vec::with_capacity(rates.len());
        for (i, rate) in rates.iter().enumerate() {
            let name = format!("{key}[{i}]");
            let g = input::finite(&name, Some(rate))? / scale;
            let start = match start_and_weeks {
                Some((start, _)) => start,
                None => input::non_negative("start", field(map, "start"))?,
            };
            let g = input::rate(&name, Some(&Value::from(g)))?;
            if start_and_weeks.is_none() {
                start_and_weeks = Some((start, input::whole("weeks", field(map, "weeks"), 0, MAX_WEEKS)?));
            }
            if let Some((start, weeks)) = start_and_weeks {
                growth::compounded(start, g, weeks).map_err(|e| Error::new(name.clone(), e.message))?;
            }
            weekly_rates.push(g);
        }
        let (start, weeks) = start_and_weeks.unwrap_or_default();
        Ok(TableInput { start, weeks, weekly_rates, rates_key: key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn each_field_is_named_with_its_problem() {
        assert_eq!(message(ProjectionInput::parse(&json!({"start": true, "weeklyRate": 0.05, "weeks": 52}))), "start: must be a finite number, got a boolean");
        assert_eq!(message(ProjectionInput::parse(&json!({"start": 100, "weeklyRate": 0.05, "weeks": 1.5}))), "weeks: must be a whole number from 0 to 5200, got 1.5");
        assert_eq!(message(ProjectionInput::parse(&json!({"start": 100, "weeklyRate": -1, "weeks": 52}))), "weeklyRate: must be greater than -1 (−100 %), got -1");
        assert_eq!(message(ProjectionInput::parse(&json!({"start": 100, "weeklyRatePercent": -100, "weeks": 52}))), "weeklyRatePercent: must be greater than -100, got -100");
        assert_eq!(message(ProjectionInput::parse(&json!({"start": 100, "weeks": 52}))), "weeklyRate: is required (a finite number)");
        assert_eq!(message(ProjectionInput::parse(&json!("100"))), "input: must be an object, got a string");
        assert_eq!(message(ProjectionInput::parse(&Value::Null)), "input: must be an object, got null");
        assert_eq!(message(RatesInput::parse(&json!({"weeklyRate": "fast"}))), "weeklyRate: must be a finite number, got \"fast\"");
        assert_eq!(message(RequiredRateInput::parse(&json!({"start": 0, "target": 200, "weeks": 4}))), "start: must be greater than 0, got 0");
        assert_eq!(message(RequiredRateInput::parse(&json!({"start": 100, "target": 200, "weeks": 0}))), "weeks: must be a whole number from 1 to 5200, got 0");
        assert_eq!(message(WeeksToTargetInput::parse(&json!({"start": 1, "target": -5, "weeklyRate": 0.1}))), "target: must be greater than 0, got -5");
        assert_eq!(message(PlanInput::parse(&json!({"start": 100, "target": 200}))), "weeks: give weeks, weeklyRate or both");
        assert_eq!(message(PlanInput::parse(&json!({"start": 100, "target": 200, "weeks": null, "weeklyRate": null}))), "weeks: give weeks, weeklyRate or both");
        assert_eq!(message(TableInput::parse(&json!({"start": 100, "weeks": 52}))), "weeklyRates: must be an array of 1 to 1000 rates");
        assert_eq!(message(TableInput::parse(&json!({"start": 100, "weeks": 52, "weeklyRatesPercent": []}))), "weeklyRatesPercent: must be an array of 1 to 1000 rates");
        assert_eq!(message(TableInput::parse(&json!({"start": 100, "weeks": 52, "weeklyRates": [0.1, -3]}))), "weeklyRates[1]: must be greater than -1 (−100 %), got -3");
        assert_eq!(message(TableInput::parse(&json!({"start": 100, "weeks": 52, "weeklyRatesPercent": [5, "x"]}))), "weeklyRatesPercent[1]: must be a finite number, got \"x\"");
    }

    #[test]
    fn numbers_as_text_and_percent_read_as_fractions() {
        let p = ProjectionInput::parse(&json!({"start": " 100 ", "weeklyRate": "0.05", "weeks": "52"})).unwrap();
        assert_eq!(p, ProjectionInput { start: 100.0, weekly_rate: 0.05, weeks: 52 });
        let p = ProjectionInput::parse(&json!({"start": 100, "weeklyRatePercent": 5, "weeks": 52})).unwrap();
        assert_eq!(p.weekly_rate, 0.05);
        // A fraction wins over percent when both are sent; a null fraction still counts as sent.
        assert_eq!(RatesInput::parse(&json!({"weeklyRate": 0.02, "weeklyRatePercent": 5})).unwrap().weekly_rate, 0.02);
        assert_eq!(RatesInput::parse(&json!({"weeklyRate": null, "weeklyRatePercent": 5})).unwrap_err().field, "weeklyRate");
        let plan = PlanInput::parse(&json!({"start": 100, "target": 200, "weeklyRatePercent": 5})).unwrap();
        assert_eq!((plan.weeks, plan.weekly_rate), (None, Some(0.05)));
        let table = TableInput::parse(&json!({"start": 100, "weeks": 52, "weeklyRatesPercent": [20, 0.5]})).unwrap();
        assert_eq!((table.weekly_rates, table.rates_key), (vec![0.2, 0.005], "weeklyRatesPercent"));
    }

    #[test]
    fn a_table_names_the_first_bad_field_as_a_row_by_row_reading_would() {
        // The first rate is read before start; start before that rate's range and weeks.
        assert_eq!(TableInput::parse(&json!({"start": -1, "weeks": 52, "weeklyRates": ["x"]})).unwrap_err().field, "weeklyRates[0]");
        assert_eq!(TableInput::parse(&json!({"start": -1, "weeks": 52, "weeklyRates": [-2]})).unwrap_err().field, "start");
        assert_eq!(TableInput::parse(&json!({"start": 1, "weeks": 1.5, "weeklyRates": [-2]})).unwrap_err().field, "weeklyRates[0]");
        assert_eq!(TableInput::parse(&json!({"start": 1, "weeks": 1.5, "weeklyRates": [0.1, "x"]})).unwrap_err().field, "weeks");
        // A row that overflows is named before the next row's number.
        let err = TableInput::parse(&json!({"start": 1e300, "weeks": 5000, "weeklyRates": [10, "x"]})).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.starts_with("compounding 10 over 5000 weeks")), ("weeklyRates[0]", true));
        // A target out of range is named before a bad weekly rate.
        assert_eq!(PlanInput::parse(&json!({"start": 1e-308, "target": 1e308, "weeks": 1, "weeklyRate": "bad"})).unwrap_err().field, "target");
    }
}
