//! The rules of a valid ping (DESIGN.md, "Telemetry ping"), the same whichever reader
//! read it, and the texts that name what is wrong.

use std::borrow::Cow;

use super::fields::{dimension_column, Fields, Leaf, STRING_COLUMNS};
use super::{PingRef, Read, COUNTS_PREFIX, FORBIDDEN_KEYS, MAX_INSTANCE_ID, UNKNOWN};
use crate::dates::{self, TimeInput};
use crate::error::{clip, Clip, Error, Result};
use crate::telemetry::model::Dimension;

/// The largest integer a JavaScript number holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

// Where each dimension's field sits among the string columns, fixed at compile time.
const DRIVER: usize = dimension_column(Dimension::Driver);
const OS: usize = dimension_column(Dimension::Os);
const VERSION: usize = dimension_column(Dimension::Version);
const LICENSE: usize = dimension_column(Dimension::License);

/// Validates the fields read from one ping object (taking them out of `fields`).
pub(crate) fn judge<'a>(fields: &mut Fields<'a>) -> Read<'a> {
    // The sender's id is only wanted to name a rejection: a valid ping carries it anyway,
    // so it is only copied out for one.
    let sent_id = match &fields.instance_id {
        Some(Leaf::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let ping = validate(fields);
    let instance_id = match ping {
        Ok(_) => None,
        Err(_) => sent_id.map(|s| s.chars().take(MAX_INSTANCE_ID).collect()),
    };
    Read { instance_id, ping }
}

pub(crate) fn instance_id_text(fields: &Fields) -> Option<String> {
    match &fields.instance_id {
        Some(Leaf::Text(s)) => Some(s.chars().take(MAX_INSTANCE_ID).collect()),
        _ => None,
    }
}

/// No FlowFuse (FlowForge) install existed before 2021; a time before 2020 is a mistake (a
/// clock at the epoch, seconds taken for milliseconds) and would stretch every report.
/// 2020-01-01T00:00:00Z in epoch milliseconds.
const EARLIEST_MS: i64 = 1_577_836_800_000;

/// A day of slack for clocks that run ahead.
const FUTURE_SLACK_MS: i64 = 86_400_000;

/// Refuses a ping dated more than a day after `now` (epoch ms): it would put a day that has
/// not happened into every report.
pub fn check_not_future(p: &PingRef<'_>, now: i64) -> Result<()> {
    if p.received_at.timestamp_millis() > now.saturating_add(FUTURE_SLACK_MS) {
        return Err(Error::new("receivedAt", format!("is in the future: {}", dates::format_instant(p.received_at))));
    }
    Ok(())
}

/// Major.minor of a FlowFuse version: `2.33.2` and `2.33.2-git` are `2.33`. It is always a
/// slice of the text, so no string is made for it.
pub fn major_minor(version: &str) -> Option<&str> {
    let v = version.trim().trim_start_matches('v');
    let major = v.bytes().take_while(|b| b.is_ascii_digit()).count();
    if major == 0 || v.as_bytes().get(major) != Some(&b'.') {
        return None;
    }
    let minor = v[major + 1..].bytes().take_while(|b| b.is_ascii_digit()).count();
    if minor == 0 {
        return None;
    }
    Some(&v[..major + 1 + minor])
}

/// The first C0 control character (U+0000–U+001F) or DEL of a text, and where it is.
fn control_character(s: &str) -> Option<(usize, char)> {
    // Every byte of a multi-byte character is 0x80 or above: a text with no byte below
    // 0x20 and no 0x7f has no control character (the common case, decided without
    // decoding).
    if s.bytes().all(|b| b >= 0x20 && b != 0x7f) {
        return None;
    }
    s.chars().enumerate().find(|(_, c)| (*c as u32) < 0x20 || *c == '\u{7f}')
}

/// Whether a text is empty or all white space (`str::trim`'s white space), decided at the
/// first byte when that is a printable ASCII character.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii() && !(*b as char).is_whitespace() => false,
        _ => s.trim().is_empty(),
    }
}

/// A count's name below `platform.counts.`: dotted parts, none of them empty.
fn dotted_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty() && b[0] != b'.' && b[b.len() - 1] != b'.' && !b.windows(2).any(|w| w[0] == b'.' && w[1] == b'.')
}

fn refuse_controls(field: &str, s: &str) -> Result<()> {
    match control_character(s) {
        Some((at, c)) => Err(Error::new(field, format!("must not hold control characters: U+{:04X} at character {}", c as u32, at + 1))),
        None => Ok(()),
    }
}

/// A count: a whole number from 0 to 2^53 − 1, or null (absent). The error is the message;
/// the caller names the field only when there is one.
fn count(leaf: &Leaf) -> std::result::Result<Option<u64>, String> {
    let fail = |why: &str, shown: String| Err(format!("{why}, got {}", clip(&shown, Clip::VALUE)));
    match *leaf {
        Leaf::Null => Ok(None),
        Leaf::Unsigned(c) if (c as f64) <= MAX_SAFE_INTEGER => Ok(Some(c)),
        Leaf::Unsigned(c) => fail("must be at most 2^53 − 1", c.to_string()),
        Leaf::Negative(c) => fail("must not be negative", c.to_string()),
        Leaf::Float(x) if x < 0.0 => fail("must not be negative", x.to_string()),
        Leaf::Float(x) if x.fract() != 0.0 => fail("must be a whole number", x.to_string()),
        Leaf::Float(x) if x > MAX_SAFE_INTEGER => fail("must be at most 2^53 − 1", x.to_string()),
        Leaf::Float(x) => Ok(Some(x as u64)),
        ref other => Err(format!("must be a non-negative integer, got {}", other.kind())),
    }
}

