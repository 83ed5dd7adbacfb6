// growth overview: this week at a glance. One row per headline metric (active installs,
// hosted and remote instances from the installations node; the Cloud metrics the
// meta-snapshot node marks as headline): latest value, week-on-week growth and rating,
// 4-week average, a 12-week sparkline and the metric's target (on track or behind, the rate
// needed, the projected reach date), all from the core's overviewRow. Targets are set by
// message (a form on the page) and kept in context; an alert (growth below the floor, or
// an anomaly) goes out once per metric and week.
const core = require('../lib/core')
const { formatRate, formatValue } = require('../lib/format')
const { today } = require('../lib/clock')
const { onInput } = require('../lib/node-input')

/** The installations report's series the overview shows, by the name they are shown under. */
const INSTALL_SERIES = [['active installs', 'active'], ['hosted instances', 'hosted'], ['remote instances', 'remote']]
const DAY = /^\d{4}-\d{2}-\d{2}$/

const fail = (field, message) => { throw Object.assign(new Error(`${field}: ${message}`), { field }) }

/** A target as the form sends it: {metric, value, date}; value empty removes the target. */
function checkTarget (payload, known) {
    if (!payload || typeof payload !== 'object') fail('payload', 'must be {metric, value, date}')
    const metric = typeof payload.metric === 'string' ? payload.metric.trim() : ''
    if (!metric) fail('metric', 'is required')
    if (!known.includes(metric)) fail('metric', `${JSON.stringify(metric)} is not one of the overview's metrics`)
    if (payload.value === null || payload.value === undefined || payload.value === '') return { metric, remove: true }
    const value = typeof payload.value === 'string' && /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(payload.value) ? Number(payload.value) : payload.value
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail('value', `must be a number above 0, got ${JSON.stringify(payload.value)}`)
    const date = typeof payload.date === 'string' ? payload.date.trim().slice(0, 10) : ''
    if (!DAY.test(date) || Number.isNaN(Date.parse(date))) fail('date', `must be a date (YYYY-MM-DD), got ${JSON.stringify(payload.date)}`)
    return { metric, value, date }
}

