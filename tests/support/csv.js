// CSV as the dashboard's download buttons give it: read back cell by cell, to compare with
// the JSON API.
const fs = require('node:fs')

/** RFC 4180 CSV into rows of cells: quoted cells may hold commas, newlines and doubled quotes. */
function parseCsv (text) {
    const rows = []
    let row = []
    let cell = ''
    let quoted = false
    for (let i = 0; i < text.length; i++) {
        const c = text[i]
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
            else cell += c
        } else if (c === '"') quoted = true
        else if (c === ',') { row.push(cell); cell = '' } else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i++
            row.push(cell)
            rows.push(row)
            row = []
            cell = ''
        } else cell += c
    }
    if (cell !== '' || row.length) { row.push(cell); rows.push(row) }
    return rows
}

/** Clicks a download link and resolves with the downloaded file's text. */
async function download (page, link) {
    const started = page.waitForEvent('download')
    await link.click()
    return fs.readFileSync(await (await started).path(), 'utf8')
}

module.exports = { parseCsv, download }
