'use strict';
/**
 * Plain-JavaScript baseline for `npm run bench`.
 *
 * The same installation-ledger aggregation as the core's `aggregateInstallations`
 * (DESIGN.md, "Installation ledger: definitions"), written the way a capable Node-RED
 * user would write it in a function node: plain objects and Maps, no WebAssembly, no
 * dependencies; reasonably efficient, nothing heroic. Its `days` are deep-equal to the
 * core's `report.days` for the same valid input. It does not validate like the core does:
 * a ping without a string instanceId or a parseable time is simply skipped.
 *
 *   aggregateInstallations(pings, {activeWindowDays = 7, asOf} = {})
 *     -> {days, installations, accepted, duplicates}
 */

const DAY_MS = 86400000;
const COUNTS_PREFIX = 'platform.counts.';

// A field from a nested ping (`os.type` as ping.os.type) or a flat collector row
// (`ping["os.type"]`).
function field (ping, path) {
    if (ping[path] !== undefined) return ping[path];
    let v = ping;
    for (const part of path.split('.')) {
        if (v === null || typeof v !== 'object') return undefined;
        v = v[part];
    }
    return v;
}

// Epoch ms of a time: ISO string, the collector's "2026-01-05 10:00:00.123" (UTC), or epoch ms.
function parseTime (t) {
    if (typeof t === 'number') return Number.isFinite(t) ? t : NaN;
    if (typeof t !== 'string') return NaN;
    let s = t.trim().replace(' ', 'T');
    // No offset given: the collector's timestamps are UTC.
    if (s.length > 10 && !/(Z|[+-]\d\d(:?\d\d)?)$/i.test(s.slice(10))) s += 'Z';
    return Date.parse(s);
}

function text (ping, path) {
    const v = field(ping, path);
    return typeof v === 'string' && v.trim() !== '' ? v : 'unknown';
}

// "2.33.2" and "2.33.2-git" are "2.33"; anything else is "unknown".
function majorMinor (v) {
    const m = /^v*(\d+)\.(\d+)/.exec(v.trim());
    return m ? m[1] + '.' + m[2] : 'unknown';
}

// Every numeric platform.counts.* value, keyed by the dotted path below `counts`.
function countsOf (ping) {
    const counts = {};
    const walk = (obj, prefix) => {
        for (const k in obj) {
            const v = obj[k];
            if (typeof v === 'number') counts[prefix + k] = v;
            else if (v !== null && typeof v === 'object') walk(v, prefix + k + '.');
        }
    };
    const nested = ping.platform && ping.platform.counts;
    if (nested && typeof nested === 'object') walk(nested, '');
    for (const k in ping) {
        if (k.startsWith(COUNTS_PREFIX) && typeof ping[k] === 'number') counts[k.slice(COUNTS_PREFIX.length)] = ping[k];
    }
    return counts;
}

function aggregateInstallations (pings, { activeWindowDays = 7, asOf } = {}) {
    const W = activeWindowDays;

    // 1. The latest ping of each install on each day.
    const installs = new Map(); // instanceId -> Map(dayNumber -> {at, ping})
    let accepted = 0;
    let duplicates = 0;
    for (const ping of pings) {
        if (!ping || typeof ping !== 'object') continue;
        const id = field(ping, 'instanceId');
        if (typeof id !== 'string' || id === '') continue;
        const received = field(ping, 'receivedAt');
        const at = parseTime(received != null ? received : field(ping, 'created_at'));
        if (Number.isNaN(at)) continue;
        accepted++;
        const day = Math.floor(at / DAY_MS);
        let days = installs.get(id);
        if (!days) installs.set(id, (days = new Map()));
        const seen = days.get(day);
        if (seen) {
            duplicates++;
            if (at >= seen.at) days.set(day, { at, ping }); // equal times: later arrival wins
        } else {
            days.set(day, { at, ping });
        }
    }

    const result = { days: [], installations: installs.size, accepted, duplicates };
    if (installs.size === 0) return result;

    // 2. The range of days.
    let first = Infinity;
    let last = -Infinity;
    for (const days of installs.values()) {
        for (const d of days.keys()) {
            if (d < first) first = d;
            if (d > last) last = d;
        }
    }
    if (asOf != null) last = Math.floor(parseTime(asOf) / DAY_MS);
    if (!(last >= first)) return result;
    const n = last - first + 1;

    const out = [];
    for (let i = 0; i < n; i++) {
        out.push({
            date: new Date((first + i) * DAY_MS).toISOString().slice(0, 10),
            pinged: 0,
            active: 0,
            added: 0,
            removed: 0,
            resurrected: 0,
            hosted: 0,
            remote: 0,
            totals: {},
            byDriver: {},
            byOs: {},
            byVersion: {},
            byLicense: {}
        });
    }

    // 3. Each ping keeps its install active, with its data, until the next ping or W days.
    for (const days of installs.values()) {
        const list = [...days.keys()].filter(d => d <= last).sort((a, b) => a - b);
        for (let i = 0; i < list.length; i++) {
            const d = list[i];
            const next = i + 1 < list.length ? list[i + 1] : null;
            const start = d - first;
            out[start].pinged++;
            if (i === 0) out[start].added++;
            let end = d + W; // exclusive
            if (next !== null && next <= end) {
                end = next;
            } else {
                if (end <= last) out[end - first].removed++;
                if (next !== null) out[next - first].resurrected++;
            }
            const ping = days.get(d).ping;
            const counts = countsOf(ping);
            const driver = text(ping, 'platform.config.driver');
            const os = text(ping, 'os.type');
            const v = text(ping, 'env.flowforge');
            const version = v === 'unknown' ? v : majorMinor(v);
            const license = text(ping, 'platform.license.type');
            const stop = Math.min(end, last + 1) - first;
            for (let j = start; j < stop; j++) {
                const day = out[j];
                day.active++;
                for (const k in counts) day.totals[k] = (day.totals[k] || 0) + counts[k];
                day.byDriver[driver] = (day.byDriver[driver] || 0) + 1;
                day.byOs[os] = (day.byOs[os] || 0) + 1;
                day.byVersion[version] = (day.byVersion[version] || 0) + 1;
                day.byLicense[license] = (day.byLicense[license] || 0) + 1;
            }
        }
    }

    // 4. A series, once started, stays on every later day (0 when nobody contributes).
    const maps = ['totals', 'byDriver', 'byOs', 'byVersion', 'byLicense'];
    const started = {};
    for (const m of maps) started[m] = new Set();
    for (const day of out) {
        for (const m of maps) {
            const map = day[m];
            for (const k of started[m]) if (!(k in map)) map[k] = 0;
            for (const k in map) started[m].add(k);
        }
        day.hosted = day.totals.projects || 0;
        day.remote = day.totals.devices || 0;
    }

    result.days = out;
    return result;
}

module.exports = { aggregateInstallations };
