#!/usr/bin/env node
// The steady state (issue 9): a collector holding the million-ping history of case a, then a
// steady trickle of pings, one at a time, as installs send them. Prints what a ping costs
// when bursts do not hide recomputation: CPU per ping of the whole Node-RED process (ingest,
// dashboard refresh, HTTP flow; the checkpoint amortised), p50/p99 latency of POST /ping,
// Node-RED's RSS, the checkpoint's size and write time, and the start time from the
// checkpoint against a full read of the raw log.
//
//   node bench/steady.js            full size (case a's 1,000,060 pings, 10 pings/s for 30 s)
//   node bench/steady.js --smoke    small sizes, a few seconds (part of `npm test`)
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../tests/support/node-red')
const { fmt, MB, cpuMs, memory, logged, demoFile } = require('./proc')

const smoke = process.argv.includes('--smoke')
const SIZE = smoke ? { installs: 60, days: 120, rate: 10, seconds: 3 } : { installs: 1600, days: 1095, rate: 10, seconds: 30 }
// STEADY_SECONDS changes the trickle's length; STEADY_NODE_OPTIONS is passed to Node-RED's
// Node.js (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
if (process.env.STEADY_SECONDS) SIZE.seconds = Number(process.env.STEADY_SECONDS)

const percentile = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

