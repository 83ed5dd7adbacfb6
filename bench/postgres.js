#!/usr/bin/env node
// The PostgreSQL source (issue 10): case a's million pings as rows of the collector's table
// (the fixture's DDL, filled with COPY), then the application started with DATABASE_URL and
// no checkpoint, so the installations node reads the whole table into its ledger. Prints rows
// per second of that read and Node-RED's peak RSS; then the start from the checkpoint (only
// rows added since are read) and a check that both give the report the raw log gives.
//
//   node bench/postgres.js            full size (1,000,060 rows)
//   node bench/postgres.js --smoke    small sizes, a few seconds (part of `npm test`)
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { pipeline } = require('node:stream/promises')
const { Readable } = require('node:stream')
const { Pool } = require('pg')
const { from: copyFrom } = require('pg-copy-streams')
const { startNodeRed } = require('../tests/support/node-red')
const { startPostgres } = require('../tests/support/postgres')
const { ddl } = require('../tests/support/pings-rows')
const { fmt, MB, memory, logged, demoFile } = require('./proc')

const smoke = process.argv.includes('--smoke')
const SIZE = smoke ? { installs: 60, days: 120, start: '2026-06-01' } : { installs: 1600, days: 1095, start: '2023-11-25' }
const columns = [...ddl.matchAll(/^\s+"([^"]+)"\s+(?:TIMESTAMP|varchar|INTEGER|BOOLEAN)/gm)].map(m => m[1])

/** One ping as a CSV row of the table's columns (its leaves under their dotted names). */
function csvRow (ping) {
    const leaves = new Map()
    const walk = (value, prefix) => {
        for (const [k, v] of Object.entries(value)) {
            const name = prefix ? `${prefix}.${k}` : k
            if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v, name)
            else leaves.set(name, v)
        }
    }
    walk(ping, '')
    if (ping.receivedAt !== undefined) leaves.set('created_at', ping.receivedAt)
    leaves.set('ip', 'bench')
    return columns.map(c => {
        const v = leaves.get(c)
        if (v === undefined || v === null) return ''
        const s = String(v)
        return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
    }).join(',') + '\n'
}

async function fill (pool, file) {
    const client = await pool.connect()
    let rows = 0
    try {
        const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
        const csv = Readable.from((async function * () {
            let batch = ''
            for await (const line of lines) {
                if (!line) continue
                batch += csvRow(JSON.parse(line))
                rows++
                if (batch.length > 1 << 20) { yield batch; batch = '' }
            }
            if (batch) yield batch
        })())
        const sink = client.query(copyFrom(`COPY pings (${columns.map(c => `"${c}"`).join(', ')}) FROM STDIN WITH (FORMAT csv)`))
        await pipeline(csv, sink)
        await client.query('ANALYZE pings')
    } finally {
        client.release()
    }
    return rows
}

async function main () {
    const file = demoFile(SIZE, smoke ? '-steady' : '')
    const pg = await startPostgres()
    const pool = new Pool({ connectionString: pg.url, max: 2 })
    // An idle connection the server's shutdown ends: the pool drops it.
    pool.on('error', () => {})
    let server = null
    try {
        await pool.query(ddl)
        let started = Date.now()
        const rows = await fill(pool, file)
        const { rows: [{ n, bytes }] } = await pool.query("SELECT count(*)::int AS n, pg_total_relation_size('pings') AS bytes FROM pings")
        assert.equal(n, rows)
        console.error(`[postgres] ${fmt(rows)} rows (${fmt(Number(bytes) / MB)} MB with the index) copied in ${fmt((Date.now() - started) / 1000, 1)} s`)

        const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-pgbench-'))
        const env = { DATABASE_URL: pg.url }
        // 1. No checkpoint: the whole table is read into the ledger.
        started = Date.now()
        server = await startNodeRed({ userDir, env })
        const readMs = await logged(server, /read [\d,]+ rows of pings from \S+ in (\d+) ms/)
        const readRows = await logged(server, /read ([\d,]+) rows of pings from/)
        const coreMs = await logged(server, /read [\d,]+ rows of pings from \S+ in \d+ ms, (\d+) ms of it in the core/)
        const peak = memory(server.pid).peak
        const asOf = new Date().toISOString().slice(0, 10)
        const fromTable = (await server.json(`/api/installations?asOf=${asOf}`)).body
        await server.stop()
        server = null
        const checkpoint = path.join(userDir, 'product-growth', 'installations-inst-ledger.checkpoint')
        const checkpointBytes = fs.statSync(checkpoint).size

        // 2. From the checkpoint: nothing new to read.
        server = await startNodeRed({ userDir, env })
        const againMs = await logged(server, /read [\d,]+ rows of pings from \S+ in (\d+) ms/)
        const againRows = await logged(server, /read ([\d,]+) rows of pings from/)
        const again = (await server.json(`/api/installations?asOf=${asOf}`)).body
        await server.stop()
        server = null
        assert.equal(readRows, rows)
        assert.equal(againRows, 0)
        assert.deepEqual(again.days, fromTable.days, 'the restart reports what the first read did')
        assert.equal(fromTable.accepted, rows)

        const yes = ok => ok ? 'yes' : '**no**'
        const perSecond = rows / (readMs / 1000)
        console.log([
            '| PostgreSQL source | figure | target | met |',
            '|---|---:|---|---|',
            `| rows in \`pings\` (fixture DDL, primary key) | ${fmt(rows)} (${fmt(Number(bytes) / MB)} MB) | | |`,
            `| start with no checkpoint: whole table into the ledger | ${fmt(readMs)} ms | | |`,
            `| of which the core (ingesting the rows) | ${fmt(coreMs)} ms | | |`,
            `| rows per second | ${fmt(perSecond)} | ≥ 150,000 | ${yes(perSecond >= 150000)} |`,
            `| Node-RED peak RSS | ${fmt(peak / MB)} MB | < 1 GB | ${yes(peak < 1e9)} |`,
            `| checkpoint | ${fmt(checkpointBytes / MB, 1)} MB | | |`,
            `| start from the checkpoint (0 new rows) | ${fmt(againMs)} ms | | |`,
            `machine: ${os.cpus().length} × ${os.cpus()[0].model}, Node.js ${process.version}, PostgreSQL on the same machine${smoke ? ', SMOKE RUN (sizes reduced, times not meaningful)' : ''}`
        ].join('\n'))
    } finally {
        if (server) await server.stop()
        await pool.end()
        await pg.stop()
    }
}

main().catch(err => {
    console.error(err)
    process.exit(1)
})
