//! A ledger saved and restored: the compact checkpoint (`super::super::checkpoint` holds
//! its binary format) and the plain-JSON state of `toJSON()`.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Install, Ledger, LedgerOptions, Overflow, DEFAULT_ACTIVE_WINDOW_DAYS, MAX_ACTIVE_WINDOW_DAYS};
use crate::dates::{day_number, day_of, day_start_ms, format_day, MS_PER_DAY};
use crate::error::{Error, Result};
use crate::telemetry::checkpoint;
use crate::telemetry::model::{DayPing, Rejection};
use crate::telemetry::ping::FORBIDDEN_KEYS;

const STATE_FORMAT: &str = "product-growth/installation-ledger@1";

/// An install's stored pings as a checkpoint writes them (`checkpoint::SavedPing`).
fn pings_written(days: &[(i32, DayPing)]) -> impl Serialize + '_ {
    checkpoint::Seq(move || {
        days.iter().enumerate().map(move |(i, (day, p))| checkpoint::PingRef {
            day_step: (day - if i == 0 { 0 } else { days[i - 1].0 }) as u32,
            ms_in_day: (p.at - day_start_ms(*day)) as u32,
            dims: &p.dims,
            counts: &p.counts,
        })
    })
}

impl Ledger {
    /// `new InstallationLedger(saved, options)`: an empty ledger, or one restored from
    /// `to_json`'s output, kept as `options` say.
    pub fn open(saved: Option<&Value>, options: LedgerOptions) -> Result<Ledger> {
        let window = options.active_window_days.unwrap_or(DEFAULT_ACTIVE_WINDOW_DAYS);
        let mut ledger = match saved {
            None => Ledger::with_window(window),
            Some(state) => {
                let mut ledger = Ledger::from_json(state)?;
                ledger.set_active_window_days(window);
                ledger
            }
        };
        ledger.set_bounds(options.bounds);
        Ok(ledger)
    }

    /// `InstallationLedger.fromCheckpoint(bytes, options)`: the checkpoint's window unless
    /// `options` set one.
    pub fn open_checkpoint(bytes: &[u8], options: LedgerOptions) -> Result<Ledger> {
        let mut ledger = Ledger::from_checkpoint(bytes)?;
        if let Some(window) = options.active_window_days {
            ledger.set_active_window_days(window);
        }
        ledger.set_bounds(options.bounds);
        Ok(ledger)
    }

    /// The saved form: plain JSON, sorted, with names spelt out. Only an earlier version's
    /// context store holds it now (the checkpoint replaced it), so it is built and read by
    /// hand: serde's derived code for it was a tenth of the shipped .wasm.
    pub fn to_json(&self) -> Value {
        serde_json::from_str(&self.to_json_text()).unwrap_or(Value::Null)
    }

