// The one input handler every product-growth node uses: read the message, call the core,
// send one message (or null) per output; on error a red status and done(err), so a Catch
// node sees it. `handle` may return its outputs or a Promise of them. The success status is
// paced (lib/pace.js): a steady stream of messages does not make its text for each one.
const { pacedStatus } = require('./pace')

/**
 * @param {object} node the node instance
 * @param {(msg: object) => Array|Promise<Array>} handle returns one entry per output
 * @param {(msg: object, outputs: Array) => string|{fill: string, shape: string, text: string}} status
 *   the status text after success (green), or a whole status (a node whose settings are
 *   partly refused stays red while it works)
 */
function onInput (node, handle, status) {
    const succeeded = pacedStatus(node)
    const fail = (err, done) => {
        node.status({ fill: 'red', shape: 'ring', text: String(err && err.message).slice(0, 60) })
        done(err)
    }
    node.on('input', (msg, send, done) => {
        let outcome
        try {
            outcome = handle(msg)
        } catch (err) {
            return fail(err, done)
        }
        Promise.resolve(outcome).then(outputs => {
            succeeded(() => {
                const shown = status(msg, outputs)
                return typeof shown === 'object' && shown ? shown : { fill: 'green', shape: 'dot', text: shown }
            })
            if (outputs) send(outputs)
            done()
        }, err => fail(err, done))
    })
}

module.exports = { onInput }
