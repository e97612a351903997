/** KeyBlock and EntryBlock: lists of keys and of Manifest entries held as one block each. */
import b4a from 'b4a'
import { describe, expect, test } from 'vitest'
import { EntryBlock, KeyBlock } from '../../src/codec/index.js'

const key = (byte: number) => new Uint8Array(32).fill(byte)

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('KeyBlock', () => {
  test('from copies the keys back to back; at, iteration and map give views of the block', () => {
    const keys = [key(1), key(2), key(3)]
    const block = KeyBlock.from(keys)
    keys[0]!.fill(9) // a copy: the caller's keys may change
    expect(block.length).toBe(3)
    expect(block.bytes.byteLength).toBe(96)
    expect(block.at(0)).toEqual(key(1))
    expect(block.at(-1)).toEqual(key(3))
    expect(block.at(3)).toBeUndefined()
    expect(block.at(-4)).toBeUndefined()
    expect([...block]).toEqual([key(1), key(2), key(3)])
    expect(block.map((k, i) => [k[0], i])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ])
    const view = block.at(1)!
    expect(view.buffer).toBe(block.bytes.buffer)
    expect(view.byteOffset).toBe(block.bytes.byteOffset + 32)
  })

  test('wraps bytes without copying; a Node Buffer becomes a plain Uint8Array over it', () => {
    const bytes = new Uint8Array(64)
    expect(new KeyBlock(bytes).bytes).toBe(bytes)
    const buffer = b4a.alloc(64, 5)
    const block = new KeyBlock(buffer)
    expect(Object.getPrototypeOf(block.bytes)).toBe(Uint8Array.prototype)
    expect(block.bytes.buffer).toBe(buffer.buffer)
    expect(block).toEqual(KeyBlock.from([key(5), key(5)]))
    expect(block).not.toEqual(KeyBlock.from([key(5), key(6)]))
    expect(new KeyBlock(new Uint8Array(0)).length).toBe(0)
  })

  test('bad input is ERR_INVALID_MESSAGE', () => {
    expect(codeOf(() => new KeyBlock(new Uint8Array(33)))).toBe('ERR_INVALID_MESSAGE')
    expect(codeOf(() => new KeyBlock([1, 2] as never))).toBe('ERR_INVALID_MESSAGE')
    expect(codeOf(() => KeyBlock.from([key(1), new Uint8Array(31)]))).toBe('ERR_INVALID_MESSAGE')
    expect(codeOf(() => KeyBlock.from(['aa'.repeat(32)] as never))).toBe('ERR_INVALID_MESSAGE')
  })
})

describe('EntryBlock', () => {
  const entries = [
    { key: key(1), length: 3, data: null },
    { key: key(2), length: 70_000, data: new Uint8Array([7]) },
    { key: key(3), length: 0, data: null },
  ]

  test('from keeps key, length and data of each entry; at, iteration and map give them back', () => {
    const block = EntryBlock.from(entries)
    expect(block.length).toBe(3)
    expect(block.keys).toEqual(KeyBlock.from(entries.map((e) => e.key)))
    expect([...block.lengths]).toEqual([3, 70_000, 0])
    expect(block.data).toEqual([null, new Uint8Array([7]), null])
    expect([...block]).toEqual(entries)
    expect(block.at(-2)).toEqual(entries[1])
    expect(block.at(5)).toBeUndefined()
    expect(block.map((e) => e.length)).toEqual([3, 70_000, 0])
  })

  test('data is null when no entry has data, so equal lists compare equal', () => {
    const plain = [{ key: key(1), length: 1, data: null }]
    expect(EntryBlock.from(plain).data).toBeNull()
    const keys = KeyBlock.from([key(1)])
    expect(new EntryBlock(keys, Float64Array.of(1), [null])).toEqual(EntryBlock.from(plain))
  })

  test('slice shares the memory of the block', () => {
    const block = EntryBlock.from(entries)
    const tail = block.slice(1)
    expect([...tail]).toEqual(entries.slice(1))
    expect(tail.keys.bytes.buffer).toBe(block.keys.bytes.buffer)
    expect(tail.lengths.buffer).toBe(block.lengths.buffer)
    expect([...block.slice(0, 1)]).toEqual(entries.slice(0, 1))
    expect(block.slice(0, 1).data).toBeNull()
    expect(block.slice(2, 2).length).toBe(0)
  })

  test('bad input is ERR_INVALID_MESSAGE', () => {
    const keys = KeyBlock.from([key(1), key(2)])
    expect(codeOf(() => new EntryBlock(keys, new Float64Array(1)))).toBe('ERR_INVALID_MESSAGE')
    expect(codeOf(() => new EntryBlock(keys, new Float64Array(2), [null]))).toBe(
      'ERR_INVALID_MESSAGE',
    )
    expect(codeOf(() => new EntryBlock(keys, [1, 2] as never))).toBe('ERR_INVALID_MESSAGE')
    expect(codeOf(() => new EntryBlock([key(1)] as never, new Float64Array(1)))).toBe(
      'ERR_INVALID_MESSAGE',
    )
    expect(codeOf(() => EntryBlock.from([{ key: key(1), length: '1' as never, data: null }]))).toBe(
      'ERR_INVALID_MESSAGE',
    )
    expect(
      codeOf(() => EntryBlock.from([{ key: key(1).subarray(1), length: 1, data: null }])),
    ).toBe('ERR_INVALID_MESSAGE')
  })
})
