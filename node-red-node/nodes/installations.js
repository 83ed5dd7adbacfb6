// installations: the installation ledger of FlowFuse usage pings. With a raw log (NDJSON,
// written by the collector flow) the log is the source of truth: the node reads its new
// lines whenever a message arrives and keeps a binary checkpoint beside it, so a start reads
// only the log's tail. Without one, pings come on msg.payload and the checkpoint is the
// node's own store. Either way a ping costs the same whatever the history's length; the
// dashboard is refreshed at most every few seconds, and only when something changed.
const path = require('node:path')
const core = require('../lib/core')
const { formatRate, formatSigned, formatValue } = require('../lib/format')
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')
const { closeTornLine, readLog, writeCheckpoint, loadCheckpoint, fileSize } = require('../lib/raw-log')

/** The key under which versions before the checkpoint kept the whole ledger in context. */
const LEGACY_KEY = 'installations'
const CHECKPOINT_KEY = 'installations-checkpoint'

const mb = bytes => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`
const grouped = n => Number(n).toLocaleString('en-US')

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
        const baseDir = RED.settings.fileWorkingDirectory || RED.settings.userDir || '.'
        /** The raw log, relative paths in the user directory (as the file node writes them). */
        const logPath = name => path.resolve(baseDir, name)
        const logFile = config.logFile ? logPath(config.logFile) : null
        const checkpointFile = logFile
            ? `${logFile}.checkpoint`
            : path.resolve(RED.settings.userDir || baseDir, 'product-growth', `installations-${node.id.replace(/[^\w.-]/g, '_')}.checkpoint`)

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
            const options = { activeWindowDays, lastDays }
            if (reportDays) options.reportDays = reportDays
            if (asOf !== undefined) options.asOf = asOf
            else if (config.toToday !== false) options.asOf = today()
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

        /** Something changed: refresh the dashboard once the refresh interval has passed. */
        function changed () {
            unsaved = true
            scheduleCheckpoint()
            if (!reportOnIngest || refreshTimer || closing) return
            refreshTimer = setTimeout(() => {
                refreshTimer = null
                lastRefresh = Date.now()
                try {
                    node.send([...reportMessages(undefined, undefined, lastDays || undefined), null])
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
            }, logFile ? checkpointMs : Math.min(checkpointMs, refreshMs))
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
            if (logFile) {
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
        })

        async function rebuild (msg) {
            const file = msg.filename ? logPath(msg.filename) : logFile
            if (typeof msg.payload !== 'string' && !file) throw new Error('rebuild: no raw log given (msg.filename or the Raw log setting)')
            const fresh = new core.InstallationLedger(null, { activeWindowDays })
            let rejected
            if (typeof msg.payload === 'string') {
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
                return [...reportMessages(msg.asOf, msg), null]
            }
            if (msg.topic === 'rebuild') return rebuild(msg)
            let rejected = []
            if (logFile) {
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
            ready.then(() => saveCheckpoint()).catch(err => node.error(`could not write the checkpoint: ${err.message}`)).then(() => done())
        })
    }
    RED.nodes.registerType('installations', InstallationsNode)
}
