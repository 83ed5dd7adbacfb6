const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const installations = localised(require('../nodes/installations.js'))
const core = require('../lib/core')

helper.init(require.resolve('node-red'))

const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'ledger', z: 'f1', type: 'installations', activeWindowDays: '7', lastDays: '30', reportOnIngest: false, toToday: true, wires: [['report'], ['charts'], ['table'], ['kpis'], ['rejected'], ['analytics']] },
    { id: 'report', z: 'f1', type: 'helper' },
    { id: 'charts', z: 'f1', type: 'helper' },
    { id: 'table', z: 'f1', type: 'helper' },
    { id: 'kpis', z: 'f1', type: 'helper' },
    { id: 'rejected', z: 'f1', type: 'helper' },
    { id: 'analytics', z: 'f1', type: 'helper' }
]

const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))
const collect = (name, n) => new Promise(resolve => {
    const got = []
    helper.getNode(name).on('input', m => { got.push(m); if (got.length === n) resolve(got) })
})
// Demo data comes from the development build (pkg/): the shipped core has no generators.
const pings = require('../../pkg').demoPings({ installs: 40, days: 120, start: '2026-01-01', seed: 3 })
const asOf = '2026-04-30'

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pg-installations-'))
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

describe('installations node', function () {
    let userDir
    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => {
        userDir = tempDir()
        helper.settings({ userDir, fileWorkingDirectory: userDir })
        return helper.load(installations, flow)
    })
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
        // A report as of a past day has no day in progress: the pinged line runs to its end.
        assert.deepEqual(active.payload.filter(p => p.series === 'pinged').at(-1), { series: 'pinged', x: Date.parse(asOf), y: last.pinged })
        assert.ok(active.payload.every(p => p.series !== 'pinged so far'))
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

    it('sends growth accounting and cohort retention on a report asked for, from the core, latest week first', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: pings })
        const got = Promise.all([collect('analytics', 4), next('report')])
        node.receive({ topic: 'report', asOf })
        const [[chart, net, table, retention], report] = await got
        assert.deepEqual([chart.topic, net.topic, table.topic, retention.topic], ['accounting', 'net', 'quickRatio', 'retention'])
        // Independently: growthAccounting over aggregateInstallations' days.
        const weeks = core.growthAccounting(core.aggregateInstallations(pings, { asOf }).days).filter(w => !w.partial)
        const shown = weeks.slice(-26).reverse()
        assert.deepEqual(table.payload.map(r => [r.week, r.new, r.resurrected, r.churned]), shown.map(w => [w.week, w.new, w.resurrected, w.churned]))
        const w = shown.find(w => w.churned > 0)
        const row = table.payload.find(r => r.week === w.week)
        assert.equal(row.quickRatio, ((w.new + w.resurrected) / w.churned).toFixed(2))
        assert.equal(row.net, (w.net > 0 ? '+' : '') + String(w.net))
        const none = shown.find(w => w.churned === 0)
        if (none) assert.equal(table.payload.find(r => r.week === none.week).quickRatio, '– (none churned)')
        // The chart: churned below zero, first; one point per series and week.
        assert.equal(chart.payload[0].series, 'churned')
        assert.deepEqual(chart.payload.filter(p => p.series === 'churned').map(p => [p.x, p.y]), shown.slice().reverse().map(w => [w.week, -w.churned]))
        assert.deepEqual([...new Set(chart.payload.map(p => p.series))], ['churned', 'new', 'resurrected'])
        assert.deepEqual(net.payload.map(p => [p.series, p.x, p.y]), shown.slice().reverse().map(w => ['net', w.week, w.net]))
        // Retention: the ledger's cohorts as text, shares as numbers, empty where not complete.
        assert.ok(retention.payload.length > 3)
        const first = retention.payload[0]
        assert.equal(first.w1, `${(first.share1 * 100).toFixed(2)}%`)
        assert.ok(retention.payload.some(r => r.share52 === null && r.w52 === ''), 'a cohort whose 52nd week is not complete')
        assert.deepEqual(report.retention, retention.payload)
    })

    it('shows one segment on the page (KPIs, charts, accounting, versions) while output 1 stays of every install', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: pings })
        const segment = { dimension: 'license', value: 'EE' }
        let got = Promise.all([collect('analytics', 9), next('report'), next('kpis'), collect('charts', 7)])
        node.receive({ topic: 'report', asOf, segment: 'license=EE' })
        let [analytics, report, kpis, charts] = await got
        const whole = core.aggregateInstallations(pings, { asOf })
        const ee = core.aggregateInstallations(pings, { asOf, segment })
        // The segment's active installs are, by the definition, the whole ledger's EE ones.
        assert.equal(ee.days.at(-1).active, whole.days.at(-1).byLicense.EE)
        assert.ok(ee.days.at(-1).active > 0 && ee.days.at(-1).active < whole.days.at(-1).active, 'a proper part')
        assert.equal(kpis.kpis.active, ee.days.at(-1).active)
        assert.equal(kpis.payload.segment, 'licence EE')
        assert.deepEqual(charts.find(c => c.topic === 'active').payload.filter(p => p.series === 'active').at(-1).y, ee.days.at(-1).active)
        assert.deepEqual(report.payload.days.at(-1), whole.days.at(-1), 'output 1: every install')
        assert.equal(report.payload.segment, undefined)
        const by = topic => analytics.find(m => m.topic === topic)
        assert.deepEqual(by('quickRatio').payload.map(r => r.week), core.growthAccounting(ee.days).filter(w => !w.partial).slice(-26).reverse().map(w => w.week))
        assert.deepEqual(by('quickRatio').payload.map(r => r.new), core.growthAccounting(ee.days).filter(w => !w.partial).slice(-26).reverse().map(w => w.new))
        // Versions of the EE installs: the core's uptake, formatted.
        const uptake = core.versionUptake(pings, { asOf, segment })
        assert.deepEqual(by('uptake').payload.map(r => [r.version, r.released, r.daysTo50]), uptake.map(u => [u.version, u.released, u.daysTo50 === null ? 'not yet' : `${u.daysTo50} days`]).reverse(), 'newest release first')
        const lastDay = ee.days.at(-1)
        const newest = Object.keys(lastDay.byVersion).filter(v => lastDay.byVersion[v] > 0 && /^\d+\.\d+$/.test(v)).sort((a, b) => a.split('.')[0] - b.split('.')[0] || a.split('.')[1] - b.split('.')[1]).at(-1)
        assert.deepEqual(by('newest').newest, { version: newest, date: asOf, share: lastDay.byVersion[newest] / lastDay.active })
        // Licence changes of every install: newest week first, upgrades first in a week.
        const conversions = core.installationConversions(pings, { asOf, dimension: 'license' })
        const rows = by('licenceChanges').payload
        assert.equal(rows.reduce((n, r) => n + r.count, 0), conversions.reduce((n, c) => n + c.count, 0))
        for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].week >= rows[i].week, 'newest week first')
        // The dropdown's choices: every install, then each value active on the last day.
        const segments = by('segments')
        assert.deepEqual(segments.options[0], { label: 'All installs', value: '' })
        assert.ok(segments.options.some(o => o.value === 'license=EE' && o.label === `licence EE (${whole.days.at(-1).byLicense.EE})`))
        assert.equal(segments.payload, 'license=EE')

        // A segment the core refuses: an error naming it, and the page's segment stays EE.
        const refused = new Promise(resolve => node.once('call:error', call => resolve(call.args[0])))
        node.receive({ topic: 'report', asOf, segment: { dimension: 'plan', value: 'x' } })
        assert.match(String((await refused).message || await refused), /segment\.dimension/)
        got = Promise.all([next('kpis')])
        node.receive({ topic: 'report', asOf })
        ;[kpis] = await got
        assert.equal(kpis.payload.segment, 'licence EE')
        // Back to every install.
        got = Promise.all([next('kpis')])
        node.receive({ topic: 'report', asOf, segment: '' })
        ;[kpis] = await got
        assert.equal(kpis.payload.segment, 'All installs')
        assert.equal(kpis.kpis.active, whole.days.at(-1).active)
    })

    it('answers uptake and conversions asked for on the same message, as the core gives them', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: pings })
        let got = next('report')
        node.receive({ topic: 'uptake', asOf, segment: 'license=EE', id: 'u' })
        let msg = await got
        assert.equal(msg.id, 'u')
        assert.deepEqual(msg.payload, core.versionUptake(pings, { asOf, segment: { dimension: 'license', value: 'EE' } }))
        got = next('report')
        node.receive({ topic: 'conversions', asOf, dimension: 'version' })
        msg = await got
        assert.deepEqual(msg.payload, core.installationConversions(pings, { asOf, dimension: 'version' }))
        assert.ok(msg.payload.length > 0)
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

    it('keeps its ledger in a binary checkpoint file, not in context, and a restart restores it', async function () {
        const node = helper.getNode('ledger')
        node.receive({ payload: pings.slice(0, 500) })
        const file = path.join(userDir, 'product-growth', 'installations-ledger.checkpoint')
        await waitForFile(file, 8000)
        // Context keeps only the checkpoint's whereabouts: a few hundred bytes at most.
        const pointer = await waitForValue(() => node.context().get('installations-checkpoint'), 2000)
        assert.equal(pointer.file, file)
        assert.ok(JSON.stringify(node.context().keys().map(k => node.context().get(k))).length < 500)
        assert.equal(node.context().get('installations'), undefined)
        await helper.unload()
        await helper.load(installations, flow)
        const report = next('report')
        helper.getNode('ledger').receive({ topic: 'report', asOf })
        assert.deepEqual((await report).payload, { ...core.aggregateInstallations(pings.slice(0, 500), { asOf }), activeWindowDays: 7 })
    })

    it('refreshes the dashboard at most once per interval, and only after a change', async function () {
        await helper.unload()
        const refreshing = flow.map(n => n.id === 'ledger' ? { ...n, reportOnIngest: true, refreshSeconds: '1' } : n)
        await helper.load(installations, refreshing)
        const node = helper.getNode('ledger')
        const reports = []
        helper.getNode('kpis').on('input', m => reports.push(Date.now()))
        const started = Date.now()
        for (const p of pings.slice(0, 200)) {
            node.receive({ payload: p })
            await sleep(5)
        }
        await sleep(1500)
        const during = reports.length
        const elapsed = Date.now() - started
        assert.ok(during >= 1, 'a refresh after the pings')
        assert.ok(during <= Math.ceil(elapsed / 1000) + 1, `${during} refreshes in ${elapsed} ms`)
        await sleep(1500)
        assert.equal(reports.length, during, 'nothing changed, nothing sent')
    })

    it('sends on a refresh only the charts whose points changed', async function () {
        await helper.unload()
        const refreshing = flow.map(n => n.id === 'ledger' ? { ...n, reportOnIngest: true, refreshSeconds: '1' } : n)
        await helper.load(installations, refreshing)
        const node = helper.getNode('ledger')
        const charts = []
        helper.getNode('charts').on('input', m => charts.push(m.topic))
        const now = new Date().toISOString()
        const ping = { instanceId: 'steady-a', receivedAt: now, os: { type: 'Linux' }, platform: { counts: { projects: 2 } } }
        let kpis = next('kpis')
        node.receive({ payload: ping })
        await kpis
        await sleep(50)
        assert.deepEqual(charts.slice().sort(), ['active', 'byDriver', 'byLicense', 'byOs', 'byVersion', 'changes', 'instances'], 'the first refresh: every chart')
        // The same ping again is a duplicate: the ledger changed, none of its charts did.
        charts.length = 0
        kpis = next('kpis')
        node.receive({ payload: ping })
        await kpis
        await sleep(50)
        assert.deepEqual(charts, [], 'nothing a chart shows changed')
        // A second install on Windows: the charts of active installs change, as does the OS chart.
        kpis = next('kpis')
        node.receive({ payload: { ...ping, instanceId: 'steady-b', os: { type: 'Windows' } } })
        await kpis
        await sleep(50)
        assert.ok(charts.includes('active') && charts.includes('byOs'), charts.join())
        // A report asked for sends every chart, whatever was sent before.
        const all = collect('charts', 7)
        node.receive({ topic: 'report' })
        assert.equal((await all).length, 7)
    })
})

