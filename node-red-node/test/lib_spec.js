// The small contracts of lib/ that the nodes lean on: formatting, pacing, target checking,
// the checkpoint's one timer.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const core = require('../lib/core')
const { formatShare, formatRate } = require('../lib/format')
const { paced, pacedStatus } = require('../lib/pace')
const { checkTarget } = require('../lib/overview/targets')
const { checkpointKeeper } = require('../lib/ping-source/checkpoint')
const { analyticsMessages } = require('../lib/views/installations')

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

describe('lib/', function () {
    it('formatShare: a share as a percentage without a sign', function () {
        for (const x of [0, 0.00001, 0.123456, 0.5, 1]) assert.equal(formatShare(x), formatRate(x).replace(/^\+/, ''))
        assert.equal(formatShare(0.25), '25.00%')
        assert.equal(formatShare(null), '–')
    })

    it('paced: at most one run per interval, the first at once, nothing after stop', async function () {
        const runs = []
        const refresh = paced(() => runs.push(Date.now()), 200)
        refresh.request()
        refresh.request()
        await sleep(20)
        assert.equal(runs.length, 1, 'the first at once; a request while due joins it')
        refresh.request()
        await sleep(100)
        assert.equal(runs.length, 1, 'not before the interval')
        await sleep(150)
        assert.equal(runs.length, 2)
        assert.ok(runs[1] - runs[0] >= 190)
        refresh.request()
        refresh.stop()
        await sleep(250)
        assert.equal(runs.length, 2)
    })

    it('pacedStatus: a success status at most every interval, the first at once, the last always shown; any other at once', async function () {
        const EventEmitter = require('node:events')
        const node = new EventEmitter()
        const shown = []
        node.status = s => shown.push(s.text)
        const succeeded = pacedStatus(node, 100)
        let made = 0
        const ok = text => succeeded(() => { made++; return { fill: 'green', text } })
        ok('1')
        ok('2')
        ok('3')
        assert.deepEqual(shown, ['1'], 'the first at once')
        await sleep(130)
        assert.deepEqual(shown, ['1', '3'], 'the latest when the time is up')
        assert.equal(made, 2, 'a status not shown is never made')
        ok('4')
        node.status({ fill: 'red', text: 'bad' })
        await sleep(130)
        assert.deepEqual(shown, ['1', '3', 'bad'], 'a red status drops the success waiting')
        ok('5')
        assert.deepEqual(shown, ['1', '3', 'bad', '5'], 'a success after a red status at once')
        node.status({ fill: 'red', text: 'bad again' })
        ok('6')
        ok('7')
        assert.deepEqual(shown.slice(4), ['bad again', '6'], 'at once however recent the last success')
        node.emit('close')
        await sleep(130)
        assert.deepEqual(shown.slice(4), ['bad again', '6'], 'nothing after close')
    })

    it('checkTarget: a target or its removal, errors naming the field', function () {
        assert.deepEqual(checkTarget({ metric: ' teams ', value: '120', date: '2026-06-30T00:00' }, ['teams']), { metric: 'teams', value: 120, date: '2026-06-30' })
        assert.deepEqual(checkTarget({ metric: 'teams', value: '' }, ['teams']), { metric: 'teams', remove: true })
        assert.throws(() => checkTarget({ metric: 'x', value: 1, date: '2026-01-01' }, ['teams']), { field: 'metric', message: 'metric: "x" is not one of the overview\'s metrics' })
        assert.throws(() => checkTarget({ metric: 'teams', value: -1, date: '2026-01-01' }, ['teams']), { field: 'value' })
        assert.throws(() => checkTarget({ metric: 'teams', value: 1, date: 'soon' }, ['teams']), { field: 'date' })
    })

    it('checkpointKeeper: one timer, brought forward, never pushed back; one write per burst', async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-keeper-'))
        const file = path.join(dir, 'ledger.checkpoint')
        const ledger = new core.InstallationLedger(null, { activeWindowDays: 7 })
        const logs = []
        const context = {}
        const node = { log: l => logs.push(l), error: e => { throw e }, context: () => ({ set: (k, v, store, done) => { context[k] = v; done() } }) }
        const keeper = checkpointKeeper(node, { file, ledger: () => ledger, text: (key, vars) => `${key} ${vars.file}` })
        ledger.ingest({ instanceId: 'a', receivedAt: '2026-01-05T10:00:00Z' })
        keeper.changed(5000)
        keeper.changed(50) // brought forward
        keeper.changed(5000) // not pushed back
        await sleep(200)
        assert.deepEqual(logs, ['log.checkpointWritten ledger.checkpoint'])
        assert.equal(context['installations-checkpoint'].file, file)
        assert.equal(core.InstallationLedger.fromCheckpoint(fs.readFileSync(file), { activeWindowDays: 7 }).installations, 1)
        await keeper.close()
        assert.equal(logs.length, 1, 'nothing new, nothing written')
        keeper.changed(10)
        await sleep(50)
        assert.equal(logs.length, 1, 'no timer after close')
        fs.rmSync(dir, { recursive: true, force: true })
    })

    it('analyticsMessages: the core\'s weeks newest first, retention with its columns', function () {
        const week = { week: '2026-W02', start: '2026-01-05', new: 3, resurrected: 1, churned: 0, net: 4, quickRatio: null, active: 9 }
        const first = {}
        const [, , table, retention] = analyticsMessages({
            weeks: [{ ...week, week: '2026-W01' }, week],
            chart: [],
            cohorts: [{ week: '2026-W01', start: '2025-12-29', size: 4, retained: [{ weeks: 1, share: 0.5 }, { weeks: 2, share: null }] }],
            retentionWeeks: [1, 2]
        }, first)
        assert.deepEqual(table.payload.map(r => r.week), ['2026-W02', '2026-W01'])
        assert.equal(table.payload[0].quickRatio, '– (none churned)')
        assert.equal(table.payload[0].net, '+4')
        assert.deepEqual(retention.payload, [{ cohort: '2026-W01', start: '2025-12-29', size: 4, w1: '50.00%', share1: 0.5, w2: '', share2: null }])
        assert.deepEqual(retention.weeks, [1, 2])
        assert.deepEqual(first.retentionWeeks, [1, 2])
    })
})
