//! The ledger's checkpoint: a compact binary form of everything a ledger holds, so a start
//! loads it and replays only the raw log's tail instead of the whole log.
//!
//! Layout: the magic `PGLEDGR\0`, the format version (u32, little-endian), the payload's
//! length (u64) and its CRC-32 (u32), then the payload in postcard (serde, varints). A file
//! that fails any of these checks is refused with an error naming what failed, and the
//! caller replays the log whole: the checkpoint is derived data, never the truth.

use serde::{Deserialize, Serialize};

use super::ledger::{LogPosition, Rejection};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"PGLEDGR\0";
pub const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8 + 4;
pub const MS_PER_DAY: i64 = 86_400_000;

/// One stored ping: days are counted from the previous stored day of the install (from the
/// common era for the first), its time from the start of its day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPing {
    pub day_step: u32,
    pub ms_in_day: u32,
    pub dims: [u32; 4],
    pub counts: Vec<(u32, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedInstall {
    pub id: String,
    pub pings: Vec<SavedPing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub window: u32,
    pub names: Vec<String>,
    pub installs: Vec<SavedInstall>,
    pub accepted: u64,
    pub duplicates: u64,
    pub offered: u64,
    pub rejected_total: u64,
    pub rejected: Vec<Rejection>,
    pub log: LogPosition,
    /// Where a database source stopped (its keyset key, as the caller wrote it).
    pub source_key: Option<String>,
}

/// What a ledger writes: the same fields as `Checkpoint`, in the same order, borrowed
/// where the ledger already holds them, so a million pings are written without a million
/// intermediate vectors.
#[derive(Serialize)]
pub struct CheckpointRef<'a, I: Serialize> {
    pub window: u32,
    pub names: &'a [Box<str>],
    pub installs: I,
    pub accepted: u64,
    pub duplicates: u64,
    pub offered: u64,
    pub rejected_total: u64,
    pub rejected: &'a [Rejection],
    pub log: LogPosition,
    pub source_key: Option<&'a str>,
}

/// One stored ping as written: the fields of `SavedPing`.
#[derive(Serialize)]
pub struct PingRef<'a> {
    pub day_step: u32,
    pub ms_in_day: u32,
    pub dims: &'a [u32; 4],
    pub counts: &'a [(u32, u64)],
}

/// A sequence written straight from an iterator of known length.
pub struct Seq<F>(pub F);

impl<F, I, T> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: ExactSizeIterator<Item = T>,
    T: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

pub fn encode<T: Serialize>(checkpoint: &T) -> Vec<u8> {
    let payload = postcard::to_allocvec(checkpoint).unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

pub fn decode(bytes: &[u8]) -> Result<Checkpoint> {
    let bad = |why: String| Error::new("checkpoint", why);
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(bad("is not a ledger checkpoint".into()));
    }
    let word = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let version = word(8);
    if version != VERSION {
        return Err(bad(format!("is format version {version}; this core reads version {VERSION}")));
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[12..20]);
    let len = u64::from_le_bytes(len);
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return Err(bad(format!("is truncated or padded: {} bytes of payload, the header says {len}", payload.len())));
    }
    if crc32fast::hash(payload) != word(20) {
        return Err(bad("fails its checksum".into()));
    }
    postcard::from_bytes(payload).map_err(|e| bad(format!("cannot be read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            window: 7,
            names: vec!["unknown".into(), "projects".into()],
            installs: vec![SavedInstall { id: "a".into(), pings: vec![SavedPing { day_step: 739_000, ms_in_day: 5, dims: [0; 4], counts: vec![(1, 3)] }] }],
            accepted: 1,
            duplicates: 0,
            offered: 1,
            rejected_total: 0,
            rejected: Vec::new(),
            log: LogPosition { offset: 120, lines: 1 },
            source_key: Some("{\"createdAt\":\"2026-01-05 10:00:00\"}".into()),
        }
    }

    #[test]
    fn round_trips() {
        assert_eq!(decode(&encode(&sample())).unwrap(), sample());
    }

    #[test]
    fn every_damage_is_named() {
        let good = encode(&sample());
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(decode(&flipped).unwrap_err().message, "fails its checksum");
        let mut version = good.clone();
        version[8] = 9;
        assert!(decode(&version).unwrap_err().message.contains("version 9"));
        assert!(decode(&good[..good.len() - 1]).unwrap_err().message.contains("truncated"));
        assert_eq!(decode(b"{\"format\":1}").unwrap_err().message, "is not a ledger checkpoint");
        assert_eq!(decode(&[]).unwrap_err().field, "checkpoint");
    }
}
