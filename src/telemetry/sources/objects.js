// Packs a chunk of a JavaScript array of pings for the core (objects.rs reads the pack), so
// that pings cross into WebAssembly without a JSON.stringify of every one of them.
//
// It is a conservative fast pass, and it decides nothing about validity: it walks each ping
// in Object.keys order (the order JSON.stringify writes) and writes its values as they are
// (strings to a string table, numbers as their 64 bits, the structure as ops), and marks as
// "odd" any ping it is not sure JSON.stringify would write as plain JSON of the same values
// (anything not a plain object, getters aside; undefined, functions, symbols, bigints;
// strings that are not well-formed UTF-16; keys holding control characters or a reserved
// name; deep nesting; arrays holding anything but strings, numbers, booleans and null).
// Odd pings are read by the core from their JSON text, as every ping was before.
//
// Keys are not sent one by one: each distinct path of keys is a node of a trie (node 0 is the
// ping itself; `nodes` holds each node's parent and its key's index in the string table), so
// the core resolves what a path means once a chunk, not once a ping. The ops, one Uint32
// each (node: the trie node of the value's path):
//   PING  (length << 4) | (odd << 3) | 7, then `length` ops: the ping's values, in order
//   OBJ   node << 3 | 0, then the object's values
//   STR   node << 3 | 2, then the string's index
//   NUM   node << 3 | 3, then the number's 64 bits, low word first
//   BOOL  node << 3 | 4;  NULL  node << 3 | 5;  ARRAY  node << 3 | 6
// The strings are one UTF-8 text, each followed by a NUL (so one check of the whole text
// finds a lone surrogate in any of them), and `ends` holds where each ends.
//
// It runs once a ping for a million pings: hence the module-level buffers, and the caches
// by "slot" (the n-th key or string of a ping) that skip the trie's maps and the string
// table for what repeats from one ping to the next.
'use strict'

const MAX_DEPTH = 12
// What the ops' fields hold: a node or a string index below 2^28, a ping's length below 2^27
// (the ops have room for 29 and 28 bits).
const MAX_INDEX = 1 << 28
const MAX_LENGTH = 1 << 27
const ODD = 8 | 7
const OBJ = 0
const STR = 2
const NUM = 3
const BOOL = 4
const NULL = 5
const ARRAY = 6
const encoder = new TextEncoder()
const float = new Float64Array(1)
const words = new Uint32Array(float.buffer)
const wellFormed = typeof ''.isWellFormed === 'function' ? s => s.isWellFormed() : s => !/[\ud800-\udfff]/.test(s)
const BAD_KEY = /[\u0000-\u001f\u007f]|__proto__|constructor|prototype/
const ObjectProto = Object.prototype
const ArrayProto = Array.prototype
const getProto = Object.getPrototypeOf

let ops = new Uint32Array(1 << 16)
let at = 0
let strings = []
let children = [] // per node, key -> child node (-1: a key the pass is not sure of)
let nodes = [] // per node, parent and key index
let slot = 0
let slotKeys = []
let slotParents = []
let slotNodes = []
let slotValues = []
let slotIds = []
let checkEach = false
let shapes = new Map()

function grow () {
    const bigger = new Uint32Array(ops.length * 2)
    bigger.set(ops)
    ops = bigger
}

// The slot caches of the pings whose first key is `k` (a history mixes shapes: nested
// bodies and flat rows, each repeating).
function shape (k) {
    let c = shapes.get(k)
    if (c === undefined) {
        c = { keys: [], parents: [], nodes: [], values: [], ids: [] }
        shapes.set(k, c)
    }
    slotKeys = c.keys
    slotParents = c.parents
    slotNodes = c.nodes
    slotValues = c.values
    slotIds = c.ids
}

function child (parent, k) {
    const map = children[parent]
    let id = map.get(k)
    if (id === undefined) {
        if (wellFormed(k) && !BAD_KEY.test(k) && children.length < MAX_INDEX && strings.length < MAX_INDEX) {
            id = children.length
            children.push(new Map())
            nodes.push(parent, strings.push(k) - 1)
        } else {
            id = -1
        }
        map.set(k, id)
    }
    return id
}

