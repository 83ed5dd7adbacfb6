//! Turning the times people send (a calendar date, an ISO 8601 timestamp, epoch
//! milliseconds) into UTC calendar days, and ISO weeks of those days.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

use crate::error::{clip, Clip, Error, Result};

/// Epoch milliseconds are accepted between year 1970 and 9999: anything outside is far more
/// likely a unit slip (seconds, microseconds) than a real date.
const MAX_EPOCH_MS: f64 = 253_402_300_799_999.0;

/// A time as sent: a string or a number of epoch milliseconds.
pub enum TimeInput<'a> {
    Text(&'a str),
    EpochMs(f64),
}

/// The UTC instant of a time given as an ISO 8601 string (`2026-01-05`, `2026-01-05T10:00:00Z`,
/// `2026-01-05T10:00:00+02:00`, or the collector's `2026-01-05 10:00:00`, read as UTC) or epoch
/// milliseconds.
pub fn parse_instant(field: &str, input: TimeInput<'_>) -> Result<DateTime<Utc>> {
    match input {
        TimeInput::EpochMs(ms) => {
            if !ms.is_finite() || ms.fract() != 0.0 || !(0.0..=MAX_EPOCH_MS).contains(&ms) {
                return Err(Error::new(
                    field,
                    format!("must be epoch milliseconds between 1970 and 9999, got {ms}"),
                ));
            }
            Utc.timestamp_millis_opt(ms as i64)
                .single()
                .ok_or_else(|| Error::new(field, format!("is not a valid time: {ms}")))
        }
        TimeInput::Text(text) => parse_text(text).ok_or_else(|| {
            Error::new(
                field,
                format!(
                    "must be a date (YYYY-MM-DD), an ISO 8601 time or epoch milliseconds, got {:?}",
                    clip(text, Clip::TEXT)
                ),
            )
        }),
    }
}

/// The UTC calendar day of a time.
pub fn parse_day(field: &str, input: TimeInput<'_>) -> Result<NaiveDate> {
    parse_instant(field, input).map(|t| t.date_naive())
}

/// The two layouts nearly every ping has (`2026-01-05T10:00:00.123Z` from a receiver,
/// `2026-01-05 10:00:00.123` from the collector's table), read without the general parser,
/// which dominates the cost of reading a raw log otherwise.
fn parse_common(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some((b'.', fraction)) = rest.split_first() {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = fraction[..n].iter().fold(0u32, |acc, c| acc * 10 + (c - b'0') as u32) * 10u32.pow(9 - n as u32);
        rest = &fraction[n..];
    }
    // Only UTC is read here; any other offset goes to the general parser.
    match rest {
        b"" | b"Z" | b"z" | b"+00:00" | b"+00" | b"+0000" => {}
        _ => return None,
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)
        .map(|t| t.and_utc())
}

fn parse_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(t) = parse_common(text) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    // Timestamps without an offset (PostgreSQL `TIMESTAMP` columns) are UTC.
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    // `2026-01-05 10:00:00+00` and similar, as PostgreSQL prints `timestamptz`.
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

/// An ISO week: Monday to Sunday, numbered within its ISO week-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    /// The Monday that starts it; ordering weeks by it orders them in time.
    pub monday: NaiveDate,
}

impl IsoWeek {
    pub fn of(day: NaiveDate) -> IsoWeek {
        let back = day.weekday().num_days_from_monday() as i64;
        IsoWeek { monday: day - Duration::days(back) }
    }

    pub fn sunday(self) -> NaiveDate {
        self.monday + Duration::days(6)
    }

    pub fn next(self) -> IsoWeek {
        IsoWeek { monday: self.monday + Duration::days(7) }
    }

    /// `2026-W05`: the ISO week-year, which differs from the calendar year around New Year.
    pub fn label(self) -> String {
        let iso = self.monday.iso_week();
        format!("{:04}-W{:02}", iso.year(), iso.week())
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        IsoWeek::of(day) == self
    }
}

/// Midnight UTC of a day in epoch milliseconds, as `ui-chart` time axes take it.
pub fn epoch_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0)
}

