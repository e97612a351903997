/**
 * Multifeed over real Corestores in temp dirs and piped replication streams: persistence,
 * restart, namespaces, block/remove, teardown.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import b4a from 'b4a'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import HypercoreId from 'hypercore-id-encoding'
import { describe, expect, test } from 'vitest'
import { Multifeed, type MultifeedError } from '../../src/index.js'
import { contiguous, multifeed, next, tempDir, tempStore } from './multifeed-helpers.js'

const hex = (key: Uint8Array) => b4a.toString(key, 'hex')
const keysOf = (mf: Multifeed) => mf.keys().map(hex)

/** Pipes a.replicate(true) into b.replicate(false); resolves when both sides are synced. */
async function sync(a: Multifeed, b: Multifeed) {
  const ra = a.replicate(true)
  const rb = b.replicate(false)
  const synced = Promise.all([next(ra, 'synced'), next(rb, 'synced')])
  // A side closing destroys its stream; the other end then errors (premature close): expected.
  for (const stream of [ra, rb]) stream.on('error', () => {})
  ra.pipe(rb).pipe(ra)
  await synced
  return [ra, rb] as const
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

describe('Multifeed', () => {
  test('writer(name) is the same feed for the same name, also after a restart', async () => {
    const dir = await tempDir()
    const first = new Multifeed(dir)
    const [w1, again, other] = await Promise.all([
      first.writer('minuette'),
      first.writer('minuette'),
      first.writer('other'),
    ])
    expect(again).toBe(w1)
    expect(hex(other.key)).not.toBe(hex(w1.key))
    await w1.append(b4a.from('kept'))
    const key = first.key
    const joined = keysOf(first) // concurrent writers join in the order their cores open
    await first.close()

    const reopened = multifeed(dir, { key })
    const w2 = await reopened.writer('minuette')
    expect(hex(w2.key)).toBe(hex(w1.key))
    expect(w2.writable).toBe(true)
    expect(b4a.toString(await w2.get(0))).toBe('kept')
    expect(keysOf(reopened)).toEqual(joined)
    expect([...joined].sort()).toEqual([hex(w1.key), hex(other.key)].sort())
  })

  test('a writer made with a custom key pair is the same writable feed after a restart', async () => {
    const dir = await tempDir()
    const keyPair = crypto.keyPair()
    const first = new Multifeed(dir)
    const w = await first.writer('custom', { keyPair })
    expect(b4a.equals(w.keyPair!.publicKey, keyPair.publicKey)).toBe(true)
    await w.append(b4a.from('before'))
    await first.close()

    const reopened = multifeed(dir, { key: first.key })
    const again = await reopened.writer('custom')
    expect(hex(again.key)).toBe(hex(w.key))
    expect(again.writable).toBe(true)
    await again.append(b4a.from('after'))
    expect(b4a.toString(await again.get(0))).toBe('before')
  })

  test('a restart recomposes the collection, including feeds learned from a peer', async () => {
    const dir = await tempDir()
    const a = new Multifeed(dir, { valueEncoding: 'json' })
    const b = multifeed(await tempStore(), { key: a.key, valueEncoding: 'json' })
    await (await a.writer()).append({ from: 'a' })
    await (await b.writer()).append({ from: 'b' })
    const [ra] = await sync(a, b)
    const before = keysOf(a)
    expect(before).toHaveLength(2)
    ra.destroy()
    await a.close()

    const reopened = multifeed(dir, { key: a.key, valueEncoding: 'json' })
    await reopened.ready()
    expect(keysOf(reopened)).toEqual(before)
    const learned = reopened.feed(before[1]!)!
    expect(await learned.get(0)).toEqual({ from: 'b' })
    expect(learned.writable).toBe(false)
  })

  test('concurrent writer() and ready(): ready sees the loaded collection, the writer follows', async () => {
    const mf = multifeed(await tempStore())
    const writing = mf.writer('minuette')
    await mf.ready()
    expect(mf.feeds()).toHaveLength(0)
    const w = await writing
    expect(mf.feeds()).toEqual([w])
  })

  test('replicate() before ready() works: the channel opens once the collection is loaded', async () => {
    const dir = await tempDir()
    const seed = new Multifeed(dir)
    await (await seed.writer()).append(b4a.from('loaded from disk'))
    await seed.close()

    const a = multifeed(dir, { key: seed.key })
    const b = multifeed(await tempStore(), { key: seed.key })
    const ra = a.replicate(true) // before a is ready
    const rb = b.replicate(false)
    const feeds = next<[Uint8Array[]]>(rb, 'remote-feeds')
    ra.pipe(rb).pipe(ra)
    const [keys] = await feeds
    expect(keys).toHaveLength(1)
    const copy = b.feed(keys[0]!)!
    await contiguous(copy, 1)
    expect(b4a.toString(await copy.get(0))).toBe('loaded from disk')
  })

  test('two multifeeds share one Corestore in separate namespaces', async () => {
    const store = await tempStore()
    const one = multifeed(store)
    const two = multifeed(store)
    const [w1, w2] = await Promise.all([one.writer(), two.writer()])
    expect(hex(w1.key)).not.toBe(hex(w2.key))
    expect(keysOf(one)).toEqual([hex(w1.key)])
    expect(keysOf(two)).toEqual([hex(w2.key)])
    expect(hex(one.discoveryKey)).not.toBe(hex(two.discoveryKey))
  })

  test('a new feed is announced on open connections and reaches a third peer through a second', async () => {
    const [a, b, c] = [await tempStore(), await tempStore(), await tempStore()]
    const m1 = multifeed(a)
    const m2 = multifeed(b, { key: m1.key })
    const m3 = multifeed(c, { key: m1.key })
    await sync(m1, m2)
    await sync(m3, m2)
    const reached = next<[Hypercore]>(m1, 'feed')
    const w3 = await m3.writer('late')
    await w3.append(b4a.from('from m3'))
    const [core] = await reached
    expect(hex(core.key)).toBe(hex(w3.key))
    await contiguous(core, 1)
    expect(b4a.toString(await core.get(0))).toBe('from m3')
  })

  test('block and remove are persisted, forwarded to peers and leave other feeds alone', async () => {
    const dir = await tempDir()
    const a = new Multifeed(dir)
    const b = multifeed(await tempStore(), { key: a.key })
    const keep = await a.writer('keep')
    await keep.append(b4a.from('kept'))
    const blocked = await b.writer('blocked')
    const removed = await b.writer('removed')
    await Promise.all([blocked.append(b4a.from('x')), removed.append(b4a.from('y'))])
    const [ra] = await sync(a, b)
    expect(a.feeds()).toHaveLength(3)

    const never = crypto.randomBytes(32) // blocked before it ever joined
    expect(a.blocked()).toEqual([])
    await a.block(blocked.key)
    await a.remove(hex(removed.key))
    await a.block(HypercoreId.encode(never))
    expect(keysOf(a)).toEqual([hex(keep.key), hex(blocked.key)])
    expect(a.feed(removed.key)).toBeNull()
    const blockList = [hex(blocked.key), hex(removed.key), hex(never)].sort()
    expect(a.blocked().map(hex).sort()).toEqual(blockList)
    ra.destroy()
    await a.close()

    const reopened = multifeed(dir, { key: a.key })
    await reopened.ready()
    expect(keysOf(reopened)).toEqual([hex(keep.key), hex(blocked.key)])
    expect(reopened.blocked().map(hex).sort()).toEqual(blockList)
    // The local writers by name, without opening anything (b's writers are remote here).
    expect(reopened.writers().map(({ name, key }) => [name, hex(key)])).toEqual([
      ['keep', hex(keep.key)],
    ])
    await reopened.unblock(never)
    expect(reopened.blocked().map(hex).sort()).toEqual([hex(blocked.key), hex(removed.key)].sort())
    expect(b4a.toString(await reopened.feed(keep.key)!.get(0))).toBe('kept')
    // Syncing again: neither the blocked nor the removed feed is accepted from b.
    const [rr] = await sync(reopened, b)
    expect(keysOf(reopened)).toEqual([hex(keep.key), hex(blocked.key)])
    rr.destroy()
  })

  test('sparse: remote feeds are known at their length, and blocks come on demand', async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore(), { key: a.key, sparse: true })
    const w = await a.writer()
    await w.append([b4a.from('zero'), b4a.from('one'), b4a.from('two')])
    await sync(a, b)
    const copy = b.feed(w.key)!
    expect(copy.length).toBe(3)
    expect(await copy.has(0, 3)).toBe(false)
    expect(b4a.toString(await copy.get(2))).toBe('two')
    expect(await copy.has(2)).toBe(true)
    expect(await copy.has(0)).toBe(false)
  })

  test('the multifeed key and the encryption key are not written to disk', async () => {
    const dir = await tempDir()
    const encryptionKey = b4a.alloc(32, 0x5a)
    const mf = new Multifeed(dir, { encryptionKey })
    const w = await mf.writer()
    await w.append(b4a.from('plaintext-marker'))
    const key = mf.key
    await mf.close()

    const needles = [key, b4a.from(hex(key)), encryptionKey, b4a.from(hex(encryptionKey))]
    const files = await filesUnder(dir)
    const all = Buffer.concat(await Promise.all(files.map((f) => readFile(f))))
    for (const needle of needles) expect(all.indexOf(needle)).toBe(-1)
    expect(all.indexOf(b4a.from('plaintext-marker'))).toBe(-1) // blocks are encrypted
    expect(all.indexOf(w.key)).not.toBe(-1) // control: the scan sees what is stored
  })

  test('peers with the same encryption key read each other', async () => {
    const encryptionKey = b4a.alloc(32, 7)
    const a = multifeed(await tempStore(), { encryptionKey })
    const b = multifeed(await tempStore(), { key: a.key, encryptionKey })
    await (await a.writer()).append(b4a.from('secret'))
    await sync(a, b)
    expect(b4a.toString(await b.feeds()[0]!.get(0))).toBe('secret')
  })

  test('close() closes channels, owned streams, cores and its own store; twice is fine', async () => {
    const dir = await tempDir()
    const a = new Multifeed(dir)
    const b = multifeed(await tempStore(), { key: a.key })
    const w = await a.writer()
    await w.append(b4a.from('x'))
    const [ra, rb] = await sync(a, b)
    const remoteClosed = new Promise((resolve) => rb.once('close', resolve))

    const closing = [a.close(), a.close()]
    expect(a.closed).toBe(false)
    await Promise.all(closing)
    expect(a.closed).toBe(true)
    expect(a.feeds()).toEqual([])
    expect(w.closed).toBe(true)
    expect(ra.destroyed).toBe(true)
    await remoteClosed
    await expect(a.writer()).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    expect(() => a.replicate(true)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }))
    // Its own Corestore is closed: the directory can be reopened right away.
    const again = new Corestore(dir)
    await again.ready()
    await again.close()
  })

  test('close() leaves a Corestore it was given open', async () => {
    const store = await tempStore()
    const mf = new Multifeed(store)
    await mf.writer()
    await mf.close()
    const other = store.get({ name: 'still usable' })
    await other.ready()
    expect(other.writable).toBe(true)
  })

  test('bad input gets coded errors', async () => {
    const store = await tempStore()
    expect(() => new Multifeed(store, { key: 'not a key' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_KEY' }),
    )
    expect(() => new Multifeed(42 as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    const mf = multifeed(store, { limits: { maxFeeds: 1 } })
    await mf.writer('one')
    const err: MultifeedError = await mf.writer('two').catch((e) => e)
    // Our own collection is full: not ERR_LIMIT_EXCEEDED, which names a remote over a limit.
    expect(err.code).toBe('ERR_COLLECTION_FULL')
    expect(err.fault).toBe('local')
    expect(err.message).toBe('ERR_COLLECTION_FULL: the collection holds maxFeeds (1) feeds')
    await expect(mf.block('00')).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' })
    expect(mf.feed('zz')).toBeNull()
  })

  test('sync state: a getter per connection and for the multifeed, and progress with counts', async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore(), { key: a.key })
    const writer = await a.writer()
    await writer.append(['one', 'two', 'three'].map((text) => b4a.from(text)))
    expect(b.synced).toBe(false) // no peer yet
    const seen: { blocksHeld: number; blocksAdvertised: number; peers: number }[] = []
    b.on('progress', (progress) => seen.push(progress))
    const [, rb] = await sync(a, b)
    // A listener that comes after 'synced' asks instead of waiting forever.
    expect(b.synced).toBe(true)
    const [channel] = b.channels
    expect(channel?.synced).toBe(true)
    expect(channel?.progress).toEqual({
      feedsAccepted: 1,
      feedsHeld: 1,
      blocksAdvertised: 3,
      blocksHeld: 3,
      synced: true,
    })
    expect(b.progress()).toEqual({
      feedsAccepted: 1,
      feedsHeld: 1,
      blocksAdvertised: 3,
      blocksHeld: 3,
      synced: true,
      peers: 1,
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.at(-1)).toMatchObject({ blocksHeld: 3, blocksAdvertised: 3, peers: 1 })
    // More blocks at A: B is behind until they arrive, then synced again.
    const again = next(rb, 'synced')
    await writer.append(b4a.from('four'))
    await again
    expect(b.progress()).toMatchObject({ blocksHeld: 4, blocksAdvertised: 4, synced: true })
  })

  test('closing a core the multifeed handed out breaks nothing', async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore(), { key: a.key })
    const writer = await a.writer('w')
    await writer.append(b4a.from('before'))
    await writer.close() // a Corestore user closes what they get
    const [ra, rb] = await sync(a, b)
    expect(await b.feed(writer.key)!.get(0)).toEqual(b4a.from('before'))
    const again = await a.writer('w') // the same writer, a live session again
    expect(again.closed).toBe(false)
    const synced = next(rb, 'synced')
    await again.append(b4a.from('after'))
    await synced
    const copy = b.feed(writer.key)!
    await copy.close()
    expect(b4a.toString(await b.feed(writer.key)!.get(1))).toBe('after')
    ra.destroy()
  })
})
