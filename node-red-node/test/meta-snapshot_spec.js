const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const metaSnapshot = localised(require('../nodes/meta-snapshot.js'))

helper.init(require.resolve('node-red'))

const adminStats = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../shared/fixtures/admin-stats-ce.json'), 'utf8'))
const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'snap', z: 'f1', type: 'meta-snapshot', events: 'signups', metric: '', averageWeeks: '4', wires: [['stored'], ['values'], ['growth'], ['table'], ['picker']] },
    { id: 'stored', z: 'f1', type: 'helper' },
    { id: 'values', z: 'f1', type: 'helper' },
    { id: 'growth', z: 'f1', type: 'helper' },
    { id: 'table', z: 'f1', type: 'helper' },
    { id: 'picker', z: 'f1', type: 'helper' }
]
const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))
const nextError = node => new Promise(resolve => node.once('call:error', call => resolve(call.args[0])))
const day = n => new Date(Date.UTC(2026, 0, 5 + n)).toISOString().slice(0, 10) // 2026-01-05 is a Monday

describe('meta-snapshot node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => helper.load(metaSnapshot, flow))
    afterEach(() => helper.unload())

    it('stores FlowFuse admin stats flattened, dated by msg.date', async function () {
        const got = Promise.all([next('stored'), next('table'), next('picker')])
        helper.getNode('snap').receive({ payload: adminStats, date: '2026-03-02', asOf: '2026-03-02' })
        const [stored, table, picker] = await got
        assert.equal(stored.payload.date, '2026-03-02')
        assert.equal(Object.keys(stored.payload.metrics).length, 16)
        assert.equal(stored.payload.metrics['teamsByType.starter'], 2)
        assert.equal(table.payload.length, 16)
        assert.deepEqual(picker.options.map(o => o.value), Object.keys(stored.payload.metrics).sort())
    })

    it('puts a new metric in the table and the picker from its first day, with no zeros before', async function () {
        const node = helper.getNode('snap')
        for (let n = 0; n < 21; n++) {
            const metrics = { teamCount: 100 + n }
            if (n >= 14) metrics.features = { tablesDatabases: n - 13 }
            const done = next('table')
            node.receive({ payload: metrics, date: day(n), asOf: day(20) })
            const table = await done
            assert.equal(table.payload.some(r => r.metric === 'features.tablesDatabases'), n >= 14, `day ${n}`)
        }
        const got = Promise.all([next('values'), next('picker')])
        node.receive({ topic: 'metric', payload: 'features.tablesDatabases', asOf: day(20) })
        const [values] = await got
        assert.equal(values.payload[0].x, Date.parse(day(14)))
        assert.equal(values.payload.length, 7)
        assert.ok(values.payload.every(p => p.y > 0))
        const report = next('table')
        node.receive({ topic: 'report', asOf: day(20) })
        const row = (await report).payload.find(r => r.metric === 'features.tablesDatabases')
        assert.equal(row.since, day(14))
        assert.equal(row.latest, '7')
    }).timeout(10000)

    it('refuses a bad metric by name and leaves the stored history unchanged', async function () {
        const node = helper.getNode('snap')
        const first = next('stored')
        node.receive({ payload: { teamCount: 5 }, date: '2026-03-02' })
        await first
        await new Promise(resolve => setTimeout(resolve, 1200))
        const saved = JSON.stringify(node.context().get('snapshots'))
        for (const [metrics, key] of [[{ teamCount: 'five' }, 'metrics.teamCount'], [{ a: { __proto__: null, constructor: 1 } }, 'metrics.a.constructor'], [{ n: NaN }, 'metrics.n'], [JSON.parse('{"__proto__": {"polluted": 1}}'), 'metrics.__proto__']]) {
            const err = nextError(node)
            node.receive({ payload: metrics, date: '2026-03-03' })
            assert.equal((await err).field, key)
        }
        await new Promise(resolve => setTimeout(resolve, 1200))
        assert.equal(JSON.stringify(node.context().get('snapshots')), saved)
        const report = next('table')
        node.receive({ topic: 'report', asOf: '2026-03-03' })
        assert.deepEqual((await report).payload.map(r => [r.metric, r.latest]), [['teamCount', '5']])
    }).timeout(10000)

    it('seeds an empty history once, and never over snapshots taken since', async function () {
        const node = helper.getNode('snap')
        let table = next('table')
        node.receive({ topic: 'seed', payload: [{ date: '2026-01-05', metrics: { teams: 1 } }, { date: '2026-01-06', metrics: { teams: 2 } }], asOf: '2026-01-06' })
        assert.deepEqual((await table).payload.map(r => r.latest), ['2'])
        table = next('table')
        node.receive({ topic: 'seed', payload: [{ date: '2026-01-06', metrics: { teams: 99 } }], asOf: '2026-01-06' })
        assert.deepEqual((await table).payload.map(r => r.latest), ['2'])
    })
})
