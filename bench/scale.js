#!/usr/bin/env node
// How the cost grows (issue 22): the collector application on histories of 1, 3 and 10
// million pings from the same generator as the other cases (installs over three years, cut
// at exactly that many pings), each measured as bench/steady.js measures the million: a
// start with no checkpoint (the whole raw log read), a trickle of pings to POST /ping, a
// stop and a start from the checkpoint. Prints one table row a size.
//
//   node bench/scale.js            1M, 3M and 10M (about half an hour; the 10M log is 4.5 GB,
//                                  cached in the temporary directory, and copied once a run)
//   node bench/scale.js --smoke    one small size, figures not judged (part of `npm test`)
//   SCALE_PINGS=1000000,3000000 node bench/scale.js   other sizes
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runCollector } = require('./collector')
const { fmt, MB, demoFile } = require('./proc')

const smoke = process.argv.includes('--smoke')
const SIZES = process.env.SCALE_PINGS ? process.env.SCALE_PINGS.split(',').map(Number) : smoke ? [3000] : [1e6, 3e6, 10e6]
const TRICKLE = smoke ? { rate: 10, seconds: 2 } : { rate: 10, seconds: 20 }
// The generator makes about 625 pings an install over 1,095 days; a few per cent more
// installs than that make sure there are enough to cut at the size (half as many again at
// the smoke sizes, where a few installs churning early make a big difference).
const PINGS_PER_INSTALL = 625
const DAYS = 1095
const START = '2023-11-25'
// Targets at ten million pings (issue 22).
const TARGET = { pings: 10e6, rss: 1.5e9, startMs: 10000 }

async function measure (pings) {
    const installs = Math.ceil((pings / PINGS_PER_INSTALL) * (smoke ? 1.5 : 1.03))
    const dataFile = demoFile({ installs, days: DAYS, start: START, pings })
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-scale-'))
    const log = path.join(userDir, 'pings.ndjson')
    fs.copyFileSync(dataFile, log)
    const logBytes = fs.statSync(log).size
    console.error(`[scale] ${fmt(pings)} pings of ${fmt(installs)} installs, ${fmt(logBytes / MB)} MB of raw log in ${userDir}`)
    try {
        const run = await runCollector({ userDir, log, lines: pings, ...TRICKLE, timeout: 3600000 })
        return { pings, logBytes, ...run }
    } finally {
        fs.rmSync(userDir, { recursive: true, force: true })
    }
}

async function main () {
    const rows = []
    for (const pings of SIZES) rows.push(await measure(pings))
    const yes = ok => ok ? 'yes' : '**no**'
    const table = [
        '| history | raw log | Node-RED RSS (peak over both starts and the trickle) | RSS after a start from the checkpoint | checkpoint | start from the checkpoint (+ tail) | start from the whole raw log | CPU a ping in the trickle (checkpoint amortised) | p50 / p99 of POST /ping | targets at 10M: RSS < 1.5 GB, start < 10 s |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
        ...rows.map(r => `| ${fmt(r.pings)} pings | ${fmt(r.logBytes / MB)} MB | ${fmt(r.peakRss / MB)} MB RSS | ${fmt(r.restarted.rss / MB)} MB | ${fmt(r.checkpointBytes / MB, 1)} MB (${fmt(r.checkpointBytes / r.pings, 1)} B a ping) | start ${fmt(r.startMs / 1000, 1)} s | ${fmt(r.rebuildMs / 1000, 1)} s | ${fmt(r.perPingAmortised, 2)} ms | ${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} ms | ${r.pings === TARGET.pings ? `RSS ${yes(r.peakRss < TARGET.rss)}, start ${yes(r.startMs < TARGET.startMs)}` : ''} |`)
    ]
    console.log(table.join('\n'))
    console.log(`trickle: ${TRICKLE.rate} pings/s for ${TRICKLE.seconds} s a size; machine: ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}${smoke ? ' (smoke run: figures not judged)' : ''}`)
}

main().catch(err => {
    console.error(err)
    process.exit(1)
})
