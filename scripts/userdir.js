#!/usr/bin/env node
// Prepares a Node-RED user directory for the Product Metrics Dashboard: our settings, our
// node package linked in (so edits need no reinstall), and every flow file under flows/
// deployed as one flows.json. Used by the start command and by the tests, so both run the
// same application.
//
//   node scripts/userdir.js <dir>
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

function prepareUserDir (dir) {
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
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(readFlows(), null, 2))
    return dir
}

module.exports = { prepareUserDir, readFlows, root }

if (require.main === module) {
    const dir = process.argv[2]
    if (!dir) {
        console.error('usage: node scripts/userdir.js <dir>')
        process.exit(2)
    }
    prepareUserDir(path.resolve(dir))
}
