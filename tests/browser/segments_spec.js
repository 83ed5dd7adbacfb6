// The Installations page by segment (issue 21), in real Chromium on the demo: the segment
// picker switches the KPIs to one licence, checked against a count made here from the raw
// log by DESIGN.md's definitions; the Versions section's newest release and its share, and
// the Licence changes table, are there.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { formatShare } = require('../../node-red-node/lib/format')

const WINDOW_DAYS = 7
const field = (p, dotted) => p[dotted] !== undefined ? p[dotted] : dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), p)

/**
 * By the definitions: each install's latest ping at or before `day` (the latest of its day),
 * active when that ping is within the window; its licence and major.minor version from it.
 */
function activeInstalls (raw, day) {
    const latest = new Map()
    for (const p of raw) {
        const at = p.receivedAt ?? p.created_at
        const date = new Date(at).toISOString().slice(0, 10)
        if (date > day) continue
        const seen = latest.get(p.instanceId)
        if (!seen || at > seen.at) latest.set(p.instanceId, { at, date, ping: p })
    }
    const from = new Date(Date.parse(day) - (WINDOW_DAYS - 1) * 864e5).toISOString().slice(0, 10)
    return [...latest.entries()].filter(([, l]) => l.date >= from).map(([id, l]) => ({
        id,
        license: field(l.ping, 'platform.license.type') ?? 'unknown',
        version: (String(field(l.ping, 'env.flowforge') ?? '').match(/^(\d+\.\d+)/) || [null, 'unknown'])[1]
    }))
}

/** `2026-W05`: the ISO week (Monday to Sunday, ISO week-year) of a day. */
function isoWeek (day) {
    const t = new Date(day + 'T00:00:00Z')
    const thursday = new Date(t.getTime() + (3 - ((t.getUTCDay() + 6) % 7)) * 864e5)
    const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1)
    const week = 1 + Math.floor((thursday.getTime() - jan1) / (7 * 864e5))
    return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/** CE → EE upgrades per complete ISO week, by DESIGN.md: installs active at the ends of the
 * week before and of the week whose licence went from CE to EE. */
function upgradesByWeek (raw, today) {
    const t = Date.parse(today)
    const back = new Date(t).getUTCDay() === 0 ? 7 : new Date(t).getUTCDay()
    const sundays = []
    const first = raw.map(p => new Date(p.receivedAt ?? p.created_at).toISOString().slice(0, 10)).sort()[0]
    for (let s = t - back * 864e5; new Date(s).toISOString().slice(0, 10) >= first; s -= 7 * 864e5) sundays.unshift(new Date(s).toISOString().slice(0, 10))
    const out = {}
    for (let i = 1; i < sundays.length; i++) {
        const before = new Map(activeInstalls(raw, sundays[i - 1]).map(a => [a.id, a.license]))
        const n = activeInstalls(raw, sundays[i]).filter(a => a.license === 'EE' && before.get(a.id) === 'CE').length
        if (n) out[isoWeek(sundays[i])] = n
    }
    return out
}

describe('Installations page by segment', function () {
    this.timeout(180000)
    let server, browser, page
    const today = new Date().toISOString().slice(0, 10)

    before(async function () {
        server = await startNodeRed({ demo: { installs: 150, days: 200 } })
        const opened = await openBrowser()
        browser = opened.browser
        page = await opened.context.newPage()
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    const kpi = key => widget(page, 'inst-kpis').locator(`[data-kpi="${key}"]`)
    const kpiValue = async key => (await kpi(key).locator('.kpi-value').innerText()).trim()

    it('switches the KPIs to one licence through the segment picker', async function () {
        const raw = fs.readFileSync(path.join(server.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const active = activeInstalls(raw, today)
        const ee = active.filter(i => i.license === 'EE').length
        assert.ok(ee > 0 && ee < active.length, `the demo has EE installs among others: ${ee} of ${active.length}`)

        await page.goto(server.url + '/dashboard/installations')
        await waitFor(async () => (await kpiValue('active').catch(() => '–')) === active.length.toLocaleString('en-US'), { what: 'every install\'s KPI', timeout: 30000 })
        assert.equal((await kpi('segment').innerText()).trim(), 'All installs')
        // Pick "licence EE (n)" as a person does.
        await widget(page, 'inst-segment').locator('.v-select, .v-field').first().click()
        const option = page.getByRole('option', { name: `licence EE (${ee})`, exact: true })
        await option.waitFor({ timeout: 15000 })
        await option.click()
        await waitFor(async () => (await kpi('segment').innerText()).trim() === 'licence EE', { what: 'the EE segment on the page', timeout: 15000 })
        await waitFor(async () => (await kpiValue('active')) === ee.toLocaleString('en-US'), { what: `${ee} active EE installs`, timeout: 15000 })
        // The overview's source stays every install.
        const report = (await server.json('/api/installations')).body
        assert.equal(report.days.at(-1).active, active.length)
        await page.waitForTimeout(500)
        await screenshot(page, 'installations-segment-ee')
    })

    it('shows the Versions section and the licence changes', async function () {
        const raw = fs.readFileSync(path.join(server.dataDir, 'pings.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
        const ee = activeInstalls(raw, today).filter(i => i.license === 'EE')
        const release = v => v.split('.').map(Number)
        const newest = ee.map(i => i.version).filter(v => v !== 'unknown').sort((a, b) => release(a)[0] - release(b)[0] || release(a)[1] - release(b)[1]).at(-1)
        const on = ee.filter(i => i.version === newest).length
        const versions = widget(page, 'inst-newest')
        await waitFor(async () => (await versions.locator('[data-newest="version"]').count()) > 0, { what: 'the newest release', timeout: 15000 })
        assert.equal((await versions.locator('[data-newest="version"]').innerText()).trim(), newest)
        assert.equal((await versions.locator('[data-newest="share"]').innerText()).trim(), formatShare(on / ee.length))
        await widget(page, 'inst-chart-version-share').locator('canvas').first().waitFor({ timeout: 15000 })
        const uptakeRows = widget(page, 'inst-uptake').locator('tbody tr')
        await waitFor(async () => (await uptakeRows.count()) > 1, { what: 'the uptake table', timeout: 15000 })
        await waitFor(async () => (await widget(page, 'inst-licence-changes').locator('tbody tr').count()) > 0, { what: 'the licence changes', timeout: 15000 })
        // The upgrades, against the same definitions worked out here from the raw log.
        const upgrades = upgradesByWeek(raw, today)
        assert.ok(Object.keys(upgrades).length > 0, 'the demo upgrades CE installs to EE')
        const rows = await widget(page, 'inst-licence-changes').locator('tbody tr').evaluateAll(trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim())))
        const shown = Object.fromEntries(rows.filter(r => r[1] === 'CE → EE').map(r => [r[0], Number(r[3])]))
        assert.equal(rows.filter(r => r[1] === 'CE → EE').every(r => r[2] === 'upgrade'), true)
        // The table's first page runs from the newest week back to its last row's week.
        const onPage = Object.keys(upgrades).filter(w => w >= rows.at(-1)[0])
        assert.ok(onPage.length > 0, 'an upgrade on the first page')
        assert.deepEqual(Object.fromEntries(onPage.map(w => [w, shown[w]])), Object.fromEntries(onPage.map(w => [w, upgrades[w]])), 'the first page of the table')
        await widget(page, 'inst-chart-version-share').scrollIntoViewIfNeeded()
        await page.waitForTimeout(800)
        await screenshot(page, 'installations-versions')
    })
})
