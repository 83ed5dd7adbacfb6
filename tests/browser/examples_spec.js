// Every example the palette package carries (Import > Examples), imported into a clean
// Node-RED that has only the packed tarball and Dashboard 2.0 installed, deployed through
// the admin API: it deploys without an error and its page shows its widgets in Chromium;
// the collector and overview examples also take a ping. The examples are written from the
// application's flows (scripts/examples.js) and must match them.
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')
const { openBrowser, screenshot, widget } = require('../support/browser')
const { examples, text } = require('../../scripts/examples')

const root = path.resolve(__dirname, '../..')
const packageDir = path.join(root, 'node-red-node')
const exampleDir = path.join(packageDir, 'examples')
const fixture = JSON.parse(fs.readFileSync(path.join(root, '../shared/fixtures/ping-flowfuse-2.33.2-ce-stub.json'), 'utf8'))

describe('the palette examples in a clean Node-RED', function () {
    this.timeout(300000)
    let tmp, userDir, browser, context

    before(async function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-examples-'))
        const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: packageDir, encoding: 'utf8' }))
        userDir = path.join(tmp, 'userdir')
        fs.mkdirSync(path.join(userDir, 'node_modules', '@flowfuse'), { recursive: true })
        fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'clean-instance', private: true }))
        execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, packed[0].filename)], { cwd: userDir, stdio: 'ignore' })
        // The dashboard as a user has it from the palette (the copy the tests use).
        fs.symlinkSync(path.join(root, 'node_modules/@flowfuse/node-red-dashboard'), path.join(userDir, 'node_modules/@flowfuse/node-red-dashboard'), 'dir')
        fs.writeFileSync(path.join(userDir, 'settings.js'), 'module.exports = { uiHost: "127.0.0.1", uiPort: Number(process.env.PORT), flowFile: "flows.json" }\n')
        ;({ browser, context } = await openBrowser())
    })
    after(async function () {
        if (browser) await browser.close()
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
    })

    it('are the application\'s flows, as scripts/examples.js writes them', function () {
        for (const [name, nodes] of Object.entries(examples())) {
            assert.equal(fs.readFileSync(path.join(exampleDir, `${name}.json`), 'utf8'), text(nodes), `${name}: run "node scripts/examples.js"`)
        }
        const types = new Set(fs.readdirSync(exampleDir).flatMap(f => JSON.parse(fs.readFileSync(path.join(exampleDir, f), 'utf8')).map(n => n.type)))
        for (const type of Object.keys(require(path.join(packageDir, 'package.json'))['node-red'].nodes)) {
            assert.ok(types.has(type), `no example uses ${type}`)
        }
    })

    for (const file of fs.readdirSync(exampleDir).filter(f => f.endsWith('.json')).sort()) {
        it(`${file}: deploys and its page shows its widgets`, async function () {
            // A clean instance each time: no flows, no raw log or checkpoint of an example before.
            for (const f of ['flows.json', 'pings.ndjson', 'pings.ndjson.checkpoint', 'product-growth', 'context']) fs.rmSync(path.join(userDir, f), { recursive: true, force: true })
            const server = await startNodeRed({ userDir, prepare: false, env: { PATH: path.dirname(process.execPath) } })
            try {
                const nodes = JSON.parse(fs.readFileSync(path.join(exampleDir, file), 'utf8'))
                const res = await fetch(server.url + '/flows', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(nodes) })
                assert.ok(res.status === 200 || res.status === 204, `${res.status} ${await res.text()}`)
                await waitFor(() => (server.log().match(/Started flows/g) || []).length >= 2, { what: 'the deploy' })
                const deployed = server.log().split('Started flows').slice(1).join('')
                assert.doesNotMatch(deployed, /\[error\]/, deployed)
                if (nodes.some(n => n.type === 'http in' && n.url === '/ping')) {
                    const ping = await server.json('/ping', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fixture) })
                    assert.deepEqual(ping, { status: 200, body: { status: 'success' } })
                    await waitFor(async () => (await server.json('/api/installations')).body.accepted === 1, { what: 'the ping in the ledger' })
                }
                // Every page of the example, each with one of its widgets drawn.
                const pages = nodes.filter(n => n.type === 'ui-page')
                assert.ok(pages.length > 0)
                for (const p of pages) {
                    const groups = new Set(nodes.filter(n => n.type === 'ui-group' && n.page === p.id).map(g => g.id))
                    const shown = nodes.find(n => groups.has(n.group) && /^ui-(template|chart|table|text|form)$/.test(n.type))
                    assert.ok(shown, `${p.path} has a widget`)
                    const base = nodes.find(n => n.type === 'ui-base')
                    const page = await context.newPage()
                    await page.goto(server.url + (base.path || '/dashboard') + p.path)
                    await widget(page, shown.id).waitFor({ timeout: 30000 })
                    if (p === pages[0]) await screenshot(page, `example-${file.replace(/\.json$/, '')}`)
                    await page.close()
                }
            } finally {
                await server.stop()
            }
        })
    }
})
