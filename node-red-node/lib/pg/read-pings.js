// Reading FlowFuse's collector table: keyset pages streamed out with COPY as NDJSON (or COPY
// text) bytes that go to the core as they are; nothing here does arithmetic on a count.
const { escapeLiteral } = require('pg')
const { to: copyTo } = require('pg-copy-streams')
const { quoteTable } = require('./identifiers')
const { describeTable } = require('./columns')

/**
 * How the table's rows are read. A table with a `payload jsonb` column gives one JSON object
 * per row: a row written with a payload is read from it (so counts added after the table was
 * made are not lost), with the row's own created_at and "instanceId"; every other row as its
 * columns. Any other table (the collector's own) is read as its columns in COPY's text
 * format, which PostgreSQL writes several times faster than JSON and the core reads as
 * directly: created_at and "instanceId" first, created_at in UTC without a zone.
 * @returns {{format: 'ndjson'|'rows', select: string, columns?: Array<[string, string]>}}
 */
function rowFormat (info) {
    if (info.payload) {
        return {
            format: 'ndjson',
            select: `CASE WHEN jsonb_typeof(p.payload) = 'object'
                 THEN (p.payload - 'receivedAt' - 'created_at' - 'ip') || jsonb_build_object('created_at', p.created_at, 'instanceId', p."instanceId")
                 ELSE to_jsonb(p) - 'payload' END`
        }
    }
    const columns = [['created_at', 'timestamp without time zone'], ['instanceId', info.columns.get('instanceId')]]
    for (const [name, type] of info.columns) if (name !== 'created_at' && name !== 'instanceId') columns.push([name, type])
    const expressions = columns.map(([name]) => {
        if (name === 'created_at' && info.zoned) return `(p.created_at AT TIME ZONE 'UTC')`
        return `p."${name.replace(/"/g, '""')}"`
    })
    return { format: 'rows', select: expressions.join(', '), columns }
}

/** Feeds a chunk handed to readPings's onChunk to a ledger of the core, in its format. */
function ingestChunk (ledger, chunk, last) {
    return last.format === 'rows' ? ledger.ingestRows(chunk, last.columns) : ledger.ingestNdjson(chunk)
}

/**
 * Rows after a key in the index's order (created_at, then "instanceId" with NULLs last, as
 * the primary key's btree keeps them). The range on created_at alone lets the index find the
 * start; the rest only filters the rows of that one created_at. A NULL "instanceId" (a table
 * made without the primary key) never stalls the read: after it come the later times.
 */
function afterKey (key, utc) {
    if (!key) return 'TRUE'
    // A key read as rows of a timestamptz table is a UTC time written without its zone.
    const t = utc ? `(${escapeLiteral(String(key.createdAt))}::timestamp AT TIME ZONE 'UTC')` : escapeLiteral(String(key.createdAt))
    if (key.instanceId === null || key.instanceId === undefined) return `p.created_at > ${t}`
    const i = escapeLiteral(String(key.instanceId))
    return `p.created_at >= ${t} AND (p.created_at > ${t} OR p."instanceId" > ${i} OR p."instanceId" IS NULL)`
}

/**
 * Rows old enough that no insert still in flight can land before them: an insert stamped
 * earlier may commit later, and a keyset read never goes back, so a follower leaves rows
 * stamped less than `settleSeconds` ago for its next poll. The settle time must exceed the
 * longest insert plus any clock difference between the writers and the database.
 */
function settled (info, settleSeconds) {
    if (!settleSeconds) return 'TRUE'
    const now = info.zoned ? 'now()' : "(now() AT TIME ZONE 'UTC')"
    return `p.created_at < ${now} - make_interval(secs => ${escapeLiteral(String(settleSeconds))}::double precision)`
}

function checkKey (key) {
    if (key === null || key === undefined) return null
    if (typeof key !== 'object' || typeof key.createdAt !== 'string' || key.createdAt === '' ||
        !(key.instanceId === null || typeof key.instanceId === 'string')) {
        throw Object.assign(new Error(`after: must be null or a key {createdAt, instanceId} returned by readPings, got ${JSON.stringify(key)}`), { field: 'after' })
    }
    return { createdAt: key.createdAt, instanceId: key.instanceId }
}

/** A field of COPY's text format as written: `\N` is NULL, a backslash escapes one character. */
function copyText (raw) {
    if (raw === '\\N') return null
    return raw.replace(/\\(.)/g, (_, c) => ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' })[c] || c)
}

/** The key of the line that ends at `end` (exclusive of its newline) in `buffer`. */
function keyBefore (buffer, end, format = 'ndjson') {
    const start = buffer.lastIndexOf(10, end - 1) + 1
    const line = buffer.toString('utf8', start, end)
    if (format === 'rows') {
        const [createdAt, instanceId] = line.split('\t', 2)
        // As row_to_json writes a time: ISO with a T (the text format writes a space).
        return { createdAt: createdAt.replace(' ', 'T'), instanceId: copyText(instanceId) }
    }
    const row = JSON.parse(line)
    return { createdAt: row.created_at, instanceId: row.instanceId === undefined ? null : row.instanceId }
}

/**
 * The key `{createdAt, instanceId}` of the line numbered `index` (from 0) of a chunk handed
 * to onChunk (`format` is its `last.format`): the core's rejections name lines by that index.
 */
function keyOfLine (buffer, index, format = 'ndjson') {
    let start = 0
    for (let i = 0; i < index; i++) {
        start = buffer.indexOf(10, start) + 1
        if (start === 0) throw new RangeError(`index: the chunk has fewer than ${index + 1} lines`)
    }
    let end = buffer.indexOf(10, start)
    if (end < 0) end = buffer.length
    if (end === start) throw new RangeError(`index: the chunk has fewer than ${index + 1} lines`)
    return keyBefore(buffer, end, format)
}

function countLines (buffer) {
    let n = 0
    for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) n++
    return n
}

