// pings database: a config node for the PostgreSQL database that holds FlowFuse's collector
// table (`pings`) and the `meta_snapshots` table. It owns one connection pool, shared by every
// node that selects it and closed when the flows stop. The password lives in the node's
// credentials (never in the flow file); or the whole connection comes from $DATABASE_URL.
const { Pool } = require('pg')
const { quoteTable, snapshotTableFor } = require('../lib/pg/identifiers')

module.exports = function (RED) {
    function PingsDatabaseNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const text = (key, vars) => RED._(`pings-database.${key}`, vars)
        node.table = String(config.table || 'pings').trim()
        node.snapshotTable = snapshotTableFor(node.table)
        node.configError = null
        node.pool = null
        // Set to "use $DATABASE_URL" with no DATABASE_URL in the environment: not an error but
        // "no database", so `npm start` runs on the embedded raw log and context and
        // `DATABASE_URL=… npm start` on PostgreSQL, from the same flows. The nodes that select
        // this node fall back to their embedded store.
        node.unset = (config.useEnv === true || config.useEnv === 'true') && !process.env.DATABASE_URL

        let connection
        try {
            quoteTable(node.table)
            if (node.unset) {
                node.configError = Object.assign(new Error(text('errors.noDatabaseUrl')), { field: 'DATABASE_URL' })
                node.log(text('log.embedded'))
            } else {
                connection = connectionOptions(config, node.credentials || {}, text)
            }
        } catch (err) {
            node.configError = err
            node.error(err.message)
        }
        if (connection) {
            node.pool = new Pool({
                ...connection,
                max: 5,
                // A database that is down is answered in seconds (a 503), not after the OS gives up.
                connectionTimeoutMillis: 5000,
                idleTimeoutMillis: 30000,
                application_name: 'node-red-contrib-product-growth'
            })
            // An idle connection the server ended (a restart): the pool drops it and opens a
            // new one when asked. Without a listener the error would stop Node-RED.
            node.pool.on('error', err => node.warn(text('warn.idleClosed', { where: node.describe(), message: err.message })))
        }

        /** Where it connects, for status texts and logs: never the password. */
        node.describe = function () {
            if (!connection) return text('describe.notConfigured')
            if (connection.connectionString) return '$DATABASE_URL'
            return `${connection.user ? connection.user + '@' : ''}${connection.host}:${connection.port}/${connection.database}`
        }

        /** Which table of which database, for telling whether a checkpoint was made from this
         * source: host, port, database and table, never user or password. */
        node.identity = function () {
            if (!connection) return null
            let where = `${connection.host}:${connection.port}/${connection.database}`
            if (connection.connectionString) {
                try {
                    const url = new URL(connection.connectionString)
                    where = `${url.hostname}:${url.port || 5432}${url.pathname}`
                } catch (_) {
                    where = 'DATABASE_URL'
                }
            }
            return `${where} ${node.table}`
        }

        /** The pool and table for lib/pg; throws the configuration's error, if any. */
        node.connection = function () {
            if (node.configError) throw node.configError
            return { pool: node.pool, table: node.table, snapshotTable: node.snapshotTable }
        }

        node.on('close', function (done) {
            const pool = node.pool
            node.pool = null
            if (!pool) return done()
            pool.end().then(() => done(), err => {
                node.warn(text('warn.closing', { message: err.message }))
                done()
            })
        })
    }

    /** pg's connection options from the node's settings, checked by field. */
    function connectionOptions (config, credentials, text) {
        const fail = (field, key, vars) => { throw Object.assign(new Error(`${field}: ${text(`errors.${key}`, vars)}`), { field }) }
        if (config.useEnv === true || config.useEnv === 'true') {
            const url = process.env.DATABASE_URL
            if (!url) fail('DATABASE_URL', 'notSet')
            return { connectionString: url }
        }
        const host = String(config.host || '').trim()
        if (!host) fail('host', 'required')
        const port = config.port === undefined || config.port === '' ? 5432 : Number(config.port)
        if (!Number.isInteger(port) || port < 1 || port > 65535) fail('port', 'port', { got: JSON.stringify(config.port) })
        const database = String(config.database || '').trim()
        if (!database) fail('database', 'required')
        const ssl = { off: false, verify: { rejectUnauthorized: true }, 'no-verify': { rejectUnauthorized: false } }[config.ssl || 'off']
        if (ssl === undefined) fail('ssl', 'ssl', { got: JSON.stringify(config.ssl) })
        return {
            host,
            port,
            database,
            user: String(config.user || '').trim() || undefined,
            password: credentials.password || undefined,
            ssl
        }
    }

    RED.nodes.registerType('pings-database', PingsDatabaseNode, {
        credentials: { password: { type: 'password' } }
    })
}
