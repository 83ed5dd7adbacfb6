#!/usr/bin/env node
// Prepares a Node-RED user directory for the Product Metrics Dashboard: our settings, our
// node package linked in (so edits need no reinstall), and, the first time only, every flow
// file under flows/ deployed as one flows.json (a user's edits in the editor are theirs).
// Used by the start command and by the tests, so both run the same application.
//
//   node scripts/userdir.js <dir> [--reset-flows]
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const PACKAGE = 'node-red-contrib-product-growth'

function readFlows () {
    const dir = path.join(root, 'flows')
    return fs.readdirSync(dir)
        .filter(f => f.endsWith('.json'))
        .sort()
        .flatMap(f => {
            const nodes = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
            if (!Array.isArray(nodes)) throw new Error(`flows/${f}: must be an array of nodes`)
            return nodes
        })
}

const crypto = require('node:crypto')

/** The application's flows, and a fingerprint of them to tell an upgrade from a user edit. */
function appFlows () {
    const text = JSON.stringify(readFlows(), null, 2)
    return { text, hash: crypto.createHash('sha256').update(text).digest('hex') }
}

/**
 * Settings and the node package are ours and refreshed every time. The flows are the
 * user's once deployed: flows.json is written only into a directory that has none, or when
 * asked (`resetFlows`), which first keeps the old one as flows.json.backup-<time>. When the
 * application's flows changed since they were deployed here, that is said, and the user's
 * flows are left as they are.
 * @returns {{flows: 'deployed'|'kept'|'reset', upgrade: boolean, backup?: string}}
 */
function prepareUserDir (dir, { resetFlows = false, log = () => {} } = {}) {
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
    fs.copyFileSync(path.join(root, 'flows', 'settings.js'), path.join(dir, 'settings.js'))
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
        name: 'product-metrics-dashboard',
        private: true,
        dependencies: { [PACKAGE]: 'file:' + path.join(root, 'node-red-node') }
    }, null, 2))
    const link = path.join(dir, 'node_modules', PACKAGE)
    fs.rmSync(link, { recursive: true, force: true })
    fs.symlinkSync(path.join(root, 'node-red-node'), link, 'dir')

    const flowsFile = path.join(dir, 'flows.json')
    const stamp = path.join(dir, '.product-growth-flows.sha256')
    const app = appFlows()
    const deploy = () => {
        fs.writeFileSync(flowsFile, app.text)
        fs.writeFileSync(stamp, app.hash + '\n')
    }
    if (!fs.existsSync(flowsFile)) {
        deploy()
        return { flows: 'deployed', upgrade: false }
    }
    if (resetFlows) {
        const backup = `${flowsFile}.backup-${new Date().toISOString().replace(/[:.]/g, '-')}`
        fs.copyFileSync(flowsFile, backup)
        deploy()
        log(`the application's flows are deployed again; your flows were kept as ${path.basename(backup)}`)
        return { flows: 'reset', upgrade: false, backup }
    }
    const deployedHash = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : null
    const upgrade = deployedHash !== app.hash
    if (upgrade) {
        log('the application\'s flows have changed since they were deployed here; your flows.json is left as it is.')
        log('to take the new ones (yours are backed up first): npm start -- --reset-flows')
    }
    return { flows: 'kept', upgrade }
}

module.exports = { prepareUserDir, readFlows, root }

if (require.main === module) {
    const args = process.argv.slice(2)
    const dir = args.find(a => !a.startsWith('--'))
    const unknown = args.filter(a => a.startsWith('--') && a !== '--reset-flows')
    if (!dir || unknown.length) {
        console.error('usage: node scripts/userdir.js <dir> [--reset-flows]')
        process.exit(2)
    }
    prepareUserDir(path.resolve(dir), { resetFlows: args.includes('--reset-flows'), log: line => console.log(`[start] ${line}`) })
}
