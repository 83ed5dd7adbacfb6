// A user's flow edits survive the start command (issue 12): the start command's preparation
// of the user directory (`node scripts/userdir.js <dir>`, as scripts/start.sh runs it) deploys
// the application's flows only into a directory that has none, says so when the application's
// flows changed, and `--reset-flows` redeploys them with a backup of the user's.
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed } = require('../support/node-red')

const root = path.resolve(__dirname, '../..')
const prepare = (dir, ...args) => execFileSync(process.execPath, [path.join(root, 'scripts/userdir.js'), dir, ...args], { encoding: 'utf8' })

describe('the start command keeps the user\'s flows', function () {
    let server
    after(async function () {
        if (server) await server.stop()
    })

    it('keeps a metric added in the editor across a restart; --reset-flows restores ours with a backup', async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-start-'))
        prepare(dir)
        server = await startNodeRed({ userDir: dir, prepare: false })
        // The edit this product exists for: a metric added to the snapshot flow, deployed.
        const flows = (await server.json('/flows')).body
        const example = flows.find(n => n.id === 'cloud-example-metrics')
        assert.ok(example, 'the snapshot flow\'s example metrics node')
        example.func = example.func.replace(/return msg\s*$/, 'msg.payload.features = { ...msg.payload.features, myFeature: 42 }\nreturn msg\n')
        assert.match(example.func, /myFeature: 42/)
        const deployed = await fetch(server.url + '/flows', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) })
        assert.equal(deployed.status, 204)
        await server.stop()

        // The start command again: the edit is still there.
        const said = prepare(dir)
        assert.equal(said, '', 'nothing to say when the application\'s flows have not changed')
        server = await startNodeRed({ userDir: dir, prepare: false })
        const after = (await server.json('/flows')).body
        assert.match(after.find(n => n.id === 'cloud-example-metrics').func, /myFeature: 42/)
        await server.stop()

        // An upgrade that brings other flows says so and leaves the user's alone.
        fs.writeFileSync(path.join(dir, '.product-growth-flows.sha256'), 'an older version\n')
        const upgrade = prepare(dir)
        assert.match(upgrade, /flows have changed since they were deployed here/)
        assert.match(upgrade, /--reset-flows/)
        assert.match(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8'), /myFeature: 42/)

        // Asked for: ours again, theirs kept as a backup.
        const reset = prepare(dir, '--reset-flows')
        assert.match(reset, /kept as flows\.json\.backup-/)
        const backups = fs.readdirSync(dir).filter(f => f.startsWith('flows.json.backup-'))
        assert.equal(backups.length, 1)
        assert.match(fs.readFileSync(path.join(dir, backups[0]), 'utf8'), /myFeature: 42/)
        assert.doesNotMatch(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8'), /myFeature: 42/)
        assert.equal(prepare(dir), '', 'and the application\'s flows are current again')
    })
})
