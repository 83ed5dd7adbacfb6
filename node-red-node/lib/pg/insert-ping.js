// Writing FlowFuse's collector table: one accepted ping, one row, as the collector stores it.
const { quoteTable } = require('./identifiers')
const { describeTable } = require('./columns')
const { collectorError } = require('./errors')

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

module.exports = { insertPing }
