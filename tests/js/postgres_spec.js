// FlowFuse's collector table in a real PostgreSQL (started here, stopped by PID): the
// fixture's DDL, pings written as the collector writes them, read back in keyset pages as
// NDJSON bytes into the core's ledger, bad rows, the database going down, and snapshots.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Pool } = require('pg')
const core = require('../../pkg')
const table = require('../../node-red-node/lib/pg')
const { pingSource } = require('../../node-red-node/lib/ping-source')
const { startPostgres } = require('../support/postgres')
const { waitFor } = require('../support/node-red')

const { ddl, fixtures, asStored, makeTable, insertAll, epoch } = require('../support/pings-rows')

const fixture = name => JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8'))
// The column names the DDL declares, read off it (so a column added there is checked too).
const ddlColumns = [...ddl.matchAll(/^\s+"([^"]+)"\s+(?:TIMESTAMP|varchar|INTEGER|BOOLEAN)/gm)].map(m => m[1])

/** Reads the table into a fresh ledger; returns the ledger, the read's result and what the core said of each chunk. */
async function readIntoLedger (pool, name, options = {}, ledger = new core.InstallationLedger(null)) {
    const outcomes = []
    const result = await table.readPings(pool, name, {
        ...options,
        onChunk (chunk, last) {
            assert.equal(chunk[chunk.length - 1], 10, 'a chunk ends with a whole line')
            outcomes.push({ chunk, last, outcome: table.ingestChunk(ledger, chunk, last) })
        }
    })
    return { ledger, result, outcomes }
}


