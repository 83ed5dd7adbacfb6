// Where the installations node's pings come from, behind one interface: in order, the
// collector's `pings` table in a selected pings database (read from where the checkpoint
// stopped, then polled), or a raw log (NDJSON written by the collector flow; what it gained
// is read when a message arrives), or else the pings that come on msg.payload. A binary
// checkpoint records what the ledger covers, so a start reads only what came since; a ping
// costs the same whatever the history's length. As lib/snapshot-store.js is for snapshots.
const path = require('node:path')
const core = require('../core')
const { grouped } = require('../format')
const { checkpointKeeper } = require('./checkpoint')
const { loadCheckpoint } = require('./raw-log')
const { tableFollower } = require('./table')
const { logFollower, readWhole } = require('./log')

/**
 * @param {object} node the installations node
 * @param {object} options
 * @param {{activeWindowDays: number, maxValuesPerDimension?: number, maxCountKeys?: number}} options.ledgerOptions
 *   how the ledger is kept: its active window, and the bounds on the names it keeps
 * @param {object|null} options.database a pings-database config node, or null
 * @param {string|null} options.logFile the raw log's absolute path, or null
 * @param {string} options.checkpointFile
 * @param {string} [options.store] the context store for the checkpoint's whereabouts
 * @param {number} options.checkpointMs after a change, with a raw log or a table
 * @param {number} options.refreshMs after a change with neither (the checkpoint is the only copy)
 * @param {number} options.pollMs between polls of the table
 * @param {number} options.settleSeconds rows newer than this wait for the next poll
 * @param {(name: string) => string} options.resolve a file name (msg.filename) as a path
 * @param {object} hooks
 * @param {(key: string, vars?: object) => string} hooks.text the node's messages (RED._)
 * @param {() => void} hooks.changed the ledger gained pings (the dashboard may refresh)
 * @param {(rejected: object[]) => void} hooks.rejected pings a poll refused
 * @returns {{ready: Promise<object[]>, ledger: () => object, statusText: () => string, ingest: (msg: object) => Promise<object[]>,
 *            rebuild: (msg: object) => Promise<object[]>, close: () => Promise<void>}}
 *   `ready`, `ingest` and `rebuild` resolve with the pings they refused, with reasons.
 */
function pingSource (node, options, hooks) {
    const { ledgerOptions, database, logFile, checkpointFile } = options
    const text = hooks.text
    const source = {
        node,
        text,
        options,
        closing: false,
        ledger: new core.InstallationLedger(null, ledgerOptions),
        fresh: () => new core.InstallationLedger(null, ledgerOptions),
        status (fill, key, vars) {
            node.status({ fill, shape: fill === 'red' ? 'ring' : 'dot', text: text(`status.${key}`, vars) })
        },
        /** `N installs`, and how many values went to `other` past the bounds, if any. */
        statusText () {
            const installs = grouped(source.ledger.installations)
            const past = source.ledger.overflowTotal
            return past ? text('status.overflow', { installs, past: grouped(past) }) : text('status.installs', { installs })
        },
        idle () {
            node.status({ fill: 'green', shape: 'dot', text: source.statusText() })
        },
        /** New pings: a checkpoint in a while (soon when it is the only copy), and the dashboard. */
        changed () {
            source.checkpoint.changed(logFile || database ? options.checkpointMs : Math.min(options.checkpointMs, options.refreshMs))
            hooks.changed()
        },
        rejected: hooks.rejected
    }
    source.checkpoint = checkpointKeeper(node, { file: checkpointFile, store: options.store, ledger: () => source.ledger, text })
    const follower = database ? tableFollower(source) : logFile ? logFollower(source) : payloadIntake(source)

    async function start () {
        source.status('blue', 'loading')
        // A start's time counts from here: loading the checkpoint is part of it.
        const started = Date.now()
        const loaded = { ...await follower.loadCheckpoint(), started }
        if (loaded.aside) {
            node.warn(text(logFile ? 'warn.checkpointUnreadableLog' : 'warn.checkpointUnreadable', { file: checkpointFile, reason: loaded.reason, aside: path.basename(loaded.aside) }))
        }
        const rejected = await follower.start(loaded)
        source.idle()
        source.checkpoint.soon()
        return rejected
    }
    const ready = start().catch(err => {
        follower.recover(err)
        throw err
    })

    /** A new ledger from an NDJSON text, a raw log named by msg.filename, or the source whole. */
    async function rebuild (msg) {
        const ndjson = typeof msg.payload === 'string'
        const file = msg.filename ? options.resolve(msg.filename) : logFile
        if (!ndjson && !file && !database) throw new Error(text('errors.noRawLog'))
        const fresh = source.fresh()
        let rejected
        if (database && !ndjson && !msg.filename) {
            rejected = await follower.rebuild(fresh)
        } else if (ndjson) {
            fresh.setNow(Date.now())
            rejected = fresh.ingestNdjson(msg.payload).rejected
        } else {
            rejected = (await readWhole(source, file, fresh)).rejected
        }
        source.ledger = fresh
        await source.checkpoint.saveNow()
        return rejected
    }

    return {
        ready,
        ledger: () => source.ledger,
        statusText: () => source.statusText(),
        ingest: msg => follower.ingest(msg),
        rebuild,
        close () {
            source.closing = true
            follower.stop()
            return ready.catch(() => {})
                .then(() => follower.settled())
                .then(() => source.checkpoint.close())
                .catch(err => node.error(text('errors.checkpoint', { message: err.message })))
        }
    }
}

/** No table, no raw log: the pings are the messages', and the checkpoint their only copy. */
function payloadIntake (source) {
    return {
        loadCheckpoint: () => loadCheckpoint(source.options.checkpointFile, source.options.ledgerOptions),
        async start (loaded) {
            if (loaded.ledger) source.ledger = loaded.ledger
            return []
        },
        recover () {},
        async ingest (msg) {
            // The core never reads the clock: pings dated after "now" (plus a day) are refused.
            const ledger = source.ledger
            ledger.setNow(Date.now())
            let rejected = []
            if (Array.isArray(msg.payload)) {
                rejected = ledger.ingestMany(msg.payload).rejected
            } else {
                try {
                    ledger.ingest(msg.payload)
                } catch (err) {
                    rejected = [{ index: 0, instanceId: msg.payload && typeof msg.payload.instanceId === 'string' ? msg.payload.instanceId : null, field: err.field, reason: err.message }]
                }
            }
            source.changed()
            return rejected
        },
        stop () {},
        settled () {}
    }
}

module.exports = { pingSource }
