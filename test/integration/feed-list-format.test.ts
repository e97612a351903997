/**
 * Claim: the feed list's storage format changes lose nothing. A list stored a record per feed
 * (format 1, `f/` and the key's hex) is rewritten into chunks (format 2) at its first open: every
 * feed, writer name, length, joining order and block survives, no format-1 record is left, and a
 * second open reads the same list. Chunks are rewritten as feeds come and go.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import b4a from 'b4a'
import c from 'compact-encoding'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import { describe, expect, onTestFinished, test } from 'vitest'
import { FEED_LIST_CORE_NAME, FeedList } from '../../src/adapters/corestore/feed-list.js'
import { StoreGate } from '../../src/adapters/corestore/store-gate.js'

const hex = (key: Uint8Array) => b4a.toString(key, 'hex')

/** A format-1 record, encoded as versions up to this change wrote it (test-only writer). */
function formatOneRecord(seq: number, name: string | null, length: number): Uint8Array {
  const state = c.state()
  c.uint.preencode(state, name === null ? 0 : 1)
  c.uint.preencode(state, seq)
  if (name !== null) c.string.preencode(state, name)
  c.uint.preencode(state, length)
  state.buffer = b4a.alloc(state.end)
  c.uint.encode(state, name === null ? 0 : 1)
  c.uint.encode(state, seq)
  if (name !== null) c.string.encode(state, name)
  c.uint.encode(state, length)
  return state.buffer
}