module.exports = function (RED) {
    function GrowthOverviewNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const store = config.store || undefined
        const context = node.context()
        const floor = config.floor === undefined || config.floor === '' ? 0.01 : Number(config.floor) / 100
        const k = Number(config.k) || 3
        // New data (an installations refresh every few seconds) recomputes the rows at most
        // this often; a report asked for and a target answer at once.
        const refreshMs = (config.refreshSeconds === undefined || config.refreshSeconds === '' ? 30 : Math.max(0, Number(config.refreshSeconds) || 0)) * 1000
        let lastOutput = 0
        let pending = null

        /** metric → {byDate: Map(date → value), aggregate, order} */
        const series = new Map()
        let targets = {}
        let alerted = {}
        let recent = []
        const ready = new Promise(resolve => {
            context.get(['targets', 'alerted', 'alerts'], store, (err, t, a, r) => {
                if (err) node.error(`could not read the targets: ${err.message}`)
                targets = (t && typeof t === 'object') ? t : {}
                alerted = (a && typeof a === 'object') ? a : {}
                recent = Array.isArray(r) ? r : []
                resolve()
            })
        })
        const save = (key, value) => new Promise(resolve => context.set(key, value, store, err => {
            if (err) node.error(`could not save ${key}: ${err.message}`)
            resolve()
        }))

        /** Keeps a metric's daily values; a later report of a day replaces it. */
        function merge (metric, points, aggregate, order) {
            let s = series.get(metric)
            if (!s) series.set(metric, s = { byDate: new Map(), aggregate, order })
            s.aggregate = aggregate
            for (const p of points) s.byDate.set(p.date, p.value)
        }

        function rows (asOf) {
            return [...series.entries()]
                .sort((a, b) => a[1].order - b[1].order || a[0].localeCompare(b[0]))
                .map(([metric, s]) => {
                    const points = [...s.byDate.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([date, value]) => ({ date, value }))
                    const options = { aggregate: s.aggregate, asOf, floor, k }
                    if (targets[metric]) options.target = targets[metric]
                    return core.overviewRow(metric, points, options)
                })
        }

        /** The table's text: the core's figures formatted, nothing derived. */
        function shown (row) {
            const t = row.target
            return {
                metric: row.metric,
                latest: formatValue(row.latest),
                week: row.latestWeek || '–',
                growth: formatRate(row.growth),
                rating: row.rating || '–',
                average: formatRate(row.averageGrowth),
                sparkline: row.sparkline.map(p => p.value),
                target: t ? formatValue(t.target) : '',
                targetDate: t ? t.date : '',
                status: !t ? '' : t.reached ? 'reached' : t.onTrack === true ? 'on track' : t.onTrack === false ? 'behind' : '–',
                needed: t ? formatRate(t.requiredRate) : '',
                current: t ? formatRate(t.currentRate) : '',
                projected: t ? formatValue(t.projected) : '',
                reachDate: t ? (t.reachDate || 'not at this rate') : '',
                alert: row.alert ? row.alert.message : ''
            }
        }

        /** Rows, new alerts (one message each), and the list of recent alerts. */
        async function outputs (msg, asOf) {
            const all = rows(asOf)
            const fresh = []
            for (const row of all) {
                const a = row.alert
                if (!a) continue
                const key = `${a.metric}|${a.week}`
                if (alerted[key]) continue
                alerted[key] = true
                fresh.push(a)
            }
            if (fresh.length) {
                recent = [...fresh.map(a => ({ metric: a.metric, week: a.week, growth: formatRate(a.growth), reasons: a.reasons.join(', '), message: a.message })), ...recent].slice(0, 50)
                await save('alerted', alerted)
                await save('alerts', recent)
            }
            const first = msg || {}
            first.topic = 'overview'
            first.payload = all.map(shown)
            first.rows = all
            return [
                first,
                fresh.length ? fresh.map(a => ({ topic: a.metric, payload: a.message, alert: a })) : null,
                { topic: 'alerts', payload: recent },
                { topic: 'metrics', payload: [...series.keys()] }
            ]
        }

        onInput(node, async msg => {
            await ready
            const asOf = msg.asOf !== undefined ? msg.asOf : today()
            if (msg.topic === 'target') {
                const target = checkTarget(msg.payload, [...series.keys()])
                if (target.remove) delete targets[target.metric]
                else targets[target.metric] = { value: target.value, date: target.date }
                // Checked by the core before it is kept: a target it cannot use is refused here.
                rows(asOf)
                await save('targets', targets)
                const [first, alerts, list, names] = await outputs(undefined, asOf)
                return [first, alerts, list, names]
            }
            if (msg.payload && Array.isArray(msg.payload.days)) {
                // An installations report (or refresh): its days, merged by date.
                INSTALL_SERIES.forEach(([metric, field], i) => merge(metric, msg.payload.days.map(d => ({ date: d.date, value: d[field] })), 'last', i))
            } else if (msg.topic === 'series' && msg.payload && typeof msg.payload === 'object') {
                // Headline Cloud metrics from the meta-snapshot node: {metric: {points, aggregate}}.
                for (const [metric, s] of Object.entries(msg.payload)) {
                    if (!s || !Array.isArray(s.points)) fail(`payload.${metric}`, 'must be {points: [{date, value}], aggregate}')
                    merge(metric, s.points, s.aggregate === 'sum' ? 'sum' : 'last', 10)
                }
            } else if (msg.topic === 'report' || msg.topic === 'overview') {
                // Asked for the rows: answered on the same message (an HTTP request's too).
                return outputs(msg, asOf)
            } else {
                fail('payload', 'must be an installations report (payload.days), headline series (topic "series"), a target (topic "target") or topic "report"')
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
        }, () => `${series.size} metrics, ${Object.keys(targets).length} targets`)

        node.on('close', () => clearTimeout(pending))
    }
    RED.nodes.registerType('growth-overview', GrowthOverviewNode)
}

module.exports.checkTarget = checkTarget
