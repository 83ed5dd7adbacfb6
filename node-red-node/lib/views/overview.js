// The growth overview's Dashboard 2.0 text: the core's figures formatted, nothing derived.
const { formatPoints, formatRate, formatShare, formatSigned, formatValue } = require('../format')

/**
 * A row of the overview table. Before a week is complete (the first days) the latest day's
 * value stands in for the week's, and the cells the weeks will fill say when they start.
 * `unit` `share` (a formula such as an adoption, a fraction) shows the values in percent and
 * the change on the day in percentage points.
 */
function overviewRow (row, unit = 'value') {
    const share = unit === 'share'
    const value = share ? formatShare : formatValue
    const signed = share ? formatPoints : formatSigned
    const t = row.target
    const day = row.day
    const noWeekYet = row.latest == null && day != null
    const growthPending = row.completeWeeks < 2 && row.growthFrom ? `from the week ending ${row.growthFrom}` : ''
    return {
        metric: row.metric,
        unit,
        latest: value(row.latest),
        // The latest day: its value (what the table shows while no week is complete), its
        // date, and its change from the day before.
        day: value(day ? day.value : null),
        dayDate: day ? day.date : '',
        latestNote: noWeekYet ? `on ${day.date}${row.completeWeeks === 0 ? `; first week ends ${row.firstWeekEnd}` : ''}` : '',
        change: signed(day ? day.change : null),
        week: row.latestWeek || '–',
        growth: formatRate(row.growth),
        growthNote: row.growth == null ? growthPending : '',
        rating: row.rating || '–',
        average: formatRate(row.averageGrowth),
        sparkline: row.sparkline.map(p => p.value),
        target: t ? value(t.target) : '',
        targetDate: t ? t.date : '',
        status: !t ? '' : t.reached ? 'reached' : t.onTrack === true ? 'on track' : t.onTrack === false ? 'behind' : growthPending || '–',
        needed: t ? formatRate(t.requiredRate) : '',
        current: t ? formatRate(t.currentRate) : '',
        projected: t ? value(t.projected) : '',
        reachDate: t ? (t.reachDate || (growthPending ? '–' : 'not at this rate')) : '',
        alert: row.alert ? row.alert.message : ''
    }
}

/** An alert as the list of recent alerts shows it. */
function alertEntry (a) {
    return { metric: a.metric, week: a.week, growth: formatRate(a.growth), reasons: a.reasons.join(', '), message: a.message }
}

module.exports = { overviewRow, alertEntry }
