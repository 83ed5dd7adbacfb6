// installations: the installation ledger of FlowFuse usage pings. Its source of truth is,
// in order: the collector's `pings` table in a selected pings database (read in keyset pages
// from where the checkpoint stopped, then polled for new rows), or a raw log (NDJSON,
// written by the collector flow; its new lines are read whenever a message arrives), or else
// the pings that come on msg.payload. A binary checkpoint of the ledger records what it
// covers, so a start reads only what came since. Either way a ping costs the same whatever
// the history's length; the dashboard is refreshed at most every few seconds, and only when
// something changed.
const path = require('node:path')
const core = require('../lib/core')
const { formatNumber, formatRate, formatSigned, formatValue } = require('../lib/format')
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')
const { closeTornLine, readLog, writeCheckpoint, loadCheckpoint, fileSize } = require('../lib/raw-log')
const { readPings, keyOfLine, ingestChunk } = require('../lib/pg/read-pings')

/** The key under which versions before the checkpoint kept the whole ledger in context. */
const LEGACY_KEY = 'installations'
const CHECKPOINT_KEY = 'installations-checkpoint'

const mb = bytes => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`
const grouped = n => Number(n).toLocaleString('en-US')

/** Rows a COPY of the pings table reads at most: they stream through in 1 MB chunks, so a
 * page costs no memory, and each new page is a new query whose start the core waits for. */
const PAGE_ROWS = 1000000

/** Calls `fn` at most every `ms` (the first call at once); for progress on the node status. */
function throttle (fn, ms) {
    let last = 0
    return (...args) => {
        const now = Date.now()
        if (now - last < ms) return
        last = now
        fn(...args)
    }
}

module.exports = function (RED) {
    function InstallationsNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const store = config.store || undefined
        const context = node.context()
        const activeWindowDays = Number(config.activeWindowDays) || 7
        const defaultLastDays = Number(config.lastDays) || null
        const reportOnIngest = config.reportOnIngest !== false
        const refreshMs = Math.max(1, Number(config.refreshSeconds) || 5) * 1000
        const checkpointMs = Math.max(0.1, Number(config.checkpointMinutes) || 10) * 60000
        // Relative paths resolve as the file node that writes the raw log resolves them: in the
        // fileWorkingDirectory setting, else in Node-RED's working directory.
        const baseDir = RED.settings.fileWorkingDirectory || process.cwd()
        const logPath = name => path.resolve(baseDir, name)
        const selected = config.database ? RED.nodes.getNode(config.database) : null
        // A database set to $DATABASE_URL with none in the environment: the raw log (or msg.payload).
        const database = selected && !selected.unset ? selected : null
        const pollMs = Math.max(0.5, Number(config.pollSeconds) || 5) * 1000
        const settleSeconds = config.settleSeconds === undefined || config.settleSeconds === '' ? 5 : Math.max(0, Number(config.settleSeconds) || 0)
        const logFile = config.logFile && !database ? logPath(config.logFile) : null
        const checkpointFile = logFile
            ? `${logFile}.checkpoint`
            : path.resolve(RED.settings.userDir || '.', 'product-growth', `installations-${node.id.replace(/[^\w.-]/g, '_')}.checkpoint`)

        let ledger = new core.InstallationLedger(null, { activeWindowDays })
        let lastDays = defaultLastDays
        let refreshTimer = null
        let lastRefresh = 0
        let checkpointTimer = null
        let unsaved = false
        let writing = Promise.resolve()
        let closing = false

        const status = (fill, text) => node.status({ fill, shape: fill === 'red' ? 'ring' : 'dot', text })
        const idle = () => status('green', `${grouped(ledger.installations)} installs`)

        /** The four report outputs, from one core call. `msg` (when the report was asked
         * for) is reused for output 1, so an http-in → installations → http-response flow works.
         * A refresh sends only the chart range's days; a report asked for, every day. */
        function reportMessages (asOf, msg, reportDays) {
            // `today` marks the day in progress (its pinged count is charted apart); read once,
            // so it and `asOf` are the same day even across midnight.
            const now = today()
            const options = { activeWindowDays, lastDays, today: now }
            if (reportDays) options.reportDays = reportDays
            if (asOf !== undefined) options.asOf = asOf
            else if (config.toToday !== false) options.asOf = now
            const { report, kpis, charts } = ledger.dashboard(options)
            const days = lastDays ? report.days.slice(-lastDays) : report.days
            const first = msg || {}
            first.topic = 'report'
            first.payload = report
            first.kpis = kpis
            return [
                first,
                Object.entries(charts).map(([name, points]) => ({ topic: name, payload: points, action: 'replace' })),
                { topic: 'days', payload: days.slice().reverse().map(d => ({ date: d.date, active: d.active, pinged: d.pinged, added: d.added, resurrected: d.resurrected, removed: d.removed, hosted: d.hosted, remote: d.remote })) },
                {
                    topic: 'kpis',
                    payload: {
                        date: kpis.date,
                        active: formatValue(kpis.active),
                        activeChange: formatSigned(kpis.activeChange),
                        weeklyGrowth: formatRate(kpis.weeklyGrowth),
                        rating: kpis.rating || '–',
                        hosted: formatValue(kpis.hosted),
                        remote: formatValue(kpis.remote),
                        installations: formatValue(kpis.installations)
                    },
                    kpis
                }
            ]
        }

        /** Output 6, for a report asked for (a page view, the API): growth accounting as a
         * chart and a table with the quick ratio, and the cohort retention table; and the same
         * rows on `first` (the report's message) for an http response or a CSV. Not on a
         * refresh: retention reads every install's history. */
        function analyticsMessages (asOf, first) {
            const options = { activeWindowDays }
            if (asOf !== undefined) options.asOf = asOf
            else if (config.toToday !== false) options.asOf = today()
            const weeks = ledger.accounting(options)
            const accounting = weeks.filter(w => !w.partial).slice(-26).reverse().map(w => ({
                week: w.week,
                start: w.start,
                new: w.new,
                resurrected: w.resurrected,
                churned: w.churned,
                net: formatSigned(w.net),
                quickRatio: w.quickRatio === null ? '– (none churned)' : formatNumber(w.quickRatio),
                active: w.active
            }))
            const retention = ledger.retention(options).map(c => {
                const row = { cohort: c.week, start: c.start, size: c.size }
                for (const r of c.retained) {
                    row[`w${r.weeks}`] = r.share === null ? '' : formatRate(r.share).replace(/^\+/, '')
                    row[`share${r.weeks}`] = r.share
                }
                return row
            })
            if (first) {
                first.accounting = accounting
                first.retention = retention
            }
            // Net is a line of its own: a ui-chart draws one type, and the stacked bars would
            // put net on top of the others.
            const chart = ledger.accountingChart(options, 26)
            return [
                { topic: 'accounting', payload: chart.filter(p => p.series !== 'net'), action: 'replace' },
                { topic: 'net', payload: chart.filter(p => p.series === 'net'), action: 'replace' },
                { topic: 'quickRatio', payload: accounting, action: 'replace' },
                { topic: 'retention', payload: retention }
            ]
        }

        /** Something changed: refresh the dashboard once the refresh interval has passed. */
        function changed () {
            unsaved = true
            scheduleCheckpoint()
            if (!reportOnIngest || refreshTimer || closing) return
            refreshTimer = setTimeout(() => {
                refreshTimer = null
                lastRefresh = Date.now()
                try {
                    // Marked as a refresh: a growth overview takes these at its own pace.
                    node.send([...reportMessages(undefined, { refresh: true }, lastDays || undefined), null])
                } catch (err) {
                    node.error(err)
                }
            }, Math.max(0, lastRefresh + refreshMs - Date.now()))
        }

        /** Checkpoints go to disk off the request path: with a raw log every few minutes (the
         * log already holds every ping), without one a few seconds after a change (the
         * checkpoint is then the only copy). */
        function scheduleCheckpoint () {
            if (checkpointTimer || closing) return
            checkpointTimer = setTimeout(() => {
                checkpointTimer = null
                saveCheckpoint().catch(err => node.error(`could not write the checkpoint: ${err.message}`))
            }, logFile || database ? checkpointMs : Math.min(checkpointMs, refreshMs))
        }

        function saveCheckpoint () {
            writing = writing.then(async () => {
                if (!unsaved) return
                unsaved = false
                const started = Date.now()
                const bytes = ledger.checkpoint()
                await writeCheckpoint(checkpointFile, bytes)
                const took = Date.now() - started
                node.log(`checkpoint: ${mb(bytes.length)} written in ${took} ms (${path.basename(checkpointFile)}, log offset ${grouped(ledger.logOffset)})`)
                await new Promise(resolve => context.set(CHECKPOINT_KEY, { file: checkpointFile, logOffset: ledger.logOffset, bytes: bytes.length, savedAt: new Date().toISOString() }, store, () => resolve()))
            })
            return writing
        }

        /** Reads what the log gained since the ledger last read it; one read at a time. */
        let following = null
        let followAgain = false
        function follow () {
            if (following) {
                followAgain = true
                return following
            }
            following = (async () => {
                const rejected = []
                do {
                    followAgain = false
                    ledger.setNow(Date.now())
                    const got = await readLog(ledger, logFile)
                    rejected.push(...got.rejected)
                    if (got.read > 0) changed()
                } while (followAgain)
                return rejected
            })().finally(() => { following = null })
            return following
        }

        // ---- The pings table -----------------------------------------------------------
        // The ledger's sourceKey (saved in its checkpoint) is `{source, key}`: which table of
        // which database, and the key of the last row it holds, so a start resumes after it
        // and a checkpoint made from another table is never mixed with this one.
        const source = database ? database.identity() : null
        const sourceKeyOf = key => JSON.stringify({ source, key })
        function resumeKey (loaded) {
            try {
                const saved = JSON.parse(loaded.sourceKey)
                if (saved && saved.source === source) return { key: saved.key }
            } catch (_) {}
            return null
        }

        let pollTimer = null
        let polling = null
        let databaseDown = false
        const showProgress = throttle(rows => status('blue', `reading pings: ${grouped(rows)}`), 250)

        /** Reads every row after the ledger's key into `into` (a ledger), chunk by chunk: the
         * key moves with each chunk ingested, so a failure part way loses and repeats nothing.
         * Rows stamped within the settle time are left for the next poll (an insert stamped
         * earlier may still commit). Resolves with {rows, rejected}. */
        async function readTable (into, { progress = false } = {}) {
            const { pool, table } = database.connection()
            const rejected = []
            let rows = 0
            let coreMs = 0
            const after = JSON.parse(into.sourceKey || 'null')
            try {
                await readPings(pool, table, {
                    after: after && after.source === source ? after.key : null,
                    settleSeconds,
                    pageSize: PAGE_ROWS,
                    onChunk (chunk, last) {
                        const began = Date.now()
                        into.setNow(began)
                        const outcome = ingestChunk(into, chunk, last)
                        coreMs += Date.now() - began
                        into.sourceKey = sourceKeyOf(last.key)
                        rows += last.rows
                        for (const r of outcome.rejected) {
                            if (rejected.length < 1000) rejected.push({ ...r, key: keyOfLine(chunk, r.index, last.format) })
                        }
                        if (progress) showProgress(rows)
                    }
                })
            } catch (err) {
                throw Object.assign(err, { rows, rejected })
            }
            return { rows, rejected, coreMs }
        }

        /** One poll of the table; the next is scheduled when it ends, unless closing. */
        function poll () {
            clearTimeout(pollTimer)
            pollTimer = null
            if (polling) return polling
            polling = readTable(ledger).then(({ rows, rejected }) => {
                if (databaseDown) {
                    databaseDown = false
                    node.log(`the pings database is back (${database.describe()})`)
                }
                if (rows > 0) changed()
                idle()
                if (rejected.length) node.send([null, null, null, null, { topic: 'rejected', payload: rejected }])
            }, err => {
                if (err.rows > 0) changed()
                status('red', `database: ${String(err.message).slice(0, 50)}`)
                if (!databaseDown) node.warn(`reading ${database.table} from ${database.describe()}: ${err.message}; trying again every ${pollMs / 1000} s`)
                databaseDown = true
                if (err.rejected && err.rejected.length) node.send([null, null, null, null, { topic: 'rejected', payload: err.rejected }])
            }).then(() => {
                polling = null
                if (!closing) pollTimer = setTimeout(poll, pollMs)
            })
            return polling
        }

        /** Builds a ledger from the whole raw log, showing progress on the node. */
        async function readWhole (file, fresh) {
            fresh.setNow(Date.now())
            const size = await fileSize(file)
            const started = Date.now()
            const got = await readLog(fresh, file, {
                onProgress: offset => status('blue', `reading raw log: ${mb(offset)} of ${mb(size)}`)
            })
            node.log(`raw log read: ${mb(got.read)} in ${Date.now() - started} ms`)
            return got
        }

        /** Start: the checkpoint, then the log's tail (or the whole log if the checkpoint is
         * missing, damaged, or covers more than the log holds). */
        async function start () {
            const started = Date.now()
            status('blue', 'loading')
            if (logFile) closeTornLine(logFile)
            const loaded = await loadCheckpoint(checkpointFile, activeWindowDays)
            if (loaded.aside) node.warn(`the checkpoint ${checkpointFile} could not be read (${loaded.reason}); it is kept as ${path.basename(loaded.aside)} and ${logFile ? 'the raw log is read whole' : 'the ledger starts empty'}`)
            let rejected = []
            if (database) {
                database.connection() // the configuration's error, if any, stops here
                if (loaded.ledger && resumeKey(loaded.ledger)) {
                    ledger = loaded.ledger
                } else {
                    if (loaded.ledger) node.warn(`the checkpoint ${path.basename(checkpointFile)} was made from another source than ${database.table} at ${database.describe()}: the table is read whole`)
                    ledger = new core.InstallationLedger(null, { activeWindowDays })
                    ledger.sourceKey = sourceKeyOf(null)
                }
                status('blue', 'reading pings: 0')
                const got = await readTable(ledger, { progress: true })
                rejected = got.rejected
                node.log(`read ${grouped(got.rows)} rows of ${database.table} from ${database.describe()} in ${Date.now() - started} ms, ${got.coreMs} ms of it in the core (${grouped(ledger.installations)} installs)`)
                if (got.rows > 0) unsaved = true
                pollTimer = setTimeout(poll, pollMs)
            } else if (logFile) {
                const size = await fileSize(logFile)
                if (loaded.ledger && loaded.ledger.logOffset <= size) {
                    ledger = loaded.ledger
                    const tail = await readLog(ledger, logFile, { onProgress: offset => status('blue', `reading raw log tail: ${mb(offset)} of ${mb(size)}`) })
                    rejected = tail.rejected
                    node.log(`started from the checkpoint (${mb(loaded.bytes)}) and ${mb(tail.read)} of raw log in ${Date.now() - started} ms`)
                    if (tail.read > 0) unsaved = true
                } else {
                    if (loaded.ledger) node.warn(`the checkpoint covers ${grouped(loaded.ledger.logOffset)} bytes but the raw log has ${grouped(size)}: the log is read whole`)
                    ledger = new core.InstallationLedger(null, { activeWindowDays })
                    rejected = (await readWhole(logFile, ledger)).rejected
                    node.log(`started from the whole raw log in ${Date.now() - started} ms`)
                    unsaved = size > 0
                }
                // Versions before the checkpoint kept the whole ledger in context: the log
                // holds all of it, so that copy only takes room.
                context.set(LEGACY_KEY, undefined, store)
            } else if (loaded.ledger) {
                ledger = loaded.ledger
            } else {
                const legacy = await new Promise(resolve => context.get(LEGACY_KEY, store, (err, saved) => resolve(err ? undefined : saved)))
                if (legacy) {
                    try {
                        ledger = new core.InstallationLedger(legacy, { activeWindowDays })
                        unsaved = true
                        await saveCheckpoint()
                        context.set(LEGACY_KEY, undefined, store)
                        node.log(`moved the ledger from the context store to ${checkpointFile}`)
                    } catch (err) {
                        const aside = `${LEGACY_KEY}-unreadable-${Date.now()}`
                        node.error(`the saved ledger could not be read (${err.message}); it is kept in context as "${aside}"`)
                        context.set(aside, legacy, store)
                        context.set(LEGACY_KEY, undefined, store)
                    }
                }
            }
            idle()
            if (unsaved) scheduleCheckpointSoon()
            return rejected
        }

        /** After a start that read log lines the checkpoint is written at once, off the start. */
        function scheduleCheckpointSoon () {
            clearTimeout(checkpointTimer)
            checkpointTimer = setTimeout(() => {
                checkpointTimer = null
                saveCheckpoint().catch(err => node.error(`could not write the checkpoint: ${err.message}`))
            }, 100)
        }

        const ready = start().then(rejected => {
            if (closing || (!rejected.length && !(reportOnIngest && ledger.installations > 0))) return
            node.send([...reportMessages(), rejected.length ? { topic: 'rejected', payload: rejected } : null])
        }).catch(err => {
            status('red', err.message.slice(0, 60))
            node.error(err)
            // The database may be down at start: what was read is kept, and polls go on.
            if (database && !closing && !pollTimer && !database.configError) {
                unsaved = unsaved || (err.rows > 0)
                databaseDown = true
                pollTimer = setTimeout(poll, pollMs)
            }
        })

        async function rebuild (msg) {
            const file = msg.filename ? logPath(msg.filename) : logFile
            if (typeof msg.payload !== 'string' && !file && !database) throw new Error('rebuild: no raw log given (msg.filename or the Raw log setting)')
            const fresh = new core.InstallationLedger(null, { activeWindowDays })
            let rejected
            if (database && typeof msg.payload !== 'string' && !msg.filename) {
                // The whole table again; polls wait for it, then go on from its last key.
                await polling
                clearTimeout(pollTimer)
                fresh.sourceKey = sourceKeyOf(null)
                rejected = (await readTable(fresh, { progress: true })).rejected
                ledger = fresh
                idle()
                if (!closing) pollTimer = setTimeout(poll, pollMs)
            } else if (typeof msg.payload === 'string') {
                fresh.setNow(Date.now())
                rejected = fresh.ingestNdjson(msg.payload).rejected
            } else {
                rejected = (await readWhole(file, fresh)).rejected
            }
            ledger = fresh
            unsaved = true
            await saveCheckpoint()
            return [...reportMessages(msg.asOf), rejected.length ? { topic: 'rejected', payload: rejected } : null]
        }

        onInput(node, async msg => {
            await ready
            if (msg.topic === 'report') {
                const range = msg.payload && typeof msg.payload === 'object' ? msg.payload.lastDays : undefined
                if (range !== undefined) lastDays = Number(range) || null
                const outputs = reportMessages(msg.asOf, msg)
                return [...outputs, null, analyticsMessages(msg.asOf, outputs[0])]
            }
            if (msg.topic === 'rebuild') return rebuild(msg)
            let rejected = []
            if (database) {
                // The table is the truth: a ping that came as a message is in it (the collector
                // inserted it) and is read by the next poll, once its settle time has passed.
            } else if (logFile) {
                // The log is the truth: whatever the message, read what the log gained.
                rejected = await follow()
            } else {
                // The core never reads the clock: pings dated after "now" (plus a day) are refused.
                ledger.setNow(Date.now())
                if (Array.isArray(msg.payload)) {
                    rejected = ledger.ingestMany(msg.payload).rejected
                } else {
                    try {
                        ledger.ingest(msg.payload)
                    } catch (err) {
                        rejected = [{ index: 0, instanceId: msg.payload && typeof msg.payload.instanceId === 'string' ? msg.payload.instanceId : null, field: err.field, reason: err.message }]
                    }
                }
                changed()
            }
            return [null, null, null, null, rejected.length ? { topic: 'rejected', payload: rejected } : null]
        }, () => `${grouped(ledger.installations)} installs`)

        node.on('close', (removed, done) => {
            closing = true
            clearTimeout(refreshTimer)
            clearTimeout(checkpointTimer)
            clearTimeout(pollTimer)
            ready.then(() => polling).then(() => saveCheckpoint()).catch(err => node.error(`could not write the checkpoint: ${err.message}`)).then(() => done())
        })
    }
    RED.nodes.registerType('installations', InstallationsNode)
}
