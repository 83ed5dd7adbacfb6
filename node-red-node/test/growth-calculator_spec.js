const assert = require('node:assert/strict')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const growthCalculator = localised(require('../nodes/growth-calculator.js'))

helper.init(require.resolve('node-red'))

/** Deploys one growth-calculator wired to four helper nodes, one per output. */
function flow (config) {
    return [
        { id: 'f1', type: 'tab' },
        { id: 'calc', z: 'f1', type: 'growth-calculator', wires: [['result'], ['chart'], ['table'], ['text']], ...config },
        { id: 'result', z: 'f1', type: 'helper' },
        { id: 'chart', z: 'f1', type: 'helper' },
        { id: 'table', z: 'f1', type: 'helper' },
        { id: 'text', z: 'f1', type: 'helper' },
    ]
}

function cents (x) { return Math.round(x * 100) / 100 }

/** Resolves with the first message each named helper node receives. */
/** done(err) reports through node.error, which is what routes an error to Catch nodes. */
function nextError (node) {
    return new Promise(resolve => node.once('call:error', call => resolve(call.args[0])))
}

function nextMessages (names) {
    return Promise.all(names.map(name => new Promise(resolve => helper.getNode(name).once('input', resolve))))
}

describe('growth-calculator node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    afterEach(() => helper.unload())

    it('projects 100 at 5% for 52 weeks to 1,264.28 on every output', async function () {
        await helper.load(growthCalculator, flow({ mode: 'project', start: '', weeklyRatePercent: '', weeks: '' }))
        const got = nextMessages(['result', 'chart', 'table', 'text'])
        helper.getNode('calc').receive({ payload: { start: 100, weeklyRatePercent: 5, weeks: 52 } })
        const [result, chart, table, text] = await got
        assert.equal(cents(result.payload.end), 1264.28)
        assert.equal(result.payload.rating, 'strong')
        assert.equal(result.formatted.end, '1,264.28')
        assert.equal(result.formatted.multiple, '×12.64')
        assert.equal(chart.action, 'replace')
        assert.equal(chart.payload.length, 53)
        assert.deepEqual(Object.keys(chart.payload[0]).sort(), ['series', 'x', 'y'])
        assert.deepEqual(chart.payload[1], { series: 'projection', x: 1, y: 105 })
        assert.equal(table.payload[52].value, '1,264.28')
        assert.equal(text.payload, '1,264.28')
    })

    it('takes missing inputs from its settings and a fraction from the msg over its percentage', async function () {
        await helper.load(growthCalculator, flow({ mode: 'project', start: '100', weeklyRatePercent: '5', weeks: '52' }))
        let got = nextMessages(['result'])
        helper.getNode('calc').receive({ payload: { weeks: 1 } })
        let [result] = await got
        assert.equal(result.payload.end, 105)
        got = nextMessages(['result'])
        helper.getNode('calc').receive({ payload: { weeklyRate: 0.1, weeks: 2 } })
        ;[result] = await got
        assert.equal(cents(result.payload.end), 121)
        // A ui-form sends a field left empty as null: the setting applies.
        got = nextMessages(['result'])
        helper.getNode('calc').receive({ payload: { start: null, weeklyRatePercent: 10, weeks: null } })
        ;[result] = await got
        assert.equal(result.payload.weeks, 52)
        assert.equal(result.payload.start, 100)
    })

    it('takes numeric strings as a query or a text input gives them, and refuses other text by name', async function () {
        await helper.load(growthCalculator, flow({ mode: 'project', start: '', weeklyRatePercent: '', weeks: '' }))
        let got = nextMessages(['result'])
        helper.getNode('calc').receive({ payload: { start: '100', weeklyRatePercent: ' 5 ', weeks: '52' } })
        let [result] = await got
        assert.equal(cents(result.payload.end), 1264.28)
        assert.equal(result.payload.weeks, 52)
        const calc = helper.getNode('calc')
        for (const [payload, field] of [
            [{ start: '5x', weeklyRatePercent: 5, weeks: 52 }, 'start'],
            [{ start: '100', weeklyRatePercent: 'NaN', weeks: 52 }, 'weeklyRatePercent'],
            [{ start: '100', weeklyRatePercent: 5, weeks: '1e400' }, 'weeks']
        ]) {
            const next = nextError(calc)
            calc.receive({ payload })
            const e = await next
            assert.equal(e.field, field, e.message)
        }
    })

    it('builds the reference table with exact values', async function () {
        await helper.load(growthCalculator, flow({ mode: 'table', start: '100', weeks: '52', weeklyRatesPercent: '20, 10, 7, 6, 5, 4, 3, 2, 1, 0.5' }))
        const got = nextMessages(['result', 'table'])
        helper.getNode('calc').receive({ payload: {} })
        const [result, table] = await got
        // DESIGN.md's reference values, 100 after 52 weeks.
        const expected = [1310463.09, 14204.29, 3372.53, 2069.69, 1264.28, 768.66, 465.09, 280.03, 167.77, 129.61]
        assert.deepEqual(result.payload.map(r => cents(r.end)), expected)
        assert.deepEqual(table.payload.map(r => r.value), expected.map(x => x.toLocaleString('en-US', { minimumFractionDigits: 2 })))
        assert.equal(table.payload[9].weeklyRate, '+0.50%')
        assert.equal(table.payload[4].multiple, '×12.64')
    })

    it('answers the target questions', async function () {
        await helper.load(growthCalculator, flow({ mode: 'target', start: '', weeklyRatePercent: '', weeks: '' }))
        const got = nextMessages(['result', 'table', 'text'])
        helper.getNode('calc').receive({ payload: { start: 100, target: 200, weeks: 10, weeklyRatePercent: 5 } })
        const [result, table, text] = await got
        // 2^(1/10) − 1 and ln 2 / ln 1.05, worked out independently here.
        assert.ok(Math.abs(result.payload.required.weeklyRate - (Math.pow(2, 0.1) - 1)) < 1e-12)
        assert.ok(Math.abs(result.payload.weeksToTarget - Math.log(2) / Math.log(1.05)) < 1e-9)
        assert.equal(text.payload, '+7.18% a week')
        assert.equal(table.payload[1].answer, '14.21')
    })

    it('reports bad input through done(err), which Catch nodes receive, naming the field with a red status', async function () {
        await helper.load(growthCalculator, flow({ mode: 'project', start: '', weeklyRatePercent: '', weeks: '' }))
        const calc = helper.getNode('calc')
        const caught = nextError(calc)
        let sent = false
        helper.getNode('result').on('input', () => { sent = true })
        const statuses = []
        calc.on('call:status', call => statuses.push(call.args[0]))
        calc.receive({ payload: { start: -5, weeklyRatePercent: 5, weeks: 52 } })
        const err = await caught
        assert.ok(err instanceof Error)
        assert.match(err.message, /^start: must be 0 or more/)
        assert.equal(err.field, 'start')
        assert.equal(sent, false)
        assert.equal(statuses.at(-1).fill, 'red')
        for (const [payload, field] of [
            [{ start: 100, weeklyRatePercent: 5, weeks: 1.5 }, 'weeks'],
            [{ start: 100, weeklyRate: -1, weeks: 52 }, 'weeklyRate'],
            [{ start: 'a lot', weeklyRatePercent: 5, weeks: 52 }, 'start']
        ]) {
            const next = nextError(calc)
            calc.receive({ payload })
            const e = await next
            assert.equal(e.field, field, e.message)
        }
    })
})
