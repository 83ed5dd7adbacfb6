// Node-RED settings for the Product Metrics Dashboard (copied into the user directory by
// scripts/userdir.js). Bound to loopback by default: the editor has no login.
module.exports = {
    uiHost: process.env.HOST || '127.0.0.1',
    uiPort: Number(process.env.PORT) || 1880,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: false,
    // State of the product-growth nodes survives restarts: the default store is on disk.
    contextStorage: {
        default: { module: 'localfilesystem', config: { flushInterval: 1 } },
        memory: { module: 'memory' }
    },
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
