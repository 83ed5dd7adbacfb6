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

    describe('with formulas', function () {
        const TABLES = 'adoption.tables = features.tablesDatabases / teamCount'
        const withFormulas = formulas => [flow[0], { ...flow[1], formulas, headline: 'teamCount, adoption.tables', wires: [...flow[1].wires, ['series']] }, ...flow.slice(2), { id: 'series', z: 'f1', type: 'helper' }]
        const load = async formulas => {
            await helper.unload()
            await helper.load(metaSnapshot, withFormulas(formulas))
        }
        // Three weeks from Monday 2026-01-05: tables 10 of 100 teams the first week, 12 of 100
        // the second and third, and on the last day (Sunday 01-25) 18 of 120.
        const snapshots = Array.from({ length: 21 }, (_, n) => ({
            date: day(n),
            metrics: { teamCount: n === 20 ? 120 : 100, features: { tablesDatabases: n === 20 ? 18 : n < 7 ? 10 : 12 } }
        }))
        const asOf = '2026-01-26' // the Monday after: the week of 01-25 is complete

        it('reports a formula as a share with its week-on-week growth, in the table, the picker, the chart and the overview\'s series', async function () {
            await load(`# adoption of features\n\n${TABLES}\n`)
            const node = helper.getNode('snap')
            const got = Promise.all([next('table'), next('picker'), next('series')])
            node.receive({ topic: 'seed', payload: snapshots, asOf })
            const [table, picker, series] = await got
            const raw = table.report.metrics.find(m => m.metric === 'adoption.tables')
            // By hand: 10/100, 12/100, 18/120 at the ends of the weeks; 12/100 the day before the last.
            assert.equal(raw.latest, 0.15)
            assert.equal(raw.previous, 0.12)
            assert.ok(Math.abs(raw.weeklyGrowth - 0.25) < 1e-12, 'week on week: 0.15 / 0.12 − 1')
            assert.ok(Math.abs(raw.averageGrowth - (Math.sqrt(0.15 / 0.10) - 1)) < 1e-12, 'over its two complete weeks')
            assert.equal(raw.formula, 'features.tablesDatabases / teamCount')
            const row = table.payload.find(r => r.metric === 'adoption.tables')
            assert.deepEqual(row, {
                metric: 'adoption.tables',
                latest: '15.00%',
                change: '+3.00 pp',
                weeklyGrowth: '+25.00%',
                rating: 'exceptional',
                averageGrowth: `+${((Math.sqrt(1.5) - 1) * 100).toFixed(2)}%`,
                since: '2026-01-05',
                status: 'share: features.tablesDatabases / teamCount'
            })
            // Its two metrics keep their own rows, as counts.
            assert.equal(table.payload.find(r => r.metric === 'teamCount').latest, '120')
            assert.ok(picker.options.some(o => o.value === 'adoption.tables'))
            // The overview gets the fractions, marked as a share; the other headline as values.
            assert.deepEqual(series.payload['adoption.tables'], {
                points: snapshots.map(s => ({ date: s.date, value: s.metrics.features.tablesDatabases / s.metrics.teamCount })),
                aggregate: 'last',
                unit: 'share'
            })
            assert.equal(series.payload.teamCount.unit, 'value')
            // The picked formula's chart: the core's fractions, the axis saying so.
            const values = next('values')
            node.receive({ topic: 'metric', payload: 'adoption.tables', asOf })
            const chart = await values
            assert.deepEqual(chart.payload.map(p => p.y), snapshots.map(s => s.metrics.features.tablesDatabases / s.metrics.teamCount))
            assert.equal(chart.ui_update.chartOptions.yAxis.name, 'share (0.15 = 15%)')
            const counts = next('values')
            node.receive({ topic: 'metric', payload: 'teamCount', asOf })
            assert.equal((await counts).ui_update.chartOptions.yAxis.name, '')
        }).timeout(10000)

        it('refuses a bad line by its line and name on deploy, and goes on with the rest', async function () {
            await load(`${TABLES}\nadoption.broken = features.tablesDatabases * teamCount\nno equals sign here`)
            const node = helper.getNode('snap')
            const errors = node.error.getCalls().filter(c => c.thisValue === node).map(c => c.args[0])
            assert.deepEqual(errors, [
                'formulas.adoption.broken: must be two metric names divided, "a / b", got "features.tablesDatabases * teamCount" (line 2): this formula is left out, the rest is used',
                'formulas: must be "name = a / b", got "no equals sign here" (line 3): this formula is left out, the rest is used'
            ])
            const red = () => node.status.getCalls().filter(c => c.thisValue === node).at(-1).args[0]
            assert.equal(red().fill, 'red')
            assert.match(red().text, /^formulas\.adoption\.broken: /)
            // The node still stores and reports, the good formula included.
            const got = Promise.all([next('stored'), next('table')])
            node.receive({ payload: snapshots[0].metrics, date: snapshots[0].date, asOf })
            const [stored, table] = await got
            assert.equal(stored.payload.date, '2026-01-05')
            assert.deepEqual(table.payload.map(r => [r.metric, r.latest]), [['adoption.tables', '10.00%'], ['features.tablesDatabases', '10'], ['teamCount', '100']])
            assert.equal(red().fill, 'red', 'the status still says a line was refused')
        }).timeout(10000)
    })

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
