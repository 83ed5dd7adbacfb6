//! Realistic demo data, reproducible from a seed: usage pings of a population of FlowFuse
//! installs over many days. Used by the start command (a full dashboard on first open), the
//! tests (a year of data to check the ledger's identities) and the benchmarks.
//!
//! What it models, from the facts in shared/fixtures/README.md: a ping 10 s after each start
//! and then daily, so restarts add pings on the same day; installs that stop for good (churn)
//! or pause longer than the active window and come back (resurrection); upgrades over time;
//! older versions that lack fields (no licence before 1.5, no blueprints before 2.x); CE
//! installs that upgrade to EE now and then; and a
//! share of pings given as flat rows of the collector's table.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Map, Value};

/// splitmix64: small, fast and good enough for demo data; no dependency needed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

/// FlowFuse minor releases in order, roughly one a month.
const VERSIONS: [&str; 14] = [
    "1.4.1", "1.15.0", "2.4.0", "2.10.1", "2.18.0", "2.24.2", "2.28.0", "2.29.1", "2.30.0", "2.31.0", "2.32.1", "2.33.2",
    "2.34.0", "2.35.0",
];

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub installs: u32,
    pub days: u32,
    pub start: NaiveDate,
    pub seed: u64,
    /// Share of pings written as flat collector rows.
    pub flat_share: f64,
}

