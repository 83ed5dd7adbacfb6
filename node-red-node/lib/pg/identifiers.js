// Names of the collector's tables as SQL takes them: checked against PostgreSQL's unquoted
// identifier rule, then quoted as written, so no quoting is ever escaped.

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

module.exports = { quoteTable, snapshotTableFor }