    /// `to_json` as JSON text, written by hand: building it as a `serde_json::Value` first
    /// was the largest function of the shipped .wasm (15 KB), for a form only a saved
    /// ledger of an earlier version holds. Installs by id and days in order, so equal
    /// ledgers give equal text.
    pub fn to_json_text(&self) -> String {
        use std::fmt::Write;
        let text = |out: &mut String, s: &str| out.push_str(&serde_json::to_string(s).unwrap_or_default());
        let mut out = String::with_capacity(64 + 160 * self.stored as usize);
        out.push_str("{\"format\":");
        text(&mut out, STATE_FORMAT);
        out.push_str(",\"instances\":{");
        let mut ids: Vec<&str> = self.instances.keys().map(|id| id.as_ref()).collect();
        ids.sort_unstable();
        for (n, id) in ids.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            text(&mut out, id);
            out.push_str(":{");
            for (i, (d, p)) in self.instances[*id].days.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let [driver, os, version, license] = p.dims.map(|i| self.names.name(i));
                let _ = write!(out, "\"{}\":{{\"at\":{},\"driver\":", format_day(day_of(*d)), p.at);
                text(&mut out, driver);
                out.push_str(",\"os\":");
                text(&mut out, os);
                out.push_str(",\"version\":");
                text(&mut out, version);
                out.push_str(",\"license\":");
                text(&mut out, license);
                out.push_str(",\"counts\":{");
                for (c, (k, v)) in p.counts.iter().enumerate() {
                    if c > 0 {
                        out.push(',');
                    }
                    text(&mut out, self.names.name(*k));
                    let _ = write!(out, ":{v}");
                }
                out.push_str("}}");
            }
            out.push('}');
        }
        let _ = write!(
            out,
            "}},\"accepted\":{},\"duplicates\":{},\"offered\":{},\"rejectedTotal\":{},\"rejected\":[",
            self.accepted, self.duplicates, self.offered, self.rejected_total
        );
        for (i, r) in self.rejected.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"index\":{},\"instanceId\":", r.index);
            match &r.instance_id {
                Some(id) => text(&mut out, id),
                None => out.push_str("null"),
            }
            out.push_str(",\"field\":");
            text(&mut out, &r.field);
            out.push_str(",\"reason\":");
            text(&mut out, &r.reason);
            out.push('}');
        }
        let [a, b, c, d, e] = self.names.overflow.as_array();
        let _ = write!(out, "],\"overflow\":[{a},{b},{c},{d},{e}]}}");
        out
    }

    /// Restores a ledger from `to_json`'s output. Anything else is refused, leaving the
    /// caller's current state untouched.
    pub fn from_json(value: &Value) -> Result<Ledger> {
        if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
            return Err(Error::new("state.format", format!("must be {STATE_FORMAT:?}")));
        }
        // A state of the wrong shape is refused as a whole (`state`), saying where.
        fn shape(path: &str, what: &str) -> Error {
            Error::new("state", format!("is not a saved ledger: {path} must be {what}"))
        }
        let whole = |v: Option<&Value>, path: &str| v.and_then(Value::as_u64).ok_or_else(|| shape(path, "a whole number ≥ 0"));
        let text = |v: Option<&Value>, path: &str| v.and_then(Value::as_str).map(str::to_string).ok_or_else(|| shape(path, "a string"));
        fn object<'v>(v: Option<&'v Value>, path: &str) -> Result<&'v Map<String, Value>> {
            v.and_then(Value::as_object).ok_or_else(|| shape(path, "an object"))
        }
        let mut rejected = Vec::new();
        let saved = value.get("rejected").and_then(Value::as_array).ok_or_else(|| shape("rejected", "an array"))?;
        for (i, r) in saved.iter().enumerate() {
            let at = |k: &str| format!("rejected[{i}].{k}");
            let instance_id = match r.get("instanceId") {
                None | Some(Value::Null) => None,
                id => Some(text(id, &at("instanceId"))?),
            };
            rejected.push(Rejection {
                index: whole(r.get("index"), &at("index"))?,
                instance_id,
                field: text(r.get("field"), &at("field"))?,
                reason: text(r.get("reason"), &at("reason"))?,
            });
        }
        // Saved before names were bounded: nothing overflowed.
        let overflow = match value.get("overflow") {
            None => [0; 5],
            Some(v) => {
                let list = v.as_array().filter(|a| a.len() == 5).ok_or_else(|| shape("overflow", "five whole numbers ≥ 0"))?;
                let mut out = [0; 5];
                for (slot, n) in out.iter_mut().zip(list) {
                    *slot = whole(Some(n), "overflow")?;
                }
                out
            }
        };
        let mut ledger = Ledger {
            accepted: whole(value.get("accepted"), "accepted")?,
            duplicates: whole(value.get("duplicates"), "duplicates")?,
            offered: whole(value.get("offered"), "offered")?,
            rejected_total: whole(value.get("rejectedTotal"), "rejectedTotal")?,
            rejected,
            ..Ledger::default()
        };
        for (id, days) in object(value.get("instances"), "instances")? {
            let mut install = Install::default();
            for (date, p) in object(Some(days), &format!("instances.{id}"))? {
                let at = format!("state.instances.{id}.{date}");
                let day: NaiveDate = date.parse().map_err(|_| shape(&format!("instances.{id}"), "an object of dates (YYYY-MM-DD)"))?;
                let time = p.get("at").and_then(Value::as_i64).ok_or_else(|| shape(&format!("instances.{id}.{date}.at"), "epoch milliseconds"))?;
                // A file is not trusted more than a ping: names that would be object keys
                // in a report are checked again.
                let mut dims = [0; 4];
                for (id, k) in dims.iter_mut().zip(["driver", "os", "version", "license"]) {
                    let name = text(p.get(k), &format!("instances.{id}.{date}.{k}"))?;
                    if FORBIDDEN_KEYS.contains(&name.as_str()) {
                        return Err(Error::new(at, "holds a reserved name"));
                    }
                    *id = ledger.names.id(&name);
                }
                let bad_name = |s: &str| s.is_empty() || s.split('.').any(|seg| seg.is_empty() || FORBIDDEN_KEYS.contains(&seg));
                let mut counts = Vec::new();
                for (k, v) in object(p.get("counts"), &format!("instances.{id}.{date}.counts"))? {
                    if bad_name(k) {
                        return Err(Error::new(format!("{at}.counts.{k}"), "is not a valid count name"));
                    }
                    counts.push((ledger.names.id(k), whole(Some(v), &format!("instances.{id}.{date}.counts.{k}"))?));
                }
                install.days.push((day_number(day), DayPing { at: time, dims, counts: ledger.count_sets.intern(&counts) }));
            }
            ledger.adopt(id.as_str().into(), install)?;
        }
        ledger.names.overflow = Overflow::from_array(overflow);
        Ok(ledger)
    }
}

