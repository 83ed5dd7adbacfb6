// installations: the installation ledger of FlowFuse usage pings, kept in a context store.
// Pings in (one, an array such as database rows); on demand (msg.topic "report") or shortly
// after new pings, the Telemetry Data Dashboard's report, charts, table and KPIs out.
const fs = require('node:fs/promises')
const path = require('node:path')
const core = require('../lib/core')
const { formatRate, formatValue } = require('../lib/format')
const { onInput } = require('../lib/node-input')
const { storedState } = require('../lib/stored-state')

function signed (x) {
    return typeof x === 'number' ? (x > 0 ? '+' : '') + formatValue(x) : '–'
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
            else if (config.toToday !== false) options.asOf = new Date().toISOString().slice(0, 10)
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
                        activeChange: signed(kpis.activeChange),
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
            const text = typeof msg.payload === 'string' ? msg.payload : await fs.readFile(logPath(file), 'utf8')
            const fresh = new core.InstallationLedger(null)
            const outcome = fresh.ingestNdjson(text)
            await state.replace(fresh)
            return [...reportMessages(msg.asOf), outcome.rejected.length ? { topic: 'rejected', payload: outcome.rejected } : null]
        }

        // A fresh ledger next to an existing raw log (a new instance, or the demo data) is
        // built from the log once, so nothing the collector accepted is left out.
        if (config.rebuildOnStart && config.logFile) {
            state.ready.then(async () => {
                if (state.get().installations > 0) return
                try {
                    await fs.access(logPath(config.logFile))
                } catch (_) {
                    return
                }
                node.status({ fill: 'blue', shape: 'ring', text: 'rebuilding from the raw log' })
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
