// Keeps a core object (a ledger, a history) in the Node-RED context store the user picked:
// restored once when the node starts, saved shortly after each change and when the node
// closes. A saved state the core cannot read is moved aside, never overwritten.

/**
 * @param {object} node
 * @param {{store?: string, key: string, create: (saved: object|null) => object}} options
 */
function storedState (node, { store, key, create }) {
    const context = node.context()
    let saveTimer = null
    let value = null
    const ready = new Promise((resolve) => {
        context.get(key, store, (err, saved) => {
            if (err) {
                node.error(`could not read ${key} from the context store: ${err.message}`)
                saved = undefined
            }
            try {
                value = create(saved === undefined ? null : saved)
            } catch (e) {
                const aside = `${key}-unreadable-${Date.now()}`
                node.error(`the saved ${key} could not be read (${e.message}); it is kept as "${aside}" and an empty one is used`)
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
                if (err) node.error(`could not save ${key}: ${err.message}`)
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
