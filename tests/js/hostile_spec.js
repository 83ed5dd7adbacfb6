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
            ['a reserved name as a value', '{"instanceId":"x","os":{"type":"__proto__"}}', 400, /os\.type: is a reserved name/],
            ['a newline and a NUL in instanceId', '{"instanceId":"a\\nb\\u0000c"}', 400, /^Error: instanceId: must not hold control characters: U\+000A at character 2$/],
            ['a control character in os.type', '{"instanceId":"x","os":{"type":"Lin\\u001bux"}}', 400, /^Error: os\.type: must not hold control characters/],
            ['a lone surrogate in instanceId', '{"instanceId":"sur-\\ud800"}', 400, /^Error: instanceId: is not valid Unicode text/],
            ['a count of 1e308', '{"instanceId":"x","platform":{"counts":{"projects":1e308}}}', 400, /^Error: platform\.counts\.projects: must be at most 2\^53 − 1, got 10{39}… \(309 characters\)$/]
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

    it('reads gzip and deflate bodies, refuses a bomb with 413 and other encodings with 415', async function () {
        const zlib = require('node:zlib')
        const send = (body, encoding) => server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body })
        assert.equal((await send(zlib.gzipSync(JSON.stringify({ instanceId: 'gzipped' })), 'gzip')).status, 200)
        assert.equal((await send(zlib.deflateSync(JSON.stringify({ instanceId: 'deflated' })), 'deflate')).status, 200)
        const logged = logText().trim().split('\n').map(l => JSON.parse(l).instanceId)
        assert.ok(logged.includes('gzipped') && logged.includes('deflated'))
        const logBefore = logText()
        // 10 MB of JSON padding that compresses to about 10 KB: the limit is on what comes out.
        const bomb = zlib.gzipSync(JSON.stringify({ instanceId: 'bomb', pad: ' '.repeat(10 * 1024 * 1024) }))
        assert.ok(bomb.length < 64 * 1024)
        const exploded = await send(bomb, 'gzip')
        assert.equal(exploded.status, 413)
        assert.match(exploded.body.error, /Payload too large/)
        const br = await send(Buffer.from('compressed?'), 'br')
        assert.equal(br.status, 415)
        assert.equal(br.body.error, 'Unsupported Content-Encoding "br": send the ping as plain JSON, or gzip or deflate')
        const fake = await send(Buffer.from('{"instanceId":"not gzip"}'), 'gzip')
        assert.equal(fake.status, 400)
        assert.equal(fake.body.error, 'The body is not valid gzip data')
        assert.equal(logText(), logBefore)
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

    it('believes X-Forwarded-For only from a trusted proxy, for the rate limit and the hash', async function () {
        const forwarded = (target, ip, id) => target.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip }, body: JSON.stringify({ instanceId: id }) })
        const hashes = (target, ids) => fs.readFileSync(path.join(target.userDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l)).filter(l => ids.includes(l.instanceId)).map(l => l.ip)
        // Nothing trusted (the default): a spoofed header changes nothing, one bucket, one hash.
        const plain = await startNodeRed({ env: { PING_RATE_PER_MINUTE: '2' } })
        try {
            const statuses = []
            for (const [i, ip] of ['198.51.100.1', '198.51.100.2', '198.51.100.3'].entries()) statuses.push((await forwarded(plain, ip, `spoof-${i}`)).status)
            assert.deepEqual(statuses, [200, 200, 429])
            assert.equal(new Set(hashes(plain, ['spoof-0', 'spoof-1'])).size, 1)
        } finally {
            await plain.stop()
        }
        // The loopback proxy trusted: two forwarded clients get their own buckets and hashes.
        const proxied = await startNodeRed({ env: { PING_RATE_PER_MINUTE: '2', TRUST_PROXY: 'loopback' } })
        try {
            const statuses = []
            for (const [i, ip] of ['198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.2', '198.51.100.1'].entries()) statuses.push((await forwarded(proxied, ip, `fwd-${i}`)).status)
            assert.deepEqual(statuses, [200, 200, 200, 200, 429])
            const [a, a2, b] = hashes(proxied, ['fwd-0', 'fwd-1', 'fwd-2'])
            assert.equal(a, a2)
            assert.notEqual(a, b)
            // A client that forges a header behind the trusted proxy is still itself: the
            // proxy appends the address it saw, and that entry is the one believed.
            assert.equal((await forwarded(proxied, '203.0.113.7, 198.51.100.3', 'forged')).status, 200)
            assert.notEqual(hashes(proxied, ['forged'])[0], a)
        } finally {
            await proxied.stop()
        }
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
