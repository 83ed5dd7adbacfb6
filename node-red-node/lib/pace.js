// How often a node may do something that costs more than the event that asks for it: a status
// of progress, a dashboard refresh.

/** Calls `fn` at most every `ms`, the first call at once; calls in between are dropped
 * (progress on a node's status, where only the latest figure matters). */
function throttle (fn, ms) {
    let last = 0
    return (...args) => {
        const now = Date.now()
        if (now - last < ms) return
        last = now
        fn(...args)
    }
}

/** Runs `fn` at most once every `ms`: a request while a run is due joins it; the first after
 * a quiet spell runs at once. Nothing runs after stop(). */
function paced (fn, ms) {
    let timer = null
    let last = 0
    let stopped = false
    return {
        request () {
            if (timer || stopped) return
            timer = setTimeout(() => {
                timer = null
                last = Date.now()
                fn()
            }, Math.max(0, last + ms - Date.now()))
        },
        stop () {
            stopped = true
            clearTimeout(timer)
            timer = null
        }
    }
}

/**
 * A node's status at a steady pace: making one (RED._ for its text) costs more than a ping, so
 * a success status that follows another is shown at most every `ms`, the latest of those in
 * between when the time is up. Any other status the node shows (a red one, progress) is shown
 * at once and drops the one waiting, and the first success after it is shown at once too, so
 * the status left showing is always the last asked for and a change of state is never late.
 */
function pacedStatus (node, ms = 1000) {
    let last = 0
    let timer = null
    let waiting = null
    let ours = false // the status showing is a success status of this pace
    const stop = () => {
        clearTimeout(timer)
        timer = null
        waiting = null
    }
    const status = node.status
    const show = s => {
        last = Date.now()
        ours = true
        status.call(node, s)
    }
    const other = s => {
        stop()
        ours = false
        status.call(node, s)
    }
    // What the node's own status was (a test helper's spy, with its record of calls) stays
    // readable through the wrapper.
    Object.setPrototypeOf(other, status)
    node.status = other
    node.on('close', stop)
    /** `make` returns the status; it is called only when the status is shown. */
    return function set (make) {
        waiting = make
        if (timer) return
        const wait = ours ? last + ms - Date.now() : 0
        if (wait <= 0) {
            waiting = null
            return show(make())
        }
        timer = setTimeout(() => {
            const latest = waiting
            timer = null
            waiting = null
            if (latest) show(latest())
        }, wait)
        if (timer.unref) timer.unref()
    }
}

module.exports = { throttle, paced, pacedStatus }
