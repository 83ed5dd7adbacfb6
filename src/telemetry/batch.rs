//! Batches as the binding hands them over: `aggregateInstallations`, `validatePings` and
//! `ledger.ingestMany` take an array of pings that crosses the boundary a chunk at a time,
//! packed without a text round trip where the caller can (`sources::objects`), else as JSON
//! text; a chunk that cannot be read whole is retried ping by ping so only the bad ping is
//! refused. This is the path JavaScript takes, here so `cargo test` runs it.

use serde_json::Value;

use super::ledger::{Ledger, Report, ReportOptions};
use super::model::{BatchOutcome, Dimension, Outcome};
use crate::analytics::{self, conversions::Conversion, uptake::Uptake};
use super::ping::Read;
use super::sources::json::{read_array_text, validate_array_text, Validation};
use super::sources::objects::{Next, Odd, Packed};
use crate::error::{Error, Result};

/// Pings a chunk holds: one pack (or one `JSON.stringify` text) a chunk crosses the
/// boundary in a few calls, not one a property (BENCHMARKS.md), and a chunk keeps any one
/// string well below V8's length limit.
pub const PINGS_PER_CHUNK: u32 = 20_000;

/// An array of pings as the caller holds it (JavaScript's array, or JSON values in tests).
/// Each method turns part of it into JSON text, or says in words why it cannot.
pub trait PingArray {
    fn len(&self) -> u32;
    /// The JSON array text of the pings `start..end`.
    fn text(&self, start: u32, end: u32) -> std::result::Result<String, String>;
    /// The JSON text of the ping at `index`.
    fn item_text(&self, index: u32) -> std::result::Result<String, String>;
    /// The `instanceId` of the ping at `index`, when it is a string (to name a rejection).
    fn instance_id(&self, index: u32) -> Option<String>;
    /// The pings `start..end` packed without a text round trip (`sources::objects`), when
    /// the caller can pack them; the chunk is read as text otherwise.
    fn packed(&self, _start: u32, _end: u32) -> Option<Packed> {
        None
    }
}

/// What a batch function does with the pings of a chunk.
trait Sink {
    /// Takes the JSON array text of the pings from `offset` on; changes nothing when it
    /// fails, which the core's array readers ensure.
    fn take(&mut self, text: &str, offset: u64) -> Result<()>;
    /// Counts a ping that could not be handed over as JSON as rejected.
    fn refuse(&mut self, index: u64, instance_id: Option<String>, err: Error);
    /// Takes one ping read from a pack (or from the text of its chunk).
    fn offer(&mut self, index: u64, read: Read<'_>);
    /// Before the pings of a chunk read whole, as many as `pings`.
    fn begin(&mut self, _pings: u64) {}
}

/// Feeds `pings` to `sink` a chunk at a time: packed where the caller can pack them, else
/// as the text of a JSON array. A chunk `take` cannot read whole (a ping too deep for
/// `JSON.stringify` or the reader) is retried ping by ping, so only the bad ping is refused.
fn in_chunks(sink: &mut impl Sink, pings: &(impl PingArray + ?Sized)) {
    let length = pings.len();
    let mut start = 0;
    while start < length {
        let end = start.saturating_add(PINGS_PER_CHUNK).min(length);
        match pings.packed(start, end) {
            Some(packed) => packed_chunk(sink, pings, &packed, start, end),
            None => text_chunk(sink, pings, start, end),
        }
        start = end;
    }
}

fn text_chunk(sink: &mut impl Sink, pings: &(impl PingArray + ?Sized), start: u32, end: u32) {
    let whole = pings.text(start, end).map_err(|why| Error::new("pings", why)).and_then(|text| sink.take(&text, start as u64));
    if whole.is_err() {
        for i in start..end {
            one_by_text(sink, pings, i);
        }
    }
}

/// The ping at `index` read alone from its JSON text, as a chunk that cannot be read whole
/// is retried.
fn one_by_text(sink: &mut impl Sink, pings: &(impl PingArray + ?Sized), index: u32) {
    let one = pings.item_text(index).map_err(|why| Error::new("ping", why)).and_then(|text| sink.take(&format!("[{text}]"), index as u64));
    if let Err(err) = one {
        sink.refuse(index as u64, pings.instance_id(index), err);
    }
}

/// A packed chunk, with the outcome the text path gives each ping: the pack's reads, the
/// text path's for a ping the pack does not read. The text path reads a chunk whole unless
/// its `JSON.stringify` throws or its text is not JSON; packed pings can cause neither, so
/// the text of the odd pings alone (each at its place, the others `null`) decides it, and
/// when the chunk would be read whole they are read from that text, else one by one.
fn packed_chunk(sink: &mut impl Sink, pings: &(impl PingArray + ?Sized), packed: &Packed, start: u32, end: u32) {
    let n = (end - start) as usize;
    let odd_reads = match &packed.odd {
        Odd::None => Some(Vec::new()),
        Odd::Text(text) => match read_array_text(text) {
            Ok(reads) if reads.len() != n => return text_chunk(sink, pings, start, end),
            Ok(reads) => Some(reads),
            Err(_) => None,
        },
        Odd::Threw => None,
    };
    let whole = odd_reads.is_some();
    if whole {
        sink.begin(n as u64);
    }
    let mut odd = odd_reads.map(Vec::into_iter);
    let mut reader = packed.reader();
    for i in start..end {
        let odd_read = odd.as_mut().and_then(Iterator::next);
        match (reader.next(), odd_read) {
            (Next::Read(read), _) => sink.offer(i as u64, read),
            (Next::Odd, Some(read)) if whole => sink.offer(i as u64, read),
            (Next::Odd | Next::Text, _) => one_by_text(sink, pings, i),
        }
    }
}

struct Ingest<'l> {
    ledger: &'l mut Ledger,
    outcome: BatchOutcome,
}

