#!/usr/bin/env node
// Writes realistic demo data into the demo store (scripts/store.js), unless it already holds it:
// a year of FlowFuse usage pings ending yesterday, as the NDJSON raw log the collector flow
// keeps (pings.ndjson), which the installations node rebuilds its ledger from on first
// start; and a year of Cloud meta snapshots (demo-snapshots.json) for the cloud flow.
//
//   node scripts/demo-data.js <storeDir> [--installs N] [--days N]
const fs = require('node:fs')
const path = require('node:path')
const core = require('../pkg')

function arg (name, fallback) {
    const i = process.argv.indexOf(name)
    return i > 0 ? Number(process.argv[i + 1]) : fallback
}

function writeDemoPings (userDir, { installs = 400, days = 365, seed = 2026 } = {}) {
    const file = path.join(userDir, 'pings.ndjson')
    if (fs.existsSync(file) && fs.statSync(file).size > 0) return { file, written: 0 }
    // The core never reads the clock: "yesterday" is decided here.
    const start = new Date(Date.now() - days * 86400000).toISOString().slice(0, 10)
    const pings = core.demoPings({ installs, days, start, seed })
    fs.writeFileSync(file, pings.map(p => JSON.stringify(p)).join('\n') + '\n')
    return { file, written: pings.length }
}

/** A year of daily FlowFuse Cloud meta snapshots ending yesterday (demo-snapshots.json),
 * which the cloud flow uses to backfill an empty history. */
function writeDemoSnapshots (userDir, { days = 365, seed = 2026 } = {}) {
    const file = path.join(userDir, 'demo-snapshots.json')
    if (fs.existsSync(file)) return { file, written: 0 }
    const start = new Date(Date.now() - days * 86400000).toISOString().slice(0, 10)
    const snapshots = core.demoSnapshots({ days, start, seed })
    fs.writeFileSync(file, JSON.stringify(snapshots))
    return { file, written: snapshots.length }
}

/** Both, into the demo store's directory. */
function writeDemo (dir, { installs = 400, days = 365 } = {}) {
    return [writeDemoPings(dir, { installs, days }), writeDemoSnapshots(dir, { days })]
}

module.exports = { writeDemo, writeDemoPings, writeDemoSnapshots }

if (require.main === module) {
    const dir = process.argv[2]
    if (!dir) {
        console.error('usage: node scripts/demo-data.js <storeDir> [--installs N] [--days N]')
        process.exit(2)
    }
    for (const { file, written } of writeDemo(path.resolve(dir), { installs: arg('--installs', 400), days: arg('--days', 365) })) {
        console.log(written ? `[demo] ${written} demo records written to ${file}` : `[demo] ${file} already exists; left as it is`)
    }
}
