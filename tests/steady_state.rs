//! Issue 9: a ping's cost does not grow with the history, a checkpoint plus the raw log's
//! tail gives what the whole log gives, and a damaged checkpoint is refused.

use chrono::NaiveDate;
use product_growth::demo::{self, DemoOptions};
use product_growth::telemetry::days::Work;
use product_growth::telemetry::ledger::{Ledger, ReportOptions};
use serde_json::json;

fn history(installs: u32, days: u32) -> String {
    demo::pings_ndjson(DemoOptions { installs, days, start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), seed: 11, flat_share: 0.3 })
}

fn ping(id: &str, at: &str, projects: u64) -> String {
    json!({"instanceId": id, "receivedAt": at, "os": {"type": "Linux"}, "platform": {"counts": {"projects": projects, "devices": 1}}}).to_string()
}

/// The same single pings, relative to the last day of the history: new installs, their
/// next-day and same-day pings, a late ping, and a return after a lapse.
fn single_pings(last: NaiveDate) -> Vec<String> {
    let day = |n: i64| format!("{}T{:02}:00:00Z", last - chrono::Duration::days(n), 6 + (n % 12));
    let mut out = Vec::new();
    for i in 0..20 {
        let id = format!("steady-{i}");
        out.push(ping(&id, &day(30), 1));
        out.push(ping(&id, &day(29), 2)); // next day
        out.push(ping(&id, &day(29).replace(":00:00Z", ":30:00Z"), 3)); // restart, same day
        out.push(ping(&id, &day(31), 4)); // late: before its first
        out.push(ping(&id, &day(10), 5)); // back after a lapse
    }
    out
}

fn ledger_of(ndjson: &str) -> Ledger {
    let mut ledger = Ledger::new();
    ledger.ingest_ndjson(ndjson);
    // The first report builds the day tables in one sweep; from then on they are kept.
    ledger.report(ReportOptions { last_days: Some(1), ..ReportOptions::default() }).unwrap();
    ledger.take_work();
    ledger
}

#[test]
fn a_pings_work_does_not_grow_with_the_history() {
    let big_log = history(1000, 730);
    let big_pings = big_log.lines().count();
    assert!(big_pings >= 200_000, "a large history: {big_pings} pings");
    let small_log = history(10, 730);
    let mut big = ledger_of(&big_log);
    let mut small = ledger_of(&small_log);
    let last = |l: &Ledger| NaiveDate::parse_from_str(&l.report(ReportOptions { last_days: Some(1), ..ReportOptions::default() }).unwrap().days[0].date, "%Y-%m-%d").unwrap();
    let (big_last, small_last) = (last(&big), last(&small));
    assert_eq!(big_last, small_last);
    big.take_work();
    small.take_work();

    let w = big.active_window_days() as u64;
    for p in single_pings(big_last) {
        big.ingest_text(&p);
        small.ingest_text(&p);
        let (on_big, on_small) = (big.take_work(), small.take_work());
        // One install touched, no sweep, and at most four contributions of W + 2 days.
        assert_eq!(on_big, on_small, "the same ping costs the same on {big_pings} pings as on {}", small_log.lines().count());
        assert_eq!((on_big.installs, on_big.builds), (1, 0), "{p}");
        assert!(on_big.days <= 4 * (w + 2), "{} days written for {p}", on_big.days);
    }
    // A report of the last 30 days after them builds nothing.
    let report = big.report(ReportOptions { last_days: Some(30), ..ReportOptions::default() }).unwrap();
    assert_eq!(report.days.len(), 30);
    assert_eq!(big.take_work(), Work::default());
    // And the kept tables are what a sweep of every install gives.
    assert!(big.tables_match_a_rebuild());
    assert!(small.tables_match_a_rebuild());
}

#[test]
fn a_checkpoint_and_the_logs_tail_equal_the_whole_log() {
    let log = history(120, 200) + "{\"instanceId\":\"bad\",\"platform\":{\"counts\":{\"projects\":-1}}}\nnot json\n" + &history(30, 20);
    let whole = {
        let mut l = Ledger::new();
        let (_, read) = l.ingest_log(log.as_bytes());
        assert_eq!(read, log.len() as u64);
        l
    };
    let reference = whole.report(ReportOptions::default()).unwrap();
    assert_eq!(reference.rejected_total, 2);

    // Read the log in uneven chunks, as a node reads a file: each read starts where the
    // ledger stopped; a chunk's unfinished last line is read again with the next.
    let bytes = log.as_bytes();
    let mut first = Ledger::new();
    let mut chunk = 1;
    let half = bytes.len() / 2;
    loop {
        let at = first.log_position().offset as usize;
        let end = (at + chunk).min(half);
        let (_, read) = first.ingest_log(&bytes[at..end]);
        if read == 0 && end == half {
            break; // the rest of the first half is the start of a line
        }
        chunk = chunk * 3 + 7;
    }
    let saved = first.to_checkpoint();
    assert!(saved.len() * 3 < half, "checkpoint {} bytes for {half} bytes of log", saved.len());
    let mut restored = Ledger::from_checkpoint(&saved).unwrap();
    assert_eq!(restored.to_checkpoint(), saved, "a restore changes nothing");
    assert_eq!(restored.log_position(), first.log_position());
    let at = restored.log_position().offset as usize;
    restored.ingest_log(&bytes[at..]);
    assert_eq!(restored.log_position().offset, bytes.len() as u64);
    assert_eq!(restored.report(ReportOptions::default()).unwrap(), reference);
    assert_eq!(restored.to_checkpoint(), whole.to_checkpoint());
    assert!(restored.tables_match_a_rebuild());
}

#[test]
fn a_damaged_checkpoint_is_refused_by_name() {
    let mut ledger = Ledger::new();
    ledger.ingest_log(history(5, 30).as_bytes());
    let good = ledger.to_checkpoint();
    for at in [0, 9, 15, 21, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x40;
        let err = Ledger::from_checkpoint(&bad).unwrap_err();
        assert_eq!(err.field, "checkpoint", "byte {at}: {err}");
    }
    assert!(Ledger::from_checkpoint(&good[..good.len() - 3]).is_err());
    assert!(Ledger::from_checkpoint(&[]).is_err());
}
