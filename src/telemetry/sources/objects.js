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
// The ops, one Uint32 each (key: the string-table index of the key):
//   PING  (length << 4) | (odd << 3) | 7, then `length` ops: the ping's members and an END
//   OBJ   key << 3 | 0, then the object's members and an END
//   END   1
//   STR   key << 3 | 2, then the string's index
//   NUM   key << 3 | 3, then the number's 64 bits, low word first
//   BOOL  key << 3 | 4;  NULL  key << 3 | 5;  ARRAY  key << 3 | 6
// The strings are one UTF-8 text, each followed by a NUL (so one check of the whole text
// finds a lone surrogate in any of them), and `ends` holds where each ends.
//
// It runs once a ping for a million pings: hence the module-level buffers, and the caches
// by "slot" (the n-th key or string of a ping) that skip the key map and the string table
// for what repeats from one ping to the next.
'use strict'

const MAX_DEPTH = 12
const MAX_STRINGS = 1 << 28
const MAX_LENGTH = 1 << 27
const ODD = 8 | 7
const OBJ = 0, END = 1, STR = 2, NUM = 3, BOOL = 4, NULL = 5, ARRAY = 6
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
let keys = new Map()
let slotValues = []
let slotIds = []
let slot = 0
let slotKeys = []
let slotKeyIds = []
let checkEach = false

function grow () {
    const bigger = new Uint32Array(ops.length * 2)
    bigger.set(ops)
    ops = bigger
}

function key (k) {
    let id = keys.get(k)
    if (id === undefined) {
        id = wellFormed(k) && !BAD_KEY.test(k) && strings.length < MAX_STRINGS ? strings.push(k) - 1 : -1
        keys.set(k, id)
    }
    return id
}

function members (o, depth) {
    for (const k in o) {
        const ks = slot++
        let id
        if (slotKeys[ks] === k) id = slotKeyIds[ks]
        else {
            id = key(k)
            slotKeys[ks] = k
            slotKeyIds[ks] = id
        }
        if (id < 0) return false
        const v = o[k]
        if (at + 3 > ops.length) grow()
        switch (typeof v) {
        case 'string': {
            const s = slot++
            let sid
            if (slotValues[s] === v) sid = slotIds[s]
            else {
                if ((checkEach && !wellFormed(v)) || strings.length >= MAX_STRINGS) return false
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
                if (proto !== ObjectProto && proto !== null) return false
                ops[at++] = id << 3 | OBJ
                if (!members(v, depth + 1)) return false
                if (at === ops.length) grow()
                ops[at++] = END
            }
            break
        default:
            return false
        }
    }
    return true
}

function plainArray (a) {
    if (getProto(a) !== ArrayProto) return false
    for (let i = 0; i < a.length; i++) {
        const v = a[i]
        const t = typeof v
        if (t === 'number' || t === 'boolean' || v === null) continue
        if (t !== 'string' || !wellFormed(v)) return false
    }
    return true
}

// false: odd
function ping (p) {
    const start = at
    if (at === ops.length) grow()
    at++
    slot = 0
    let sure = false
    if (typeof p === 'object' && p !== null) {
        const proto = getProto(p)
        if (proto === ObjectProto || proto === null) {
            try { sure = members(p, 0) } catch (e) { sure = false }
        }
    }
    if (sure && at - start < MAX_LENGTH) {
        if (at === ops.length) grow()
        ops[at++] = END
        ops[start] = ((at - start - 1) << 4) | 7
        return true
    }
    at = start + 1
    ops[start] = ODD
    return false
}

function patched () {
    for (const c of [Object, Array, String, Number, Boolean]) if (c.prototype.toJSON !== undefined) return true
    for (const k in ObjectProto) return true // eslint-disable-line no-unreachable-loop
    return false
}

function walk (pings, start, end, marks) {
    at = 0
    strings = []
    keys = new Map()
    slotValues = []
    slotIds = []
    slotKeys = []
    slotKeyIds = []
    let odd = 0
    for (let i = start; i < end; i++) {
        if (!ping(pings[i])) { odd++; if (marks) marks.push(i) } 
    }
    return odd
}

function packPings (pings, start, end) {
    if (patched()) return null
    checkEach = false
    let oddOnes = []
    walk(pings, start, end, oddOnes)
    // The strings with a NUL after each: one check that none holds a lone surrogate (the NUL
    // keeps two strings from pairing one).
    let joined = strings.join('\u0000')
    if (!wellFormed(joined)) {
        checkEach = true
        oddOnes = []
        walk(pings, start, end, oddOnes)
        joined = strings.join('\u0000')
    }
    const ends = new Uint32Array(strings.length)
    let bytes = encoder.encode(joined)
    if (bytes.length === joined.length) {
        let to = 0
        for (let i = 0; i < strings.length; i++) { ends[i] = to += strings[i].length; to++ }
    } else {
        const out = new Uint8Array(joined.length * 3 + 1)
        let to = 0
        for (let i = 0; i < strings.length; i++) { ends[i] = to += encoder.encodeInto(strings[i], out.subarray(to)).written; to++ }
        bytes = out.subarray(0, to)
    }
    let odd = null
    if (oddOnes.length > 0) {
        const only = new Array(end - start).fill(null)
        for (const i of oddOnes) only[i - start] = pings[i]
        try { odd = JSON.stringify(only) } catch (e) { odd = false }
    }
    return [ops.slice(0, at), bytes, ends, odd]
}
module.exports = { packPings }
