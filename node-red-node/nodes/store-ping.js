// store ping: inserts one accepted FlowFuse usage ping as one row of the collector's `pings`
// table in a selected pings database, and sends it on only after the insert committed, so
// a collector answers 200 for a ping that is stored. A failure goes out on output 2 as the
// collector's error answer (`statusCode` and `payload: {status: 'error', error}`): 503 while
// the database is unavailable, nothing written. Put a telemetry ping node in front.
const { insertPing } = require('../lib/pg/insert-ping')
const { SERVICE_UNAVAILABLE } = require('../lib/pg/errors')

module.exports = function (RED) {
    function StorePingNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const text = (key, vars) => RED._(`store-ping.${key}`, vars)
        const database = config.database ? RED.nodes.getNode(config.database) : null
        let stored = 0
        let failed = 0

        const show = (fill, key, vars) => node.status({ fill, shape: fill === 'red' ? 'ring' : 'dot', text: text(`status.${key}`, vars) })
        if (!database) show('red', 'noDatabase')

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
            let connection
            try {
                if (!database) throw Object.assign(new Error(text('errors.noDatabase')), { field: 'database' })
                connection = database.connection()
            } catch (err) {
                return answer(Object.assign(err, { statusCode: 503, body: { status: 'error', error: SERVICE_UNAVAILABLE } }))
            }
            insertPing(connection.pool, connection.table, msg.payload).then(result => {
                stored++
                msg.stored = result
                show('green', failed ? 'storedAndFailed' : 'stored', { stored, failed })
                send([msg, null])
                done()
            }, answer)
        })
    }
    RED.nodes.registerType('store-ping', StorePingNode)
}
