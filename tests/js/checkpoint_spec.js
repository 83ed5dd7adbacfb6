// The running collector with its raw log and the ledger's checkpoint (issue 9): killed -9
// after a checkpoint and more pings, the restart loads the checkpoint, reads only the log's
// tail, and reports what a full read of the log gives; a damaged checkpoint is set aside and
// the log read whole.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const core = require('../../pkg')
const { startNodeRed, waitFor } = require('../support/node-red')

const today = () => new Date().toISOString().slice(0, 10)

function wholeLogReport (log) {
    const ledger = new core.InstallationLedger(null)
    ledger.ingestLog(fs.readFileSync(log))
    return ledger.report({ asOf: today() })
}

describe('collector: checkpoint and raw log across kill -9', function () {
    let server
    after(async function () {
        if (server) await server.stop('SIGKILL')
    })

    it('restarts from the checkpoint and the tail, equal to a full read; a damaged checkpoint is set aside', async function () {
        server = await startNodeRed({ demo: { installs: 40, days: 60 }, env: { PING_RATE_PER_MINUTE: '0' } })
        const { userDir, dataDir } = server
        const log = path.join(dataDir, 'pings.ndjson')
        const checkpoint = log + '.checkpoint'
        await waitFor(() => /checkpoint: [\d.]+ MB written/.test(server.log()), { what: 'the first checkpoint' })
        const covered = core.InstallationLedger.fromCheckpoint(fs.readFileSync(checkpoint)).logOffset
        assert.equal(covered, fs.statSync(log).size, 'the first checkpoint covers the whole log')

        // More pings after the checkpoint, counted, then kill -9: the checkpoint lags the log.
        for (let i = 0; i < 25; i++) {
            const res = await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instanceId: `after-checkpoint-${i % 10}`, platform: { counts: { projects: i } } }) })
            assert.equal(res.status, 200)
        }
        const lines = () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === lines(), { what: 'the pings to be counted' })
        await server.stop('SIGKILL')
        assert.equal(core.InstallationLedger.fromCheckpoint(fs.readFileSync(checkpoint)).logOffset, covered, 'no checkpoint since')

        server = await startNodeRed({ userDir, env: { PING_RATE_PER_MINUTE: '0' } })
        const started = await waitFor(() => server.log().match(/started from the checkpoint \(([\d.]+) MB\) and ([\d.]+) MB of raw log/), { what: 'a start from the checkpoint' })
        assert.ok(Number(started[2]) < Number(started[1]) + 1, `read only the tail: ${started[0]}`)
        const restarted = (await server.json('/api/installations')).body
        assert.equal(restarted.accepted, lines())
        assert.deepEqual(restarted, wholeLogReport(log))

        // Damage the checkpoint (it was rewritten after the tail was read) and kill again.
        await waitFor(() => core.InstallationLedger.fromCheckpoint(fs.readFileSync(checkpoint)).logOffset === fs.statSync(log).size, { what: 'the checkpoint after the tail' })
        await server.stop('SIGKILL')
        const bytes = fs.readFileSync(checkpoint)
        bytes[bytes.length - 10] ^= 0xff
        fs.writeFileSync(checkpoint, bytes)
        server = await startNodeRed({ userDir, env: { PING_RATE_PER_MINUTE: '0' } })
        await waitFor(() => /could not be read \(checkpoint: fails its checksum\)/.test(server.log()), { what: 'the damaged checkpoint to be named' })
        await waitFor(() => /started from the whole raw log/.test(server.log()), { what: 'a full read of the log' })
        const aside = fs.readdirSync(dataDir).filter(f => f.startsWith('pings.ndjson.checkpoint.unreadable-'))
        assert.equal(aside.length, 1)
        assert.deepEqual(fs.readFileSync(path.join(dataDir, aside[0])), bytes, 'kept as it was')
        assert.deepEqual((await server.json('/api/installations')).body, wholeLogReport(log))
    })
})
