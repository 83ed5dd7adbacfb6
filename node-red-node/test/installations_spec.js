const assert = require('node:assert/strict')
const helper = require('node-red-node-test-helper')
const installations = require('../nodes/installations.js')
const core = require('../lib/core')

helper.init(require.resolve('node-red'))

const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'ledger', z: 'f1', type: 'installations', activeWindowDays: '7', lastDays: '30', reportOnIngest: false, toToday: true, wires: [['report'], ['charts'], ['table'], ['kpis'], ['rejected']] },
    { id: 'report', z: 'f1', type: 'helper' },
    { id: 'charts', z: 'f1', type: 'helper' },
    { id: 'table', z: 'f1', type: 'helper' },
    { id: 'kpis', z: 'f1', type: 'helper' },
    { id: 'rejected', z: 'f1', type: 'helper' }
]

const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))
const collect = (name, n) => new Promise(resolve => {
    const got = []
    helper.getNode(name).on('input', m => { got.push(m); if (got.length === n) resolve(got) })
})
const pings = core.demoPings({ installs: 40, days: 120, start: '2026-01-01', seed: 3 })
const asOf = '2026-04-30'

describe('installations node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => helper.load(installations, flow))
    afterEach(() => helper.unload())

    it('reports what aggregateInstallations gives for the same pings, on every output', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: pings.slice(0, 2000) })
        for (const p of pings.slice(2000)) node.receive({ payload: p })
        const got = Promise.all([next('report'), collect('charts', 7), next('table'), next('kpis')])
        node.receive({ topic: 'report', asOf })
        const [report, charts, table, kpis] = await got
        const expected = core.aggregateInstallations(pings, { asOf })
        assert.deepEqual(report.payload, { ...expected, activeWindowDays: 7 })
        const last = expected.days.at(-1)
        assert.deepEqual(charts.map(c => c.topic).sort(), ['active', 'byDriver', 'byLicense', 'byOs', 'byVersion', 'changes', 'instances'])
        const active = charts.find(c => c.topic === 'active')
        assert.equal(active.action, 'replace')
        assert.equal(active.payload.filter(p => p.series === 'active').length, 30, 'chart range of 30 days')
        assert.deepEqual(active.payload.filter(p => p.series === 'active').at(-1), { series: 'active', x: Date.parse(asOf), y: last.active })
        const removed = charts.find(c => c.topic === 'changes').payload.filter(p => p.series === 'removed')
        assert.ok(removed.every(p => p.y <= 0) && removed.some(p => p.y < 0), 'removed drawn below zero')
        assert.equal(table.payload.length, 30)
        assert.deepEqual(table.payload[0], { date: asOf, active: last.active, pinged: last.pinged, added: last.added, resurrected: last.resurrected, removed: last.removed, hosted: last.hosted, remote: last.remote })
        // KPIs worked out from the report's days: today against seven days before.
        const weekAgo = expected.days.at(-8)
        assert.equal(kpis.kpis.active, last.active)
        assert.equal(kpis.kpis.activeChange, last.active - weekAgo.active)
        assert.equal(kpis.payload.active, String(last.active))
        assert.equal(kpis.kpis.hosted, last.hosted)
    })

    it('sends rejected pings of a batch to output 5 and keeps the rest', async function () {
        const node = helper.getNode('ledger')
        const got = next('rejected')
        node.receive({ payload: [pings[0], { instanceId: 'x', receivedAt: '2026-01-02T00:00:00Z', platform: { counts: { projects: -1 } } }, pings[1]] })
        const msg = await got
        assert.deepEqual(msg.payload.map(r => [r.index, r.field]), [[1, 'platform.counts.projects']])
        const report = next('report')
        node.receive({ topic: 'report', asOf: '2026-01-02' })
        assert.equal((await report).payload.accepted, 2)
    })

    it('refuses pings dated far in the future or the past, keeping the ledger as it was', async function () {
        const node = helper.getNode('ledger')
        const got = next('rejected')
        node.receive({ payload: [
            { instanceId: 'future', receivedAt: '2999-01-01T00:00:00Z' },
            { instanceId: 'tomorrow-and-more', receivedAt: new Date(Date.now() + 3 * 86400000).toISOString() },
            { instanceId: 'past', receivedAt: '1999-12-31T23:00:00Z' },
            { instanceId: 'epoch-seconds', receivedAt: 1767607200 }
        ] })
        const msg = await got
        assert.deepEqual(msg.payload.map(r => [r.instanceId, r.field]), [['future', 'receivedAt'], ['tomorrow-and-more', 'receivedAt'], ['past', 'receivedAt'], ['epoch-seconds', 'receivedAt']])
        assert.match(msg.payload[0].reason, /is in the future/)
        assert.match(msg.payload[2].reason, /is before 2020/)
        const report = next('report')
        node.receive({ topic: 'report' })
        const r = (await report).payload
        assert.equal(r.accepted, 0)
        assert.equal(r.installations, 0)
    })

    it('rebuilds from an NDJSON raw log, skipping a torn last line', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: { instanceId: 'old', receivedAt: '2026-01-01T00:00:00Z' } })
        const ndjson = pings.map(p => JSON.stringify(p)).join('\n') + '\n{"instanceId":"torn","recei'
        const got = Promise.all([next('report'), next('rejected')])
        node.receive({ topic: 'rebuild', payload: ndjson, asOf })
        const [report, rejected] = await got
        const expected = core.aggregateInstallations(pings, { asOf })
        assert.equal(report.payload.accepted, expected.accepted)
        assert.deepEqual(report.payload.days, expected.days)
        assert.deepEqual(rejected.payload.map(r => r.field), [`line ${pings.length + 1}`])
    })

    it('saves the ledger to its context store so a restart restores it', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: pings.slice(0, 500) })
        await new Promise(resolve => setTimeout(resolve, 1300))
        const saved = node.context().get('installations')
        assert.ok(saved, 'saved within a second')
        const restored = new core.InstallationLedger(JSON.parse(JSON.stringify(saved)))
        assert.deepEqual(restored.report({ asOf }), core.aggregateInstallations(pings.slice(0, 500), { asOf }))
    })
})
