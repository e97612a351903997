/**
 * Acceptance, group "regression": kappa-db/multifeed 6 test/regression.js, one test per item.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { filesContaining, filesUnder } from '../helpers/disk.js'
import {
  feedKeys,
  getBlock,
  heldBlock,
  hex,
  recordSessionErrors,
  writerWith,
} from '../helpers/feeds.js'
import { harness } from '../helpers/harness.js'
import { slowStorage } from '../helpers/slow-storage.js'
import { replicate } from '../helpers/streams.js'
import { capture, once, until } from '../helpers/wait.js'

const json = { valueEncoding: 'json' } as const

describe('regression', () => {
  test('concurrent writer creation vs ready(): one writer, no error, same feed after reopen', async () => {
    const h = harness()
    const dir = await h.tempDir()
    const mf = h.multifeed(dir, json)
    const [w, , again] = await Promise.all([
      mf.writer('minuette'),
      mf.ready(),
      mf.writer('minuette'),
    ])
    expect(w.key).toHaveLength(32)
    expect(hex(again.key)).toBe(hex(w.key))
    expect(feedKeys(mf)).toEqual([hex(w.key)])
    const key = mf.key
    await mf.close()

    const reopened = h.multifeed(dir, { ...json, key })
    await reopened.ready()
    expect(feedKeys(reopened)).toEqual([hex(w.key)])
  })

  test('1000-entry and 10-entry feeds both complete on both sides', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w1 = await writerWith(m1, undefined, ...new Array(1000).fill('foo'))
    const w2 = await writerWith(m2, undefined, ...new Array(10).fill('bar'))
    expect(await w1.get(13)).toBe('foo')
    expect(await w2.get(3)).toBe('bar')

    const conn = replicate(h, m1, m2)
    await Promise.all([once(conn.a, 'synced'), once(conn.b, 'synced')])
    expect(m1.feeds().map((f) => f.contiguousLength)).toEqual([1000, 10])
    expect(m2.feeds().map((f) => f.contiguousLength)).toEqual([10, 1000])
    expect(await heldBlock(m1.feeds()[1]!, 9)).toBe('bar')
    expect(await heldBlock(m2.feeds()[1]!, 999)).toBe('foo')
  })

  test('replicate before feeds are loaded: a reopened multifeed offers its persisted local and remote feeds', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const dir = await h.tempDir()
    const first = h.multifeed(dir, { ...json, key })
    const mine = await writerWith(first, 'local', 'mine')
    // Learn a remote feed from m3, so the persisted list holds a local and a remote feed.
    const m3 = h.multifeed(await h.store(), { ...json, key })
    const theirs = await writerWith(m3, undefined, 'theirs')
    const toM3 = replicate(h, first, m3)
    await once(toM3.a, 'synced')
    toM3.end()
    await first.close()

    const reopened = h.multifeed(dir, { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    await m2.ready()
    // No ready() on `reopened`: replication starts before its feed list is read from disk.
    const conn = replicate(h, reopened, m2)
    await once(conn.b, 'synced', { label: 'm2 stream' })
    expect(feedKeys(m2).sort()).toEqual([hex(mine.key), hex(theirs.key)].sort())
    expect(await heldBlock(m2.feed(mine.key)!, 0)).toBe('mine')
    expect(await heldBlock(m2.feed(theirs.key)!, 0)).toBe('theirs')
  })

  test('a new feed is announced over existing connections and reaches a third peer through a second', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const m3 = h.multifeed(await h.store(), { ...json, key })
    await writerWith(m1, 'local', 'First')
    const second = await writerWith(m2, 'local', 'Second')
    const third = await writerWith(m3, 'local', 'Third')

    const seenByM1: string[] = []
    m1.on('feed', (core: { key: Uint8Array }, info: { local: boolean }) => {
      if (!info.local) seenByM1.push(hex(core.key))
    })
    // m1 and m2 are live connected first...
    const c12 = replicate(h, m1, m2)
    await once(c12.a, 'synced', { label: 'm1 stream' })
    expect(seenByM1).toEqual([hex(second.key)])
    // ...then m3 connects to m2 only; m2 must forward m3's writer to m1.
    replicate(h, m3, m2)
    await until([m1], ['feed'], () => m1.feed(third.key) !== null, "m1 has m3's writer")
    expect(seenByM1).toEqual([hex(second.key), hex(third.key)])
    expect(await getBlock(m1.feed(second.key)!, 0)).toBe('Second')
    expect(await getBlock(m1.feed(third.key)!, 0)).toBe('Third')
  })

  test('replicate before ready: replicate() right after construction syncs once ready', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.tempDir(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w2 = await writerWith(m2, undefined, 'bar')
    const conn = replicate(h, m1, m2)
    await Promise.all([once(conn.a, 'synced'), once(conn.b, 'synced')])
    expect(m1.opened).toBe(true)
    expect(feedKeys(m1)).toEqual([hex(w2.key)])
    expect(await heldBlock(m1.feed(w2.key)!, 0)).toBe('bar')
    expect(conn.errors).toEqual([])
  })

  /** Two multifeeds with different keys, each with a 100-entry writer, connected. */
  async function differentKeys() {
    const h = harness()
    const limits = { handshakeTimeout: 300 }
    const m1 = h.multifeed(await h.store(), { ...json, key: crypto.randomBytes(32), limits })
    const m2 = h.multifeed(await h.store(), { ...json, key: crypto.randomBytes(32), limits })
    const w1 = await writerWith(m1, undefined, ...new Array(100).fill('foo'))
    const w2 = await writerWith(m2, undefined, ...new Array(100).fill('bar'))
    return { h, m1, m2, w1, w2 }
  }

  test('different keys cannot replicate: no feed leaked, the connection is left alone', async () => {
    const { h, m1, m2, w1, w2 } = await differentKeys()
    const conn = replicate(h, m1, m2)
    const [ch1, ch2] = [m1.attach(conn.a), m2.attach(conn.b)]
    // Different keys mean different discovery keys: the channels never meet and close.
    await Promise.all([ch1, ch2].map((ch) => (ch.closed ? null : once(ch, 'close'))))
    expect([ch1.remoteOpened, ch2.remoteOpened]).toEqual([false, false])
    expect(feedKeys(m1)).toEqual([hex(w1.key)])
    expect(feedKeys(m2)).toEqual([hex(w2.key)])
    expect(m1.feed(w2.key)).toBeNull()
    expect(m2.feed(w1.key)).toBeNull()
    expect([conn.a.destroyed, conn.b.destroyed]).toEqual([false, false])
    expect(conn.errors).toEqual([])
  })

  test('different keys cannot replicate: a clear coded error on both sides', async () => {
    const { h, m1, m2 } = await differentKeys()
    const conn = replicate(h, m1, m2)
    const [[err1], [err2]] = await Promise.all([
      once<[{ code: string }]>(conn.a, 'session-error', { label: 'm1 stream', timeout: 3000 }),
      once<[{ code: string }]>(conn.b, 'session-error', { label: 'm2 stream', timeout: 3000 }),
    ])
    // The remote has no multifeed with our discovery key: protomux rejects the channel.
    expect(err1.code).toBe('ERR_CHANNEL_REJECTED')
    expect(err2.code).toBe('ERR_CHANNEL_REJECTED')
  })

  test('close while closing: a second close() resolves too, without error', async () => {
    const h = harness()
    const mf = h.multifeed(await h.tempDir(), json)
    await mf.ready()
    await writerWith(mf, 'default', 'some data')
    const first = mf.close()
    expect(mf.closed).toBe(false)
    const second = mf.close()
    await Promise.all([first, second])
    expect(mf.closed).toBe(true)
    await mf.close()
    expect(mf.closed).toBe(true)
  })

  test('very different storage speeds: 1 ms and 150 ms stores sync both feeds', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const fast = h.multifeed(await h.store(slowStorage(await h.tempDir(), 1)), { ...json, key })
    const slow = h.multifeed(await h.store(slowStorage(await h.tempDir(), 150)), { ...json, key })
    const wFast = await writerWith(fast, undefined, 'fast')
    const wSlow = await writerWith(slow, undefined, 'slow')
    const errors = [fast, slow].map(recordSessionErrors)

    const conn = replicate(h, fast, slow)
    await Promise.all([once(conn.a, 'synced'), once(conn.b, 'synced')])
    expect(feedKeys(fast)).toEqual([hex(wFast.key), hex(wSlow.key)])
    expect(feedKeys(slow)).toEqual([hex(wSlow.key), hex(wFast.key)])
    expect(await heldBlock(slow.feed(wFast.key)!, 0)).toBe('fast')
    expect(errors).toEqual([[], []])
  })

  test('the multifeed key (and the encryption key) is not written to disk in the clear', async () => {
    const h = harness()
    const dir = await h.tempDir()
    const key = crypto.randomBytes(32)
    const encryptionKey = crypto.randomBytes(32)
    const mf = h.multifeed(dir, { ...json, key, encryptionKey })
    const w = await mf.writer()
    await w.append('foo')
    await mf.writer('second')
    await mf.close()

    expect((await filesUnder(dir)).length).toBeGreaterThan(0)
    const needles = [key, encryptionKey].flatMap((secret) => [
      secret,
      b4a.from(hex(secret)),
      b4a.from(hex(secret).toUpperCase()),
    ])
    expect(await filesContaining(dir, needles)).toEqual([])
    // Control: the scan does find what is on disk (the writer's public key is stored).
    expect(await filesContaining(dir, [w.key!])).not.toEqual([])
  })

  test('replicate twice: the second sync works and emits remote-feeds and synced again', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w1 = await writerWith(m1, undefined, 'foo')
    await writerWith(m2, undefined, 'bar')

    async function sync() {
      const conn = replicate(h, m1, m2)
      const counts = await Promise.all([
        capture(conn.a, 'remote-feeds', () => m1.feeds().length, { label: 'm1 stream' }),
        capture(conn.b, 'remote-feeds', () => m2.feeds().length, { label: 'm2 stream' }),
        once(conn.a, 'synced', { label: 'm1 stream' }),
        once(conn.b, 'synced', { label: 'm2 stream' }),
      ])
      conn.end()
      return counts.slice(0, 2)
    }

    expect(await sync()).toEqual([2, 2])
    await w1.append('foo again')
    expect(await sync()).toEqual([2, 2])
    const copy = m2.feed(w1.key)!
    expect(copy.contiguousLength).toBe(2)
    expect(await copy.get(1)).toBe('foo again')
  })
})
