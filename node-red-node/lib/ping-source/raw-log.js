// The raw log and the ledger's checkpoint on disk. The log (NDJSON, one accepted ping a line)
// is the source of truth; the checkpoint is derived: a compact binary of the ledger with the
// log offset it covers, so a start reads only the log's tail. Reading goes in chunks, so
// neither the log nor its copy in WebAssembly memory is ever held whole.
const fs = require('node:fs')
const fsp = fs.promises
const core = require('../core')

const CHUNK = 4 * 1024 * 1024
const MAX_LINE = 64 * 1024 * 1024

/** Ends the raw log with a newline if a crash left its last line half written. */
function closeTornLine (file) {
    let handle
    try {
        handle = fs.openSync(file, 'r+')
        const size = fs.fstatSync(handle).size
        if (size === 0) return
        const last = Buffer.alloc(1)
        fs.readSync(handle, last, 0, 1, size - 1)
        if (last[0] !== 0x0a) fs.writeSync(handle, '\n', size)
    } catch (err) {
        if (err.code !== 'ENOENT') throw err
    } finally {
        if (handle !== undefined) fs.closeSync(handle)
    }
}

/**
 * Feeds the ledger the log's lines after `ledger.logOffset`, up to the end of the file as it
 * is now. An unfinished last line (a write in progress) is left for the next read.
 * @returns {Promise<{read: number, accepted: number, rejected: object[], size: number}>}
 */
async function readLog (ledger, file, { onProgress, keepRejected = 1000 } = {}) {
    let handle
    try {
        handle = await fsp.open(file, 'r')
    } catch (err) {
        if (err.code === 'ENOENT') return { read: 0, accepted: 0, rejected: [], size: 0 }
        throw err
    }
    const result = { read: 0, accepted: 0, rejected: [], size: 0 }
    try {
        const { size } = await handle.stat()
        result.size = size
        // A follow reads a few hundred bytes: allocate what is there, never a whole chunk
        // (4 MB of garbage a ping would set the collector off all the time).
        let chunk = CHUNK
        let buffer = Buffer.allocUnsafe(Math.min(chunk, size - ledger.logOffset))
        while (ledger.logOffset < size) {
            const at = ledger.logOffset
            const want = Math.min(chunk, size - at)
            const { bytesRead } = await handle.read(buffer, 0, want, at)
            if (bytesRead === 0) break
            const outcome = ledger.ingestLog(buffer.subarray(0, bytesRead))
            result.read += outcome.read
            result.accepted += outcome.accepted
            for (const r of outcome.rejected) if (result.rejected.length < keepRejected) result.rejected.push(r)
            if (onProgress) onProgress(ledger.logOffset, size)
            if (outcome.read === 0) {
                // No whole line in the chunk: at the end, a line still being written; else a
                // line longer than the chunk.
                if (at + bytesRead >= size) break
                if (chunk >= MAX_LINE) throw new Error(`raw log: line at byte ${at} is longer than ${MAX_LINE} bytes`)
                chunk *= 4
                buffer = Buffer.allocUnsafe(Math.min(chunk, size - at))
            }
        }
    } finally {
        await handle.close()
    }
    return result
}

/** Writes the checkpoint beside its log atomically: a crash leaves the old one or the new. */
async function writeCheckpoint (file, bytes) {
    const temp = `${file}.${process.pid}.tmp`
    await fsp.mkdir(require('node:path').dirname(file), { recursive: true })
    await fsp.writeFile(temp, bytes)
    await fsp.rename(temp, file)
}

/**
 * Loads a checkpoint. A file that fails its checks is moved aside (never deleted) and
 * `{ledger: null, aside, reason}` comes back, so the caller replays the log whole.
 */
async function loadCheckpoint (file, ledgerOptions) {
    let bytes
    try {
        bytes = await fsp.readFile(file)
    } catch (err) {
        if (err.code === 'ENOENT') return { ledger: null }
        throw err
    }
    try {
        const ledger = core.InstallationLedger.fromCheckpoint(bytes, ledgerOptions)
        return { ledger, bytes: bytes.length }
    } catch (err) {
        const aside = `${file}.unreadable-${Date.now()}`
        await fsp.rename(file, aside)
        return { ledger: null, aside, reason: err.message }
    }
}

async function fileSize (file) {
    try {
        return (await fsp.stat(file)).size
    } catch (err) {
        if (err.code === 'ENOENT') return 0
        throw err
    }
}

module.exports = { closeTornLine, readLog, writeCheckpoint, loadCheckpoint, fileSize }
