// growth overview: this week at a glance. One row per headline metric (active installs,
// hosted and remote instances from the installations node; the Cloud metrics the
// meta-snapshot node marks as headline): latest value, week-on-week growth and rating,
// 4-week average, a 12-week sparkline and the metric's target (on track or behind, the rate
// needed, the projected reach date), all from the core's overviewRow. Targets are set by
// message (a form on the page) and kept in context; an alert (growth below the floor, or
// an anomaly) goes out once per metric and week.
const core = require('../lib/core')
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')
const { checkTarget } = require('../lib/overview/targets')
const { overviewSeries, segmentHeadlines, freshAlerts } = require('../lib/overview/series')
const { overviewRow, alertEntry } = require('../lib/views/overview')
const { overviewCsv } = require('../lib/views/csv')

const DEFAULTS = core.defaults()
/** The recent alerts kept for the list. */
const RECENT = 50

module.exports = function (RED) {
    function GrowthOverviewNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const text = (key, vars) => RED._(`growth-overview.${key}`, vars)
        const store = config.store || undefined
        const context = node.context()
        const floor = config.floor === undefined || config.floor === '' ? DEFAULTS.alertFloor : Number(config.floor) / 100
        const k = Number(config.k) || DEFAULTS.anomalyK
        // New data (an installations refresh every few seconds) recomputes the rows at most
        // this often; a report asked for and a target answer at once.
        const refreshMs = (config.refreshSeconds === undefined || config.refreshSeconds === '' ? 30 : Math.max(0, Number(config.refreshSeconds) || 0)) * 1000
        let lastOutput = 0
        let pending = null

        // Segment headlines (EE installs): a bad line is an error on deploy, the rest works.
        let segments = []
        try {
            segments = segmentHeadlines(config.segments)
        } catch (err) {
            node.error(err)
        }
        const series = overviewSeries(segments)
        let targets = {}
        let alerted = {}
        let recent = []
        const ready = new Promise(resolve => {
            context.get(['targets', 'alerted', 'alerts'], store, (err, t, a, r) => {
                if (err) node.error(text('errors.read', { message: err.message }))
                targets = (t && typeof t === 'object') ? t : {}
                alerted = (a && typeof a === 'object') ? a : {}
                recent = Array.isArray(r) ? r : []
                resolve()
            })
        })
        const save = (key, value) => new Promise(resolve => context.set(key, value, store, err => {
            if (err) node.error(text('errors.save', { key, message: err.message }))
            resolve()
        }))
        const rows = asOf => series.rows({ asOf, floor, k }, targets)

        /** Rows, new alerts (one message each), and the list of recent alerts. */
        async function outputs (msg, asOf) {
            const all = rows(asOf)
            const fresh = freshAlerts(all, alerted)
            if (fresh.length) {
                recent = [...fresh.map(alertEntry), ...recent].slice(0, RECENT)
                await save('alerted', alerted)
                await save('alerts', recent)
            }
            const first = msg || {}
            first.topic = 'overview'
            first.payload = all.map(row => overviewRow(row, series.unit(row.metric)))
            first.rows = all
            if (first.format === 'csv') first.csv = overviewCsv(all)
            return [
                first,
                fresh.length ? fresh.map(a => ({ topic: a.metric, payload: a.message, alert: a })) : null,
                { topic: 'alerts', payload: recent },
                { topic: 'metrics', payload: series.names() }
            ]
        }

        onInput(node, async msg => {
            await ready
            const asOf = msg.asOf !== undefined ? msg.asOf : today()
            if (msg.topic === 'target') {
                const target = checkTarget(msg.payload, series.names())
                if (target.remove) delete targets[target.metric]
                else targets[target.metric] = { value: target.value, date: target.date }
                // Checked by the core before it is kept: a target it cannot use is refused here.
                rows(asOf)
                await save('targets', targets)
                return outputs(undefined, asOf)
            }
            if (msg.payload && Array.isArray(msg.payload.days)) {
                series.addInstallations(msg.payload.days)
            } else if (msg.topic === 'series' && msg.payload && typeof msg.payload === 'object') {
                series.addCloud(msg.payload)
            } else if (msg.topic === 'report' || msg.topic === 'overview') {
                // Asked for the rows: answered on the same message (an HTTP request's too).
                return outputs(msg, asOf)
            } else {
                throw Object.assign(new Error(text('errors.input')), { field: 'payload' })
            }
            // New data: new messages (a report that answered someone else's request is not
            // answered again); an installations refresh (every few seconds) at most once per
            // refresh interval.
            const wait = msg.refresh === true ? lastOutput + refreshMs - Date.now() : 0
            if (wait > 0) {
                if (!pending) {
                    pending = setTimeout(() => {
                        pending = null
                        lastOutput = Date.now()
                        outputs(undefined, today()).then(out => node.send(out), err => node.error(err))
                    }, wait)
                }
                return null
            }
            lastOutput = Date.now()
            return outputs(undefined, asOf)
        }, () => text('status.counts', { metrics: series.names().length, targets: Object.keys(targets).length }))

        node.on('close', () => clearTimeout(pending))
    }
    RED.nodes.registerType('growth-overview', GrowthOverviewNode)
}