impl Sink for Ingest<'_> {
    fn take(&mut self, text: &str, offset: u64) -> Result<()> {
        self.outcome.absorb(self.ledger.ingest_array_text(text)?, offset);
        Ok(())
    }
    fn refuse(&mut self, index: u64, instance_id: Option<String>, err: Error) {
        self.ledger.refuse(instance_id.clone(), &err);
        self.outcome.record(index, Outcome::Rejected(err), instance_id);
    }
    fn offer(&mut self, index: u64, read: Read<'_>) {
        let (result, instance_id) = self.ledger.offer(read);
        self.outcome.record(index, result, instance_id);
    }
    fn begin(&mut self, pings: u64) {
        self.ledger.expect_batch(pings);
    }
}

/// `ledger.ingestMany(pings)`: offers every ping; bad ones do not stop the others.
pub fn ingest_many(ledger: &mut Ledger, pings: &(impl PingArray + ?Sized)) -> BatchOutcome {
    let mut sink = Ingest { ledger, outcome: BatchOutcome::default() };
    in_chunks(&mut sink, pings);
    sink.outcome
}

/// What `aggregateInstallations` and `validatePings` take besides the pings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOptions {
    pub report: ReportOptions,
    /// The caller's clock (epoch ms): a ping dated more than a day after it is refused.
    pub now: Option<i64>,
}

/// `aggregateInstallations(pings, {activeWindowDays, asOf, now})`: a ledger built from the
/// batch in one sweep and reported; the reference the ping-by-ping tables of an
/// incremental ledger are tested against.
pub fn aggregate(pings: &(impl PingArray + ?Sized), options: BatchOptions) -> Result<Report> {
    ledger_of(pings, &options).report(options.report)
}

/// A ledger of the batch, its tables built in one sweep at its first report.
fn ledger_of(pings: &(impl PingArray + ?Sized), options: &BatchOptions) -> Ledger {
    let mut ledger = Ledger::with_window(options.report.active_window_days);
    ledger.set_now(options.now);
    ledger.expect_batch(u64::MAX);
    ingest_many(&mut ledger, pings);
    ledger
}

/// `installationConversions(pings, {activeWindowDays, asOf, dimension})`: per complete ISO
/// week, the installs whose value of the dimension changed (DESIGN.md, "Conversions").
pub fn conversions(pings: &(impl PingArray + ?Sized), options: BatchOptions, dimension: Dimension) -> Vec<Conversion> {
    analytics::conversions::conversions(&ledger_of(pings, &options), options.report, dimension)
}

/// `versionUptake(pings, {activeWindowDays, asOf})`: each release's uptake, from the
/// batch's report.
pub fn uptake(pings: &(impl PingArray + ?Sized), options: BatchOptions) -> Result<Vec<Uptake>> {
    Ok(analytics::uptake::uptake(&aggregate(pings, options)?.days))
}

struct Check {
    validation: Validation,
    now: Option<i64>,
}

