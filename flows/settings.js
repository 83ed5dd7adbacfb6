// Node-RED settings for the Product Metrics Dashboard (copied into the user directory by
// scripts/userdir.js). Bound to loopback by default: the editor has no login.
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const PING_PATH = '/ping'
const PING_MAX_BYTES = 64 * 1024
// Pings a source may send a minute (a FlowFuse install sends one a day, plus one per
// restart); 0 turns the limit off. The ping endpoint faces the internet.
const PING_RATE_PER_MINUTE = process.env.PING_RATE_PER_MINUTE === undefined ? 60 : Number(process.env.PING_RATE_PER_MINUTE)

/**
 * FlowFuse's collector promises to store only a hash of the sender's IP. The hash is salted
 * (a secret made once per user directory, or PING_IP_SALT) so it cannot be reversed by
 * hashing every IPv4 address.
 */
function ipSalt () {
    if (process.env.PING_IP_SALT) return process.env.PING_IP_SALT
    const file = path.join(__dirname, '.ping-ip-salt')
    try {
        return fs.readFileSync(file, 'utf8').trim()
    } catch (_) {
        const salt = crypto.randomBytes(32).toString('hex')
        fs.writeFileSync(file, salt + '\n', { mode: 0o600 })
        return salt
    }
}
const IP_SALT = ipSalt()

function hashIp (ip) {
    return crypto.createHmac('sha256', IP_SALT).update(String(ip)).digest('base64')
}

/** Fixed one-minute windows per source; the table is cleared if a flood fills it. */
const windows = new Map()
function overRate (source) {
    if (!PING_RATE_PER_MINUTE) return false
    const minute = Math.floor(Date.now() / 60000)
    const w = windows.get(source)
    if (!w || w.minute !== minute) {
        if (windows.size > 100000) windows.clear()
        windows.set(source, { minute, count: 1 })
        return false
    }
    w.count += 1
    return w.count > PING_RATE_PER_MINUTE
}

/**
 * The collector flow answers like FlowFuse's own collector, including for bodies that are
 * not JSON. Node-RED's JSON parser would answer those itself (an HTML page with a stack
 * trace), so for POST /ping the raw text is read here, bounded in size, and handed to the
 * flow as a string (req._body tells the parser it is done).
 */
function pingBody (req, res, next) {
    if (req.method !== 'POST' || req.path !== PING_PATH || req._body) return next()
    // Only the salted hash travels on: the flow never sees the address itself.
    const source = hashIp(req.socket.remoteAddress)
    req.pingSource = source
    if (overRate(source)) {
        req.resume()
        res.set('Retry-After', '60')
        return res.status(429).json({ status: 'error', error: `Too many pings from this address: at most ${PING_RATE_PER_MINUTE} a minute` })
    }
    const declared = Number(req.headers['content-length'] || 0)
    const tooLarge = () => {
        res.status(413).json({ status: 'error', error: `Payload too large: at most ${PING_MAX_BYTES} bytes` })
    }
    if (declared > PING_MAX_BYTES) {
        req.resume()
        return tooLarge()
    }
    const chunks = []
    let size = 0
    let done = false
    req.on('data', chunk => {
        if (done) return
        size += chunk.length
        if (size > PING_MAX_BYTES) {
            done = true
            req.resume()
            return tooLarge()
        }
        chunks.push(chunk)
    })
    req.on('end', () => {
        if (done) return
        done = true
        req.body = Buffer.concat(chunks).toString('utf8')
        req._body = true
        next()
    })
    req.on('error', err => {
        if (!done) { done = true; next(err) }
    })
}

module.exports = {
    uiHost: process.env.HOST || '127.0.0.1',
    uiPort: Number(process.env.PORT) || 1880,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // Relative file paths in flows (the collector's raw log) are in the user directory.
    fileWorkingDirectory: __dirname,
    // Request bodies above this get 413 before any flow sees them; the collector flow
    // applies its own, smaller limit to pings.
    apiMaxLength: '1mb',
    credentialSecret: false,
    // State of the product-growth nodes survives restarts: the default store is on disk.
    contextStorage: {
        default: { module: 'localfilesystem', config: { flushInterval: 1 } },
        memory: { module: 'memory' }
    },
    // The editor's app is mounted at / too and parses JSON before the flows' app sees a
    // request, so the collector's body handling runs in both.
    httpAdminMiddleware: pingBody,
    httpNodeMiddleware: pingBody,
    // The cloud flow's backfill reads demo-snapshots.json from the user directory.
    functionExternalModules: true,
    functionGlobalContext: { userDir: __dirname },
    logging: {
        console: { level: process.env.NODE_RED_LOG_LEVEL || 'info', metrics: false, audit: false }
    },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    editorTheme: {
        projects: { enabled: false },
        tours: false,
        palette: { catalogues: [] }
    },
    externalModules: { autoInstall: false, palette: { allowInstall: false } }
}
