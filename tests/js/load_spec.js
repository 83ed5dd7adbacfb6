// Load and crash tests of the collector on loopback. Sizes are small here (the test
// command); `npm run load` runs the full 50,000 pings and prints the figures.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const core = require('../../pkg')
const { startNodeRed, waitFor } = require('../support/node-red')
const { runLoad } = require('../support/load')

const TOTAL = Number(process.env.LOAD_PINGS) || 4000
const env = { PING_RATE_PER_MINUTE: '0' } // one source sends everything here

function logLines (userDir) {
    const text = fs.readFileSync(path.join(userDir, 'pings.ndjson'), 'utf8')
    return text.split('\n').filter(Boolean)
}

describe('collector under load and crashes', function () {
    it(`answers 200 to ${TOTAL} pings from 8 concurrent clients and counts each once`, async function () {
        const server = await startNodeRed({ env })
        try {
            const load = await runLoad(server.url, { total: TOTAL })
            const failed = load.results.filter(r => r.status !== 200)
            assert.equal(failed.length, 0, JSON.stringify(failed.slice(0, 3)))
            console.log(`      ${TOTAL} pings, 8 clients: ${load.perSecond.toFixed(0)} pings/s, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms`)
            const report = await waitFor(async () => {
                const r = (await server.json('/api/installations')).body
                return r.accepted === TOTAL && r
            }, { what: 'the ledger to count every ping', timeout: 60000 })
            assert.equal(report.installations, TOTAL)
            assert.equal(report.duplicates, 0)
            assert.equal(logLines(server.userDir).length, TOTAL)
        } finally {
            await server.stop()
        }
    })

    it('loses no ping that got a 200 when Node-RED is killed -9 mid-load, and counts none twice', async function () {
        let server = await startNodeRed({ env })
        const userDir = server.userDir
        const killAt = Math.floor(TOTAL * 0.4)
        let killed = false
        const load = runLoad(server.url, {
            total: TOTAL,
            prefix: 'crash',
            onProgress: sent => {
                if (!killed && sent >= killAt) {
                    killed = true
                    process.kill(server.pid, 'SIGKILL')
                }
            }
        })
        const { results } = await load
        await server.exited
        const acknowledged = results.filter(r => r.status === 200).map(r => r.id)
        assert.ok(acknowledged.length >= killAt - 8, `${acknowledged.length} acknowledged before the kill`)
        assert.ok(acknowledged.length < TOTAL, 'the kill happened mid-load')

        // Every acknowledged ping is in the raw log.
        const raw = fs.readFileSync(path.join(userDir, 'pings.ndjson'), 'utf8')
        const logged = new Set(raw.split('\n').filter(Boolean).map(line => { try { return JSON.parse(line).instanceId } catch (_) { return null } }))
        const missing = acknowledged.filter(id => !logged.has(id))
        assert.deepEqual(missing, [])

        // Restart: the ledger is rebuilt from the log; a torn last line cannot break it.
        server = await startNodeRed({ userDir, env })
        try {
            const report = await waitFor(async () => {
                const r = (await server.json('/api/installations')).body
                return r.accepted >= acknowledged.length && r
            }, { what: 'the rebuilt ledger', timeout: 60000 })
            const lines = logLines(userDir)
            const parsed = lines.filter(line => { try { JSON.parse(line); return true } catch (_) { return false } })
            assert.equal(report.accepted, parsed.length, 'each logged ping counted once')
            assert.equal(report.installations, parsed.length)
            assert.equal(report.duplicates, 0)
            assert.ok(report.rejected.every(r => /^line \d+$/.test(r.field)), JSON.stringify(report.rejected))
            assert.ok(report.rejectedTotal <= 1, 'at most the one line the crash tore')
            // A ping after the restart lands on a line of its own and is counted.
            const after = await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instanceId: 'after-restart' }) })
            assert.equal(after.status, 200)
            const check = new core.InstallationLedger()
            const outcome = check.ingestNdjson(fs.readFileSync(path.join(userDir, 'pings.ndjson')))
            assert.equal(outcome.accepted, parsed.length + 1)
            assert.ok(outcome.rejected.length <= 1)
        } finally {
            await server.stop()
        }
    })
})
