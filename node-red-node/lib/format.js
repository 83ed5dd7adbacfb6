// Text for people: numbers the core computed, formatted for a dashboard label. Formatting
// only: no value is derived here.
const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })
const share = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const upToCents = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })

function formatNumber (x) {
    return typeof x === 'number' ? number.format(x) : '–'
}

/** A rate given as a fraction (0.05) shown as a percentage (+5.00%). */
function formatRate (x) {
    return typeof x === 'number' ? percent.format(x) : '–'
}

/** A share of a whole given as a fraction (0.25) shown as a percentage without a sign (25.00%). */
function formatShare (x) {
    return typeof x === 'number' ? share.format(x) : '–'
}

/** A change of a share (0.12 → 0.15 is 0.03) in percentage points: +3.00 pp (0 has no sign). */
function formatPoints (x) {
    return typeof x === 'number' ? percent.format(x).replace('%', ' pp') : '–'
}

/** A metric value: whole numbers without decimals, others to the cent. */
function formatValue (x) {
    return typeof x === 'number' ? upToCents.format(x) : '–'
}

/** A change, with its sign: +6, −3 (0 has none). */
function formatSigned (x) {
    return typeof x === 'number' ? (x > 0 ? '+' : '') + upToCents.format(x) : '–'
}

function formatMultiple (x) {
    return typeof x === 'number' ? '×' + number.format(x) : '–'
}

/** A count for a status or a log line: 1,234,567. */
function grouped (n) {
    return Number(n).toLocaleString('en-US')
}

/** A size in bytes for a status or a log line: 3.4 MB, 35 MB. */
function megabytes (bytes) {
    return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`
}

module.exports = { formatNumber, formatRate, formatShare, formatPoints, formatSigned, formatValue, formatMultiple, grouped, megabytes }
