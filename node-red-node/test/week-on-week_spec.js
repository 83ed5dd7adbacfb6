const assert = require('node:assert/strict')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const weekOnWeek = localised(require('../nodes/week-on-week.js'))

helper.init(require.resolve('node-red'))

function flow (config) {
    return [
        { id: 'f1', type: 'tab' },
        { id: 'wow', z: 'f1', type: 'week-on-week', wires: [['result'], ['chart'], ['table'], ['text']], ...config },
        { id: 'result', z: 'f1', type: 'helper' },
        { id: 'chart', z: 'f1', type: 'helper' },
        { id: 'table', z: 'f1', type: 'helper' },
        { id: 'text', z: 'f1', type: 'helper' },
    ]
}

/** done(err) reports through node.error, which is what routes an error to Catch nodes. */
function nextError (node) {
    return new Promise(resolve => node.once('call:error', call => resolve(call.args[0])))
}

function nextMessages (names) {
    return Promise.all(names.map(name => new Promise(resolve => helper.getNode(name).once('input', resolve))))
}

/** One point a day from `from`, values 1, 2, 3, … (a gauge that grows by one a day). */
function daily (from, days) {
    const start = Date.parse(from + 'T00:00:00Z')
    return Array.from({ length: days }, (_, i) => ({ date: new Date(start + i * 86400000).toISOString().slice(0, 10), value: i + 1 }))
}

describe('week-on-week node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    afterEach(() => helper.unload())

    it('labels weeks across New Year through 2026-W53 and marks the asOf week partial', async function () {
        await helper.load(weekOnWeek, flow({ aggregate: 'last', averageWeeks: '', partial: true, series: 'teams' }))
        const got = nextMessages(['result', 'chart', 'table', 'text'])
        helper.getNode('wow').receive({ payload: daily('2026-12-21', 21), asOf: '2027-01-10' })
        const [result, chart, table, text] = await got
        assert.deepEqual(result.payload.weeks.map(w => w.week), ['2026-W52', '2026-W53', '2027-W01'])
        assert.deepEqual(result.payload.weeks.map(w => w.partial), [false, false, true])
        // Last values 7, 14, 21: W53 grew 7/7 = 100 %.
        assert.equal(result.payload.weeks[1].growth, 1)
        assert.equal(result.payload.summary.latestGrowth, 1)
        assert.deepEqual(chart.payload, [
            { series: 'teams', x: '2026-W52', y: 7 },
            { series: 'teams', x: '2026-W53', y: 14 },
            { series: 'teams', x: '2027-W01', y: 21 }
        ])
        assert.equal(chart.action, 'replace')
        assert.equal(table.payload[2].growth, '+50.00%')
        assert.equal(table.payload[0].growth, '–')
        assert.equal(text.payload, '+100.00% (exceptional)')
    })

    it('sums events per week and gives no growth after a zero week', async function () {
        await helper.load(weekOnWeek, flow({ aggregate: 'sum', averageWeeks: '', partial: false }))
        const points = [
            { x: Date.parse('2026-01-05T09:00:00Z'), y: 3 },
            { x: Date.parse('2026-01-06T09:00:00Z'), y: 4 },
            { x: Date.parse('2026-01-12T09:00:00Z'), y: 0 },
            { x: Date.parse('2026-01-19T09:00:00Z'), y: 5 }
        ]
        const got = nextMessages(['result'])
        helper.getNode('wow').receive({ payload: points })
        const [result] = await got
        assert.deepEqual(result.payload.weeks.map(w => w.value), [7, 0, 5])
        assert.deepEqual(result.payload.weeks.map(w => w.growth), [null, -1, null])
        assert.ok(result.payload.weeks.every(w => w.partial === false))
    })

    it('takes values given as numeric strings, and names a point whose value is other text', async function () {
        await helper.load(weekOnWeek, flow({ aggregate: 'last', averageWeeks: '', partial: false }))
        const numbers = daily('2026-01-05', 14)
        const got = nextMessages(['result'])
        helper.getNode('wow').receive({ payload: numbers.map(p => ({ date: p.date, value: ` ${p.value} ` })) })
        const [fromText] = await got
        const again = nextMessages(['result'])
        helper.getNode('wow').receive({ payload: numbers })
        const [fromNumbers] = await again
        assert.deepEqual(fromText.payload, fromNumbers.payload)
        assert.equal(fromText.payload.weeks[1].growth, 1) // 7 → 14
        const caught = nextError(helper.getNode('wow'))
        helper.getNode('wow').receive({ payload: [{ date: '2026-01-05', value: '3 teams' }] })
        assert.equal((await caught).field, 'points[0].value')
    })

    it('reports a bad point through done(err) naming it, and sends nothing', async function () {
        await helper.load(weekOnWeek, flow({ aggregate: 'last' }))
        let sent = false
        helper.getNode('result').on('input', () => { sent = true })
        const caught = nextError(helper.getNode('wow'))
        helper.getNode('wow').receive({ payload: [{ date: '2026-01-05', value: 1 }, { date: '2026-01-06', value: NaN }] })
        const err = await caught
        assert.match(err.message, /^points\[1\]\.value: must be a finite number/)
        assert.equal(sent, false)
    })
})
