// A segment of the installs (DESIGN.md, "Segments"): a dimension and one of its values, as
// the installations node's setting or msg.segment gives it. The core checks the names.
const DIMENSIONS = ['license', 'driver', 'os', 'version']
/** The installations report's day map of each dimension's counts. */
const DAY_MAPS = { license: 'byLicense', driver: 'byDriver', os: 'byOs', version: 'byVersion' }
/** How the page and the node's settings name a dimension. */
const LABELS = { license: 'licence', driver: 'driver', os: 'OS', version: 'version' }

const fail = message => { throw Object.assign(new Error(`segment: ${message}`), { field: 'segment' }) }

/**
 * `{dimension, value}`, or the text `license=EE` (the setting, a dropdown's value); empty,
 * null or `all` for every install.
 * @returns {{dimension: string, value: string}|null}
 */
function segmentOf (given) {
    if (given === undefined || given === null || given === '' || given === 'all') return null
    if (typeof given === 'string') {
        const at = given.indexOf('=')
        if (at < 1 || at === given.length - 1) fail(`must be dimension=value (e.g. license=EE), got ${JSON.stringify(given.slice(0, 64))}`)
        return { dimension: given.slice(0, at).trim(), value: given.slice(at + 1).trim() }
    }
    if (typeof given === 'object' && typeof given.dimension === 'string' && typeof given.value === 'string') return { dimension: given.dimension, value: given.value }
    fail('must be {dimension, value} or dimension=value')
}

/** The text a segment is shown as: "All installs", "licence EE". */
function segmentLabel (segment) {
    return segment ? `${LABELS[segment.dimension] || segment.dimension} ${segment.value}` : 'All installs'
}

/** A dropdown's choices from the whole ledger's last day: every install, then each value of
 * each dimension active that day (the core's names and counts). */
function segmentChoices (day) {
    const choices = [{ label: 'All installs', value: '' }]
    for (const dimension of DIMENSIONS) {
        for (const [value, n] of Object.entries((day && day[DAY_MAPS[dimension]]) || {})) {
            if (n > 0) choices.push({ label: `${segmentLabel({ dimension, value })} (${n})`, value: `${dimension}=${value}` })
        }
    }
    return choices
}

module.exports = { segmentOf, segmentLabel, segmentChoices, DAY_MAPS }
