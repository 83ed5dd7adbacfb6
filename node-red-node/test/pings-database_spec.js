// The pings database config node and the meta-snapshot node keeping its history in the
// database's meta_snapshots table, against a real PostgreSQL started here and stopped by PID.
const assert = require('node:assert/strict')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const metaSnapshot = localised(require('../nodes/meta-snapshot.js'))
const pingsDatabase = localised(require('../nodes/pings-database.js'))
const { postgresForNodeTests } = require('../../tests/support/postgres')
const { waitFor } = require('../../tests/support/node-red')

helper.init(require.resolve('node-red'))

const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))
// The error a message raised (done(err) logs it with the message), not one logged at start.
const nextError = node => new Promise(resolve => {
    const listener = call => {
        if (call.args.length < 2) return
        node.off('call:error', listener)
        resolve(call.args[0])
    }
    node.on('call:error', listener)
})

describe('pings-database config node with the meta-snapshot node', function () {
    const pg = postgresForNodeTests(helper, pool => pool.query('CREATE SCHEMA cloud'))

    function flow (database = {}) {
        return [
            { id: 'f1', type: 'tab' },
            pg.database('cloud.pings', database),
            { id: 'snap', z: 'f1', type: 'meta-snapshot', database: 'db', events: '', metric: '', averageWeeks: '4', wires: [['stored'], [], [], ['table'], []] },
            { id: 'stored', z: 'f1', type: 'helper' },
            { id: 'table', z: 'f1', type: 'helper' }
        ]
    }
    const credentials = pg.credentials

    const rows = async () => (await pg.pool.query("SELECT to_char(date, 'YYYY-MM-DD') AS date, metrics FROM cloud.meta_snapshots ORDER BY date")).rows

    it('keeps the password out of the flow and connects with it from the credentials', async function () {
        await helper.load([pingsDatabase, metaSnapshot], flow(), credentials())
        const db = helper.getNode('db')
        assert.equal(db.credentials.password, pg.server.password)
        assert.equal(db.describe(), `${pg.server.user}@${pg.server.host}:${pg.server.port}/${pg.server.database}`)
        assert.ok(!JSON.stringify(flow()).includes(pg.server.password))
        const { rows } = await db.connection().pool.query('SELECT current_user AS who')
        assert.deepEqual(rows, [{ who: pg.server.user }])
        const ours = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'node-red-contrib-product-growth'"
        assert.ok((await pg.pool.query(ours)).rows[0].n >= 1)
        await helper.unload()
        // Closing the flows closes its connections.
        assert.equal(db.pool, null)
        // (A server process ends a moment after its client said goodbye.)
        await waitFor(async () => (await pg.pool.query(ours)).rows[0].n === 0, { timeout: 5000, interval: 50, what: 'the pool\'s connections to close' })
        // Without the credential the server refuses it: the password really is what is sent.
        await helper.load([pingsDatabase, metaSnapshot], flow(), { db: { password: 'wrong' } })
        await assert.rejects(helper.getNode('db').connection().pool.query('SELECT 1'), err => err.code === '28P01')
    })

    it('takes the whole connection from $DATABASE_URL when told to', async function () {
        const saved = process.env.DATABASE_URL
        process.env.DATABASE_URL = pg.server.url
        try {
            await helper.load([pingsDatabase, metaSnapshot], flow({ useEnv: true, host: 'nowhere.invalid', port: '1' }), {})
            const db = helper.getNode('db')
            assert.equal(db.describe(), '$DATABASE_URL')
            assert.deepEqual((await db.connection().pool.query('SELECT 1 AS one')).rows, [{ one: 1 }])
            await helper.unload()
            delete process.env.DATABASE_URL
            await helper.load([pingsDatabase, metaSnapshot], flow({ useEnv: true }), {})
            assert.throws(() => helper.getNode('db').connection(), err => err.field === 'DATABASE_URL' && /is not set/.test(err.message))
        } finally {
            if (saved === undefined) delete process.env.DATABASE_URL
            else process.env.DATABASE_URL = saved
        }
    })

    it('refuses a table name that is not an identifier, by name, and nodes using it say so', async function () {
        await helper.load([pingsDatabase, metaSnapshot], flow({ table: 'pings; DROP TABLE pings' }), credentials())
        assert.throws(() => helper.getNode('db').connection(), err => err.field === 'table')
        const snap = helper.getNode('snap')
        const statuses = []
        snap.on('call:status', call => statuses.push(call.args[0]))
        const err = nextError(snap)
        snap.receive({ payload: { teamCount: 1 }, date: '2026-03-02' })
        assert.equal((await err).field, 'table')
        assert.equal(statuses[statuses.length - 1].fill, 'red')
        assert.match(statuses[statuses.length - 1].text, /^table: must be a name/)
    })

    it('keeps the history in meta_snapshots across a restart of the node, a same-day re-run replacing', async function () {
        await helper.load([pingsDatabase, metaSnapshot], flow(), credentials())
        let snap = helper.getNode('snap')
        for (const [date, teamCount] of [['2026-03-02', 10], ['2026-03-03', 11], ['2026-03-03', 12]]) {
            const stored = next('stored')
            snap.receive({ payload: { teamCount, teamsByType: { starter: teamCount - 8 } }, date, asOf: date })
            const msg = await stored
            assert.equal(msg.payload.date, date)
            // Reported stored only once it is in the table.
            const row = (await rows()).find(r => r.date === date)
            assert.deepEqual(row.metrics, { teamCount, 'teamsByType.starter': teamCount - 8 })
        }
        assert.deepEqual((await rows()).map(r => [r.date, r.metrics.teamCount]), [['2026-03-02', 10], ['2026-03-03', 12]])
        await helper.unload()

        // A new node (a restart, a redeploy) with an empty context reads the history back.
        await helper.load([pingsDatabase, metaSnapshot], flow(), credentials())
        snap = helper.getNode('snap')
        const table = next('table')
        snap.receive({ topic: 'report', asOf: '2026-03-03' })
        const report = (await table).payload
        assert.deepEqual(report.map(r => [r.metric, r.latest, r.since]), [['teamCount', '12', '2026-03-02'], ['teamsByType.starter', '4', '2026-03-02']])
        assert.equal(snap.context().get('snapshots'), undefined, 'nothing in the context store')
    })

    it('refuses a bad metric by name and writes nothing', async function () {
        await helper.load([pingsDatabase, metaSnapshot], flow(), credentials())
        const before = await rows()
        const snap = helper.getNode('snap')
        const err = nextError(snap)
        snap.receive({ payload: { teamCount: 'many' }, date: '2026-03-04' })
        assert.equal((await err).field, 'metrics.teamCount')
        assert.deepEqual(await rows(), before)
    })

    it('raises the error with a red status when the database is down, and the history stays as it was', async function () {
        await helper.load([pingsDatabase, metaSnapshot], flow(), credentials())
        const snap = helper.getNode('snap')
        const report = next('table')
        snap.receive({ topic: 'report', asOf: '2026-03-05' })
        const stored = (await report).payload.map(r => [r.metric, r.latest])
        await pg.server.halt()
        try {
            const statuses = []
            snap.on('call:status', call => statuses.push(call.args[0]))
            const err = nextError(snap)
            snap.receive({ payload: { teamCount: 99 }, date: '2026-03-05' })
            assert.ok(await err)
            assert.equal(statuses[statuses.length - 1].fill, 'red')
        } finally {
            await pg.server.restart()
        }
        const after = next('table')
        snap.receive({ topic: 'report', asOf: '2026-03-05' })
        assert.deepEqual((await after).payload.map(r => [r.metric, r.latest]), stored)
        assert.ok(!(await rows()).some(r => r.date === '2026-03-05'))
        // Back up: the next snapshot is stored.
        const ok = next('stored')
        snap.receive({ payload: { teamCount: 13, teamsByType: { starter: 5 } }, date: '2026-03-05' })
        assert.equal((await ok).payload.date, '2026-03-05')
        assert.ok((await rows()).some(r => r.date === '2026-03-05'))
    })

    it('seeds an empty table once, all or nothing', async function () {
        await pg.pool.query('CREATE SCHEMA seeded')
        const seededFlow = flow({ table: 'seeded.pings' })
        await helper.load([pingsDatabase, metaSnapshot], seededFlow, credentials())
        const snap = helper.getNode('snap')
        const err = nextError(snap)
        snap.receive({ topic: 'seed', payload: [{ date: '2026-01-01', metrics: { a: 1 } }, { date: '2026-01-02', metrics: { a: 'x' } }] })
        assert.equal((await err).field, 'metrics.a')
        assert.deepEqual((await pg.pool.query('SELECT count(*)::int AS n FROM seeded.meta_snapshots')).rows, [{ n: 0 }])
        const table = next('table')
        snap.receive({ topic: 'seed', payload: [{ date: '2026-01-01', metrics: { a: 1 } }, { date: '2026-01-02', metrics: { a: 2 } }] })
        await table
        const again = next('table')
        snap.receive({ topic: 'seed', payload: [{ date: '2026-01-03', metrics: { a: 3 } }] })
        await again
        assert.deepEqual((await pg.pool.query("SELECT to_char(date, 'YYYY-MM-DD') AS d, metrics FROM seeded.meta_snapshots ORDER BY date")).rows,
            [{ d: '2026-01-01', metrics: { a: 1 } }, { d: '2026-01-02', metrics: { a: 2 } }])
    })
})
