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

/// Where `encode`'s two passes put postcard's bytes: nowhere, counting them, then into the
/// buffer of that size. One flavor for both, so postcard's serializer of the checkpoint is
/// in the module once (a counting flavor and a slice flavor were two copies, 9 KB).
struct Exact<'a> {
    out: Option<&'a mut [u8]>,
    at: usize,
}

impl postcard::ser_flavors::Flavor for Exact<'_> {
    type Output = usize;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        let end = self.at + data.len();
        if let Some(out) = self.out.as_deref_mut() {
            out.get_mut(self.at..end).ok_or(postcard::Error::SerializeBufferFull)?.copy_from_slice(data);
        }
        self.at = end;
        Ok(())
    }

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        if let Some(out) = self.out.as_deref_mut() {
            *out.get_mut(self.at).ok_or(postcard::Error::SerializeBufferFull)? = byte;
        }
        self.at += 1;
        Ok(())
    }

    fn finalize(self) -> postcard::Result<usize> {
        Ok(self.at)
    }
}

/// The checkpoint's bytes, in one buffer of exactly their size: the payload is measured,
/// then written after room for the header, which is filled in last. (WebAssembly memory only
/// grows: a payload copied behind a header, or a buffer grown by doubling, would keep two or
/// three times a 200 MB checkpoint in the process for good.)
pub fn encode<T: Serialize>(checkpoint: &T) -> Vec<u8> {
    let size = postcard::serialize_with_flavor(checkpoint, Exact { out: None, at: 0 }).unwrap_or(0);
    let mut out = vec![0; HEADER + size];
    let written = postcard::serialize_with_flavor(checkpoint, Exact { out: Some(&mut out[HEADER..]), at: 0 }).unwrap_or(0);
    out.truncate(HEADER + written);
    let len = written as u64;
    let crc = crc32(&out[HEADER..]);
    out[..8].copy_from_slice(MAGIC);
    out[8..12].copy_from_slice(&VERSION.to_le_bytes());
    out[12..20].copy_from_slice(&len.to_le_bytes());
    out[20..HEADER].copy_from_slice(&crc.to_le_bytes());
    out
}

/// The payload of a checkpoint's bytes, once the header's magic, version, length and
/// checksum hold.
fn payload(bytes: &[u8]) -> Result<&[u8]> {
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
    Ok(payload)
}

/// The whole checkpoint, decoded at once (the tests' reference for `decode_into`).
#[cfg(test)]
pub fn decode(bytes: &[u8]) -> Result<Checkpoint> {
    postcard::from_bytes(payload(bytes)?).map_err(|e| Error::new("checkpoint", format!("cannot be read: {e}")))
}

/// What a restore does with a checkpoint as it is read: the window and names first, then
/// each install's pings one at a time, so a checkpoint of ten million pings is never held
/// decoded whole. An error stops the reading and is what `decode_into` returns.
pub trait Sink {
    fn start(&mut self, window: u32, names: Vec<String>) -> Result<()>;
    /// The `n`th stored ping of install `id`.
    fn ping(&mut self, id: &str, n: usize, ping: &PingRef<'_>) -> Result<()>;
    /// Install `id` is complete.
    fn end_install(&mut self, id: String) -> Result<()>;
}

/// Everything of a checkpoint after its installs.
#[derive(Debug, Clone, PartialEq)]
pub struct Rest {
    pub accepted: u64,
    pub duplicates: u64,
    pub offered: u64,
    pub rejected_total: u64,
    pub rejected: Vec<Rejection>,
    pub log: LogPosition,
    pub source_key: Option<String>,
    pub overflow: [u64; 5],
}

/// Reads a checkpoint into `sink`, checking its header and checksum first; returns the rest.
pub fn decode_into(bytes: &[u8], sink: &mut impl Sink) -> Result<Rest> {
    let mut failed = None;
    let mut d = postcard::Deserializer::from_bytes(payload(bytes)?);
    let read = serde::Deserializer::deserialize_tuple(&mut d, 11, streamed::Whole { sink, failed: &mut failed });
    match (read, failed) {
        (_, Some(err)) => Err(err),
        (Ok(rest), None) => Ok(rest),
        (Err(e), None) => Err(Error::new("checkpoint", format!("cannot be read: {e}"))),
    }
}

/// The serde visitors of `decode_into`, in the order of the fields of `Checkpoint`.
mod streamed {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

