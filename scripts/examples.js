#!/usr/bin/env node
// Writes the palette package's examples (Import > Examples in the Node-RED editor) from the
// application's flows, so they never drift from what `npm start` runs: each is
// self-contained (its dashboard base and theme, the pings database setting, no demo data)
// and works in an instance that has only Node-RED, Dashboard 2.0 and this package.
//
//   node scripts/examples.js           write node-red-node/examples/
//   node scripts/examples.js --check   exit 1 if a written example differs from its flows
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const flows = name => JSON.parse(fs.readFileSync(path.join(root, 'flows', `${name}.json`), 'utf8'))

/** Nodes of the application that an example must not carry: demo backfill, links to pages it lacks. */
function without (nodes, ids) {
    const gone = new Set(ids)
    return nodes.filter(n => !gone.has(n.id)).map(n => {
        if (!Array.isArray(n.wires)) return n
        return { ...n, wires: n.wires.map(out => out.filter(id => !gone.has(id))) }
    })
}

// The demo backfill, and each page's demo label with the inject that sets it.
const DEMO = ['cloud-seed', 'cloud-seed-demo', ...['ov', 'inst', 'cloud', 'gc'].flatMap(p => [`${p}-demo-start`, `${p}-demo-label`])]
const TO_OVERVIEW = ['inst-to-overview', 'inst-report-in', 'cloud-to-overview', 'cloud-report-in']
const app = name => without(flows(name), DEMO)
const database = () => flows('collector').filter(n => n.type === 'pings-database')

/** name → {title, nodes}: the examples written from the application's flows. */
function examples () {
    const base = flows('dashboard')
    return {
        'collector-and-installations': [...base, ...flows('collector'), ...without(app('installations'), TO_OVERVIEW)],
        'cloud-snapshots': [...base, ...database(), ...without(app('cloud'), TO_OVERVIEW)],
        'overview-whole-dashboard': [...base, ...flows('collector'), ...app('installations'), ...app('cloud'), ...app('overview')]
    }
}

function text (nodes) {
    return JSON.stringify(nodes, null, 4) + '\n'
}

module.exports = { examples, text }

if (require.main === module) {
    const dir = path.join(root, 'node-red-node', 'examples')
    const check = process.argv.includes('--check')
    let stale = 0
    for (const [name, nodes] of Object.entries(examples())) {
        const file = path.join(dir, `${name}.json`)
        if (check) {
            if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text(nodes)) {
                console.error(`[examples] ${path.relative(root, file)} differs from flows/: run "node scripts/examples.js"`)
                stale++
            }
        } else {
            fs.writeFileSync(file, text(nodes))
            console.log(`[examples] ${path.relative(root, file)}: ${nodes.length} nodes`)
        }
    }
    process.exit(stale ? 1 : 0)
}
