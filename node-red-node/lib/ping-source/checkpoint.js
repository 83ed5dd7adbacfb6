// The ledger's checkpoint, kept off the hot path: written by one timer a while after a change
// (one write for a burst of pings), at once when asked (a rebuild, a close), one write at a
// time. Context keeps only where the checkpoint is, never the ledger itself: Node-RED
// context, FlowFuse's persistent context in particular, is for small values.
const path = require('node:path')
const { writeCheckpoint } = require('./raw-log')
const { grouped, megabytes } = require('../format')

const POINTER_KEY = 'installations-checkpoint'

/**
 * @param {object} node the installations node
 * @param {{file: string, store?: string, ledger: () => object, text: (key: string, vars?: object) => string}} options
 * @returns {{markUnsaved: Function, changed: (ms: number) => void, saveNow: () => Promise<void>, soon: Function, close: () => Promise<void>}}
 */
function checkpointKeeper (node, { file, store, ledger, text }) {
    const context = node.context()
    let timer = null
    let due = Infinity
    let unsaved = false
    let closed = false
    let writing = Promise.resolve()

    /** Writes the checkpoint if anything changed since the last one; writes queue, never overlap. */
    function save () {
        writing = writing.then(async () => {
            if (!unsaved) return
            unsaved = false
            const current = ledger()
            const started = Date.now()
            const bytes = current.checkpoint()
            await writeCheckpoint(file, bytes)
            const ms = Date.now() - started
            node.log(text('log.checkpointWritten', { size: megabytes(bytes.length), ms, file: path.basename(file), offset: grouped(current.logOffset) }))
            const pointer = { file, logOffset: current.logOffset, bytes: bytes.length, savedAt: new Date().toISOString() }
            await new Promise(resolve => context.set(POINTER_KEY, pointer, store, () => resolve()))
        })
        return writing
    }

    /** The one timer: a write already due sooner stays; a later one is brought forward. */
    function schedule (ms) {
        if (closed) return
        const at = Date.now() + ms
        if (timer && due <= at) return
        clearTimeout(timer)
        due = at
        timer = setTimeout(() => {
            timer = null
            due = Infinity
            save().catch(err => node.error(text('errors.checkpoint', { message: err.message })))
        }, ms)
    }

    return {
        /** What the ledger holds is not in the checkpoint (a start that read pings). */
        markUnsaved () { unsaved = true },
        /** The ledger changed: a checkpoint within `ms`. */
        changed (ms) {
            unsaved = true
            schedule(ms)
        },
        /** Writes now what is not yet written (a rebuild): its failure is the caller's. */
        saveNow () {
            unsaved = true
            return save()
        },
        /** After a start: the checkpoint soon, if the start read anything. */
        soon () {
            if (unsaved) schedule(100)
        },
        /** No timer after this; resolves once what was pending is written. */
        close () {
            closed = true
            clearTimeout(timer)
            timer = null
            return save()
        }
    }
}

module.exports = { checkpointKeeper }
