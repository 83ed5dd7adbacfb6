// The WebAssembly boundary: what `require('pkg')` gives JavaScript. Values are checked
// against figures worked out independently (DESIGN.md's table, Math.pow), errors must be
// real Errors naming the field, and results plain JSON (no Map, no undefined).
const assert = require('node:assert/strict')
const core = require('../../pkg')

/** True when the value survives JSON unchanged: plain objects, arrays, numbers, strings, null. */
function isPlainJson (value) {
    return JSON.stringify(value) === JSON.stringify(JSON.parse(JSON.stringify(value))) &&
        !containsOddTypes(value)
}
function containsOddTypes (v) {
    if (v === undefined || v instanceof Map || typeof v === 'bigint') return true
    if (Array.isArray(v)) return v.some(containsOddTypes)
    if (v && typeof v === 'object') {
        if (Object.getPrototypeOf(v) !== Object.prototype) return true
        return Object.values(v).some(containsOddTypes)
    }
    return false
}

describe('core at the WebAssembly boundary', function () {
    it('reproduces the DESIGN.md reference table to the cent', function () {
        const table = { 0.20: 1310463.09, 0.10: 14204.29, 0.07: 3372.53, 0.06: 2069.69, 0.05: 1264.28, 0.04: 768.66, 0.03: 465.09, 0.02: 280.03, 0.01: 167.77, 0.005: 129.61 }
        for (const [rate, expected] of Object.entries(table)) {
            const r = core.projectGrowth({ start: 100, weeklyRate: Number(rate), weeks: 52 })
            assert.equal(Math.round(r.end * 100) / 100, expected, `rate ${rate}`)
            assert.equal(r.points.length, 53)
        }
    })

    it('returns plain JSON objects with null, never undefined or Map', function () {
        const projection = core.projectGrowth({ start: 100, weeklyRate: 0.05, weeks: 4 })
        assert.ok(isPlainJson(projection))
        assert.deepEqual(Object.keys(projection).sort(), ['end', 'monthlyRate', 'multiple', 'points', 'rating', 'start', 'weeklyRate', 'weeks', 'yearlyRate'])
        assert.ok(Math.abs(projection.monthlyRate - (Math.pow(1.05, 52 / 12) - 1)) < 1e-12)
        assert.ok(Math.abs(projection.yearlyRate - (Math.pow(1.05, 52) - 1)) < 1e-12)
        const wow = core.weekOnWeek([{ date: '2026-01-05', value: 0 }, { date: '2026-01-12', value: 4 }], { aggregate: 'last' })
        assert.ok(isPlainJson(wow))
        assert.equal(wow.weeks[1].growth, null)
        assert.equal(wow.weeks[0].previous, null)
        assert.equal(wow.summary.averageGrowth, null)
    })

    it('answers the target questions with numbers or null', function () {
        assert.ok(Math.abs(core.requiredWeeklyRate({ start: 100, target: 200, weeks: 10 }) - (Math.pow(2, 0.1) - 1)) < 1e-12)
        assert.ok(Math.abs(core.weeksToTarget({ start: 100, target: 200, weeklyRate: 0.05 }) - Math.log(2) / Math.log(1.05)) < 1e-9)
        assert.equal(core.weeksToTarget({ start: 100, target: 200, weeklyRate: 0 }), null)
    })

    it('labels 2026-12-21 … 2027-01-10 as W52, W53, W01 and the asOf week partial', function () {
        const points = []
        for (let i = 0; i < 21; i++) points.push({ x: Date.UTC(2026, 11, 21 + i, 12), y: i === 8 ? 0 : 10 + i })
        const r = core.weekOnWeek(points, { aggregate: 'sum', asOf: Date.UTC(2027, 0, 9) })
        assert.deepEqual(r.weeks.map(w => w.week), ['2026-W52', '2026-W53', '2027-W01'])
        assert.deepEqual(r.weeks.map(w => w.partial), [false, false, true])
        // Sums by hand: W52 = 10+…+16 = 91; W53 = 17+…+23 − 18 (day 8 is 0) = 122; W01 to the 9th = 24+…+29 = 159.
        assert.deepEqual(r.weeks.map(w => w.value), [91, 122, 159])
        assert.equal(r.summary.completeWeeks, 2)
        assert.ok(Math.abs(r.summary.latestGrowth - (122 - 91) / 91) < 1e-15)
    })

    it('throws real Errors that name the field, and stays usable afterwards', function () {
        const cases = [
            [() => core.projectGrowth({ start: -1, weeklyRate: 0.05, weeks: 52 }), 'start'],
            [() => core.projectGrowth({ start: Infinity, weeklyRate: 0.05, weeks: 52 }), 'start'],
            [() => core.projectGrowth({ start: 100, weeklyRate: -1, weeks: 52 }), 'weeklyRate'],
            [() => core.projectGrowth({ start: 100, weeklyRate: NaN, weeks: 52 }), 'weeklyRate'],
            [() => core.projectGrowth({ start: 100, weeklyRate: 0.05, weeks: 2.5 }), 'weeks'],
            [() => core.projectGrowth({ start: 100, weeklyRate: 0.05 }), 'weeks'],
            [() => core.projectGrowth(undefined), 'input'],
            [() => core.weekOnWeek([{ date: '2026-02-31', value: 1 }]), 'points[0].date'],
            [() => core.weekOnWeek([{ date: '2026-02-01', value: Infinity }]), 'points[0].value'],
            [() => core.weekOnWeek('not a list'), 'points'],
            [() => core.weekOnWeek([], { aggregate: 'avg' }), 'aggregate']
        ]
        for (const [call, field] of cases) {
            assert.throws(call, err => {
                assert.ok(err instanceof Error, 'a real Error')
                assert.equal(err.field, field, err.message)
                assert.ok(err.message.startsWith(field + ': '), err.message)
                return true
            })
        }
        assert.equal(Math.round(core.projectGrowth({ start: 100, weeklyRate: 0.05, weeks: 52 }).end * 100) / 100, 1264.28)
    })
})

