//! Rows of the collector's `pings` table as PostgreSQL's `COPY … TO STDOUT` writes them in
//! its text format: one row a line, columns separated by tabs, `\N` for NULL, and a
//! backslash escaping a backslash, tab, newline or carriage return (and `\b`, `\f`, `\v`).
//! Each row is read into the same fields a JSON ping is, and validated by the same rules, so
//! a row refused here is refused for the same reason, naming the same column; only the
//! JSON that PostgreSQL would have had to build for it (most of the cost of reading a large
//! table) is never made.

use std::borrow::Cow;

use crate::error::Error;
use crate::telemetry::ledger::Ledger;
use crate::telemetry::model::BatchOutcome;
use crate::telemetry::ping::{instance_id_text, is_reserved, validate, Fields, Leaf, Read, Slot};

/// How a column's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// smallint, integer, bigint
    Integer,
    /// numeric, real, double precision
    Number,
    /// boolean (`t` or `f`)
    Boolean,
    /// everything else: varchar, text, timestamps (written by the query in ISO form)
    Text,
}

impl Kind {
    /// The kind of a PostgreSQL type as `format_type` names it.
    pub fn of(sql_type: &str) -> Kind {
        match sql_type {
            "smallint" | "integer" | "bigint" => Kind::Integer,
            "boolean" => Kind::Boolean,
            t if t == "real" || t == "double precision" || t.starts_with("numeric") => Kind::Number,
            _ => Kind::Text,
        }
    }
}

/// The columns of the rows, in the order the query lists them.
#[derive(Debug, Clone)]
pub struct Columns {
    names: Vec<String>,
    kinds: Vec<Kind>,
    /// Where each column's value goes, resolved once for every row.
    slots: Vec<Slot>,
    /// Where `instanceId` is, to name a rejected row's install.
    instance_id: Option<usize>,
}

impl Columns {
    /// `columns`: `(name, PostgreSQL type)` pairs. A reserved name (`__proto__`) is refused
    /// here, as a JSON ping with such a key is.
    pub fn new(columns: &[(String, String)]) -> Result<Columns, Error> {
        if columns.is_empty() {
            return Err(Error::new("columns", "must name at least one column"));
        }
        for (name, _) in columns {
            if is_reserved(name) {
                return Err(Error::new(name.as_str(), "is a reserved name and cannot be used as a key"));
            }
        }
        Ok(Columns {
            names: columns.iter().map(|(n, _)| n.clone()).collect(),
            kinds: columns.iter().map(|(_, t)| Kind::of(t)).collect(),
            slots: columns.iter().map(|(n, _)| Slot::of(n)).collect(),
            instance_id: columns.iter().position(|(n, _)| n == "instanceId"),
        })
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A field's text with the COPY escapes undone; borrowed when it had none.
fn unescape(raw: &[u8]) -> Result<Cow<'_, str>, &'static str> {
    if !raw.contains(&b'\\') {
        return std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| "is not UTF-8");
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next() {
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'v') => 0x0b,
            Some(&other) => other,
            None => return Err("ends in a lone backslash"),
        });
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|_| "is not UTF-8")
}

/// A column's value as the leaf a JSON ping would have given.
fn leaf<'a>(kind: Kind, text: Cow<'a, str>) -> Leaf<'a> {
    match kind {
        Kind::Boolean => Leaf::Bool,
        Kind::Integer => {
            if let Some(digits) = text.strip_prefix('-') {
                match digits.parse::<u64>() {
                    Ok(0) => Leaf::Unsigned(0),
                    Ok(n) if n <= i64::MAX as u64 => Leaf::Negative(-(n as i64)),
                    _ => Leaf::Text(text),
                }
            } else {
                text.parse::<u64>().map(Leaf::Unsigned).unwrap_or(Leaf::Text(text))
            }
        }
        Kind::Number => match text.parse::<u64>() {
            Ok(n) => Leaf::Unsigned(n),
            Err(_) => text.parse::<f64>().ok().filter(|x| x.is_finite()).map(Leaf::Float).unwrap_or(Leaf::Text(text)),
        },
        Kind::Text => Leaf::Text(text),
    }
}

