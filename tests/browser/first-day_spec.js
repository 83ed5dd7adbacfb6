// The first day a team points an install at the collector (issue 13): with a single ping the
// Installations page's line charts draw the point (a line of one point draws nothing), the
// y axis starts at zero, the added bar is drawn and the x axis is labelled in days. The
// Overview (issue 20) shows what is known then (the day's value and change, when the first
// week ends) and says when growth, a target's status and the alerts start.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget, setTarget } = require('../support/browser')
const { recordWidgetData } = require('../support/dashboard-socket')

const DAY_MS = 864e5
const isoDay = ms => new Date(ms).toISOString().slice(0, 10)
/** The Sunday that ends the ISO week (Monday to Sunday) holding a day. */
function sundayOf (day) {
    const t = Date.parse(day)
    return isoDay(t + ((7 - new Date(t).getUTCDay()) % 7) * DAY_MS)
}
const overviewCell = (page, metric, col) => widget(page, 'ov-rows').locator(`tr[data-metric="${metric}"] [data-col="${col}"]`).first()
const text = async locator => (await locator.innerText()).trim()

/** Pixels of a chart's canvas in an RGB colour, below its legend (the top fifth). */
function countColour (page, nodeId, [r, g, b], tolerance = 40) {
    return page.evaluate(({ id, r, g, b, tolerance }) => {
        const canvas = document.querySelector(`#nrdb-ui-widget-${id} canvas`)
        const top = Math.floor(canvas.height * 0.2)
        const { data } = canvas.getContext('2d').getImageData(0, top, canvas.width, canvas.height - top)
        let n = 0
        for (let i = 0; i < data.length; i += 4) {
            if (Math.abs(data[i] - r) < tolerance && Math.abs(data[i + 1] - g) < tolerance && Math.abs(data[i + 2] - b) < tolerance && data[i + 3] > 200) n++
        }
        return n
    }, { id: nodeId, r, g, b, tolerance })
}

describe('the Installations page on its first day', function () {
    let server, browser, page, socket
    before(async function () {
        server = await startNodeRed()
        const ping = { instanceId: 'first-install', os: { type: 'Linux' }, platform: { config: { driver: 'localfs' }, counts: { projects: 2, devices: 1 } } }
        assert.equal((await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ping) })).status, 200)
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === 1, { what: 'the ping in the ledger' })
        const opened = await openBrowser()
        browser = opened.browser
        page = await opened.context.newPage()
        socket = recordWidgetData(page)
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    it('draws the single day as a visible point, with the y axis from zero', async function () {
        await page.goto(server.url + '/dashboard/installations')
        await widget(page, 'inst-chart-os').locator('canvas').first().waitFor({ timeout: 20000 })
        await waitFor(() => socket.points('inst-chart-os').length > 0, { what: 'the OS chart\'s data', timeout: 20000 })
        const today = new Date().toISOString().slice(0, 10)
        assert.deepEqual(socket.points('inst-chart-os'), [{ series: 'Linux', x: Date.parse(today), y: 1 }], 'one day, one point')
        // #4f46e5 is the first series' colour: the drawn point is a disc of it in the plot
        // (the chart has one series; with pointShape "false" there are none, only the legend's).
        const pixels = await waitFor(async () => {
            const n = await countColour(page, 'inst-chart-os', [0x4f, 0x46, 0xe5])
            return n > 10 && n
        }, { what: 'the point to be drawn', timeout: 10000 }).catch(async () => countColour(page, 'inst-chart-os', [0x4f, 0x46, 0xe5]))
        assert.ok(pixels > 10, `the point is drawn: ${pixels} pixels of the series colour in the plot`)
        const flows = (await server.json('/flows')).body
        for (const id of ['inst-chart-active', 'inst-chart-instances', 'inst-chart-driver', 'inst-chart-os', 'inst-chart-version', 'inst-chart-license']) {
            assert.equal(flows.find(n => n.id === id).ymin, '0', `${id}: y from zero`)
        }
        // The day's bar: one install added, stacked on the day's removed (0), so the y axis
        // reaches zero and the bar has height (a stacked axis of only 1s would start at 1).
        assert.deepEqual(socket.points('inst-chart-changes').filter(p => p.series === 'added'), [{ series: 'added', x: Date.parse(today), y: 1 }])
        const bar = await waitFor(async () => {
            const n = await countColour(page, 'inst-chart-changes', [0x4f, 0x46, 0xe5])
            return n > 200 && n
        }, { what: 'the added bar to be drawn', timeout: 10000 }).catch(async () => countColour(page, 'inst-chart-changes', [0x4f, 0x46, 0xe5]))
        assert.ok(bar > 200, `the added bar is drawn: ${bar} pixels of its colour in the plot`)
        for (const n of flows.filter(n => n.type === 'ui-chart' && n.xAxisType === 'time')) {
            assert.equal(n.chartOptions.xAxis.minInterval, 86400000, `${n.id}: at most one x tick a day`)
        }
        await screenshot(page, 'installations-first-day')
    })
})

