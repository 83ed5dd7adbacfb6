// Demo data never meets a team's data (issue 20, DESIGN.md "Commands"): the start command's
// store choice (scripts/store.js, as scripts/start.sh runs it) after a demo run in the same
// user directory. On FLOWFUSE_URL (a stand-in for the admin API) the Cloud history holds only
// the platform's snapshot and the ledger no install until a ping arrives, then exactly one;
// `--no-demo` likewise; the team's data survives a restart and the demo is left as it was.
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')
const { fakePlatform, adminStats } = require('../support/platform')
const { useStore } = require('../../scripts/store')

const root = path.resolve(__dirname, '../..')
const fixture = fs.readFileSync(path.resolve(root, '../shared/fixtures/ping-flowfuse-2.4.0-ce-localfs.json'), 'utf8')

/** `node scripts/store.js <dir> [args]` with only the given real sources in the environment. */
function chooseStore (dir, args = [], sources = {}) {
    const env = { ...process.env }
    delete env.FLOWFUSE_URL
    delete env.DATABASE_URL
    return execFileSync(process.execPath, [path.join(root, 'scripts/store.js'), dir, ...args], { env: { ...env, ...sources }, encoding: 'utf8' })
}

/** The admin stats as the snapshot's metric names: nested objects joined with a dot. */
function flatten (value, prefix = '', out = {}) {
    for (const [key, v] of Object.entries(value)) {
        if (v !== null && typeof v === 'object') flatten(v, prefix + key + '.', out)
        else out[prefix + key] = v
    }
    return out
}

const ping = server => server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: fixture })
const installs = async server => (await server.json('/api/installations')).body

/** A demo run, as `npm start` with no real source makes one: its figures, then stopped. */
async function demoRun () {
    const server = await startNodeRed({ demo: { installs: 30, days: 40 } })
    try {
        const report = await waitFor(async () => { const r = await installs(server); return r.accepted > 0 && r }, { what: 'the demo year in the ledger' })
        const cloud = await waitFor(async () => { const c = (await server.json('/api/cloud')).body; return c.snapshots > 0 && c }, { what: 'the demo history backfilled' })
        assert.ok(report.days.at(-1).active > 1, 'the demo has many installs')
        assert.equal(cloud.snapshots, 40, 'the demo\'s 40 days of snapshots')
        const log = path.join(server.dataDir, 'pings.ndjson')
        return { userDir: server.userDir, accepted: report.accepted, snapshots: cloud.snapshots, logBytes: fs.statSync(log).size, log }
    } finally {
        await server.stop()
    }
}

