// The meta-snapshot node's Dashboard 2.0 text: the core's report of every metric, formatted.
const { formatRate, formatSigned, formatValue } = require('../format')

/** A metric's row of the Cloud table. */
function metricRow (m) {
    return {
        metric: m.metric,
        latest: formatValue(m.latest),
        change: formatSigned(m.change),
        weeklyGrowth: formatRate(m.weeklyGrowth),
        rating: m.rating || '–',
        averageGrowth: formatRate(m.averageGrowth),
        since: m.firstDate,
        status: m.ended ? `ended ${m.latestDate}` : (m.aggregate === 'sum' ? 'event (weekly sum)' : 'gauge')
    }
}

module.exports = { metricRow }
