// Arrays of JavaScript ping objects reach the core packed, without a JSON.stringify of each
// (src/telemetry/sources/objects.js and objects.rs). The outcome must be exactly the text
// path's for any array: every count, every rejection's index, instanceId, field and reason,
// and the report. The reference here is that text path itself: the same core with the pack
// turned off (the walk returning null, which sends every chunk through JSON.stringify as
// before).
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '../..')
const pkg = path.join(root, 'pkg')

// A copy of the core whose pack can be switched off: the walk's module is wrapped before the
// core's JS glue (which takes its export once, as it loads) is loaded afresh.
function coreWithSwitch () {
    const snippets = path.join(pkg, 'snippets')
    const walkFile = path.join(snippets, fs.readdirSync(snippets)[0], 'src/telemetry/sources/objects.js')
    const walk = require(walkFile)
    const real = walk.packPings.real || walk.packPings
    const state = { packing: true, calls: 0 }
    walk.packPings = (...args) => {
        state.calls++
        return state.packing ? real(...args) : null
    }
    walk.packPings.real = real
    const glue = require.resolve(pkg)
    delete require.cache[glue]
    const core = require(glue)
    delete require.cache[glue]
    walk.packPings = real
    return { core, state }
}

const { core, state } = coreWithSwitch()

function fixture (name) {
    return JSON.parse(fs.readFileSync(path.join(root, '../shared/fixtures', name), 'utf8'))
}

// What each batch function gives, with the pack on or off; thrown errors are outcomes too.
function outcomes (pings, packing) {
    state.packing = packing
    const run = f => {
        try {
            return { value: f() }
        } catch (e) {
            return { threw: String(e && e.message), field: e && e.field }
        }
    }
    try {
        const ledger = new core.InstallationLedger()
        const ingest = run(() => ledger.ingestMany(pings))
        const report = run(() => ledger.report({ asOf: '2026-02-01' }))
        ledger.free()
        return {
            ingest,
            report,
            validate: run(() => core.validatePings(pings, {})),
            validateNow: run(() => core.validatePings(pings, { now: Date.parse('2026-01-03T00:00:00Z') })),
            aggregate: run(() => core.aggregateInstallations(pings, { asOf: '2026-02-01' })),
            uptake: run(() => core.versionUptake(pings, { asOf: '2026-02-01' })),
            conversions: run(() => core.installationConversions(pings, { asOf: '2026-02-01', dimension: 'driver' }))
        }
    } finally {
        state.packing = true
    }
}

function assertSame (pings, what) {
    const packed = outcomes(pings, true)
    const text = outcomes(pings, false)
    for (const key of Object.keys(text)) assert.deepStrictEqual(packed[key], text[key], `${what}: ${key}`)
    return packed
}

const AT = '2026-01-05T10:00:00.000Z'

function ping (id, extra = {}) {
    return {
        instanceId: id,
        receivedAt: AT,
        os: { type: 'Linux', arch: 'x64' },
        env: { flowforge: '2.33.2', nodejs: 'v20.20.2' },
        platform: { counts: { projects: 3, devices: 1, projectsByState: { suspended: 0 } }, config: { driver: 'docker' }, license: { id: '', type: 'CE' } },
        ...extra
    }
}

function flat (id, extra = {}) {
    return {
        instanceId: id,
        created_at: '2026-01-05 10:00:00',
        'os.type': 'Darwin',
        'env.flowforge': '2.18.0',
        'platform.config.driver': 'localfs',
        'platform.counts.projects': 2,
        'platform.counts.projectsByState.suspended': 1,
        ...extra
    }
}

function nest (depth, leaf = 1) {
    let v = leaf
    for (let i = 0; i < depth; i++) v = { a: v }
    return v
}

function withCount (value) {
    return ping('count', { platform: { counts: { projects: value } } })
}

const sparse = [1, 2, 3]
delete sparse[1]

class Ping {
    constructor () {
        this.instanceId = 'class'
        this.receivedAt = AT
    }
}

function getter (value, throws = false) {
    const p = ping('getter')
    Object.defineProperty(p, 'os', { enumerable: true, get () { if (throws) throw new Error('no os'); return value } })
    return p
}

const cyclic = ping('cyclic')
cyclic.platform.self = cyclic

const nullProto = Object.assign(Object.create(null), ping('null-proto'))
nullProto.os = Object.assign(Object.create(null), { type: 'Linux' })

