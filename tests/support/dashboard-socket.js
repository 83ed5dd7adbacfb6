// What the dashboard's socket delivers to the page, per widget: Dashboard 2.0 sends chart
// data over socket.io ('widget-load:<id>' on page load, 'msg-input:<id>' after), so reading
// those frames tells exactly which series and points each chart received.

/** Records chart messages per widget id; returns {points(id)} → [{series, x, y}]. */
function recordWidgetData (page) {
    const byWidget = new Map()
    // The stored messages of a widget-load each carry the action they came with; only a
    // live message replaces what the chart holds.
    const add = (id, msg, live) => {
        if (!msg || typeof msg !== 'object') return
        const list = byWidget.get(id) || []
        if (live && msg.action === 'replace') list.length = 0
        const payload = Array.isArray(msg.payload) ? msg.payload : [msg.payload]
        list.push(...payload.filter(p => p && typeof p === 'object'))
        byWidget.set(id, list)
    }
    const packet = text => {
        const match = /^\d+(\[.*)$/s.exec(text)
        if (!match) return
        let event
        try { event = JSON.parse(match[1]) } catch (_) { return }
        const [name, data] = event
        if (typeof name !== 'string') return
        const [kind, id] = name.split(/:(.*)/s)
        if (kind === 'msg-input') add(id, data, true)
        if (kind === 'widget-load') {
            byWidget.delete(id)
            for (const m of Array.isArray(data) ? data : [data]) add(id, m, false)
        }
    }
    page.on('websocket', ws => {
        ws.on('framereceived', ({ payload }) => packet(typeof payload === 'string' ? payload : payload.toString()))
    })
    // socket.io starts on HTTP long-polling and upgrades to a websocket when it can; on a
    // busy machine the first events can come over polling, in packets joined by \x1e.
    page.on('response', async res => {
        if (!/socket\.io\/.*transport=polling/.test(res.url()) || res.request().method() !== 'GET') return
        let body
        try { body = await res.text() } catch (_) { return }
        for (const part of body.split('\x1e')) packet(part)
    })
    return {
        points: id => byWidget.get(id) || [],
        series: id => [...new Set((byWidget.get(id) || []).map(p => p.series))].sort()
    }
}

module.exports = { recordWidgetData }
