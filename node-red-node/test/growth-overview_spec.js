// The growth overview node: one row per headline metric, each the core's overviewRow over
// the series it was given (installations reports merged by date, headline Cloud series),
// targets set by message and kept in context, and an alert sent once per metric and week.
const assert = require('node:assert/strict')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const overview = localised(require('../nodes/growth-overview.js'))
const core = require('../lib/core')

helper.init(require.resolve('node-red'))

const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'ov', z: 'f1', type: 'growth-overview', floor: '1', k: '3', refreshSeconds: '0', wires: [['rows'], ['alert'], ['alerts'], ['metrics']] },
    { id: 'rows', z: 'f1', type: 'helper' },
    { id: 'alert', z: 'f1', type: 'helper' },
    { id: 'alerts', z: 'f1', type: 'helper' },
    { id: 'metrics', z: 'f1', type: 'helper' }
]
const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))
const nextError = node => new Promise(resolve => node.once('call:error', call => resolve(call.args[0])))

// Twenty weeks of days: active grows 3 % a week, then its last complete week grows 0.5 %.
const asOf = '2026-11-25' // a Wednesday: the week of 11-23 is in progress
const days = []
for (let i = 0; i < 7 * 20; i++) {
    const date = new Date(Date.UTC(2026, 6, 6) + i * 864e5).toISOString().slice(0, 10)
    const week = Math.floor(i / 7)
    const active = week < 19 ? Math.round(1000 * 1.03 ** week) : Math.round(1000 * 1.03 ** 18 * 1.005)
    days.push({ date, active, hosted: 2 * active, remote: 50 })
}
const series = field => days.map(d => ({ date: d.date, value: d[field] }))

