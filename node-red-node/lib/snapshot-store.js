// Where the meta-snapshot node keeps its history: the `meta_snapshots` table of a selected
// pings database, or (with none) the Node-RED context store the user picked. Both give the
// node the same four operations; a snapshot the core refuses, or the database failing,
// leaves the history exactly as it was.
const core = require('./core')
const { ensureSnapshotTable, loadSnapshots, saveSnapshots } = require('./pg/snapshots')
const { storedState } = require('./stored-state')

/**
 * @param {object} node the meta-snapshot node
 * @param {{database?: object, store?: string, text: (key: string, vars?: object) => string}} options
 *   `database`: a pings-database config node; `text`: the node's messages (RED._)
 * @returns {{ready: () => Promise<void>, history: () => object, add: (snapshot) => Promise<object>,
 *            seed: (snapshots) => Promise<boolean>, close: () => Promise<void>}}
 */
function snapshotStore (node, { database, store, text }) {
    return database ? databaseStore(database) : contextStore(node, store, text)
}

function contextStore (node, store, text) {
    const state = storedState(node, {
        store,
        text,
        key: 'snapshots',
        create: saved => new core.SnapshotHistory(saved)
    })
    return {
        ready: () => state.ready,
        history: () => state.get(),
        async add (snapshot) {
            const stored = state.get().add(snapshot)
            state.changed()
            return stored
        },
        async seed (snapshots) {
            const history = state.get()
            if (!history.isEmpty) return false
            history.addAll(snapshots)
            state.changed()
            return true
        },
        close: () => state.close()
    }
}

function databaseStore (database) {
    let history = null
    let loading = null
    // One write at a time, so the history in memory and the table agree on which of two
    // snapshots of a day came last.
    let queue = Promise.resolve()
    const serial = work => {
        const run = queue.then(work)
        queue = run.catch(() => {})
        return run
    }

    /** Loads the table into a history once; after a failure (database down) the next message tries again. */
    function load () {
        if (!loading) {
            loading = (async () => {
                const { pool, snapshotTable } = database.connection()
                await ensureSnapshotTable(pool, snapshotTable)
                const saved = await loadSnapshots(pool, snapshotTable)
                const next = new core.SnapshotHistory(null)
                try {
                    next.addAll(saved.map(s => ({ date: s.date, metrics: s.metrics })))
                } catch (err) {
                    throw Object.assign(new Error(`${snapshotTable} holds a snapshot that cannot be read: ${err.message}`), { field: err.field })
                }
                history = next
            })()
            loading.catch(() => { loading = null })
        }
        return loading
    }

    /** What the table stores for a snapshot: its date and its flattened metrics, as the core checked them. */
    function checked (snapshot, scratch = new core.SnapshotHistory(null)) {
        const stored = scratch.add(snapshot)
        return { date: stored.date, metrics: stored.metrics }
    }

    return {
        ready: load,
        history: () => history,
        add: snapshot => serial(async () => {
            await load()
            const row = checked(snapshot)
            const { pool, snapshotTable } = database.connection()
            await saveSnapshots(pool, snapshotTable, [row], new Date())
            return history.add(snapshot)
        }),
        seed: snapshots => serial(async () => {
            await load()
            if (!history.isEmpty) return false
            if (!Array.isArray(snapshots)) {
                throw Object.assign(new Error('payload: must be an array of {date, metrics} to seed the history'), { field: 'payload' })
            }
            const scratch = new core.SnapshotHistory(null)
            const rows = snapshots.map(s => checked(s, scratch))
            const { pool, snapshotTable } = database.connection()
            await saveSnapshots(pool, snapshotTable, rows, new Date())
            history.addAll(snapshots)
            return true
        }),
        close: () => queue
    }
}

module.exports = { snapshotStore }
