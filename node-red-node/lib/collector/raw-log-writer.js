// Appending accepted pings to the raw log (NDJSON, one ping a line) through one open file
// handle, in order, each append done (written to the file) before it resolves, so a 200 is
// only ever given for a ping on disk. What Node-RED's file node did for the collector flow,
// without its directory check and open on every message. lib/ping-source/raw-log.js reads it.
const fs = require('node:fs')
const path = require('node:path')
const fsp = fs.promises

/** @param {string} file the raw log's absolute path */
function rawLogWriter (file) {
    let handle = null
    let inode = null
    let queue = Promise.resolve()

    async function open () {
        await fsp.mkdir(path.dirname(file), { recursive: true })
        handle = await fsp.open(file, 'a')
        inode = (await handle.stat()).ino
    }

    async function drop () {
        const h = handle
        handle = null
        if (h) await h.close().catch(() => {})
    }

    /** The log moved aside or deleted since it was opened: a new one, as the file node did. */
    function replaced () {
        try {
            return fs.statSync(file).ino !== inode
        } catch (err) {
            return true
        }
    }

    async function write (line) {
        if (handle && replaced()) await drop()
        if (!handle) await open()
        try {
            await handle.appendFile(line)
        } catch (err) {
            await drop()
            throw err
        }
    }

    return {
        /** Appends `ping` as one line, exactly JSON.stringify's text and a newline. */
        append (ping) {
            const done = queue.then(() => write(JSON.stringify(ping) + '\n'))
            queue = done.catch(() => {})
            return done
        },
        close () {
            queue = queue.then(drop)
            return queue
        }
    }
}

module.exports = { rawLogWriter }
