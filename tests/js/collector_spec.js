// The collector flow in a real Node-RED: FlowFuse's contract on POST /ping, the raw log
// written before the answer, the ledger fed from it, and a restart that changes nothing.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const core = require('../../pkg')
const { startNodeRed, waitFor } = require('../support/node-red')

const fixtures = path.resolve(__dirname, '../../../shared/fixtures')
const fixtureText = name => fs.readFileSync(path.join(fixtures, name), 'utf8')

function post (server, body, contentType = 'application/json') {
    return server.json('/ping', { method: 'POST', headers: { 'Content-Type': contentType }, body })
}

describe('collector flow: POST /ping', function () {
    let server
    const today = new Date().toISOString().slice(0, 10)

    before(async function () {
        server = await startNodeRed()
    })
    after(async function () {
        if (server) await server.stop()
    })

    it('accepts both FlowFuse fixtures with the collector\'s success body and logs them first', async function () {
        for (const name of ['ping-flowfuse-2.33.2-ce-stub.json', 'ping-flowfuse-2.4.0-ce-localfs.json']) {
            const res = await post(server, fixtureText(name))
            assert.equal(res.status, 200)
            assert.deepEqual(res.body, { status: 'success' })
        }
        const lines = fs.readFileSync(path.join(server.userDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        assert.deepEqual(lines.map(l => l.instanceId), ['2c3f012c-fe61-4cf7-8b77-1ce9e7fd2092', '3503bd03-286f-48fb-b254-ce90c4e51260'])
        assert.ok(lines.every(l => l.receivedAt.startsWith(today)), 'stamped on arrival')
        // Each line is the body as sent, then receivedAt and the sender's hash: its JSON text.
        const text = fs.readFileSync(path.join(server.userDir, 'pings.ndjson'), 'utf8')
        const names = ['ping-flowfuse-2.33.2-ce-stub.json', 'ping-flowfuse-2.4.0-ce-localfs.json']
        assert.equal(text, lines.map((l, i) => JSON.stringify({ ...JSON.parse(fixtureText(names[i])), receivedAt: l.receivedAt, ip: l.ip }) + '\n').join(''))
        const report = await waitFor(async () => {
            const r = await server.json('/api/installations')
            return r.body.accepted === 2 && r.body
        }, { what: 'the ledger to count both pings' })
        const day = report.days.at(-1)
        assert.equal(day.date, today)
        assert.equal(day.active, 2)
        assert.deepEqual(day.byDriver, { localfs: 1, stub: 1 })
        assert.equal(day.remote, 2)
    })

    it('answers bad bodies like FlowFuse\'s collector and logs none of them', async function () {
        const cases = [
            ['{}', 400, 'Error: Missing required property: instanceId'],
            ['{"os":{"type":"Linux"}}', 400, 'Error: Missing required property: instanceId'],
            ['', 400, 'Missing request body'],
            ['{"instanceId":"x","platform":{"counts":{"projects":-1}}}', 400, 'Error: platform.counts.projects: must not be negative, got -1'],
            ['{"instanceId": 7}', 400, 'Error: instanceId: must be a string, got a number']
        ]
        for (const [body, status, error] of cases) {
            const res = await post(server, body)
            assert.equal(res.status, status, body)
            assert.deepEqual(res.body, { status: 'error', error }, body)
        }
        const notJson = await post(server, 'not json')
        assert.equal(notJson.status, 400)
        assert.match(notJson.body.error, /^SyntaxError/)
        const big = await post(server, JSON.stringify({ instanceId: 'big', padding: 'x'.repeat(70000) }))
        assert.equal(big.status, 413)
        assert.equal(big.body.status, 'error')
        const lines = fs.readFileSync(path.join(server.userDir, 'pings.ndjson'), 'utf8').trim().split('\n')
        assert.equal(lines.length, 2, 'only the two accepted pings are in the raw log')
    })

    it('gives the identical report after SIGTERM and a restart', async function () {
        const body = JSON.stringify({ instanceId: 'restart-check', platform: { counts: { projects: 4, devices: 2 } } })
        assert.equal((await post(server, body)).status, 200)
        const before = await waitFor(async () => {
            const r = await server.json('/api/installations')
            return r.body.accepted === 3 && r.body
        }, { what: 'the third ping' })
        const { signal, code } = await server.stop('SIGTERM')
        assert.ok(signal === 'SIGTERM' || code === 0, `stopped: ${signal} ${code}`)
        // On the way down the ledger is checkpointed beside the raw log, covering all of it;
        // the context store (localfilesystem) holds only where that checkpoint is.
        const log = path.join(server.userDir, 'pings.ndjson')
        const checkpoint = core.InstallationLedger.fromCheckpoint(fs.readFileSync(log + '.checkpoint'))
        assert.equal(checkpoint.logOffset, fs.statSync(log).size)
        assert.equal(checkpoint.report({ asOf: today }).accepted, 3)
        const contextText = fs.readFileSync(path.join(server.userDir, 'context/inst-tab/inst-ledger.json'), 'utf8')
        assert.ok(contextText.length < 500, `context holds small values only: ${contextText}`)
        assert.equal(JSON.parse(contextText)['installations-checkpoint'].logOffset, checkpoint.logOffset)
        server = await startNodeRed({ userDir: server.userDir })
        const after = (await server.json('/api/installations')).body
        assert.deepEqual(after, before)
        // And it is what the core makes of the raw log.
        const raw = fs.readFileSync(path.join(server.userDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        assert.deepEqual(after.days, core.aggregateInstallations(raw, { asOf: today }).days)
    })
})
