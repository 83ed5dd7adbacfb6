// A growth target as the overview's form sends it, checked before the core sees it. Errors
// name the field, as the core's do.
const DAY = /^\d{4}-\d{2}-\d{2}$/

const fail = (field, message) => { throw Object.assign(new Error(`${field}: ${message}`), { field }) }

/**
 * @param {{metric: string, value: number|string|null, date: string}} payload value empty removes the target
 * @param {string[]} known the overview's metrics
 * @returns {{metric: string, remove: true}|{metric: string, value: number, date: string}}
 */
function checkTarget (payload, known) {
    if (!payload || typeof payload !== 'object') fail('payload', 'must be {metric, value, date}')
    const metric = typeof payload.metric === 'string' ? payload.metric.trim() : ''
    if (!metric) fail('metric', 'is required')
    if (!known.includes(metric)) fail('metric', `${JSON.stringify(metric)} is not one of the overview's metrics`)
    if (payload.value === null || payload.value === undefined || payload.value === '') return { metric, remove: true }
    const value = typeof payload.value === 'string' && /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(payload.value) ? Number(payload.value) : payload.value
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail('value', `must be a number above 0, got ${JSON.stringify(payload.value)}`)
    const date = typeof payload.date === 'string' ? payload.date.trim().slice(0, 10) : ''
    if (!DAY.test(date) || Number.isNaN(Date.parse(date))) fail('date', `must be a date (YYYY-MM-DD), got ${JSON.stringify(payload.date)}`)
    return { metric, value, date }
}

module.exports = { checkTarget }