describe('the collector\'s pings table in PostgreSQL', function () {
    let server, pool

    before(async function () {
        server = await startPostgres()
        // A session time zone far from UTC: created_at (timestamp without time zone) must
        // hold UTC whatever the server or the session thinks local time is.
        pool = new Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 3000, options: '-c TimeZone=Pacific/Chatham' })
        pool.on('error', () => {}) // an idle connection ended by a restart; the pool replaces it
    })
    after(async function () {
        if (pool) await pool.end()
        if (server) await server.stop()
    })

    it('loads the fixture\'s DDL as it is', async function () {
        await pool.query('CREATE SCHEMA fixture')
        const client = await pool.connect()
        try {
            await client.query(`SET search_path TO fixture; ${ddl}`)
        } finally {
            client.release(true)
        }
        const info = await table.describeTable(pool, 'fixture.pings')
        assert.ok(ddlColumns.length > 20, ddlColumns.join(', '))
        assert.deepEqual([...info.columns.keys()], ddlColumns)
        assert.equal(info.columns.get('created_at'), 'timestamp without time zone')
        assert.equal(info.payload, false)
        assert.equal(info.zoned, false)
        const { rows } = await pool.query(`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                                            WHERE i.indrelid = 'fixture.pings'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`)
        assert.deepEqual(rows.map(r => r.attname), ['created_at', 'instanceId'])
    })

    it('checks the table name as an identifier and quotes it', async function () {
        assert.equal(table.quoteTable('pings'), '"pings"')
        assert.equal(table.quoteTable('analytics.Pings'), '"analytics"."Pings"')
        for (const bad of ['', 'pings; DROP TABLE pings', 'a.b.c', '1pings', '"pings"', 'pi"ngs', 'pings ', null, 'x'.repeat(64)]) {
            assert.throws(() => table.quoteTable(bad), err => err.field === 'table' && /table: must be a name/.test(err.message), String(bad))
        }
        await assert.rejects(table.insertPing(pool, 'pings; DROP TABLE x', { instanceId: 'a', receivedAt: '2026-01-05T10:00:00Z' }),
            err => err.statusCode === 500 && err.field === 'table' && err.body.status === 'error')
        await assert.rejects(table.insertPing(pool, 'no_such_table', { instanceId: 'a', receivedAt: '2026-01-05T10:00:00Z' }),
            err => err.statusCode === 500 && /no_such_table does not exist/.test(err.message) && !/no_such_table/.test(err.body.error))
    })

    it('writes each of the two fixture pings as one row, in the collector\'s columns, at its receivedAt in UTC', async function () {
        const name = await makeTable(pool, 'fixtures')
        const pings = [
            { ...fixture('ping-flowfuse-2.33.2-ce-stub.json'), receivedAt: '2026-01-05T23:30:00.123Z', ip: 'hash-a' },
            { ...fixture('ping-flowfuse-2.4.0-ce-localfs.json'), receivedAt: '2026-01-06T00:15:00.000Z', ip: 'hash-b' }
        ]
        pings[1].platform.counts.notAColumnYet = 7 // dropped, as the collector drops unknown keys
        for (const ping of pings) assert.deepEqual(await table.insertPing(pool, name, ping), { inserted: true, createdAt: ping.receivedAt })
        const { rows } = await pool.query(`SELECT *, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS utc FROM ${table.quoteTable(name)} ORDER BY created_at`)
        assert.equal(rows.length, 2)
        const [a, b] = rows
        const [p, q] = pings
        assert.deepEqual([a.utc, b.utc], [p.receivedAt, q.receivedAt])
        assert.deepEqual([a.instanceId, a.ip, a['env.flowforge'], a['env.nodejs'], a['os.type'], a['os.release'], a['os.arch']],
            [p.instanceId, 'hash-a', p.env.flowforge, p.env.nodejs, p.os.type, p.os.release, p.os.arch])
        assert.deepEqual([a['platform.config.driver'], a['platform.license.type'], a['platform.license.id'], a['platform.config.broker.enabled']],
            [p.platform.config.driver, p.platform.license.type, p.platform.license.id, p.platform.config.broker.enabled])
        for (const [count, value] of Object.entries({ users: 2, teams: 2, devices: 1, 'devicesByLastSeen.never': 1, 'projectsByState.suspended': 0 })) {
            assert.equal(a[`platform.counts.${count}`], value, count)
        }
        assert.equal(b['platform.config.driver'], 'localfs')
        assert.equal(b['env.flowforge'], '2.4.0')
        // Absent from the 2.4.0 ping: NULL, or the column's default.
        assert.equal(b['platform.counts.devicesByLastSeen.never'], 0)
        assert.equal(b['platform.counts.blueprints'], 0)
        assert.equal(Object.keys(b).includes('platform.counts.notAColumnYet'), false)
    })

    it('stores N generated pings as N rows, nested and flat alike', async function () {
        const name = await makeTable(pool, 'many')
        const pings = core.demoPings({ installs: 20, days: 30, start: '2026-01-01' })
        assert.ok(pings.some(p => p.created_at) && pings.some(p => p.receivedAt), 'both shapes')
        const stored = await insertAll(pool, name, pings)
        const { rows } = await pool.query(`SELECT count(*)::int AS n, count(DISTINCT "instanceId")::int AS installs FROM ${table.quoteTable(name)}`)
        assert.equal(rows[0].n, stored.length)
        assert.equal(stored.length, pings.length)
        assert.equal(rows[0].installs, new Set(pings.map(p => p.instanceId)).size)
    })

    it('answers a second ping of the same install at the same instant as already stored', async function () {
        const name = await makeTable(pool, 'twice')
        const ping = { instanceId: 'same', receivedAt: '2026-01-05T10:00:00.000Z', platform: { counts: { projects: 1 } } }
        assert.equal((await table.insertPing(pool, name, ping)).inserted, true)
        assert.equal((await table.insertPing(pool, name, { ...ping, platform: { counts: { projects: 2 } } })).inserted, false)
        const { rows } = await pool.query(`SELECT "platform.counts.projects" AS p FROM ${table.quoteTable(name)}`)
        assert.deepEqual(rows, [{ p: 1 }])
    })

    it('refuses, by name, a count the table\'s INTEGER column cannot hold, and writes nothing', async function () {
        const name = await makeTable(pool, 'range')
        await assert.rejects(table.insertPing(pool, name, { instanceId: 'big', receivedAt: '2026-01-05T10:00:00Z', platform: { counts: { projects: 2 ** 31 } } }),
            err => err.statusCode === 400 && err.field === 'platform.counts.projects' && /platform\.counts\.projects: must be a whole number/.test(err.body.error))
        await assert.rejects(table.insertPing(pool, name, { instanceId: 'nowhen', receivedAt: 'yesterday' }),
            err => err.statusCode === 400 && err.field === 'receivedAt')
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table.quoteTable(name)}`)
        assert.equal(rows[0].n, 0)
    })

    describe('reading it into the ledger', function () {
        let name, stored

        before(async function () {
            name = await makeTable(pool, 'history')
            const pings = core.demoPings({ installs: 80, days: 120, start: '2025-09-01' })
            stored = await insertAll(pool, name, pings)
            assert.ok(stored.length > 5000, `${stored.length} pings`)
        })

        it('in keyset pages equals aggregateInstallations over the same pings', async function () {
            const pages = []
            const started = process.hrtime.bigint()
            const { ledger, result, outcomes } = await readIntoLedger(pool, name, { pageSize: 1000, onProgress: p => pages.push(p) })
            const seconds = Number(process.hrtime.bigint() - started) / 1e9
            console.log(`      read ${result.rows} rows in ${seconds.toFixed(2)} s: ${Math.round(result.rows / seconds)} rows/s (pages of 1000)`)
            assert.equal(result.rows, stored.length)
            assert.equal(pages.length, Math.ceil(stored.length / 1000) + (stored.length % 1000 === 0 ? 1 : 0))
            assert.deepEqual(pages.map(p => p.rows), pages.map((_, i) => Math.min((i + 1) * 1000, stored.length)))
            assert.equal(outcomes.reduce((n, o) => n + o.outcome.accepted, 0), stored.length)
            assert.deepEqual(outcomes.flatMap(o => o.outcome.rejected), [])
            const expected = core.aggregateInstallations(stored.map(asStored))
            const report = ledger.report({})
            assert.equal(report.days.length, expected.days.length)
            assert.deepEqual(report.days, expected.days)
            assert.equal(report.installations, expected.installations)
            // The key is the last row in the table's order.
            const { rows } = await pool.query(`SELECT "instanceId", to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS t FROM ${table.quoteTable(name)} ORDER BY created_at DESC, "instanceId" DESC LIMIT 1`)
            assert.equal(result.key.instanceId, rows[0].instanceId)
            assert.equal(new Date(result.key.createdAt + 'Z').getTime(), new Date(rows[0].t + 'Z').getTime())
        })

        it('reads a created_at timestamptz table in UTC whatever the session\'s time zone', async function () {
            // The pool's sessions are in Pacific/Chatham (+13:45): keys must still resume exactly.
            await pool.query('CREATE SCHEMA zoned')
            await pool.query(ddl.replace('CREATE TABLE "pings" (', 'CREATE TABLE "zoned"."pings" (').replace('"created_at" TIMESTAMP NOT NULL', '"created_at" TIMESTAMPTZ NOT NULL'))
            assert.equal((await table.describeTable(pool, 'zoned.pings')).zoned, true)
            const zoned = await insertAll(pool, 'zoned.pings', stored.slice(0, 1500))
            const { ledger, result, outcomes } = await readIntoLedger(pool, 'zoned.pings', { pageSize: 97 })
            assert.equal(result.rows, zoned.length)
            assert.ok(outcomes.every(o => o.last.format === 'rows'))
            assert.deepEqual(ledger.report({}).days, core.aggregateInstallations(zoned.map(asStored)).days)
        })

        it('in one page gives the same ledger as in small pages', async function () {
            const small = await readIntoLedger(pool, name, { pageSize: 7 })
            const large = await readIntoLedger(pool, name, {})
            assert.equal(small.result.rows, large.result.rows)
            assert.deepEqual(small.ledger.report({}), large.ledger.report({}))
        })

        it('picks up rows added after a first read by a second read from the returned key', async function () {
            const later = await makeTable(pool, 'growing')
            const all = core.demoPings({ installs: 30, days: 60, start: '2025-11-01' })
            const cut = Date.parse('2025-12-15T00:00:00Z')
            const before = all.filter(p => epoch(p) < cut)
            const after = all.filter(p => !before.includes(p))
            assert.ok(before.length > 100 && after.length > 100)
            const first = await insertAll(pool, later, before)
            const { ledger, result } = await readIntoLedger(pool, later, { pageSize: 500 })
            assert.equal(result.rows, first.length)
            const nothing = await readIntoLedger(pool, later, { after: result.key }, ledger)
            assert.deepEqual(nothing.result, { key: result.key, rows: 0 })
            const second = await insertAll(pool, later, after)
            const more = await readIntoLedger(pool, later, { after: result.key, pageSize: 500 }, ledger)
            assert.equal(more.result.rows, second.length)
            assert.deepEqual(ledger.report({}).days, core.aggregateInstallations([...first, ...second].map(asStored)).days)
        })

        it('follows new rows by polling from the last key (the installations node\'s table source)', async function () {
            const followed = await makeTable(pool, 'followed')
            const all = core.demoPings({ installs: 10, days: 30, start: '2026-01-01' })
            const half = Math.floor(all.length / 2)
            const byTime = [...all].sort((a, b) => epoch(a) - epoch(b))
            const first = await insertAll(pool, followed, byTime.slice(0, half))
            const seen = { statuses: [], warnings: [], errors: [], changes: 0, rejected: [] }
            const node = {
                status: s => seen.statuses.push(s),
                log () {},
                warn: w => seen.warnings.push(w),
                error: e => seen.errors.push(e),
                context: () => ({ set: (key, value, store, done) => done() })
            }
            const database = {
                table: followed,
                configError: null,
                identity: () => `test ${followed}`,
                describe: () => 'the test database',
                connection: () => ({ pool, table: followed })
            }
            const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'pg-follow-'))
            const source = pingSource(node, {
                ledgerOptions: { activeWindowDays: 7 },
                database,
                logFile: null,
                checkpointFile: path.join(dir, 'followed.checkpoint'),
                checkpointMs: 60000,
                refreshMs: 5000,
                pollMs: 200,
                settleSeconds: 0,
                resolve: name => path.resolve(dir, name)
            }, {
                text: (key, vars) => `${key} ${JSON.stringify(vars || {})}`,
                changed: () => seen.changes++,
                rejected: list => seen.rejected.push(...list)
            })
            const accepted = () => source.ledger().report({}).accepted
            let stopped = false
            try {
                assert.deepEqual(await source.ready, [])
                // The start read the rows there were; the polls read the rows added since, from its last key.
                assert.equal(accepted(), first.length)
                const second = await insertAll(pool, followed, byTime.slice(half), { inOrder: true })
                await waitFor(() => accepted() === first.length + second.length, { timeout: 10000, interval: 50, what: 'the rows added since' })
                assert.ok(seen.changes >= 1, 'a poll read rows')
                assert.deepEqual([seen.warnings, seen.errors, seen.rejected], [[], [], []])
                assert.ok(seen.statuses.every(s => s.fill !== 'red'), JSON.stringify(seen.statuses))
                assert.deepEqual(source.ledger().report({}).days, core.aggregateInstallations([...first, ...second].map(asStored)).days)
                await source.close()
                stopped = true
            } finally {
                if (!stopped) await source.close()
            }
            const polls = seen.statuses.length
            const rows = accepted()
            await new Promise(resolve => setTimeout(resolve, 500))
            assert.equal(seen.statuses.length, polls, 'no poll after close')
            assert.equal(accepted(), rows)
            assert.ok(fs.statSync(path.join(dir, 'followed.checkpoint')).size > 0, 'the checkpoint written on close')
            fs.rmSync(dir, { recursive: true, force: true })
        })

        it('leaves rows newer than the settle time for a later poll', async function () {
            const fresh = await makeTable(pool, 'fresh')
            await table.insertPing(pool, fresh, { instanceId: 'old', receivedAt: '2026-01-05T10:00:00Z' })
            await table.insertPing(pool, fresh, { instanceId: 'new', receivedAt: new Date().toISOString() })
            const waiting = await readIntoLedger(pool, fresh, { settleSeconds: 3600 })
            assert.deepEqual([waiting.result.rows, waiting.result.key.instanceId], [1, 'old'])
            const settled = await readIntoLedger(pool, fresh, { after: waiting.result.key, settleSeconds: 0 })
            assert.deepEqual([settled.result.rows, settled.result.key.instanceId], [1, 'new'])
        })
    })

    it('names each bad row\'s field and key as a rejection, and reads on past it', async function () {
        const name = await makeTable(pool, 'bad', { withoutKey: true })
        const q = table.quoteTable(name)
        // A table without the primary key can hold what the collector's cannot: NULL ids,
        // several of them at one time, and a NULL id at the same time as good rows.
        await pool.query(`INSERT INTO ${q} (created_at, "instanceId", "platform.counts.projects") VALUES
            ('2026-01-05 10:00:00', 'a', 1),
            ('2026-01-05 10:00:00', NULL, 1),
            ('2026-01-05 10:00:00', 'b', -3),
            ('2026-01-05 11:00:00', NULL, 2),
            ('2026-01-05 12:00:00', 'c', 2),
            ('2026-01-05 12:00:00', 'd', 4),
            ('2026-01-06 09:00:00', 'a\\"quoted\\\\', 5)`)
        // Without NOT NULL either, a row with no time: it belongs to no day and has no key.
        await pool.query(`ALTER TABLE ${q} ALTER COLUMN created_at DROP NOT NULL`)
        await pool.query(`INSERT INTO ${q} (created_at, "instanceId") VALUES (NULL, 'e')`)
        for (const pageSize of [1, 2, 3, 100]) {
            const { ledger, result, outcomes } = await readIntoLedger(pool, name, { pageSize })
            assert.equal(result.rows, 7, `pageSize ${pageSize}`)
            const rejected = outcomes.flatMap(({ chunk, last, outcome }) => outcome.rejected.map(r => ({ field: r.field, reason: r.reason, key: table.keyOfLine(chunk, r.index, last.format) })))
            // In the primary key's order: NULL ids after the others of their time.
            assert.deepEqual(rejected, [
                { field: 'platform.counts.projects', reason: 'platform.counts.projects: must not be negative, got -3', key: { createdAt: '2026-01-05T10:00:00', instanceId: 'b' } },
                { field: 'instanceId', reason: 'instanceId: is required', key: { createdAt: '2026-01-05T10:00:00', instanceId: null } },
                { field: 'instanceId', reason: 'instanceId: is required', key: { createdAt: '2026-01-05T11:00:00', instanceId: null } }
            ], `pageSize ${pageSize}`)
            const report = ledger.report({})
            assert.equal(report.accepted, 4)
            assert.equal(report.installations, 4)
            // The backslashes and quotes of an id pass through COPY untouched.
            assert.equal(result.key.instanceId, 'a\\"quoted\\\\')
        }
    })

    it('reads, from a payload column, counts the table has no column for', async function () {
        const name = await makeTable(pool, 'payload', { payload: true })
        assert.equal((await table.describeTable(pool, name)).payload, true)
        const ping = { ...fixture('ping-flowfuse-2.33.2-ce-stub.json'), receivedAt: '2026-01-05T10:00:00.000Z', ip: 'hash' }
        ping.platform.counts.tablesDatabases = 3
        await table.insertPing(pool, name, ping)
        const { rows } = await pool.query(`SELECT payload, ip, "platform.counts.devices" AS devices FROM ${table.quoteTable(name)}`)
        assert.equal(rows[0].payload.platform.counts.tablesDatabases, 3)
        assert.equal(rows[0].payload.ip, undefined, 'the hash is in its column, not the body')
        assert.deepEqual([rows[0].ip, rows[0].devices], ['hash', 1])
        const { ledger } = await readIntoLedger(pool, name, {})
        const [day] = ledger.report({}).days
        assert.equal(day.totals.tablesDatabases, 3)
        assert.deepEqual(ledger.report({}).days, core.aggregateInstallations([asStored(ping)]).days)
    })

    it('gives 503 while PostgreSQL is down, and keeps every ping that resolved exactly once', async function () {
        const name = await makeTable(pool, 'outage', { withoutKey: true })
        const q = table.quoteTable(name)
        const resolved = []
        const failures = []
        let n = 0
        let stopAt = Infinity
        const until = Date.now() + 60000
        const workers = [0, 1, 2, 3].map(async () => {
            while (Date.now() < until && n < stopAt) {
                const ping = { instanceId: `install-${n}`, receivedAt: new Date(Date.UTC(2026, 0, 5) + n).toISOString(), platform: { counts: { projects: n } } }
                n++
                try {
                    await table.insertPing(pool, name, ping)
                    resolved.push(ping)
                } catch (err) {
                    failures.push(err)
                }
            }
        })
        await waitFor(() => n > 400, { timeout: 30000, interval: 10, what: 'pings before the outage' })
        await server.halt()
        await waitFor(() => failures.length >= 20, { timeout: 30000, interval: 10, what: 'pings refused while down' })
        const refused = failures.length
        await server.restart()
        stopAt = n + 400
        await Promise.all(workers)
        assert.ok(n >= stopAt, 'pinging went on until well after the restart')
        assert.ok(resolved.some(p => Number(p.instanceId.split('-')[1]) > stopAt - 300), 'pings stored after the restart')
        assert.ok(failures.length >= refused)
        for (const err of failures) {
            assert.equal(err.statusCode, 503, err.message)
            assert.deepEqual(err.body, { status: 'error', error: 'Error: the pings database is unavailable, try again later' })
        }
        const { rows } = await pool.query(`SELECT "instanceId" AS id, count(*)::int AS n, min("platform.counts.projects") AS projects FROM ${q} GROUP BY 1`)
        const stored = new Map(rows.map(r => [r.id, r]))
        for (const ping of resolved) {
            const row = stored.get(ping.instanceId)
            assert.ok(row, `${ping.instanceId} resolved but is not in the table`)
            assert.equal(row.n, 1, ping.instanceId)
            assert.equal(row.projects, ping.platform.counts.projects, 'the whole row')
        }
        // A refused ping may have committed before its connection broke (it is then stored
        // once and the sender's retry is a new ping), never more.
        assert.ok(rows.every(r => r.n === 1))
        assert.ok(rows.length >= resolved.length && rows.length <= resolved.length + failures.length)
        console.log(`      ${resolved.length} pings stored, ${failures.length} refused with 503 while down`)
    })

    it('keeps snapshots in meta_snapshots: round trip in date order, a same-day upsert replaces', async function () {
        const snapshots = 'snaps.meta_snapshots'
        assert.equal(table.snapshotTableFor('snaps.pings'), snapshots)
        assert.equal(table.snapshotTableFor('pings'), 'meta_snapshots')
        await pool.query('CREATE SCHEMA snaps')
        await table.ensureSnapshotTable(pool, snapshots)
        await table.ensureSnapshotTable(pool, snapshots) // again: created only if missing
        const takenAt = new Date('2026-03-03T00:05:00.000Z')
        await table.saveSnapshots(pool, snapshots, [
            { date: '2026-03-03', metrics: { teamCount: 12, 'teamsByType.starter': 2 } },
            { date: '2026-03-01', metrics: { teamCount: 10 } }
        ], takenAt)
        assert.deepEqual(await table.loadSnapshots(pool, snapshots), [
            { date: '2026-03-01', metrics: { teamCount: 10 }, takenAt: takenAt.toISOString() },
            { date: '2026-03-03', metrics: { teamCount: 12, 'teamsByType.starter': 2 }, takenAt: takenAt.toISOString() }
        ])
        const rerun = new Date('2026-03-03T09:00:00.000Z')
        await table.saveSnapshots(pool, snapshots, [{ date: '2026-03-03', metrics: { teamCount: 13 } }], rerun)
        const loaded = await table.loadSnapshots(pool, snapshots)
        assert.deepEqual(loaded.map(s => [s.date, s.metrics, s.takenAt]), [
            ['2026-03-01', { teamCount: 10 }, takenAt.toISOString()],
            ['2026-03-03', { teamCount: 13 }, rerun.toISOString()]
        ])
        // All or nothing: a bad date in a batch stores none of it.
        await assert.rejects(table.saveSnapshots(pool, snapshots, [{ date: '2026-03-04', metrics: { teamCount: 14 } }, { date: 'not a date', metrics: {} }], rerun))
        assert.deepEqual((await table.loadSnapshots(pool, snapshots)).map(s => s.date), ['2026-03-01', '2026-03-03'])
    })
})
