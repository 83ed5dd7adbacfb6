// api query: the query string of an `http in` request checked before any work. A good one
// goes on with msg.asOf and msg.format set from it; a bad one is answered at once, 400 with
// the collector's JSON error naming the parameter, so no request waits on a node that
// cannot answer it.
const { checkQuery, PARAMETERS } = require('../lib/query')
const { today } = require('../lib/clock')

module.exports = function (RED) {
    function ApiQueryNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const allowed = PARAMETERS.filter(p => config[p] !== false)

        node.on('input', (msg, send, done) => {
            let query
            try {
                query = checkQuery(msg.req && msg.req.query, allowed, today())
            } catch (err) {
                node.status({ fill: 'yellow', shape: 'ring', text: RED._('api-query.status.refused', { reason: err.message.slice(0, 50) }) })
                send([null, { req: msg.req, res: msg.res, statusCode: 400, payload: { status: 'error', error: err.message }, error: { field: err.field, message: err.message } }])
                return done()
            }
            if (query.asOf !== undefined) msg.asOf = query.asOf
            msg.format = query.format
            node.status({})
            send([msg, null])
            done()
        })
    }
    RED.nodes.registerType('api-query', ApiQueryNode)
}
