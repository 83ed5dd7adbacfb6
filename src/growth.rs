//! The growth calculator: compounding a weekly rate, the rate that reaches a target, the
//! weeks it takes, and the same rate expressed per month and per year.

use serde::Serialize;

use crate::error::{Error, Result};
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

/// `equivalentRates`: the monthly and yearly rates that compound to the same growth, and the
/// rating of the weekly rate.
pub fn equivalent_rates(weekly_rate: f64) -> EquivalentRates {
    EquivalentRates {
        weekly_rate,
        monthly_rate: growth_factor(weekly_rate, WEEKS_PER_MONTH) - 1.0,
        yearly_rate: growth_factor(weekly_rate, WEEKS_PER_YEAR) - 1.0,
        rating: Rating::of(weekly_rate),
    }
}

/// (1 + g)^weeks and start × that, refused (as `weeklyRate`) when the end is past the
/// largest number.
pub fn compounded(start: f64, weekly_rate: f64, weeks: u32) -> Result<(f64, f64)> {
    let multiple = growth_factor(weekly_rate, weeks as f64);
    let end = start * multiple;
    if !end.is_finite() {
        return Err(Error::new(
            "weeklyRate",
            format!("compounding {weekly_rate} over {weeks} weeks from {start} exceeds the largest number"),
        ));
    }
    Ok((multiple, end))
}

