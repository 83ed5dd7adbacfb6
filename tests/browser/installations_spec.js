// The Installations page in real Chromium: every chart gets non-empty series, the KPIs on
// the page are the core's figures for the raw log, and the range picker narrows the charts.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const core = require('../../pkg')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { recordWidgetData } = require('../support/dashboard-socket')
const { formatRate } = require('../../node-red-node/lib/format')
const { parseCsv, download } = require('../support/csv')

const CHARTS = {
    'inst-chart-active': ['active', 'pinged', 'pinged so far'],
    'inst-chart-instances': ['hosted', 'remote'],
    'inst-chart-driver': null,
    'inst-chart-os': null,
    'inst-chart-version': null,
    'inst-chart-license': null,
    'inst-chart-changes': ['added', 'removed', 'resurrected']
}

describe('Installations page', function () {
    let server, browser, page, socket

    before(async function () {
        server = await startNodeRed({ demo: { installs: 150, days: 200 } })
        const opened = await openBrowser()
        browser = opened.browser
        page = await opened.context.newPage()
        socket = recordWidgetData(page)
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    it('shows every chart with data and the KPIs the core computes from the raw log', async function () {
        await page.goto(server.url + '/dashboard/installations')
        const kpis = widget(page, 'inst-kpis')
        await kpis.waitFor()
        for (const id of Object.keys(CHARTS)) await widget(page, id).locator('canvas').first().waitFor({ timeout: 20000 })
        await page.waitForFunction(() => document.querySelector('#nrdb-ui-widget-inst-kpis [data-kpi="active"] .kpi-value')?.textContent.trim() !== '–', null, { timeout: 20000 })

        // Independently: the core over the raw log the start wrote, as of today.
        const raw = fs.readFileSync(path.join(server.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const today = new Date().toISOString().slice(0, 10)
        const report = core.aggregateInstallations(raw, { asOf: today })
        const last = report.days.at(-1)
        const weekAgo = report.days.at(-8)
        const shown = async key => (await kpis.locator(`[data-kpi="${key}"] .kpi-value`).innerText()).trim()
        assert.equal(await shown('active'), last.active.toLocaleString('en-US'))
        const change = last.active - weekAgo.active
        assert.equal(await shown('activeChange'), (change > 0 ? '+' : '') + change.toLocaleString('en-US'))
        assert.equal(await shown('hosted'), last.hosted.toLocaleString('en-US'))
        assert.equal(await shown('remote'), last.remote.toLocaleString('en-US'))
        const weekly = core.weekOnWeek(report.days.map(d => ({ date: d.date, value: d.active })), { aggregate: 'last', asOf: today })
        assert.equal(await shown('rating'), weekly.summary.rating ?? '–')
        assert.equal(await shown('weeklyGrowth'), formatRate(weekly.summary.latestGrowth))

        for (const [id, expected] of Object.entries(CHARTS)) {
            const points = socket.points(id)
            assert.ok(points.length > 0, `${id} received no points`)
            if (expected) assert.deepEqual(socket.series(id), expected, id)
            else assert.ok(socket.series(id).length >= 2, `${id} has ${socket.series(id)}`)
        }
        // 90 days by default (the node's setting), and today's point matches the report.
        const active = socket.points('inst-chart-active').filter(p => p.series === 'active')
        assert.equal(active.length, 90)
        assert.deepEqual(active.at(-1), { series: 'active', x: Date.parse(today), y: last.active })
        // Today is in progress: the pinged line stops at yesterday's count, and today's count
        // so far is a point of its own.
        const pinged = socket.points('inst-chart-active').filter(p => p.series === 'pinged')
        assert.equal(pinged.length, 89)
        assert.deepEqual(pinged.at(-1), { series: 'pinged', x: Date.parse(report.days.at(-2).date), y: report.days.at(-2).pinged })
        assert.deepEqual(socket.points('inst-chart-active').filter(p => p.series === 'pinged so far'), [{ series: 'pinged so far', x: Date.parse(today), y: last.pinged }])
        assert.ok(socket.points('inst-chart-changes').some(p => p.series === 'removed' && p.y < 0), 'removed drawn below zero')
        await page.waitForTimeout(800)
        await screenshot(page, 'installations')
    })

    it('narrows every chart to 30 days from the range picker', async function () {
        const thirty = widget(page, 'inst-range').getByRole('button', { name: '30 days' })
        await thirty.waitFor()
        await thirty.click()
        // Each chart gets its own message: wait for all of them, not just the first.
        const shown = (id, series) => socket.points(id).filter(p => p.series === series).length
        await waitFor(() => shown('inst-chart-active', 'active') === 30 && shown('inst-chart-instances', 'hosted') === 30 &&
            shown('inst-chart-driver', socket.series('inst-chart-driver')[0]) === 30, { what: 'every chart to narrow', timeout: 15000 }).catch(() => {})
        assert.equal(shown('inst-chart-active', 'active'), 30)
        assert.equal(shown('inst-chart-instances', 'hosted'), 30)
        assert.equal(shown('inst-chart-driver', socket.series('inst-chart-driver')[0]), 30)
    })

    it('shows cohort retention as readable, shaded cells, and downloads the days and the cohorts as the API gives them', async function () {
        const api = (await server.json('/api/installations/retention')).body
        assert.ok(api.length > 3)
        const table = widget(page, 'inst-retention')
        await table.locator('tr[data-cohort]').first().waitFor({ timeout: 20000 })
        assert.equal(await table.locator('tr[data-cohort]').count(), api.length)
        for (const cohort of [api[0], api.at(-1)]) {
            const row = table.locator(`tr[data-cohort="${cohort.cohort}"]`)
            for (const weeks of [1, 4, 52]) {
                const cell = row.locator(`td[data-weeks="${weeks}"]`)
                assert.equal((await cell.innerText()).trim(), cohort[`w${weeks}`] || '–', `${cohort.cohort} at ${weeks} weeks`)
                const background = await cell.evaluate(td => getComputedStyle(td).backgroundColor)
                assert.equal(/rgba\(79, 70, 229/.test(background), cohort[`share${weeks}`] !== null, `${cohort.cohort} shaded at ${weeks} weeks: ${background}`)
            }
        }
        // The oldest cohort, by hand from the raw log: installs whose first ping is in its week.
        const raw = fs.readFileSync(path.join(server.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const firstDay = new Map()
        for (const p of raw) {
            const day = (p.receivedAt || p.created_at).slice(0, 10)
            if (!firstDay.has(p.instanceId) || day < firstDay.get(p.instanceId)) firstDay.set(p.instanceId, day)
        }
        const end = new Date(Date.parse(api[0].start) + 7 * 864e5).toISOString().slice(0, 10)
        assert.equal(api[0].size, [...firstDay.values()].filter(d => d >= api[0].start && d < end).length)

        const [cohortHeader, ...cohortRows] = parseCsv(await download(page, table.locator('[data-csv="retention"]')))
        const weeks = [1, 2, 4, 8, 12, 26, 52]
        assert.deepEqual(cohortHeader, ['cohort', 'start', 'size', ...weeks.map(w => `w${w} (fraction)`)])
        // The shares as numbers (empty where the week is not complete), not the page's text.
        assert.deepEqual(cohortRows, api.map(c => [c.cohort, c.start, String(c.size), ...weeks.map(w => (c[`share${w}`] === null ? '' : String(c[`share${w}`])))]))
        const report = (await server.json('/api/installations')).body
        const [dayHeader, ...dayRows] = parseCsv(await download(page, table.locator('[data-csv="days"]')))
        assert.deepEqual(dayHeader, ['date', 'active', 'pinged', 'added', 'resurrected', 'removed', 'hosted', 'remote'])
        assert.deepEqual(dayRows, report.days.map(d => dayHeader.map(h => String(d[h]))))
        await table.scrollIntoViewIfNeeded()
        await screenshot(page, 'installations-retention')
    })
})
