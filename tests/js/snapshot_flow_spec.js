// The snapshot flow in a real Node-RED, reading FlowFuse's admin stats from a local HTTP
// server that serves the captured response: the snapshot, its bearer token, and a metric
// added to the response showing up with no change to the flow.
const assert = require('node:assert/strict')
const { startNodeRed } = require('../support/node-red')
const { fakePlatform, adminStats } = require('../support/platform')

describe('snapshot flow: FlowFuse admin stats → history', function () {
    let platform, server
    const today = new Date().toISOString().slice(0, 10)
    const snapshotNow = () => server.json('/api/cloud/snapshot', { method: 'POST' })

    before(async function () {
        platform = await fakePlatform()
        server = await startNodeRed({ env: { FLOWFUSE_URL: platform.url + '/', FLOWFUSE_TOKEN: 'ffpat_test' } })
    })
    after(async function () {
        if (server) await server.stop()
        if (platform) await platform.close()
    })

    it('reads /api/v1/admin/stats with the bearer token and stores today\'s snapshot', async function () {
        const res = await snapshotNow()
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(platform.requests.at(-1), { method: 'GET', url: '/api/v1/admin/stats', authorization: 'Bearer ffpat_test' })
        assert.equal(res.body.date, today)
        assert.equal(res.body.replaced, false)
        // The request node's method is fixed: nothing on the message overrides it (issue 20 item 4).
        assert.doesNotMatch(server.log(), /can no longer override/, 'no warning on a snapshot')
        assert.deepEqual(Object.keys(res.body.metrics).sort(), [
            'adminCount', 'deviceCount', 'devicesByLastSeen.day', 'devicesByLastSeen.month', 'devicesByLastSeen.never',
            'devicesByLastSeen.older', 'devicesByLastSeen.week', 'devicesByMode.autonomous', 'instanceCount', 'inviteCount',
            'maxInstances', 'maxTeams', 'maxUsers', 'teamCount', 'teamsByType.starter', 'userCount'
        ])
    })

    it('takes a metric added upstream (Team Broker clients) into the history with no flow change', async function () {
        platform.answer(() => [200, { ...adminStats, mqttClientCount: 7 }])
        const res = await snapshotNow()
        assert.equal(res.status, 200)
        assert.equal(res.body.replaced, true, 'a re-run of the same day replaces it')
        assert.equal(res.body.metrics['features.teamBrokerClients'], 7)
        const report = (await server.json('/api/cloud')).body
        const row = report.metrics.find(m => m.metric === 'features.teamBrokerClients')
        assert.deepEqual([row.firstDate, row.latest], [today, 7])
        assert.equal(report.snapshots, 1)
    })

    it('answers 502 with the reason when the platform fails, and keeps the history', async function () {
        platform.answer(() => [401, { code: 'unauthorized', error: 'unauthorized' }])
        const res = await snapshotNow()
        assert.equal(res.status, 502)
        assert.match(res.body.error, /admin stats: HTTP 401/)
        platform.answer(() => [200, { ...adminStats, teamCount: 'many' }])
        const bad = await snapshotNow()
        assert.equal(bad.status, 502)
        assert.match(bad.body.error, /^metrics\.teamCount: must be a number/)
        const report = (await server.json('/api/cloud')).body
        assert.equal(report.metrics.find(m => m.metric === 'teamCount').latest, 2)
    })
})