/// Milliseconds in a day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// Days from the common era to 1970-01-01.
const UNIX_EPOCH_DAY: i64 = 719_163;

/// A day as a number (days from the common era): what the ledger stores and counts with.
pub fn day_number(day: NaiveDate) -> i32 {
    day.num_days_from_ce()
}

/// The day of a day number (`day_number`'s inverse).
pub fn day_of(number: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(number).unwrap_or_default()
}

/// Epoch milliseconds of the start of a day number, without chrono: a checkpoint does this
/// a million times.
pub fn day_start_ms(number: i32) -> i64 {
    (number as i64 - UNIX_EPOCH_DAY) * MS_PER_DAY
}

/// `2026-01-05`, as chrono's `%Y-%m-%d` writes it. Dates and instants are written by hand:
/// chrono's format machinery (strftime items) was 20 KB of the shipped .wasm for three
/// fixed layouts.
pub fn format_day(day: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_day(&mut out, day);
    out
}

/// `2026-01-05T10:00:00.000Z`: chrono's `to_rfc3339_opts(SecondsFormat::Millis, true)`.
pub fn format_instant_ms(t: DateTime<Utc>) -> String {
    let (mut out, nanos) = instant_to_seconds(t);
    out.push_str(&format!(".{:03}Z", nanos / 1_000_000));
    out
}

/// `2026-01-05T10:00:00+00:00`, with a fraction of 3, 6 or 9 digits when there is one:
/// chrono's `to_rfc3339()`.
pub fn format_instant(t: DateTime<Utc>) -> String {
    let (mut out, nanos) = instant_to_seconds(t);
    if nanos == 0 {
    } else if nanos % 1_000_000 == 0 {
        out.push_str(&format!(".{:03}", nanos / 1_000_000));
    } else if nanos % 1_000 == 0 {
        out.push_str(&format!(".{:06}", nanos / 1_000));
    } else {
        out.push_str(&format!(".{nanos:09}"));
    }
    out.push_str("+00:00");
    out
}

/// `2026-01-05T10:00:00` and the nanoseconds left (a leap second is written as second 60).
fn instant_to_seconds(t: DateTime<Utc>) -> (String, u32) {
    let t = t.naive_utc();
    let mut out = String::with_capacity(32);
    push_day(&mut out, t.date());
    let (mut second, mut nanos) = (t.second(), t.nanosecond());
    if nanos >= 1_000_000_000 {
        second += 1;
        nanos -= 1_000_000_000;
    }
    out.push_str(&format!("T{:02}:{:02}:{:02}", t.hour(), t.minute(), second));
    (out, nanos)
}

fn push_day(out: &mut String, day: NaiveDate) {
    let year = day.year();
    // ISO 8601 wants a sign on years that are not four digits, as chrono writes them.
    if (0..=9999).contains(&year) {
        out.push_str(&format!("{year:04}"));
    } else {
        out.push_str(&format!("{year:+05}"));
    }
    out.push_str(&format!("-{:02}-{:02}", day.month(), day.day()));
}


