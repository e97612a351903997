/** The small pure modules the session is built from: hex keys, chunking, reasons, the feed table. */
import { describe, expect, test } from 'vitest'
import { encodeMessage } from '../../src/codec/channel-message.js'
import { DEFAULT_LIMITS, type Limits } from '../../src/codec/constants.js'
import { EntryBlock } from '../../src/codec/entry-block.js'
import { chunkManifests, largestOneEntryManifestBytes } from '../../src/state/chunk.js'
import { closeReasonBudget, truncateUtf8 } from '../../src/state/failure.js'
import { FeedTable, NO_FEED, NONE } from '../../src/state/feed-table.js'
import { fromHex, toHex } from '../../src/state/hex.js'
import { IdList } from '../../src/state/id-list.js'
import { keyId } from '../../src/state/key-id.js'
import { OutstandingRequests } from '../../src/state/outstanding-requests.js'
import { testKey } from '../property/sim/wire.js'

const limits = (overrides: Partial<Limits>): Limits => ({ ...DEFAULT_LIMITS, ...overrides })

describe('hex', () => {
  test('every byte value, lowercase, and back', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    const hex = toHex(bytes)
    expect(hex.slice(0, 8)).toBe('00010203')
    expect(hex.slice(-4)).toBe('feff')
    expect(hex).toBe(Buffer.from(bytes).toString('hex'))
    expect(fromHex(hex)).toEqual(bytes)
    expect(fromHex('ABcd')).toEqual(new Uint8Array([0xab, 0xcd]))
  })

  test('inputs of any length, short and long', () => {
    expect(toHex(new Uint8Array([1]))).toBe('01')
    expect(toHex(new Uint8Array(100).fill(0xaa))).toBe('aa'.repeat(100))
    expect(toHex(new Uint8Array(0))).toBe('')
  })

  test('fromHex rejects what is not hex', () => {
    expect(() => fromHex('abc')).toThrow(TypeError)
    expect(() => fromHex('zz')).toThrow(TypeError)
  })
})

describe('chunking', () => {
  const entries = (n: number, dataBytes = 0) =>
    Array.from({ length: n }, (_, i) => ({
      key: testKey(i),
      length: i * 1000,
      data: dataBytes === 0 ? null : new Uint8Array(dataBytes),
    }))

  test('an empty batch is one empty Manifest with more=false', () => {
    expect(chunkManifests(EntryBlock.from([]), DEFAULT_LIMITS)).toEqual([
      { type: 'manifest', more: false, entries: EntryBlock.from([]) },
    ])
  })

  test('each Manifest fits both limits, is as full as it can be, and only the last has more=false', () => {
    for (const [n, dataBytes, maxMessageBytes, maxEntriesPerMessage] of [
      [10, 0, 200, 100],
      [10, 50, 300, 100],
      [7, 0, 10_000, 3],
      [300, 1, 1_000, 4096],
    ] as const) {
      const l = limits({ maxMessageBytes, maxEntriesPerMessage })
      const batch = entries(n, dataBytes)
      const manifests = chunkManifests(EntryBlock.from(batch), l)
      expect(manifests.flatMap((m) => [...m.entries])).toEqual(batch)
      manifests.forEach((m, i) => {
        expect(m.more).toBe(i < manifests.length - 1)
        expect(m.entries.length).toBeLessThanOrEqual(maxEntriesPerMessage)
        expect(encodeMessage(m, l).byteLength).toBeLessThanOrEqual(maxMessageBytes)
        const next = manifests[i + 1]?.entries.at(0)
        if (next !== undefined && m.entries.length < maxEntriesPerMessage) {
          // greedy: the next entry would not have fitted
          const grown = { ...m, entries: EntryBlock.from([...m.entries, next]) }
          expect(encodeMessage(grown, limits({ maxEntriesPerMessage })).byteLength).toBeGreaterThan(
            maxMessageBytes,
          )
        }
      })
    }
  })

  test('the largest one-entry Manifest of a feed is its encoding at length 2^53 - 1', () => {
    for (const data of [null, new Uint8Array(0), new Uint8Array(3), new Uint8Array(256)]) {
      const largest = encodeMessage({
        type: 'manifest',
        more: false,
        entries: EntryBlock.from([{ key: testKey(1), length: Number.MAX_SAFE_INTEGER, data }]),
      })
      expect(largestOneEntryManifestBytes(data)).toBe(largest.byteLength)
    }
  })
})

