const assert = require('node:assert/strict')
const helper = require('node-red-node-test-helper')
const { localised } = require('../../tests/support/locales')
const { checkQuery } = require('../lib/query')
const apiQuery = localised(require('../nodes/api-query.js'))

helper.init(require.resolve('node-red'))

const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'q', z: 'f1', type: 'api-query', asOf: true, format: true, wires: [['checked'], ['refused']] },
    { id: 'checked', z: 'f1', type: 'helper' },
    { id: 'refused', z: 'f1', type: 'helper' }
]

const next = name => new Promise(resolve => helper.getNode(name).once('input', resolve))
const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10)

describe('api-query node', function () {
    before(() => helper.startServer())
    after(() => helper.stopServer())
    beforeEach(() => helper.load(apiQuery, flow))
    afterEach(() => helper.unload())

    it('passes a good query on with msg.asOf and msg.format', async function () {
        const got = next('checked')
        helper.getNode('q').receive({ req: { query: { asOf: '2026-02-28', format: 'csv' } }, res: {} })
        const msg = await got
        assert.equal(msg.asOf, '2026-02-28')
        assert.equal(msg.format, 'csv')
        const plain = next('checked')
        helper.getNode('q').receive({ req: { query: {} }, res: {} })
        const m = await plain
        assert.equal(m.asOf, undefined)
        assert.equal(m.format, 'json')
    })

    it('answers each kind of bad value with 400 naming the parameter, at once', async function () {
        for (const [query, error] of [
            [{ asOf: 'garbage' }, 'asOf: must be a date (YYYY-MM-DD), got "garbage"'],
            [{ asOf: '2026-02-30' }, 'asOf: must be a date (YYYY-MM-DD), got "2026-02-30"'],
            [{ asOf: '2125-01-01' }, `asOf: must be at most tomorrow (${tomorrow}), got 2125-01-01`],
            [{ asOf: ['2026-01-01', '2026-01-02'] }, 'asOf: must be given once'],
            [{ asOf: { $gt: '' } }, 'asOf: must be text'],
            [{ asOf: '2'.repeat(65) }, 'asOf: must be at most 64 characters'],
            [{ format: 'xml' }, 'format: must be json or csv, got "xml"'],
            [{ limit: '5' }, 'limit: is not a parameter here (it takes asOf, format)']
        ]) {
            const got = next('refused')
            const res = { marker: 1 }
            helper.getNode('q').receive({ req: { query }, res })
            const msg = await got
            assert.equal(msg.statusCode, 400, JSON.stringify(query))
            assert.deepEqual(msg.payload, { status: 'error', error })
            assert.equal(msg.res, res, 'the response goes with it')
        }
    })

    it('takes only the parameters ticked', function () {
        assert.throws(() => checkQuery({ format: 'csv' }, ['asOf'], '2026-12-03'), { message: 'format: is not a parameter here (it takes asOf)', field: 'format' })
        assert.deepEqual(checkQuery({ asOf: '2026-12-04' }, ['asOf'], '2026-12-03'), { format: 'json', asOf: '2026-12-04' })
        assert.throws(() => checkQuery({ asOf: '2026-12-05' }, ['asOf'], '2026-12-03'), { field: 'asOf' })
    })
})
