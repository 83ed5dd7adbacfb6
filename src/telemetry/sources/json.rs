//! Pings as JSON: one ping's text, or a JSON array of them streamed into a ledger (or
//! only checked), each element read by the ping reader as it comes.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::telemetry::ledger::Ledger;
use crate::telemetry::model::{BatchOutcome, Outcome, Rejection};
use crate::telemetry::ping::{self, Read};

impl Ledger {
    /// Offers one ping given as JSON text.
    pub fn ingest_text(&mut self, text: &str) -> Outcome {
        let read = ping::parse(text);
        self.offer(read).0
    }

    /// Offers one ping given as a JSON value.
    pub fn ingest(&mut self, value: &Value) -> Outcome {
        self.ingest_text(&value.to_string())
    }

    /// Offers every ping of a JSON array given as text, reading it as a stream; returns
    /// what happened to this batch, with rejections indexed by their position in it.
    pub fn ingest_array_text(&mut self, text: &str) -> Result<BatchOutcome> {
        // The common case, read by the scanner with no tree and no serde visitor per value.
        if let Some(reads) = ping::read_array(text.as_bytes()) {
            let mut outcome = BatchOutcome::default();
            self.offer_all(reads, &mut outcome);
            return Ok(outcome);
        }
        let mut outcome = BatchOutcome::default();
        let mut d = serde_json::Deserializer::from_str(text);
        let streamed = d.deserialize_any(ArrayOfPings { ledger: self, outcome: &mut outcome });
        match streamed.and_then(|()| d.end()) {
            Ok(()) => Ok(outcome),
            Err(e) if e.to_string().starts_with(NOT_AN_ARRAY) => {
                Err(Error::new("pings", e.to_string().trim_start_matches(NOT_AN_ARRAY).to_string()))
            }
            Err(e) => Err(ping::describe_json_error(text.as_bytes(), &e).unwrap_or_else(|| Error::new("pings", format!("is not JSON: {e}")))),
        }
    }
}

/// Every element of a JSON array text read as `ingest_array_text` and `validate_array_text`
/// read them, nothing offered: by the scanner when it can, else by serde; serde's error when
/// they would refuse the text as a whole.
pub(crate) fn read_array_text(text: &str) -> std::result::Result<Vec<Read<'_>>, serde_json::Error> {
    if let Some(reads) = ping::read_array(text.as_bytes()) {
        return Ok(reads);
    }
    let mut reads = Vec::new();
    let mut d = serde_json::Deserializer::from_str(text);
    let streamed = d.deserialize_seq(Collect(&mut reads));
    streamed.and_then(|()| d.end()).map(|()| reads)
}

struct Collect<'r, 'de>(&'r mut Vec<Read<'de>>);

impl<'de, 'r> Visitor<'de> for Collect<'r, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of pings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(read) = seq.next_element_seed(OnePing)? {
            self.0.push(read);
        }
        Ok(())
    }
}

impl Ledger {
    /// Offers the pings of one batch, read whole before any is kept.
    fn offer_all(&mut self, reads: Vec<Read<'_>>, outcome: &mut BatchOutcome) {
        self.expect_batch(reads.len() as u64);
        for (index, read) in reads.into_iter().enumerate() {
            let (result, instance_id) = self.offer(read);
            outcome.record(index as u64, result, instance_id);
        }
    }
}

const NOT_AN_ARRAY: &str = "\u{0}not an array: ";

/// Streams the elements of a JSON array of pings into the ledger as they are read.
struct ArrayOfPings<'l> {
    ledger: &'l mut Ledger,
    outcome: &'l mut BatchOutcome,
}

impl<'de, 'l> Visitor<'de> for ArrayOfPings<'l> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of pings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        // Read the whole array before keeping anything: if the text turns out not to be
        // JSON part-way, nothing of it has been counted and the caller can go ping by ping.
        let mut reads = Vec::new();
        while let Some(read) = seq.next_element_seed(OnePing)? {
            reads.push(read);
        }
        self.ledger.offer_all(reads, self.outcome);
        Ok(())
    }
    fn visit_map<M: serde::de::MapAccess<'de>>(self, _: M) -> std::result::Result<(), M::Error> {
        Err(serde::de::Error::custom(format!("{NOT_AN_ARRAY}must be an array, got an object")))
    }
}

struct OnePing;

impl<'de> DeserializeSeed<'de> for OnePing {
    type Value = Read<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Read<'de>, D::Error> {
        ping::read(d)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidPing {
    pub index: u64,
    pub ping: ping::NormalisedPing,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Validation {
    pub valid: Vec<ValidPing>,
    pub rejected: Vec<Rejection>,
}

impl Validation {
    /// Counts a ping the caller could not even hand over as JSON, as rejected.
    pub fn refuse(&mut self, index: u64, instance_id: Option<String>, err: &Error) {
        self.rejected.push(Rejection::new(index, instance_id, err));
    }

    /// Counts the ping at `index` of the batch as valid or rejected.
    pub(crate) fn check(&mut self, index: u64, read: Read<'_>, now: Option<i64>) {
        let checked = match (read.ping, now) {
            (Ok(p), Some(now)) => ping::check_not_future(&p, now).map(|()| p),
            (other, _) => other,
        };
        match checked {
            Ok(p) => self.valid.push(ValidPing { index, ping: p.into_owned().normalised() }),
            Err(err) => self.rejected.push(Rejection::new(index, read.instance_id, &err)),
        }
    }

    /// Adds the result of a later part of the same batch, which started at `offset`.
    pub fn absorb(&mut self, part: Validation, offset: u64) {
        self.valid.extend(part.valid.into_iter().map(|v| ValidPing { index: v.index + offset, ..v }));
        self.rejected.extend(part.rejected.into_iter().map(|r| Rejection { index: r.index + offset, ..r }));
    }
}

/// `validatePings(pings)` over the text of a JSON array: checks a batch without keeping
/// anything; one bad ping never stops the others.
pub fn validate_array_text(text: &str, now: Option<i64>) -> Result<Validation> {
    // Read whole before any is checked: a text that is not JSON part-way is refused as a
    // whole, whatever its first pings were.
    let reads = read_array_text(text).map_err(|e| {
        ping::describe_json_error(text.as_bytes(), &e).unwrap_or_else(|| Error::new("pings", format!("must be a JSON array of pings: {e}")))
    })?;
    let mut out = Validation::default();
    for (index, read) in reads.into_iter().enumerate() {
        out.check(index as u64, read, now);
    }
    Ok(out)
}
