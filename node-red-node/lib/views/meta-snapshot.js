// The meta-snapshot node's Dashboard 2.0 text: the core's report of every metric, formatted.
const { formatPoints, formatRate, formatShare, formatSigned, formatValue } = require('../format')

/** A metric's row of the Cloud table. A formula (a ÷ b, an adoption) is a share: its latest
 * value in percent, its change on the day in percentage points. */
function metricRow (m) {
    const share = Boolean(m.formula)
    return {
        metric: m.metric,
        latest: share ? formatShare(m.latest) : formatValue(m.latest),
        change: share ? formatPoints(m.change) : formatSigned(m.change),
        weeklyGrowth: formatRate(m.weeklyGrowth),
        rating: m.rating || '–',
        averageGrowth: formatRate(m.averageGrowth),
        since: m.firstDate,
        status: m.ended ? `ended ${m.latestDate}` : share ? `share: ${m.formula}` : (m.aggregate === 'sum' ? 'event (weekly sum)' : 'gauge')
    }
}

module.exports = { metricRow }
