//! What the ledger is made of, shared by the readers, the day tables and the checkpoint:
//! a day's ping as stored, a rejection, a position in the raw log, and the four dimensions.
//! It depends on nothing else of the ledger, so nothing here can import in a circle.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// What an install's ping is broken down by on the Installations page (DESIGN.md,
/// "Dimensions"). Its place in `DayPing::dims` and in the day tables is `index()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// `platform.config.driver`: localfs, docker, kubernetes, …
    Driver,
    /// `os.type`: Linux, Darwin, Windows_NT
    Os,
    /// major.minor of `env.flowforge`
    Version,
    /// `platform.license.type`: CE or EE
    License,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [Dimension::Driver, Dimension::Os, Dimension::Version, Dimension::License];
    pub const COUNT: usize = Dimension::ALL.len();

    pub const fn index(self) -> usize {
        self as usize
    }

    /// Its name in options and reports: `driver`, `os`, `version`, `license`.
    pub const fn name(self) -> &'static str {
        match self {
            Dimension::Driver => "driver",
            Dimension::Os => "os",
            Dimension::Version => "version",
            Dimension::License => "license",
        }
    }

    /// The dimension of a name (`name`'s inverse).
    pub fn named(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The dotted field of a ping (and the collector's column) the value comes from.
    pub const fn field(self) -> &'static str {
        match self {
            Dimension::Driver => "platform.config.driver",
            Dimension::Os => "os.type",
            Dimension::Version => "env.flowforge",
            Dimension::License => "platform.license.type",
        }
    }
}

/// The latest ping of one install on one day, as the ledger keeps it: names are ids of the
/// ledger's interned names.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPing {
    /// Epoch milliseconds of the ping.
    pub at: i64,
    /// One name id per `Dimension`, at `Dimension::index()`.
    pub dims: [u32; Dimension::COUNT],
    /// `platform.counts.*` as (name id, value), shared with every stored ping that has the
    /// same (the ledger keeps each distinct set once).
    pub counts: Counts,
}

/// A stored ping's counts: a shared, immutable list of (name id, value).
pub type Counts = std::rc::Rc<[(u32, u64)]>;

/// How much of a raw log the ledger has read: the bytes of its whole lines, and their count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPosition {
    pub offset: u64,
    pub lines: u64,
}

/// A ping that was refused, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// Position among all pings offered to this ledger (or in the batch).
    pub index: u64,
    pub instance_id: Option<String>,
    pub field: String,
    pub reason: String,
}

impl Rejection {
    pub fn new(index: u64, instance_id: Option<String>, err: &Error) -> Rejection {
        Rejection { index, instance_id, field: err.field.clone(), reason: err.to_string() }
    }
}

/// What happened to one offered ping.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accepted { duplicate: bool },
    Rejected(Error),
}

impl Outcome {
    /// An accepted ping as `ledger.ingest` answers it, or the reason it was refused.
    pub fn into_result(self) -> Result<Accepted, Error> {
        match self {
            Outcome::Accepted { duplicate } => Ok(Accepted { accepted: true, duplicate }),
            Outcome::Rejected(err) => Err(err),
        }
    }
}

/// `{accepted: true, duplicate}`: one ping kept, and whether it replaced one of the same day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Accepted {
    pub accepted: bool,
    pub duplicate: bool,
}

/// What happened to the next part of a raw log: the batch outcome and the bytes read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LogRead {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
    pub read: u64,
}

impl LogRead {
    pub fn new(outcome: BatchOutcome, read: u64) -> LogRead {
        LogRead { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected, read }
    }
}

/// What happened to a batch of pings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchOutcome {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
}

impl BatchOutcome {
    /// Adds the outcome of a later part of the same batch, which started at `offset`.
    pub fn absorb(&mut self, part: BatchOutcome, offset: u64) {
        self.accepted += part.accepted;
        self.duplicates += part.duplicates;
        self.rejected.extend(part.rejected.into_iter().map(|r| Rejection { index: r.index + offset, ..r }));
    }

    /// Counts what happened to the ping at `index` of this batch.
    pub fn record(&mut self, index: u64, outcome: Outcome, instance_id: Option<String>) {
        match outcome {
            Outcome::Accepted { duplicate } => {
                self.accepted += 1;
                self.duplicates += duplicate as u64;
            }
            Outcome::Rejected(err) => self.rejected.push(Rejection::new(index, instance_id, &err)),
        }
    }
}

/// The release a `major.minor` version names, as numbers that order releases (1.4 < 1.15 <
/// 2.4 < 2.10); `None` for what is not one (`unknown`, `other`).
pub fn release(version: &str) -> Option<(u64, u64)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}
