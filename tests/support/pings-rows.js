// The collector's table as the tests make and fill it: the fixture's DDL (optionally in a
// schema of its own, without the primary key or with a payload column), pings inserted as
// the collector inserts them, and what a ping looks like once the table holds it.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const table = require('../../node-red-node/lib/pg')

const fixtures = path.resolve(__dirname, '../../../shared/fixtures')
const ddl = fs.readFileSync(path.join(fixtures, 'pings-table.sql'), 'utf8')
// Counts the collector's table fills with 0 when a ping (an older FlowFuse) does not send them.
const defaultZero = [...ddl.matchAll(/^\s+"(platform\.counts\.[^"]+)"\s+INTEGER DEFAULT 0/gm)].map(m => m[1])

/** A ping as the table holds it: the counts it lacks at their column default, 0. */
function asStored (ping) {
    const copy = JSON.parse(JSON.stringify(ping))
    for (const column of defaultZero) {
        if (copy.created_at !== undefined) {
            if (copy[column] === undefined) copy[column] = 0
            continue
        }
        const steps = column.split('.')
        let at = copy
        for (const step of steps.slice(0, -1)) at = at[step] = at[step] || {}
        if (at[steps[steps.length - 1]] === undefined) at[steps[steps.length - 1]] = 0
    }
    return copy
}

/** The fixture's table in its own schema (`public` is left to the DDL as it is). */
async function makeTable (pool, schema, { withoutKey = false, payload = false } = {}) {
    let sql = ddl.replace('CREATE TABLE "pings" (', `CREATE TABLE "${schema}"."pings" (${payload ? '\n  "payload" jsonb,' : ''}`)
    if (withoutKey) sql = sql.replace(/,\s*PRIMARY KEY \("created_at", "instanceId"\)/, '')
    assert.notEqual(sql, ddl)
    await pool.query(`CREATE SCHEMA "${schema}"`)
    await pool.query(sql)
    return `${schema}.pings`
}

/**
 * Inserts pings four at a time (as concurrent requests would); resolves with those stored.
 * `inOrder`: one at a time, so each commits after the one before it, as rows stamped now()
 * do; a keyset reader polling meanwhile then never sees a row before an earlier one.
 */
async function insertAll (pool, name, pings, { inOrder = false } = {}) {
    const stored = []
    let next = 0
    await Promise.all(Array.from({ length: inOrder ? 1 : 4 }, async () => {
        while (next < pings.length) {
            const ping = pings[next++]
            const { inserted } = await table.insertPing(pool, name, { ...ping, ip: 'hash-of-an-address' })
            if (inserted) stored.push(ping)
        }
    }))
    return stored
}

/** Every row of the table as the installations node reads it (row_to_json), in key order. */
async function tableRows (pool, name) {
    const { rows } = await pool.query(`SELECT row_to_json(p) AS row FROM ${table.quoteTable(name)} p ORDER BY created_at, "instanceId"`)
    return rows.map(r => r.row)
}

/** A generated ping's time in epoch ms (a flat row's created_at is UTC with no zone). */
const epoch = ping => Date.parse(ping.receivedAt || ping.created_at.replace(' ', 'T') + 'Z')

/** Pings in the order a collector stamps them: by time (what a keyset reader relies on). */
const byTime = pings => [...pings].sort((a, b) => epoch(a) - epoch(b))

module.exports = { ddl, fixtures, defaultZero, asStored, makeTable, insertAll, tableRows, epoch, byTime }
