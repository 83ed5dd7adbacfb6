// telemetry-ping: checks FlowFuse usage pings (one, or an array such as the rows of a
// database query) against the collector's contract. Valid pings leave on output 1, stamped
// with the time they arrived if they carry none; rejected ones on output 2 with the reason.
const core = require('../lib/core')
const { onInput } = require('../lib/node-input')

/** A FlowFuse ping carries no time: the receiver stamps it (fixtures/README.md). */
function stamp (ping, now) {
    if (ping && typeof ping === 'object' && !Array.isArray(ping) &&
        (ping.receivedAt === undefined || ping.receivedAt === null) &&
        (ping.created_at === undefined || ping.created_at === null)) {
        ping.receivedAt = now
    }
    return ping
}

module.exports = function (RED) {
    function TelemetryPingNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const property = config.property || 'payload'
        let accepted = 0
        let rejected = 0

        onInput(node, msg => {
            const given = RED.util.getMessageProperty(msg, property)
            const batch = Array.isArray(given)
            const now = new Date().toISOString()
            const pings = (batch ? given : [given]).map(p => stamp(p, now))
            // The core never reads the clock: a ping dated more than a day after now is refused.
            const result = core.validatePings(pings, { now: Date.now() })
            accepted += result.valid.length
            rejected += result.rejected.length
            const rejections = result.rejected.map(r => ({ ...r, ping: pings[r.index] }))
            if (!batch) {
                if (result.valid.length) {
                    RED.util.setMessageProperty(msg, property, pings[0])
                    msg.ping = result.valid[0].ping
                    return [msg, null]
                }
                const r = rejections[0]
                return [null, { ...msg, error: { message: r.reason, field: r.field }, rejection: r }]
            }
            let out1 = null
            if (result.valid.length) {
                RED.util.setMessageProperty(msg, property, result.valid.map(v => pings[v.index]))
                msg.pings = result.valid.map(v => v.ping)
                out1 = msg
            }
            const out2 = rejections.length ? { topic: msg.topic, payload: rejections } : null
            return [out1, out2]
        }, () => RED._('telemetry-ping.status.counts', { accepted, rejected }))
    }
    RED.nodes.registerType('telemetry-ping', TelemetryPingNode)
}
