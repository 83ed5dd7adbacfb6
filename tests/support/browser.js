// Debian's chromium driven by playwright-core (a browser download is not possible here).
const fs = require('node:fs')
const path = require('node:path')
const { chromium } = require('playwright-core')

const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots')

async function openBrowser () {
    const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    })
    // The dashboard registers a service worker that would serve stale pages between tests.
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1400, height: 1100 } })
    return { browser, context }
}

async function screenshot (page, name) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true })
    const file = path.join(SCREENSHOTS, name + '.png')
    await page.screenshot({ path: file, fullPage: true })
    return file
}

/** The widget Dashboard 2.0 renders for a node. */
function widget (page, nodeId) {
    return page.locator(`#nrdb-ui-widget-${nodeId}`)
}

/** Sets a metric's target through the Overview page's form, as a person does. */
async function setTarget (page, metric, value, date) {
    const form = widget(page, 'ov-form')
    await form.locator('.v-select').first().click()
    await page.getByRole('option', { name: metric, exact: true }).click()
    await form.getByLabel('Target value').fill(String(value))
    await form.getByLabel('By (date)').fill(date)
    await form.getByRole('button', { name: 'set target' }).click()
}

module.exports = { openBrowser, screenshot, widget, setTarget, SCREENSHOTS }
