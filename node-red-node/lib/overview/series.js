// The overview's metrics: each one's daily values as they came (a later report of a day
// replaces it), in the order the overview lists them, and its row from the core's
// overviewRow. An alert goes out once per metric and week.
const core = require('../core')
const { segmentOf, DAY_MAPS } = require('../segment')

/** The installations report's series the overview shows, by the name they are shown under. */
const INSTALL_SERIES = [['active installs', 'active'], ['hosted instances', 'hosted'], ['remote instances', 'remote']]
/** Cloud metrics come after the installations' three and their segments. */
const CLOUD_ORDER = 10

/**
 * Segment headlines as the node's setting gives them, one `name = dimension=value` a line
 * (`EE installs = license=EE`): the active installs of that segment, which on a day are
 * the report's count of that value (DESIGN.md, "Segments": in s = active with X = s).
 * @returns {{metric: string, by: string, value: string}[]}
 */
function segmentHeadlines (text) {
    const lines = String(text || '').split('\n').map(l => l.trim())
    return lines.flatMap((line, i) => {
        if (!line || line.startsWith('#')) return []
        // The name, then a segment as the installations node's setting writes it.
        const at = line.indexOf('=')
        let segment = null
        try {
            segment = at > 0 ? segmentOf(line.slice(at + 1).trim()) : null
        } catch (err) {}
        if (!segment || !DAY_MAPS[segment.dimension]) throw Object.assign(new Error(`segments: line ${i + 1} must be "name = dimension=value" (dimension license, driver, os or version), got ${JSON.stringify(line.slice(0, 80))}`), { field: 'segments' })
        return [{ metric: line.slice(0, at).trim(), by: DAY_MAPS[segment.dimension], value: segment.value }]
    })
}

function overviewSeries (segments = []) {
    /** metric → {byDate: Map(date → value), aggregate, unit, order} */
    const series = new Map()

    function merge (metric, points, aggregate, order, unit = 'value') {
        let s = series.get(metric)
        if (!s) series.set(metric, s = { byDate: new Map(), aggregate, unit, order })
        s.aggregate = aggregate
        s.unit = unit
        for (const p of points) s.byDate.set(p.date, p.value)
    }

    return {
        names: () => [...series.keys()],
        /** How a metric's values read: `share` (a fraction, shown in percent) or `value`. */
        unit: metric => (series.get(metric) || {}).unit || 'value',
        /** An installations report's (or refresh's) days, merged by date. */
        addInstallations (days) {
            INSTALL_SERIES.forEach(([metric, field], i) => merge(metric, days.map(d => ({ date: d.date, value: d[field] })), 'last', i))
            // A segment's series starts the day its value first appears (no back-filled zeros).
            // A segment nobody has been in yet has no row (a row of dashes says nothing).
            segments.forEach(({ metric, by, value }, i) => {
                const points = days.filter(d => d[by] && value in d[by]).map(d => ({ date: d.date, value: d[by][value] }))
                if (points.length || series.has(metric)) merge(metric, points, 'last', INSTALL_SERIES.length + i)
            })
        },
        /** Headline Cloud metrics from the meta-snapshot node: {metric: {points, aggregate, unit}}. */
        addCloud (payload) {
            for (const [metric, s] of Object.entries(payload)) {
                if (!s || !Array.isArray(s.points)) {
                    throw Object.assign(new Error(`payload.${metric}: must be {points: [{date, value}], aggregate}`), { field: `payload.${metric}` })
                }
                merge(metric, s.points, s.aggregate === 'sum' ? 'sum' : 'last', CLOUD_ORDER, s.unit === 'share' ? 'share' : 'value')
            }
        },
        /** One core overviewRow per metric; `options` {asOf, floor, k}, `targets` {metric: {value, date}}. */
        rows (options, targets) {
            return [...series.entries()]
                .sort((a, b) => a[1].order - b[1].order || a[0].localeCompare(b[0]))
                .map(([metric, s]) => {
                    const points = [...s.byDate.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([date, value]) => ({ date, value }))
                    const rowOptions = { aggregate: s.aggregate, ...options }
                    if (targets[metric]) rowOptions.target = targets[metric]
                    return core.overviewRow(metric, points, rowOptions)
                })
        }
    }
}

/** The rows' alerts not yet sent (`alerted`: "metric|week" → true, updated here). */
function freshAlerts (rows, alerted) {
    const fresh = []
    for (const row of rows) {
        const a = row.alert
        if (!a) continue
        const key = `${a.metric}|${a.week}`
        if (alerted[key]) continue
        alerted[key] = true
        fresh.push(a)
    }
    return fresh
}

module.exports = { overviewSeries, segmentHeadlines, freshAlerts }
