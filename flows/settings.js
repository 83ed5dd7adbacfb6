// Node-RED settings for the Product Metrics Dashboard (copied into the user directory by
// scripts/userdir.js). Bound to loopback by default: the editor has no login.
const PING_PATH = '/ping'
const PING_MAX_BYTES = 64 * 1024

/**
 * The collector flow answers like FlowFuse's own collector, including for bodies that are
 * not JSON. Node-RED's JSON parser would answer those itself (an HTML page with a stack
 * trace), so for POST /ping the raw text is read here, bounded in size, and handed to the
 * flow as a string (req._body tells the parser it is done).
 */
function pingBody (req, res, next) {
    if (req.method !== 'POST' || req.path !== PING_PATH || req._body) return next()
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