struct Install {
    id: String,
    first_day: i64,
    /// Day it stops for good, if it churns.
    end_day: Option<i64>,
    /// A pause longer than any active window: (from, to).
    pause: Option<(i64, i64)>,
    version: usize,
    driver: &'static str,
    os: &'static str,
    licensed: bool,
    projects: f64,
    devices: f64,
    users: f64,
    teams: f64,
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// Major.minor as a number for comparisons (2.4 → 2004).
fn release(version: &str) -> u32 {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    parts.next().unwrap_or(0) * 1000 + parts.next().unwrap_or(0)
}

/// Generates the pings, in time order, as JSON values (nested bodies with `receivedAt`, or
/// flat rows with `created_at`).
pub fn pings(options: DemoOptions) -> Vec<Value> {
    let mut out = Vec::new();
    for_each_ping(options, |p| out.push(p));
    out
}

/// `pings` as NDJSON text, made one ping at a time (a million pings need no million values).
pub fn pings_ndjson(options: DemoOptions) -> String {
    let mut out = String::new();
    pings_ndjson_each(options, usize::MAX, |text| out.push_str(text));
    out
}

/// `pings_ndjson` handed to `flush` a part at a time, each part whole lines of about
/// `part_bytes`: ten million pings (4.5 GB) are more than one string can hold.
pub fn pings_ndjson_each(options: DemoOptions, part_bytes: usize, mut flush: impl FnMut(&str)) {
    let mut out = String::new();
    for_each_ping(options, |p| {
        out.push_str(&p.to_string());
        out.push('\n');
        if out.len() >= part_bytes {
            flush(&out);
            out.clear();
        }
    });
    if !out.is_empty() {
        flush(&out);
    }
}

fn for_each_ping(options: DemoOptions, mut each: impl FnMut(Value)) {
    let mut rng = Rng::new(options.seed);
    let days = options.days as i64;
    let mut installs: Vec<Install> = (0..options.installs)
        .map(|_| {
            // A third exist at the start; the rest arrive over the period, faster later on.
            let first_day = if rng.chance(0.35) { 0 } else { (days as f64 * rng.unit().sqrt()) as i64 };
            let end_day = rng.chance(0.3).then(|| first_day + 1 + rng.below(days as u64) as i64);
            let pause = rng.chance(0.12).then(|| {
                let from = first_day + 5 + rng.below(days as u64 / 2 + 1) as i64;
                (from, from + 9 + rng.below(40) as i64)
            });
            let version = (VERSIONS.len() - 1).min(rng.below(VERSIONS.len() as u64 - 3) as usize + (first_day * 3 / days.max(1)) as usize);
            let driver = *rng.pick(&[("localfs", 0.45), ("docker", 0.35), ("kubernetes", 0.18), ("stub", 0.02)]);
            let os = *rng.pick(&[("Linux", 0.85), ("Darwin", 0.1), ("Windows_NT", 0.05)]);
            Install {
                id: uuid(&mut rng),
                first_day,
                end_day,
                pause,
                version,
                driver,
                os,
                licensed: rng.chance(0.15),
                projects: rng.below(5) as f64,
                devices: rng.below(3) as f64,
                users: 1.0 + rng.below(4) as f64,
                teams: 1.0 + rng.below(2) as f64,
            }
        })
        .collect();

    // Licence upgrades (CE → EE) come from a stream of their own, so the rest of the demo
    // stays what it was for a seed.
    let mut upgrades = Rng::new(options.seed ^ 0x00EE_00EE);
    for day in 0..days {
        let date = options.start + Duration::days(day);
        for install in installs.iter_mut() {
            let running = day >= install.first_day
                && install.end_day.is_none_or(|end| day < end)
                && install.pause.is_none_or(|(from, to)| day < from || day >= to);
            // A few installs skip a day now and then (host down, network).
            if !running || rng.chance(0.03) {
                continue;
            }
            if install.version + 1 < VERSIONS.len() && rng.chance(0.02) {
                install.version += 1;
            }
            // About one CE install in six upgrades to EE over a year.
            if !install.licensed && upgrades.chance(0.0005) {
                install.licensed = true;
            }
            install.projects = (install.projects * (1.0 + 0.003 * rng.unit()) + rng.below(2) as f64 * 0.02).max(0.0);
            install.devices = (install.devices * (1.0 + 0.004 * rng.unit()) + rng.below(2) as f64 * 0.03).max(0.0);
            install.users += rng.below(10).saturating_sub(8) as f64;
            let restarts = if rng.chance(0.08) { 1 + rng.below(3) } else { 0 };
            for ping in 0..=restarts {
                let second = (rng.below(86_400 / (restarts + 1)) + ping * 86_400 / (restarts + 1)) as u32;
                let time = date.and_hms_opt(second / 3600, (second / 60) % 60, second % 60).unwrap_or_default();
                let flat = rng.chance(options.flat_share);
                each(ping_body(install, crate::dates::format_instant_ms(time.and_utc()), flat));
            }
        }
    }
}

fn ping_body(install: &Install, time: String, flat: bool) -> Value {
    let version = VERSIONS[install.version];
    let r = release(version);
    let mut counts = Map::new();
    counts.insert("users".into(), json!(install.users as u64));
    counts.insert("teams".into(), json!(install.teams as u64));
    counts.insert("projects".into(), json!(install.projects.floor() as u64));
    counts.insert("devices".into(), json!(install.devices.floor() as u64));
    counts.insert("projectSnapshots".into(), json!((install.projects * 2.0).floor() as u64));
    if r >= 2000 {
        counts.insert("projectsByState".into(), json!({"suspended": (install.projects / 5.0).floor() as u64}));
        counts.insert("blueprints".into(), json!(0));
    }
    if r >= 2030 {
        counts.insert("teamBrokerClients".into(), json!((install.devices / 2.0).floor() as u64));
    }
    let mut body = json!({
        "instanceId": install.id,
        "os": {"type": install.os, "release": "6.1.0", "arch": "x64"},
        "env": {"nodejs": "v20.20.2", "flowforge": version},
        "platform": {"counts": counts, "config": {"driver": install.driver}}
    });
    if r >= 1005 {
        body["platform"]["license"] = json!({"id": "", "type": if install.licensed { "EE" } else { "CE" }});
    }
    if flat {
        let mut row = Map::new();
        flatten_into("", &body, &mut row);
        row.insert("created_at".into(), json!(time.replace('T', " ").trim_end_matches('Z')));
        Value::Object(row)
    } else {
        body["receivedAt"] = json!(time);
        body
    }
}

fn flatten_into(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten_into(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// A year (or any span) of daily FlowFuse Cloud meta snapshots with realistic growth:
/// gauges that compound a few percent a week with day-to-day noise, a daily sign-up count
/// (an event), and features that ship mid-way (the MQTT Team Broker, FlowFuse Tables) whose
/// metrics only start on the day they appear.
pub fn snapshots(days: u32, start: NaiveDate, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let days = days as i64;
    let broker_ships = days / 3;
    let tables_ships = days * 2 / 3;
    let mut teams = 1200.0;
    let mut users = 3100.0;
    let mut instances = 2600.0;
    let mut devices = 5200.0;
    let mut broker_clients = 0.0;
    let mut tables = 0.0;
    (0..days)
        .map(|day| {
            // About 2 % a week for teams, a little more for devices, with noise.
            let noise = |rng: &mut Rng| 1.0 + (rng.unit() - 0.5) * 0.004;
            teams *= 1.0028 * noise(&mut rng);
            users *= 1.0025 * noise(&mut rng);
            instances *= 1.0031 * noise(&mut rng);
            devices *= 1.0045 * noise(&mut rng);
            let weekend = matches!((start + Duration::days(day)).weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            let signups = ((teams * 0.006) * if weekend { 0.5 } else { 1.0 } * (0.8 + 0.4 * rng.unit())).round();
            let t = teams.round();
            let mut metrics = json!({
                "userCount": users.round(),
                "adminCount": 12,
                "teamCount": t,
                "teamsByType": {"starter": (t * 0.62).round(), "team": (t * 0.3).round(), "enterprise": (t * 0.08).round()},
                "teamsByBillingState": {"trial": (t * 0.1).round(), "active": (t * 0.85).round(), "canceled": (t * 0.05).round()},
                "instanceCount": instances.round(),
                "instancesByState": {"running": (instances * 0.83).round(), "suspended": (instances * 0.17).round()},
                "deviceCount": devices.round(),
                "devicesByMode": {"autonomous": (devices * 0.7).round(), "developer": (devices * 0.3).round()},
                "devicesByLastSeen": {"day": (devices * 0.55).round(), "week": (devices * 0.15).round(), "month": (devices * 0.1).round(), "older": (devices * 0.15).round(), "never": (devices * 0.05).round()},
                "signups": signups
            });
            if day >= broker_ships {
                // Adoption of a new feature: fast at first.
                broker_clients = (broker_clients * 1.012 + 3.0 + 4.0 * rng.unit()).round();
                metrics["features"] = json!({"teamBrokerClients": broker_clients});
            }
            if day >= tables_ships {
                tables = (tables * 1.01 + 1.0 + 2.0 * rng.unit()).round();
                metrics["features"]["tablesDatabases"] = json!(tables);
            }
            json!({"date": crate::dates::format_day(start + Duration::days(day)), "metrics": metrics})
        })
        .collect()
}
