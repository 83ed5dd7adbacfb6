//! Reading the loosely typed objects that arrive from JavaScript (as `serde_json::Value`)
//! into typed arguments, with an error that names the field whenever a value is missing or
//! of the wrong kind. Keeping this here, not in the binding, means `cargo test` covers it.

use serde_json::{Map, Value};

use crate::dates::{self, TimeInput};
use crate::error::{clip, Clip, Error, Result};

pub fn object<'a>(field: &str, value: &'a Value) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Error::new(field, format!("must be an object, got {}", kind(value))))
}

/// An optional options object: absent or null reads as empty.
pub fn options<'a>(field: &str, value: Option<&'a Value>) -> Result<Option<&'a Map<String, Value>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => object(field, v).map(Some),
    }
}

/// A finite number, given as a JSON number or as a numeric string (`"100"`, `" 5 "`, as an
/// `http in` query or a text input gives it). Anything else is refused by name. Usage pings
/// do not come through here: their counts keep the collector's strict rules.
pub fn finite(field: &str, value: Option<&Value>) -> Result<f64> {
    match value {
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| Error::new(field, "must be a finite number")),
        Some(Value::String(s)) => numeric_text(s).ok_or_else(|| {
            Error::new(field, format!("must be a finite number, got {:?}", clip(s, Clip::VALUE)))
        }),
        Some(other) => Err(Error::new(field, format!("must be a finite number, got {}", kind(other)))),
        None => Err(Error::new(field, "is required (a finite number)")),
    }
}

/// A decimal number written as text: optional sign, digits with an optional fraction, an
/// optional exponent, blanks around it. Not `""`, `"NaN"`, `"Infinity"`, hex, `"5x"`, nor a
/// value too large for a double (`"1e400"`).
fn numeric_text(text: &str) -> Option<f64> {
    let t = text.trim();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

pub fn non_negative(field: &str, value: Option<&Value>) -> Result<f64> {
    let x = finite(field, value)?;
    if x < 0.0 {
        return Err(Error::new(field, format!("must be 0 or more, got {x}")));
    }
    Ok(x)
}

pub fn positive(field: &str, value: Option<&Value>) -> Result<f64> {
    let x = finite(field, value)?;
    if x <= 0.0 {
        return Err(Error::new(field, format!("must be greater than 0, got {x}")));
    }
    Ok(x)
}

/// A weekly (or other) growth rate as a fraction: `0.05` is 5 %. At −100 % or below the
/// quantity vanishes or turns negative, which no growth formula here can compound.
pub fn rate(field: &str, value: Option<&Value>) -> Result<f64> {
    let g = finite(field, value)?;
    if g <= -1.0 {
        return Err(Error::new(field, format!("must be greater than -1 (−100 %), got {g}")));
    }
    Ok(g)
}

/// A whole number of weeks in `min..=max`.
pub fn whole(field: &str, value: Option<&Value>, min: u32, max: u32) -> Result<u32> {
    let x = match value {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => numeric_text(s),
        _ => None,
    };
    match x {
        Some(x) if x.fract() == 0.0 && x >= min as f64 && x <= max as f64 => Ok(x as u32),
        _ => Err(Error::new(
            field,
            format!("must be a whole number from {min} to {max}, got {}", shown(value)),
        )),
    }
}

/// A time: an ISO 8601 string or epoch milliseconds.
pub fn time_input<'a>(field: &str, value: &'a Value) -> Result<TimeInput<'a>> {
    match value {
        Value::String(s) => Ok(TimeInput::Text(s)),
        Value::Number(n) => Ok(TimeInput::EpochMs(n.as_f64().unwrap_or(f64::NAN))),
        other => Err(Error::new(
            field,
            format!("must be a date string or epoch milliseconds, got {}", kind(other)),
        )),
    }
}

pub fn day(field: &str, value: &Value) -> Result<chrono::NaiveDate> {
    dates::parse_day(field, time_input(field, value)?)
}

/// What kind of JSON value this is, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => format!("{:?}", clip(s, Clip::TEXT)),
        Some(other) => kind(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_kinds_name_the_field_and_the_kind() {
        let err = finite("start", Some(&json!(true))).unwrap_err();
        assert_eq!(err.to_string(), "start: must be a finite number, got a boolean");
        let err = finite("start", None).unwrap_err();
        assert_eq!(err.to_string(), "start: is required (a finite number)");
        let err = whole("weeks", Some(&json!(1.5)), 0, 10).unwrap_err();
        assert_eq!(err.to_string(), "weeks: must be a whole number from 0 to 10, got 1.5");
        let err = rate("weeklyRate", Some(&json!(-1))).unwrap_err();
        assert_eq!(err.field, "weeklyRate");
        assert!(rate("weeklyRate", Some(&json!(-0.99))).is_ok());
        let err = non_negative("start", Some(&json!(-3))).unwrap_err();
        assert_eq!(err.to_string(), "start: must be 0 or more, got -3");
    }

    #[test]
    fn numeric_strings_are_numbers_and_nothing_else_is() {
        assert_eq!(finite("start", Some(&json!("100"))).unwrap(), 100.0);
        assert_eq!(finite("start", Some(&json!(" 5 "))).unwrap(), 5.0);
        assert_eq!(finite("g", Some(&json!("-0.5e1"))).unwrap(), -5.0);
        assert_eq!(finite("g", Some(&json!(".5"))).unwrap(), 0.5);
        assert_eq!(whole("weeks", Some(&json!("52")), 0, 5200).unwrap(), 52);
        for bad in ["", " ", "5x", "NaN", "Infinity", "-Infinity", "0x10", "1e400", "1e", ".", "+", "1,5", "١٢"] {
            let err = finite("start", Some(&json!(bad))).unwrap_err();
            assert_eq!(err.field, "start", "{bad:?}");
            assert!(err.message.starts_with("must be a finite number, got \""), "{bad:?}: {err}");
        }
        assert_eq!(whole("weeks", Some(&json!("1.5")), 0, 5200).unwrap_err().message, "must be a whole number from 0 to 5200, got \"1.5\"");
    }
}