// The values of a plain object below trie node `parent`; false when the pass is not sure
// of the ping.
function members (o, parent, depth) {
    for (const k in o) {
        const s = slot++
        if (s === 0) shape(k)
        let id
        if (slotKeys[s] === k && slotParents[s] === parent) {
            id = slotNodes[s]
        } else {
            id = child(parent, k)
            slotKeys[s] = k
            slotParents[s] = parent
            slotNodes[s] = id
        }
        if (id < 0) return false
        const v = o[k]
        if (at + 3 > ops.length) grow()
        switch (typeof v) {
        case 'string': {
            let sid
            if (slotValues[s] === v) {
                sid = slotIds[s]
            } else {
                if ((checkEach && !wellFormed(v)) || strings.length >= MAX_INDEX) return false
                sid = strings.push(v) - 1
                slotValues[s] = v
                slotIds[s] = sid
            }
            ops[at++] = id << 3 | STR
            ops[at++] = sid
            break
        }
        case 'number':
            float[0] = v
            ops[at++] = id << 3 | NUM
            ops[at++] = words[0]
            ops[at++] = words[1]
            break
        case 'boolean':
            ops[at++] = id << 3 | BOOL
            break
        case 'object':
            if (v === null) {
                ops[at++] = id << 3 | NULL
            } else if (Array.isArray(v)) {
                if (!plainArray(v)) return false
                ops[at++] = id << 3 | ARRAY
            } else {
                if (depth >= MAX_DEPTH) return false
                const proto = getProto(v)
                if ((proto !== ObjectProto && proto !== null) || hasToJSON(v)) return false
                ops[at++] = id << 3 | OBJ
                if (!members(v, id, depth + 1)) return false
            }
            break
        default: // undefined, function, symbol, bigint
            return false
        }
    }
    return true
}

// JSON.stringify writes what a value's toJSON method gives, one it cannot enumerate too.
function hasToJSON (v) {
    return typeof v.toJSON === 'function'
}

function plainArray (a) {
    if (getProto(a) !== ArrayProto || hasToJSON(a)) return false
    for (let i = 0; i < a.length; i++) {
        const v = a[i]
        const t = typeof v
        if (t === 'number' || t === 'boolean' || v === null) continue
        if (t !== 'string' || !wellFormed(v)) return false // holes read as undefined
    }
    return true
}

// Packs one ping; false when it is odd.
function ping (p) {
    const start = at
    if (at === ops.length) grow()
    at++
    slot = 0
    let sure = false
    if (typeof p === 'object' && p !== null) {
        const proto = getProto(p)
        if (proto === ObjectProto || proto === null) {
            try {
                sure = !hasToJSON(p) && members(p, 0, 0)
            } catch (e) { // a getter that throws: JSON.stringify will say so
                sure = false
            }
        }
    }
    if (sure && at - start - 1 < MAX_LENGTH) {
        ops[start] = ((at - start - 1) << 4) | 7
        return true
    }
    at = start + 1
    ops[start] = ODD
    return false
}

// A prototype's toJSON changes what JSON.stringify writes of every value of its kind, and
// an enumerable property of Object.prototype would show in every for-in.
function patched () {
    for (const c of [Object, Array, String, Number, Boolean]) if (c.prototype.toJSON !== undefined) return true
    for (const k in ObjectProto) return k !== undefined
    return false
}

// Packs the pings `start..end`; the indexes of the odd ones.
function walk (pings, start, end) {
    at = 0
    strings = []
    children = [new Map()]
    nodes = [0, 0]
    shapes = new Map()
    const odd = []
    for (let i = start; i < end; i++) {
        if (!ping(pings[i])) odd.push(i)
    }
    return odd
}

// The pings `start..end` of `pings` packed: `[ops, bytes, ends, nodes, odd]`, where `odd`
// is null when every ping was packed, else the JSON.stringify text of the chunk with its
// packed pings as null (or false if it threw), which tells the core what the text path made
// of the odd ones. `null` when the pass cannot be sure of anything.
function packPings (pings, start, end) {
    if (patched()) return null
    checkEach = false
    let oddOnes = walk(pings, start, end)
    // One check that no string holds a lone surrogate (the NUL after each keeps two strings
    // from pairing one); if one does, the walk is done again checking each.
    let joined = strings.join('\u0000') + '\u0000'
    if (!wellFormed(joined)) {
        checkEach = true
        oddOnes = walk(pings, start, end)
        joined = strings.join('\u0000') + '\u0000'
    }
    const ends = new Uint32Array(strings.length)
    let bytes = encoder.encode(joined)
    if (bytes.length === joined.length) { // ASCII: UTF-16 and UTF-8 lengths agree
        let to = 0
        for (let i = 0; i < strings.length; i++) {
            ends[i] = to += strings[i].length
            to++
        }
    } else {
        const out = new Uint8Array(joined.length * 3)
        let to = 0
        for (let i = 0; i < strings.length; i++) {
            ends[i] = to += encoder.encodeInto(strings[i], out.subarray(to)).written
            to++ // the NUL, already there
        }
        bytes = out.subarray(0, to)
    }
    let odd = null
    if (oddOnes.length > 0) {
        const only = new Array(end - start).fill(null)
        for (const i of oddOnes) only[i - start] = pings[i]
        try {
            odd = JSON.stringify(only)
        } catch (e) {
            odd = false
        }
    }
    return [ops.subarray(0, at), bytes, ends, Uint32Array.from(nodes), odd]
}

module.exports = { packPings }