interface Expected {
  key: Uint8Array
  name: string | null
  length: number
  blocked: boolean
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-feed-list-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function withAnchor<T>(dir: string, ns: Uint8Array, fn: (anchor: Hypercore) => Promise<T>) {
  const root = new Corestore(dir)
  const anchor = root.namespace(ns).get({ name: FEED_LIST_CORE_NAME, active: false })
  await anchor.ready()
  try {
    return await fn(anchor)
  } finally {
    await anchor.close()
    await root.close()
  }
}

async function withList<T>(dir: string, ns: Uint8Array, fn: (list: FeedList) => Promise<T>) {
  const root = new Corestore(dir)
  await root.ready()
  const store = root.namespace(ns)
  const failures: unknown[] = []
  const list = await FeedList.open(root, store, ns, StoreGate.of(root), (err) => failures.push(err))
  try {
    return await fn(list)
  } finally {
    await list.close()
    await root.close()
    expect(failures).toEqual([])
  }
}

const view = (feeds: readonly Expected[]) =>
  feeds.map(({ key, name, length, blocked }) => ({ key: hex(key), name, length, blocked }))

describe('feed list storage format', () => {
  test('a list of format 1 is rewritten into chunks at its first open and reads the same after', async () => {
    const dir = await tempDir()
    const ns = crypto.randomBytes(32)
    // 700 feeds over three chunks, joining order with gaps (removed feeds), written in an order
    // unlike joining order; named and unnamed, some blocked; one key removed (blocked only).
    const expected: Expected[] = []
    let seq = 0
    const records: { key: Uint8Array; seq: number; name: string | null; length: number }[] = []
    for (let i = 0; i < 700; i++) {
      if (i % 9 === 4) seq++ // a gap
      const key = crypto.randomBytes(32)
      const name = i % 3 === 0 ? `writer ${i} ✓` : null
      const length = (i * 7919) % 100_003
      records.push({ key, seq: seq++, name, length })
      expected.push({ key, name, length, blocked: i % 50 === 7 })
    }
    const removed = crypto.randomBytes(32)
    await withAnchor(dir, ns, async (anchor) => {
      for (const { key, seq, name, length } of [...records].reverse()) {
        await anchor.setUserData(`f/${hex(key)}`, formatOneRecord(seq, name, length))
      }
      for (const { key, blocked } of expected) {
        if (blocked) await anchor.setUserData(`b/${hex(key)}`, Uint8Array.of(1))
      }
      await anchor.setUserData(`b/${hex(removed)}`, Uint8Array.of(1))
      await anchor.setUserData('format', Uint8Array.of(1))
    })
    const blockedKeys = [...expected.filter((f) => f.blocked).map((f) => hex(f.key)), hex(removed)]

    for (const open of ['migrating', 'migrated']) {
      await withList(dir, ns, async (list) => {
        expect({ open, feeds: view(list.feeds()) }).toEqual({ open, feeds: view(expected) })
        expect(list.blocked().map(hex).sort()).toEqual(blockedKeys.sort())
        expect(list.holds(expected[0]!.key)).toBe(true)
        expect(list.holds(removed)).toBe(false)
      })
      await withAnchor(dir, ns, async (anchor) => {
        expect(await anchor.getUserData('format')).toEqual(b4a.from([2]))
        for (const { key } of records) expect(await anchor.getUserData(`f/${hex(key)}`)).toBeNull()
        // Seqs 0..777: chunks 0 to 3 of 256.
        for (let index = 0; index < 4; index++) {
          const chunk = await anchor.getUserData(`c/${index.toString(16).padStart(8, '0')}`)
          expect({ index, stored: chunk !== null }).toEqual({ index, stored: true })
        }
      })
    }

    // The joining order goes on after the largest stored seq; lengths and names are kept.
    const added = crypto.randomBytes(32)
    await withList(dir, ns, async (list) => {
      await list.add(added, 'new writer')
      list.setLengths([
        { key: added, length: 5 },
        { key: expected[1]!.key, length: 1_000_000 },
      ])
    })
    expected[1]!.length = 1_000_000
    await withList(dir, ns, async (list) => {
      expect(view(list.feeds())).toEqual(
        view([...expected, { key: added, name: 'new writer', length: 5, blocked: false }]),
      )
    })
  })

  test('feeds added in one turn share their chunk; a chunk whose feeds are all removed is deleted', async () => {
    const dir = await tempDir()
    const ns = crypto.randomBytes(32)
    const keys = Array.from({ length: 300 }, () => crypto.randomBytes(32))
    await withList(dir, ns, async (list) => {
      await list.addAll(keys)
      // The first chunk holds feeds 0..255, the second 256..299.
      await Promise.all(keys.slice(256).map((key) => list.remove(key)))
      await list.remove(keys[0]!)
    })
    await withAnchor(dir, ns, async (anchor) => {
      const first = (await anchor.getUserData('c/00000000')) as Uint8Array
      expect(first).not.toBeNull()
      expect(b4a.indexOf(first, keys[1]!)).toBeGreaterThan(0)
      expect(b4a.indexOf(first, keys[0]!)).toBe(-1)
      expect(await anchor.getUserData('c/00000001')).toBeNull()
    })
    await withList(dir, ns, async (list) => {
      expect(list.feeds().map((f) => hex(f.key))).toEqual(keys.slice(1, 256).map(hex))
      expect(list.blocked().length).toBe(45)
      // New feeds join after every feed ever held (removed ones keep their place).
      await list.add(crypto.randomBytes(32), null)
    })
    await withAnchor(dir, ns, async (anchor) => {
      expect(await anchor.getUserData('c/00000001')).not.toBeNull()
    })
  })

  test('a list in a format newer than this version is refused and left as it was', async () => {
    const dir = await tempDir()
    const ns = crypto.randomBytes(32)
    const key = crypto.randomBytes(32)
    await withList(dir, ns, async (list) => {
      await list.add(key, 'kept')
    })
    const chunk = await withAnchor(dir, ns, async (anchor) => {
      await anchor.setUserData('format', Uint8Array.of(3))
      return anchor.getUserData('c/00000000')
    })
    const root = new Corestore(dir)
    await root.ready()
    try {
      await expect(
        FeedList.open(root, root.namespace(ns), ns, StoreGate.of(root), () => {}),
      ).rejects.toThrow(/format 3, newer than this version reads/)
    } finally {
      await root.close()
    }
    await withAnchor(dir, ns, async (anchor) => {
      expect(await anchor.getUserData('format')).toEqual(b4a.from([3]))
      expect(await anchor.getUserData('c/00000000')).toEqual(chunk)
    })
  })

  test('an unreadable chunk is skipped, never written over, and counts as holding its feeds', async () => {
    const dir = await tempDir()
    const ns = crypto.randomBytes(32)
    const lost = crypto.randomBytes(32)
    await withList(dir, ns, async (list) => {
      await list.add(lost, null)
    })
    const garbage = b4a.from([0xff, 0xff, 0xff])
    await withAnchor(dir, ns, async (anchor) => {
      await anchor.setUserData('c/00000000', garbage)
    })
    const added = crypto.randomBytes(32)
    await withList(dir, ns, async (list) => {
      expect(list.feeds()).toEqual([])
      await list.add(added, 'after')
    })
    await withAnchor(dir, ns, async (anchor) => {
      // The new feed joined in the next chunk; the unreadable one is as it was.
      expect(await anchor.getUserData('c/00000000')).toEqual(garbage)
      const next = (await anchor.getUserData('c/00000001')) as Uint8Array
      expect(b4a.indexOf(next, added)).toBeGreaterThan(0)
    })
    // Another multifeed of the store asking whether this list holds `lost` (before remove()
    // clears its blocks): it may, so yes.
    const root = new Corestore(dir)
    await root.ready()
    try {
      const other = crypto.randomBytes(32)
      expect(await FeedList.heldElsewhere(root, other, lost, StoreGate.of(root))).toBe(true)
      expect(await FeedList.heldElsewhere(root, ns, lost, StoreGate.of(root))).toBe(false)
    } finally {
      await root.close()
    }
  })
})
