// Text for people: numbers the core computed, formatted for a dashboard label. Formatting
// only: no value is derived here.
const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })
const upToCents = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })

function formatNumber (x) {
    return typeof x === 'number' ? number.format(x) : '–'
}

/** A rate given as a fraction (0.05) shown as a percentage (+5.00%). */
function formatRate (x) {
    return typeof x === 'number' ? percent.format(x) : '–'
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

module.exports = { formatNumber, formatRate, formatSigned, formatValue, formatMultiple }
