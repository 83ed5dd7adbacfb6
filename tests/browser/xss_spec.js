// Names chosen by outsiders (a ping's OS or driver) and by colleagues (a metric's name) reach
// the dashboard. Holding HTML and script, they must show as text and run nothing.
const assert = require('node:assert/strict')
const http = require('node:http')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { recordWidgetData } = require('../support/dashboard-socket')

const OS = '<img src=x onerror=alert(1)>'
const DRIVER = '<script>alert(2)</script>'
const METRIC = '<img src=y onerror=alert(3)>'

describe('names holding HTML and script', function () {
    let platform, server, browser, page, socket
    const dialogs = []

    before(async function () {
        platform = http.createServer((req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/json' })
            res.end(JSON.stringify({ teamCount: 3, [METRIC]: 5 }))
        })
        await new Promise(resolve => platform.listen(0, '127.0.0.1', resolve))
        server = await startNodeRed({ env: { FLOWFUSE_URL: `http://127.0.0.1:${platform.address().port}` } })
        const ping = { instanceId: 'xss-check', os: { type: OS }, platform: { config: { driver: DRIVER }, counts: { projects: 1 } } }
        const res = await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ping) })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal((await server.json('/api/cloud/snapshot', { method: 'POST' })).status, 200)
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === 1, { what: 'the ping in the ledger' })
        const opened = await openBrowser()
        browser = opened.browser
        page = await opened.context.newPage()
        page.on('dialog', dialog => { dialogs.push(dialog.message()); dialog.dismiss() })
        socket = recordWidgetData(page)
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
        if (platform) await new Promise(resolve => platform.close(resolve))
    })

    it('shows a metric named with HTML as text in the Cloud table, running nothing', async function () {
        await page.goto(server.url + '/dashboard/cloud')
        const table = widget(page, 'cloud-table')
        const cell = table.locator('td', { hasText: METRIC })
        await cell.first().waitFor({ timeout: 20000 })
        assert.equal((await cell.first().innerText()).trim(), METRIC)
        assert.equal(await table.locator('img').count(), 0, 'no element was made from the name')
        await page.waitForTimeout(1000)
        assert.deepEqual(dialogs, [])
        await screenshot(page, 'xss-cloud')
    })

    it('charts an OS and a driver named with HTML as plain series names, running nothing', async function () {
        await page.goto(server.url + '/dashboard/installations')
        await widget(page, 'inst-chart-os').locator('canvas').first().waitFor({ timeout: 20000 })
        await waitFor(() => socket.series('inst-chart-os').includes(OS), { what: 'the OS series' })
        assert.ok(socket.series('inst-chart-driver').includes(DRIVER))
        assert.equal(await page.locator('#nrdb-ui-widget-inst-chart-os img, #nrdb-ui-widget-inst-chart-driver script').count(), 0)
        // Hovering shows the chart's tooltip, which is HTML: the names must be escaped there too.
        const box = await widget(page, 'inst-chart-os').locator('canvas').first().boundingBox()
        await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2)
        await page.waitForTimeout(1000)
        assert.deepEqual(dialogs, [])
        await screenshot(page, 'xss-installations')
    })
})
