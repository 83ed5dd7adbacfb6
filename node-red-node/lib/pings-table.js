// FlowFuse's usage-ping collector table in PostgreSQL (../shared/fixtures/pings-table.sql:
// flat dotted columns, primary key (created_at, "instanceId")) as a source and a store, and
// the `meta_snapshots` table beside it. Pure plumbing: rows go to the core as NDJSON bytes and
// every figure is computed there; nothing here does arithmetic on a count.
const { escapeLiteral } = require('pg')
const { to: copyTo } = require('pg-copy-streams')

// PostgreSQL's unquoted identifier rule (letters, digits, _ and $, not starting with a
// digit, at most 63 bytes), so a name is quoted as written and no quoting is ever escaped.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/

/**
 * Checks a table name (`pings` or `schema.pings`) and returns it quoted for SQL. The name is
 * taken as written: `Pings` is the table "Pings", not pings.
 * @param {string} table
 * @returns {string} e.g. `"analytics"."pings"`
 */
function quoteTable (table) {
    const parts = typeof table === 'string' ? table.split('.') : []
    if (parts.length < 1 || parts.length > 2 || !parts.every(p => IDENTIFIER.test(p))) {
        throw Object.assign(new Error(`table: must be a name such as pings or analytics.pings (letters, digits, _ and $), got ${JSON.stringify(table)}`), { field: 'table', code: '42602' })
    }
    return parts.map(p => `"${p}"`).join('.')
}

/** The snapshot table's name: `meta_snapshots`, in the pings table's schema if it names one. */
function snapshotTableFor (table) {
    const parts = String(table).split('.')
    return parts.length === 2 ? `${parts[0]}.meta_snapshots` : 'meta_snapshots'
}

// ---------------------------------------------------------------------------------------
// Errors, shaped as the collector answers them

const SERVICE_UNAVAILABLE = 'Error: the pings database is unavailable, try again later'

/**
 * Turns a database error into one a collector can answer with: `statusCode` and `body`
 * (`{status: 'error', error}`, FlowFuse's collector's shape). The body never carries the
 * driver's message, which names hosts and tables; `message` does, for the log.
 */
function collectorError (err) {
    const code = typeof err.code === 'string' ? err.code : ''
    let statusCode = 503
    let error = SERVICE_UNAVAILABLE
    if (err.statusCode) {
        statusCode = err.statusCode
        error = err.body ? err.body.error : `Error: ${err.message}`
    } else if (/^2[23]/.test(code)) {
        // Data exception or integrity violation: this ping cannot be stored as sent.
        statusCode = 400
        error = `Error: ${err.message}`
    } else if (/^42/.test(code)) {
        // A missing table or column, no privilege: the configuration, not the sender.
        statusCode = 500
        error = 'Error: the pings table cannot be written'
    }
    return Object.assign(new Error(err.message), {
        statusCode,
        body: { status: 'error', error },
        field: err.field,
        cause: err
    })
}

// ---------------------------------------------------------------------------------------
// The table's columns, looked up once per pool and table

const described = new WeakMap()

/**
 * The table's columns: `{columns: Map<name, type>, payload: boolean, zoned: boolean}`, where
 * `payload` says it has a `payload jsonb` column and `zoned` that created_at is timestamptz.
 * to_regclass resolves the name as the queries do (search_path included). Looked up once per
 * pool: a column added while the flows run is seen after a redeploy (a new pool).
 */
function describeTable (pool, table) {
    const quoted = quoteTable(table)
    let tables = described.get(pool)
    if (!tables) described.set(pool, tables = new Map())
    if (!tables.has(table)) {
        const lookup = pool.query({
            text: `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
                     FROM pg_attribute a
                    WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
                    ORDER BY a.attnum`,
            values: [quoted]
        }).then(({ rows }) => {
            if (rows.length === 0) {
                throw Object.assign(new Error(`table: ${table} does not exist in the database`), { field: 'table', code: '42P01' })
            }
            const columns = new Map(rows.map(r => [r.name, r.type]))
            if (!columns.has('created_at') || !columns.has('instanceId')) {
                throw Object.assign(new Error(`table: ${table} has no created_at and "instanceId" columns: it is not a pings table`), { field: 'table', code: '42703' })
            }
            return {
                columns,
                payload: columns.get('payload') === 'jsonb',
                zoned: columns.get('created_at') === 'timestamp with time zone'
            }
        })
        tables.set(table, lookup)
        // A lookup that failed (database down) is tried again next time.
        lookup.catch(() => tables.get(table) === lookup && tables.delete(table))
    }
    return tables.get(table)
}