describe('installations node with a raw log', function () {
    let userDir
    const log = () => path.join(userDir, 'pings.ndjson')
    const logFlow = flow.map(n => n.id === 'ledger' ? { ...n, logFile: 'pings.ndjson' } : n)
    const lines = list => list.map(p => JSON.stringify(p) + '\n').join('')
    const wholeLog = () => {
        const l = new core.InstallationLedger(null)
        l.ingestLog(fs.readFileSync(log()))
        return l.report({ asOf })
    }
    const reportNow = async () => {
        const report = next('report')
        helper.getNode('ledger').receive({ topic: 'report', asOf })
        return (await report).payload
    }

    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => {
        userDir = tempDir()
        helper.settings({ userDir, fileWorkingDirectory: userDir })
    })
    afterEach(() => helper.unload())

    it('builds from the log at start, then reads what the log gains when a message comes', async function () {
        fs.writeFileSync(log(), lines(pings.slice(0, 1500)))
        await helper.load(installations, logFlow)
        assert.deepEqual(await reportNow(), { ...wholeLog(), activeWindowDays: 7 })
        fs.appendFileSync(log(), lines(pings.slice(1500)) + '{"instanceId":"half-writ')
        // The message's payload is not counted: the log already holds that ping.
        helper.getNode('ledger').receive({ payload: pings[0] })
        await sleep(200)
        const report = await reportNow()
        assert.equal(report.accepted, pings.length)
        assert.deepEqual(report.days, core.aggregateInstallations(pings, { asOf }).days)
        fs.appendFileSync(log(), 'ten"}\n')
        helper.getNode('ledger').receive({ payload: 'anything' })
        await sleep(200)
        assert.deepEqual(await reportNow(), { ...wholeLog(), activeWindowDays: 7 })
    })

    it('starts from its checkpoint and the log\'s tail; a damaged checkpoint is set aside and the log read whole', async function () {
        fs.writeFileSync(log(), lines(pings.slice(0, 2000)))
        await helper.load(installations, logFlow)
        const checkpoint = log() + '.checkpoint'
        await waitForFile(checkpoint, 3000)
        assert.ok(fs.statSync(checkpoint).size * 3 < fs.statSync(log()).size, 'a third of the log at most')
        const covered = core.InstallationLedger.fromCheckpoint(fs.readFileSync(checkpoint)).logOffset
        assert.equal(covered, fs.statSync(log()).size)
        await helper.unload()

        fs.appendFileSync(log(), lines(pings.slice(2000)))
        await helper.load(installations, logFlow)
        assert.deepEqual(await reportNow(), { ...wholeLog(), activeWindowDays: 7 })
        await helper.unload()

        const bytes = fs.readFileSync(checkpoint)
        bytes[bytes.length >> 1] ^= 0x55
        fs.writeFileSync(checkpoint, bytes)
        await helper.load(installations, logFlow)
        const warned = helper.getNode('ledger')
        assert.deepEqual(await reportNow(), { ...wholeLog(), activeWindowDays: 7 })
        const aside = fs.readdirSync(userDir).filter(f => f.startsWith('pings.ndjson.checkpoint.unreadable-'))
        assert.equal(aside.length, 1, 'the damaged checkpoint is kept aside')
        assert.deepEqual(fs.readFileSync(path.join(userDir, aside[0])), bytes)
        assert.ok(warned)
    })
})

async function waitForFile (file, timeout) {
    return waitForValue(() => fs.existsSync(file), timeout, `${file} to be written`)
}

async function waitForValue (get, timeout, what = 'a value') {
    const until = Date.now() + timeout
    for (;;) {
        const value = get()
        if (value) return value
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
        await sleep(50)
    }
}
