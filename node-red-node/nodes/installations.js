// installations: the installation ledger of FlowFuse usage pings, kept in a context store.
// Pings in (one, an array such as database rows); on demand (msg.topic "report") or shortly
// after new pings, the Telemetry Data Dashboard's report, charts, table and KPIs out.
const fs = require('node:fs/promises')
const fsSync = require('node:fs')
const path = require('node:path')
const core = require('../lib/core')
const { formatRate, formatSigned, formatValue } = require('../lib/format')
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')
const { storedState } = require('../lib/stored-state')

/** Ends the raw log with a newline if a crash left its last line half written. */
function closeTornLine (file) {
    let handle
    try {
        handle = fsSync.openSync(file, 'r+')
        const size = fsSync.fstatSync(handle).size
        if (size === 0) return
        const last = Buffer.alloc(1)
        fsSync.readSync(handle, last, 0, 1, size - 1)
        if (last[0] !== 0x0a) fsSync.writeSync(handle, '\n', size)
    } catch (err) {
        if (err.code !== 'ENOENT') throw err
    } finally {
        if (handle !== undefined) fsSync.closeSync(handle)
    }
}

module.exports = function (RED) {
    function InstallationsNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const state = storedState(node, {
            store: config.store || undefined,
            key: 'installations',
            create: saved => new core.InstallationLedger(saved)
        })
        const activeWindowDays = Number(config.activeWindowDays) || 7
        const defaultLastDays = Number(config.lastDays) || null
        const reportOnIngest = config.reportOnIngest !== false
        let lastDays = defaultLastDays
        let reportTimer = null

        /** The four report outputs, from one core call. `msg` (when the report was asked
         * for) is reused for output 1, so an http-in → installations → http-response flow works. */
        function reportMessages (asOf, msg) {
            const options = { activeWindowDays, lastDays }
            if (asOf !== undefined) options.asOf = asOf
            else if (config.toToday !== false) options.asOf = today()
            const { report, kpis, charts } = state.get().dashboard(options)
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

        function scheduleReport () {
            if (!reportOnIngest || reportTimer) return
            reportTimer = setTimeout(() => {
                reportTimer = null
                try {
                    node.send([...reportMessages(), null])
                } catch (err) {
                    node.error(err)
                }
            }, 1000)
        }

        /** The raw log, relative paths in the user directory (as the file node writes them). */
        function logPath (name) {
            return path.resolve(RED.settings.fileWorkingDirectory || RED.settings.userDir || '.', name)
        }

        async function rebuild (msg) {
            const file = msg.filename || config.logFile
            if (typeof msg.payload !== 'string' && !file) throw new Error('rebuild: no raw log given (msg.filename or the Raw log setting)')
            // Read as a Buffer: the core takes the bytes as they are, no string of the whole file.
            const text = typeof msg.payload === 'string' ? msg.payload : await fs.readFile(logPath(file))
            const fresh = new core.InstallationLedger(null)
            fresh.setNow(Date.now())
            const outcome = fresh.ingestNdjson(text)
            await state.replace(fresh)
            return [...reportMessages(msg.asOf), outcome.rejected.length ? { topic: 'rejected', payload: outcome.rejected } : null]
        }

        // With a raw log, the log is the source of truth: the ledger is built from it on start,
        // so a crash between a ping's 200 and the next save of the ledger loses nothing. A
        // line torn by a crash mid-append is closed first, so the next ping starts its own line.
        if (config.rebuildOnStart && config.logFile) {
            closeTornLine(logPath(config.logFile))
            state.ready.then(async () => {
                try {
                    await fs.access(logPath(config.logFile))
                } catch (_) {
                    return
                }
                node.status({ fill: 'blue', shape: 'ring', text: 'building from the raw log' })
                const outputs = await rebuild({})
                node.status({ fill: 'green', shape: 'dot', text: `${state.get().installations} installs` })
                node.send(outputs)
            }).catch(err => {
                node.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 60) })
                node.error(err)
            })
        }

        onInput(node, async msg => {
            await state.ready
            if (msg.topic === 'report') {
                const range = msg.payload && typeof msg.payload === 'object' ? msg.payload.lastDays : undefined
                if (range !== undefined) lastDays = Number(range) || null
                return [...reportMessages(msg.asOf, msg), null]
            }
            if (msg.topic === 'rebuild') return rebuild(msg)
            const ledger = state.get()
            // The core never reads the clock: pings dated after "now" (plus a day) are refused.
            ledger.setNow(Date.now())
            let rejected = []
            if (Array.isArray(msg.payload)) {
                rejected = ledger.ingestMany(msg.payload).rejected
            } else {
                try {
                    ledger.ingest(msg.payload)
                } catch (err) {
                    rejected = [{ index: 0, instanceId: msg.payload && typeof msg.payload.instanceId === 'string' ? msg.payload.instanceId : null, field: err.field, reason: err.message }]
                }
            }
            state.changed()
            scheduleReport()
            return [null, null, null, null, rejected.length ? { topic: 'rejected', payload: rejected } : null]
        }, () => `${state.get().installations} installs`)

        node.on('close', (removed, done) => {
            clearTimeout(reportTimer)
            state.close().then(() => done())
        })
    }
    RED.nodes.registerType('installations', InstallationsNode)
}
