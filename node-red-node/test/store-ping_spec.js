// The store ping node with no database: the raw log through one open file, and, set to
// answer, the whole collector between http in and http response (FlowFuse's answers).
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const storePing = localised(require('../nodes/store-ping.js'))

helper.init(require.resolve('node-red'))

const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))

describe('store ping node, raw log', function () {
    let dir
    const flow = (extra = {}) => [
        { id: 'f1', type: 'tab' },
        { id: 'store', z: 'f1', type: 'store-ping', logFile: path.join(dir, 'logs', 'pings.ndjson'), wires: [['ok'], ['answer']], ...extra },
        { id: 'ok', z: 'f1', type: 'helper' },
        { id: 'answer', z: 'f1', type: 'helper' }
    ]
    const logText = () => fs.readFileSync(path.join(dir, 'logs', 'pings.ndjson'), 'utf8')

    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-ping-')) })
    afterEach(async () => {
        await helper.unload()
        fs.rmSync(dir, { recursive: true, force: true })
    })

    it('appends a ping as one line of JSON and sends it on once written, in order', async function () {
        await helper.load(storePing, flow())
        const pings = [1, 2, 3].map(i => ({ instanceId: `install-${i}`, receivedAt: '2026-02-03T04:05:06.789Z', ip: 'hash', platform: { counts: { projects: i } } }))
        const sent = []
        helper.getNode('ok').on('input', msg => sent.push(msg))
        for (const payload of pings) helper.getNode('store').receive({ payload })
        await new Promise(resolve => { const t = setInterval(() => { if (sent.length === 3) { clearInterval(t); resolve() } }, 5) })
        assert.deepEqual(sent.map(m => m.stored), [{ appended: true }, { appended: true }, { appended: true }])
        assert.equal(logText(), pings.map(p => JSON.stringify(p) + '\n').join(''))
    })

    it('answers like FlowFuse\'s collector: 200 once the line is written, 400 with the reason, nothing logged for a refusal', async function () {
        await helper.load(storePing, flow({ answer: true }))
        const req = { pingSource: 'the-hash' }
        const res = {}
        let stored = next('ok')
        let answered = next('answer')
        const before = Date.now()
        helper.getNode('store').receive({ payload: '{"instanceId":"a","platform":{"counts":{"projects":2}}}', req, res })
        const [ping, answer] = await Promise.all([stored, answered])
        assert.equal(answer.statusCode, 200)
        assert.deepEqual(answer.payload, { status: 'success' })
        assert.equal(ping.topic, 'ping')
        assert.equal(ping.payload.ip, 'the-hash')
        assert.ok(Date.parse(ping.payload.receivedAt) >= before)
        assert.equal(logText(), `{"instanceId":"a","platform":{"counts":{"projects":2}},"receivedAt":"${ping.payload.receivedAt}","ip":"the-hash"}\n`)
        const cases = [
            ['', 'Missing request body'],
            ['  ', 'Missing request body'],
            [null, 'Missing request body'],
            ['[1]', 'Error: the body must be a JSON object'],
            ['{"os":{}}', 'Error: Missing required property: instanceId'],
            ['{"instanceId":7}', 'Error: instanceId: must be a string, got a number'],
            ['{"instanceId":"x","platform":{"counts":{"projects":-1}}}', 'Error: platform.counts.projects: must not be negative, got -1']
        ]
        for (const [payload, error] of cases) {
            answered = next('answer')
            helper.getNode('store').receive({ payload, req, res })
            const got = await answered
            assert.equal(got.statusCode, 400, String(payload))
            assert.deepEqual(got.payload, { status: 'error', error }, String(payload))
        }
        answered = next('answer')
        helper.getNode('store').receive({ payload: 'not json', req, res })
        assert.match((await answered).payload.error, /^SyntaxError/)
        assert.equal(logText().split('\n').length, 2, 'only the accepted ping is in the log')
        stored = next('ok')
        helper.getNode('store').receive({ payload: { instanceId: 'b' }, req: {}, res })
        assert.equal((await stored).payload.ip, 'unknown', 'no hash from the request')
    })

    it('raises a log that cannot be written, for a Catch node to answer 500', async function () {
        fs.mkdirSync(path.join(dir, 'logs', 'pings.ndjson'), { recursive: true }) // a directory: no append
        await helper.load(storePing, flow({ answer: true }))
        const node = helper.getNode('store')
        const errors = []
        node.on('call:error', call => errors.push(call.args[0]))
        node.receive({ payload: '{"instanceId":"a"}', req: {}, res: {} })
        await new Promise(resolve => { const t = setInterval(() => { if (errors.length) { clearInterval(t); resolve() } }, 5) })
        assert.match(String(errors[0]), /^Error: failed to append to file: Error: EISDIR/)
    })
})