    use super::{PingRef, Rest, Sink};
    use crate::error::Error;

    fn next<'de, T: serde::Deserialize<'de>, A: SeqAccess<'de>>(seq: &mut A) -> Result<T, A::Error> {
        seq.next_element()?.ok_or_else(|| de::Error::custom("ends early"))
    }

    /// Keeps the sink's error and stops the reading.
    fn stop<E: de::Error>(failed: &mut Option<Error>, err: Error) -> E {
        *failed = Some(err);
        E::custom("stopped by the restore")
    }

    pub(super) struct Whole<'s, S> {
        pub(super) sink: &'s mut S,
        pub(super) failed: &'s mut Option<Error>,
    }

    impl<'de, S: Sink> Visitor<'de> for Whole<'_, S> {
        type Value = Rest;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a checkpoint")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rest, A::Error> {
            let window = next(&mut seq)?;
            let names = next(&mut seq)?;
            self.sink.start(window, names).map_err(|e| stop(self.failed, e))?;
            seq.next_element_seed(Installs { sink: &mut *self.sink, failed: &mut *self.failed })?.ok_or_else(|| de::Error::custom("ends early"))?;
            Ok(Rest {
                accepted: next(&mut seq)?,
                duplicates: next(&mut seq)?,
                offered: next(&mut seq)?,
                rejected_total: next(&mut seq)?,
                rejected: next(&mut seq)?,
                log: next(&mut seq)?,
                source_key: next(&mut seq)?,
                overflow: next(&mut seq)?,
            })
        }
    }

    struct Installs<'s, S> {
        sink: &'s mut S,
        failed: &'s mut Option<Error>,
    }

    impl<'de, S: Sink> DeserializeSeed<'de> for Installs<'_, S> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de, S: Sink> Visitor<'de> for Installs<'_, S> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("installs")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut counts = Vec::new();
            while seq.next_element_seed(Install { sink: &mut *self.sink, failed: &mut *self.failed, counts: &mut counts })?.is_some() {}
            Ok(())
        }
    }

    /// One install: its id, then its pings.
    struct Install<'s, S> {
        sink: &'s mut S,
        failed: &'s mut Option<Error>,
        counts: &'s mut Vec<(u32, u64)>,
    }

    impl<'de, S: Sink> DeserializeSeed<'de> for Install<'_, S> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_tuple(2, self)
        }
    }

    impl<'de, S: Sink> Visitor<'de> for Install<'_, S> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an install")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let id: String = next(&mut seq)?;
            let pings = Pings { id: &id, sink: &mut *self.sink, failed: &mut *self.failed, counts: self.counts };
            seq.next_element_seed(pings)?.ok_or_else(|| de::Error::custom("ends early"))?;
            self.sink.end_install(id).map_err(|e| stop(self.failed, e))
        }
    }

    struct Pings<'s, S> {
        id: &'s str,
        sink: &'s mut S,
        failed: &'s mut Option<Error>,
        counts: &'s mut Vec<(u32, u64)>,
    }

    impl<'de, S: Sink> DeserializeSeed<'de> for Pings<'_, S> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de, S: Sink> Visitor<'de> for Pings<'_, S> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("stored pings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut n = 0;
            while let Some((day_step, ms_in_day, dims)) = seq.next_element_seed(Ping { counts: &mut *self.counts })? {
                let ping = PingRef { day_step, ms_in_day, dims: &dims, counts: self.counts };
                self.sink.ping(self.id, n, &ping).map_err(|e| stop(self.failed, e))?;
                n += 1;
            }
            Ok(())
        }
    }

    /// One stored ping, its counts read into a buffer reused from one ping to the next.
    struct Ping<'s> {
        counts: &'s mut Vec<(u32, u64)>,
    }

    impl<'de> DeserializeSeed<'de> for Ping<'_> {
        type Value = (u32, u32, [u32; 4]);
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_tuple(4, self)
        }
    }

    impl<'de> Visitor<'de> for Ping<'_> {
        type Value = (u32, u32, [u32; 4]);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a stored ping")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let (day_step, ms_in_day, dims) = (next(&mut seq)?, next(&mut seq)?, next(&mut seq)?);
            seq.next_element_seed(Counts { counts: self.counts })?.ok_or_else(|| de::Error::custom("ends early"))?;
            Ok((day_step, ms_in_day, dims))
        }
    }

    struct Counts<'s> {
        counts: &'s mut Vec<(u32, u64)>,
    }

    impl<'de> DeserializeSeed<'de> for Counts<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Counts<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("counts")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.counts.clear();
            while let Some(pair) = seq.next_element()? {
                self.counts.push(pair);
            }
            Ok(())
        }
    }
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

    /// The bytes written in place are the ones the format has always had: the header (magic,
    /// version, the payload's length and CRC-32, little-endian) and then postcard's bytes of
    /// the checkpoint, as `to_allocvec` writes them.
    #[test]
    fn encodes_the_header_and_then_postcards_bytes() {
        let payload = postcard::to_allocvec(&sample()).unwrap();
        let mut expected = MAGIC.to_vec();
        expected.extend_from_slice(&VERSION.to_le_bytes());
        expected.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        expected.extend_from_slice(&crc32(&payload).to_le_bytes());
        expected.extend_from_slice(&payload);
        assert_eq!(expected.len(), HEADER + payload.len());
        assert_eq!(encode(&sample()), expected);
    }

    /// Collects what `decode_into` hands over back into a `Checkpoint`.
    #[derive(Default)]
    struct Collect {
        out: Option<Checkpoint>,
        pings: Vec<SavedPing>,
        stop_at: Option<usize>,
    }

    impl Sink for Collect {
        fn start(&mut self, window: u32, names: Vec<String>) -> Result<()> {
            self.out = Some(Checkpoint { window, names, installs: Vec::new(), ..sample() });
            Ok(())
        }
        fn ping(&mut self, _: &str, n: usize, p: &PingRef<'_>) -> Result<()> {
            if Some(n) == self.stop_at {
                return Err(Error::new("here", "stopped"));
            }
            self.pings.push(SavedPing { day_step: p.day_step, ms_in_day: p.ms_in_day, dims: *p.dims, counts: p.counts.to_vec() });
            Ok(())
        }
        fn end_install(&mut self, id: String) -> Result<()> {
            let pings = std::mem::take(&mut self.pings);
            self.out.as_mut().unwrap().installs.push(SavedInstall { id, pings });
            Ok(())
        }
    }

    #[test]
    fn streamed_reading_gives_what_whole_reading_gives() {
        let mut whole = sample();
        whole.installs.push(SavedInstall {
            id: "b".into(),
            pings: (0..5).map(|i| SavedPing { day_step: 1 + i, ms_in_day: 7 * i, dims: [i, 0, 1, 0], counts: (0..i as u64).map(|k| (1, k)).collect() }).collect(),
        });
        whole.installs.push(SavedInstall { id: "c".into(), pings: Vec::new() });
        whole.rejected.push(Rejection { index: 3, instance_id: None, field: "x".into(), reason: "y".into() });
        let bytes = encode(&whole);
        let mut sink = Collect::default();
        let rest = decode_into(&bytes, &mut sink).unwrap();
        let mut streamed = sink.out.unwrap();
        (streamed.accepted, streamed.duplicates, streamed.offered, streamed.rejected_total) = (rest.accepted, rest.duplicates, rest.offered, rest.rejected_total);
        (streamed.rejected, streamed.log, streamed.source_key, streamed.overflow) = (rest.rejected, rest.log, rest.source_key, rest.overflow);
        assert_eq!(streamed, whole);
        assert_eq!(decode(&bytes).unwrap(), whole);
        // The sink's error is the one returned, and the reading stops there.
        let mut stopping = Collect { stop_at: Some(2), ..Collect::default() };
        assert_eq!(decode_into(&bytes, &mut stopping).unwrap_err().to_string(), "here: stopped");
        assert_eq!(stopping.out.unwrap().installs.len(), 1, "install b was not completed");
        // Damage the checksum cannot see (a payload re-sealed) is still named.
        let short = &bytes[HEADER..bytes.len() - 4];
        let mut resealed = Vec::new();
        resealed.extend_from_slice(&bytes[..12]);
        resealed.extend_from_slice(&(short.len() as u64).to_le_bytes());
        resealed.extend_from_slice(&crc32(short).to_le_bytes());
        resealed.extend_from_slice(short);
        let err = decode_into(&resealed, &mut Collect::default()).unwrap_err();
        assert!(err.to_string().starts_with("checkpoint: cannot be read: "), "{err}");
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
