//! The growth calculator: compounding a weekly rate, the rate that reaches a target, the
//! weeks it takes, and the same rate expressed per month and per year.

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::input;
use crate::rating::Rating;

/// A year is 52 weeks and a month a twelfth of it, as the product team reckons.
pub const WEEKS_PER_YEAR: f64 = 52.0;
pub const WEEKS_PER_MONTH: f64 = 52.0 / 12.0;

/// A century of weeks: more than any plan needs, and it bounds the points we allocate.
pub const MAX_WEEKS: u32 = 5200;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Projection {
    pub start: f64,
    pub weekly_rate: f64,
    pub weeks: u32,
    /// start × (1 + g)^weeks
    pub end: f64,
    /// (1 + g)^weeks: what the start is multiplied by.
    pub multiple: f64,
    pub monthly_rate: f64,
    pub yearly_rate: f64,
    pub rating: Rating,
    pub points: Vec<ProjectionPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectionPoint {
    pub week: u32,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EquivalentRates {
    pub weekly_rate: f64,
    pub monthly_rate: f64,
    pub yearly_rate: f64,
    pub rating: Rating,
}

/// (1 + g)^n, for any real n.
fn growth_factor(weekly_rate: f64, weeks: f64) -> f64 {
    (1.0 + weekly_rate).powf(weeks)
}

fn equivalents(weekly_rate: f64) -> EquivalentRates {
    EquivalentRates {
        weekly_rate,
        monthly_rate: growth_factor(weekly_rate, WEEKS_PER_MONTH) - 1.0,
        yearly_rate: growth_factor(weekly_rate, WEEKS_PER_YEAR) - 1.0,
        rating: Rating::of(weekly_rate),
    }
}

fn field<'a>(input: &'a Value, name: &str) -> Option<&'a Value> {
    input.get(name)
}

/// `projectGrowth({start, weeklyRate, weeks})`: value after n weeks = start × (1 + g)^n.
pub fn project(input: &Value) -> Result<Projection> {
    input::object("input", input)?;
    let start = input::non_negative("start", field(input, "start"))?;
    let weekly_rate = input::rate("weeklyRate", field(input, "weeklyRate"))?;
    let weeks = input::whole("weeks", field(input, "weeks"), 0, MAX_WEEKS)?;

    let multiple = growth_factor(weekly_rate, weeks as f64);
    let end = start * multiple;
    if !end.is_finite() {
        return Err(Error::new(
            "weeklyRate",
            format!("compounding {weekly_rate} over {weeks} weeks from {start} exceeds the largest number"),
        ));
    }
    let points = (0..=weeks)
        .map(|week| ProjectionPoint { week, value: start * growth_factor(weekly_rate, week as f64) })
        .collect();
    let rates = equivalents(weekly_rate);
    Ok(Projection {
        start,
        weekly_rate,
        weeks,
        end,
        multiple,
        monthly_rate: rates.monthly_rate,
        yearly_rate: rates.yearly_rate,
        rating: rates.rating,
        points,
    })
}

/// `equivalentRates({weeklyRate})`: the monthly and yearly rates that compound to the same
/// growth, and the rating of the weekly rate.
pub fn equivalent_rates(input: &Value) -> Result<EquivalentRates> {
    input::object("input", input)?;
    let weekly_rate = input::rate("weeklyRate", field(input, "weeklyRate"))?;
    Ok(equivalents(weekly_rate))
}

/// `requiredWeeklyRate({start, target, weeks})`: (target / start)^(1/n) − 1.
pub fn required_weekly_rate(input: &Value) -> Result<f64> {
    input::object("input", input)?;
    let start = input::positive("start", field(input, "start"))?;
    let target = input::positive("target", field(input, "target"))?;
    let weeks = input::whole("weeks", field(input, "weeks"), 1, MAX_WEEKS)?;
    let rate = (target / start).powf(1.0 / weeks as f64) - 1.0;
    if !rate.is_finite() {
        return Err(Error::new("target", format!("{target} from {start} is out of range")));
    }
    Ok(rate)
}

