//! The ledger's checkpoint: a compact binary form of everything a ledger holds, so a start
//! loads it and replays only the raw log's tail instead of the whole log.
//!
//! Layout: the magic `PGLEDGR\0`, the format version (u32, little-endian), the payload's
//! length (u64) and its CRC-32 (u32), then the payload in postcard (serde, varints). A file
//! that fails any of these checks is refused with an error naming what failed, and the
//! caller replays the log whole: the checkpoint is derived data, never the truth.

use serde::{Deserialize, Serialize};

use super::model::{LogPosition, Rejection};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"PGLEDGR\0";
/// 2: the overflow counters of the bounded names follow the source key.
pub const VERSION: u32 = 2;
const HEADER: usize = 8 + 4 + 8 + 4;

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
    /// Pings counted under `other` per dimension, then count keys.
    pub overflow: [u64; 5],
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
    pub overflow: [u64; 5],
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

/// CRC-32 (IEEE 802.3, as zlib and crc32fast compute it), four bytes at a time from four
/// 1 KB tables made at compile time. crc32fast's sixteen tables (16 KB of the shipped .wasm)
/// buy speed a checkpoint does not need: it is written off the hot path.
fn crc32(bytes: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut crc = !0u32;
    let mut words = bytes.chunks_exact(4);
    for w in &mut words {
        crc ^= u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        crc = t[3][(crc & 0xff) as usize] ^ t[2][((crc >> 8) & 0xff) as usize] ^ t[1][((crc >> 16) & 0xff) as usize] ^ t[0][(crc >> 24) as usize];
    }
    for &b in words.remainder() {
        crc = t[0][((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

const CRC_TABLES: [[u32; 256]; 4] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 4] {
    let mut t = [[0u32; 256]; 4];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut k = 1;
        while k < 4 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            k += 1;
        }
        i += 1;
    }
    t
}

pub fn encode<T: Serialize>(checkpoint: &T) -> Vec<u8> {
    let payload = postcard::to_allocvec(checkpoint).unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(&payload).to_le_bytes());
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
    if crc32(payload) != word(20) {
        return Err(bad("fails its checksum".into()));
    }
    postcard::from_bytes(payload).map_err(|e| bad(format!("cannot be read: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_is_the_ieee_one() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        let bytes: Vec<u8> = (0..10_007u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for len in [0, 1, 3, 4, 5, 63, 64, 65, 10_007] {
            assert_eq!(super::crc32(&bytes[..len]), crc32fast::hash(&bytes[..len]), "{len}");
        }
    }

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
            overflow: [0, 0, 1, 0, 2],
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
