/** KeyTable: records found by 32-byte key, in insertion order, bounded work under colliding keys. */
import { expect, test } from 'vitest'
import { hashAt, KeyTable } from '../../src/state/key-table.js'

interface Item {
  key: Uint8Array
  index: number
}

function keyOf(n: number, tag = 1): Uint8Array {
  const key = new Uint8Array(32)
  key[0] = tag
  new DataView(key.buffer).setUint32(4, n)
  return key
}

test('every added key is found at its record, in insertion order; absent keys are not', () => {
  const table = new KeyTable<Item>()
  const items = Array.from({ length: 5000 }, (_, index) => ({ key: keyOf(index), index }))
  for (const item of items) {
    expect(table.get(item.key)).toBeUndefined()
    table.add(item)
  }
  expect(table.size).toBe(items.length)
  for (const item of items) expect(table.get(Uint8Array.from(item.key))).toBe(item)
  expect(table.values()).toEqual(items)
  expect(table.get(keyOf(1, 2))).toBeUndefined()
  // A key read in place from a larger buffer.
  const buffer = new Uint8Array(40)
  buffer.set(items[77]!.key, 5)
  expect(table.getAt(buffer, 5)).toBe(items[77])
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
  const table = new KeyTable<Item>()
  const items = shared.map((key, index) => ({ key, index }))
  for (const item of items) {
    expect(table.get(item.key)).toBeUndefined()
    table.add(item)
  }
  for (const item of items) expect(table.get(item.key)).toBe(item)
  expect(table.values()).toEqual(items)
  expect(table.get(keyOf(0, 9))).toBeUndefined()
})
