// The installations node's Dashboard 2.0 messages, from what the core computed: charts as
// `ui-chart` replacements, the day table, the KPI texts, the growth accounting and cohort
// retention tables. Formatting only: every figure and every list comes from the core.
const { formatNumber, formatRate, formatShare, formatSigned, formatValue } = require('../format')
const { retentionCsv } = require('./csv')

/**
 * Outputs 1 to 4 from one `ledger.dashboard()` answer. `msg` (a report asked for) is reused
 * for output 1, so an http-in → installations → http-response flow works; output 1 also
 * carries the day table's fields (`dayFields`), for a CSV of `payload.days`.
 */
function dashboardMessages ({ report, kpis, charts, table }, msg, dayFields) {
    const first = msg || {}
    first.topic = 'report'
    first.payload = report
    first.kpis = kpis
    first.dayFields = dayFields
    return [
        first,
        Object.entries(charts).map(([name, points]) => ({ topic: name, payload: points, action: 'replace' })),
        { topic: 'days', payload: table },
        {
            topic: 'kpis',
            payload: {
                date: kpis.date,
                active: formatValue(kpis.active),
                activeChange: formatSigned(kpis.activeChange),
                weeklyGrowth: formatRate(kpis.weeklyGrowth),
                rating: kpis.rating || '–',
                hosted: formatValue(kpis.hosted),
                remote: formatValue(kpis.remote),
                installations: formatValue(kpis.installations)
            },
            kpis
        }
    ]
}

/**
 * What the charts were last sent, by topic, so a refresh sends a chart only when its points
 * changed (DESIGN.md: the dashboard is refreshed with what changed). `changed(msg)` records
 * the message's points and says whether they differ from the last sent.
 */
function chartsSent () {
    const sent = new Map()
    return {
        changed (msg) {
            const points = JSON.stringify(msg.payload)
            if (sent.get(msg.topic) === points) return false
            sent.set(msg.topic, points)
            return true
        }
    }
}

/** A week of growth accounting as the quick-ratio table shows it. */
function accountingRow (w) {
    return {
        week: w.week,
        start: w.start,
        new: w.new,
        resurrected: w.resurrected,
        churned: w.churned,
        net: formatSigned(w.net),
        quickRatio: w.quickRatio === null ? '– (none churned)' : formatNumber(w.quickRatio),
        active: w.active
    }
}

/** A cohort as the retention table shows it: shares as text (empty where the week is not
 * complete) and as numbers (for the cell's shade). */
function retentionRow (c) {
    const row = { cohort: c.week, start: c.start, size: c.size }
    for (const r of c.retained) {
        row[`w${r.weeks}`] = r.share === null ? '' : formatShare(r.share)
        row[`share${r.weeks}`] = r.share
    }
    return row
}

/**
 * Output 6, for a report asked for: growth accounting as a chart (net a line of its own: a
 * ui-chart draws one type, and stacked bars would put net on top of the others) and a table,
 * newest week first, and the cohort retention table with its columns (`weeks`). The same rows
 * and columns go on `first` (the report's message) for an http response or a CSV.
 */
function analyticsMessages ({ weeks, chart, cohorts, retentionWeeks }, first) {
    const accounting = weeks.slice().reverse().map(accountingRow)
    const retention = cohorts.map(retentionRow)
    if (first) {
        first.accounting = accounting
        first.retention = retention
        first.retentionWeeks = retentionWeeks
        if (first.format === 'csv') first.csv = retentionCsv(cohorts, retentionWeeks)
    }
    return [
        { topic: 'accounting', payload: chart.filter(p => p.series !== 'net'), action: 'replace' },
        { topic: 'net', payload: chart.filter(p => p.series === 'net'), action: 'replace' },
        { topic: 'quickRatio', payload: accounting, action: 'replace' },
        { topic: 'retention', payload: retention, weeks: retentionWeeks }
    ]
}

module.exports = { dashboardMessages, analyticsMessages, chartsSent }