// Every kind of ping the pass must be sure of, or send to the text path.
const ODD = [
    ping('plain'),
    flat('flat'),
    { ...ping('twins'), 'os.type': 'FlatWins', 'platform.counts.projects': 9 },
    { 'os.type': 'FlatFirst', ...ping('twins-2') },
    { instanceId: 'a', 'instanceId.x': 1, receivedAt: AT },
    fixture('ping-flowfuse-2.33.2-ce-stub.json'),
    fixture('ping-flowfuse-2.4.0-ce-localfs.json'),
    { ...fixture('ping-flowfuse-2.33.2-ce-stub.json'), receivedAt: AT },
    { ...fixture('ping-flowfuse-2.4.0-ce-localfs.json'), created_at: '2026-01-04 23:59:59.999' },
    fixture('admin-stats-ce.json'),
    ...[0, -0, 1, -1, 1.5, -1.5, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), -(2 ** 53) - 2, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324,
        Number.MAX_VALUE, '3', true, false, null, [], [1, 2], {}, { a: 1 }, { a: -0.5 }, undefined, () => 1, Symbol('s'), 10n].map(withCount),
    ping('epoch', { receivedAt: 1767607200000 }),
    ping('epoch-fraction', { receivedAt: 1767607200000.5 }),
    ping('epoch-negative', { receivedAt: -1 }),
    ping('epoch-nan', { receivedAt: NaN }),
    ping('old', { receivedAt: '2019-01-01T00:00:00Z' }),
    ping('future', { receivedAt: '2026-01-10T00:00:00Z' }),
    ping('bad-date', { receivedAt: 'last tuesday' }),
    ping('date-object', { receivedAt: new Date(AT) }),
    new Date(AT),
    ping('ctl\n\u0000id'),
    ping('tab', { os: { type: 'Lin\tux' } }),
    ping('del', { os: { type: 'Lin\u007fux' } }),
    ping('sur-\ud800'),
    ping('sur-low', { os: { type: '\udc00x' } }),
    ping('sur-unread', { notes: 'x\ud83d' }),
    ping('pair-ok', { os: { type: '😀' }, notes: 'é😀' }),
    ping('é😀 ok'),
    ping('x'.repeat(257)),
    ping('y'.repeat(300), { receivedAt: 'bad' }),
    ping(''),
    ping('   '),
    ping(42),
    ping({ id: 'a' }),
    ping(['a']),
    ping(null),
    ping(undefined),
    { receivedAt: AT },
    { instanceId: 'no-time' },
    ping('long-os', { os: { type: 'L'.repeat(33) } }),
    ping('version-number', { env: { flowforge: 2.33 } }),
    ping('version-odd', { env: { flowforge: 'nightly' } }),
    ping('os-object', { os: { type: { name: 'Linux' } } }),
    ping('os-array', { os: { type: ['Linux'] } }),
    ping('os-empty', { os: {} }),
    ping('proto', JSON.parse('{"__proto__": {"x": 1}}')),
    ping('proto-counts', { platform: JSON.parse('{"counts": {"__proto__": 1}}') }),
    ping('constructor', { constructor: { x: 1 } }),
    ping('dotted-reserved', { 'a.prototype.b': 1 }),
    ping('constructors', { constructors: 1 }),
    ping('prototypes', { platform: { counts: { prototypes: 4 } } }),
    ping('ctl-key', { 'a\nb': 1 }),
    ping('ctl-key-2', { platform: { counts: { 'x\u0001': 2 } } }),
    ping('sur-key', { ['k\ud800']: 1 }),
    ping('empty-key', { '': 1, platform: { counts: { '': 1, 'a..b': 2, '.a': 3, 'b.': 4 } } }),
    ping('flat-prefix', { 'platform.counts.': 5, 'platform.counts': 6 }),
    ping('numeric-keys', { 2: 'two', 1: 'one', platform: { counts: { 10: 1, 9: 2, b: 3, a: 4 } } }),
    ping('deep-counts', { platform: { counts: { a: { b: { c: { d: 7 } } } } } }),
    ...[10, 11, 12, 13, 14, 15, 16, 17, 20, 40, 130, 3000].map(d => ping(`deep-${d}`, { x: nest(d) })),
    ping('deep-counts-16', { platform: { counts: nest(14) } }),
    ping('array-of-objects', { tags: [{ a: 1 }] }),
    ping('array-of-arrays', { tags: [[1]] }),
    ping('array-mixed', { tags: [1, -2.5, 'x', true, null, NaN] }),
    ping('array-undefined', { tags: [undefined] }),
    ping('array-function', { tags: [() => 1] }),
    ping('array-sparse', { tags: sparse }),
    ping('array-surrogate', { tags: ['\ud800'] }),
    ping('array-bigint', { tags: [1n] }),
    ping('typed-array', { tags: new Uint8Array([1, 2]) }),
    ping('map', { os: new Map([['type', 'Linux']]) }),
    ping('boxed', { os: { type: new String('Linux') } }),
    ping('own-tojson', { os: { type: 'Linux', toJSON () { return { type: 'Other' } } } }),
    ping('own-tojson-key', { os: { toJSON (key) { return { type: 'k' + key } } } }),
    ping('tojson-string', { toJSON: 'not a function' }),
    // A toJSON that for-in does not see is still called by JSON.stringify.
    Object.defineProperty(ping('hidden-tojson'), 'toJSON', { value: () => ping('hidden-tojson-said') }),
    ping('hidden-tojson-nested', { os: Object.defineProperty({ type: 'Linux' }, 'toJSON', { value: () => ({ type: 'Other' }) }) }),
    ping('array-tojson', { platform: { flags: Object.assign(['a'], { toJSON: () => 'not an array' }) } }),
    // Keys below an empty key are read as if it were not there, by the text readers too.
    { '': { instanceId: 'below-empty', receivedAt: AT, platform: { counts: { projects: 3 } } } },
    ping('empty-key-counts', { platform: { counts: { '': { projects: 4 } } } }),
    { toJSON (key) { return ping('whole-tojson-' + key) } },
    { toJSON () { throw new Error('no') } },
    new Ping(),
    nullProto,
    getter({ type: 'Getter' }),
    getter(undefined),
    getter(null, true),
    cyclic,
    ping('undefined-field', { os: undefined }),
    ping('function-field', { os () {} }),
    ping('symbol-field', { os: Symbol('x') }),
    ping('symbol-key', { [Symbol('k')]: 1 }),
    ping('bigint-field', { size: 5n }),
    ping('float-unread', { load: 0.25, mem: -3, big: 1e300 }),
    ping('nan-unread', { load: NaN, up: Infinity }),
    ping('duplicate'),
    ping('duplicate'),
    null,
    1,
    'a string',
    true,
    [],
    [ping('in-array')],
    undefined,
    () => 1,
    Symbol('ping'),
    10n
]

