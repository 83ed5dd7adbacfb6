// Node-RED settings for the Product Metrics Dashboard (copied into the user directory by
// scripts/userdir.js). Bound to loopback by default: the editor has no login.
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')

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

/**
 * Where this instance's data lives (DESIGN.md "Commands": demo data never meets a team's).
 * The start command writes .product-growth-store (scripts/store.js): "demo" for the demo year
 * in demo/, "team" for a real source's data in team/. Without it (Node-RED started on this
 * directory by hand), the user directory itself.
 */
function dataStore () {
    let store = null
    try {
        store = fs.readFileSync(path.join(__dirname, '.product-growth-store'), 'utf8').trim()
    } catch (err) {
        if (err.code !== 'ENOENT') throw err
    }
    if (store === null) return { dir: __dirname, demo: false }
    if (store !== 'demo' && store !== 'team') throw new Error(`.product-growth-store: must say demo or team, says "${store.slice(0, 40)}"`)
    const dir = path.join(__dirname, store)
    fs.mkdirSync(dir, { recursive: true })
    return { dir, demo: store === 'demo' }
}
const STORE = dataStore()

function hashIp (ip) {
    return crypto.createHmac('sha256', IP_SALT).update(String(ip)).digest('base64')
}

/**
 * Behind a proxy every install would share the proxy's address (one rate bucket, one hash).
 * TRUST_PROXY says which proxies' X-Forwarded-For to believe, as Express's "trust proxy"
 * does: off by default (the header is ignored: anyone can send it); a number of hops
 * ("1": the proxy in front of Node-RED); or a comma-separated list of proxy addresses and
 * IPv4 CIDRs ("10.0.0.0/8, 127.0.0.1", "loopback"). Walking back from the connection, each
 * trusted proxy's X-Forwarded-For entry is taken, and the first address not trusted is the
 * client.
 */
const TRUST_PROXY = parseTrust(process.env.TRUST_PROXY)

function parseTrust (value) {
    const text = String(value || '').trim()
    if (text === '' || text === 'false' || text === '0') return null
    if (/^\d+$/.test(text)) return { hops: Number(text) }
    const nets = text.split(',').map(s => s.trim()).filter(Boolean).flatMap(s => s === 'loopback' ? ['127.0.0.0/8', '::1'] : [s])
    return {
        nets: nets.map(n => {
            const [address, bits] = n.split('/')
            const v4 = ipv4(address)
            if (v4 === null) {
                if (bits !== undefined || !/^[0-9a-f:]+$/i.test(address)) throw new Error(`TRUST_PROXY: "${n}" is not an address or IPv4 CIDR`)
                return { v6: address.toLowerCase() }
            }
            const size = bits === undefined ? 32 : Number(bits)
            if (!Number.isInteger(size) || size < 0 || size > 32) throw new Error(`TRUST_PROXY: "${n}" has a bad prefix length`)
            const mask = size === 0 ? 0 : (~0 << (32 - size)) >>> 0
            return { v4: (v4 & mask) >>> 0, mask }
        })
    }
}

function ipv4 (address) {
    const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(String(address))
    if (!m) return null
    const parts = m.slice(1).map(Number)
    if (parts.some(p => p > 255)) return null
    return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0
}

function trusted (address) {
    const v4 = ipv4(address)
    return TRUST_PROXY.nets.some(n => n.v6 !== undefined ? String(address).toLowerCase() === n.v6 : v4 !== null && ((v4 & n.mask) >>> 0) === n.v4)
}

/** The sender's address: the connection's, or, through trusted proxies, the forwarded one. */
function clientAddress (req) {
    const peer = req.socket.remoteAddress
    if (!TRUST_PROXY) return peer
    const forwarded = String(req.headers['x-forwarded-for'] || '').split(',').map(s => s.trim()).filter(Boolean).reverse()
    const chain = [peer, ...forwarded]
    if (TRUST_PROXY.hops !== undefined) return chain[Math.min(TRUST_PROXY.hops, chain.length - 1)]
    let i = 0
    while (i < chain.length - 1 && trusted(chain[i])) i++
    return chain[i]
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
    const source = hashIp(clientAddress(req))
    req.pingSource = source
    if (overRate(source)) {
        req.resume()
        res.set('Retry-After', '60')
        return res.status(429).json({ status: 'error', error: `Too many pings from this address: at most ${PING_RATE_PER_MINUTE} a minute` })
    }
    const tooLarge = () => {
        res.status(413).json({ status: 'error', error: `Payload too large: at most ${PING_MAX_BYTES} bytes` })
    }
    // gzip and deflate bodies are read through a decompressor, and the limit applies to
    // what comes out of it, so a small bomb is still a 413. Other encodings are refused.
    const encoding = String(req.headers['content-encoding'] || 'identity').trim().toLowerCase()
    let body = req
    if (encoding === 'gzip' || encoding === 'deflate') {
        body = req.pipe(encoding === 'gzip' ? zlib.createGunzip() : zlib.createInflate())
    } else if (encoding !== 'identity') {
        req.resume()
        return res.status(415).json({ status: 'error', error: `Unsupported Content-Encoding "${encoding.slice(0, 40)}": send the ping as plain JSON, or gzip or deflate` })
    } else if (Number(req.headers['content-length'] || 0) > PING_MAX_BYTES) {
        req.resume()
        return tooLarge()
    }
    const chunks = []
    let size = 0
    let done = false
    body.on('data', chunk => {
        if (done) return
        size += chunk.length
        if (size > PING_MAX_BYTES) {
            done = true
            if (body !== req) body.destroy()
            req.resume()
            return tooLarge()
        }
        chunks.push(chunk)
    })
    body.on('end', () => {
        if (done) return
        done = true
        req.body = Buffer.concat(chunks).toString('utf8')
        req._body = true
        next()
    })
    body.on('error', err => {
        if (done) return
        done = true
        req.resume()
        // A body that says it is compressed and is not.
        if (body !== req) return res.status(400).json({ status: 'error', error: `The body is not valid ${encoding} data` })
        next(err)
    })
}

module.exports = {
    uiHost: process.env.HOST || '127.0.0.1',
    uiPort: Number(process.env.PORT) || 1880,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // Relative file paths in flows (the collector's raw log, the ledger's checkpoint) are in
    // the store's directory.
    fileWorkingDirectory: STORE.dir,
    // Request bodies above this get 413 before any flow sees them; the collector flow
    // applies its own, smaller limit to pings.
    apiMaxLength: '1mb',
    credentialSecret: false,
    // State of the product-growth nodes survives restarts: the default store is on disk, in
    // the store's directory (a target set on a demo page stays with the demo).
    contextStorage: {
        default: { module: 'localfilesystem', config: { dir: STORE.dir, flushInterval: 1 } },
        memory: { module: 'memory' }
    },
    // The editor's app is mounted at / too and parses JSON before the flows' app sees a
    // request, so the collector's body handling runs in both.
    httpAdminMiddleware: pingBody,
    httpNodeMiddleware: pingBody,
    // The cloud flow's backfill reads demo-snapshots.json from the store's directory; every
    // page says "demo data" when `demo` is set.
    functionExternalModules: true,
    functionGlobalContext: { dataDir: STORE.dir, demo: STORE.demo },
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
