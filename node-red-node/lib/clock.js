// The core never reads the clock: the nodes decide what "now" and "today" are, here.

/** Today's UTC date, `YYYY-MM-DD`. */
function today () {
    return new Date().toISOString().slice(0, 10)
}

module.exports = { today }
