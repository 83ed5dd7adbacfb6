// The route for a self-hosted Node-RED with no npm publish in between: the tarball from
// `npm pack`, uploaded in the editor's palette manager (Manage palette > Install > upload).
// The upload goes through the same admin API call the editor makes, into a plain Node-RED
// 4.1 with nothing of ours in its user directory, and must survive a restart.
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, waitFor } = require('../support/node-red')

const root = path.resolve(__dirname, '../..')
const packageDir = path.join(root, 'node-red-node')
const manifest = require(path.join(packageDir, 'package.json'))
const declared = Object.keys(manifest['node-red'].nodes).sort()

// What the editor's $.ajaxSetup adds to every admin request it makes (red.js), besides the
// multipart body of the upload form.
const EDITOR_HEADERS = { 'Node-RED-API-Version': 'v2', 'X-Requested-With': 'XMLHttpRequest' }

/** A plain Node-RED's user directory: a settings file and nothing else; Node-RED makes the rest. */
function plainUserDir (dir) {
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'settings.js'), 'module.exports = { uiHost: "127.0.0.1", uiPort: Number(process.env.PORT), flowFile: "flows.json" }\n')
    return dir
}

// The palette's npm install fetches pg from the registry as anyone's would; from npm's cache
// when it is there, so a repeat run needs no network (npm reads npm_config_* from the env).
const NPM_ENV = { npm_config_prefer_offline: 'true' }

async function ourNodeSets (server) {
    const res = await fetch(server.url + '/nodes', { headers: { Accept: 'application/json', ...EDITOR_HEADERS } })
    assert.equal(res.status, 200)
    return (await res.json()).filter(s => s.module === manifest.name)
}

/** POSTs the calculator's question and resolves with the answer, once the route exists. */
async function project (server, question) {
    const res = await waitFor(async () => {
        const r = await fetch(server.url + '/growth', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(question) })
        return r.status !== 404 && r
    }, { what: 'the deployed /growth route' })
    assert.equal(res.status, 200, await res.clone().text())
    return res.json()
}

// 100 at 10 % a week: 110 after one week, 121 after two (100 × 1.1²), a multiple of 1.21;
// in doubles the core gives 121.00000000000001, as 100 * 1.1 ** 2 does in JavaScript.
function assertTwoWeeksAtTenPercent (answer) {
    const near = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`)
    assert.equal(answer.start, 100)
    assert.equal(answer.weeks, 2)
    near(answer.weeklyRate, 0.1)
    near(answer.end, 121)
    near(answer.multiple, 1.21)
    assert.deepEqual(answer.points.map(p => p.week), [0, 1, 2])
    answer.points.forEach((p, i) => near(p.value, [100, 110, 121][i]))
    assert.equal(answer.rating, 'exceptional')
}

describe('the tarball uploaded through the palette manager of a plain Node-RED 4.1', function () {
    let tmp, tarball, userDir, server

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-palette-'))
        const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))
        tarball = path.join(tmp, packed[0].filename)
        userDir = plainUserDir(path.join(tmp, 'userdir'))
    })
    after(async function () {
        if (server) await server.stop()
        fs.rmSync(tmp, { recursive: true, force: true })
    })

    it('starts with nothing of ours and the upload allowed', async function () {
        server = await startNodeRed({ userDir, prepare: false, env: NPM_ENV })
        assert.match(server.log(), /Node-RED version: v4\.1\./)
        assert.deepEqual(await ourNodeSets(server), [])
        assert.ok(!fs.existsSync(path.join(userDir, 'node_modules', manifest.name)))
        const settings = await server.json('/settings', { headers: EDITOR_HEADERS })
        assert.notEqual(settings.body.externalModules?.palette?.allowUpload, false, 'the editor shows its upload button')
    })

    it('installs the uploaded tgz with its nine nodes enabled, kept in the user directory', async function () {
        const form = new FormData()
        form.append('tarball', new Blob([fs.readFileSync(tarball)], { type: 'application/gzip' }), path.basename(tarball))
        const res = await fetch(server.url + '/nodes', { method: 'POST', headers: EDITOR_HEADERS, body: form })
        const info = await res.json()
        assert.equal(res.status, 200, JSON.stringify(info))
        assert.equal(info.name, manifest.name)
        assert.equal(info.version, manifest.version)
        assert.deepEqual(declared, ['api-query', 'growth-calculator', 'growth-overview', 'installations', 'meta-snapshot', 'pings-database', 'store-ping', 'telemetry-ping', 'week-on-week'])
        assert.deepEqual(info.nodes.flatMap(s => s.types).sort(), declared)
        assert.ok(info.nodes.every(s => s.enabled && !s.err), JSON.stringify(info.nodes))

        const sets = await ourNodeSets(server)
        assert.deepEqual(sets.flatMap(s => s.types).sort(), declared)
        assert.ok(sets.every(s => s.enabled && !s.err && s.version === manifest.version), JSON.stringify(sets))
        // Node-RED keeps the upload as <userDir>/nodes/<name>-<version>.tgz and records it in
        // the user directory's package.json, so an `npm install` there later reinstalls it.
        const tgz = `${manifest.name}-${manifest.version}.tgz`
        assert.ok(fs.existsSync(path.join(userDir, 'nodes', tgz)))
        const userPackage = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8'))
        assert.equal(userPackage.dependencies[manifest.name], `file:nodes/${tgz}`)
        assert.ok(fs.existsSync(path.join(userDir, 'node_modules/pg/package.json')), 'its dependency pg is installed with it')
    })

    it('runs a deployed growth calculator with no restart: 100 at 10 % for 2 weeks is 121', async function () {
        const flows = [
            { id: 'tab1', type: 'tab', label: 'palette check' },
            { id: 'in1', z: 'tab1', type: 'http in', url: '/growth', method: 'post', wires: [['calc1']] },
            // Empty settings: every input comes from msg.payload.
            { id: 'calc1', z: 'tab1', type: 'growth-calculator', mode: 'project', property: 'payload', start: '', weeklyRatePercent: '', weeks: '', wires: [['out1'], [], [], []] },
            { id: 'out1', z: 'tab1', type: 'http response', wires: [] }
        ]
        const deployed = await fetch(server.url + '/flows', { method: 'POST', headers: { ...EDITOR_HEADERS, 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify({ flows }) })
        assert.equal(deployed.status, 200, await deployed.clone().text())
        assert.ok((await deployed.json()).rev)
        assertTwoWeeksAtTenPercent(await project(server, { start: 100, weeklyRatePercent: 10, weeks: 2 }))
    })

    it('is still installed after a restart, and the flow still answers 121', async function () {
        await server.stop()
        server = null
        server = await startNodeRed({ userDir, prepare: false, env: NPM_ENV })
        const sets = await ourNodeSets(server)
        assert.deepEqual(sets.flatMap(s => s.types).sort(), declared)
        assert.ok(sets.every(s => s.enabled && !s.err), JSON.stringify(sets))
        assert.doesNotMatch(server.log(), /Waiting for missing types/)
        assertTwoWeeksAtTenPercent(await project(server, { start: 100, weeklyRatePercent: 10, weeks: 2 }))
    })
})
