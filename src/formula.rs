//! Formula metrics (DESIGN.md, "Formula metrics"): a metric `name = a / b` whose value on a
//! day is a ÷ b when both have a value that day and b ≠ 0, and no value otherwise (never a
//! filled zero). Adoption of a feature is one: the teams using it over all teams.

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// `a / b`: two metric names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formula {
    pub numerator: String,
    pub denominator: String,
}

/// Longest metric name a formula may use (a snapshot's keys are far shorter).
const MAX_NAME: usize = 256;

impl Formula {
    /// Reads `a / b` (spaces around the `/` optional); anything else is refused, the error
    /// naming `field`.
    pub fn parse(field: &str, text: &str) -> Result<Formula> {
        let refuse = || Error::new(field, format!("must be two metric names divided, \"a / b\", got {}", serde_json::Value::String(crate::error::clip(text, crate::error::Clip::TEXT))));
        let (a, b) = text.split_once('/').ok_or_else(refuse)?;
        let name = |s: &str| {
            let s = s.trim();
            let ok = !s.is_empty() && s.len() <= MAX_NAME && !s.contains(|c: char| c.is_whitespace() || "/*+()".contains(c));
            ok.then(|| s.to_string())
        };
        match (name(a), name(b)) {
            (Some(numerator), Some(denominator)) => Ok(Formula { numerator, denominator }),
            _ => Err(refuse()),
        }
    }

    /// "a / b", as it was set.
    pub fn text(&self) -> String {
        format!("{} / {}", self.numerator, self.denominator)
    }

    /// The formula's daily series from its two metrics' (each in date order): a ÷ b on the
    /// days both have a value and b ≠ 0.
    pub fn series(&self, a: &[(NaiveDate, f64)], b: &[(NaiveDate, f64)]) -> Vec<(NaiveDate, f64)> {
        let mut out = Vec::new();
        let mut b = b.iter().peekable();
        for &(day, x) in a {
            while b.next_if(|(d, _)| *d < day).is_some() {}
            if let Some(&&(d, y)) = b.peek() {
                if d == day && y != 0.0 {
                    out.push((day, x / y));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn a_ratio_on_the_days_both_have_a_value_and_the_denominator_is_not_zero() {
        let f = Formula::parse("formulas.adoption.tables", "features.tablesDatabases / teamCount").unwrap();
        assert_eq!((f.numerator.as_str(), f.denominator.as_str()), ("features.tablesDatabases", "teamCount"));
        assert_eq!(f.text(), "features.tablesDatabases / teamCount");
        // Day 1: 5 / 20; day 2: b is 0, no value; day 3: a missing; day 4: 9 / 30.
        let a = [(day(1), 5.0), (day(2), 6.0), (day(4), 9.0)];
        let b = [(day(1), 20.0), (day(2), 0.0), (day(3), 25.0), (day(4), 30.0)];
        assert_eq!(f.series(&a, &b), [(day(1), 0.25), (day(4), 0.3)]);
        assert_eq!(Formula::parse("f", "a/b").unwrap().text(), "a / b");
    }

    #[test]
    fn anything_but_two_names_divided_is_refused_by_name() {
        for text in ["a * b", "a", "a / b / c", "/ b", "a /", "a + c / b", "a b / c", ""] {
            let err = Formula::parse("formulas.x", text).unwrap_err();
            assert_eq!(err.to_string(), format!("formulas.x: must be two metric names divided, \"a / b\", got {}", serde_json::Value::String(text.into())), "{text}");
        }
    }
}