describe('a real source after a demo run holds no demo data', function () {
    let platform, server
    before(async function () { platform = await fakePlatform() })
    afterEach(async function () {
        if (server) await server.stop()
        server = null
    })
    after(async function () { if (platform) await platform.close() })

    it('FLOWFUSE_URL: only the platform\'s metrics, no install until a ping, then exactly one, kept across a restart', async function () {
        const demo = await demoRun()
        const sources = { FLOWFUSE_URL: platform.url, FLOWFUSE_TOKEN: 'ffpat_team' }
        assert.match(chooseStore(demo.userDir, [], sources), /your team's data \(FLOWFUSE_URL is set\), in .*team; no demo data/)
        server = await startNodeRed({ userDir: demo.userDir, env: sources })

        assert.equal((await server.json('/api/cloud')).body.snapshots, 0, 'no demo snapshot backfilled')
        const none = await installs(server)
        assert.equal(none.accepted, 0)
        assert.equal(none.days.length, 0, 'no install, no day')

        assert.equal((await server.json('/api/cloud/snapshot', { method: 'POST' })).status, 200)
        const cloud = (await server.json('/api/cloud')).body
        assert.equal(cloud.snapshots, 1)
        const expected = flatten(adminStats)
        assert.deepEqual(Object.fromEntries(cloud.metrics.map(m => [m.metric, m.latest])), expected, 'exactly the platform\'s metrics and values')

        assert.equal((await ping(server)).status, 200)
        const one = await waitFor(async () => { const r = await installs(server); return r.accepted === 1 && r }, { what: 'the ping in the ledger' })
        assert.equal(one.days.length, 1)
        assert.equal(one.days[0].active, 1)
        assert.deepEqual(one.days[0].byDriver, { localfs: 1 })
        await server.stop()

        // The next start on the same source: the team's data is still there.
        chooseStore(demo.userDir, [], sources)
        server = await startNodeRed({ userDir: demo.userDir, env: sources })
        const again = await waitFor(async () => { const r = await installs(server); return r.accepted === 1 && r }, { what: 'the team\'s ping after a restart' })
        assert.equal(again.days.at(-1).active, 1)
        assert.deepEqual(Object.fromEntries((await server.json('/api/cloud')).body.metrics.map(m => [m.metric, m.latest])), expected)
        await server.stop()

        // And the demo store is as the demo run left it: nothing of the team's went into it.
        assert.equal(fs.statSync(demo.log).size, demo.logBytes)
        assert.match(chooseStore(demo.userDir), /DEMO DATA \(no real source is set\)/)
        server = await startNodeRed({ userDir: demo.userDir })
        const back = await waitFor(async () => { const r = await installs(server); return r.accepted > 0 && r }, { what: 'the demo again' })
        assert.equal(back.accepted, demo.accepted)
        assert.equal((await server.json('/api/cloud')).body.snapshots, demo.snapshots)
    })

    it('--no-demo: the raw log collecting real pings, empty until the first ping, then exactly one', async function () {
        const demo = await demoRun()
        assert.match(chooseStore(demo.userDir, ['--no-demo']), /your team's data \(--no-demo\)/)
        server = await startNodeRed({ userDir: demo.userDir })
        assert.equal((await installs(server)).accepted, 0)
        assert.equal((await server.json('/api/cloud')).body.snapshots, 0, 'no demo snapshot backfilled')
        assert.equal((await ping(server)).status, 200)
        const one = await waitFor(async () => { const r = await installs(server); return r.accepted === 1 && r }, { what: 'the ping in the ledger' })
        assert.equal(one.days[0].active, 1)
        const teamLog = path.join(demo.userDir, 'team', 'pings.ndjson')
        assert.equal(fs.readFileSync(teamLog, 'utf8').trim().split('\n').length, 1, 'the team\'s raw log holds the one ping')
        assert.equal(fs.statSync(demo.log).size, demo.logBytes, 'the demo\'s raw log is untouched')
    })
})

describe('a user directory from before the two stores', function () {
    it('moves a demo-filled directory\'s data into demo/, and a database\'s context into team/, deleting nothing', function () {
        const demoFilled = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-old-'))
        fs.writeFileSync(path.join(demoFilled, 'pings.ndjson'), '{"instanceId":"x"}\n')
        fs.mkdirSync(path.join(demoFilled, 'context', 'ov-tab'), { recursive: true })
        fs.writeFileSync(path.join(demoFilled, 'context', 'ov-tab', 'ov-node.json'), '{"targets":{}}')
        const said = []
        assert.equal(useStore(demoFilled, 'team', l => said.push(l)), path.join(demoFilled, 'team'))
        assert.equal(fs.readFileSync(path.join(demoFilled, 'demo', 'pings.ndjson'), 'utf8'), '{"instanceId":"x"}\n')
        assert.ok(fs.existsSync(path.join(demoFilled, 'demo', 'context', 'ov-tab', 'ov-node.json')))
        assert.deepEqual(fs.readdirSync(path.join(demoFilled, 'team')), [], 'the team starts empty')
        assert.match(said[0], /pings\.ndjson, context, kept by an earlier version beside the flows, moved into the demo store/)

        const database = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-old-'))
        fs.mkdirSync(path.join(database, 'context', 'ov-tab'), { recursive: true })
        fs.writeFileSync(path.join(database, 'context', 'ov-tab', 'ov-node.json'), '{"targets":{"teamCount":1}}')
        useStore(database, 'team')
        assert.equal(fs.readFileSync(path.join(database, 'team', 'context', 'ov-tab', 'ov-node.json'), 'utf8'), '{"targets":{"teamCount":1}}')
        // Only once: a later start leaves the stores as they are.
        fs.writeFileSync(path.join(database, 'pings.ndjson'), 'not moved\n')
        useStore(database, 'demo')
        assert.ok(fs.existsSync(path.join(database, 'pings.ndjson')))
        assert.equal(fs.readFileSync(path.join(database, '.product-growth-store'), 'utf8'), 'demo\n')
    })
})