#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_accepted_shape_gives_the_utc_day() {
        let cases: [(&str, &str); 6] = [
            ("2026-01-05", "2026-01-05"),
            ("2026-01-05T23:30:00Z", "2026-01-05"),
            ("2026-01-05T23:30:00-02:00", "2026-01-06"),
            ("2026-01-05T00:30:00.250+02:00", "2026-01-04"),
            ("2026-01-05 10:00:00", "2026-01-05"),
            ("2026-01-05 10:00:00.5+00", "2026-01-05"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_day("t", TimeInput::Text(text)).unwrap(), day(expected), "{text}");
        }
        // 2026-01-05T10:00:00Z is 1767607200000 ms after the epoch.
        assert_eq!(parse_day("t", TimeInput::EpochMs(1_767_607_200_000.0)).unwrap(), day("2026-01-05"));
    }

    #[test]
    fn the_fast_layouts_agree_with_the_general_parser() {
        for text in ["2026-01-05T10:00:00Z", "2026-01-05T10:00:00.123Z", "2026-01-05 10:00:00", "2026-01-05 10:00:00.5", "2026-01-05T23:59:59.999999999+00:00", "2024-02-29T00:00:00Z"] {
            let fast = parse_common(text).unwrap();
            let general = DateTime::parse_from_rfc3339(&text.replace(' ', "T").trim_end_matches("+00:00").trim_end_matches('Z').to_string().add_z())
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(fast, general, "{text}");
        }
        for text in ["2026-02-30T10:00:00Z", "2026-01-05T25:00:00Z", "2026-01-05T10:00:00+02:00", "2026-01-05T10:00:00.Z"] {
            assert_eq!(parse_common(text), None, "{text}");
        }
        // An offset other than UTC still parses, through the general parser.
        assert_eq!(parse_day("t", TimeInput::Text("2026-01-05T23:30:00-02:00")).unwrap(), day("2026-01-06"));
    }

    trait AddZ {
        fn add_z(self) -> String;
    }
    impl AddZ for String {
        fn add_z(self) -> String {
            self + "Z"
        }
    }

    #[test]
    fn bad_times_name_the_field() {
        for bad in ["", "yesterday", "2026-13-01", "2026-02-30", "05/01/2026"] {
            let err = parse_day("points[2].date", TimeInput::Text(bad)).unwrap_err();
            assert_eq!(err.field, "points[2].date");
        }
        for bad in [f64::NAN, f64::INFINITY, -1.0, 1.5, 1e300] {
            let err = parse_day("receivedAt", TimeInput::EpochMs(bad)).unwrap_err();
            assert_eq!(err.field, "receivedAt");
        }
    }

    #[test]
    fn days_and_instants_are_written_as_chrono_writes_them() {
        for (y, m, d) in [(2026, 1, 5), (1970, 1, 1), (2024, 2, 29), (9999, 12, 31), (0, 1, 1), (12345, 6, 7), (-44, 3, 15)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(format_day(day), day.format("%Y-%m-%d").to_string());
        }
        let instants = [0, 1, 999, 1_767_607_200_000, 1_767_607_200_123, 253_402_300_799_999].map(|ms| Utc.timestamp_millis_opt(ms).unwrap());
        let odd = [
            "2026-01-05T10:00:00.000001Z",
            "2026-01-05T10:00:00.123456789Z",
            "2026-01-05T10:00:00.120Z",
            "2016-12-31T23:59:60.5Z",
            "0001-01-01T00:00:00Z",
        ]
        .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc));
        for t in instants.into_iter().chain(odd) {
            assert_eq!(format_instant_ms(t), t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            assert_eq!(format_instant(t), t.to_rfc3339());
        }
    }

    #[test]
    fn day_start_ms_is_chronos_midnight() {
        for date in ["1970-01-01", "2020-02-29", "2026-11-25", "2099-12-31"] {
            let d = day(date);
            assert_eq!(day_start_ms(day_number(d)), epoch_ms(d), "{date}");
            assert_eq!(day_of(day_number(d)), d);
        }
    }

    #[test]
    fn iso_weeks_cross_years_and_include_week_53() {
        // 2026 starts on a Thursday, so it has 53 ISO weeks.
        assert_eq!(IsoWeek::of(day("2026-12-21")).label(), "2026-W52");
        assert_eq!(IsoWeek::of(day("2026-12-28")).label(), "2026-W53");
        assert_eq!(IsoWeek::of(day("2027-01-03")).label(), "2026-W53");
        assert_eq!(IsoWeek::of(day("2027-01-04")).label(), "2027-W01");
        // 2024-12-30 is a Monday in ISO week 1 of 2025.
        assert_eq!(IsoWeek::of(day("2024-12-30")).label(), "2025-W01");
        assert_eq!(IsoWeek::of(day("2027-01-03")).monday, day("2026-12-28"));
        assert_eq!(IsoWeek::of(day("2027-01-03")).sunday(), day("2027-01-03"));
    }
}
