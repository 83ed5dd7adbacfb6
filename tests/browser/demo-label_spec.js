// Every page says "demo data" while it shows it, and none says it on a real start (issue 20):
// the demo as the start command makes it, then the same user directory started on a real
// source (--no-demo: the raw log collecting real pings) with one real ping.
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')

const root = path.resolve(__dirname, '../..')
// Each page and the label on it: the first group's first widget.
const PAGES = { overview: 'ov', installations: 'inst', cloud: 'cloud', 'growth-calculator': 'gc' }

/** The page once its widgets are drawn (the page's own first widget is waited for). */
async function open (page, server, name, firstWidget) {
    await page.goto(`${server.url}/dashboard/${name}`)
    await widget(page, firstWidget).waitFor({ state: 'attached', timeout: 20000 })
    await page.waitForTimeout(500)
}

const FIRST = { overview: 'ov-rows', installations: 'inst-kpis', cloud: 'cloud-picker', 'growth-calculator': 'gc-form' }

describe('the demo data label', function () {
    let server, browser, page
    before(async function () {
        const opened = await openBrowser()
        browser = opened.browser
        page = await opened.context.newPage()
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    it('is on every page of the demo, and on none of a real start in the same directory', async function () {
        server = await startNodeRed({ demo: { installs: 40, days: 60 } })
        for (const [name, prefix] of Object.entries(PAGES)) {
            await open(page, server, name, FIRST[name])
            const label = widget(page, `${prefix}-demo-label`)
            await label.locator('.pg-demo-label').waitFor({ timeout: 10000 })
            assert.match(await label.innerText(), /^Demo data: a year of invented pings and snapshots, not your team's\./, name)
            assert.match(await label.innerText(), /npm start -- --no-demo/)
            const box = await label.boundingBox()
            assert.ok(box && box.height > 10 && box.width > 200, `${name}: the label is drawn (${JSON.stringify(box)})`)
            assert.ok(box.y < (await widget(page, FIRST[name]).boundingBox()).y, `${name}: the label comes first`)
            await screenshot(page, `demo-${name}`)
        }
        const { userDir } = server
        await server.stop()

        const env = { ...process.env }
        delete env.FLOWFUSE_URL
        delete env.DATABASE_URL
        execFileSync(process.execPath, [path.join(root, 'scripts/store.js'), userDir, '--no-demo'], { env })
        server = await startNodeRed({ userDir })
        const ping = { instanceId: 'first-real-install', os: { type: 'Linux' }, platform: { config: { driver: 'localfs' }, counts: { projects: 3, devices: 2 } } }
        assert.equal((await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ping) })).status, 200)
        await waitFor(async () => (await server.json('/api/installations')).body.accepted === 1, { what: 'the real ping in the ledger' })
        for (const [name, prefix] of Object.entries(PAGES)) {
            await open(page, server, name, FIRST[name])
            assert.equal(await widget(page, `${prefix}-demo-label`).locator('.pg-demo-label').count(), 0, `${name}: no label`)
            assert.doesNotMatch(await page.locator('body').innerText(), /demo data/i, `${name}: the page says nothing of demo data`)
            await screenshot(page, `real-first-day-${name}`)
        }
    })
})
