// FlowFuse's usage-ping collector contract on POST /ping, as one function: the body (text, as
// flows/settings.js hands it over, or an object), the sender's salted hash, and now, to the
// ping to store or the 400 answer FlowFuse's collector gives. One call, no message hops: a
// ping at a steady rate must cost little (BENCHMARKS.md, the steady state).
const core = require('../core')

const refuse = (error, field) => ({ statusCode: 400, payload: { status: 'error', error }, field })

/**
 * @param {string|object|null|undefined} body the request body
 * @param {string|undefined} source the sender's address as a salted hash (never the address)
 * @param {number} now epoch ms: the ping's receivedAt, and the bound on its time
 * @returns {{ping: object}|{statusCode: 400, payload: {status: 'error', error: string}, field?: string}}
 */
function acceptPing (body, source, now) {
    // FlowFuse's collector answers 400 {status: 'error', error} for a missing body or
    // instanceId and for a body that is not JSON.
    if (typeof body === 'string') {
        if (body.trim() === '') return refuse('Missing request body')
        try { body = JSON.parse(body) } catch (err) { return refuse(String(err)) }
    }
    if (body === undefined || body === null) return refuse('Missing request body')
    if (typeof body !== 'object' || Array.isArray(body)) return refuse('Error: the body must be a JSON object')
    if (body.instanceId === undefined) return refuse('Error: Missing required property: instanceId')
    // The ping carries no time: the receiver stamps it. Like FlowFuse's collector, the sender
    // is kept only as a salted hash of its address (flows/settings.js).
    body.receivedAt = new Date(now).toISOString()
    body.ip = source || 'unknown'
    // The core never reads the clock: a ping dated more than a day after now is refused.
    const { rejected } = core.validatePings([body], { now })
    if (rejected.length) return refuse(`Error: ${rejected[0].reason}`, rejected[0].field)
    return { ping: body }
}

module.exports = { acceptPing }
