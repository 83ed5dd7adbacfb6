// Tables as CSV downloads: the core's raw values (plain numbers, rates as fractions with the
// unit in the header, dates as ISO), never the page's display text ("27,081", "+3.26%"), so
// a spreadsheet can sum and chart them. A text cell a spreadsheet would run as a formula
// (beginning with =, +, -, @, a tab or a carriage return: metric names are anyone's) is
// neutralised with a leading apostrophe, as OWASP's CSV-injection advice says.
const FORMULA = /^[=+\-@\t\r]/

/** One cell: numbers as they are, text made safe, nothing as an empty cell. */
function cell (value) {
    if (value === null || value === undefined) return ''
    if (typeof value === 'string' && FORMULA.test(value)) return `'${value}`
    return value
}

/** `{columns, rows}` for a CSV node: `columns` its header, `rows` objects with those keys. */
function csvTable (columns, items) {
    return {
        columns: columns.map(([name]) => name).join(','),
        rows: items.map(item => Object.fromEntries(columns.map(([name, get]) => [name, cell(get(item))])))
    }
}

const fraction = name => `${name} (fraction)`

/** The Cloud table: every metric of a history report. */
function metricsCsv (report) {
    return csvTable([
        ['metric', m => m.metric],
        ['latest', m => m.latest],
        ['change', m => m.change],
        [fraction('weeklyGrowth'), m => m.weeklyGrowth],
        ['rating', m => m.rating],
        [fraction('averageGrowth'), m => m.averageGrowth],
        ['since', m => m.firstDate],
        ['latestDate', m => m.latestDate],
        ['aggregate', m => m.aggregate],
        ['ended', m => m.ended]
    ], report.metrics)
}

/** The overview table: the core's rows, a target's figures where one is set. */
function overviewCsv (rows) {
    const target = get => row => (row.target ? get(row.target) : null)
    return csvTable([
        ['metric', r => r.metric],
        ['latest', r => r.latest],
        ['week', r => r.latestWeek],
        [fraction('growth'), r => r.growth],
        ['rating', r => r.rating],
        [fraction('average'), r => r.averageGrowth],
        ['target', target(t => t.target)],
        ['targetDate', target(t => t.date)],
        ['onTrack', target(t => t.onTrack)],
        [fraction('needed'), target(t => t.requiredRate)],
        [fraction('current'), target(t => t.currentRate)],
        ['reached', target(t => t.reached)],
        ['projected', target(t => t.projected)],
        ['reachDate', target(t => t.reachDate)],
        ['alert', r => (r.alert ? r.alert.message : null)]
    ], rows)
}

/** Cohort retention: the share retained after each of `weeks` weeks, empty where that week
 * is not complete. */
function retentionCsv (cohorts, weeks) {
    return csvTable([
        ['cohort', c => c.week],
        ['start', c => c.start],
        ['size', c => c.size],
        ...weeks.map(w => [`w${w} (fraction)`, c => (c.retained.find(r => r.weeks === w) || {}).share])
    ], cohorts)
}

module.exports = { cell, csvTable, metricsCsv, overviewCsv, retentionCsv }