// ---------------------------------------------------------------------------------------
// Reading: keyset pages streamed out with COPY as NDJSON bytes

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

/** Rows old enough that no insert still in flight can land before them (see followPings). */
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

/**
 * Follows the table: reads everything after `after` now, then again every `intervalSeconds`,
 * from the last key handed over. Rows stamped less than `settleSeconds` ago are left for the
 * next poll, because an insert stamped earlier may commit later (a keyset read never goes
 * back); the settle time must exceed the longest insert plus any clock difference between
 * the writers and the database.
 *
 * @param {import('pg').Pool} pool
 * @param {string} table
 * @param {object} options as readPings, plus:
 * @param {number} [options.intervalSeconds] between polls (default 5)
 * @param {number} [options.settleSeconds] default 5
 * @param {(err: Error) => void} [options.onError] a failed poll; the next one resumes from its err.key
 * @param {(result: {key, rows}) => void} [options.onRead] after every poll that read rows
 * @returns {{stop: () => Promise<void>, readonly key: object|null, readonly rows: number}}
 */
function followPings (pool, table, options = {}) {
    const { intervalSeconds = 5, settleSeconds = 5, onError, onRead } = options
    if (!(typeof intervalSeconds === 'number' && intervalSeconds > 0 && Number.isFinite(intervalSeconds))) {
        throw Object.assign(new Error(`intervalSeconds: must be a number of seconds above 0, got ${intervalSeconds}`), { field: 'intervalSeconds' })
    }
    let key = checkKey(options.after)
    let rows = 0
    let stopped = false
    let timer = null
    let current = Promise.resolve()

    function poll () {
        timer = null
        current = readPings(pool, table, { ...options, after: key, settleSeconds }).then(result => {
            key = result.key
            rows += result.rows
            if (result.rows > 0 && onRead) onRead({ key, rows: result.rows })
        }, err => {
            key = err.key === undefined ? key : err.key
            rows += err.rows || 0
            if (onError) onError(err)
        }).then(() => {
            if (!stopped) timer = setTimeout(poll, intervalSeconds * 1000)
        })
    }
    poll()
    return {
        get key () { return key },
        get rows () { return rows },
        /** No poll starts after this; resolves when the one under way has finished. */
        stop () {
            stopped = true
            clearTimeout(timer)
            return current
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing: one accepted ping, one row

const INTEGER_RANGES = {
    smallint: [-32768, 32767],
    integer: [-2147483648, 2147483647],
    bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
}

/** The nested body's leaves under their dotted names, as the collector's columns are named. */
function flatten (value, prefix, out) {
    for (const name of Object.keys(value)) {
        const leaf = value[name]
        const path = prefix ? `${prefix}.${name}` : name
        if (leaf !== null && typeof leaf === 'object' && !Array.isArray(leaf)) flatten(leaf, path, out)
        else out.set(path, leaf)
    }
    return out
}

/** The ping's time as an ISO UTC string: receivedAt, or a flat row's created_at (UTC when it names no zone). */
function pingTime (ping) {
    const field = ping.receivedAt !== undefined && ping.receivedAt !== null ? 'receivedAt' : 'created_at'
    let time = ping[field]
    if (typeof time === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(time.trim())) {
        time = time.trim().replace(' ', 'T') + 'Z'
    }
    const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : null
    if (!date || Number.isNaN(date.getTime())) {
        throw Object.assign(new Error(`${field}: must be an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(time)}`), { field, statusCode: 400 })
    }
    return date.toISOString()
}

/**
 * Inserts one accepted ping as one row: its leaves under the table's dotted column names
 * (leaves the table has no column for are dropped, as FlowFuse's collector drops them), `ip`
 * (the hash the collector flow puts there), created_at = the ping's receivedAt, and the whole
 * body in `payload` when the table has that jsonb column. Resolves after the commit.
 *
 * The same install at the same created_at (to the microsecond) is the primary key: a second
 * such ping is the same delivery twice, so it is not stored again and resolves with
 * `inserted: false` (the caller acknowledges it and does not count it again).
 *
 * @param {import('pg').Pool} pool
 * @param {string} table
 * @param {object} ping the body as POSTed (nested, or a flat row) with receivedAt and ip
 * @returns {Promise<{inserted: boolean, createdAt: string}>}
 * @throws an Error with `statusCode` (503 database unavailable, 400 a value the table refuses,
 *   500 the table is missing or not writable) and `body` `{status: 'error', error}`
 */
async function insertPing (pool, table, ping) {
    try {
        const quoted = quoteTable(table)
        if (ping === null || typeof ping !== 'object' || Array.isArray(ping)) {
            throw Object.assign(new Error('ping: must be an object'), { field: 'ping', statusCode: 400 })
        }
        const createdAt = pingTime(ping)
        const info = await describeTable(pool, table)
        const names = ['created_at']
        const values = [createdAt]
        const body = {}
        for (const [name, value] of Object.entries(ping)) {
            if (name !== 'receivedAt' && name !== 'created_at' && name !== 'ip') body[name] = value
        }
        for (const [name, value] of flatten(ping, '', new Map())) {
            if (name === 'created_at' || name === 'payload' || name === 'receivedAt' || value === undefined) continue
            const type = info.columns.get(name)
            if (!type) continue
            const range = INTEGER_RANGES[type]
            if (range && value !== null && !(Number.isSafeInteger(value) && value >= range[0] && value <= range[1])) {
                throw Object.assign(new Error(`${name}: must be a whole number from ${range[0]} to ${range[1]} to fit the table's ${type} column, got ${JSON.stringify(value)}`), { field: name, statusCode: 400 })
            }
            names.push(name)
            values.push(value)
        }
        if (info.payload) {
            names.push('payload')
            values.push(JSON.stringify(body))
        }
        const time = info.zoned ? '$1::timestamptz' : "($1::timestamptz AT TIME ZONE 'UTC')"
        const params = values.map((_, i) => i === 0 ? time : names[i] === 'payload' ? `$${i + 1}::jsonb` : `$${i + 1}`)
        const { rowCount } = await pool.query({
            text: `INSERT INTO ${quoted} (${names.map(n => `"${n.replace(/"/g, '""')}"`).join(', ')})
                   VALUES (${params.join(', ')}) ON CONFLICT DO NOTHING`,
            values,
            query_timeout: 10000
        })
        return { inserted: rowCount === 1, createdAt }
    } catch (err) {
        throw collectorError(err)
    }
}

// ---------------------------------------------------------------------------------------
// Cloud meta snapshots: one row per date

/** Creates `meta_snapshots (date date primary key, metrics jsonb, taken_at timestamptz)` if missing. */
async function ensureSnapshotTable (pool, table = 'meta_snapshots') {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${quoteTable(table)} (
        date date PRIMARY KEY,
        metrics jsonb NOT NULL,
        taken_at timestamptz NOT NULL
    )`)
}

/**
 * Upserts snapshots `[{date: 'YYYY-MM-DD', metrics}]` in one transaction, in order: a date
 * already stored is replaced (a same-day re-run), and either all are stored or none.
 * @param {Date} takenAt when they were taken (the caller's clock)
 */
async function saveSnapshots (pool, table, snapshots, takenAt) {
    const quoted = quoteTable(table)
    const client = await pool.connect()
    let failed = null
    try {
        await client.query('BEGIN')
        for (const { date, metrics } of snapshots) {
            await client.query({
                text: `INSERT INTO ${quoted} (date, metrics, taken_at) VALUES ($1::date, $2::jsonb, $3)
                       ON CONFLICT (date) DO UPDATE SET metrics = EXCLUDED.metrics, taken_at = EXCLUDED.taken_at`,
                values: [date, JSON.stringify(metrics), takenAt]
            })
        }
        await client.query('COMMIT')
    } catch (err) {
        failed = err
        await client.query('ROLLBACK').catch(() => {})
        throw err
    } finally {
        client.release(failed || undefined)
    }
}

/** Every stored snapshot in date order: `[{date: 'YYYY-MM-DD', metrics, takenAt: ISO string}]`. */
async function loadSnapshots (pool, table = 'meta_snapshots') {
    // to_char: a `date` read as a JS Date would be midnight in the server's local time zone.
    const { rows } = await pool.query(`SELECT to_char(date, 'YYYY-MM-DD') AS date, metrics, taken_at
                                         FROM ${quoteTable(table)} ORDER BY date`)
    return rows.map(r => ({ date: r.date, metrics: r.metrics, takenAt: r.taken_at.toISOString() }))
}

module.exports = {
    quoteTable,
    snapshotTableFor,
    describeTable,
    readPings,
    followPings,
    keyOfLine,
    ingestChunk,
    insertPing,
    collectorError,
    ensureSnapshotTable,
    saveSnapshots,
    loadSnapshots
}