describe('the Overview page in the first days', function () {
    this.timeout(120000)
    let server, browser, page
    const today = isoDay(Date.now())
    const yesterday = isoDay(Date.now() - DAY_MS)
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    async function open () {
        if (!browser) browser = (await openBrowser()).browser
        page = await (await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1400, height: 1100 } })).newPage()
        await page.goto(server.url + '/dashboard/overview')
        await waitFor(async () => (await widget(page, 'ov-rows').locator('tr[data-metric]').count()) === 3, { timeout: 30000, what: 'the three installations rows' })
    }

    it('shows on the first day the day\'s values, when the first week ends and when growth, targets and alerts start', async function () {
        server = await startNodeRed({ store: 'team' })
        const ping = { instanceId: 'first-install', os: { type: 'Linux' }, platform: { config: { driver: 'localfs' }, counts: { projects: 2, devices: 1 } } }
        assert.equal((await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ping) })).status, 200)
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === 1, { what: 'the ping in the ledger' })
        await open()
        // This ISO week ends on its Sunday (today, on a Sunday); growth compares two weeks, so
        // it starts with the week after, ending seven days later.
        const firstWeekEnd = sundayOf(today)
        const growthFrom = isoDay(Date.parse(firstWeekEnd) + 7 * DAY_MS)
        for (const [metric, value] of [['active installs', '1'], ['hosted instances', '2'], ['remote instances', '1']]) {
            await waitFor(async () => (await text(overviewCell(page, metric, 'latest'))).startsWith(value), { what: `${metric}: ${value}`, timeout: 15000 })
            assert.equal(await text(overviewCell(page, metric, 'latestNote')), `on ${today}; first week ends ${firstWeekEnd}`, metric)
            assert.equal(await text(overviewCell(page, metric, 'change')), '–', `${metric}: no day before, no change`)
            assert.equal(await text(overviewCell(page, metric, 'growthNote')), `from the week ending ${growthFrom}`, metric)
        }
        assert.equal(await text(widget(page, 'ov-rows').locator('[data-note="starts"]')), `Week-on-week growth, the targets' status and the alerts start with the week ending ${growthFrom}, the second complete week.`)
        await setTarget(page, 'active installs', 100, isoDay(Date.now() + 180 * DAY_MS))
        await waitFor(async () => (await text(overviewCell(page, 'active installs', 'status'))) === `from the week ending ${growthFrom}`, { what: 'the target saying when its status starts', timeout: 15000 })
        assert.equal(await text(overviewCell(page, 'active installs', 'target')), `100 by ${isoDay(Date.now() + 180 * DAY_MS)}`)
        assert.equal((await server.json('/api/overview')).body.find(r => r.metric === 'active installs').status, `from the week ending ${growthFrom}`)
        await page.waitForTimeout(300)
        await screenshot(page, 'overview-first-day')
        await server.stop()
        server = null
    })

    it('shows on the second day the change from the first', async function () {
        // The first day's server, had its test stopped half way.
        if (server) await server.stop()
        server = null
        // Yesterday install A (3 instances); today install B (4): active 1 → 2 (A is still
        // active within the 7-day window), hosted 3 → 7.
        const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-second-day-'))
        fs.mkdirSync(path.join(userDir, 'team'))
        const at = (day, hour) => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`
        fs.writeFileSync(path.join(userDir, 'team', 'pings.ndjson'), JSON.stringify({ instanceId: 'install-a', platform: { counts: { projects: 3 } }, receivedAt: at(yesterday, 12) }) + '\n')
        server = await startNodeRed({ userDir, store: 'team' })
        assert.equal((await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instanceId: 'install-b', platform: { counts: { projects: 4 } } }) })).status, 200)
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === 2, { what: 'both pings in the ledger' })
        await open()
        await waitFor(async () => (await text(overviewCell(page, 'active installs', 'change'))) === '+1', { what: 'the change on the day', timeout: 15000 })
        assert.equal(await text(overviewCell(page, 'hosted instances', 'change')), '+4')
        assert.equal(await text(overviewCell(page, 'remote instances', 'change')), '0')
        // Today a Monday: yesterday's week is complete and its value (1) is the latest; else
        // the table shows today's value with its date.
        const mondayToday = new Date(Date.parse(today)).getUTCDay() === 1
        if (mondayToday) {
            assert.equal(await text(overviewCell(page, 'active installs', 'latest')), '1')
            assert.equal(await overviewCell(page, 'active installs', 'latestNote').count(), 0)
        } else {
            assert.ok((await text(overviewCell(page, 'active installs', 'latest'))).startsWith('2'))
            assert.equal(await text(overviewCell(page, 'active installs', 'latestNote')), `on ${today}; first week ends ${sundayOf(today)}`)
        }
        await screenshot(page, 'overview-second-day')
    })
})