describe('arrays of ping objects, packed', function () {
    this.timeout(600000)

    it('read every odd ping exactly as the text path does, one at a time', function () {
        ODD.forEach((p, i) => assertSame([p], `ODD[${i}] ${String(p && p.instanceId)}`))
    })

    it('read the odd pings all together, and an array with holes, as the text path does', function () {
        assertSame(ODD, 'all')
        const holes = [ping('h1'), , ping('h2')] // eslint-disable-line no-sparse-arrays
        holes.length = 5
        assertSame(holes, 'holes')
    })

    it('read random mixes of odd and common pings as the text path does', function () {
        let seed = 22
        const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
        const common = core.demoPings({ installs: 20, days: 5, start: '2026-01-01' })
        for (let round = 0; round < 40; round++) {
            const n = 1 + Math.floor(random() * 60)
            const mix = []
            for (let i = 0; i < n; i++) mix.push(random() < 0.3 ? ODD[Math.floor(random() * ODD.length)] : common[Math.floor(random() * common.length)])
            assertSame(mix, `mix ${round}`)
        }
    })

    it('read chunks alike across the chunk size, an odd ping in one chunk only', function () {
        const common = core.demoPings({ installs: 700, days: 60, start: '2025-11-01' })
        assert.ok(common.length > 20000, `${common.length} pings`)
        for (const odd of [10n, ping('sur-\ud800'), undefined, ping('deep', { x: nest(20) }), withCount(1.5)]) {
            const pings = common.slice(0, 20005)
            pings.splice(19999, 0, odd)
            pings.push(odd)
            assertSame(pings, `chunks with ${String(odd && odd.instanceId)}`)
        }
    })

    it('takes the packed path for the common pings', function () {
        const common = [
            ...core.demoPings({ installs: 50, days: 30, start: '2026-01-01' }),
            ping('plain'),
            flat('flat'),
            { ...fixture('ping-flowfuse-2.33.2-ce-stub.json'), receivedAt: AT },
            { ...fixture('ping-flowfuse-2.4.0-ce-localfs.json'), receivedAt: AT }
        ]
        const before = core.pingsReadPacked()
        const calls = state.calls
        const outcome = new core.InstallationLedger().ingestMany(common)
        assert.equal(core.pingsReadPacked() - before, common.length, 'every common ping read from the pack')
        assert.equal(state.calls - calls, 1, 'one pack for the chunk')
        assert.equal(outcome.accepted, common.length)
        // And the same pings through the text path give the same.
        assertSame(common, 'common')
    })

    it('the odd pings do leave the pack', function () {
        const before = core.pingsReadPacked()
        outcomes([ping('sur-\ud800'), withCount(1.5), ping('proto', JSON.parse('{"__proto__": 1}')), new Date(AT), ping('ok')], true)
        // Six batch calls each read `ping('ok')` from the pack, and nothing else.
        assert.equal(core.pingsReadPacked() - before, 6)
    })
})
