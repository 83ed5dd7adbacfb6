// The installations node reading FlowFuse's collector table, and the store ping node writing
// it, against a real PostgreSQL started here and stopped by PID: the start read with its
// progress, new rows while running, a restart that reads only what came since, bad rows,
// the database going down, and $DATABASE_URL unset falling back to the raw log.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const installations = localised(require('../nodes/installations.js'))
const pingsDatabase = localised(require('../nodes/pings-database.js'))
const storePing = localised(require('../nodes/store-ping.js'))
const core = require('../lib/core')
const table = require('../lib/pg')
const { postgresForNodeTests } = require('../../tests/support/postgres')
const { waitFor } = require('../../tests/support/node-red')
const { asStored, makeTable, insertAll, tableRows, epoch, byTime } = require('../../tests/support/pings-rows')

helper.init(require.resolve('node-red'))

// Demo data comes from the development build (pkg/): the shipped core has no generators.
const demo = require('../../pkg').demoPings

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pg-installations-db-'))
const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))

describe('installations node with a pings database', function () {
    this.timeout(120000)
    const pg = postgresForNodeTests(helper)
    let userDir

    function flow (schema, options = {}) {
        return [
            { id: 'f1', type: 'tab' },
            pg.database(`${schema}.pings`, options.db),
            { id: 'ledger', z: 'f1', type: 'installations', database: 'db', pollSeconds: '0.3', settleSeconds: '0', activeWindowDays: '7', lastDays: '30', reportOnIngest: false, toToday: false, logFile: options.logFile || '', wires: [['report'], [], [], [], ['rejected']] },
            { id: 'report', z: 'f1', type: 'helper' },
            { id: 'rejected', z: 'f1', type: 'helper' }
        ]
    }
    const credentials = pg.credentials
    const nodes = [installations, pingsDatabase]

    /** The node's statuses and log lines from now on. */
    function watch (node) {
        const seen = { statuses: [], logs: [], warnings: [] }
        node.on('call:status', call => seen.statuses.push(call.args[0]))
        node.on('call:log', call => seen.logs.push(String(call.args[0])))
        node.on('call:warn', call => seen.warnings.push(String(call.args[0])))
        return seen
    }
    async function report () {
        const got = next('report')
        helper.getNode('ledger').receive({ topic: 'report' })
        return (await got).payload
    }
    const idle = seen => seen.statuses.length > 0 && seen.statuses.at(-1).fill === 'green'

    beforeEach(() => {
        userDir = tempDir()
        helper.settings({ userDir, fileWorkingDirectory: userDir })
    })

    it('builds its ledger from the table with progress, follows new rows, and a restart reads only those', async function () {
        const name = await makeTable(pg.pool, 'history')
        // Inserted in time order, as a collector stamps them: a keyset reader never goes back.
        const pings = byTime(demo({ installs: 60, days: 120, start: '2025-09-01', seed: 5 }))
        const cut = Date.parse('2025-12-01T00:00:00Z')
        const early = pings.filter(p => epoch(p) < cut)
        const late = pings.filter(p => epoch(p) >= cut)
        const first = await insertAll(pg.pool, name, early)
        assert.ok(first.length > 2000, `${first.length} rows`)

        await helper.load(nodes, flow('history'), credentials())
        const node = helper.getNode('ledger')
        const seen = watch(node)
        await waitFor(() => idle(seen), { timeout: 30000, interval: 20, what: 'the start read' })
        // The start read showed its progress in rows, as the table was read in pages.
        assert.ok(seen.statuses.some(s => /^reading pings: [\d,]+$/.test(s.text)), JSON.stringify(seen.statuses))
        assert.ok(seen.logs.some(l => l.startsWith(`read ${first.length.toLocaleString('en-US')} rows of history.pings`)), seen.logs.join('\n'))
        let got = await report()
        assert.deepEqual(got.days, core.aggregateInstallations(first.map(asStored)).days)
        assert.deepEqual(got.days, core.aggregateInstallations(await tableRows(pg.pool, name)).days, 'the rows as the table holds them')

        // Rows another writer adds while the node runs are read by its polls.
        const half = late.slice(0, Math.floor(late.length / 2))
        const second = await insertAll(pg.pool, name, half, { inOrder: true })
        await waitFor(async () => (await report()).accepted === first.length + second.length, { timeout: 20000, interval: 200, what: 'the new rows' })
        got = await report()
        assert.deepEqual(got.days, core.aggregateInstallations([...first, ...second].map(asStored)).days)

        // Stopped, the checkpoint is written; rows added meanwhile are all a restart reads.
        await helper.unload()
        const checkpoint = path.join(userDir, 'product-growth', 'installations-ledger.checkpoint')
        assert.ok(fs.statSync(checkpoint).size > 0)
        const third = await insertAll(pg.pool, name, late.slice(half.length))
        await helper.load(nodes, flow('history'), credentials())
        const again = watch(helper.getNode('ledger'))
        await waitFor(() => idle(again), { timeout: 30000, interval: 20, what: 'the restart' })
        assert.ok(again.logs.some(l => l.startsWith(`read ${third.length.toLocaleString('en-US')} rows of history.pings`)), again.logs.join('\n'))
        got = await report()
        const all = [...first, ...second, ...third]
        assert.equal(got.accepted, all.length)
        assert.deepEqual(got.days, core.aggregateInstallations(all.map(asStored)).days)
    })

    it('reads a table made from another source whole, never mixing its checkpoint in', async function () {
        await makeTable(pg.pool, 'one')
        await makeTable(pg.pool, 'two')
        await insertAll(pg.pool, 'one.pings', demo({ installs: 5, days: 20, start: '2026-01-01', seed: 1 }))
        const two = await insertAll(pg.pool, 'two.pings', demo({ installs: 7, days: 20, start: '2026-02-01', seed: 2 }))
        await helper.load(nodes, flow('one'), credentials())
        let seen = watch(helper.getNode('ledger'))
        await waitFor(() => idle(seen), { timeout: 30000, interval: 20, what: 'the first table' })
        await helper.unload()
        await helper.load(nodes, flow('two'), credentials())
        seen = watch(helper.getNode('ledger'))
        await waitFor(() => idle(seen), { timeout: 30000, interval: 20, what: 'the second table' })
        assert.ok(seen.warnings.some(w => /made from another source/.test(w)), seen.warnings.join('\n'))
        assert.deepEqual((await report()).days, core.aggregateInstallations(two.map(asStored)).days)
    })

    it('sends bad rows on the rejected output with their field and key, and reads on past them', async function () {
        const name = await makeTable(pg.pool, 'bad', { withoutKey: true })
        await pg.pool.query(`INSERT INTO ${table.quoteTable(name)} (created_at, "instanceId", "platform.counts.projects") VALUES
            ('2026-01-05 10:00:00', 'a', 1),
            ('2026-01-05 10:00:00', NULL, 1),
            ('2026-01-05 10:00:00', 'b', -3),
            ('2026-01-05 12:00:00', 'c', 2)`)
        await helper.load(nodes, flow('bad'), credentials())
        // The start read (a query away) sends them once it is done.
        const out = await next('rejected')
        assert.deepEqual(out.payload.map(r => ({ field: r.field, reason: r.reason, key: r.key })), [
            { field: 'platform.counts.projects', reason: 'platform.counts.projects: must not be negative, got -3', key: { createdAt: '2026-01-05T10:00:00', instanceId: 'b' } },
            { field: 'instanceId', reason: 'instanceId: is required', key: { createdAt: '2026-01-05T10:00:00', instanceId: null } }
        ])
        const got = await report()
        assert.equal(got.accepted, 2)
        assert.equal(got.installations, 2)
    })

    it('turns red while the database is down and reads what came meanwhile once it is back', async function () {
        const name = await makeTable(pg.pool, 'outage')
        const pings = byTime(demo({ installs: 10, days: 30, start: '2026-03-01', seed: 9 }))
        const first = await insertAll(pg.pool, name, pings.slice(0, 400))
        await helper.load(nodes, flow('outage'), credentials())
        const node = helper.getNode('ledger')
        const seen = watch(node)
        await waitFor(() => idle(seen), { timeout: 30000, interval: 20, what: 'the start read' })
        await pg.server.halt()
        try {
            await waitFor(() => seen.statuses.length && seen.statuses.at(-1).fill === 'red', { timeout: 20000, interval: 50, what: 'a red status' })
            assert.match(seen.statuses.at(-1).text, /^database: /)
            assert.equal(seen.warnings.filter(w => /^reading outage\.pings/.test(w)).length, 1, 'one warning per outage, not one per poll')
            // What the node had is still reported while the database is down.
            assert.equal((await report()).accepted, first.length)
        } finally {
            await pg.server.restart()
        }
        const rest = await insertAll(pg.pool, name, pings.slice(400), { inOrder: true })
        await waitFor(async () => (await report()).accepted === first.length + rest.length, { timeout: 30000, interval: 200, what: 'the rows after the outage' })
        assert.deepEqual((await report()).days, core.aggregateInstallations([...first, ...rest].map(asStored)).days)
        assert.ok(idle(seen))
    })

    it('with $DATABASE_URL unset uses its raw log', async function () {
        const saved = process.env.DATABASE_URL
        delete process.env.DATABASE_URL
        try {
            const pings = demo({ installs: 4, days: 10, start: '2026-01-10', seed: 4 })
            fs.writeFileSync(path.join(userDir, 'pings.ndjson'), pings.map(p => JSON.stringify(p)).join('\n') + '\n')
            await helper.load(nodes, flow('nowhere', { db: { useEnv: true }, logFile: 'pings.ndjson' }), {})
            assert.equal(helper.getNode('db').unset, true)
            const seen = watch(helper.getNode('ledger'))
            await waitFor(() => idle(seen), { timeout: 30000, interval: 20, what: 'the raw log read' })
            assert.deepEqual((await report()).days, core.aggregateInstallations(pings).days)
        } finally {
            if (saved !== undefined) process.env.DATABASE_URL = saved
        }
    })
})

