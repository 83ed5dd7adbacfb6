// What outsiders can make the application do (issue 19), tried as a hostile client would:
// every /api query parameter is checked before any work (a bad one gets 400 at once, naming
// it; no request is left waiting), and pings inventing values for every dimension and tens
// of thousands of count keys are all counted while the ledger keeps a bounded set of names.
const assert = require('node:assert/strict')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { recordWidgetData } = require('../support/dashboard-socket')

const ENDPOINTS = ['/api/installations', '/api/installations/retention', '/api/overview', '/api/cloud']

/** A request that must be answered within `ms`, or the test fails (never a hung request). */
async function answered (url, ms = 5000) {
    const res = await fetch(url, { signal: AbortSignal.timeout(ms) })
    const text = await res.text()
    return { status: res.status, type: res.headers.get('content-type') || '', text }
}

describe('what outsiders can make it do', function () {
    let server
    before(async function () {
        // As many addresses behind a proxy amount to: no rate limit.
        server = await startNodeRed({ env: { PING_RATE_PER_MINUTE: '0' } })
    })
    after(async function () {
        if (server) await server.stop()
    })

    it('answers every kind of bad query on every endpoint with 400 naming the parameter, at once', async function () {
        const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10)
        const bad = [
            ['asOf=garbage', 'asOf: must be a date (YYYY-MM-DD), got "garbage"'],
            ['asOf=2026-02-30', 'asOf: must be a date (YYYY-MM-DD), got "2026-02-30"'],
            ['asOf=2125-01-01', `asOf: must be at most tomorrow (${tomorrow}), got 2125-01-01`],
            ['asOf=2026-01-01&asOf=2026-01-02', 'asOf: must be given once'],
            ['asOf[x]=1', 'asOf: must be text'],
            [`asOf=${'9'.repeat(100)}`, 'asOf: must be at most 64 characters'],
            ['format=xml', 'format: must be json or csv, got "xml"'],
            ['limit=5', 'limit: is not a parameter here (it takes asOf, format)']
        ]
        for (const endpoint of ENDPOINTS) {
            for (const [query, error] of bad) {
                const res = await answered(`${server.url}${endpoint}?${query}`)
                assert.equal(res.status, 400, `${endpoint}?${query}: ${res.text}`)
                assert.deepEqual(JSON.parse(res.text), { status: 'error', error }, `${endpoint}?${query}`)
            }
            const today = new Date().toISOString().slice(0, 10)
            const good = await answered(`${server.url}${endpoint}?asOf=${today}`)
            assert.equal(good.status, 200, `${endpoint}: ${good.text.slice(0, 200)}`)
            const csv = await answered(`${server.url}${endpoint}?format=csv`)
            assert.equal(csv.status, 200, endpoint)
            assert.match(csv.type, /text\/csv/, endpoint)
        }
    })

    it('counts 400 pings of invented names and 60,000 count keys, keeps the bounds, and says so', async function () {
        this.timeout(240000)
        for (let i = 0; i < 400; i++) {
            const counts = { projects: 1 }
            for (let k = 0; k < 150; k++) counts[`k${i}_${k}`] = 1
            const ping = {
                instanceId: `hostile-${i}`,
                os: { type: `os-${i}` },
                env: { flowforge: `${i}.0.0` },
                platform: { config: { driver: `driver-${i}` }, license: { type: `L${i}` }, counts }
            }
            const res = await fetch(server.url + '/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ping), signal: AbortSignal.timeout(5000) })
            assert.equal(res.status, 200, `ping ${i}: ${await res.text()}`)
        }
        let report
        await waitFor(async () => {
            report = (await server.json('/api/installations')).body
            return report.accepted === 400
        }, { what: 'the 400 pings in the report', timeout: 60000 })
        const day = report.days.at(-1)
        assert.equal(day.pinged, 400, 'every ping is counted')
        assert.equal(day.active, 400)
        for (const by of ['byDriver', 'byOs', 'byVersion', 'byLicense']) {
            assert.equal(Object.keys(day[by]).length, 101, `${by}: 100 kept and other`)
            assert.equal(day[by].other, 300, by)
            assert.equal(Object.values(day[by]).reduce((a, b) => a + b, 0), 400, by)
        }
        assert.equal(Object.keys(day.totals).length, 201, 'projects, 199 more keys and other')
        assert.equal(day.totals.projects, 400)
        assert.equal(Object.values(day.totals).reduce((a, b) => a + b, 0), 400 * 151)
        assert.deepEqual(report.overflow, { driver: 300, os: 300, version: 300, license: 300, counts: 400 * 150 - 199 })
        assert.ok(JSON.stringify(report).length < 200000, `the report stays small: ${JSON.stringify(report).length} bytes`)
    })

    it('draws readable charts after that: the largest eight and other', async function () {
        const { browser, context } = await openBrowser()
        try {
            const page = await context.newPage()
            const socket = recordWidgetData(page)
            await page.goto(server.url + '/dashboard/installations')
            for (const id of ['inst-chart-driver', 'inst-chart-version']) await widget(page, id).locator('canvas').first().waitFor({ timeout: 20000 })
            await waitFor(async () => socket.series('inst-chart-driver').length > 0, { what: 'the driver chart' })
            for (const id of ['inst-chart-driver', 'inst-chart-os', 'inst-chart-version', 'inst-chart-license']) {
                // Each chart's data comes in its own message: a loaded machine may deliver
                // the driver chart's before the others'.
                await waitFor(async () => socket.series(id).length > 0, { what: `${id}'s data` })
                const series = socket.series(id)
                assert.equal(series.length, 9, `${id}: ${series}`)
                assert.ok(series.includes('other'), id)
            }
            await page.waitForTimeout(1000)
            await screenshot(page, 'installations-after-hostile-names')
        } finally {
            await browser.close()
        }
    })
})
