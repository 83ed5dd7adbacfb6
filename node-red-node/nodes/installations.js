// installations: the installation ledger of FlowFuse usage pings, and the Installations page
// from it. Where the pings come from (the pings table, the raw log or msg.payload), the start
// from a checkpoint and what a ping costs are lib/ping-source's; the messages' shape is
// lib/views/installations'. The dashboard is refreshed at most every few seconds, and only
// when something changed. The page may show one segment (a licence, driver, OS or version:
// the setting, or msg.segment); output 1, the report the overview and the API read, is
// always of every install.
const path = require('node:path')
const core = require('../lib/core')
const { onInput } = require('../lib/node-input')
const { paced } = require('../lib/pace')
const { pingSource } = require('../lib/ping-source')
const { installationsPage } = require('../lib/installations-page')
const { segmentOf } = require('../lib/segment')

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
        let segment = null
        try {
            segment = segmentOf(config.segment)
        } catch (err) {
            node.error(err)
        }
        // What the page shows (its range, its segment, the charts it holds), from the ledger.
        const page = installationsPage({
            ledger: () => source.ledger(),
            activeWindowDays,
            chartSeries,
            toToday: config.toToday !== false,
            lastDays: Number(config.lastDays) || null,
            segment,
            defaults: DEFAULTS
        })

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
        const refresh = paced(() => {
            try {
                const [report, all, table, kpis] = page.report(undefined, { refresh: true }, page.lastDays() || undefined)
                node.send([report, null, table, kpis, null])
                const changed = page.changedCharts(all)
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

        const ready = source.ready.then(rejected => {
            if (closing || (!rejected.length && !(reportOnIngest && source.ledger().installations > 0))) return
            node.send([...page.report(), rejectedMessage(rejected)])
        }, err => {
            node.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 60) })
            node.error(err)
        })

        onInput(node, async msg => {
            await ready
            if (msg.topic === 'report') return page.asked(msg)
            // Asked for one figure set, answered on the same message (output 1): an
            // http in → installations → http response flow serves it.
            if (msg.topic === 'uptake' || msg.topic === 'conversions') return page.answer(msg)
            if (msg.topic === 'rebuild') {
                const rejected = await source.rebuild(msg)
                return [...page.report(msg.asOf), rejectedMessage(rejected)]
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