const CHUNK_BYTES = 1 << 20

/**
 * Reads the pings table from a key on, in keyset pages, and hands the rows to `onChunk` as
 * Buffers of whole NDJSON lines (one JSON object per row, about 1 MB each), never holding
 * more than a chunk in JavaScript. A chunk is handed over only after the previous onChunk
 * (and its Promise) finished.
 *
 * Rows come in the primary key's order, each once. Not read: rows with no created_at (only a
 * hand-made table allows them; they belong to no day), and of rows that share one exact key
 * (only possible without the primary key) those a page boundary falls between. Without the
 * primary key's index every page sorts the whole table: add the index to a large table.
 *
 * @param {import('pg').Pool} pool
 * @param {string} table `pings` or `schema.pings`
 * @param {object} options
 * @param {{createdAt: string, instanceId: string|null}|null} [options.after] the key to read after (null: from the start)
 * @param {number} [options.pageSize] rows per COPY (default 100,000)
 * @param {number} [options.settleSeconds] leave out rows newer than this (default 0: all)
 * @param {(chunk: Buffer, last: {key: object, rows: number, format: string, columns?: Array}) => void|Promise<void>} options.onChunk
 *   `last.key` is the key of the chunk's last row (where a reader that took the chunk would
 *   resume), `last.rows` its number of rows, `last.format` `ndjson` (one JSON object a line)
 *   or `rows` (COPY's text format, its `last.columns` as `[name, type]`); `ingestChunk`
 *   hands it to a ledger either way
 * @param {(progress: {rows: number, key: object|null}) => void} [options.onProgress] after every page
 * @returns {Promise<{key: object|null, rows: number}>} the key of the last row handed over
 *   (`after` when none) and how many rows were. On a failure the Error carries the same two
 *   as `err.key` and `err.rows`: what was handed over before it, so a caller resumes there
 *   and counts no row twice.
 */
async function readPings (pool, table, { after = null, pageSize = 100000, settleSeconds = 0, onChunk, onProgress } = {}) {
    const quoted = quoteTable(table)
    let key = checkKey(after)
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
        throw Object.assign(new Error(`pageSize: must be a whole number of rows from 1, got ${pageSize}`), { field: 'pageSize' })
    }
    if (!(typeof settleSeconds === 'number' && settleSeconds >= 0 && Number.isFinite(settleSeconds))) {
        throw Object.assign(new Error(`settleSeconds: must be a number of seconds from 0, got ${settleSeconds}`), { field: 'settleSeconds' })
    }
    if (typeof onChunk !== 'function') throw Object.assign(new Error('onChunk: must be a function'), { field: 'onChunk' })
    let rows = 0
    try {
        const info = await describeTable(pool, table)
        const { format, select, columns } = rowFormat(info)
        // JSON goes out as CSV with a quote and a delimiter that JSON never holds raw, which
        // passes it through untouched (the text format would double every backslash); rows
        // in the text format, one a line, its escapes undone by the core.
        const to = format === 'rows' ? '' : "WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"
        for (;;) {
            // COPY takes no parameters: the key's values are quoted literals.
            const sql = `COPY (SELECT ${select} FROM ${quoted} p
                          WHERE p.created_at IS NOT NULL AND ${afterKey(key, format === 'rows' && info.zoned)} AND ${settled(info, settleSeconds)}
                          ORDER BY p.created_at, p."instanceId" LIMIT ${pageSize})
                         TO STDOUT ${to}`
            const page = await readPage(pool, sql, async (chunk, lines) => {
                const chunkKey = keyBefore(chunk, chunk.length - 1, format)
                await onChunk(chunk, { key: chunkKey, rows: lines, format, columns })
                key = chunkKey
                rows += lines
            })
            if (onProgress) onProgress({ rows, key })
            if (page < pageSize) return { key, rows }
        }
    } catch (err) {
        throw Object.assign(err, { key, rows })
    }
}

/** Streams one COPY, handing whole lines on; resolves with the number of lines. */
async function readPage (pool, sql, deliver) {
    const client = await pool.connect()
    let failed = null
    let lines = 0
    try {
        // Times in the text format as the core reads them (ISO), whatever the server's default.
        await client.query("SET DateStyle TO 'ISO, YMD'")
        const stream = client.query(copyTo(sql))
        let parts = []
        let size = 0
        const flush = async (all) => {
            if (size === 0) return
            const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, size)
            const end = all ? bytes.length : bytes.lastIndexOf(10) + 1
            parts = end < bytes.length ? [bytes.subarray(end)] : []
            size = bytes.length - end
            if (end === 0) return
            const chunk = bytes.subarray(0, end)
            if (chunk[chunk.length - 1] !== 10) throw new Error('the COPY output ended inside a row')
            const n = countLines(chunk)
            await deliver(chunk, n)
            lines += n
        }
        for await (const data of stream) {
            parts.push(data)
            size += data.length
            if (size >= CHUNK_BYTES) await flush(false)
        }
        await flush(true)
        return lines
    } catch (err) {
        failed = err
        throw err
    } finally {
        // A COPY left half read leaves the connection mid-protocol: it is closed, not reused.
        client.release(failed || undefined)
    }
}

module.exports = { readPings, keyOfLine, ingestChunk }
