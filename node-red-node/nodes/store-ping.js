// store ping: stores one accepted FlowFuse usage ping, as one row of the collector's `pings`
// table in a selected pings database or, with no database at hand, as one line of a raw log
// (NDJSON), and sends it on only once it is stored, so a collector answers 200 for a ping that
// is kept. A failure goes out on output 2 as the collector's error answer (`statusCode` and
// `payload: {status: 'error', error}`): 503 while the database is unavailable, nothing written.
// Set to answer requests, it is the whole collector between `http in` and `http response`:
// FlowFuse's contract on the body, validation, the store, and every answer on output 2.
const path = require('node:path')
const { insertPing } = require('../lib/pg/insert-ping')
const { SERVICE_UNAVAILABLE } = require('../lib/pg/errors')
const { acceptPing } = require('../lib/collector/contract')
const { rawLogWriter } = require('../lib/collector/raw-log-writer')
const { pacedStatus } = require('../lib/pace')

module.exports = function (RED) {
    function StorePingNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const text = (key, vars) => RED._(`store-ping.${key}`, vars)
        const selected = config.database ? RED.nodes.getNode(config.database) : null
        // The raw log when no database is at hand: none selected, or one set to $DATABASE_URL
        // with none in the environment. A relative name is in the fileWorkingDirectory setting,
        // as the installations node that reads the log resolves it.
        const logFile = config.logFile && (!selected || selected.unset)
            ? path.resolve(RED.settings.fileWorkingDirectory || process.cwd(), config.logFile)
            : null
        const database = logFile ? null : selected
        const log = logFile ? rawLogWriter(logFile) : null
        const answers = config.answer === true || config.answer === 'true'
        let stored = 0
        let failed = 0

        const succeeded = pacedStatus(node)
        const show = (fill, key, vars) => node.status({ fill, shape: fill === 'red' ? 'ring' : 'dot', text: text(`status.${key}`, vars) })
        if (!database && !log) show('red', 'noDatabase')

        /** Resolves with msg.stored once the ping is in the table or on disk. */
        function store (ping) {
            if (log) return log.append(ping).then(() => ({ appended: true }))
            let connection
            try {
                if (!database) throw Object.assign(new Error(text('errors.noDatabase')), { field: 'database' })
                connection = database.connection()
            } catch (err) {
                return Promise.reject(Object.assign(err, { statusCode: 503, body: { status: 'error', error: SERVICE_UNAVAILABLE } }))
            }
            return insertPing(connection.pool, connection.table, ping)
        }

        node.on('input', (msg, send, done) => {
            const answer = err => {
                failed++
                show('red', 'failed', { statusCode: err.statusCode, message: String(err.message).slice(0, 50) })
                send([null, {
                    ...msg,
                    statusCode: err.statusCode,
                    payload: err.body,
                    error: { message: err.message, field: err.field, source: { id: node.id, type: node.type, name: node.name } }
                }])
                // The answer is the collector's error: a 503 is the database's state, not a fault of this flow.
                if (err.statusCode >= 500) node.warn(text('warn.unavailable', { statusCode: err.statusCode, message: err.message }))
                done()
            }
            let ping = msg.payload
            if (answers) {
                const accepted = acceptPing(msg.payload, msg.req && msg.req.pingSource, Date.now())
                if (!accepted.ping) {
                    // A ping refused is the sender's fault, not the node's: no red status.
                    send([null, { req: msg.req, res: msg.res, statusCode: accepted.statusCode, payload: accepted.payload }])
                    return done()
                }
                ping = accepted.ping
            }
            store(ping).then(result => {
                stored++
                succeeded(() => ({ fill: 'green', shape: 'dot', text: text(failed ? 'status.storedAndFailed' : 'status.stored', { stored, failed }) }))
                if (answers) {
                    // Stored now: answer the sender, and count it.
                    send([{ topic: 'ping', payload: ping, stored: result }, { req: msg.req, res: msg.res, statusCode: 200, payload: { status: 'success' } }])
                } else {
                    msg.stored = result
                    send([msg, null])
                }
                done()
            }, err => {
                if (err.statusCode) return answer(err)
                // The raw log could not be written: a Catch node answers 500.
                node.status({ fill: 'red', shape: 'ring', text: String(err.message).slice(0, 60) })
                done(new Error(text('errors.append', { error: String(err) })))
            })
        })

        node.on('close', (removed, done) => {
            if (!log) return done()
            log.close().then(() => done(), () => done())
        })
    }
    RED.nodes.registerType('store-ping', StorePingNode)
}