describe('closeReasonBudget', () => {
  test('the longest reason whose Close fits both maxReasonBytes and maxMessageBytes', () => {
    for (const [code, maxReasonBytes, maxMessageBytes] of [
      [6, 256, 64],
      [6, 256, 1_048_576],
      [5, 10, 1_000],
      [300, 300, 258],
      [300, 300, 259],
      [0, 256, 3],
    ] as const) {
      const l = limits({ maxReasonBytes, maxMessageBytes })
      const budget = closeReasonBudget(code, l)
      expect(budget).toBeLessThanOrEqual(maxReasonBytes)
      const close = (reason: string) => encodeMessage({ type: 'close', code, reason }, l)
      expect(close('r'.repeat(budget)).byteLength).toBeLessThanOrEqual(maxMessageBytes)
      if (budget < maxReasonBytes) {
        // one more byte would not fit
        expect(() => close('r'.repeat(budget + 1))).toThrow(/limit/)
      }
    }
  })
})

describe('truncateUtf8', () => {
  test('cuts on a code point boundary within the byte budget', () => {
    expect(truncateUtf8('hello', 10)).toBe('hello')
    expect(truncateUtf8('hello', 3)).toBe('hel')
    expect(truncateUtf8('éé', 3)).toBe('é') // 2 + 2 bytes
    expect(truncateUtf8('a😀b', 4)).toBe('a') // the emoji is 4 bytes
    expect(truncateUtf8('a😀b', 5)).toBe('a😀')
    expect(truncateUtf8('x', 0)).toBe('')
  })
})

describe('FeedTable', () => {
  test('ids in first-seen order, found by key bytes in place', () => {
    const table = new FeedTable()
    const a = table.idOf(testKey(1))
    expect(table.idOf(testKey(1))).toBe(a)
    const buffer = new Uint8Array(40)
    buffer.set(testKey(2), 3)
    const b = table.idAt(buffer, 3)
    expect([a, b, table.size]).toEqual([0, 1, 2])
    expect(table.key(b)).toEqual(testKey(2))
    expect(table.find(testKey(2))).toBe(b)
    expect(table.find(testKey(3))).toBe(NO_FEED)
    const view = new DataView(buffer.buffer)
    expect(table.findAt(view, 3, b)).toBe(b)
    expect(table.findAt(view, 3, a)).toBe(b) // a wrong guess falls back to the lookup
    expect(table.findAt(view, 4, a)).toBe(NO_FEED)
    expect(table.localLength(b)).toBe(NONE)
    expect([table.localData(b), table.remoteData(b)]).toEqual([null, null])
    buffer.fill(0) // the table holds a copy: the buffer may change
    expect(table.key(b)).toEqual(testKey(2))
    expect(table.find(testKey(2))).toBe(b)
  })

  test('next-feed guesses: id + 1 unless recorded otherwise, and a guess past the table is safe', () => {
    const table = new FeedTable()
    for (let n = 0; n < 4; n++) table.idOf(testKey(n))
    expect([table.nextOffered(0), table.nextRequested(2)]).toEqual([1, 3])
    table.setNextOffered(0, 2)
    table.setNextOffered(1, 2) // id + 1 again
    table.setNextRequested(3, NO_FEED)
    expect([table.nextOffered(0), table.nextOffered(1), table.nextRequested(3)]).toEqual([
      2,
      2,
      NO_FEED,
    ])
    table.setNextOffered(0, 1)
    expect(table.nextOffered(0)).toBe(1)
    const view = new DataView(testKey(3).buffer)
    expect(table.findAt(view, 0, table.nextOffered(3))).toBe(3) // guess 4: past the table
  })

  test('counters follow the mutators', () => {
    const table = new FeedTable()
    const a = table.idOf(testKey(1))
    const b = table.idOf(testKey(2))

    table.setLocal(a, 3, null)
    table.setLocal(a, 1, null) // lengths only grow
    expect(table.localLength(a)).toBe(3)
    expect(table.collectionSize).toBe(1)

    table.mergeRemoteOffer(b, 5, null)
    table.mergeRemoteOffer(b, 2, new Uint8Array([9]))
    expect([table.remoteLength(b), table.remoteData(b)]).toEqual([5, new Uint8Array([9])])
    expect(table.remoteData(a)).toBeNull()
    expect(table.remoteOffered).toBe(1)

    table.setRequested(b, 1)
    expect(table.reservedRoom).toBe(1)
    table.clearRequested(b)
    expect(table.reservedRoom).toBe(0)
    table.setRequested(b, 2)
    table.setLocal(b, 0, null) // gained by other means: no longer reserves room
    expect(table.reservedRoom).toBe(0)

    table.accept(b)
    expect(table.laggingCount).toBe(1)
    table.raiseLocalLength(b, 5)
    expect(table.laggingCount).toBe(0)
    table.mergeRemoteOffer(b, 6, null)
    expect(table.laggingCount).toBe(1)
    expect(table.startReplicating(b)).toBe(true)
    expect(table.startReplicating(b)).toBe(false)
    expect(table.block(b)).toBe(true)
    expect(table.laggingCount).toBe(0)
    expect(table.isAccepted(b)).toBe(false)
    expect(table.isUnreported(b)).toBe(false)
    expect(table.block(b)).toBe(false)
  })

  test('data of a feed far into the table, and growth past the reserved room', () => {
    const table = new FeedTable()
    table.reserve(10)
    const ids = Array.from({ length: 3000 }, (_, n) => table.idOf(testKey(n)))
    expect(ids).toEqual(ids.map((_, n) => n))
    table.setLocal(2500, 1, new Uint8Array([7]))
    expect(table.localData(2500)).toEqual(new Uint8Array([7]))
    expect(table.localData(2499)).toBeNull()
    expect(table.localData(2999)).toBeNull()
    for (const n of [0, 1234, 2999]) expect(table.find(testKey(n))).toBe(n)
  })
})

