#!/usr/bin/env node
// Chooses the store a start's data lives in (DESIGN.md "Commands": demo data never meets a
// team's). `demo/` in the user directory holds the demo year; `team/` what a real source
// brings. The choice is written to <userDir>/.product-growth-store, which the settings read
// (the raw log, the ledger's checkpoint and the context store are in the store's directory).
//
//   node scripts/store.js <userDir> [--no-demo]
const fs = require('node:fs')
const path = require('node:path')

const STORE_FILE = '.product-growth-store'
const STORES = ['demo', 'team']

/**
 * A start on a real source (FlowFuse's admin API, a pings database, or `--no-demo` for the
 * raw log collecting real pings) uses the team's store; any other start shows the demo.
 * @returns {{store: 'demo'|'team', reason: string}}
 */
function chooseStore ({ env = process.env, noDemo = false } = {}) {
    if (env.FLOWFUSE_URL) return { store: 'team', reason: 'FLOWFUSE_URL is set' }
    if (env.DATABASE_URL) return { store: 'team', reason: 'DATABASE_URL is set' }
    if (noDemo) return { store: 'team', reason: '--no-demo' }
    return { store: 'demo', reason: 'no real source is set' }
}

// What versions before the two stores kept in the user directory itself.
const OLD_LAYOUT = ['pings.ndjson', 'pings.ndjson.checkpoint', 'demo-snapshots.json', 'context']

/**
 * Writes the store's name for the settings and makes its directory. The first time, data an
 * earlier version kept in the user directory itself is moved into a store, never deleted:
 * into demo/ if the demo was written there (real pings collected since stay in that raw
 * log), else (a database's starts: the context, with the targets set on a page) into team/.
 * @returns {string} the store's directory
 */
function useStore (userDir, store, log = () => {}) {
    if (!STORES.includes(store)) throw new Error(`store: must be one of ${STORES.join(', ')}, got ${store}`)
    const storeFile = path.join(userDir, STORE_FILE)
    if (!fs.existsSync(storeFile)) {
        const old = OLD_LAYOUT.filter(f => fs.existsSync(path.join(userDir, f)))
        if (old.length) {
            const into = old.includes('pings.ndjson') || old.includes('demo-snapshots.json') ? 'demo' : 'team'
            fs.mkdirSync(path.join(userDir, into), { recursive: true })
            for (const f of old) fs.renameSync(path.join(userDir, f), path.join(userDir, into, f))
            log(`${old.join(', ')}, kept by an earlier version beside the flows, moved into the ${into} store (${path.join(userDir, into)})`)
        }
    }
    fs.mkdirSync(path.join(userDir, store), { recursive: true })
    fs.writeFileSync(storeFile, store + '\n')
    return path.join(userDir, store)
}

module.exports = { chooseStore, useStore, STORE_FILE }

if (require.main === module) {
    const args = process.argv.slice(2)
    const userDir = args.find(a => !a.startsWith('--'))
    const unknown = args.filter(a => a.startsWith('--') && a !== '--no-demo')
    if (!userDir || unknown.length) {
        console.error('usage: node scripts/store.js <userDir> [--no-demo]')
        process.exit(2)
    }
    const log = line => console.log(`[start] ${line}`)
    const { store, reason } = chooseStore({ noDemo: args.includes('--no-demo') })
    const dir = useStore(path.resolve(userDir), store, log)
    if (store === 'demo') {
        const { writeDemo } = require('./demo-data')
        for (const { file, written } of writeDemo(dir)) {
            log(written ? `${written} demo records written to ${file}` : `${file} already holds the demo; left as it is`)
        }
        log(`DEMO DATA (${reason}), kept apart in ${dir}. On your own data: npm start -- --no-demo, or FLOWFUSE_URL=… / DATABASE_URL=… npm start`)
    } else {
        log(`your team's data (${reason}), in ${dir}; no demo data`)
    }
}
