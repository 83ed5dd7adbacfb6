// week-on-week: a daily series (an array of {date|x, value|y}) folded into ISO weeks with the
// growth of each week over the one before, shaped for a chart, a table and a KPI text.
const core = require('../lib/core')
const { formatRate, formatValue } = require('../lib/format')
const { onInput } = require('../lib/node-input')

module.exports = function (RED) {
    function WeekOnWeekNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const property = config.property || 'payload'
        const series = config.series || 'value'
        const options = {
            aggregate: config.aggregate === 'sum' ? 'sum' : 'last'
        }
        if (String(config.averageWeeks || '').trim() !== '') options.averageWeeks = Number(config.averageWeeks)
        const markPartial = config.partial !== false

        onInput(node, msg => {
            const points = RED.util.getMessageProperty(msg, property)
            // The core never reads the clock: "now" is decided here, or given as msg.asOf.
            const asOf = msg.asOf !== undefined ? msg.asOf : (markPartial ? Date.now() : undefined)
            const result = core.weekOnWeek(points, asOf === undefined ? options : { ...options, asOf })
            RED.util.setMessageProperty(msg, property, result)
            const latest = result.summary
            return [
                msg,
                { topic: msg.topic, action: 'replace', payload: result.weeks.filter(w => w.value !== null).map(w => ({ series, x: w.week, y: w.value })) },
                {
                    topic: msg.topic,
                    payload: result.weeks.map(w => ({
                        week: w.week,
                        start: w.start,
                        value: formatValue(w.value),
                        growth: formatRate(w.growth),
                        rating: w.rating || '–',
                        partial: w.partial
                    }))
                },
                {
                    topic: msg.topic,
                    payload: latest.latestGrowth === null ? '–' : `${formatRate(latest.latestGrowth)} (${latest.rating})`,
                    summary: latest
                }
            ]
        }, (msg, outputs) => {
            const s = outputs[3].summary
            return s.latestGrowth === null
                ? RED._('week-on-week.status.noGrowth')
                : RED._('week-on-week.status.growth', { growth: formatRate(s.latestGrowth), rating: s.rating })
        })
    }
    RED.nodes.registerType('week-on-week', WeekOnWeekNode)
}
