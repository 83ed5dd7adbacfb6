// The WebAssembly boundary of the front page's analytics and of the ledger's checkpoint:
// plain objects with null (never undefined), Errors that name the field, and the same
// figures whichever way they are asked for.
const assert = require('node:assert/strict')
const core = require('../../pkg')

const pings = core.demoPings({ installs: 60, days: 150, start: '2026-01-01', seed: 5 })
const asOf = '2026-05-30'

describe('analytics at the WebAssembly boundary', function () {
    const ledger = new core.InstallationLedger(null)
    ledger.ingestMany(pings)

    it('gives the same growth accounting from the ledger and from the report\'s days', function () {
        const fromLedger = ledger.accounting({ asOf })
        const report = ledger.report({ asOf })
        assert.deepEqual(core.growthAccounting(report.days), fromLedger)
        // Net is new + resurrected − churned, and equals the change of active week to week.
        for (let i = 1; i < fromLedger.length; i++) {
            const w = fromLedger[i]
            assert.equal(w.net, w.new + w.resurrected - w.churned, w.week)
            assert.equal(w.net, w.active - fromLedger[i - 1].active, w.week)
            assert.equal(w.quickRatio, w.churned ? (w.new + w.resurrected) / w.churned : null)
        }
        assert.ok(fromLedger.at(-1).partial, '2026-05-30 is a Saturday: its week is in progress')
    })

    it('names the bad day of a growthAccounting input', function () {
        const days = ledger.report({ asOf }).days.slice(0, 3)
        assert.throws(() => core.growthAccounting([days[0], days[2]]), err => err.field === 'days[1].date')
        assert.throws(() => core.growthAccounting([{ ...days[0], removed: -1 }]), err => err.field === 'days[0].removed')
        assert.throws(() => core.growthAccounting('x'), err => err.field === 'days')
    })

    it('gives retention with null for weeks not complete, never undefined', function () {
        const cohorts = ledger.retention({ asOf })
        const last = cohorts.at(-1)
        assert.ok(last.retained.every(c => c.retained === null && c.share === null), 'the newest cohort has no complete week yet')
        const first = cohorts[0]
        const twelve = first.retained.find(c => c.weeks === 12)
        assert.equal(twelve.share, twelve.retained / first.size)
        assert.equal(first.retained.find(c => c.weeks === 52).retained, null)
        assert.equal(JSON.stringify(cohorts).includes('undefined'), false)
    })

    it('makes an overview row and names a bad target', function () {
        const points = ledger.report({ asOf }).days.map(d => ({ date: d.date, value: d.active }))
        const row = core.overviewRow('active installs', points, { asOf, target: { value: 1000, date: '2026-12-31' } })
        const weeks = core.weekOnWeek(points, { aggregate: 'last', asOf }).weeks.filter(w => !w.partial)
        assert.equal(row.latest, weeks.at(-1).value)
        assert.deepEqual(row.sparkline.map(p => p.value), weeks.slice(-12).map(w => w.value))
        assert.equal(row.target.required_rate, undefined)
        assert.equal(typeof row.target.requiredRate, 'number')
        assert.equal(row.target.reached, false)
        assert.throws(() => core.overviewRow('m', points, { target: { value: 10, date: 'soon' } }), err => err.field === 'target.date')
        assert.throws(() => core.overviewRow('m', points, { target: { value: 0, date: '2026-12-31' } }), err => err.field === 'target.value')
        assert.throws(() => core.overviewRow('', points, {}), err => err.field === 'metric')
    })
})

describe('segments, conversions and uptake at the WebAssembly boundary', function () {
    const ledger = new core.InstallationLedger(null)
    ledger.ingestMany(pings)
    const whole = ledger.report({ asOf })
    const licences = [...new Set(whole.days.flatMap(d => Object.keys(d.byLicense)))]

    it('gives a segment\'s report from the ledger as the batch does, and the segments sum to the whole', function () {
        assert.ok(licences.length >= 2, licences.join())
        const reports = licences.map(value => {
            const segment = { dimension: 'license', value }
            const report = ledger.report({ asOf, segment })
            assert.deepEqual(core.aggregateInstallations(pings, { asOf, segment }), report, value)
            assert.deepEqual(report.segment, segment)
            return report
        })
        whole.days.forEach((day, i) => {
            const of = key => reports.reduce((n, r) => n + r.days[i][key], 0)
            for (const key of ['active', 'added', 'removed', 'resurrected', 'hosted', 'remote']) assert.equal(of(key), day[key], `${day.date} ${key}`)
            assert.equal(of('movedIn'), of('movedOut'), day.date)
            reports.forEach((r, j) => assert.equal(r.days[i].active, day.byLicense[licences[j]] ?? 0))
        })
        assert.equal('movedIn' in whole.days[0], false, 'the whole report has no moves')
        assert.equal('segment' in whole, false)
    })

    it('gives conversions and uptake from the ledger as the batch does, and names a bad option', function () {
        const conversions = ledger.conversions({ asOf, dimension: 'version' })
        assert.deepEqual(core.installationConversions(pings, { asOf, dimension: 'version' }), conversions)
        assert.ok(conversions.length > 0, 'the demo upgrades installs')
        assert.ok(conversions.every(c => /^\d{4}-W\d{2}$/.test(c.week) && c.from !== c.to && c.count > 0))
        const uptake = ledger.uptake({ asOf })
        assert.deepEqual(core.versionUptake(pings, { asOf }), uptake)
        assert.ok(uptake.length > 1 && uptake.every(u => u.version !== 'unknown'))
        assert.ok(uptake.every(u => u.daysTo50 === null || Number.isInteger(u.daysTo50)))
        assert.throws(() => ledger.conversions({ asOf }), err => err.field === 'dimension' && /must be one of driver, os, version, license, got nothing/.test(err.message))
        assert.throws(() => ledger.report({ segment: { dimension: 'plan', value: 'x' } }), err => err.field === 'segment.dimension')
        assert.throws(() => core.aggregateInstallations(pings, { segment: { dimension: 'license' } }), err => err.field === 'segment.value')
    })
})

describe('the ledger checkpoint at the WebAssembly boundary', function () {
    it('round-trips through bytes and refuses damage by name', function () {
        const ledger = new core.InstallationLedger(null)
        const text = Buffer.from(pings.map(p => JSON.stringify(p)).join('\n') + '\n{"instanceId":"half')
        const outcome = ledger.ingestLog(text)
        assert.equal(outcome.read, text.lastIndexOf(0x0a) + 1, 'the unfinished line is left for the next read')
        assert.equal(ledger.logOffset, outcome.read)
        ledger.sourceKey = '{"createdAt":"2026-05-30 10:00:00"}'
        const bytes = ledger.checkpoint()
        assert.ok(bytes instanceof Uint8Array)
        const restored = core.InstallationLedger.fromCheckpoint(bytes)
        assert.deepEqual(restored.report({ asOf }), ledger.report({ asOf }))
        assert.equal(restored.logOffset, ledger.logOffset)
        assert.equal(restored.sourceKey, ledger.sourceKey)
        const damaged = Uint8Array.from(bytes)
        damaged[damaged.length - 1] ^= 1
        assert.throws(() => core.InstallationLedger.fromCheckpoint(damaged), err => err instanceof Error && err.field === 'checkpoint' && /checksum/.test(err.message))
    })
})