describe('installation ledger at the WebAssembly boundary', function () {
    const pings = core.demoPings({ installs: 60, days: 90, start: '2026-03-01', seed: 11 })

    it('gives the batch result one ping at a time, through a JSON round trip', function () {
        const batch = core.aggregateInstallations(pings, { activeWindowDays: 7, asOf: '2026-06-01' })
        let ledger = new core.InstallationLedger()
        pings.slice(0, 1000).forEach(p => ledger.ingest(p))
        ledger = new core.InstallationLedger(JSON.parse(JSON.stringify(ledger.toJSON())))
        pings.slice(1000).forEach(p => ledger.ingest(p))
        assert.deepEqual(ledger.report({ asOf: '2026-06-01' }), batch)
        assert.ok(isPlainJson(batch))
        assert.equal(ledger.installations, batch.installations)
    })

    it('reads an NDJSON raw log, a torn line rejected by its number', function () {
        const ledger = new core.InstallationLedger()
        const outcome = ledger.ingestNdjson(pings.slice(0, 50).map(p => JSON.stringify(p)).join('\n') + '\n{"instanceId":"a","rec')
        assert.equal(outcome.accepted, 50)
        assert.deepEqual(outcome.rejected.map(r => r.field), ['line 51'])
    })

    it('refuses only the ping too deep to read, in a batch and when validating', function () {
        const deep = JSON.parse('{"instanceId":"deep","x":' + '{"a":'.repeat(10000) + '1' + '}'.repeat(10000) + '}')
        const ok = pings[0]
        const ledger = new core.InstallationLedger()
        const outcome = ledger.ingestMany([ok, deep, pings[1]])
        assert.equal(outcome.accepted, 2)
        assert.deepEqual(outcome.rejected.map(r => [r.index, r.instanceId, r.field]), [[1, 'deep', 'ping']])
        const checked = core.validatePings([ok, deep, pings[1]], {})
        assert.deepEqual(checked.valid.map(v => v.index), [0, 2])
        assert.deepEqual(checked.rejected.map(r => [r.index, r.reason]), [[1, 'ping: is nested too deeply to read']])
    })

    it('refuses a bad ping with an Error naming the field and leaves the ledger as it was', function () {
        const ledger = new core.InstallationLedger()
        ledger.ingest(pings[0])
        const before = JSON.stringify(ledger.report({}).days)
        assert.throws(() => ledger.ingest({ instanceId: 'x', receivedAt: '2026-03-01T00:00:00Z', platform: { counts: { devices: 1.5 } } }),
            err => err instanceof Error && err.field === 'platform.counts.devices')
        assert.equal(JSON.stringify(ledger.report({}).days), before)
        assert.throws(() => new core.InstallationLedger({ format: 'something else' }), err => err.field === 'state.format')
    })
})

describe('the ledger\'s overflow at the WebAssembly boundary', function () {
    it('counts every value past the bounds under other, and gives their total', function () {
        const ledger = new core.InstallationLedger(null, { maxValuesPerDimension: 1, maxCountKeys: 1 })
        // Three installs, each a new driver and OS and two count keys: past the bound of one,
        // the second and third driver (2), OS (2) and every count key but the first (5).
        for (let i = 0; i < 3; i++) {
            ledger.ingest({ instanceId: `i${i}`, receivedAt: '2026-01-05T10:00:00Z', os: { type: `os${i}` }, platform: { config: { driver: `d${i}` }, counts: { [`a${i}`]: 1, [`b${i}`]: 1 } } })
        }
        const o = ledger.overflow
        assert.deepEqual([o.driver, o.os, o.counts], [2, 2, 5])
        assert.equal(ledger.overflowTotal, o.driver + o.os + o.version + o.license + o.counts)
    })
})
