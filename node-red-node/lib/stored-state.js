// Keeps a core object (a ledger, a history) in the Node-RED context store the user picked:
// restored once when the node starts, saved shortly after each change and when the node
// closes. A saved state the core cannot read is moved aside, never overwritten.

/**
 * @param {object} node
 * @param {{store?: string, key: string, create: (saved: object|null) => object, text: (key: string, vars?: object) => string}} options
 *   `text`: the node's messages (RED._), with errors.contextRead, contextUnreadable and contextSave
 */
function storedState (node, { store, key, create, text }) {
    const context = node.context()
    let saveTimer = null
    let value = null
    const ready = new Promise((resolve) => {
        context.get(key, store, (err, saved) => {
            if (err) {
                node.error(text('errors.contextRead', { key, message: err.message }))
                saved = undefined
            }
            try {
                value = create(saved === undefined ? null : saved)
            } catch (e) {
                const aside = `${key}-unreadable-${Date.now()}`
                node.error(text('errors.contextUnreadable', { key, message: e.message, aside }))
                context.set(aside, saved, store)
                value = create(null)
            }
            resolve()
        })
    })

    function save () {
        clearTimeout(saveTimer)
        saveTimer = null
        return new Promise((resolve) => {
            context.set(key, value.toJSON(), store, err => {
                if (err) node.error(text('errors.contextSave', { key, message: err.message }))
                resolve()
            })
        })
    }

    return {
        ready,
        get: () => value,
        /** Replaces the object (after a rebuild) and saves it. */
        replace (next) {
            value = next
            return save()
        },
        /** Saves within a second; many changes in a burst cost one write. */
        changed () {
            if (!saveTimer) saveTimer = setTimeout(save, 1000)
        },
        /** For node.on('close'): writes what is pending. */
        close () {
            return saveTimer ? save() : Promise.resolve()
        }
    }
}

module.exports = { storedState }
