// What the steady trickle costs where our nodes are not: the same pings at the same rate
// against a Node-RED whose only flow is `http in` (POST /ping) → `http response` (200), and
// against a bare Node.js HTTP server that parses the body and answers. The collector's CPU a
// ping is read against these, since no flow of nodes behind `http in` can cost less.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startNodeRed, freePort, waitFor } = require('../tests/support/node-red')
const { trickle } = require('./collector')

const FLOW = [
    { id: 'floor-tab', type: 'tab', label: 'floor' },
    { id: 'floor-in', type: 'http in', z: 'floor-tab', url: '/ping', method: 'post', wires: [['floor-out']] },
    { id: 'floor-out', type: 'http response', z: 'floor-tab', statusCode: '200', wires: [] }
]

// Node-RED's defaults but for the port and host startNodeRed gives it.
const SETTINGS = `module.exports = {
    uiHost: process.env.HOST, uiPort: Number(process.env.PORT), flowFile: 'flows.json',
    telemetry: { enabled: false }, diagnostics: { enabled: false }, editorTheme: { tours: false }
}
`

const SERVER = `require('node:http').createServer((req, res) => {
    const parts = []
    req.on('data', d => parts.push(d))
    req.on('end', () => { JSON.parse(Buffer.concat(parts)); res.end('{}') })
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))
`

/** The trickle against a Node-RED with only `http in` → `http response`. */
async function nodeRedFloor ({ rate, seconds }) {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-growth-floor-'))
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(FLOW))
    fs.writeFileSync(path.join(userDir, 'settings.js'), SETTINGS)
    const server = await startNodeRed({ userDir, prepare: false })
    try {
        return await trickle(server, { rate, seconds })
    } finally {
        await server.stop('SIGTERM')
        fs.rmSync(userDir, { recursive: true, force: true })
    }
}

/** The trickle against a bare Node.js HTTP server. */
async function nodeFloor ({ rate, seconds }) {
    const port = await freePort()
    const child = spawn(process.execPath, ['-e', SERVER], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise(resolve => child.once('exit', resolve))
    let out = ''
    child.stdout.on('data', d => { out += d })
    try {
        await waitFor(() => /listening/.test(out), { what: 'the bare Node.js server' })
        return await trickle({ url: `http://127.0.0.1:${port}`, pid: child.pid }, { rate, seconds })
    } finally {
        process.kill(child.pid, 'SIGTERM')
        await exited
    }
}

module.exports = { nodeRedFloor, nodeFloor }
