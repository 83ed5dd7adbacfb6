// FlowFuse's usage-ping collector table in PostgreSQL (../shared/fixtures/pings-table.sql:
// flat dotted columns, primary key (created_at, "instanceId")) as a source and a store, and
// the `meta_snapshots` table beside it. Pure plumbing: rows go to the core as bytes and every
// figure is computed there. Each caller requires the one file it needs; this gathers them
// for tests and tools.
module.exports = {
    ...require('./identifiers'),
    ...require('./columns'),
    ...require('./read-pings'),
    ...require('./insert-ping'),
    ...require('./snapshots'),
    ...require('./errors')
}
