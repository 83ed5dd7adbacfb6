// The growth overview's Dashboard 2.0 text: the core's figures formatted, nothing derived.
const { formatRate, formatValue } = require('../format')

/** A row of the overview table. */
function overviewRow (row) {
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

/** An alert as the list of recent alerts shows it. */
function alertEntry (a) {
    return { metric: a.metric, week: a.week, growth: formatRate(a.growth), reasons: a.reasons.join(', '), message: a.message }
}

module.exports = { overviewRow, alertEntry }
