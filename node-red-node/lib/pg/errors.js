// A database error as FlowFuse's collector answers it.

const SERVICE_UNAVAILABLE = 'Error: the pings database is unavailable, try again later'

/**
 * Turns a database error into one a collector can answer with: `statusCode` and `body`
 * (`{status: 'error', error}`, FlowFuse's collector's shape). The body never carries the
 * driver's message, which names hosts and tables; `message` does, for the log.
 */
function collectorError (err) {
    const code = typeof err.code === 'string' ? err.code : ''
    let statusCode = 503
    let error = SERVICE_UNAVAILABLE
    if (err.statusCode) {
        statusCode = err.statusCode
        error = err.body ? err.body.error : `Error: ${err.message}`
    } else if (/^2[23]/.test(code)) {
        // Data exception or integrity violation: this ping cannot be stored as sent.
        statusCode = 400
        error = `Error: ${err.message}`
    } else if (/^42/.test(code)) {
        // A missing table or column, no privilege: the configuration, not the sender.
        statusCode = 500
        error = 'Error: the pings table cannot be written'
    }
    return Object.assign(new Error(err.message), {
        statusCode,
        body: { status: 'error', error },
        field: err.field,
        cause: err
    })
}

module.exports = { SERVICE_UNAVAILABLE, collectorError }
