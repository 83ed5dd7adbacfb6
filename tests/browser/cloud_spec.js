// The Cloud usage page in real Chromium: a table row for every metric of the history, and
// the picked metric's charts, starting on the day the metric first appeared.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const core = require('../../pkg')
const { startNodeRed } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { recordWidgetData } = require('../support/dashboard-socket')
const { parseCsv, download } = require('../support/csv')
const { formatPoints, formatRate, formatShare, formatValue } = require('../../node-red-node/lib/format')

describe('Cloud usage page', function () {
    let server, browser, page, socket, history, snapshots

    before(async function () {
        server = await startNodeRed({ demo: { installs: 20, days: 200 } })
        const opened = await openBrowser()
        browser = opened.browser
        page = await opened.context.newPage()
        socket = recordWidgetData(page)
        // Independently: the demo snapshots the start wrote, through the core.
        snapshots = JSON.parse(fs.readFileSync(path.join(server.dataDir, 'demo-snapshots.json'), 'utf8'))
        history = new core.SnapshotHistory()
        history.addAll(snapshots)
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    it('lists every metric in the table with its latest value and growth', async function () {
        await page.goto(server.url + '/dashboard/cloud')
        const table = widget(page, 'cloud-table')
        await table.locator('tbody tr').first().waitFor({ timeout: 20000 })
        const report = history.report({ asOf: new Date().toISOString().slice(0, 10), events: ['signups'] })
        assert.ok(report.metrics.length >= 20)
        // Rows may be paged by the table: ask for all of them through its search, one by one.
        const rows = await table.locator('tbody tr').allInnerTexts()
        const shownNames = rows.map(r => r.split('\t')[0].trim())
        for (const m of report.metrics) {
            if (!shownNames.includes(m.metric)) {
                await table.getByRole('textbox').fill(m.metric)
                await table.locator('tbody tr', { hasText: m.metric }).first().waitFor({ timeout: 5000 })
            }
        }
        await table.getByRole('textbox').fill('teamCount')
        const teams = report.metrics.find(m => m.metric === 'teamCount')
        // The row named teamCount (a formula's row mentions it too, in its kind).
        await table.locator('tbody tr', { hasText: 'teamCount' }).first().waitFor()
        const cells = (await table.locator('tbody tr').allInnerTexts()).map(r => r.split('\t').map(s => s.trim())).find(c => c[0] === 'teamCount')
        assert.equal(cells[1], teams.latest.toLocaleString('en-US'))
        assert.equal(cells[4], teams.rating)
        await table.getByRole('textbox').fill('')
    })

    it('charts the picked metric from its first day, with its weekly growth', async function () {
        const picker = widget(page, 'cloud-picker')
        await picker.locator('input').first().click()
        await page.getByRole('option', { name: 'features.tablesDatabases' }).click()
        const tables = history.metric('features.tablesDatabases', { asOf: new Date().toISOString().slice(0, 10) })
        const deadline = Date.now() + 15000
        const growthShown = () => JSON.stringify(socket.points('cloud-chart-growth').map(p => p.y)) === JSON.stringify(tables.growthChart.map(p => p.y))
        while ((socket.series('cloud-chart-values')[0] !== 'features.tablesDatabases' || !growthShown()) && Date.now() < deadline) await page.waitForTimeout(200)
        const values = socket.points('cloud-chart-values')
        assert.deepEqual(socket.series('cloud-chart-values'), ['features.tablesDatabases'])
        assert.equal(values.length, tables.points.length)
        assert.equal(values[0].x, Date.parse(tables.points[0].date), 'starts on its first day, no zeros before')
        const growth = socket.points('cloud-chart-growth')
        assert.deepEqual(growth.map(p => p.y), tables.growthChart.map(p => p.y))
        assert.ok(growth.length > 0)
        await widget(page, 'cloud-chart-values').locator('canvas').first().waitFor()
        await page.waitForTimeout(800)
        await screenshot(page, 'cloud')
    })

    it('shows the application\'s formulas as shares: adoption.tables is tables ÷ teams of the last day', async function () {
        // Independently of the core: the demo snapshots' last two days, divided here.
        const days = [...snapshots].sort((a, b) => a.date.localeCompare(b.date)).slice(-2)
        const tables = s => s.metrics.features.tablesDatabases / s.metrics.teamCount
        const table = widget(page, 'cloud-table')
        await table.getByRole('textbox').fill('adoption')
        const row = table.locator('tbody tr', { hasText: 'adoption.tables' }).first()
        await row.waitFor({ timeout: 10000 })
        const cells = (await row.innerText()).split('\t').map(s => s.trim())
        assert.equal(cells[1], formatShare(tables(days[1])), `latest of ${days[1].date}: ${days[1].metrics.features.tablesDatabases} / ${days[1].metrics.teamCount}`)
        assert.equal(cells[2], formatPoints(tables(days[1]) - tables(days[0])), 'the change on the day, in percentage points')
        assert.match(cells[3], /^[+-]?\d+\.\d\d%$|^–$/)
        assert.equal(cells[7], 'share: features.tablesDatabases / teamCount')
        // The Team Broker's formula too (clients per team: it may pass 100 %).
        const broker = (await table.locator('tbody tr', { hasText: 'adoption.teamBroker' }).first().innerText()).split('\t').map(s => s.trim())
        assert.equal(broker[1], formatShare(days[1].metrics.features.teamBrokerClients / days[1].metrics.teamCount))
        // The API and its CSV keep the fraction.
        const api = (await server.json('/api/cloud')).body.metrics.find(m => m.metric === 'adoption.tables')
        assert.equal(api.latest, tables(days[1]))
        assert.equal(api.formula, 'features.tablesDatabases / teamCount')
        // Picked, its chart has the core's fractions and an axis that says so.
        const picker = widget(page, 'cloud-picker')
        await picker.locator('input').first().click()
        await page.getByRole('option', { name: 'adoption.tables' }).click()
        const deadline = Date.now() + 15000
        while (socket.series('cloud-chart-values')[0] !== 'adoption.tables' && Date.now() < deadline) await page.waitForTimeout(200)
        assert.equal(socket.points('cloud-chart-values').at(-1).y, tables(days[1]))
        await widget(page, 'cloud-chart-values').locator('canvas').first().waitFor()
        await page.waitForTimeout(800)
        await screenshot(page, 'cloud-formula')
        await table.getByRole('textbox').fill('')
    })

    it('downloads every metric as CSV with the raw values the API reports, the page\'s text aside', async function () {
        const [header, ...rows] = parseCsv(await download(page, widget(page, 'cloud-csv-link').locator('[data-csv="cloud"]')))
        assert.deepEqual(header, ['metric', 'latest', 'change', 'weeklyGrowth (fraction)', 'rating', 'averageGrowth (fraction)', 'since', 'latestDate', 'aggregate', 'ended'])
        const report = (await server.json('/api/cloud')).body
        assert.deepEqual(rows.map(r => r[0]), report.metrics.map(m => m.metric))
        const raw = v => (v === null || v === undefined ? '' : String(v))
        for (const [i, m] of report.metrics.entries()) {
            // Plain numbers a spreadsheet can sum: no grouping, no percent sign.
            assert.equal(rows[i][1], raw(m.latest), m.metric)
            assert.equal(rows[i][2], raw(m.change), m.metric)
            assert.equal(rows[i][3], raw(m.weeklyGrowth), m.metric)
            assert.equal(rows[i][4], raw(m.rating), m.metric)
            assert.equal(rows[i][6], m.firstDate, m.metric)
            assert.match(rows[i][1], /^-?\d+(\.\d+)?(e[-+]\d+)?$/, m.metric)
        }
        // The page still shows the formatted text of the same figures.
        const latest = report.metrics[0]
        await widget(page, 'cloud-table').locator('td', { hasText: formatValue(latest.latest) }).first().waitFor()
        assert.ok(formatRate(latest.weeklyGrowth))
    })
})
