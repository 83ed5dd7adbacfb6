// CSV downloads hold raw values and text a spreadsheet will not run (OWASP CSV injection).
const assert = require('node:assert/strict')
const { cell, metricsCsv, retentionCsv } = require('../lib/views/csv')

describe('CSV tables', function () {
    it('neutralises text cells a spreadsheet would run as a formula, and only those', function () {
        for (const text of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) assert.equal(cell(text), `'${text}`, JSON.stringify(text))
        for (const safe of ['teamCount', 'features.tables', '2026-W05', 'a=b', '']) assert.equal(cell(safe), safe)
        assert.equal(cell(-7736), -7736, 'a negative number stays a number')
        assert.equal(cell(0.0326), 0.0326)
        assert.equal(cell(null), '')
        assert.equal(cell(false), false)
    })

    it('writes the Cloud table with raw numbers and the unit in the header', function () {
        const { columns, rows } = metricsCsv({
            metrics: [{ metric: '=cmd|calc', latest: 27081, change: -7736, weeklyGrowth: 0.0326, rating: 'strong', averageGrowth: null, firstDate: '2026-01-05', latestDate: '2026-12-02', aggregate: 'last', ended: false }]
        })
        assert.equal(columns, 'metric,latest,change,weeklyGrowth (fraction),rating,averageGrowth (fraction),since,latestDate,aggregate,ended')
        assert.deepEqual(rows, [{ metric: "'=cmd|calc", latest: 27081, change: -7736, 'weeklyGrowth (fraction)': 0.0326, rating: 'strong', 'averageGrowth (fraction)': '', since: '2026-01-05', latestDate: '2026-12-02', aggregate: 'last', ended: false }])
    })

    it('writes cohort shares as fractions, empty where the week is not complete', function () {
        const { columns, rows } = retentionCsv([{ week: '2026-W02', start: '2026-01-05', size: 2, retained: [{ weeks: 1, retained: 1, share: 0.5 }, { weeks: 2, retained: null, share: null }] }], [1, 2])
        assert.equal(columns, 'cohort,start,size,w1 (fraction),w2 (fraction)')
        assert.deepEqual(rows, [{ cohort: '2026-W02', start: '2026-01-05', size: 2, 'w1 (fraction)': 0.5, 'w2 (fraction)': '' }])
    })
})
