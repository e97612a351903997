/** KeyTable: ids of 32-byte keys in insertion order, bounded work under colliding keys. */
import { describe, expect, test } from 'vitest'
import { hashAt, KeyTable, NOT_FOUND } from '../../src/state/key-table.js'

function keyOf(n: number, tag = 1): Uint8Array {
  const key = new Uint8Array(32)
  key[0] = tag
  new DataView(key.buffer).setUint32(4, n)
  return key
}

/** Adds every key, checking each was absent and got the next id; then finds each again. */
function addAll(table: KeyTable, keys: Uint8Array[]): void {
  for (const [index, key] of keys.entries()) {
    expect(table.find(key, 0)).toBe(NOT_FOUND)
    expect(table.findOrAdd(key, 0)).toBe(index)
    expect(table.findOrAdd(Uint8Array.from(key), 0)).toBe(index)
    expect(table.key(index)).toEqual(key)
  }
  expect(table.size).toBe(keys.length)
  for (const [index, key] of keys.entries()) expect(table.find(Uint8Array.from(key), 0)).toBe(index)
}

test('every added key is found at its id, in insertion order; absent keys are not', () => {
  const table = new KeyTable()
  const keys = Array.from({ length: 5000 }, (_, n) => keyOf(n))
  addAll(table, keys)
  expect(table.find(keyOf(1, 2), 0)).toBe(NOT_FOUND)
  // A key read in place from a larger buffer.
  const buffer = new Uint8Array(40)
  buffer.set(keys[77]!, 5)
  expect(table.find(buffer, 5)).toBe(77)
  expect(table.keyEquals(77, buffer, 5)).toBe(true)
  expect(table.keyEquals(78, buffer, 5)).toBe(false)
  // Added from a larger buffer: the table keeps a copy, in its own block.
  const fresh = keyOf(9999, 5)
  buffer.set(fresh, 5)
  const id = table.findOrAdd(buffer, 5)
  buffer.fill(0)
  expect(table.key(id)).toEqual(fresh)
  expect(table.key(id).buffer).not.toBe(buffer.buffer)
})

test('reserve makes room without changing what is found', () => {
  const table = new KeyTable()
  const keys = Array.from({ length: 3000 }, (_, n) => keyOf(n, 4))
  addAll(table, keys.slice(0, 100))
  table.reserve(2900)
  for (let n = 0; n < 100; n++) expect(table.find(keys[n]!, 0)).toBe(n)
  for (let n = 100; n < 3000; n++) expect(table.findOrAdd(keys[n]!, 0)).toBe(n)
  for (let n = 0; n < 3000; n++) expect(table.find(keys[n]!, 0)).toBe(n)
})

/**
 * Keys whose hashes agree in their top 12 bits: they share a home slot in every table of up to
 * 4096 slots, far more than the probe window holds, so most of them go to the overflow Map.
 */
function sharingOneHomeSlot(count: number, tag: number): Uint8Array[] {
  const shared: Uint8Array[] = []
  let home = -1
  for (let n = 0; shared.length < count; n++) {
    const key = keyOf(n, tag)
    const top = (hashAt(key, 0) | 1) >>> 20
    if (home === -1) home = top
    if (top === home) shared.push(key)
  }
  return shared
}

test('keys a remote chose to share one home slot overflow and are all still found', () => {
  const table = new KeyTable()
  addAll(table, sharingOneHomeSlot(300, 3))
  expect(table.find(keyOf(0, 9), 0)).toBe(NOT_FOUND)
})

describe('a batch of keys gets the ids findOrAdd would give each in turn', () => {
  /** A deterministic pseudo-random sequence (a batch repeats keys and meets held ones). */
  function numbers(seed: number): () => number {
    return () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed >>> 8
    }
  }

  /** Adds `batch` to `table` both ways (one at a time into a copy), and compares. */
  function expectSameAsOneByOne(held: Uint8Array[], batch: Uint8Array[], staged: boolean) {
    const table = new KeyTable()
    const reference = new KeyTable()
    for (const key of held) expect(table.findOrAdd(key, 0)).toBe(reference.findOrAdd(key, 0))
    const out = new Int32Array(batch.length)
    const scratch: [Int32Array, Int32Array] = [
      new Int32Array(batch.length),
      new Int32Array(batch.length),
    ]
    if (staged) {
      table.findOrAddKeys((i) => batch[i]!, batch.length, out, scratch)
    } else {
      // In place in a larger buffer, at uneven offsets (as in a Manifest).
      const bytes = new Uint8Array(3 + batch.length * 37)
      const offsets = Int32Array.from(batch, (_, i) => 3 + i * 37)
      for (const [i, key] of batch.entries()) bytes.set(key, offsets[i]!)
      table.findOrAddAll(bytes, offsets, batch.length, out, scratch)
      bytes.fill(0) // the table keeps copies
    }
    expect([...out]).toEqual(batch.map((key) => reference.findOrAdd(key, 0)))
    expect(table.size).toBe(reference.size)
    const ids = Array.from({ length: reference.size }, (_, id) => id)
    // As hex: toEqual walks large byte arrays element by element.
    const hex = (keys: Uint8Array) => Buffer.from(keys).toString('hex')
    expect(hex(table.keysOf(ids, ids.length))).toBe(hex(reference.keysOf(ids, ids.length)))
    expect(ids.map((id) => table.find(reference.key(id), 0))).toEqual(ids)
    expect(table.find(keyOf(1, 0xee), 0)).toBe(NOT_FOUND)
  }

  test.each([
    ['small batch, one by one', 0, 200, 300, false],
    ['large batch of distinct keys', 0, 5000, 1 << 30, false],
    ['large batch with repeats', 0, 5000, 2000, false],
    ['large batch after held keys', 3000, 4000, 5000, false],
    ['large batch of key objects after held keys', 3000, 4000, 5000, true],
    ['large batch of key objects with repeats', 0, 4000, 1500, true],
  ])('%s', (_name, heldCount, batchCount, pool, staged) => {
    const next = numbers(heldCount + batchCount)
    const pick = () => keyOf(next() % pool, 7)
    const held = Array.from({ length: heldCount }, pick)
    const batch = Array.from({ length: batchCount }, pick)
    expectSameAsOneByOne(held, batch, staged)
  })

  test('keys sharing one home slot, repeated, overflow in a batch too', () => {
    const shared = sharingOneHomeSlot(300, 4)
    const others = Array.from({ length: 1200 }, (_, n) => keyOf(n, 8))
    const batch = [...shared, ...others, ...shared.slice(0, 100)]
    expectSameAsOneByOne([], batch, false)
    expectSameAsOneByOne(shared.slice(150), batch, true)
  })
})