describe('growth overview node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => helper.load(overview, flow))
    afterEach(() => helper.unload())

    it('gives the core\'s row for each installations series, and keeps earlier days when a refresh sends fewer', async function () {
        const ov = helper.getNode('ov')
        let got = next('rows')
        ov.receive({ topic: 'report', payload: { days }, asOf })
        let rows = await got
        assert.deepEqual(rows.rows.map(r => r.metric), ['active installs', 'hosted instances', 'remote instances'])
        for (const [metric, field] of [['active installs', 'active'], ['hosted instances', 'hosted'], ['remote instances', 'remote']]) {
            const expected = core.overviewRow(metric, series(field), { aggregate: 'last', asOf, floor: 0.01, k: 3 })
            assert.deepEqual(rows.rows.find(r => r.metric === metric), expected)
        }
        const active = rows.rows[0]
        // By hand: the week of 11-16 ends at 1000·1.03^18·1.005, the week before at 1000·1.03^18.
        assert.equal(active.latestWeek, '2026-W47')
        assert.ok(Math.abs(active.growth - (Math.round(1000 * 1.03 ** 18 * 1.005) / Math.round(1000 * 1.03 ** 18) - 1)) < 1e-12)
        assert.equal(active.rating, 'not acceptable')
        assert.equal(rows.payload[0].growth, `+${(active.growth * 100).toFixed(2)}%`)
        assert.equal(active.sparkline.length, 12)
        // A refresh of the last 30 days only: the earlier days are kept, so the row is the same.
        got = next('rows')
        ov.receive({ payload: { days: days.slice(-30) }, asOf })
        rows = await got
        assert.deepEqual(rows.rows[0], active)
    })

    it('sets a target from the form, keeps it in context, removes it, and names a bad field', async function () {
        const ov = helper.getNode('ov')
        ov.receive({ payload: { days }, asOf })
        await next('rows')
        let got = next('rows')
        ov.receive({ topic: 'target', payload: { metric: 'active installs', value: '3000', date: '2027-06-27' }, asOf })
        let row = (await got).rows[0]
        assert.deepEqual(ov.context().get('targets'), { 'active installs': { value: 3000, date: '2027-06-27' } })
        const wow = core.weekOnWeek(series('active'), { aggregate: 'last', asOf })
        const last = wow.weeks.filter(w => !w.partial).at(-1)
        // Required rate by hand: (T / L)^(1/n) − 1, n weeks from the last complete Sunday.
        const n = (Date.parse('2027-06-27') - Date.parse(last.end)) / (7 * 864e5)
        assert.ok(Math.abs(row.target.requiredRate - ((3000 / last.value) ** (1 / n) - 1)) < 1e-12)
        assert.equal(row.target.onTrack, row.target.currentRate >= row.target.requiredRate)
        const text = (await new Promise(resolve => { ov.receive({ topic: 'report', asOf }); helper.getNode('rows').once('input', resolve) })).payload[0]
        assert.equal(text.status, row.target.onTrack ? 'on track' : 'behind')
        // Already reached: a target below the latest value.
        got = next('rows')
        ov.receive({ topic: 'target', payload: { metric: 'remote instances', value: 10, date: '2027-01-31' }, asOf })
        row = (await got).rows[2]
        assert.equal(row.target.reached, true)
        // An empty value removes the target.
        got = next('rows')
        ov.receive({ topic: 'target', payload: { metric: 'active installs', value: '', date: '' }, asOf })
        row = (await got).rows[0]
        assert.equal(row.target, null)
        assert.deepEqual(Object.keys(ov.context().get('targets')), ['remote instances'])
        for (const [payload, field] of [
            [{ metric: 'active installs', value: -5, date: '2027-01-01' }, 'value'],
            [{ metric: 'active installs', value: 'lots', date: '2027-01-01' }, 'value'],
            [{ metric: 'active installs', value: 5, date: 'next spring' }, 'date'],
            [{ metric: 'paying teams', value: 5, date: '2027-01-01' }, 'metric']
        ]) {
            const err = nextError(ov)
            ov.receive({ topic: 'target', payload, asOf })
            assert.equal((await err).field, field, JSON.stringify(payload))
        }
        assert.deepEqual(Object.keys(ov.context().get('targets')), ['remote instances'], 'a refused target changes nothing')
    })

    it('sends an alert once per metric and week, and lists it', async function () {
        const ov = helper.getNode('ov')
        const alerts = []
        helper.getNode('alert').on('input', m => alerts.push(m))
        let list = next('alerts')
        ov.receive({ payload: { days }, asOf })
        list = await list
        // Active installs grew 0.5 % in its last complete week, below the 1 % floor; hosted
        // too (twice active); remote did not grow at all.
        assert.deepEqual(alerts.map(a => a.topic).sort(), ['active installs', 'hosted instances', 'remote instances'])
        const a = alerts.find(m => m.topic === 'active installs')
        assert.equal(a.alert.week, '2026-W47')
        assert.ok(a.alert.reasons.includes('below'))
        assert.equal(typeof a.payload, 'string')
        assert.equal(list.payload.length, 3)
        const again = next('alerts')
        ov.receive({ payload: { days }, asOf })
        await again
        assert.equal(alerts.length, 3, 'not sent again for the same week')
    })

    it('adds a segment headline from the report\'s counts of its value, from the day it appears', async function () {
        const segmented = [{ ...flow[1], segments: 'EE installs = license=EE\n# comments and blank lines are skipped\n\nLinux installs = os=Linux' }, ...flow.slice(2), flow[0]]
        await helper.unload()
        await helper.load(overview, segmented)
        const ov = helper.getNode('ov')
        // EE from the 15th day: 10, growing by one every 7 days; Linux from the first, 40.
        const withMaps = days.map((d, i) => ({ ...d, byLicense: i < 14 ? { CE: d.active } : { CE: d.active - 10 - Math.floor(i / 7), EE: 10 + Math.floor(i / 7) }, byOs: { Linux: 40 } }))
        const got = next('rows')
        ov.receive({ topic: 'report', payload: { days: withMaps }, asOf })
        const rows = (await got).rows
        assert.deepEqual(rows.map(r => r.metric), ['active installs', 'hosted instances', 'remote instances', 'EE installs', 'Linux installs'])
        const ee = withMaps.slice(14).map((d, i) => ({ date: d.date, value: 10 + Math.floor((i + 14) / 7) }))
        assert.deepEqual(rows[3], core.overviewRow('EE installs', ee, { aggregate: 'last', asOf, floor: 0.01, k: 3 }))
        // By hand: the last complete week (W47, ending 11-22, day 139) has 10 + 19 = 29, the one before 28.
        assert.equal(rows[3].latest, 29)
        assert.equal(rows[3].growth, (29 - 28) / 28)
        assert.equal(rows[4].latest, 40)
        // A segment nobody is in has no row: on a first day of CE installs, no EE installs.
        await helper.unload()
        await helper.load(overview, segmented)
        const fresh = next('rows')
        helper.getNode('ov').receive({ topic: 'report', payload: { days: days.map(d => ({ ...d, byLicense: { CE: d.active }, byOs: {} })) }, asOf })
        assert.deepEqual((await fresh).rows.map(r => r.metric), ['active installs', 'hosted instances', 'remote instances'])
    })

    it('refuses a segment headline that is not name = dimension=value, by line, and shows the rest', async function () {
        const bad = [{ ...flow[1], segments: 'EE installs = license=EE\nplan installs = plan=pro' }, ...flow.slice(2), flow[0]]
        await helper.unload()
        await helper.load(overview, bad)
        const ov = helper.getNode('ov')
        const errors = ov.error.getCalls().map(c => String(c.args[0].message || c.args[0]))
        assert.deepEqual(errors, ['segments: line 2 must be "name = dimension=value" (dimension license, driver, os or version), got "plan installs = plan=pro"'])
        const got = next('rows')
        ov.receive({ topic: 'report', payload: { days }, asOf })
        assert.deepEqual((await got).rows.map(r => r.metric), ['active installs', 'hosted instances', 'remote instances'])
    })

    it('takes headline Cloud series, summing an event metric by the week', async function () {
        const ov = helper.getNode('ov')
        const signups = days.map((d, i) => ({ date: d.date, value: 10 + (i % 7) }))
        const got = next('rows')
        ov.receive({ topic: 'series', payload: { teamCount: { points: series('remote'), aggregate: 'last' }, signups: { points: signups, aggregate: 'sum' } }, asOf })
        const rows = (await got).rows
        assert.deepEqual(rows.map(r => r.metric), ['signups', 'teamCount'])
        assert.deepEqual(rows[0], core.overviewRow('signups', signups, { aggregate: 'sum', asOf, floor: 0.01, k: 3 }))
        assert.equal(rows[0].latest, 10 + 11 + 12 + 13 + 14 + 15 + 16, 'a week of signups, summed')
    })

    it('shows a share-unit series (a formula) in percent, its CSV and rows raw', async function () {
        const ov = helper.getNode('ov')
        // Adoption from 10 % rising by a tenth of a point a day; the last two days 0.24 then 0.25.
        const adoption = days.map((d, i) => ({ date: d.date, value: i === days.length - 1 ? 0.25 : i === days.length - 2 ? 0.24 : 0.1 + i / 1000 }))
        let got = next('rows')
        ov.receive({ topic: 'series', payload: { 'adoption.tables': { points: adoption, aggregate: 'last', unit: 'share' }, teamCount: { points: series('remote'), aggregate: 'last', unit: 'value' } }, asOf })
        let out = await got
        const row = out.rows.find(r => r.metric === 'adoption.tables')
        assert.deepEqual(row, core.overviewRow('adoption.tables', adoption, { aggregate: 'last', asOf, floor: 0.01, k: 3 }), 'the core\'s row, unchanged')
        const text = out.payload.find(r => r.metric === 'adoption.tables')
        // By hand: the week of 11-16 ends on 11-22, the last day (0.25); the week before on
        // 11-15, day 132 of the series: 0.1 + 0.132 = 0.232.
        assert.equal(row.latestWeek, '2026-W47')
        assert.equal(row.latest, 0.25)
        assert.ok(Math.abs(row.growth - (0.25 / 0.232 - 1)) < 1e-12)
        assert.equal(text.unit, 'share')
        assert.equal(text.latest, '25.00%')
        assert.equal(text.day, '25.00%')
        assert.equal(text.change, '+1.00 pp')
        assert.equal(text.growth, `+${((0.25 / 0.232 - 1) * 100).toFixed(2)}%`)
        // A count keeps its own format.
        const teams = out.payload.find(r => r.metric === 'teamCount')
        assert.equal(teams.unit, 'value')
        assert.equal(teams.latest, '50')
        // A target on a share: shown in percent too.
        got = next('rows')
        ov.receive({ topic: 'target', payload: { metric: 'adoption.tables', value: '0.5', date: '2027-06-27' }, asOf })
        out = await got
        assert.equal(out.payload.find(r => r.metric === 'adoption.tables').target, '50.00%')
        // The CSV holds the fractions.
        got = next('rows')
        ov.receive({ topic: 'report', format: 'csv', asOf })
        const csv = (await got).csv.rows.find(r => r.metric === 'adoption.tables')
        assert.equal(csv.latest, 0.25)
        assert.equal(csv.target, 0.5)
    })

    it('updates its rows from installations refreshes at most once per refresh interval', async function () {
        await helper.unload()
        await helper.load(overview, [flow[0], { ...flow[1], refreshSeconds: '0.5' }, ...flow.slice(2)])
        const ov = helper.getNode('ov')
        const got = []
        helper.getNode('rows').on('input', m => got.push(m))
        ov.receive({ payload: { days }, asOf })
        for (let i = 0; i < 5; i++) ov.receive({ payload: { days: days.slice(-30) }, refresh: true, asOf })
        await new Promise(resolve => setTimeout(resolve, 100))
        assert.equal(got.length, 1, 'the first at once, the rest wait')
        await new Promise(resolve => setTimeout(resolve, 700))
        assert.equal(got.length, 2, 'one more once the interval has passed')
        // A report the installations node was asked for (no refresh mark) does not wait.
        ov.receive({ payload: { days }, asOf })
        await new Promise(resolve => setTimeout(resolve, 50))
        assert.equal(got.length, 3)
        // A report asked for does not wait.
        const asked = next('rows')
        ov.receive({ topic: 'report', asOf })
        assert.equal((await asked).rows.length, 3)
    })
})
