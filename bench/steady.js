#!/usr/bin/env node
// The steady state (issue 9): a collector holding the million-ping history of case a, then a
// steady trickle of pings, one at a time, as installs send them. Prints what a ping costs
// when bursts do not hide recomputation: CPU per ping of the whole Node-RED process (ingest,
// dashboard refresh, HTTP flow; the checkpoint amortised), p50/p99 latency of POST /ping,
// Node-RED's RSS, the checkpoint's size and write time, and the start time from the
// checkpoint against a full read of the raw log; then the same trickle against a Node-RED
// with only `http in` → `http response` and a bare Node.js server (bench/floor.js).
//
//   node bench/steady.js            full size (case a's 1,000,060 pings, 10 pings/s for 30 s)
//   node bench/steady.js --smoke    small sizes, a few seconds (part of `npm test`)
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runCollector, percentile } = require('./collector')
const { nodeRedFloor, nodeFloor } = require('./floor')
const { fmt, MB, demoFile } = require('./proc')

const smoke = process.argv.includes('--smoke')
const SIZE = smoke ? { installs: 60, days: 120, rate: 10, seconds: 3 } : { installs: 1600, days: 1095, rate: 10, seconds: 30 }
// STEADY_SECONDS changes the trickle's length; STEADY_NODE_OPTIONS is passed to Node-RED's
// Node.js (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
if (process.env.STEADY_SECONDS) SIZE.seconds = Number(process.env.STEADY_SECONDS)

async function main () {
    // The same data as case a of bench/run.js, made in a child process and cached.
    const START = smoke ? '2026-06-01' : '2023-11-25'
    const dataFile = demoFile({ installs: SIZE.installs, days: SIZE.days, start: START }, smoke ? '-steady' : '')
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-steady-'))
    const log = path.join(userDir, 'pings.ndjson')
    fs.copyFileSync(dataFile, log)
    const logBytes = fs.statSync(log).size
    const lines = smoke ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 1000060
    const nodeArgs = (process.env.STEADY_NODE_OPTIONS || '').split(' ').filter(Boolean)
    console.error(`[steady] ${fmt(lines)} pings, ${fmt(logBytes / MB)} MB of raw log in ${userDir}`)
    const run = await runCollector({ userDir, log, lines, rate: SIZE.rate, seconds: SIZE.seconds, nodeArgs })
    const n = run.n

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

    // 5. The same trickle where our nodes are not (bench/floor.js).
    const floor = await nodeRedFloor(SIZE)
    const bare = await nodeFloor(SIZE)
    const trickled = t => `${fmt(t.cpu / t.n, 2)} ms; p50 / p99 ${fmt(percentile(t.latencies, 0.5), 1)} / ${fmt(percentile(t.latencies, 0.99), 1)} ms`

    const amortisedCheckpoint = run.checkpointMs / (SIZE.rate * 600)
    const yes = ok => ok ? 'yes' : '**no**'
    const table = [
        '| steady state | figure | target | met |',
        '|---|---:|---|---|',
        `| history | ${fmt(lines)} pings, ${fmt(logBytes / MB)} MB raw log | | |`,
        `| trickle | ${n} pings at ${SIZE.rate}/s over ${fmt(run.wall / 1000, 1)} s | | |`,
        `| CPU per ping, whole Node-RED process (HTTP flow, ingest, refresh) | ${fmt(run.perPing, 2)} ms | | |`,
        `| CPU per ping with the checkpoint amortised | ${fmt(run.perPingAmortised, 2)} ms | < 2 ms | ${yes(run.perPingAmortised < 2)} |`,
        `| of which the ledger (append, read the tail, ingest, refresh; checkpoint amortised) | ${fmt(ledgerPerPing + amortisedCheckpoint, 2)} ms (${fmt(work.days / n, 1)} day rows written a ping, ${work.builds} sweeps) | | |`,
        `| POST /ping latency p50 / p99 | ${fmt(run.p50, 1)} / ${fmt(run.p99, 1)} ms | p99 < 20 ms | ${yes(run.p99 < 20)} |`,
        `| Node-RED RSS with the ledger loaded (peak) | ${fmt(run.during.rss / MB)} MB (${fmt(run.peakRss / MB)} MB) | < 1 GB | ${yes(run.peakRss < 1e9)} |`,
        `| checkpoint size (share of the raw log) | ${fmt(run.checkpointBytes / MB, 1)} MB (${fmt(100 * run.checkpointBytes / logBytes, 1)} %) | ≤ 33 % | ${yes(run.checkpointBytes * 3 <= logBytes)} |`,
        `| checkpoint write | ${fmt(run.checkpointMs)} ms | | |`,
        `| start from the checkpoint (+ tail) | ${fmt(run.startMs)} ms | < 2 s | ${yes(run.startMs < 2000)} |`,
        `| start from the whole raw log | ${fmt(run.rebuildMs)} ms | | |`,
        `| the same trickle, Node-RED with only \`http in\` → \`http response\`: CPU per ping | ${trickled(floor)} | | |`,
        `| the same trickle, a bare Node.js HTTP server: CPU per ping | ${trickled(bare)} | | |`
    ]
    console.log(table.join('\n'))
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}${smoke ? ' (smoke run: figures not judged)' : ''}`)
}

main().catch(err => {
    console.error(err)
    process.exit(1)
})
