const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const telemetryPing = localised(require('../nodes/telemetry-ping.js'))

helper.init(require.resolve('node-red'))

const fixtures = path.resolve(__dirname, '../../../shared/fixtures')
const fixture = name => JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8'))

const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'ping', z: 'f1', type: 'telemetry-ping', wires: [['valid'], ['rejected']] },
    { id: 'valid', z: 'f1', type: 'helper' },
    { id: 'rejected', z: 'f1', type: 'helper' }
]

const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))

describe('telemetry-ping node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => helper.load(telemetryPing, flow))
    afterEach(() => helper.unload())

    it('stamps a FlowFuse ping with the time it arrived and normalises it', async function () {
        const got = next('valid')
        const before = Date.now()
        helper.getNode('ping').receive({ payload: fixture('ping-flowfuse-2.33.2-ce-stub.json') })
        const msg = await got
        const stamped = Date.parse(msg.payload.receivedAt)
        assert.ok(stamped >= before && stamped <= Date.now(), msg.payload.receivedAt)
        assert.equal(msg.payload.os.release, '6.18.44-fc-v669', 'the ping is passed on whole')
        assert.equal(msg.ping.instanceId, '2c3f012c-fe61-4cf7-8b77-1ce9e7fd2092')
        assert.deepEqual([msg.ping.driver, msg.ping.os, msg.ping.version, msg.ping.license], ['stub', 'Linux', '2.33', 'CE'])
        assert.equal(msg.ping.counts.devices, 1)
    })

    it('splits a batch: valid rows on, rejected ones out with reasons, none lost', async function () {
        const rows = [
            { ...fixture('ping-flowfuse-2.4.0-ce-localfs.json'), receivedAt: '2026-01-05T10:00:00Z' },
            { instanceId: '', created_at: '2026-01-05 10:00:00' },
            { instanceId: 'b', created_at: '2026-01-05 11:00:00', 'platform.counts.projects': 4 },
            { instanceId: 'c', created_at: '2026-01-05 11:00:00', 'platform.counts.devices': '4' }
        ]
        const got = Promise.all([next('valid'), next('rejected')])
        helper.getNode('ping').receive({ payload: rows })
        const [valid, rejected] = await got
        assert.deepEqual(valid.payload.map(p => p.instanceId), ['3503bd03-286f-48fb-b254-ce90c4e51260', 'b'])
        assert.equal(valid.payload[1].receivedAt, undefined, 'a row with created_at is not restamped')
        assert.equal(valid.pings[1].receivedAt, '2026-01-05T11:00:00.000Z')
        assert.deepEqual(rejected.payload.map(r => [r.index, r.field]), [[1, 'instanceId'], [3, 'platform.counts.devices']])
        assert.equal(rejected.payload[1].ping.instanceId, 'c')
        assert.match(rejected.payload[1].reason, /^platform\.counts\.devices: must be a non-negative integer/)
    })

    it('sends a single bad ping to output 2 with the field named', async function () {
        const got = next('rejected')
        helper.getNode('ping').receive({ payload: { instanceId: 'x', receivedAt: 'soon' } })
        const msg = await got
        assert.equal(msg.error.field, 'receivedAt')
        assert.equal(msg.payload.instanceId, 'x')
    })
})