describe('store ping node', function () {
    this.timeout(60000)
    const pg = postgresForNodeTests(helper, pool => makeTable(pool, 'stored'))

    const flow = (database = 'db') => [
        { id: 'f1', type: 'tab' },
        pg.database('stored.pings'),
        { id: 'store', z: 'f1', type: 'store-ping', database, wires: [['ok'], ['failed']] },
        { id: 'ok', z: 'f1', type: 'helper' },
        { id: 'failed', z: 'f1', type: 'helper' }
    ]
    const credentials = pg.credentials

    it('sends a ping on only once its row is committed, once per delivery', async function () {
        await helper.load([storePing, pingsDatabase], flow(), credentials())
        const ping = { instanceId: 'install-1', receivedAt: '2026-02-03T04:05:06.789Z', ip: 'hash', platform: { counts: { projects: 2, devices: 3 } } }
        let got = next('ok')
        helper.getNode('store').receive({ payload: ping })
        const msg = await got
        assert.deepEqual(msg.stored, { inserted: true, createdAt: '2026-02-03T04:05:06.789Z' })
        // Committed by then: another connection sees it.
        const { rows } = await pg.pool.query('SELECT "instanceId", "platform.counts.projects" AS p, "platform.counts.devices" AS d, ip FROM stored.pings')
        assert.deepEqual(rows, [{ instanceId: 'install-1', p: 2, d: 3, ip: 'hash' }])
        got = next('ok')
        helper.getNode('store').receive({ payload: ping })
        assert.equal((await got).stored.inserted, false, 'the same delivery twice is stored once')
        assert.equal((await pg.pool.query('SELECT count(*)::int AS n FROM stored.pings')).rows[0].n, 1)
    })

    it('answers a count the column cannot hold with 400 naming it, and the database down with 503', async function () {
        await helper.load([storePing, pingsDatabase], flow(), credentials())
        let failed = next('failed')
        helper.getNode('store').receive({ payload: { instanceId: 'x', receivedAt: '2026-02-03T00:00:00Z', platform: { counts: { projects: 2 ** 40 } } } })
        let msg = await failed
        assert.equal(msg.statusCode, 400)
        assert.match(msg.payload.error, /^Error: platform\.counts\.projects: must be a whole number/)
        await pg.server.halt()
        try {
            failed = next('failed')
            helper.getNode('store').receive({ payload: { instanceId: 'y', receivedAt: '2026-02-03T00:00:00Z' } })
            msg = await failed
            assert.equal(msg.statusCode, 503)
            assert.deepEqual(msg.payload, { status: 'error', error: 'Error: the pings database is unavailable, try again later' })
        } finally {
            await pg.server.restart()
        }
        assert.deepEqual((await pg.pool.query("SELECT count(*)::int AS n FROM stored.pings WHERE \"instanceId\" IN ('x', 'y')")).rows, [{ n: 0 }])
    })

    it('answers 503 when no database is selected', async function () {
        await helper.load([storePing, pingsDatabase], flow(''), credentials())
        const failed = next('failed')
        helper.getNode('store').receive({ payload: { instanceId: 'z', receivedAt: '2026-02-03T00:00:00Z' } })
        const msg = await failed
        assert.equal(msg.statusCode, 503)
        assert.equal(msg.error.field, 'database')
    })
})
