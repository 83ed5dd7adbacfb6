//! The raw log: NDJSON, one ping a line, read from text, from bytes, in pieces, or as the
//! next part of a log being written. Every line goes through the line reader into the
//! ledger's one way in (`Ledger::offer`).

use crate::error::Error;
use crate::telemetry::ledger::Ledger;
use crate::telemetry::model::BatchOutcome;
use crate::telemetry::ping;

/// Bytes of a raw log taken in at a time by `ingest_ndjson_pieces`.
const NDJSON_PIECE: usize = 1 << 20;

impl Ledger {
    /// Offers every line of an NDJSON raw log (one ping per line; blank lines skipped). A
    /// line that is not JSON is rejected as `line N`, like any other bad ping.
    pub fn ingest_ndjson(&mut self, text: &str) -> BatchOutcome {
        self.ingest_ndjson_bytes(text.as_bytes())
    }

    /// The same over the file's bytes, as read from disk.
    pub fn ingest_ndjson_bytes(&mut self, text: &[u8]) -> BatchOutcome {
        self.expect_batch(text.len() as u64 / 256);
        self.ingest_lines(text, 0).0
    }

    /// The same over a raw log of `len` bytes that the caller hands over a piece at a time:
    /// `read(start, buffer)` fills `buffer` with the log's bytes from `start` on. A log of
    /// hundreds of megabytes is then never copied into WebAssembly memory whole (which grows
    /// that memory for good); the outcome is the one `ingest_ndjson_bytes` gives.
    pub fn ingest_ndjson_pieces(&mut self, len: usize, read: impl FnMut(usize, &mut [u8])) -> BatchOutcome {
        self.ingest_ndjson_pieces_of(NDJSON_PIECE, len, read)
    }

    fn ingest_ndjson_pieces_of(&mut self, piece: usize, len: usize, mut read: impl FnMut(usize, &mut [u8])) -> BatchOutcome {
        self.expect_batch(len as u64 / 256);
        let mut outcome = BatchOutcome::default();
        let mut buffer = vec![0u8; piece.clamp(1, len.max(1))];
        // Bytes at the start of `buffer` left from the last piece (the start of a line).
        let mut carried = 0;
        let mut next = 0;
        let mut first_line = 0u64;
        while next < len {
            if carried == buffer.len() {
                // One line longer than the buffer.
                buffer.resize(buffer.len() * 2, 0);
            }
            let n = (buffer.len() - carried).min(len - next);
            read(next, &mut buffer[carried..carried + n]);
            next += n;
            let filled = carried + n;
            let end = if next == len { filled } else {
                match buffer[..filled].iter().rposition(|b| *b == b'\n') {
                    Some(end) => end,
                    None => {
                        carried = filled;
                        continue;
                    }
                }
            };
            let (part, lines) = self.ingest_lines(&buffer[..end], first_line);
            outcome.absorb(part, 0);
            first_line += lines;
            carried = filled - (end + 1).min(filled);
            buffer.copy_within(filled - carried..filled, 0);
        }
        outcome
    }

    /// Reads the next part of a raw log: the whole lines of `bytes`, which continue the log
    /// where `log_position()` says this ledger stopped. The last line is left for the next
    /// call when it does not end in a newline yet (a write in progress). Rejections are
    /// numbered by their line in the whole log, so a checkpoint and its tail give what one
    /// read of the whole log gives. Returns the outcome and the bytes read.
    pub fn ingest_log(&mut self, bytes: &[u8]) -> (BatchOutcome, u64) {
        let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else {
            return (BatchOutcome::default(), 0);
        };
        let whole = &bytes[..=end];
        self.expect_batch(whole.len() as u64 / 256);
        let first_line = self.log_position().lines;
        let (outcome, lines) = self.ingest_lines(&whole[..end], first_line);
        // `whole` ends in the newline after its last line.
        self.advance_log(lines, whole.len() as u64);
        (outcome, whole.len() as u64)
    }

    /// Offers each line of `text`; the first is line `first_line + 1` of its file.
    /// Returns the outcome and the number of lines (one more than the newlines).
    fn ingest_lines(&mut self, text: &[u8], first_line: u64) -> (BatchOutcome, u64) {
        let mut outcome = BatchOutcome::default();
        let mut reader = ping::LineReader::default();
        let mut lines = 0;
        for (n, line) in ping::lines(text).enumerate() {
            lines += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let number = first_line + n as u64;
            let mut read = reader.read(line);
            if let Err(e) = &read.ping {
                if e.field == "ping" && e.message.starts_with("is not JSON") {
                    read.ping = Err(Error::new(format!("line {}", number + 1), e.message.clone()));
                }
            }
            let (result, instance_id) = self.offer(read);
            outcome.record(number, result, instance_id);
        }
        (outcome, lines)
    }
}

#[cfg(test)]
mod piece_tests {
    use super::*;
    use chrono::NaiveDate;
    use crate::telemetry::ledger::ReportOptions;
    use crate::demo::{self, DemoOptions};

    #[test]
    fn a_raw_log_read_in_pieces_is_read_as_one() {
        let mut log = demo::pings_ndjson(DemoOptions { installs: 40, days: 40, start: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), seed: 3, flat_share: 0.3 });
        // A bad line, a blank one and a rejected ping in the middle; the last line unfinished.
        let middle = log.len() / 2;
        let middle = middle + log[middle..].find('\n').unwrap() + 1;
        log.insert_str(middle, "{not json\n\n  \n{\"instanceId\":\"\"}\n");
        log.push_str(r#"{"instanceId":"last","receivedAt":"2025-03-02T00:00:00Z"}"#);
        let bytes = log.as_bytes();
        let mut whole = Ledger::new();
        let expected = whole.ingest_ndjson_bytes(bytes);
        assert_eq!(expected.rejected.len(), 2);
        let report = whole.report(ReportOptions::default()).unwrap();
        for piece in [1, 7, 300, 4096, bytes.len() - 1, bytes.len(), 1 << 20] {
            let mut ledger = Ledger::new();
            let outcome = ledger.ingest_ndjson_pieces_of(piece, bytes.len(), |start, buffer| buffer.copy_from_slice(&bytes[start..start + buffer.len()]));
            assert_eq!(outcome, expected, "pieces of {piece}");
            assert_eq!(ledger.report(ReportOptions::default()).unwrap(), report, "pieces of {piece}");
        }
        assert_eq!(Ledger::new().ingest_ndjson_pieces(0, |_, _| unreachable!()), Ledger::new().ingest_ndjson_bytes(b""));
    }
}
