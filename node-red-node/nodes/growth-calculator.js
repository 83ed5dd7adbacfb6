// growth-calculator: the product team's growth calculator as a node. Three questions, one
// core call each: how far a weekly rate takes a start value (project), the same for a list of
// rates (table), and what rate or how many weeks reach a target (target).
const core = require('../lib/core')
const { formatNumber, formatRate, formatValue, formatMultiple } = require('../lib/format')
const { onInput } = require('../lib/node-input')

/** Editor fields hold strings; an empty one means "not set here, take it from msg". */
function configNumber (text) {
    return text === undefined || text === null || String(text).trim() === '' ? undefined : Number(text)
}

function configRates (text) {
    if (text === undefined || String(text).trim() === '') return undefined
    return String(text).split(',').map(s => Number(s.trim()))
}

const MODES = {
    project: {
        call: args => core.projectGrowth(args),
        chart: (r, series) => r.points.map(p => ({ series, x: p.week, y: p.value })),
        table: r => r.points.map(p => ({ week: p.week, value: formatNumber(p.value) })),
        text: r => formatNumber(r.end),
        formatted: r => ({
            end: formatNumber(r.end),
            multiple: formatMultiple(r.multiple),
            weeklyRate: formatRate(r.weeklyRate),
            monthlyRate: formatRate(r.monthlyRate),
            yearlyRate: formatRate(r.yearlyRate),
            rating: r.rating
        }),
        status: r => ['projected', { end: formatNumber(r.end), weeks: r.weeks }]
    },
    table: {
        call: args => core.growthTable(args),
        chart: (rows, series) => rows.map(r => ({ series, x: formatRate(r.weeklyRate), y: r.end })),
        table: rows => rows.map(r => ({
            weeklyRate: formatRate(r.weeklyRate),
            value: formatNumber(r.end),
            multiple: formatMultiple(r.multiple),
            monthlyRate: formatRate(r.monthlyRate),
            yearlyRate: formatRate(r.yearlyRate),
            rating: r.rating
        })),
        text: rows => `${rows.length} rates`,
        formatted: () => ({}),
        status: rows => ['rates', { rates: rows.length }]
    },
    target: {
        call: args => core.planTarget(args),
        chart: () => null,
        table: p => {
            const rows = []
            if (p.required) {
                rows.push({ question: `Weekly rate to reach ${formatValue(p.target)} in ${p.weeks} weeks`, answer: `${formatRate(p.required.weeklyRate)} (${p.required.rating})` })
            }
            if (p.weeklyRate !== null) {
                rows.push({ question: `Weeks to reach ${formatValue(p.target)} at ${formatRate(p.weeklyRate)} a week`, answer: p.weeksToTarget === null ? 'never' : formatNumber(p.weeksToTarget) })
            }
            return rows
        },
        text: p => p.required ? `${formatRate(p.required.weeklyRate)} a week` : (p.weeksToTarget === null ? 'never' : `${formatNumber(p.weeksToTarget)} weeks`),
        formatted: p => ({
            requiredWeeklyRate: p.required ? formatRate(p.required.weeklyRate) : '–',
            requiredMonthlyRate: p.required ? formatRate(p.required.monthlyRate) : '–',
            requiredYearlyRate: p.required ? formatRate(p.required.yearlyRate) : '–',
            requiredRating: p.required ? p.required.rating : '–',
            weeksToTarget: p.weeksToTarget === null ? 'never' : formatNumber(p.weeksToTarget)
        }),
        status: p => p.required ? ['required', { rate: formatRate(p.required.weeklyRate) }] : p.weeksToTarget === null ? ['never'] : ['weeks', { weeks: formatNumber(p.weeksToTarget) }]
    }
}

module.exports = function (RED) {
    function GrowthCalculatorNode (config) {
        RED.nodes.createNode(this, config)
        const node = this
        const mode = MODES[config.mode] || MODES.project
        const property = config.property || 'payload'
        const series = config.series || 'projection'
        // Config gives the defaults; a msg can override any of them.
        const defaults = {
            start: configNumber(config.start),
            weeklyRatePercent: configNumber(config.weeklyRatePercent),
            weeks: configNumber(config.weeks),
            target: configNumber(config.target),
            weeklyRatesPercent: configRates(config.weeklyRatesPercent)
        }

        onInput(node, msg => {
            const given = RED.util.getMessageProperty(msg, property)
            const fromMsg = given && typeof given === 'object' && !Array.isArray(given) ? given : {}
            // A field left empty in a ui-form arrives as null: it means "use the default".
            const provided = Object.fromEntries(Object.entries(fromMsg).filter(([, v]) => v !== null && v !== undefined))
            const args = Object.assign({}, defaults, provided)
            // A fraction on the msg wins over the editor's percentage.
            if (provided.weeklyRate !== undefined && provided.weeklyRatePercent === undefined) delete args.weeklyRatePercent
            if (provided.weeklyRates !== undefined && provided.weeklyRatesPercent === undefined) delete args.weeklyRatesPercent
            for (const key of Object.keys(args)) if (args[key] === undefined) delete args[key]

            const result = mode.call(args)
            const chart = mode.chart(result, series)
            RED.util.setMessageProperty(msg, property, result)
            msg.formatted = mode.formatted(result)
            return [
                msg,
                chart && { topic: msg.topic, payload: chart, action: 'replace' },
                { topic: msg.topic, payload: mode.table(result) },
                { topic: msg.topic, payload: mode.text(result), formatted: msg.formatted }
            ]
        }, (msg, outputs) => {
            const [key, vars] = mode.status(RED.util.getMessageProperty(outputs[0], property))
            return RED._(`growth-calculator.status.${key}`, vars)
        })
    }
    RED.nodes.registerType('growth-calculator', GrowthCalculatorNode)
}
