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

module.exports = { throttle, paced }
