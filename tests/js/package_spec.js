// The tarball people install: it must carry the .wasm and load both nodes in a clean
// Node-RED user directory on a machine with no Rust.
const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')

const root = path.resolve(__dirname, '../..')
const packageDir = path.join(root, 'node-red-node')

function npm (args, options) {
    return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
}

describe('the packed node-red-contrib-product-growth tarball', function () {
    let tmp, tarball

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-pack-'))
        const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], { cwd: packageDir }))
        tarball = path.join(tmp, packed[0].filename)
        this.files = packed[0].files.map(f => f.path)
    })
    after(() => fs.rmSync(tmp, { recursive: true, force: true }))

    it('lists the .wasm, the nodes, their help and the examples', function () {
        const nodes = Object.keys(require(path.join(packageDir, 'package.json'))['node-red'].nodes)
        const perNode = nodes.flatMap(n => [`nodes/${n}.js`, `nodes/${n}.html`, `nodes/locales/en-US/${n}.json`, `nodes/locales/en-US/${n}.html`])
        for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', 'core/product_growth_bg.wasm', 'core/product_growth.js', ...perNode, 'examples/growth-calculator.json', 'examples/week-on-week.json', 'examples/collector-and-installations.json', 'examples/cloud-snapshots.json', 'examples/overview-whole-dashboard.json']) {
            assert.ok(this.files.includes(file), `${file} missing from ${this.files.join(', ')}`)
        }
        assert.ok(!this.files.some(f => f.startsWith('test/')), 'tests are not shipped')
    })

    it('describes itself as the Flow Library expects, with the dashboard as an optional peer', function () {
        const manifest = require(path.join(packageDir, 'package.json'))
        assert.equal(manifest.keywords[0], 'node-red')
        assert.match(manifest.repository.url, /github\.com/)
        assert.ok(manifest.homepage)
        assert.equal(manifest.license, 'Apache-2.0')
        assert.ok(manifest.peerDependencies['@flowfuse/node-red-dashboard'])
        assert.equal(manifest.peerDependenciesMeta['@flowfuse/node-red-dashboard'].optional, true)
        const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8')
        for (const node of Object.keys(manifest['node-red'].nodes).map(n => n.replace(/-/g, ' '))) assert.ok(readme.includes('`' + node + '`'), `README says what ${node} does`)
        assert.match(readme, /need `@flowfuse\/node-red-dashboard` installed first/)
    })

    it('would publish with no warning about the package, its version in the changelog', function () {
        const manifest = require(path.join(packageDir, 'package.json'))
        // --offline: the registry's list of published versions is only a guard against
        // publishing one twice, and npm carries on without it.
        const result = spawnSync('npm', ['publish', '--dry-run', '--json', '--offline'], { cwd: packageDir, encoding: 'utf8' })
        assert.equal(result.status, 0, result.stderr)
        const warnings = result.stderr.split('\n').filter(line => /^npm warn/.test(line))
        // Not being logged in to npm is this machine's state, not the package's: the one
        // warning a dry run may give. A manifest npm would correct ("npm pkg fix") or an
        // unknown publishConfig key would show here.
        assert.deepEqual(warnings.filter(line => !/requires you to be logged in .*\(dry-run\)/.test(line)), [])
        const packed = JSON.parse(result.stdout)[manifest.name]
        assert.equal(packed.version, manifest.version)
        assert.ok(packed.files.some(f => f.path === 'CHANGELOG.md'))
        const changelog = fs.readFileSync(path.join(packageDir, 'CHANGELOG.md'), 'utf8')
        assert.match(changelog, new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'), 'the version has its entry')
        assert.match(changelog, /Semantic Versioning/)
    })

    it('installs into a clean user directory and loads every node with no Rust on the PATH', async function () {
        const userDir = path.join(tmp, 'userdir')
        fs.mkdirSync(userDir)
        fs.writeFileSync(path.join(userDir, 'package.json'), '{"name":"clean","private":true}')
        // Its dependencies (pg) come from the registry as for anyone installing it; from
        // npm's cache when they are there, so a repeat run needs no network.
        npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: userDir })
        assert.ok(fs.existsSync(path.join(userDir, 'node_modules/pg/package.json')), 'pg is installed with the package')
        fs.writeFileSync(path.join(userDir, 'settings.js'), 'module.exports = { uiHost: "127.0.0.1", uiPort: Number(process.env.PORT), flowFile: "flows.json" }\n')
        // Only node's own directory on the PATH: no cargo, rustc or wasm-pack.
        const PATH = path.dirname(process.execPath)
        const server = await startNodeRed({ userDir, prepare: false, env: { PATH } })
        try {
            const res = await fetch(server.url + '/nodes', { headers: { Accept: 'application/json' } })
            const sets = await res.json()
            const ours = sets.filter(s => s.module === 'node-red-contrib-product-growth')
            const declared = Object.keys(require(path.join(packageDir, 'package.json'))['node-red'].nodes).sort()
            assert.deepEqual(declared, ['api-query', 'growth-calculator', 'growth-overview', 'installations', 'meta-snapshot', 'pings-database', 'store-ping', 'telemetry-ping', 'week-on-week'])
            assert.deepEqual(ours.map(s => s.types).flat().sort(), declared)
            assert.ok(ours.every(s => s.enabled && !s.err), JSON.stringify(ours))
            // Loaded is not enough: deploy both nodes behind HTTP endpoints and use them.
            const flow = [
                { id: 't1', type: 'tab', label: 'check' },
                { id: 'in1', z: 't1', type: 'http in', url: '/calc', method: 'post', wires: [['calc']] },
                { id: 'calc', z: 't1', type: 'growth-calculator', mode: 'project', property: 'payload', wires: [['out1'], [], [], []] },
                { id: 'in2', z: 't1', type: 'http in', url: '/wow', method: 'post', wires: [['wow']] },
                { id: 'wow', z: 't1', type: 'week-on-week', property: 'payload', aggregate: 'last', partial: false, wires: [['out1'], [], [], []] },
                { id: 'out1', z: 't1', type: 'http response', wires: [] }
            ]
            const deployed = await fetch(server.url + '/flows', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flow) })
            assert.ok(deployed.ok, await deployed.text())
            const post = (url, body) => fetch(server.url + url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(async r => { const text = await r.text(); try { return JSON.parse(text) } catch (_) { throw new Error(`${url}: ${r.status} ${text.slice(0, 200)}`) } })
            // A deploy returns before the new flows have registered their HTTP routes.
            const calc = JSON.stringify({ start: 100, weeklyRatePercent: 5, weeks: 52 })
            const response = await waitFor(async () => {
                const res = await fetch(server.url + '/calc', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: calc })
                return res.status !== 404 && res
            }, { what: 'the deployed /calc route' })
            const projection = await response.json()
            assert.equal(Math.round(projection.end * 100) / 100, 1264.28)
            const weeks = await post('/wow', [{ date: '2026-12-27', value: 10 }, { date: '2026-12-28', value: 12 }])
            assert.deepEqual(weeks.weeks.map(w => [w.week, w.growth]), [['2026-W52', null], ['2026-W53', 0.2]])
        } finally {
            await server.stop()
        }
    })
})
