// Every text a node shows (status, log, warning, error) is in its locales/en-US/<node>.json,
// and the English is what it was when the nodes held it as literals.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { english } = require('../../tests/support/locales')

const root = path.resolve(__dirname, '..')
const read = file => fs.readFileSync(path.join(root, file), 'utf8')
const sources = dir => fs.readdirSync(path.join(root, dir), { recursive: true }).filter(f => f.endsWith('.js')).map(f => path.join(dir, f))

/** Which node's messages a lib file speaks with (the node passes its RED._ in as `text`). */
const SPEAKS_FOR = { 'lib/ping-source': 'installations', 'lib/stored-state.js': 'meta-snapshot', 'lib/snapshot-store.js': 'meta-snapshot' }

describe('locales', function () {
    it('hold every key the nodes and lib/ use', function () {
        const missing = []
        for (const file of [...sources('nodes'), ...sources('lib')]) {
            const node = file.startsWith('nodes/')
                ? path.basename(file, '.js')
                : Object.entries(SPEAKS_FOR).find(([prefix]) => file.startsWith(prefix))?.[1]
            const code = read(file)
            // text('status.x', …), RED._('node.status.x', …), source.status(fill, 'x', …), show(fill, 'x', …)
            const keys = [
                ...[...code.matchAll(/RED\._\('([\w-]+\.[\w.]+)'/g)].map(m => m[1]),
                ...[...code.matchAll(/\btext\('((?:status|log|warn|errors|describe)\.\w+)'/g)].map(m => `${node}.${m[1]}`),
                ...[...code.matchAll(/\b(?:source\.status|show)\('\w+', '(\w+)'/g)].map(m => `${node}.status.${m[1]}`),
                ...[...code.matchAll(/\btext\(logFile \? '([\w.]+)' : '([\w.]+)'/g)].flatMap(m => [`${node}.${m[1]}`, `${node}.${m[2]}`])
            ]
            if (keys.length && !node) missing.push(`${file} uses messages but speaks for no node`)
            for (const key of keys) {
                try { english(key) } catch (err) { missing.push(`${file}: ${key}`) }
            }
        }
        assert.deepEqual(missing, [])
    })

    it('give the English the nodes held as literals, with values passed through as they are', function () {
        const cases = [
            ['installations.status.installs', { installs: '1,234' }, '1,234 installs'],
            ['installations.status.readingLog', { read: '3.4 MB', size: '35 MB' }, 'reading raw log: 3.4 MB of 35 MB'],
            ['installations.log.tableRead', { rows: '2,001', table: 'history.pings', where: 'u@h:5432/db', ms: 12, coreMs: 3, installs: '60' },
                'read 2,001 rows of history.pings from u@h:5432/db in 12 ms, 3 ms of it in the core (60 installs)'],
            ['installations.warn.databaseDown', { table: 'a.pings', where: '$DATABASE_URL', message: 'connect ECONNREFUSED __x__ $t(y)', seconds: 0.5 },
                'reading a.pings from $DATABASE_URL: connect ECONNREFUSED __x__ $t(y); trying again every 0.5 s'],
            ['installations.errors.noRawLog', undefined, 'rebuild: no raw log given (msg.filename or the Raw log setting)'],
            ['growth-overview.status.counts', { metrics: 3, targets: 0 }, '3 metrics, 0 targets'],
            ['growth-overview.errors.save', { key: 'alerts', message: 'full' }, 'could not save alerts: full'],
            ['growth-calculator.status.projected', { end: '1,264.28', weeks: 52 }, '1,264.28 after 52 weeks'],
            ['meta-snapshot.errors.unknownMetric', { metric: '"x"' }, 'metric: "x" is not in the history'],
            ['meta-snapshot.errors.contextUnreadable', { key: 'snapshots', message: 'bad', aside: 'snapshots-unreadable-1' },
                'the saved snapshots could not be read (bad); it is kept as "snapshots-unreadable-1" and an empty one is used'],
            ['store-ping.status.storedAndFailed', { stored: 2, failed: 1 }, '2 stored, 1 failed'],
            ['store-ping.status.stored', { stored: 2, failed: 0 }, '2 stored'],
            ['pings-database.errors.port', { got: '"x"' }, 'must be a whole number from 1 to 65535, got "x"'],
            ['week-on-week.status.growth', { growth: '+5.00%', rating: 'strong' }, '+5.00% strong']
        ]
        for (const [key, vars, text] of cases) assert.equal(english(key, vars), text, key)
    })
})
