// Hostile input at the ping endpoint: every case gets a clear 4xx and leaves the raw log and
// the ledger as they were; the sender's address is only ever stored as a salted hash; and a
// source that sends too much is told to slow down.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')

function post (server, body, contentType = 'application/json') {
    return server.json('/ping', { method: 'POST', headers: { 'Content-Type': contentType }, body })
}

function nested (depth) {
    return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

describe('hostile pings', function () {
    let server
    const logFile = () => path.join(server.userDir, 'pings.ndjson')
    const logText = () => (fs.existsSync(logFile()) ? fs.readFileSync(logFile(), 'utf8') : '')

    before(async function () {
        server = await startNodeRed({ env: { PING_RATE_PER_MINUTE: '1000' } })
        assert.equal((await post(server, JSON.stringify({ instanceId: 'good-one' }))).status, 200)
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === 1, { what: 'the first ping' })
    })
    after(async function () {
        if (server) await server.stop()
    })

    it('refuses each bad body with a 4xx naming the problem, and changes nothing', async function () {
        const logBefore = logText()
        const reportBefore = (await server.json('/api/installations')).body
        const big = 2 ** 53
        const cases = [
            ['not JSON', 'not json at all', 400, /^SyntaxError/],
            ['a JSON array', '[{"instanceId":"a"}]', 400, /must be a JSON object/],
            ['a JSON string', '"instanceId"', 400, /must be a JSON object/],
            ['over the size limit', JSON.stringify({ instanceId: 'x', pad: 'x'.repeat(80000) }), 413, /Payload too large/],
            ['nested 10,000 levels', `{"instanceId":"deep","x":${nested(10000)}}`, 400, /nested (more than 16 levels|too deeply)/],
            ['instanceId a number', '{"instanceId": 12}', 400, /^Error: instanceId: must be a string/],
            ['instanceId an object', '{"instanceId": {"id": "x"}}', 400, /^Error: instanceId: must be a string/],
            ['a count as a string', '{"instanceId":"x","platform":{"counts":{"projects":"3"}}}', 400, /platform\.counts\.projects: must be a non-negative integer, got a string/],
            ['a negative count', '{"instanceId":"x","platform":{"counts":{"projects":-3}}}', 400, /platform\.counts\.projects: must not be negative/],
            ['a fractional count', '{"instanceId":"x","platform":{"counts":{"devices":2.5}}}', 400, /platform\.counts\.devices: must be a whole number/],
            ['a count above 2^53', `{"instanceId":"x","platform":{"counts":{"devices":${big}}}}`, 400, /platform\.counts\.devices: must be at most 2\^53/],
            ['a __proto__ key', '{"instanceId":"x","__proto__":{"polluted":true}}', 400, /__proto__: is a reserved name/],
            ['a constructor key in counts', '{"instanceId":"x","platform":{"counts":{"constructor":{"prototype":1}}}}', 400, /platform\.counts\.constructor: is a reserved name/],
            ['a reserved name as a value', '{"instanceId":"x","os":{"type":"__proto__"}}', 400, /os\.type: is a reserved name/]
        ]
        for (const [what, body, status, error] of cases) {
            const res = await post(server, body)
            assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
            assert.equal(res.body.status, 'error', what)
            assert.match(res.body.error, error, what)
        }
        assert.equal(logText(), logBefore, 'nothing reached the raw log')
        const reportAfter = (await server.json('/api/installations')).body
        assert.deepEqual(reportAfter, reportBefore, 'the ledger is unchanged')
        assert.equal(Object.prototype.polluted, undefined)
    })

    it('stores only a salted hash of the sender\'s address, never the address', async function () {
        const res = await post(server, JSON.stringify({ instanceId: 'privacy-check', ip: '203.0.113.9' }))
        assert.equal(res.status, 200)
        const lines = logText().trim().split('\n').map(l => JSON.parse(l))
        const line = lines.find(l => l.instanceId === 'privacy-check')
        assert.match(line.ip, /^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 HMAC')
        assert.notEqual(line.ip, '203.0.113.9', 'what the sender claims is replaced')
        const everything = logText() + JSON.stringify((await server.json('/api/installations')).body)
        assert.ok(!everything.includes('127.0.0.1') && !everything.includes('::1') && !everything.includes('::ffff'), 'the address is nowhere')
        // The same source gives the same hash, so pings can still be correlated.
        assert.equal(new Set(lines.map(l => l.ip)).size, 1)
        const salt = fs.readFileSync(path.join(server.userDir, '.ping-ip-salt'), 'utf8').trim()
        assert.equal(salt.length, 64)
        assert.equal((fs.statSync(path.join(server.userDir, '.ping-ip-salt')).mode & 0o777), 0o600)
    })

    it('answers 429 once a source sends more than its limit a minute', async function () {
        const limited = await startNodeRed({ env: { PING_RATE_PER_MINUTE: '3' } })
        try {
            const statuses = []
            for (let i = 0; i < 5; i++) statuses.push((await post(limited, JSON.stringify({ instanceId: `rate-${i}` }))).status)
            // The minute may roll over between pings, so at least the 5th of 5 within it is refused.
            assert.deepEqual(statuses.slice(0, 3), [200, 200, 200])
            assert.ok(statuses.slice(3).includes(429), statuses.join(','))
            const refused = await post(limited, JSON.stringify({ instanceId: 'rate-x' }))
            assert.equal(refused.status, 429)
            assert.match(refused.body.error, /at most 3 a minute/)
            const logged = fs.readFileSync(path.join(limited.userDir, 'pings.ndjson'), 'utf8').trim().split('\n')
            assert.equal(logged.length, statuses.filter(s => s === 200).length)
        } finally {
            await limited.stop()
        }
    })
})
