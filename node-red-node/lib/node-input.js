// The one input handler every product-growth node uses: read the property, call the core
// once, send its outputs; on error a red status and done(err), so a Catch node sees it.

/**
 * @param {object} RED
 * @param {object} node the node instance
 * @param {(msg: object) => Array<object|null>} handle returns one message (or null) per output
 * @param {(msg: object, outputs: Array<object|null>) => {text: string}} status the status to show after success
 */
function onInput (RED, node, handle, status) {
    node.on('input', (msg, send, done) => {
        try {
            const outputs = handle(msg)
            const shown = status(msg, outputs)
            node.status({ fill: 'green', shape: 'dot', text: shown })
            send(outputs)
            done()
        } catch (err) {
            node.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 60) })
            done(err)
        }
    })
}

module.exports = { onInput }
