// The first day a team points an install at the collector (issue 13): with a single ping the
// Installations page's line charts draw the point (a line of one point draws nothing), the
// y axis starts at zero, the added bar is drawn and the x axis is labelled in days.
const assert = require('node:assert/strict')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { recordWidgetData } = require('../support/dashboard-socket')

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
