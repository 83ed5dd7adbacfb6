// The growth calculator page in real Chromium against a real Node-RED running the
// application's flows with the real Dashboard 2.0 package.
const assert = require('node:assert/strict')
const { startNodeRed } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')

async function submitForm (form, values) {
    for (const [label, value] of Object.entries(values)) {
        const input = form.getByLabel(label, { exact: true })
        await input.fill(String(value))
    }
    await form.getByRole('button', { name: /submit/i }).click()
}

describe('growth calculator page', function () {
    let server, browser, page

    before(async function () {
        server = await startNodeRed()
        ;({ browser } = await openBrowser().then(async b => {
            page = await b.context.newPage()
            return b
        }))
    })
    after(async function () {
        if (browser) await browser.close()
        if (server) await server.stop()
    })

    it('computes 5% for 52 weeks from 100 as 1,264.28 and draws the page', async function () {
        await page.goto(server.url + '/dashboard/growth-calculator')
        const form = widget(page, 'gc-form')
        const end = widget(page, 'gc-result-end')
        await form.waitFor()
        // First another question, so the answer we read back is the one we asked for.
        await submitForm(form, { 'Start value': 100, 'Weekly growth %': 10, Weeks: 4 })
        await end.getByText('146.41').waitFor({ timeout: 15000 })
        await submitForm(form, { 'Start value': 100, 'Weekly growth %': 5, Weeks: 52 })
        await end.getByText('1,264.28').waitFor({ timeout: 15000 })
        assert.match(await end.innerText(), /1,264\.28/)
        assert.match(await widget(page, 'gc-result-multiple').innerText(), /×12\.64/)
        assert.match(await widget(page, 'gc-result-rating').innerText(), /strong/)

        // The reference table: exact values from DESIGN.md, 100 after 52 weeks.
        const table = widget(page, 'gc-reference-table')
        for (const value of ['1,310,463.09', '14,204.29', '3,372.53', '2,069.69', '1,264.28', '768.66', '465.09', '280.03', '167.77', '129.61']) {
            await table.getByText(value, { exact: true }).waitFor({ timeout: 15000 })
        }
        await widget(page, 'gc-projection-chart').locator('canvas').first().waitFor()
        await page.waitForTimeout(500)
        await screenshot(page, 'growth-calculator')
    })
})
