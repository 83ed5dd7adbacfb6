#!/usr/bin/env node
// The benchmark: the Rust core (WebAssembly) against the plain-JavaScript way, on the data
// sizes FlowFuse reaches. Generates its data, checks that core and baseline agree before
// timing anything, and prints one table.
//
//   npm run bench            full size (about 1,000,000 pings; a few minutes)
//   node bench/run.js --smoke   small sizes: agreement checks only (part of `npm test`)
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const core = require('../pkg')
const baseline = require('./baseline')
const { demoFile } = require('./proc')

const smoke = process.argv.includes('--smoke')
const root = path.resolve(__dirname, '..')
const SIZE = smoke
    ? { installs: 60, days: 120, metrics: 40, snapshotDays: 60, weekYears: 1, nodePings: 2000, runs: 1 }
    : { installs: 1600, days: 1095, metrics: 500, snapshotDays: 1095, weekYears: 10, nodePings: 100000, runs: 5 }
const START = '2023-11-25'

function median (xs) {
    const s = xs.slice().sort((a, b) => a - b)
    return s[Math.floor(s.length / 2)]
}

/** Runs `fn` `runs` times (after one warm-up in full mode); returns the median ms. */
function time (fn, runs = SIZE.runs) {
    if (!smoke) fn()
    const times = []
    for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint()
        fn()
        times.push(Number(process.hrtime.bigint() - t) / 1e6)
    }
    return median(times)
}

function gc () {
    if (global.gc) global.gc()
}

