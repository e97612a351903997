/**
 * Acceptance, group "basic": kappa-db/multifeed 6 test/basic.js, one test per item, with real
 * Corestores in temp directories and real replication streams.
 */
import { rm } from 'node:fs/promises'
import b4a from 'b4a'
import Corestore from 'corestore'
import Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { Multifeed } from '../../../src/index.js'
import { filesContaining } from '../helpers/disk.js'
import {
  feedKeys,
  getBlock,
  heldBlock,
  hex,
  recordFeedEvents,
  recordSessionErrors,
  writerWith,
} from '../helpers/feeds.js'
import { harness } from '../helpers/harness.js'
import { multifeedDiscoveryKey } from '../helpers/raw-peer.js'
import { slowStorage } from '../helpers/slow-storage.js'
import { replicate } from '../helpers/streams.js'
import { capture, once, until } from '../helpers/wait.js'

const json = { valueEncoding: 'json' } as const

// The fixed key pairs of multifeed 6's "custom keypair" tests.
const KEYPAIR_1 = {
  publicKey: b4a.from('731e8277432cad15c39f275de593a50cf2e689b0139f2d1ad2a130b84a8b1407', 'hex'),
  secretKey: b4a.from(
    'bf54c2aa004c76e7575839ff1fd7c242f9ba14b019afeed0e0536a6c3483e78c731e8277432cad15c39f275de593a50cf2e689b0139f2d1ad2a130b84a8b1407',
    'hex',
  ),
}
const KEYPAIR_2 = {
  publicKey: b4a.from('ce1f0639f6559736d5c98f9df9af111ff20f0980674297e4eb40cc8f00f1157e', 'hex'),
  secretKey: b4a.from(
    '559f807745b2dd136ec96ebdffa81f0631bfc4bc6ee4bc86f5666b24db91665ace1f0639f6559736d5c98f9df9af111ff20f0980674297e4eb40cc8f00f1157e',
    'hex',
  ),
}

/**
 * Hypercore 11 keys a core by the hash of its manifest (one signer: the key pair's public key),
 * not by the public key itself as hypercore 9 did for multifeed 6.
 */
const coreKeyOf = (keyPair: { publicKey: Uint8Array }) => hex(Hypercore.key(keyPair.publicKey))

