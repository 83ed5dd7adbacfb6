// Starts a real Node-RED (the one in node_modules) with the application's user directory on
// a free loopback port, and stops it by its PID: Node-RED renames its process, so never by name.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { prepareUserDir, root } = require('../../scripts/userdir')
const { writeDemo } = require('../../scripts/demo-data')
const { useStore } = require('../../scripts/store')

function freePort () {
    return new Promise((resolve, reject) => {
        const server = net.createServer()
        server.unref()
        server.on('error', reject)
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address()
            server.close(() => resolve(port))
        })
    })
}

async function waitFor (check, { timeout = 30000, interval = 200, what = 'condition' } = {}) {
    const until = Date.now() + timeout
    for (;;) {
        const value = await check()
        if (value) return value
        if (Date.now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
        await new Promise(resolve => setTimeout(resolve, interval))
    }
}

/**
 * @param {object} [options]
 * @param {string} [options.userDir] reuse a directory (for restart tests); a new temp one otherwise
 * @param {boolean} [options.prepare] write settings and flows into it (default true)
 * @param {object} [options.env] extra environment for the flows
 * @param {string[]} [options.nodeArgs] options for Node.js itself (e.g. --cpu-prof, which NODE_OPTIONS refuses)
 * @param {string} [options.cwd] Node-RED's working directory (default the user directory)
 * @param {{installs: number, days: number}} [options.demo] start on the demo store, as the start
 *   command does with no real source, with demo pings and snapshots of this size
 * @param {'team'} [options.store] start on the team's store, as the start command does on a real source
 * The returned `dataDir` is where the raw log and the context are: the store's directory, else
 * the user directory itself.
 */
async function startNodeRed (options = {}) {
    const userDir = options.userDir || fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-'))
    if (options.prepare !== false) prepareUserDir(userDir)
    let dataDir = userDir
    if (options.demo) {
        dataDir = useStore(userDir, 'demo')
        writeDemo(dataDir, options.demo)
    } else if (options.store) {
        dataDir = useStore(userDir, options.store)
    }
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    let log = ''
    const child = spawn(process.execPath, [...(options.nodeArgs || []), path.join(root, 'node_modules/node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
        env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
        // Relative file paths (the file node's) resolve here when no fileWorkingDirectory is set.
        cwd: options.cwd || userDir,
        stdio: ['ignore', 'pipe', 'pipe']
    })
    child.stdout.on('data', d => { log += d })
    child.stderr.on('data', d => { log += d })
    const exited = new Promise(resolve => child.once('exit', (code, signal) => resolve({ code, signal })))
    try {
        await waitFor(async () => {
            if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode}:\n${log}`)
            return /Started flows/.test(log)
        }, { timeout: 60000, what: 'Node-RED to start its flows' })
    } catch (err) {
        child.kill('SIGKILL')
        throw err
    }
    return {
        url,
        port,
        userDir,
        dataDir,
        pid: child.pid,
        log: () => log,
        /** Resolves with the parsed JSON body of a request to the running Node-RED. */
        async json (urlPath, init) {
            const res = await fetch(url + urlPath, init)
            return { status: res.status, body: await res.json() }
        },
        exited,
        async stop (signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, signal)
            return exited
        }
    }
}

module.exports = { startNodeRed, freePort, waitFor }