/// Reads and validates one row (a line without its newline).
pub fn read_row<'a>(columns: &'a Columns, line: &'a [u8]) -> Read<'a> {
    let mut fields = Fields::default();
    let mut n = 0;
    for (i, raw) in line.split(|b| *b == b'\t').enumerate() {
        n += 1;
        let (Some(name), Some(kind), Some(slot)) = (columns.names.get(i), columns.kinds.get(i), columns.slots.get(i)) else {
            continue;
        };
        // A column the ledger never reads is not even decoded (as a JSON ping's would be skipped).
        if *slot == Slot::Unused {
            continue;
        }
        if raw == b"\\N" {
            fields.put(slot, Leaf::Null);
            continue;
        }
        match unescape(raw) {
            Ok(text) => fields.put(slot, leaf(*kind, text)),
            Err(why) => {
                fields.problem.get_or_insert_with(|| Error::new(name.as_str(), why));
            }
        }
    }
    if n != columns.len() {
        let problem = Error::new("row", format!("has {n} columns where the query gave {}", columns.len()));
        return Read { ping: Err(problem), instance_id: instance_id_text(&fields) };
    }
    if let Some(problem) = fields.problem.take() {
        let instance_id = instance_id_text(&fields);
        return Read { ping: Err(problem), instance_id };
    }
    // The install's id is only wanted to name a rejection: it is read again from the line
    // then, so a valid row (nearly all) allocates no copy of it.
    let ping = validate(&mut fields);
    let instance_id = match (&ping, columns.instance_id) {
        (Err(_), Some(i)) => line.split(|b| *b == b'\t').nth(i).filter(|raw| *raw != b"\\N").and_then(|raw| unescape(raw).ok()).map(|id| id.chars().take(256).collect()),
        _ => None,
    };
    Read { instance_id, ping }
}

impl Ledger {
    /// Offers the rows of a `COPY … TO STDOUT` (text format) of the collector's table, one a
    /// line, their columns as `columns` says; rejections are numbered by line from 0.
    pub fn ingest_rows(&mut self, text: &[u8], columns: &Columns) -> BatchOutcome {
        self.expect_batch(text.len() as u64 / 160);
        let mut outcome = BatchOutcome::default();
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        for (n, line) in body.split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let read = read_row(columns, line);
            let (result, instance_id) = self.offer(read);
            outcome.record(n as u64, result, instance_id);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::ping;

    fn columns(spec: &[(&str, &str)]) -> Columns {
        Columns::new(&spec.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect::<Vec<_>>()).unwrap()
    }

    fn table() -> Columns {
        columns(&[
            ("created_at", "timestamp without time zone"),
            ("instanceId", "character varying(256)"),
            ("os.type", "character varying(32)"),
            ("platform.config.driver", "character varying(32)"),
            ("platform.counts.projects", "integer"),
            ("platform.counts.devices", "integer"),
            ("platform.config.broker.enabled", "boolean"),
            ("env.flowforge", "character varying(64)"),
        ])
    }

    #[test]
    fn a_row_reads_as_the_same_ping_as_its_json() {
        let t = table();
        let row = read_row(&t, b"2026-01-05 10:00:00.123456\tabc\tLinux\tdocker\t3\t\\N\tt\t2.10.1").ping.unwrap().into_owned();
        let json = ping::parse(r#"{"created_at":"2026-01-05 10:00:00.123456","instanceId":"abc","os.type":"Linux","platform.config.driver":"docker","platform.counts.projects":3,"platform.counts.devices":null,"platform.config.broker.enabled":true,"env.flowforge":"2.10.1"}"#)
            .ping
            .unwrap()
            .into_owned();
        assert_eq!(row, json);
        assert_eq!(row.version, "2.10");
        assert_eq!(row.counts.get("projects"), Some(&3));
        assert_eq!(row.counts.get("devices"), None);
    }

    #[test]
    fn escapes_are_undone() {
        let t = table();
        let row = read_row(&t, b"2026-01-05 10:00:00\ta\\\\b\\\\\\\\c\tLin\\\\ux\t\\N\t\\N\t\\N\t\\N\t\\N").ping.unwrap();
        assert_eq!(row.instance_id, "a\\b\\\\c");
        assert_eq!(row.os, "Lin\\ux");
        // A control character, escaped by COPY, is refused by the ping's own rule.
        let err = read_row(&t, b"2026-01-05 10:00:00\ta\\nb\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N").ping.unwrap_err();
        assert_eq!(err.field, "instanceId");
    }

    #[test]
    fn bad_rows_name_their_column() {
        let t = table();
        let read = read_row(&t, b"2026-01-05 10:00:00\tb\\\\\t\\N\t\\N\t-3\t\\N\t\\N\t\\N");
        assert_eq!(read.instance_id.as_deref(), Some("b\\"), "a rejection names its install");
        let err = read.ping.unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("platform.counts.projects", "must not be negative, got -3"));
        let read = read_row(&t, b"2026-01-05 10:00:00\t\\N\t\\N\t\\N\t1\t\\N\t\\N\t\\N");
        assert_eq!(read.ping.unwrap_err().field, "instanceId");
        let err = read_row(&t, b"2026-01-05 10:00:00\tb\t\\N").ping.unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("row", "has 3 columns where the query gave 8"));
        let err = read_row(&t, b"yesterday\tb\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N").ping.unwrap_err();
        assert_eq!(err.field, "created_at");
        assert!(Columns::new(&[("__proto__".into(), "integer".into())]).is_err());
    }
}