/// `weeksToTarget({start, target, weeklyRate})`: ln(target / start) / ln(1 + g), or `None`
/// when the rate never gets there (no growth, or growth in the other direction).
pub fn weeks_to_target(input: &Value) -> Result<Option<f64>> {
    input::object("input", input)?;
    let start = input::positive("start", field(input, "start"))?;
    let target = input::positive("target", field(input, "target"))?;
    let weekly_rate = input::rate("weeklyRate", field(input, "weeklyRate"))?;
    if target == start {
        return Ok(Some(0.0));
    }
    let weeks = (target / start).ln() / weekly_rate.ln_1p();
    Ok(Some(weeks).filter(|w| w.is_finite() && *w > 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cents(x: f64) -> f64 {
        (x * 100.0).round() / 100.0
    }

    #[test]
    fn design_reference_table_to_the_cent() {
        // From DESIGN.md: 100 after 52 weeks.
        let table = [
            (0.20, 1_310_463.09),
            (0.10, 14_204.29),
            (0.07, 3_372.53),
            (0.06, 2_069.69),
            (0.05, 1_264.28),
            (0.04, 768.66),
            (0.03, 465.09),
            (0.02, 280.03),
            (0.01, 167.77),
            (0.005, 129.61),
        ];
        for (rate, expected) in table {
            let p = project(&json!({"start": 100, "weeklyRate": rate, "weeks": 52})).unwrap();
            assert_eq!(cents(p.end), expected, "rate {rate}");
            assert_eq!(cents(p.multiple * 100.0), expected, "multiple at rate {rate}");
        }
    }

    #[test]
    fn projection_points_compound_week_by_week() {
        let p = project(&json!({"start": 200, "weeklyRate": 0.1, "weeks": 3})).unwrap();
        let values: Vec<f64> = p.points.iter().map(|x| cents(x.value)).collect();
        // 200, 220, 242, 266.2 by hand.
        assert_eq!(values, vec![200.0, 220.0, 242.0, 266.2]);
        assert_eq!(p.points.last().unwrap().week, 3);
        assert_eq!(p.rating, Rating::Exceptional);
    }

    #[test]
    fn monthly_and_yearly_equivalents() {
        let p = project(&json!({"start": 1, "weeklyRate": 0.01, "weeks": 0})).unwrap();
        assert_eq!(p.end, 1.0);
        assert_eq!(p.points.len(), 1);
        // 1.01^(52/12) − 1 = 0.044061… and 1.01^52 − 1 = 0.677688…
        assert!((p.monthly_rate - 0.044_061_4).abs() < 1e-6, "{}", p.monthly_rate);
        assert!((p.yearly_rate - 0.677_688_5).abs() < 1e-6, "{}", p.yearly_rate);
        // Twelve months compound to one year.
        let yearly_from_monthly = (1.0 + p.monthly_rate).powi(12) - 1.0;
        assert!((yearly_from_monthly - p.yearly_rate).abs() < 1e-12);
    }

    #[test]
    fn rate_and_weeks_to_a_target_invert_the_projection() {
        // 100 → 1,264.28 in 52 weeks needs 5 % a week.
        let g = required_weekly_rate(&json!({"start": 100, "target": 1264.2808, "weeks": 52})).unwrap();
        assert!((g - 0.05).abs() < 1e-7, "{g}");
        // Doubling at 5 % takes ln 2 / ln 1.05 = 14.2067 weeks.
        let w = weeks_to_target(&json!({"start": 100, "target": 200, "weeklyRate": 0.05})).unwrap().unwrap();
        assert!((w - 14.206_699).abs() < 1e-5, "{w}");
        // Shrinking to half at −5 %: ln 0.5 / ln 0.95 = 13.5134 weeks.
        let w = weeks_to_target(&json!({"start": 100, "target": 50, "weeklyRate": -0.05})).unwrap().unwrap();
        assert!((w - 13.513_407).abs() < 1e-5, "{w}");
    }

    #[test]
    fn unreachable_targets_are_none() {
        let never = |g: f64, target: f64| {
            weeks_to_target(&json!({"start": 100, "target": target, "weeklyRate": g})).unwrap()
        };
        assert_eq!(never(0.0, 200.0), None);
        assert_eq!(never(0.05, 50.0), None);
        assert_eq!(never(-0.05, 200.0), None);
        assert_eq!(never(0.05, 100.0), Some(0.0));
    }

    #[test]
    fn bad_input_names_the_field() {
        let cases = [
            (json!({"start": -1, "weeklyRate": 0.05, "weeks": 52}), "start"),
            (json!({"start": "100", "weeklyRate": 0.05, "weeks": 52}), "start"),
            (json!({"weeklyRate": 0.05, "weeks": 52}), "start"),
            (json!({"start": 100, "weeklyRate": -1, "weeks": 52}), "weeklyRate"),
            (json!({"start": 100, "weeklyRate": -2.5, "weeks": 52}), "weeklyRate"),
            (json!({"start": 100, "weeklyRate": null, "weeks": 52}), "weeklyRate"),
            (json!({"start": 100, "weeklyRate": 0.05, "weeks": 1.5}), "weeks"),
            (json!({"start": 100, "weeklyRate": 0.05, "weeks": -1}), "weeks"),
            (json!({"start": 100, "weeklyRate": 0.05, "weeks": "52"}), "weeks"),
            (json!({"start": 1e300, "weeklyRate": 10, "weeks": 5000}), "weeklyRate"),
            (json!("100"), "input"),
        ];
        for (input, field) in cases {
            let err = project(&input).unwrap_err();
            assert_eq!(err.field, field, "{input} gave {err}");
        }
        let err = required_weekly_rate(&json!({"start": 100, "target": 200, "weeks": 0})).unwrap_err();
        assert_eq!(err.field, "weeks");
        let err = required_weekly_rate(&json!({"start": 0, "target": 200, "weeks": 4})).unwrap_err();
        assert_eq!(err.field, "start");
        let err = weeks_to_target(&json!({"start": 1, "target": -5, "weeklyRate": 0.1})).unwrap_err();
        assert_eq!(err.field, "target");
    }
}
