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
function dashboardMessages ({ report, kpis, charts, table }, msg, dayFields, segment = 'All installs') {
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
                installations: formatValue(kpis.installations),
                segment
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

/** A release's uptake as the table shows it. */
function uptakeRow (u) {
    return {
        version: u.version,
        released: u.released,
        share7: formatShare(u.share7),
        share30: formatShare(u.share30),
        share90: formatShare(u.share90),
        daysTo50: u.daysTo50 === null ? 'not yet' : `${u.daysTo50} days`
    }
}

/** What a licence change is: CE to EE an upgrade, EE to CE a downgrade. */
function licenceChangeKind (c) {
    if (c.from === 'CE' && c.to === 'EE') return 'upgrade'
    if (c.from === 'EE' && c.to === 'CE') return 'downgrade'
    return 'change'
}

/** Licence changes newest week first, upgrades first within a week. */
function licenceChangeRows (conversions) {
    const rank = { upgrade: 0, downgrade: 1, change: 2 }
    return conversions
        .map(c => ({ week: c.week, change: `${c.from} → ${c.to}`, kind: licenceChangeKind(c), count: c.count }))
        .sort((a, b) => b.week.localeCompare(a.week) || rank[a.kind] - rank[b.kind] || a.change.localeCompare(b.change))
}

/**
 * Output 6, for a report asked for: growth accounting as a chart (net a line of its own: a
 * ui-chart draws one type, and stacked bars would put net on top of the others) and a table,
 * newest week first, and the cohort retention table with its columns (`weeks`). The same rows
 * and columns go on `first` (the report's message) for an http response or a CSV.
 */
function analyticsMessages ({ weeks, chart, cohorts, retentionWeeks, versions, licenceChanges, segments }, first) {
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
        { topic: 'retention', payload: retention, weeks: retentionWeeks },
        ...(versions ? versionMessages(versions) : []),
        ...(licenceChanges ? [{ topic: 'licenceChanges', payload: licenceChangeRows(licenceChanges), action: 'replace' }] : []),
        ...(segments ? [{ topic: 'segments', options: segments.choices, payload: segments.chosen ? `${segments.chosen.dimension}=${segments.chosen.value}` : '' }] : [])
    ]
}

/** The Versions section: the share chart, the uptake table and the newest release's KPI. */
function versionMessages ({ shareChart, uptake, newest }) {
    return [
        { topic: 'versionShare', payload: shareChart, action: 'replace' },
        // Newest release first: the one a team asks about.
        { topic: 'uptake', payload: uptake.map(uptakeRow).reverse(), action: 'replace' },
        { topic: 'newest', payload: newest ? { version: newest.version, date: newest.date, share: formatShare(newest.share) } : null, newest }
    ]
}

module.exports = { dashboardMessages, analyticsMessages, chartsSent, licenceChangeRows }