/// The rules of DESIGN.md, in a fixed order so the same ping always names the same field.
pub(crate) fn validate<'a>(fields: &mut Fields<'a>) -> Result<PingRef<'a>> {
    let instance_id = fields.instance_id.take();
    let received_at = fields.received_at.take();
    let created_at = fields.created_at.take();
    let columns = &mut fields.columns;
    let instance_id = match instance_id {
        Some(Leaf::Text(s)) if s.is_empty() => return Err(Error::new("instanceId", "must not be empty")),
        Some(Leaf::Text(s)) if s.len() > MAX_INSTANCE_ID && s.chars().count() > MAX_INSTANCE_ID => {
            return Err(Error::new("instanceId", format!("must be at most {MAX_INSTANCE_ID} characters")))
        }
        Some(Leaf::Text(s)) => {
            refuse_controls("instanceId", &s)?;
            s
        }
        None | Some(Leaf::Null) => return Err(Error::new("instanceId", "is required")),
        Some(other) => return Err(Error::new("instanceId", format!("must be a string, got {}", other.kind()))),
    };

    let (time_field, time) = match (received_at, created_at) {
        (Some(t), _) if t != Leaf::Null => ("receivedAt", t),
        (_, Some(t)) if t != Leaf::Null => ("created_at", t),
        _ => return Err(Error::new("receivedAt", "is required (or created_at)")),
    };
    let received_at = match &time {
        Leaf::Text(s) => dates::parse_instant(time_field, TimeInput::Text(s))?,
        Leaf::Unsigned(n) => dates::parse_instant(time_field, TimeInput::EpochMs(*n as f64))?,
        Leaf::Negative(n) => dates::parse_instant(time_field, TimeInput::EpochMs(*n as f64))?,
        Leaf::Float(x) => dates::parse_instant(time_field, TimeInput::EpochMs(*x))?,
        other => {
            return Err(Error::new(time_field, format!("must be a date string or epoch milliseconds, got {}", other.kind())))
        }
    };

    if received_at.timestamp_millis() < EARLIEST_MS {
        return Err(Error::new(time_field, format!("is before 2020, long before any FlowFuse install: {}", dates::format_instant(received_at))));
    }

    for (i, (column, limit)) in STRING_COLUMNS.iter().enumerate() {
        match &columns[i] {
            None | Some(Leaf::Null) => {}
            Some(Leaf::Text(s)) if s.len() <= *limit || s.chars().count() <= *limit => refuse_controls(column, s)?,
            Some(Leaf::Text(_)) => return Err(Error::new(*column, format!("must be at most {limit} characters"))),
            Some(other) => return Err(Error::new(*column, format!("must be a string, got {}", other.kind()))),
        }
    }
    // Dimension values become keys of the report's maps (`byDriver`): a reserved name there
    // would be dropped or worse by a JavaScript object.
    for i in [DRIVER, OS, LICENSE] {
        if let Some(Leaf::Text(s)) = &columns[i] {
            if FORBIDDEN_KEYS.contains(&s.as_ref()) {
                return Err(Error::new(STRING_COLUMNS[i].0, "is a reserved name and cannot be a value here"));
            }
        }
    }
    let mut text = |i: usize| -> Option<Cow<'a, str>> {
        match columns[i].take() {
            Some(Leaf::Text(s)) if !blank(&s) => Some(s),
            _ => None,
        }
    };
    let driver = text(DRIVER).unwrap_or(Cow::Borrowed(UNKNOWN));
    let os = text(OS).unwrap_or(Cow::Borrowed(UNKNOWN));
    let version = match text(VERSION) {
        Some(Cow::Borrowed(v)) => major_minor(v).map(Cow::Borrowed),
        Some(Cow::Owned(v)) => major_minor(&v).map(|m| Cow::Owned(m.to_string())),
        None => None,
    }
    .unwrap_or(Cow::Borrowed(UNKNOWN));
    let license = text(LICENSE).unwrap_or(Cow::Borrowed(UNKNOWN));

    let mut kept = Vec::with_capacity(fields.counts.len());
    for (name, leaf) in fields.counts.drain(..) {
        if !dotted_name(&name) {
            return Err(Error::new(format!("{COUNTS_PREFIX}{name}"), "is not a valid count name"));
        }
        match count(&leaf) {
            Ok(Some(c)) => kept.push((name, c)),
            Ok(None) => {}
            Err(message) => return Err(Error::new(format!("{COUNTS_PREFIX}{name}"), message)),
        }
    }

    Ok(PingRef { instance_id, received_at, driver, os, version, license, counts: kept })
}
