// A stand-in for FlowFuse's admin API on 127.0.0.1, serving the admin stats captured from a
// FlowFuse 2.4.0 install (../shared/fixtures); `answer` decides each response.
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const adminStats = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../shared/fixtures/admin-stats-ce.json'), 'utf8'))

function fakePlatform () {
    const requests = []
    let respond = () => [200, adminStats]
    const server = http.createServer((req, res) => {
        requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization })
        const [status, body] = respond(req)
        res.writeHead(status, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(body))
    })
    return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        answer (fn) { respond = fn },
        close: () => new Promise(r => server.close(r))
    })))
}

module.exports = { fakePlatform, adminStats }
