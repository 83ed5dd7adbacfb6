// The collector application on a history, as bench/steady.js and bench/scale.js measure it:
// a start with no checkpoint (the whole raw log is read), a steady trickle of pings to
// POST /ping, a stop (the checkpoint is written on the way down) and a start from the
// checkpoint, which must give the report it had.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { startNodeRed } = require('../tests/support/node-red')
const { cpuMs, memory, logged } = require('./proc')

/** The first `bytes` of a file as text (a raw log may be larger than one string). */
function head (file, bytes) {
    const fd = fs.openSync(file, 'r')
    const buffer = Buffer.alloc(bytes)
    const read = fs.readSync(fd, buffer, 0, bytes, 0)
    fs.closeSync(fd)
    return buffer.subarray(0, read).toString('utf8')
}

const percentile = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

/**
 * Sends `rate` pings a second for `seconds` to the server's POST /ping, half from the
 * installs `ids` (when there are any), half new, each answered before the next; counts the
 * server's CPU from 6 s after the call (a start's refresh is over) to 6 s after the last
 * ping (its refresh is inside the measurement).
 */
async function trickle (server, { rate, seconds, ids = [] }) {
    const n = rate * seconds
    const latencies = []
    await new Promise(resolve => setTimeout(resolve, 6000))
    const cpu0 = cpuMs(server.pid)
    const t0 = Date.now()
    for (let i = 0; i < n; i++) {
        const due = t0 + (i * 1000) / rate
        await new Promise(resolve => setTimeout(resolve, Math.max(0, due - Date.now())))
        const id = i % 2 && ids.length ? ids[i % ids.length] : `steady-${process.pid}-${i}`
        const started = process.hrtime.bigint()
        const res = await fetch(`${server.url}/ping`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instanceId: id, os: { type: 'Linux' }, platform: { counts: { projects: 2, devices: 1 } } }) })
        await res.arrayBuffer()
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6)
        assert.equal(res.status, 200)
    }
    await new Promise(resolve => setTimeout(resolve, 6000))
    return { n, latencies, cpu: cpuMs(server.pid) - cpu0, wall: Date.now() - t0 }
}

/**
 * Runs the application on `userDir`, whose raw log `log` holds `lines` pings; sends
 * `rate` pings a second for `seconds`, half from installs of the history, half new.
 * Resolves with what it measured; RSS figures are bytes, times ms.
 */
async function runCollector ({ userDir, log, lines, rate, seconds, nodeArgs = [], timeout = 600000 }) {
    const env = { PING_RATE_PER_MINUTE: '0' }
    // 1. A start with no checkpoint: the whole log is read.
    let server = await startNodeRed({ userDir, env, nodeArgs })
    const rebuildMs = await logged(server, /started from the whole raw log in (\d+) ms/, 0, timeout)
    const checkpointMs = await logged(server, /checkpoint: [\d.]+ MB written in (\d+) ms/, 0, timeout)
    const checkpointBytes = fs.statSync(log + '.checkpoint').size
    const loaded = memory(server.pid)

    // 2. The trickle: one ping every 1/rate s, each from an install of the history or a new one.
    const ids = head(log, 2e6).split('\n').slice(0, 200).filter(Boolean).map(l => JSON.parse(l).instanceId)
    const { n, latencies, cpu: trickleCpu, wall } = await trickle(server, { rate, seconds, ids })
    const during = memory(server.pid)
    const before = (await server.json('/api/installations')).body
    assert.equal(before.accepted, lines + n, 'every ping of the trickle is counted')

    // 3. Stop (the checkpoint is written on the way down), start again: checkpoint + tail.
    await server.stop('SIGTERM')
    server = await startNodeRed({ userDir, env, nodeArgs })
    const startMs = await logged(server, /started from the checkpoint \([\d.]+ MB\) and [\d.]+ MB of raw log in (\d+) ms/, 0, timeout)
    const after = (await server.json('/api/installations')).body
    assert.deepEqual(after, before, 'the report after a restart from the checkpoint is the one before')
    const restarted = memory(server.pid)
    await server.stop('SIGTERM')
    // The checkpoint is written every 10 minutes (the setting); at this rate that is
    // rate × 600 pings sharing one write.
    const perPing = trickleCpu / n
    return {
        n,
        wall,
        rebuildMs,
        checkpointMs,
        checkpointBytes,
        startMs,
        perPing,
        perPingAmortised: perPing + checkpointMs / (rate * 600),
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        loaded,
        during,
        restarted,
        peakRss: Math.max(loaded.peak, during.peak, restarted.peak)
    }
}

module.exports = { runCollector, trickle, percentile }
