/** KeyTable: ids of 32-byte keys in insertion order, bounded work under colliding keys. */
import { expect, test } from 'vitest'
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
    expect(table.findOrAdd(key, 0, key)).toBe(index)
    expect(table.findOrAdd(Uint8Array.from(key), 0, null)).toBe(index)
    expect(table.key(index)).toBe(key)
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
  // Added from a buffer without a key object: kept as a view of those bytes.
  const fresh = keyOf(9999, 5)
  buffer.set(fresh, 5)
  const id = table.findOrAdd(buffer, 5, null)
  expect(table.key(id)).toEqual(fresh)
  expect(table.key(id).buffer).toBe(buffer.buffer)
})

test('reserve makes room without changing what is found', () => {
  const table = new KeyTable()
  const keys = Array.from({ length: 3000 }, (_, n) => keyOf(n, 4))
  addAll(table, keys.slice(0, 100))
  table.reserve(2900)
  for (let n = 0; n < 100; n++) expect(table.find(keys[n]!, 0)).toBe(n)
  for (let n = 100; n < 3000; n++) expect(table.findOrAdd(keys[n]!, 0, null)).toBe(n)
  for (let n = 0; n < 3000; n++) expect(table.find(keys[n]!, 0)).toBe(n)
})

test('keys a remote chose to share one home slot overflow and are all still found', () => {
  // Keys whose hashes agree in their top 12 bits share a home slot in every table of up to
  // 4096 slots: far more than the probe window holds, so most of them go to the overflow Map.
  const shared: Uint8Array[] = []
  let home = -1
  for (let n = 0; shared.length < 300; n++) {
    const key = keyOf(n, 3)
    const top = (hashAt(key, 0) | 1) >>> 20
    if (home === -1) home = top
    if (top === home) shared.push(key)
  }
  const table = new KeyTable()
  addAll(table, shared)
  expect(table.find(keyOf(0, 9), 0)).toBe(NOT_FOUND)
})
