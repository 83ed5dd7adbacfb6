#!/usr/bin/env node
// Writes generated demo pings as an NDJSON raw log, part by part (ten million pings are
// 4.5 GB, more than one string holds): `node bench/demo-log.js <file> <options JSON> [pings]`.
// With `pings`, the log is cut after exactly that many lines. Written to a temporary name
// and renamed, so an interrupted run never leaves a cached log that is short.
const fs = require('node:fs')
const path = require('node:path')
const core = require(path.join(__dirname, '..', 'pkg'))

const [file, options, limit] = process.argv.slice(2)
const wanted = Number(limit) || Infinity
const partial = `${file}.${process.pid}.partial`
const fd = fs.openSync(partial, 'w')
let lines = 0
core.demoPingsNdjsonEach(JSON.parse(options), text => {
    if (lines >= wanted) return
    let part = Buffer.from(text)
    let newlines = 0
    for (let at = part.indexOf(10); at !== -1; at = part.indexOf(10, at + 1)) {
        if (lines + ++newlines === wanted) {
            part = part.subarray(0, at + 1)
            break
        }
    }
    fs.writeSync(fd, part)
    lines += newlines
})
fs.closeSync(fd)
if (lines < wanted && wanted !== Infinity) {
    fs.rmSync(partial)
    throw new Error(`the generator made ${lines} pings, fewer than the ${wanted} asked for: ask for more installs`)
}
fs.renameSync(partial, file)