describe('IdList', () => {
  test('consecutive ids stay a run; the first other id writes them out', () => {
    const list = new IdList()
    list.reset(10)
    for (const id of [5, 6, 7]) list.push(id)
    expect([list.consecutive, list.first, list.length]).toEqual([true, 5, 3])
    expect([list.at(0), list.at(2)]).toEqual([5, 7])
    list.push(3)
    expect(list.consecutive).toBe(false)
    expect([...list.ids.subarray(0, list.length)]).toEqual([5, 6, 7, 3])
    for (let id = 100; id < 140; id++) list.push(id) // grows past the room reset asked for
    expect(list.length).toBe(44)
    expect(list.at(43)).toBe(139)
    list.reset(4)
    expect([list.consecutive, list.length]).toEqual([true, 0])
    list.push(9)
    expect([list.first, list.at(0)]).toEqual([9, 9])
  })

  test('room and filled: the caller writes the ids', () => {
    const list = new IdList()
    const room = list.room(3)
    room.set([4, 2, 8])
    list.filled(3)
    expect([list.consecutive, list.at(1), list.length]).toEqual([false, 2, 3])
    expect(() => list.filled(room.length + 1)).toThrow(RangeError)
  })

  test('reserveMore keeps the list, run or not', () => {
    const list = new IdList()
    list.reset(0)
    list.push(1)
    list.push(2)
    list.reserveMore(100)
    list.push(3)
    expect([list.consecutive, list.length]).toEqual([true, 3])
    list.push(0)
    list.reserveMore(100)
    expect([...list.ids.subarray(0, 4)]).toEqual([1, 2, 3, 0])
  })
})

describe('OutstandingRequests', () => {
  test('FIFO with increasing sequence numbers', () => {
    const queue = new OutstandingRequests()
    expect(queue.isEmpty).toBe(true)
    const first = queue.push(NO_FEED, 0)
    const second = queue.push(NO_FEED, 0)
    expect(second.seq).toBe(first.seq + 1)
    expect(queue.head()).toBe(first)
    expect(queue.shift()).toBe(first)
    expect(queue.head()).toBe(second)
    expect(queue.shift()).toBe(second)
    expect(queue.isEmpty).toBe(true)
    expect(queue.shift()).toBeUndefined()
    expect(queue.push(NO_FEED, 0).seq).toBe(second.seq + 1)
  })
})

test('hex of inputs longer than one fromCharCode chunk', () => {
  const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff)
  expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'))
})

test('keyId: one character per byte, distinct keys give distinct ids', () => {
  const a = new Uint8Array(32).fill(0xff)
  const b = new Uint8Array(32).fill(0xff)
  b[31] = 0xfe
  expect(keyId(a)).toHaveLength(32)
  expect(keyId(a)).not.toBe(keyId(b))
  expect(keyId(a)).toBe(keyId(Uint8Array.from(a)))
  expect([...keyId(b)].map((c) => c.charCodeAt(0))).toEqual([...b])
  expect(keyId(new Uint8Array([1, 2]))).toBe('\u0001\u0002')
})
