// node-red-node-test-helper hands nodes a RED._ that returns the key it is given; the nodes'
// English is in their locales/en-US/<node>.json. `localised(node)` loads a node module with a
// RED._ that reads those files through i18next set up as Node-RED sets it up (`__name__`
// interpolation, no escaping), so a spec sees the text a user sees.
const fs = require('node:fs')
const path = require('node:path')
const i18next = require('i18next')

const LOCALES = path.resolve(__dirname, '../../node-red-node/nodes/locales/en-US')

/** Every node's messages, in one namespace: their keys start with the node's name. */
function catalog () {
    const messages = {}
    for (const file of fs.readdirSync(LOCALES).filter(f => f.endsWith('.json'))) {
        Object.assign(messages, JSON.parse(fs.readFileSync(path.join(LOCALES, file), 'utf8')))
    }
    return messages
}

const i18n = i18next.createInstance()
i18n.init({
    lng: 'en-US',
    fallbackLng: 'en-US',
    initAsync: false,
    resources: { 'en-US': { nodes: catalog() } },
    ns: ['nodes'],
    defaultNS: 'nodes',
    keySeparator: '.',
    nsSeparator: ':',
    showSupportNotice: false,
    interpolation: { unescapeSuffix: 'HTML', escapeValue: false, prefix: '__', suffix: '__' }
})

/** The English for a key such as `installations.status.installs`; throws on a missing key. */
function english (key, vars) {
    if (!i18n.exists(key)) throw new Error(`no English for ${key} in ${LOCALES}`)
    return i18n.t(key, vars)
}

/** A node module (RED => void) whose RED._ gives the English text. */
function localised (nodeModule) {
    const wrapped = RED => nodeModule(Object.create(RED, { _: { value: english } }))
    return Object.assign(wrapped, nodeModule)
}

module.exports = { localised, english }