async function main () {
    // The same data as case a of bench/run.js, made in a child process and cached.
    const START = smoke ? '2026-06-01' : '2023-11-25'
    const dataFile = demoFile({ installs: SIZE.installs, days: SIZE.days, start: START }, smoke ? '-steady' : '')
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-steady-'))
    const log = path.join(userDir, 'pings.ndjson')
    fs.copyFileSync(dataFile, log)
    const logBytes = fs.statSync(log).size
    const lines = smoke ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 1000060
    const env = { PING_RATE_PER_MINUTE: '0' }
    const nodeArgs = (process.env.STEADY_NODE_OPTIONS || '').split(' ').filter(Boolean)
    console.error(`[steady] ${fmt(lines)} pings, ${fmt(logBytes / MB)} MB of raw log in ${userDir}`)

    // 1. A start with no checkpoint: the whole log is read.
    let server = await startNodeRed({ userDir, env, nodeArgs })
    const rebuildMs = await logged(server, /started from the whole raw log in (\d+) ms/)
    const checkpointMs = await logged(server, /checkpoint: [\d.]+ MB written in (\d+) ms/)
    const checkpointBytes = fs.statSync(log + '.checkpoint').size
    const loaded = memory(server.pid)

    // 2. The trickle: one ping every 1/rate s, each from an install of the history or a new one.
    const ids = fs.readFileSync(log, 'utf8').slice(0, 2e6).split('\n').slice(0, 200).filter(Boolean).map(l => JSON.parse(l).instanceId)
    const n = SIZE.rate * SIZE.seconds
    const latencies = []
    await new Promise(resolve => setTimeout(resolve, 6000)) // the start's refresh is over
    const cpu0 = cpuMs(server.pid)
    const t0 = Date.now()
    for (let i = 0; i < n; i++) {
        const due = t0 + (i * 1000) / SIZE.rate
        await new Promise(resolve => setTimeout(resolve, Math.max(0, due - Date.now())))
        const id = i % 2 ? ids[i % ids.length] : `steady-${process.pid}-${i}`
        const started = process.hrtime.bigint()
        const res = await fetch(`${server.url}/ping`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instanceId: id, os: { type: 'Linux' }, platform: { counts: { projects: 2, devices: 1 } } }) })
        await res.arrayBuffer()
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6)
        assert.equal(res.status, 200)
    }
    // Let the last refresh happen inside the measurement.
    await new Promise(resolve => setTimeout(resolve, 6000))
    const trickleCpu = cpuMs(server.pid) - cpu0
    const wall = Date.now() - t0
    const during = memory(server.pid)
    const before = (await server.json('/api/installations')).body
    assert.equal(before.accepted, lines + n, 'every ping of the trickle is counted')

    // 3. Stop (the checkpoint is written on the way down), start again: checkpoint + tail.
    await server.stop('SIGTERM')
    server = await startNodeRed({ userDir, env, nodeArgs })
    const startMs = await logged(server, /started from the checkpoint \([\d.]+ MB\) and [\d.]+ MB of raw log in (\d+) ms/)
    const after = (await server.json('/api/installations')).body
    assert.deepEqual(after, before, 'the report after a restart from the checkpoint is the one before')
    const restarted = memory(server.pid)
    await server.stop('SIGTERM')

    // 4. The ledger's own share, in this process: the same history from the checkpoint,
    // then pings one at a time as the node takes them (appended to the log, read as its
    // tail) with the dashboard refresh every 5 s of pings at this rate.
    const core = require('../pkg')
    const { readLog } = require('../node-red-node/lib/ping-source/raw-log')
    const ledger = core.InstallationLedger.fromCheckpoint(fs.readFileSync(log + '.checkpoint'))
    ledger.report({ lastDays: 1 }) // build the day tables, as the node's first report does
    ledger.takeWork()
    const own0 = process.cpuUsage()
    const refreshEvery = SIZE.rate * 5
    for (let i = 0; i < n; i++) {
        fs.appendFileSync(log, JSON.stringify({ instanceId: `own-${i}`, receivedAt: new Date().toISOString(), platform: { counts: { projects: 1 } } }) + '\n')
        ledger.setNow(Date.now())
        await readLog(ledger, log)
        if (i % refreshEvery === refreshEvery - 1) ledger.dashboard({ activeWindowDays: 7, lastDays: 90, reportDays: 90, asOf: new Date().toISOString().slice(0, 10) })
    }
    const own = process.cpuUsage(own0)
    const ledgerPerPing = (own.user + own.system) / 1000 / n
    const work = ledger.takeWork()
    fs.rmSync(userDir, { recursive: true, force: true })

    // The checkpoint is written every 10 minutes (the setting); at this rate that is
    // rate × 600 pings sharing one write.
    const perPing = trickleCpu / n
    const amortisedCheckpoint = checkpointMs / (SIZE.rate * 600)
    const p50 = percentile(latencies, 0.5)
    const p99 = percentile(latencies, 0.99)
    const peakRss = Math.max(loaded.peak, during.peak, restarted.peak)
    const yes = ok => ok ? 'yes' : '**no**'
    const table = [
        '| steady state | figure | target | met |',
        '|---|---:|---|---|',
        `| history | ${fmt(lines)} pings, ${fmt(logBytes / MB)} MB raw log | | |`,
        `| trickle | ${n} pings at ${SIZE.rate}/s over ${fmt(wall / 1000, 1)} s | | |`,
        `| CPU per ping, whole Node-RED process (HTTP flow, ingest, refresh) | ${fmt(perPing, 2)} ms | | |`,
        `| CPU per ping with the checkpoint amortised | ${fmt(perPing + amortisedCheckpoint, 2)} ms | < 2 ms | ${yes(perPing + amortisedCheckpoint < 2)} |`,
        `| of which the ledger (append, read the tail, ingest, refresh; checkpoint amortised) | ${fmt(ledgerPerPing + amortisedCheckpoint, 2)} ms (${fmt(work.days / n, 1)} day rows written a ping, ${work.builds} sweeps) | | |`,
        `| POST /ping latency p50 / p99 | ${fmt(p50, 1)} / ${fmt(p99, 1)} ms | p99 < 20 ms | ${yes(p99 < 20)} |`,
        `| Node-RED RSS with the ledger loaded (peak) | ${fmt(during.rss / MB)} MB (${fmt(peakRss / MB)} MB) | < 1 GB | ${yes(peakRss < 1e9)} |`,
        `| checkpoint size (share of the raw log) | ${fmt(checkpointBytes / MB, 1)} MB (${fmt(100 * checkpointBytes / logBytes, 1)} %) | ≤ 33 % | ${yes(checkpointBytes * 3 <= logBytes)} |`,
        `| checkpoint write | ${fmt(checkpointMs)} ms | | |`,
        `| start from the checkpoint (+ tail) | ${fmt(startMs)} ms | < 2 s | ${yes(startMs < 2000)} |`,
        `| start from the whole raw log | ${fmt(rebuildMs)} ms | | |`
    ]
    console.log(table.join('\n'))
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}${smoke ? ' (smoke run: figures not judged)' : ''}`)
}

main().catch(err => {
    console.error(err)
    process.exit(1)
})
