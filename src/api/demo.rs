//! The demo generators' options: `demoPings({installs, days, start, seed?, flatShare?})`
//! (and `demoPingsNdjson`), `demoSnapshots({days, start, seed?})`.

use chrono::NaiveDate;
use serde_json::Value;

use super::input;
use crate::demo::DemoOptions;
use crate::error::{Error, Result};

/// `demoSnapshots`' options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSnapshotsInput {
    pub days: u32,
    pub start: NaiveDate,
    pub seed: u64,
}

/// `{installs, days, start, seed?, flatShare?}`: seed 1 and a 30 % share of flat collector
/// rows unless given.
pub fn demo_options(value: &Value) -> Result<DemoOptions> {
    let map = input::object("options", value)?;
    let start = match map.get("start") {
        Some(v) => input::day("start", v)?,
        None => return Err(Error::new("start", "is required (the first day, YYYY-MM-DD)")),
    };
    let seed = match map.get("seed") {
        None | Some(Value::Null) => 1,
        Some(v) => input::whole("seed", Some(v), 0, u32::MAX)? as u64,
    };
    let flat_share = match map.get("flatShare") {
        None | Some(Value::Null) => 0.3,
        Some(v) => {
            let x = input::finite("flatShare", Some(v))?;
            if !(0.0..=1.0).contains(&x) {
                return Err(Error::new("flatShare", "must be between 0 and 1"));
            }
            x
        }
    };
    Ok(DemoOptions {
        installs: input::whole("installs", map.get("installs"), 0, 100_000)?,
        days: input::whole("days", map.get("days"), 1, 20_000)?,
        start,
        seed,
        flat_share,
    })
}

impl DemoSnapshotsInput {
    /// `{days, start, seed?}`, read in that order; seed 1 unless given.
    pub fn parse(value: &Value) -> Result<DemoSnapshotsInput> {
        let days = input::whole("days", value.get("days"), 1, 20_000)?;
        let start = input::day("start", value.get("start").unwrap_or(&Value::Null))?;
        let seed = match value.get("seed") {
            Some(v) if !v.is_null() => input::whole("seed", Some(v), 0, u32::MAX)? as u64,
            _ => 1,
        };
        Ok(DemoSnapshotsInput { days, start, seed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn demo_options_name_their_bad_field() {
        let message = |v: Value| demo_options(&v).unwrap_err().to_string();
        assert_eq!(message(json!(null)), "options: must be an object, got null");
        assert_eq!(message(json!({"installs": 5, "days": 5})), "start: is required (the first day, YYYY-MM-DD)");
        assert_eq!(message(json!({"installs": 5, "days": 5, "start": "2026-01-01", "flatShare": 2})), "flatShare: must be between 0 and 1");
        assert_eq!(message(json!({"installs": 5, "days": 0, "start": "2026-01-01"})), "days: must be a whole number from 1 to 20000, got 0");
        assert_eq!(message(json!({"days": 5, "start": "2026-01-01"})), "installs: must be a whole number from 0 to 100000, got nothing");
        let o = demo_options(&json!({"installs": "5", "days": 7, "start": "2026-01-01"})).unwrap();
        assert_eq!((o.installs, o.days, o.seed, o.flat_share), (5, 7, 1, 0.3));
    }

    #[test]
    fn demo_snapshot_options_name_their_bad_field() {
        let message = |v: Value| DemoSnapshotsInput::parse(&v).unwrap_err().to_string();
        assert_eq!(message(json!(null)), "days: must be a whole number from 1 to 20000, got nothing");
        assert_eq!(message(json!({"days": 3})), "start: must be a date string or epoch milliseconds, got null");
        assert_eq!(message(json!({"days": 3, "start": "2026-01-01", "seed": -1})), "seed: must be a whole number from 0 to 4294967295, got -1");
        let o = DemoSnapshotsInput::parse(&json!({"days": 3, "start": "2026-01-01", "seed": null})).unwrap();
        assert_eq!(o, DemoSnapshotsInput { days: 3, start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), seed: 1 });
    }
}
