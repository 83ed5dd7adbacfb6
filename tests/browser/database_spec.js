// The same pings two ways: as the NDJSON raw log of the embedded default, and as rows of the
// collector's table in PostgreSQL (`DATABASE_URL=… npm start`). The Installations page must
// read the same in both, and its KPIs be the core's figures for those pings.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Pool } = require('pg')
const core = require('../../pkg')
const { startNodeRed } = require('../support/node-red')
const { startPostgres } = require('../support/postgres')
const { ddl, insertAll } = require('../support/pings-rows')
const { writeDemoPings } = require('../../scripts/demo-data')
const { openBrowser, screenshot, widget } = require('../support/browser')

const KPIS = ['active', 'activeChange', 'weeklyGrowth', 'rating', 'hosted', 'remote']

describe('Installations page: NDJSON default and PostgreSQL show the same', function () {
    this.timeout(240000)
    let pg, pool, embedded, database, browser, context

    before(async function () {
        pg = await startPostgres()
        pool = new Pool({ connectionString: pg.url, max: 4 })
        pool.on('error', () => {})
        await pool.query(ddl)
        embedded = await startNodeRed({ demo: { installs: 90, days: 75 } })
        // The very pings of the embedded raw log, inserted as the collector inserts them.
        const pings = fs.readFileSync(path.join(embedded.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const stored = await insertAll(pool, 'pings', pings)
        assert.equal(stored.length, pings.length)
        database = await startNodeRed({ env: { DATABASE_URL: pg.url } })
        ;({ browser, context } = await openBrowser())
    })
    after(async function () {
        if (browser) await browser.close()
        for (const s of [embedded, database]) if (s) await s.stop()
        if (pool) await pool.end()
        if (pg) await pg.stop()
    })

    async function kpisOf (server, name) {
        const page = await context.newPage()
        await page.goto(server.url + '/dashboard/installations')
        const kpis = widget(page, 'inst-kpis')
        await kpis.waitFor()
        await page.waitForFunction(() => document.querySelector('#nrdb-ui-widget-inst-kpis [data-kpi="active"] .kpi-value')?.textContent.trim() !== '–', null, { timeout: 60000 })
        await widget(page, 'inst-chart-active').locator('canvas').first().waitFor({ timeout: 20000 })
        const shown = {}
        for (const key of KPIS) shown[key] = (await kpis.locator(`[data-kpi="${key}"] .kpi-value`).innerText()).trim()
        await page.waitForTimeout(800)
        await screenshot(page, name)
        await page.close()
        return shown
    }

    it('reads the same KPIs from the raw log and from the pings table, the core\'s figures for those pings', async function () {
        const fromLog = await kpisOf(embedded, 'installations-ndjson')
        const fromTable = await kpisOf(database, 'installations-postgresql')
        assert.deepEqual(fromTable, fromLog)
        // Independently of both pages: the core over the raw log, as of today.
        const raw = fs.readFileSync(path.join(embedded.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const today = new Date().toISOString().slice(0, 10)
        const days = core.aggregateInstallations(raw, { asOf: today }).days
        assert.equal(fromTable.active, days.at(-1).active.toLocaleString('en-US'))
        assert.equal(fromTable.hosted, days.at(-1).hosted.toLocaleString('en-US'))
        assert.equal(fromTable.remote, days.at(-1).remote.toLocaleString('en-US'))
        const change = days.at(-1).active - days.at(-8).active
        assert.equal(fromTable.activeChange, (change > 0 ? '+' : '') + change.toLocaleString('en-US'))
        assert.ok(days.at(-1).active > 0)
    })
})