impl Sink for Check {
    fn take(&mut self, text: &str, offset: u64) -> Result<()> {
        self.validation.absorb(validate_array_text(text, self.now)?, offset);
        Ok(())
    }
    fn refuse(&mut self, index: u64, instance_id: Option<String>, err: Error) {
        self.validation.refuse(index, instance_id, &err);
    }
    fn offer(&mut self, index: u64, read: Read<'_>) {
        self.validation.check(index, read, self.now);
    }
}

/// `validatePings(pings, {now})`: checks a batch without keeping anything:
/// `{valid: [{index, ping}], rejected: [...]}`.
pub fn validate(pings: &(impl PingArray + ?Sized), now: Option<i64>) -> Validation {
    let mut sink = Check { validation: Validation::default(), now };
    in_chunks(&mut sink, pings);
    sink.validation
}

/// JSON values as a batch (tests, and Rust callers): the same chunks JavaScript sends.
impl PingArray for [Value] {
    fn len(&self) -> u32 {
        u32::try_from(<[Value]>::len(self)).unwrap_or(u32::MAX)
    }
    fn text(&self, start: u32, end: u32) -> std::result::Result<String, String> {
        serde_json::to_string(&self[start as usize..end as usize]).map_err(|e| format!("cannot be read as JSON: {e}"))
    }
    fn item_text(&self, index: u32) -> std::result::Result<String, String> {
        serde_json::to_string(&self[index as usize]).map_err(|e| format!("cannot be read as JSON: {e}"))
    }
    fn instance_id(&self, index: u32) -> Option<String> {
        self[index as usize].get("instanceId").and_then(Value::as_str).map(str::to_string)
    }
}

/// A JSON value that must be an array of pings.
pub fn as_ping_array(pings: &Value) -> Result<&[Value]> {
    pings.as_array().map(Vec::as_slice).ok_or_else(|| Error::new("pings", format!("must be an array, got {}", crate::api::input::kind(pings))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ping(id: &str, at: &str) -> Value {
        json!({"instanceId": id, "receivedAt": at, "platform": {"counts": {"projects": 1}}})
    }

    /// A batch whose chunk cannot be read whole: the one bad item is refused by index and
    /// the others of its chunk are still counted.
    struct OneUnreadable(Vec<Value>, u32);

    impl PingArray for OneUnreadable {
        fn len(&self) -> u32 {
            self.0.len() as u32
        }
        fn text(&self, start: u32, end: u32) -> std::result::Result<String, String> {
            if (start..end).contains(&self.1) {
                return Err("is nested too deeply to read".into());
            }
            self.0[..].text(start, end)
        }
        fn item_text(&self, index: u32) -> std::result::Result<String, String> {
            if index == self.1 {
                return Err("is nested too deeply to read".into());
            }
            self.0[..].item_text(index)
        }
        fn instance_id(&self, index: u32) -> Option<String> {
            self.0[..].instance_id(index)
        }
    }

    #[test]
    fn a_chunk_that_cannot_be_read_is_retried_ping_by_ping() {
        let pings: Vec<Value> = (0..5).map(|i| ping(&format!("i{i}"), "2026-01-05T10:00:00Z")).collect();
        let mut ledger = Ledger::new();
        let outcome = ingest_many(&mut ledger, &OneUnreadable(pings.clone(), 3));
        assert_eq!(outcome.accepted, 4);
        assert_eq!(outcome.rejected.len(), 1);
        assert_eq!((outcome.rejected[0].index, outcome.rejected[0].instance_id.as_deref()), (3, Some("i3")));
        assert_eq!(outcome.rejected[0].reason, "ping: is nested too deeply to read");
        let report = ledger.report(ReportOptions::default()).unwrap();
        assert_eq!((report.accepted, report.rejected_total, report.installations), (4, 1, 4));

        let checked = validate(&OneUnreadable(pings, 1), None);
        assert_eq!(checked.valid.iter().map(|v| v.index).collect::<Vec<_>>(), vec![0, 2, 3, 4]);
        assert_eq!(checked.rejected[0].index, 1);
    }

    #[test]
    fn indexes_run_on_across_chunks() {
        let mut pings: Vec<Value> = (0..PINGS_PER_CHUNK + 3).map(|i| ping(&format!("i{}", i % 50), "2026-01-05T10:00:00Z")).collect();
        pings[PINGS_PER_CHUNK as usize + 1] = json!({"instanceId": ""});
        let report = aggregate(&pings[..], BatchOptions::default()).unwrap();
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].index, PINGS_PER_CHUNK as u64 + 1);
        assert_eq!(report.accepted, PINGS_PER_CHUNK as u64 + 2);
        assert_eq!(report.installations, 50);
    }
}
