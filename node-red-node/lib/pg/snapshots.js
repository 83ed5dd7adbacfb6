// Cloud meta snapshots in PostgreSQL: the `meta_snapshots` table, one row per date.
const { quoteTable } = require('./identifiers')

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

module.exports = { ensureSnapshotTable, saveSnapshots, loadSnapshots }
