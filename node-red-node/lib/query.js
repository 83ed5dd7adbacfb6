// The query string of an `/api/…` request, checked before any work. It comes from anyone who
// can reach the server, so every parameter must be one the endpoint takes, given once,
// short, and of its kind; `asOf` is at most tomorrow (UTC), as for pings, so a report stays
// the size of the history (`asOf=2125-01-01` asked for 36,000 days of it).

/** The parameters an endpoint may take. */
const PARAMETERS = ['asOf', 'format']
const FORMATS = ['json', 'csv']
/** Longer than any value a parameter takes: refused without being read. */
const MAX_VALUE = 64
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

const fail = (field, message) => { throw Object.assign(new Error(`${field}: ${message}`), { field }) }
/** A text as an error shows it: at most 64 characters. */
const shown = text => JSON.stringify([...text].length > MAX_VALUE ? [...text].slice(0, MAX_VALUE).join('') + '…' : text)

/** `YYYY-MM-DD` of a real day, or null. */
function day (text) {
    const m = DAY.exec(text)
    if (!m) return null
    const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    return t.toISOString().slice(0, 10) === text ? t : null
}

/**
 * @param {object} query as Express parses it (strings; arrays when repeated; objects for a[b]=)
 * @param {string[]} allowed the parameters this endpoint takes
 * @param {string} today `YYYY-MM-DD` (the core never reads the clock, nor does this)
 * @returns {{asOf?: string, format: 'json'|'csv'}}
 */
function checkQuery (query, allowed, today) {
    const out = { format: 'json' }
    for (const [name, value] of Object.entries(query || {})) {
        if (!allowed.includes(name)) fail([...name].slice(0, MAX_VALUE).join(''), `is not a parameter here (it takes ${allowed.length ? allowed.join(', ') : 'none'})`)
        if (Array.isArray(value)) fail(name, 'must be given once')
        if (typeof value !== 'string') fail(name, 'must be text')
        if ([...value].length > MAX_VALUE) fail(name, `must be at most ${MAX_VALUE} characters`)
        if (name === 'asOf') {
            const asked = day(value.trim())
            if (!asked) fail('asOf', `must be a date (YYYY-MM-DD), got ${shown(value)}`)
            const latest = new Date(day(today).getTime() + 86400000).toISOString().slice(0, 10)
            const date = asked.toISOString().slice(0, 10)
            if (date > latest) fail('asOf', `must be at most tomorrow (${latest}), got ${date}`)
            out.asOf = date
        } else if (name === 'format') {
            if (!FORMATS.includes(value)) fail('format', `must be json or csv, got ${shown(value)}`)
            out.format = value
        }
    }
    return out
}

module.exports = { checkQuery, PARAMETERS }