describe('basic', () => {
  test('no feeds: a new multifeed has an empty feeds()', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), json)
    expect(mf.feeds()).toEqual([])
    await mf.ready()
    expect(mf.feeds()).toEqual([])
  })

  test('create writer: append and read back, feeds() is [writer]', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), json)
    const w = await mf.writer()
    await w.append('foo')
    expect(await w.get(0)).toBe('foo')
    expect(mf.feeds()).toEqual([w])
  })

  test('get feed by key: Buffer key and hex key give the writer', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), json)
    const w = await mf.writer()
    expect(mf.feed(w.key)).toBe(w)
    expect(mf.feed(hex(w.key))).toBe(w)
    expect(mf.feed(crypto.randomBytes(32))).toBeNull()
  })

  test('get local feed by name: the same name gives the same feed twice', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), json)
    const w = await mf.writer('bob')
    const w2 = await mf.writer('bob')
    expect(hex(w2.key)).toBe(hex(w.key))
    expect(mf.feeds()).toHaveLength(1)
    const other = await mf.writer('alice')
    expect(hex(other.key)).not.toBe(hex(w.key))
  })

  test('replicate two multifeeds, one empty: remote-feeds fires, both end with the one feed', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w = await writerWith(m1, undefined, 'foo')
    await m2.ready()

    const conn = replicate(h, m1, m2)
    const [feedsAt1, feedsAt2] = await Promise.all([
      capture(conn.a, 'remote-feeds', () => m1.feeds().length, { label: 'm1 stream' }),
      capture(conn.b, 'remote-feeds', () => m2.feeds().length, { label: 'm2 stream' }),
    ])
    expect(feedsAt1).toBe(1)
    expect(feedsAt2).toBe(1)
    expect(feedKeys(m2)).toEqual([hex(w.key)])
    expect(await getBlock(m2.feed(w.key)!, 0)).toBe('foo')
  })

  test('replicate two empty multifeeds: remote-feeds fires on both, no feeds appear', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    await Promise.all([m1.ready(), m2.ready()])
    const errors = [...[m1, m2].map(recordSessionErrors)]

    const conn = replicate(h, m1, m2)
    await Promise.all([
      once(conn.a, 'remote-feeds', { label: 'm1 stream' }),
      once(conn.b, 'remote-feeds', { label: 'm2 stream' }),
    ])
    expect(m1.feeds()).toEqual([])
    expect(m2.feeds()).toEqual([])
    expect(errors).toEqual([[], []])
  })

  test("replicate two multifeeds: each gets the other's data, 'feed' events, remote-feeds on both", async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const events1 = recordFeedEvents(m1)
    const events2 = recordFeedEvents(m2)
    const w1 = await writerWith(m1, undefined, 'foo')
    const w2 = await writerWith(m2, undefined, 'bar')
    expect(m1.feeds()).toEqual([w1])
    expect(m2.feeds()).toEqual([w2])

    const conn = replicate(h, m1, m2)
    const [at1, at2] = await Promise.all([
      capture(conn.a, 'remote-feeds', () => feedKeys(m1), { label: 'm1 stream' }),
      capture(conn.b, 'remote-feeds', () => feedKeys(m2), { label: 'm2 stream' }),
    ])
    // remote-feeds guarantees the remote's offered feeds are already in the collection.
    expect(at1).toEqual([hex(w1.key), hex(w2.key)])
    expect(at2).toEqual([hex(w2.key), hex(w1.key)])
    expect(await getBlock(m1.feeds()[1]!, 0)).toBe('bar')
    expect(await getBlock(m2.feeds()[1]!, 0)).toBe('foo')
    expect(events1).toEqual([
      { key: hex(w1.key), local: true },
      { key: hex(w2.key), local: false },
    ])
    expect(events2).toEqual([
      { key: hex(w2.key), local: true },
      { key: hex(w1.key), local: false },
    ])
  })

  test('live replicate: new blocks and a new writer reach the connected peer without reconnecting', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w1 = await writerWith(m1, undefined, 'foo')
    await writerWith(m2, undefined, 'bar')
    const conn = replicate(h, m1, m2)
    await Promise.all([once(conn.a, 'synced'), once(conn.b, 'synced')])
    expect(m1.feeds()).toHaveLength(2)
    expect(m2.feeds()).toHaveLength(2)

    // More data on an already replicated feed arrives by itself (nobody calls get()).
    const copy = m2.feed(w1.key)!
    await w1.append('foo 2')
    await until([copy], ['download'], () => copy.contiguousLength === 2, 'block 1 downloaded')
    expect(await copy.get(1, { wait: false })).toBe('foo 2')

    // A writer created while connected is announced and downloaded live.
    const announced = once<[{ key: Uint8Array }, { local: boolean }]>(m2, 'feed', { label: 'm2' })
    const late = await writerWith(m1, 'late', 'hello')
    const [core, info] = await announced
    expect(hex(core.key)).toBe(hex(late.key))
    expect(info.local).toBe(false)
    const lateCopy = m2.feed(late.key)!
    await until([lateCopy], ['download'], () => lateCopy.contiguousLength === 1, 'late block')
    expect(await lateCopy.get(0, { wait: false })).toBe('hello')
  })

  test('local feed by name survives close and reopen', async () => {
    const h = harness()
    const dir = await h.tempDir()
    const key = crypto.randomBytes(32)
    const first = h.multifeed(dir, { ...json, key })
    const w = await writerWith(first, 'minuette', 'entry')
    const writerKey = hex(w.key)
    await first.close()

    const second = h.multifeed(dir, { ...json, key })
    await second.ready()
    // Recomposed from disk before anyone asks for a writer.
    expect(feedKeys(second)).toEqual([writerKey])
    const w2 = await second.writer('minuette')
    expect(hex(w2.key)).toBe(writerKey)
    expect(await w2.get(0)).toBe('entry')
    expect(second.feeds()).toHaveLength(1)
  })

  test('close: closed flag set, feeds() empty, storage released and directory deletable', async () => {
    const h = harness()
    const dir = await h.tempDir()
    const mf = h.multifeed(dir, json)
    await writerWith(mf, 'minuette', 'entry')
    expect(mf.closed).toBe(false)
    await mf.close()
    expect(mf.closed).toBe(true)
    expect(mf.feeds()).toEqual([])
    await expect(mf.writer('another')).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    expect(() => mf.replicate(true)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }))
    // The RocksDB lock is released: another Corestore can open the directory.
    const store = h.closable(new Corestore(dir))
    await store.ready()
    await store.close()
    await rm(dir, { recursive: true })
  })

  test('close after double open: open-write-close twice on one directory, then delete it', async () => {
    const h = harness()
    const dir = await h.tempDir()
    const key = crypto.randomBytes(32)
    for (const round of [1, 2]) {
      const mf = h.multifeed(dir, { ...json, key })
      const w = await mf.writer('minuette')
      await w.append({ type: 'node', round })
      expect(w.length).toBe(round)
      await mf.close()
      expect(mf.closed).toBe(true)
    }
    await rm(dir, { recursive: true })
  })

  test('custom key: Buffer or hex key is used; discovery key derived from it; no default key', async () => {
    const h = harness()
    const store = await h.store()
    const key = crypto.randomBytes(32)
    const byBuffer = h.multifeed(store, { key })
    const byHex = h.multifeed(await h.store(), { key: hex(key) })
    await Promise.all([byBuffer.ready(), byHex.ready()])
    expect(hex(byBuffer.key)).toBe(hex(key))
    expect(hex(byHex.key)).toBe(hex(key))
    expect(hex(byBuffer.discoveryKey)).toBe(hex(multifeedDiscoveryKey(key)))
    // Without a key each multifeed gets its own random key (multifeed 6 had an insecure default).
    const a = h.multifeed(await h.store())
    const b = h.multifeed(await h.store())
    await Promise.all([a.ready(), b.ready()])
    expect(a.key).toHaveLength(32)
    expect(hex(a.key)).not.toBe(hex(b.key))
    // A malformed key is refused with a code.
    expect(() => new Multifeed(store, { key: b4a.alloc(31) })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_KEY' }),
    )
  })

  test('custom encryption key: blocks are encrypted at rest and a peer with the key reads them', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const encryptionKey = crypto.randomBytes(32)
    const marker = `plaintext-marker-${hex(crypto.randomBytes(8))}`
    const dir = await h.tempDir()
    const plainDir = await h.tempDir()
    const encrypted = h.multifeed(dir, { key, encryptionKey })
    const w = await encrypted.writer()
    await w.append(b4a.from(marker))
    // Control: without an encryption key the same block is visible on disk.
    const plain = h.multifeed(plainDir, { key })
    await (await plain.writer()).append(b4a.from(marker))
    await plain.close()
    expect(await filesContaining(plainDir, [b4a.from(marker)])).not.toEqual([])

    const reader = h.multifeed(await h.store(), { key, encryptionKey })
    await reader.ready()
    const conn = replicate(h, encrypted, reader)
    await once(conn.b, 'synced')
    expect(b4a.toString((await heldBlock(reader.feed(w.key)!, 0)) as Uint8Array)).toBe(marker)
    conn.end()
    await encrypted.close()
    expect(await filesContaining(dir, [b4a.from(marker)])).toEqual([])
  })

  test('slow storage: replicate two multifeeds whose storage is slow to open and to write', async () => {
    // See helpers/slow-storage.ts: RocksDB-backed storage with 40 ms added to every open,
    // lookup and write flush (multifeed 6: random-access-latency, 100 ms per operation).
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(slowStorage(await h.tempDir(), 40)), { ...json, key })
    const m2 = h.multifeed(await h.store(slowStorage(await h.tempDir(), 40)), { ...json, key })
    const events1 = recordFeedEvents(m1)
    const events2 = recordFeedEvents(m2)
    const w1 = await writerWith(m1, undefined, 'foo')
    const w2 = await writerWith(m2, undefined, 'bar')

    const conn = replicate(h, m1, m2)
    await Promise.all([once(conn.a, 'synced'), once(conn.b, 'synced')])
    expect(feedKeys(m1)).toEqual([hex(w1.key), hex(w2.key)])
    expect(feedKeys(m2)).toEqual([hex(w2.key), hex(w1.key)])
    expect(await heldBlock(m1.feeds()[1]!, 0)).toBe('bar')
    expect(await heldBlock(m2.feeds()[1]!, 0)).toBe('foo')
    expect(events1).toHaveLength(2)
    expect(events2).toHaveLength(2)
  })

  test('writer with custom key pair: the writer uses the given key pair', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), json)
    await mf.ready()
    const w = await mf.writer('moose', { keyPair: KEYPAIR_2 })
    expect(hex(w.keyPair!.publicKey)).toBe(hex(KEYPAIR_2.publicKey))
    expect(hex(w.keyPair!.secretKey)).toBe(hex(KEYPAIR_2.secretKey))
    expect(hex(w.key!)).toBe(coreKeyOf(KEYPAIR_2))
    await w.append('foo')
    expect(await w.get(0)).toBe('foo')
    expect(mf.feeds()).toEqual([w])
  })

  test('writer with custom key pair: survives close and reopen (same feed, writable, data kept)', async () => {
    const h = harness()
    const dir = await h.tempDir()
    const key = crypto.randomBytes(32)
    const first = h.multifeed(dir, { ...json, key })
    const w = await first.writer('moose', { keyPair: KEYPAIR_1 })
    await w.append('before restart')
    await first.close()

    const second = h.multifeed(dir, { ...json, key })
    await second.ready()
    expect(feedKeys(second)).toEqual([coreKeyOf(KEYPAIR_1)])
    const again = await second.writer('moose')
    expect(hex(again.key!)).toBe(coreKeyOf(KEYPAIR_1))
    expect(again.writable).toBe(true)
    expect(await again.get(0)).toBe('before restart')
    await again.append('after restart')
    expect(again.length).toBe(2)
  })

  test('replicate with custom key pairs: each side gets the other key-pair writer and its data', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w1 = await m1.writer('local', { keyPair: KEYPAIR_1 })
    await w1.append('foo')
    const w2 = await m2.writer('local', { keyPair: KEYPAIR_2 })
    await w2.append('bar')
    expect(m1.feeds()).toEqual([w1])
    expect(m2.feeds()).toEqual([w2])

    const conn = replicate(h, m1, m2)
    await Promise.all([once(conn.a, 'synced'), once(conn.b, 'synced')])
    expect(feedKeys(m1)).toEqual([coreKeyOf(KEYPAIR_1), coreKeyOf(KEYPAIR_2)])
    expect(feedKeys(m2)).toEqual([coreKeyOf(KEYPAIR_2), coreKeyOf(KEYPAIR_1)])
    expect(await heldBlock(m1.feeds()[1]!, 0)).toBe('bar')
    expect(await heldBlock(m2.feeds()[1]!, 0)).toBe('foo')
  })
})
