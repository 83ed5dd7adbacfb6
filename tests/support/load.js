// Drives the collector: `clients` concurrent keep-alive clients POST `total` pings between
// them, each with its own instanceId, and record what every one got back.
const http = require('node:http')

function postPing (agent, url, body) {
    return new Promise(resolve => {
        const started = process.hrtime.bigint()
        const req = http.request(url + '/ping', { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, res => {
            res.resume()
            res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }))
        })
        req.on('error', err => resolve({ status: 0, error: err.code, ms: Number(process.hrtime.bigint() - started) / 1e6 }))
        req.end(body)
    })
}

function percentile (sorted, p) {
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN
}

/**
 * @param {string} url the Node-RED base URL
 * @param {{total: number, clients?: number, prefix?: string, onProgress?: (sent: number) => void}} options
 * @returns {Promise<{results: Array<{id, status, ms}>, seconds, perSecond, p50, p99}>}
 */
async function runLoad (url, { total, clients = 8, prefix = 'load', onProgress }) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients })
    const results = new Array(total)
    let next = 0
    const started = process.hrtime.bigint()
    async function client () {
        for (;;) {
            const i = next++
            if (i >= total) return
            const id = `${prefix}-${i}`
            const body = JSON.stringify({ instanceId: id, os: { type: 'Linux' }, env: { flowforge: '2.33.2' }, platform: { counts: { projects: i % 7, devices: i % 3 }, config: { driver: 'docker' }, license: { type: 'CE' } } })
            const r = await postPing(agent, url, body)
            results[i] = { id, ...r }
            if (onProgress) onProgress(i + 1)
        }
    }
    await Promise.all(Array.from({ length: clients }, client))
    agent.destroy()
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const latencies = results.filter(r => r.status === 200).map(r => r.ms).sort((a, b) => a - b)
    return { results, seconds, perSecond: total / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }
}

module.exports = { runLoad }
