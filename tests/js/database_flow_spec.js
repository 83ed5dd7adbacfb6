// The application on PostgreSQL: `DATABASE_URL=… npm start` runs the same flows with the
// collector's table (made exactly by the fixture's DDL) as the source of truth. POST /ping
// stores one row per ping before it answers 200, the Installations report is the core's over
// those rows, no demo data goes into the team's database, and PostgreSQL stopping mid-load
// gives 503s with nothing acknowledged that was not stored.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Pool } = require('pg')
const core = require('../../pkg')
const { startNodeRed, waitFor } = require('../support/node-red')
const { startPostgres } = require('../support/postgres')
const { ddl, fixtures, tableRows } = require('../support/pings-rows')

const post = (server, body) => fetch(server.url + '/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    .then(async res => ({ status: res.status, body: await res.json() }))

describe('the application with DATABASE_URL (PostgreSQL)', function () {
    this.timeout(180000)
    let pg, pool, server

    before(async function () {
        pg = await startPostgres()
        pool = new Pool({ connectionString: pg.url, max: 2 })
        pool.on('error', () => {})
        await pool.query(ddl) // the fixture's DDL as it is, in the public schema
        // One test client sends every ping: no per-address rate limit.
        server = await startNodeRed({ env: { DATABASE_URL: pg.url, PING_RATE_PER_MINUTE: '0' } })
    })
    after(async function () {
        if (server) await server.stop()
        if (pool) await pool.end()
        if (pg) await pg.stop()
    })

    it('stores N pings through POST /ping as N rows, and reports what the core makes of those rows', async function () {
        const pings = [
            ...['ping-flowfuse-2.33.2-ce-stub.json', 'ping-flowfuse-2.4.0-ce-localfs.json'].map(f => JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'))),
            ...Array.from({ length: 38 }, (_, i) => ({ instanceId: `install-${i}`, platform: { counts: { projects: i % 4, devices: i % 3 } }, os: { type: i % 2 ? 'Linux' : 'Darwin' } }))
        ]
        for (const ping of pings) {
            const res = await post(server, ping)
            assert.deepEqual(res, { status: 200, body: { status: 'success' } }, ping.instanceId)
        }
        const { rows } = await pool.query('SELECT "instanceId", ip FROM pings ORDER BY "instanceId"')
        assert.deepEqual(rows.map(r => r.instanceId), pings.map(p => p.instanceId).sort())
        assert.ok(rows.every(r => /^[A-Za-z0-9+/]{43}=$/.test(r.ip)), 'the sender kept only as a hash (HMAC-SHA-256, base64)')
        assert.ok(!fs.existsSync(path.join(server.userDir, 'pings.ndjson')), 'the raw log is not written with a database')

        // The installations node polls the table (every 5 s, rows older than 5 s).
        const today = new Date().toISOString().slice(0, 10)
        const report = await waitFor(async () => {
            const r = await server.json(`/api/installations?asOf=${today}`)
            return r.body.accepted === pings.length && r.body
        }, { timeout: 40000, interval: 500, what: 'the ledger to read every row' })
        const expected = core.aggregateInstallations(await tableRows(pool, 'pings'), { asOf: today })
        assert.deepEqual(report.days, expected.days)
        assert.equal(report.days.at(-1).active, pings.length)
    })

    it('writes no demo data into the team\'s database', async function () {
        // The snapshot flow made its table on start and backfilled nothing into it.
        await waitFor(async () => (await pool.query("SELECT to_regclass('meta_snapshots') AS t")).rows[0].t !== null, { what: 'meta_snapshots' })
        assert.deepEqual((await pool.query('SELECT count(*)::int AS n FROM meta_snapshots')).rows, [{ n: 0 }])
        assert.ok(!(await tableRows(pool, 'pings')).some(r => !/^install-|^2c3f012c|^3503bd03/.test(r.instanceId)), 'only the pings this test sent')
    })

    it('answers 503 while PostgreSQL is down; every ping that got 200 is in the table exactly once', async function () {
        const ok = []
        const refused = []
        let n = 0
        let stopAt = Infinity
        const until = Date.now() + 90000
        const workers = [0, 1].map(async () => {
            while (Date.now() < until && n < stopAt) {
                const id = `outage-${n++}`
                const res = await post(server, { instanceId: id, platform: { counts: { projects: 1 } } })
                if (res.status === 200) ok.push(id)
                else refused.push({ id, ...res })
            }
        })
        await waitFor(() => ok.length >= 50, { timeout: 30000, interval: 10, what: 'pings before the outage' })
        await pg.halt()
        try {
            await waitFor(() => refused.length >= 10, { timeout: 30000, interval: 10, what: 'pings refused while down' })
        } finally {
            await pg.restart()
        }
        const refusedWhileDown = refused.length
        stopAt = n + 60
        await Promise.all(workers)
        assert.ok(n >= stopAt, 'pinging went on after the restart')
        for (const r of refused) {
            assert.equal(r.status, 503, JSON.stringify(r))
            assert.deepEqual(r.body, { status: 'error', error: 'Error: the pings database is unavailable, try again later' })
        }
        assert.ok(refused.length >= refusedWhileDown)
        const { rows } = await pool.query('SELECT "instanceId" AS id, count(*)::int AS n FROM pings WHERE "instanceId" LIKE \'outage-%\' GROUP BY 1')
        const stored = new Map(rows.map(r => [r.id, r.n]))
        for (const id of ok) assert.equal(stored.get(id), 1, `${id} got 200`)
        assert.ok(ok.some(id => Number(id.split('-')[1]) > stopAt - 50), 'pings stored after the restart')
        console.log(`      ${ok.length} pings stored, ${refused.length} answered 503 while PostgreSQL was down`)
    })
})
