// The front page, /dashboard/overview, in real Chromium: every headline row (installations
// and the Cloud metrics marked headline) shows the core's figures, checked against the raw
// log and the snapshot history worked out here; a target set through the form turns a row
// on track or behind; the CSV download holds the API's rows.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const core = require('../../pkg')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget, setTarget: setTargetOnPage } = require('../support/browser')
const { formatRate, formatShare, formatValue } = require('../../node-red-node/lib/format')
const { parseCsv, download } = require('../support/csv')

/** The Sunday that ends the last complete ISO week before `day` (YYYY-MM-DD). */
function lastSunday (day) {
    const t = new Date(day + 'T00:00:00Z')
    const back = t.getUTCDay() === 0 ? 7 : t.getUTCDay()
    return new Date(t.getTime() - back * 864e5).toISOString().slice(0, 10)
}

describe('Overview page', function () {
    this.timeout(180000)
    let server, browser, context, page

    before(async function () {
        server = await startNodeRed({ demo: { installs: 150, days: 200 } })
        ;({ browser, context } = await openBrowser())
        page = await context.newPage()
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    const rowOf = metric => widget(page, 'ov-rows').locator(`tr[data-metric="${metric}"]`)
    const cell = (metric, col) => rowOf(metric).locator(`[data-col="${col}"]`).first()

    it('is the first page, with a row for every headline metric showing the core\'s figures', async function () {
        await page.goto(server.url + '/dashboard/')
        await page.waitForURL(/\/dashboard\/overview$/, { timeout: 20000 })
        const today = new Date().toISOString().slice(0, 10)
        const headline = ['active installs', 'hosted instances', 'remote instances', 'teamCount', 'instanceCount', 'deviceCount', 'userCount', 'features.teamBrokerClients', 'features.tablesDatabases', 'adoption.tables']
        await waitFor(async () => (await widget(page, 'ov-rows').locator('tr[data-metric]').count()) === headline.length + 1, { timeout: 30000, what: 'every headline row and EE installs' })
        const shown = await widget(page, 'ov-rows').locator('tr[data-metric]').evaluateAll(trs => trs.map(tr => tr.dataset.metric))
        // The application's segment headline comes after the installations' rows.
        assert.deepEqual([...shown].sort(), [...headline, 'EE installs'].sort())

        // Independently, from the raw log: the last complete week's value and its growth.
        const raw = fs.readFileSync(path.join(server.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const days = core.aggregateInstallations(raw, { asOf: today }).days
        const sunday = lastSunday(today)
        const before = new Date(Date.parse(sunday) - 7 * 864e5).toISOString().slice(0, 10)
        for (const [metric, field] of [['active installs', 'active'], ['hosted instances', 'hosted'], ['remote instances', 'remote']]) {
            const value = days.find(d => d.date === sunday)[field]
            const previous = days.find(d => d.date === before)[field]
            assert.equal((await cell(metric, 'latest').innerText()).trim(), formatValue(value), `${metric} latest`)
            assert.equal((await cell(metric, 'growth').locator('span').innerText()).trim(), formatRate(value / previous - 1), `${metric} growth`)
        }
        // EE installs: the active installs whose latest ping says EE, the report's byLicense.EE.
        const ee = d => days.find(x => x.date === d).byLicense.EE
        assert.equal((await cell('EE installs', 'latest').innerText()).trim(), formatValue(ee(sunday)), 'EE installs latest')
        if (ee(before)) assert.equal((await cell('EE installs', 'growth').locator('span').innerText()).trim(), formatRate((ee(sunday) - ee(before)) / ee(before)), 'EE installs growth')
        // The Cloud rows from the snapshot history the start command wrote.
        const history = new core.SnapshotHistory(null)
        history.addAll(JSON.parse(fs.readFileSync(path.join(server.dataDir, 'demo-snapshots.json'), 'utf8')))
        for (const metric of headline.slice(3, -1)) {
            const points = history.metric(metric, { asOf: today }).points
            const at = d => points.find(p => p.date === d)?.value
            assert.equal((await cell(metric, 'latest').innerText()).trim(), formatValue(at(sunday)), `${metric} latest`)
            if (at(before)) assert.equal((await cell(metric, 'growth').locator('span').innerText()).trim(), formatRate(at(sunday) / at(before) - 1), `${metric} growth`)
        }
        // The application's formula, from the snapshots file divided here: a share.
        const snapshots = JSON.parse(fs.readFileSync(path.join(server.dataDir, 'demo-snapshots.json'), 'utf8'))
        const adoption = d => {
            const s = snapshots.find(x => x.date === d)
            return s && s.metrics.features && s.metrics.features.tablesDatabases !== undefined ? s.metrics.features.tablesDatabases / s.metrics.teamCount : undefined
        }
        assert.equal((await cell('adoption.tables', 'latest').innerText()).trim(), formatShare(adoption(sunday)), `adoption.tables latest on ${sunday}`)
        assert.match((await cell('adoption.tables', 'latest').innerText()).trim(), /^\d+\.\d\d%$/)
        if (adoption(before)) assert.equal((await cell('adoption.tables', 'growth').locator('span').innerText()).trim(), formatRate(adoption(sunday) / adoption(before) - 1), 'adoption.tables growth')
        // Rating in words and colour, and the page's rows are the API's.
        const api = (await server.json(`/api/overview`)).body
        for (const row of api) {
            assert.equal((await cell(row.metric, 'rating').innerText()).trim(), row.rating)
            assert.equal((await cell(row.metric, 'average').innerText()).trim(), row.average)
            if (row.rating !== '–') assert.match(await cell(row.metric, 'rating').getAttribute('class'), /rating-/)
        }
        await page.waitForTimeout(500)
        await screenshot(page, 'overview')
        await rowOf('adoption.tables').scrollIntoViewIfNeeded()
        await screenshot(page, 'overview-formula')
    })

    const setTarget = (metric, value, date) => setTargetOnPage(page, metric, value, date)

    it('sets a target through the form and shows it on track or behind', async function () {
        const api = (await server.json('/api/overview')).body
        // A metric that grew on average over the last 4 weeks can be on track.
        const growing = api.find(r => r.unit !== 'share' && r.average.startsWith('+'))
        assert.ok(growing, JSON.stringify(api))
        const latest = Number(growing.latest.replace(/,/g, ''))
        await setTarget(growing.metric, latest * 100, new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10))
        await waitFor(async () => (await cell(growing.metric, 'status').innerText()).trim() === 'behind', { timeout: 15000, what: 'behind' })
        assert.match(await cell(growing.metric, 'status').locator('span').getAttribute('class'), /status-behind/)
        await setTarget(growing.metric, latest + 1, '2029-12-30')
        await waitFor(async () => (await cell(growing.metric, 'status').innerText()).trim() === 'on track', { timeout: 15000, what: 'on track' })
        const row = (await server.json('/api/overview')).body.find(r => r.metric === growing.metric)
        assert.equal(row.status, 'on track')
        assert.equal(row.targetDate, '2029-12-30')
        assert.equal((await cell(growing.metric, 'needed').innerText()).trim(), row.needed)
        assert.equal((await cell(growing.metric, 'reachDate').innerText()).trim(), row.reachDate)
        await screenshot(page, 'overview-target')
    })

    it('downloads the table as CSV with the raw values behind the API\'s rows', async function () {
        const [header, ...rows] = parseCsv(await download(page, widget(page, 'ov-rows').locator('[data-csv="overview"]')))
        assert.deepEqual(header, ['metric', 'latest', 'week', 'growth (fraction)', 'rating', 'average (fraction)', 'target', 'targetDate', 'onTrack', 'needed (fraction)', 'current (fraction)', 'reached', 'projected', 'reachDate', 'alert'])
        const api = (await server.json('/api/overview')).body
        assert.equal(rows.length, api.length)
        const number = text => (text === '' ? null : Number(text))
        rows.forEach((cells, i) => {
            const row = api[i]
            assert.equal(cells[0], row.metric)
            // The raw figure, formatted as the page formats it, is the API's text.
            // A formula's (a share) in percent, the rest as values.
            const value = row.unit === 'share' ? formatShare : formatValue
            assert.equal(value(number(cells[1])), row.latest, row.metric)
            assert.equal(cells[2] || '–', row.week, row.metric)
            assert.equal(formatRate(number(cells[3])), row.growth, row.metric)
            assert.equal(formatRate(number(cells[5])), row.average, row.metric)
            assert.equal(cells[4] || '–', row.rating, row.metric)
            if (cells[1] !== '') assert.match(cells[1], /^-?\d+(\.\d+)?(e[-+]\d+)?$/, row.metric)
            if (row.target) {
                assert.equal(value(number(cells[6])), row.target, row.metric)
                assert.equal(cells[7], row.targetDate, row.metric)
                assert.equal(formatRate(number(cells[9])), row.needed, row.metric)
            }
        })
    })

    it('shows 10 rows and more whole: no inner scrollbar, the CSV link in view', async function () {
        // As in the editor: the snapshot node's headline list gets the team types too (3
        // more rows, 14 in all), deployed as a change of that node.
        const flows = (await server.json('/flows')).body
        const snapshot = flows.find(n => n.id === 'cloud-snapshot')
        snapshot.headline += ', teamsByType.*'
        const deployed = await fetch(server.url + '/flows', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' }, body: JSON.stringify(flows) })
        assert.equal(deployed.status, 204)
        await page.reload()
        await waitFor(async () => (await widget(page, 'ov-rows').locator('tr[data-metric]').count()) === 14, { timeout: 30000, what: '14 rows' })
        const boxes = await widget(page, 'ov-rows').evaluate(el => {
            const scrolls = [el, ...el.querySelectorAll('*')].filter(e => e.scrollHeight > e.clientHeight + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
            const link = el.querySelector('[data-csv="overview"]').getBoundingClientRect()
            const box = el.getBoundingClientRect()
            return { scrolls: scrolls.map(e => e.className || e.tagName), link: { top: link.top, bottom: link.bottom }, box: { top: box.top, bottom: box.bottom } }
        })
        assert.deepEqual(boxes.scrolls, [], 'no element of the table scrolls on its own')
        assert.ok(boxes.link.top >= boxes.box.top && boxes.link.bottom <= boxes.box.bottom, `the CSV link ${JSON.stringify(boxes.link)} lies inside the widget ${JSON.stringify(boxes.box)}`)
        // And nothing lies over it: the link is what a click there reaches.
        const hit = await widget(page, 'ov-rows').locator('[data-csv="overview"]').evaluate(a => {
            const r = a.getBoundingClientRect()
            return document.elementFromPoint(r.left + r.width / 2, r.bottom - 2) === a
        })
        assert.ok(hit, 'the CSV link is whole and on top')
        await screenshot(page, 'overview-14-rows')
    })
})