impl Ledger {
    /// The checkpoint: every stored ping, the counters and the raw log position, in the
    /// compact binary form of `checkpoint` (installs in id order, so equal ledgers give
    /// equal bytes).
    pub fn to_checkpoint(&self) -> Vec<u8> {
        let mut ids: Vec<&str> = self.instances.keys().map(|id| id.as_ref()).collect();
        ids.sort_unstable();
        checkpoint::encode(&checkpoint::CheckpointRef {
            window: self.window,
            names: self.names.all(),
            installs: checkpoint::Seq(|| ids.iter().map(|id| (*id, pings_written(&self.instances[*id].days)))),
            accepted: self.accepted,
            duplicates: self.duplicates,
            offered: self.offered,
            rejected_total: self.rejected_total,
            rejected: &self.rejected,
            log: self.log,
            source_key: self.source_key.as_deref(),
            overflow: self.names.overflow.as_array(),
        })
    }

    /// Restores a ledger from `to_checkpoint`'s bytes. A file that fails its checks, or
    /// holds what no ledger could (a reserved name, days out of order), is refused by name.
    /// It is read install by install (`checkpoint::Sink`): memory is the ledger's own.
    pub fn from_checkpoint(bytes: &[u8]) -> Result<Ledger> {
        let mut restore = Restore { ledger: Ledger::default(), names: Vec::new(), days: Vec::new(), day: 0 };
        let rest = checkpoint::decode_into(bytes, &mut restore)?;
        let mut ledger = restore.ledger;
        ledger.accepted = rest.accepted;
        ledger.duplicates = rest.duplicates;
        ledger.offered = rest.offered;
        ledger.rejected_total = rest.rejected_total;
        ledger.rejected = rest.rejected;
        ledger.log = rest.log;
        ledger.source_key = rest.source_key;
        ledger.names.overflow = Overflow::from_array(rest.overflow);
        Ok(ledger)
    }
}

/// A ledger being restored from a checkpoint, one install at a time.
struct Restore {
    ledger: Ledger,
    /// The checkpoint's names, by id.
    names: Vec<String>,
    /// The pings of the install being read, and the day of the last of them.
    days: Vec<(i32, DayPing)>,
    day: i64,
}

impl checkpoint::Sink for Restore {
    fn start(&mut self, window: u32, names: Vec<String>) -> Result<()> {
        if !(1..=MAX_ACTIVE_WINDOW_DAYS).contains(&window) {
            return Err(Error::new("checkpoint.window", format!("must be 1 to {MAX_ACTIVE_WINDOW_DAYS} days, got {window}")));
        }
        self.ledger = Ledger::with_window(window);
        for name in &names {
            if FORBIDDEN_KEYS.contains(&name.as_str()) || self.ledger.names.lookup(name).is_some() {
                return Err(Error::new("checkpoint.names", format!("holds a reserved or repeated name {name:?}")));
            }
            self.ledger.names.id(name);
        }
        self.names = names;
        Ok(())
    }

    fn ping(&mut self, id: &str, n: usize, p: &checkpoint::PingRef<'_>) -> Result<()> {
        if n == 0 {
            self.day = 0;
        }
        self.day += p.day_step as i64;
        let known = self.names.len() as u32;
        let count_name_ok = |k: u32| {
            k < known && {
                let name = &self.names[k as usize];
                !name.is_empty() && name.split('.').all(|seg| !seg.is_empty() && !FORBIDDEN_KEYS.contains(&seg))
            }
        };
        let date = i32::try_from(self.day).ok().and_then(NaiveDate::from_num_days_from_ce_opt);
        let ok = (n == 0 || p.day_step > 0)
            && (p.ms_in_day as i64) < MS_PER_DAY
            && p.dims.iter().all(|&d| d < known)
            && p.counts.iter().all(|&(k, _)| count_name_ok(k));
        let (Some(_), true) = (date, ok) else {
            return Err(Error::new(format!("checkpoint.installs.{id}[{n}]"), "is not a stored ping"));
        };
        let day = self.day as i32;
        let at = day_start_ms(day) + p.ms_in_day as i64;
        self.days.push((day, DayPing { at, dims: *p.dims, counts: self.ledger.count_sets.intern(p.counts) }));
        Ok(())
    }

    fn end_install(&mut self, id: String) -> Result<()> {
        if id.is_empty() || self.ledger.instances.contains_key(id.as_str()) {
            return Err(Error::new(format!("checkpoint.installs.{id}"), "is empty or repeated"));
        }
        // Collected from the drain, the install's days take no more room than they need.
        let days = self.days.drain(..).collect();
        self.ledger.adopt(id.into(), Install { days })
    }
}
