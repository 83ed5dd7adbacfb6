// The raw log as the source of pings: a start from the checkpoint and the log's tail (or the
// whole log when the checkpoint is missing, damaged, or covers more than the log holds), then
// whatever the log gained, read when a message arrives: the log is the truth, whatever the
// message says.
const { closeTornLine, readLog, loadCheckpoint, fileSize } = require('./raw-log')
const { grouped, megabytes } = require('../format')

/** Builds `into` (a fresh ledger) from the whole raw log, showing progress on the node. */
async function readWhole (source, file, into) {
    into.setNow(Date.now())
    const size = await fileSize(file)
    const started = Date.now()
    const got = await readLog(into, file, {
        onProgress: offset => source.status('blue', 'readingLog', { read: megabytes(offset), size: megabytes(size) })
    })
    source.node.log(source.text('log.logRead', { size: megabytes(got.read), ms: Date.now() - started }))
    return got
}

function logFollower (source) {
    const { node, text } = source
    const { logFile, ledgerOptions } = source.options

    // One read at a time; a message during a read asks for one more read after it.
    let following = null
    let again = false
    function follow () {
        if (following) {
            again = true
            return following
        }
        following = (async () => {
            const rejected = []
            do {
                again = false
                const ledger = source.ledger
                ledger.setNow(Date.now())
                const got = await readLog(ledger, logFile)
                rejected.push(...got.rejected)
                if (got.read > 0) source.changed()
            } while (again)
            return rejected
        })().finally(() => { following = null })
        return following
    }

    return {
        loadCheckpoint () {
            closeTornLine(logFile)
            return loadCheckpoint(source.options.checkpointFile, ledgerOptions)
        },
        async start (loaded) {
            const started = loaded.started
            const size = await fileSize(logFile)
            if (loaded.ledger && loaded.ledger.logOffset <= size) {
                source.ledger = loaded.ledger
                const tail = await readLog(source.ledger, logFile, {
                    onProgress: offset => source.status('blue', 'readingTail', { read: megabytes(offset), size: megabytes(size) })
                })
                node.log(text('log.fromCheckpoint', { checkpoint: megabytes(loaded.bytes), tail: megabytes(tail.read), ms: Date.now() - started }))
                if (tail.read > 0) source.checkpoint.markUnsaved()
                return tail.rejected
            }
            if (loaded.ledger) node.warn(text('warn.checkpointBeyondLog', { covered: grouped(loaded.ledger.logOffset), size: grouped(size) }))
            source.ledger = source.fresh()
            const { rejected } = await readWhole(source, logFile, source.ledger)
            node.log(text('log.fromWholeLog', { ms: Date.now() - started }))
            if (size > 0) source.checkpoint.markUnsaved()
            return rejected
        },
        recover () {},
        ingest: () => follow(),
        stop () {},
        settled: () => following
    }
}

module.exports = { logFollower, readWhole }
