// The collector's `pings` table as the source of pings: read in keyset pages from where the
// checkpoint stopped, then polled for new rows. The ledger's sourceKey (saved in its
// checkpoint) is `{source, key}`: which table of which database, and the key of the last row
// it holds, so a start resumes after it and a checkpoint made from another table is never
// mixed with this one. A ping that came as a message is in the table (the collector inserted
// it) and is read by the next poll, once its settle time has passed.
const path = require('node:path')
const { loadCheckpoint } = require('./raw-log')
const { readPings, keyOfLine, ingestChunk } = require('../pg/read-pings')
const { grouped } = require('../format')
const { throttle } = require('../pace')

/** Rows a COPY of the pings table reads at most: they stream through in 1 MB chunks, so a
 * page costs no memory, and each new page is a new query whose start the core waits for. */
const PAGE_ROWS = 1000000
/** Rejected rows kept per read: their reasons, not a copy of a bad table. */
const KEEP_REJECTED = 1000

function tableFollower (source) {
    const { node, text, options } = source
    const { database, pollMs, settleSeconds } = options
    const identity = database.identity()
    const sourceKeyOf = key => JSON.stringify({ source: identity, key })
    const showProgress = throttle(rows => source.status('blue', 'readingPings', { rows: grouped(rows) }), 250)

    let pollTimer = null
    let polling = null
    let down = false

    /** Whether a checkpoint's ledger was read from this table (then a start resumes after its key). */
    function fromHere (ledger) {
        try {
            const saved = JSON.parse(ledger.sourceKey)
            return Boolean(saved && saved.source === identity)
        } catch (_) {
            return false
        }
    }

    /** Reads every row after the ledger's key into `into`, chunk by chunk: the key moves with
     * each chunk ingested, so a failure part way loses and repeats nothing. Rows stamped within
     * the settle time are left for the next poll (an insert stamped earlier may still commit).
     * Resolves with {rows, rejected, coreMs}; a failure carries `rows` and `rejected` too. */
    async function readTable (into, { progress = false } = {}) {
        const { pool, table } = database.connection()
        const rejected = []
        let rows = 0
        let coreMs = 0
        const after = JSON.parse(into.sourceKey || 'null')
        try {
            await readPings(pool, table, {
                after: after && after.source === identity ? after.key : null,
                settleSeconds,
                pageSize: PAGE_ROWS,
                onChunk (chunk, last) {
                    const began = Date.now()
                    into.setNow(began)
                    const outcome = ingestChunk(into, chunk, last)
                    coreMs += Date.now() - began
                    into.sourceKey = sourceKeyOf(last.key)
                    rows += last.rows
                    for (const r of outcome.rejected) {
                        if (rejected.length < KEEP_REJECTED) rejected.push({ ...r, key: keyOfLine(chunk, r.index, last.format) })
                    }
                    if (progress) showProgress(rows)
                }
            })
        } catch (err) {
            throw Object.assign(err, { rows, rejected })
        }
        return { rows, rejected, coreMs }
    }

    function schedulePoll () {
        clearTimeout(pollTimer)
        pollTimer = source.closing ? null : setTimeout(poll, pollMs)
    }

    /** One poll of the table; the next is scheduled when it ends. One warning per outage. */
    function poll () {
        clearTimeout(pollTimer)
        pollTimer = null
        if (polling) return polling
        polling = readTable(source.ledger).then(({ rows, rejected }) => {
            if (down) {
                down = false
                node.log(text('log.databaseBack', { where: database.describe() }))
            }
            if (rows > 0) source.changed()
            source.idle()
            if (rejected.length) source.rejected(rejected)
        }, err => {
            if (err.rows > 0) source.changed()
            source.status('red', 'database', { message: String(err.message).slice(0, 50) })
            if (!down) node.warn(text('warn.databaseDown', { table: database.table, where: database.describe(), message: err.message, seconds: pollMs / 1000 }))
            down = true
            if (err.rejected && err.rejected.length) source.rejected(err.rejected)
        }).then(() => {
            polling = null
            schedulePoll()
        })
        return polling
    }

    return {
        loadCheckpoint: () => loadCheckpoint(options.checkpointFile, options.ledgerOptions),
        async start (loaded) {
            const started = loaded.started
            database.connection() // the configuration's error, if any, stops here
            if (loaded.ledger && fromHere(loaded.ledger)) {
                source.ledger = loaded.ledger
            } else {
                if (loaded.ledger) node.warn(text('warn.otherSource', { file: path.basename(options.checkpointFile), table: database.table, where: database.describe() }))
                source.ledger = source.fresh()
                source.ledger.sourceKey = sourceKeyOf(null)
            }
            source.status('blue', 'readingPings', { rows: grouped(0) })
            const got = await readTable(source.ledger, { progress: true })
            node.log(text('log.tableRead', { rows: grouped(got.rows), table: database.table, where: database.describe(), ms: Date.now() - started, coreMs: got.coreMs, installs: grouped(source.ledger.installations) }))
            if (got.rows > 0) source.checkpoint.markUnsaved()
            schedulePoll()
            return got.rejected
        },
        /** The database may be down at start: what was read is kept, and polls go on. */
        recover (err) {
            if (source.closing || pollTimer || database.configError) return
            if (err.rows > 0) source.checkpoint.markUnsaved()
            down = true
            schedulePoll()
        },
        /** The whole table again into `fresh`; polls wait for it, then go on from its last key. */
        async rebuild (fresh) {
            await polling
            clearTimeout(pollTimer)
            fresh.sourceKey = sourceKeyOf(null)
            const { rejected } = await readTable(fresh, { progress: true })
            source.ledger = fresh
            source.idle()
            schedulePoll()
            return rejected
        },
        ingest: async () => [],
        stop () {
            clearTimeout(pollTimer)
            pollTimer = null
        },
        settled: () => polling
    }
}

module.exports = { tableFollower, PAGE_ROWS }
