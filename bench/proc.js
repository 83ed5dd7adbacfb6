// What the benchmarks share: the generated pings (made in a child process and cached), a
// process's CPU time and memory read from /proc, and numbers from Node-RED's log.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { waitFor } = require('../tests/support/node-red')

const fmt = (x, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const MB = 1e6
const TICK_MS = 10 // /proc/<pid>/stat counts CPU in 1/100 s

function cpuMs (pid) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS // utime + stime
}

function memory (pid) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = name => Number((status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm')) || [])[1]) * 1024
    return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** The number in the first log line matching `re` (after `from`), waiting for it. */
async function logged (server, re, from = 0, timeout = 600000) {
    const m = await waitFor(() => server.log().slice(from).match(re), { timeout, what: String(re) })
    return Number(m[1].replace(/,/g, ''))
}

/**
 * Generated pings as an NDJSON file, cached in the temporary directory; with `pings`, cut
 * after exactly that many. Made in a child process: making them here would leave this
 * process's WebAssembly memory grown by the generator (memory only grows), hiding a
 * measured peak.
 */
function demoFile ({ installs, days, start, seed = 1, pings }, suffix = '') {
    const file = path.join(os.tmpdir(), `product-growth-bench-${installs}x${days}${suffix}${pings ? `-${pings}` : ''}.ndjson`)
    if (!fs.existsSync(file)) {
        execFileSync(process.execPath, [path.join(__dirname, 'demo-log.js'), file, JSON.stringify({ installs, days, start, seed }), String(pings || '')], { stdio: 'inherit' })
    }
    return file
}

module.exports = { fmt, MB, cpuMs, memory, logged, demoFile }