/// `projectGrowth`: value after n weeks = start × (1 + g)^n, and every week on the way.
pub fn project(start: f64, weekly_rate: f64, weeks: u32) -> Result<Projection> {
    let (multiple, end) = compounded(start, weekly_rate, weeks)?;
    let points = (0..=weeks)
        .map(|week| ProjectionPoint { week, value: start * growth_factor(weekly_rate, week as f64) })
        .collect();
    let rates = equivalent_rates(weekly_rate);
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

/// `requiredWeeklyRate`: (target / start)^(1/n) − 1.
pub fn required_weekly_rate(start: f64, target: f64, weeks: u32) -> Result<f64> {
    let rate = (target / start).powf(1.0 / weeks as f64) - 1.0;
    if !rate.is_finite() {
        return Err(Error::new("target", format!("{target} from {start} is out of range")));
    }
    Ok(rate)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetPlan {
    pub start: f64,
    pub target: f64,
    /// Given `weeks`: the weekly rate that reaches the target in them, with its equivalents.
    pub required: Option<EquivalentRates>,
    pub weeks: Option<u32>,
    /// Given a weekly rate: the weeks it takes (fractional), `None` if it never gets there.
    pub weeks_to_target: Option<f64>,
    pub weekly_rate: Option<f64>,
}

/// `planTarget`: both questions of the calculator's second form in one call, each answered
/// when its input (`weeks`, a weekly rate) is given.
pub fn plan_target(start: f64, target: f64, weeks: Option<u32>, weekly_rate: Option<f64>) -> Result<TargetPlan> {
    let required = weeks.map(|w| required_weekly_rate(start, target, w).map(equivalent_rates)).transpose()?;
    let weeks_to_target = weekly_rate.and_then(|g| weeks_to(start, target, g));
    Ok(TargetPlan { start, target, required, weeks, weeks_to_target, weekly_rate })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableRow {
    pub weekly_rate: f64,
    pub end: f64,
    pub multiple: f64,
    pub monthly_rate: f64,
    pub yearly_rate: f64,
    pub rating: Rating,
}

/// `growthTable`: one projection row per rate, for the calculator's reference table. A rate
/// that overflows is named `{rates_field}[i]`, as the caller sent the list.
pub fn growth_table(start: f64, weeks: u32, weekly_rates: &[f64], rates_field: &str) -> Result<Vec<TableRow>> {
    weekly_rates
        .iter()
        .enumerate()
        .map(|(i, &g)| {
            let p = project(start, g, weeks).map_err(|e| Error::new(format!("{rates_field}[{i}]"), e.message))?;
            Ok(TableRow {
                weekly_rate: g,
                end: p.end,
                multiple: p.multiple,
                monthly_rate: p.monthly_rate,
                yearly_rate: p.yearly_rate,
                rating: p.rating,
            })
        })
        .collect()
}

/// `weeksToTarget`: ln(target / start) / ln(1 + g), or `None` when the rate never gets there
/// (no growth, or growth in the other direction).
pub fn weeks_to_target(start: f64, target: f64, weekly_rate: f64) -> Option<f64> {
    weeks_to(start, target, weekly_rate)
}

/// (target / start)^(1/n) − 1 over a fractional number of weeks.
pub(crate) fn rate_over(start: f64, target: f64, weeks: f64) -> f64 {
    (target / start).powf(1.0 / weeks) - 1.0
}

/// start × (1 + g)^n over a fractional number of weeks.
pub(crate) fn value_after(start: f64, weekly_rate: f64, weeks: f64) -> f64 {
    start * (1.0 + weekly_rate).powf(weeks)
}

pub(crate) fn weeks_to(start: f64, target: f64, weekly_rate: f64) -> Option<f64> {
    if target == start {
        return Some(0.0);
    }
    let weeks = (target / start).ln() / weekly_rate.ln_1p();
    Some(weeks).filter(|w| w.is_finite() && *w > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::growth::{PlanInput, ProjectionInput, RequiredRateInput, TableInput, WeeksToTargetInput};
    use serde_json::{json, Value};

    // The exports' whole path: the input parsed as `api::growth` reads it, then the core.
    fn project(input: &Value) -> Result<Projection> {
        let i = ProjectionInput::parse(input)?;
        super::project(i.start, i.weekly_rate, i.weeks)
    }
    fn required_weekly_rate(input: &Value) -> Result<f64> {
        let i = RequiredRateInput::parse(input)?;
        super::required_weekly_rate(i.start, i.target, i.weeks)
    }
    fn weeks_to_target(input: &Value) -> Result<Option<f64>> {
        let i = WeeksToTargetInput::parse(input)?;
        Ok(super::weeks_to_target(i.start, i.target, i.weekly_rate))
    }
    fn plan_target(input: &Value) -> Result<TargetPlan> {
        let i = PlanInput::parse(input)?;
        super::plan_target(i.start, i.target, i.weeks, i.weekly_rate)
    }
    fn growth_table(input: &Value) -> Result<Vec<TableRow>> {
        let i = TableInput::parse(input)?;
        super::growth_table(i.start, i.weeks, &i.weekly_rates, i.rates_key)
    }

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
    fn monthly_and_yearly_equivalent_rates() {
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
    fn percent_rates_mean_the_same_as_fractions() {
        let a = project(&json!({"start": 100, "weeklyRatePercent": 5, "weeks": 52})).unwrap();
        let b = project(&json!({"start": 100, "weeklyRate": 0.05, "weeks": 52})).unwrap();
        assert_eq!(a, b);
        let err = project(&json!({"start": 100, "weeklyRatePercent": -100, "weeks": 52})).unwrap_err();
        assert_eq!(err.field, "weeklyRatePercent");
    }

    #[test]
    fn target_plan_answers_both_questions() {
        let plan = plan_target(&json!({"start": 100, "target": 200, "weeks": 10, "weeklyRatePercent": 5})).unwrap();
        // 2^(1/10) − 1 = 0.071773…
        let required = plan.required.unwrap();
        assert!((required.weekly_rate - 0.071_773_46).abs() < 1e-8, "{}", required.weekly_rate);
        assert_eq!(required.rating, Rating::Exceptional);
        // ln 2 / ln 1.05
        assert!((plan.weeks_to_target.unwrap() - 14.206_699).abs() < 1e-5);
        let only_weeks = plan_target(&json!({"start": 100, "target": 200, "weeks": 10})).unwrap();
        assert_eq!(only_weeks.weeks_to_target, None);
        assert_eq!(only_weeks.weekly_rate, None);
        let err = plan_target(&json!({"start": 100, "target": 200})).unwrap_err();
        assert_eq!(err.field, "weeks");
    }

    #[test]
    fn growth_table_rows_match_single_projections() {
        let rows = growth_table(&json!({"start": 100, "weeks": 52, "weeklyRatesPercent": [20, 0.5]})).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(cents(rows[0].end), 1_310_463.09);
        assert_eq!(cents(rows[1].end), 129.61);
        assert_eq!(rows[1].weekly_rate, 0.005);
        assert_eq!(rows[1].rating, Rating::NotAcceptable);
        let err = growth_table(&json!({"start": 100, "weeks": 52, "weeklyRates": [0.1, -3]})).unwrap_err();
        assert_eq!(err.field, "weeklyRates[1]");
        let err = growth_table(&json!({"start": 100, "weeks": 52})).unwrap_err();
        assert_eq!(err.field, "weeklyRates");
    }

    #[test]
    fn numeric_strings_give_the_same_projection() {
        // As an http-in query or a ui-form text field gives them.
        let text = project(&json!({"start": " 100 ", "weeklyRate": "0.05", "weeks": "52"})).unwrap();
        assert_eq!(text, project(&json!({"start": 100, "weeklyRate": 0.05, "weeks": 52})).unwrap());
        assert_eq!(cents(text.end), 1264.28);
    }

    #[test]
    fn bad_input_names_the_field() {
        let cases = [
            (json!({"start": -1, "weeklyRate": 0.05, "weeks": 52}), "start"),
            (json!({"start": "100 users", "weeklyRate": 0.05, "weeks": 52}), "start"),
            (json!({"weeklyRate": 0.05, "weeks": 52}), "start"),
            (json!({"start": 100, "weeklyRate": -1, "weeks": 52}), "weeklyRate"),
            (json!({"start": 100, "weeklyRate": -2.5, "weeks": 52}), "weeklyRate"),
            (json!({"start": 100, "weeklyRate": null, "weeks": 52}), "weeklyRate"),
            (json!({"start": 100, "weeklyRate": 0.05, "weeks": 1.5}), "weeks"),
            (json!({"start": 100, "weeklyRate": 0.05, "weeks": -1}), "weeks"),
            (json!({"start": 100, "weeklyRate": 0.05, "weeks": "52 weeks"}), "weeks"),
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