const MB = 1024 * 1024
const fmt = (x, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const rows = []
function row (name, size, ms, throughput, memory, target, met) {
    rows.push({ name, size, ms, throughput, memory, target, met })
}

async function main () {
    // ---- data: pings as the raw log (NDJSON) and as objects (what a database query gives)
    // Made in a child process and cached: making it here would leave the WebAssembly memory
    // of this process grown by the generator, and memory only grows, hiding case a's peak.
    const dataFile = demoFile({ installs: SIZE.installs, days: SIZE.days, start: START })
    const ndjson = fs.readFileSync(dataFile, 'utf8')
    const ndjsonBytes = Buffer.from(ndjson)
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const pings = ndjson.split('\n').filter(Boolean).map(line => JSON.parse(line))
    gc()
    const inputHeap = process.memoryUsage().heapUsed - heapBefore
    console.error(`[bench] ${fmt(pings.length)} pings, ${fmt(ndjsonBytes.length / MB, 1)} MB of NDJSON, ${fmt(inputHeap / MB)} MB of JS heap as objects`)

    // ---- agreement before any timing
    const coreReport = core.aggregateInstallations(pings, {})
    // WebAssembly memory only grows: read it now, before anything else has used the module,
    // and it is the peak of case a.
    const wasmMemoryA = core.memoryBytes()
    const baseReport = baseline.aggregateInstallations(pings, {})
    assert.deepEqual(baseReport.days, coreReport.days, 'baseline and core disagree on the days')
    assert.equal(baseReport.duplicates, coreReport.duplicates)
    assert.equal(baseReport.installations, coreReport.installations)
    const fromLog = new core.InstallationLedger()
    fromLog.ingestNdjson(ndjsonBytes)
    assert.deepEqual(fromLog.report({}).days, coreReport.days, 'the NDJSON path disagrees with the objects path')
    fromLog.free()
    console.error(`[bench] core and baseline agree on ${fmt(coreReport.days.length)} days of ${fmt(coreReport.installations)} installs`)

    // ---- a. objects
    const coreA = time(() => core.aggregateInstallations(pings, {}))
    const baseA = time(() => baseline.aggregateInstallations(pings, {}))
    row('a. aggregateInstallations, JS objects (core)', `${fmt(pings.length)} pings`, coreA, `${fmt(pings.length / coreA * 1000)} pings/s`,
        `${fmt(wasmMemoryA / MB)} MB wasm (input ${fmt(inputHeap / MB)} MB heap)`, '≤ baseline; memory < 2× input', coreA <= baseA && wasmMemoryA < 2 * inputHeap)
    row('a. same, plain-JS baseline', `${fmt(pings.length)} pings`, baseA, `${fmt(pings.length / baseA * 1000)} pings/s`, '', '', null)
    console.error('[bench] a done')

    // ---- b. NDJSON text (the raw log)
    const coreB = time(() => {
        const ledger = new core.InstallationLedger()
        ledger.ingestNdjson(ndjsonBytes)
        ledger.report({})
        ledger.free()
    })
    const baseB = time(() => baseline.aggregateInstallations(ndjson.split('\n').filter(Boolean).map(line => JSON.parse(line)), {}))
    const mbps = ndjsonBytes.length / MB / (coreB / 1000)
    row('b. raw log as NDJSON (core: ingestNdjson + report)', `${fmt(ndjsonBytes.length / MB)} MB`, coreB, `${fmt(mbps)} MB/s`, '',
        '≥ 3× baseline, ≥ 200 MB/s', baseB / coreB >= 3 && mbps >= 200)
    row('b. same, baseline (JSON.parse per line + aggregate)', `${fmt(ndjsonBytes.length / MB)} MB`, baseB, `${fmt(ndjsonBytes.length / MB / (baseB / 1000))} MB/s`, '', '', null)
    console.error('[bench] b done')

    // ---- f. one segment's report against the whole ledger's, on the same ledger: the first
    // ask builds the segment's tables in a sweep, later ones read its kept rows like the whole.
    {
        const ledger = new core.InstallationLedger()
        ledger.ingestNdjson(ndjsonBytes)
        const segment = { dimension: 'license', value: 'EE' }
        ledger.report({})
        const t0 = process.hrtime.bigint()
        ledger.report({ segment })
        const firstMs = Number(process.hrtime.bigint() - t0) / 1e6
        let n = 0
        const ping = () => ledger.ingest({ instanceId: `bench-segment-${n++}`, platform: { license: { type: 'EE' } }, receivedAt: pings.at(-1).receivedAt || pings.at(-1).created_at })
        const wholeMs = time(() => { ping(); ledger.report({}) })
        const segmentMs = time(() => { ping(); ledger.report({ segment }) })
        const whole = ledger.report({}).days.at(-1)
        assert.equal(ledger.report({ segment }).days.at(-1).active, whole.byLicense.EE, 'the segment is the whole ledger\'s EE installs')
        row('f. report of one segment after a ping (kept tables)', `licence EE of ${fmt(ledger.installations)} installs`, segmentMs, `${fmt(segmentMs / wholeMs)}× the whole report (${fmt(wholeMs)} ms)`,
            `first ask ${fmt(firstMs)} ms (one sweep)`, '≤ 2× the whole report', segmentMs <= 2 * wholeMs)
        ledger.free()
    }
    console.error('[bench] f done')

    // ---- c. through a running installations node, one message each
    const c = await runNodeCase(pings)
    row('c. installations node, one ping per message', `${fmt(c.messages)} msgs`, c.ms, `${fmt(c.perSecond)} msgs/s`, '', '≥ 20,000 msgs/s', c.perSecond >= 20000)
    console.error('[bench] c done')

    // ---- d. snapshot history: 500 metrics × 3 years
    const snapshots = []
    for (let d = 0; d < SIZE.snapshotDays; d++) {
        const metrics = {}
        for (let m = 0; m < SIZE.metrics; m++) {
            // Metrics ship over time: metric m starts on day m (mod the span).
            if (d >= (m * 7) % SIZE.snapshotDays) metrics[`group${m % 20}`] = Object.assign(metrics[`group${m % 20}`] || {}, { [`metric${m}`]: Math.round(100 * Math.pow(1.003, d) + m) })
        }
        snapshots.push({ date: new Date(Date.UTC(2023, 10, 25 + d)).toISOString().slice(0, 10), metrics })
    }
    let history
    const buildD = time(() => {
        if (history) history.free()
        history = new core.SnapshotHistory()
        history.addAll(snapshots)
    })
    const asOf = snapshots.at(-1).date
    const reportD = time(() => history.report({ asOf }))
    assert.equal(history.report({ asOf }).metrics.length, SIZE.metrics)
    row('d. snapshot history: build', `${fmt(SIZE.metrics)} metrics × ${fmt(SIZE.snapshotDays)} days`, buildD, `${fmt(SIZE.snapshotDays / buildD * 1000)} snapshots/s`, '', '', null)
    row('d. snapshot history: report of every metric', `${fmt(SIZE.metrics)} metrics`, reportD, '', '', '< 200 ms', reportD < 200)

    // ---- e. weekOnWeek over 10 years of daily points
    const points = Array.from({ length: 365 * SIZE.weekYears }, (_, i) => ({ x: Date.UTC(2016, 0, 4 + i), y: 1000 + i }))
    const coreE = time(() => core.weekOnWeek(points, { aggregate: 'last', asOf: Date.UTC(2016, 0, 4 + points.length) }))
    row('e. weekOnWeek', `${fmt(points.length)} days`, coreE, `${fmt(points.length / coreE * 1000)} points/s`, '', '< 50 ms', coreE < 50)

    // ---- package: .wasm size and require() time (fresh processes)
    // The .wasm the Node-RED package ships (scripts/build.sh: no demo generators).
    const wasmBytes = fs.statSync(path.join(root, 'node-red-node/core/product_growth_bg.wasm')).size
    const requireTimes = Array.from({ length: smoke ? 1 : 7 }, () => Number(execFileSync(process.execPath, ['-e',
        "const t=process.hrtime.bigint();require(process.argv[1]);console.log(Number(process.hrtime.bigint()-t)/1e6)", path.join(root, 'pkg')], { encoding: 'utf8' })))
    const requireMs = median(requireTimes)
    row('.wasm size', '', null, `${fmt(wasmBytes / 1024)} KB`, '', '≤ 400 KB', wasmBytes <= 400 * 1024)
    row('require() of the package', '', requireMs, '', '', '< 50 ms', requireMs < 50)

    // ---- the table
    const ratioA = baseA / coreA
    const ratioB = baseB / coreB
    const lines = [
        `| case | size | median ms | throughput | memory | target | met |`,
        `|---|---|---:|---:|---|---|---|`,
        ...rows.map(r => `| ${r.name} | ${r.size} | ${r.ms === null ? '' : fmt(r.ms, 1)} | ${r.throughput} | ${r.memory} | ${r.target} | ${r.met === null ? '' : (r.met ? 'yes' : '**no**')} |`),
        '',
        `baseline / core, same run: a ${fmt(ratioA, 2)}×, b ${fmt(ratioB, 2)}×`,
        `machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${fmt(os.totalmem() / 1024 ** 3)} GiB, Node.js ${process.version}, ${smoke ? 'SMOKE RUN (sizes reduced, times not meaningful)' : `medians of ${SIZE.runs} runs after a warm-up`}`
    ]
    console.log(lines.join('\n'))

}

async function runNodeCase (pings) {
    // A real installations node in an in-process Node-RED (node-red-node-test-helper), fed
    // one message per ping as a collector flow would.
    const helper = require('node-red-node-test-helper')
    helper.init(require.resolve('node-red'))
    const installations = require('../node-red-node/nodes/installations.js')
    const flow = [
        { id: 'f1', type: 'tab' },
        { id: 'ledger', z: 'f1', type: 'installations', activeWindowDays: '7', lastDays: '90', reportOnIngest: true, toToday: true, wires: [[], [], [], [], []] }
    ]
    const messages = Math.min(SIZE.nodePings, pings.length)
    // Its own user directory: the node keeps its checkpoint there (never in the repository).
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-bench-node-'))
    helper.settings({ userDir })
    await helper.startServer()
    await helper.load(installations, flow)
    const node = helper.getNode('ledger')
    let handled = 0
    // Node-RED's onComplete hook fires when the node has handled a message (its done()), so
    // counting them counts messages handled, not merely sent. (Counting status updates no
    // longer does: a success status is shown at most once a second.)
    const finished = new Promise(resolve => helper._RED.hooks.add('onComplete.bench', event => {
        if (event.node.id === 'ledger' && ++handled === messages) resolve()
    }))
    const t = process.hrtime.bigint()
    for (let i = 0; i < messages; i++) node.receive({ payload: pings[i] })
    await finished
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    helper._RED.hooks.remove('*.bench')
    await helper.unload()
    await helper.stopServer()
    fs.rmSync(userDir, { recursive: true, force: true })
    return { messages, ms, perSecond: messages / ms * 1000 }
}


main().then(() => process.exit(0), err => {
    console.error(err)
    process.exit(1)
})
