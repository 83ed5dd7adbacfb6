// The meta-snapshot node's Formulas setting: one `name = a / b` a line (blank lines and
// lines starting with `#` aside), read into the `formulas` option of the core's report and
// metric. The core reads `a / b` and says what is wrong with it; this only splits the lines,
// so a bad line's error names both the line and the core's field (`formulas.<name>`).
const core = require('./core')

/**
 * @param {string} [text] the setting
 * @returns {{formulas: {[name: string]: string}, errors: Error[]}} the lines that read well,
 *   and one error (with `field` and `line`) for each that does not
 */
function readFormulas (text) {
    const formulas = {}
    const errors = []
    const lines = String(text || '').split(/\r?\n/)
    lines.forEach((raw, i) => {
        const line = raw.trim()
        if (!line || line.startsWith('#')) return
        const refuse = (field, message) => errors.push(Object.assign(new Error(`${field}: ${message} (line ${i + 1})`), { field, line: i + 1 }))
        const eq = line.indexOf('=')
        if (eq < 0) return refuse('formulas', `must be "name = a / b", got ${JSON.stringify(line)}`)
        const name = line.slice(0, eq).trim()
        const formula = line.slice(eq + 1).trim()
        if (Object.prototype.hasOwnProperty.call(formulas, name)) return refuse(`formulas.${name}`, 'is set twice')
        try {
            // The core's own check, on an empty history: the same words the report would use.
            new core.SnapshotHistory(null).report({ formulas: { [name]: formula } })
        } catch (err) {
            const field = err.field || `formulas.${name}`
            const message = String(err.message)
            return refuse(field, message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message)
        }
        formulas[name] = formula
    })
    return { formulas, errors }
}

module.exports = { readFormulas }
