// The pings table's columns, looked up once per pool and table: what a read selects and what
// an insert may write depend on them.
const { quoteTable } = require('./identifiers')

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

module.exports = { describeTable }
