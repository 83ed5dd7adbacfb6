// The Installations page as the installations node serves it, from the ledger's answers:
// outputs 1 to 4 (the dashboard of the page's segment, with output 1's report always of
// every install), output 6 (accounting, retention, versions, licence changes, the segment
// choices) and the figure sets asked for on a message. It keeps what the page shows: the
// chart range, the segment, and the charts the widgets hold.
const { today } = require('./clock')
const { dashboardMessages, analyticsMessages, chartsSent } = require('./views/installations')
const { segmentOf, segmentLabel, segmentChoices } = require('./segment')

/**
 * @param {object} o
 * @param {() => object} o.ledger the current InstallationLedger
 * @param {number} o.activeWindowDays
 * @param {number} o.chartSeries
 * @param {boolean} o.toToday report up to today unless msg.asOf says otherwise
 * @param {number|null} o.lastDays the chart range to start with
 * @param {object|null} o.segment the segment to start with
 * @param {object} o.defaults the core's defaults (dayFields, accountingWeeks, retentionWeeks)
 */
function installationsPage ({ ledger, activeWindowDays, chartSeries, toToday, lastDays, segment, defaults }) {
    const charts = chartsSent()

    /** The report up to `asOf`: msg.asOf, else today (unless the node reports to the last ping). */
    const range = (asOf, now) => asOf !== undefined ? { asOf } : toToday ? { asOf: now } : {}

    /** Outputs 1 to 4, from the core. A refresh sends only the chart range's days; a report
     * asked for, every day, and every chart (what the widgets hold from then on). */
    function report (asOf, msg, reportDays) {
        // `today` marks the day in progress (its pinged count is charted apart); read once,
        // so it and `asOf` are the same day even across midnight.
        const now = today()
        const options = { activeWindowDays, lastDays, chartSeries, today: now, ...range(asOf, now) }
        if (reportDays) options.reportDays = reportDays
        const l = ledger()
        let outputs
        if (!segment) {
            outputs = dashboardMessages(l.dashboard(options), msg, defaults.dayFields)
        } else {
            const page = l.dashboard({ ...options, segment })
            // The report of every install, over the days the dashboard's report holds.
            const whole = l.report({ activeWindowDays, ...range(asOf, now), lastDays: reportDays || undefined })
            outputs = dashboardMessages({ ...page, report: whole }, msg, defaults.dayFields, segmentLabel(segment))
        }
        if (!msg || !msg.refresh) outputs[1].forEach(charts.changed)
        return outputs
    }

    /** Output 6, for a report asked for (a page view, the API); not on a refresh:
     * retention and licence changes read every install's history. */
    function analytics (asOf, first) {
        const l = ledger()
        const options = { activeWindowDays, ...range(asOf, today()) }
        const page = segment ? { ...options, segment } : options
        return analyticsMessages({
            weeks: l.accounting({ ...page, completeWeeks: defaults.accountingWeeks }),
            chart: l.accountingChart(page, defaults.accountingWeeks),
            cohorts: l.retention(options),
            retentionWeeks: defaults.retentionWeeks,
            versions: l.versions({ ...page, chartDays: lastDays || undefined }),
            licenceChanges: l.conversions({ ...options, dimension: 'license' }),
            segments: { choices: segmentChoices(l.report({ ...options, lastDays: 1 }).days.at(-1)), chosen: segment }
        }, first)
    }

    return {
        report,
        /** Charts of a refresh that changed since they were last sent. */
        changedCharts: all => all.filter(charts.changed),
        /** A report asked for: outputs 1 to 4 and 6. `payload.lastDays` sets the chart range;
         * `msg.segment` the page's segment from then on (one the core refuses leaves it). */
        asked (msg) {
            const range = msg.payload && typeof msg.payload === 'object' ? msg.payload.lastDays : undefined
            if (range !== undefined) lastDays = Number(range) || null
            const before = segment
            if (msg.segment !== undefined) segment = segmentOf(msg.segment)
            try {
                const outputs = report(msg.asOf, msg)
                return [...outputs, null, analytics(msg.asOf, outputs[0])]
            } catch (err) {
                segment = before
                throw err
            }
        },
        /** `topic: "uptake"` or `"conversions"`: the figures on the same message (output 1). */
        answer (msg) {
            const options = { activeWindowDays, ...range(msg.asOf, today()) }
            const asked = msg.segment !== undefined ? segmentOf(msg.segment) : segment
            if (asked) options.segment = asked
            msg.payload = msg.topic === 'uptake'
                ? ledger().uptake(options)
                : ledger().conversions({ ...options, segment: undefined, dimension: typeof msg.dimension === 'string' ? msg.dimension : 'license' })
            return [msg, null, null, null, null, null]
        },
        lastDays: () => lastDays
    }
}

module.exports = { installationsPage }
