// installations: the installation ledger of FlowFuse usage pings, and the Installations page
// from it. Where the pings come from (the pings table, the raw log or msg.payload), the start
// from a checkpoint and what a ping costs are lib/ping-source's; the messages' shape is
// lib/views/installations'. The dashboard is refreshed at most every few seconds, and only
// when something changed.
const path = require('node:path')
const core = require('../lib/core')
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')
const { paced } = require('../lib/pace')
const { pingSource } = require('../lib/ping-source')
const { dashboardMessages, analyticsMessages, chartsSent } = require('../lib/views/installations')

const DEFAULTS = core.defaults()

module.exports = function (RED) {
    function InstallationsNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const text = (key, vars) => RED._(`installations.${key}`, vars)
        const activeWindowDays = Number(config.activeWindowDays) || DEFAULTS.activeWindowDays
        // What outsiders can make the ledger hold is bounded (DESIGN.md): the surplus is `other`.
        const ledgerOptions = {
            activeWindowDays,
            maxValuesPerDimension: Number(config.maxValuesPerDimension) || DEFAULTS.maxValuesPerDimension,
            maxCountKeys: Number(config.maxCountKeys) || DEFAULTS.maxCountKeys
        }
        const chartSeries = Number(config.chartSeries) || DEFAULTS.chartSeries
        const reportOnIngest = config.reportOnIngest !== false
        const refreshMs = Math.max(1, Number(config.refreshSeconds) || 5) * 1000
        let lastDays = Number(config.lastDays) || null
        // Relative paths resolve as the file node that writes the raw log resolves them: in the
        // fileWorkingDirectory setting, else in Node-RED's working directory.
        const baseDir = RED.settings.fileWorkingDirectory || process.cwd()
        const resolve = name => path.resolve(baseDir, name)
        const selected = config.database ? RED.nodes.getNode(config.database) : null
        // A database set to $DATABASE_URL with none in the environment: the raw log (or msg.payload).
        const database = selected && !selected.unset ? selected : null
        const logFile = config.logFile && !database ? resolve(config.logFile) : null
        const settle = config.settleSeconds
        let closing = false
        // Marked as a refresh: a growth overview takes these at its own pace. A chart goes
        // only when its points changed, each in an event-loop turn of its own: a Dashboard 2.0
        // chart deep-clones every message it takes, which would hold up the pings waiting.
        const charts = chartsSent()
        const refresh = paced(() => {
            try {
                const [report, all, table, kpis] = reportMessages(undefined, { refresh: true }, lastDays || undefined)
                node.send([report, null, table, kpis, null])
                const changed = all.filter(charts.changed)
                const next = () => {
                    const chart = changed.shift()
                    if (!chart || closing) return
                    node.send([null, chart])
                    setImmediate(next)
                }
                setImmediate(next)
            } catch (err) {
                node.error(err)
            }
        }, refreshMs)

        const source = pingSource(node, {
            ledgerOptions,
            database,
            logFile,
            checkpointFile: logFile
                ? `${logFile}.checkpoint`
                : path.resolve(RED.settings.userDir || '.', 'product-growth', `installations-${node.id.replace(/[^\w.-]/g, '_')}.checkpoint`),
            store: config.store || undefined,
            checkpointMs: Math.max(0.1, Number(config.checkpointMinutes) || 10) * 60000,
            refreshMs,
            pollMs: Math.max(0.5, Number(config.pollSeconds) || 5) * 1000,
            settleSeconds: settle === undefined || settle === '' ? 5 : Math.max(0, Number(settle) || 0),
            resolve
        }, {
            text,
            changed: () => { if (reportOnIngest && !closing) refresh.request() },
            rejected: list => node.send([null, null, null, null, rejectedMessage(list)])
        })

        /** The report up to `asOf`: msg.asOf, else today (unless the node reports to the last ping). */
        function range (asOf, now) {
            if (asOf !== undefined) return { asOf }
            return config.toToday !== false ? { asOf: now } : {}
        }

        /** Outputs 1 to 4, from one core call. A refresh sends only the chart range's days; a
         * report asked for, every day. */
        function reportMessages (asOf, msg, reportDays) {
            // `today` marks the day in progress (its pinged count is charted apart); read once,
            // so it and `asOf` are the same day even across midnight.
            const now = today()
            const options = { activeWindowDays, lastDays, chartSeries, today: now, ...range(asOf, now) }
            if (reportDays) options.reportDays = reportDays
            const outputs = dashboardMessages(source.ledger().dashboard(options), msg, DEFAULTS.dayFields)
            // A report asked for sends every chart: what the widgets hold from now on.
            if (!msg || !msg.refresh) outputs[1].forEach(charts.changed)
            return outputs
        }

        /** Output 6, for a report asked for (a page view, the API); not on a refresh:
         * retention reads every install's history. */
        function analytics (asOf, first) {
            const ledger = source.ledger()
            const options = { activeWindowDays, ...range(asOf, today()) }
            return analyticsMessages({
                weeks: ledger.accounting({ ...options, completeWeeks: DEFAULTS.accountingWeeks }),
                chart: ledger.accountingChart(options, DEFAULTS.accountingWeeks),
                cohorts: ledger.retention(options),
                retentionWeeks: DEFAULTS.retentionWeeks
            }, first)
        }

        const ready = source.ready.then(rejected => {
            if (closing || (!rejected.length && !(reportOnIngest && source.ledger().installations > 0))) return
            node.send([...reportMessages(), rejectedMessage(rejected)])
        }, err => {
            node.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 60) })
            node.error(err)
        })

        onInput(node, async msg => {
            await ready
            if (msg.topic === 'report') {
                const asked = msg.payload && typeof msg.payload === 'object' ? msg.payload.lastDays : undefined
                if (asked !== undefined) lastDays = Number(asked) || null
                const outputs = reportMessages(msg.asOf, msg)
                return [...outputs, null, analytics(msg.asOf, outputs[0])]
            }
            if (msg.topic === 'rebuild') {
                const rejected = await source.rebuild(msg)
                return [...reportMessages(msg.asOf), rejectedMessage(rejected)]
            }
            const rejected = await source.ingest(msg)
            return [null, null, null, null, rejectedMessage(rejected)]
        }, () => source.statusText())

        node.on('close', (removed, done) => {
            closing = true
            refresh.stop()
            source.close().then(() => done())
        })
    }
    RED.nodes.registerType('installations', InstallationsNode)
}

/** Output 5: the pings refused, with reasons, or nothing. */
function rejectedMessage (rejected) {
    return rejected.length ? { topic: 'rejected', payload: rejected } : null
}
