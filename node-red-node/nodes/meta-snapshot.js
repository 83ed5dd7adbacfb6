// meta-snapshot: the history of FlowFuse Cloud meta snapshots, kept in the `meta_snapshots`
// table of a selected pings database, or else in a context store.
// A metrics object in (msg.payload, dated msg.date or today); the stored snapshot, the chosen
// metric's charts, the table of every metric and the metric picker's options out.
// Formulas (`adoption.tables = features.tablesDatabases / teamCount`) are metrics too, shown
// as shares.
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')
const { snapshotStore } = require('../lib/snapshot-store')
const { readFormulas } = require('../lib/formulas')
const { metricRow } = require('../lib/views/meta-snapshot')
const { metricsCsv } = require('../lib/views/csv')

/** The overview's default headline Cloud metrics (issue 11). */
const DEFAULT_HEADLINE = 'teamCount, instanceCount, deviceCount, userCount, features.*'

/** The value chart's y-axis for a formula: the core's fraction, named so. */
const SHARE_AXIS = 'share (0.15 = 15%)'

/** `teamCount, features.*` as a test of a metric's name: exact names, or a prefix ending in `*`. */
function headlineMatcher (setting) {
    const patterns = String(setting).split(',').map(s => s.trim()).filter(Boolean)
    return name => patterns.some(p => p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p)
}

module.exports = function (RED) {
    function MetaSnapshotNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const text = (key, vars) => RED._(`meta-snapshot.${key}`, vars)
        const selected = config.database ? RED.nodes.getNode(config.database) : null
        const missing = config.database && !selected
            ? Object.assign(new Error(text('errors.notDeployed')), { field: 'database' })
            : null
        // A database set to $DATABASE_URL with none in the environment: the context store.
        const database = selected && !selected.unset ? selected : null
        const state = snapshotStore(node, { database, store: config.store || undefined, text })
        if (database && !missing) {
            state.ready().then(() => {
                node.status(formulaProblem || { fill: 'green', shape: 'dot', text: text('status.metrics', { metrics: state.history().metricNames.length }) })
            }, err => {
                node.status({ fill: 'red', shape: 'ring', text: String(err.message).slice(0, 60) })
                node.error(text('errors.load', { where: database.describe(), message: err.message }))
            })
        }
        const events = String(config.events || '').split(',').map(s => s.trim()).filter(Boolean)
        const averageWeeks = Number(config.averageWeeks) || 4
        const headline = headlineMatcher(config.headline === undefined ? DEFAULT_HEADLINE : config.headline)
        // A bad line is refused on deploy, by line and name; the lines that read well are used
        // and the node goes on working (nothing stored depends on this setting).
        const { formulas, errors: formulaErrors } = readFormulas(config.formulas)
        const formulaProblem = formulaErrors.length
            ? { fill: 'red', shape: 'ring', text: String(formulaErrors[0].message).slice(0, 60) }
            : null
        for (const err of formulaErrors) node.error(text('errors.formula', { message: err.message }))
        if (formulaProblem) node.status(formulaProblem)
        const isFormula = name => Object.prototype.hasOwnProperty.call(formulas, name)
        let chosen = config.metric || null

        function options (msg) {
            // The core never reads the clock: "today" (for the week in progress) is decided here.
            return { asOf: msg.asOf !== undefined ? msg.asOf : today(), events, averageWeeks, formulas }
        }
        const status = () => formulaProblem || text('status.metrics', { metrics: state.history().metricNames.length })

        /** Output 6: the headline metrics' daily values, for a growth overview node; a
         * formula's are shares (fractions, shown in percent). */
        function headlineSeries (history, names) {
            const payload = {}
            for (const name of names.filter(headline)) {
                const formula = isFormula(name)
                payload[name] = {
                    points: history.metric(name, options({})).points,
                    aggregate: events.includes(name) && !formula ? 'sum' : 'last',
                    unit: formula ? 'share' : 'value'
                }
            }
            return { topic: 'series', payload }
        }

        /** Outputs 2–6 for the current history: charts of the chosen metric, table, picker, headline series.
         * The table goes out on `tableMsg` when given (a "report" request), so an
         * http-in → meta-snapshot → http-response flow can answer with it. */
        function views (msg, tableMsg) {
            const history = state.history()
            const opts = options(msg)
            const report = history.report(opts)
            const names = report.metrics.map(m => m.metric)
            if (!chosen || !names.includes(chosen)) chosen = names[0] || null
            const metric = chosen ? history.metric(chosen, opts) : null
            return [
                metric && {
                    topic: chosen,
                    payload: metric.valueChart,
                    action: 'replace',
                    metric,
                    // The values stay the core's; the axis says a formula's are fractions.
                    ui_update: { chartOptions: { yAxis: { name: isFormula(chosen) ? SHARE_AXIS : '' } } }
                },
                metric && { topic: chosen, payload: metric.growthChart, action: 'replace' },
                Object.assign(tableMsg || {}, {
                    topic: 'metrics',
                    report,
                    payload: report.metrics.map(metricRow)
                }, tableMsg && tableMsg.format === 'csv' ? { csv: metricsCsv(report) } : {}),
                { topic: 'metrics', options: names.map(n => ({ label: n, value: n })), payload: chosen },
                headlineSeries(history, names)
            ]
        }

        onInput(node, async msg => {
            if (missing) throw missing
            await state.ready()
            const history = state.history()
            if (msg.topic === 'report') return [null, ...views(msg, msg)]
            if (msg.topic === 'metric') {
                if (typeof msg.payload !== 'string' || !(history.metricNames.includes(msg.payload) || isFormula(msg.payload))) {
                    throw Object.assign(new Error(text('errors.unknownMetric', { metric: JSON.stringify(msg.payload) })), { field: 'metric' })
                }
                chosen = msg.payload
                const [valueChart, growthChart] = views(msg)
                return [null, valueChart, growthChart, null, null, null]
            }
            if (msg.topic === 'seed') {
                // A backfill for a new instance: only into an empty history, so a restart
                // never overwrites snapshots taken since.
                await state.seed(msg.payload)
                return [null, ...views(msg)]
            }
            // Stored (in the database: committed) before it is reported stored.
            msg.payload = await state.add({ date: msg.date !== undefined ? msg.date : today(), metrics: msg.payload })
            return [msg, ...views(msg)]
        }, status)

        node.on('close', (removed, done) => {
            state.close().then(() => done())
        })
    }
    RED.nodes.registerType('meta-snapshot', MetaSnapshotNode)
}
