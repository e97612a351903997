/**
 * The collection rules (spec/collection.md), checked with peers that each run a Collection over
 * in-memory connections (test/support/collection-net.ts). Expectations are written from the
 * rules, not from the implementation's output.
 */
import { describe, expect, test } from 'vitest'
import type { Key } from '../../src/codec/messages.js'
import { Collection } from '../../src/state/collection.js'
import { toHex } from '../../src/state/hex.js'
import { testKey } from '../property/sim/wire.js'
import { CollectionNet, type CollectionPeer } from '../support/collection-net.js'

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i)
const W = testKey(1)
const V = testKey(2)
const hex = (key: Key) => toHex(key)

function attachedKeys(peer: CollectionPeer, conn: number): string[] {
  return [...(peer.attached.get(conn) ?? [])].sort()
}

describe('what a connection carries', () => {
  test('a feed is attached on a connection only after that session agreed to replicate it', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    a.addWriter(W, 3)
    const link = net.connect(a, b)
    // Before any message is delivered nothing is attached anywhere.
    expect(a.actions('attach')).toEqual([])
    net.flush()
    expect(attachedKeys(a, link.connA)).toEqual([hex(W)])
    expect(attachedKeys(b, link.connB)).toEqual([hex(W)])
    expect(b.length(W)).toBe(3)
    expect(b.actions('synced').map((s) => s.conn)).toEqual([link.connB])
    const remoteFeeds = b.actions('remote-feeds')
    expect(remoteFeeds.map((r) => r.keys.map(hex))).toEqual([[hex(W)]])
  })

  test('a peer of another multifeed gets no attach and fails with ERR_BAD_CAPABILITY', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const stranger = net.peer('stranger', { key: OTHER_KEY })
    a.addWriter(W, 2)
    const link = net.connect(a, stranger)
    net.flush()
    expect(a.actions('attach')).toEqual([])
    expect(a.actions('open-feeds')).toEqual([])
    const failure = a.actions('fail').find((f) => f.conn === link.connA)
    expect(failure?.code).toBe('ERR_BAD_CAPABILITY')
    expect(stranger.store.has(hex(W))).toBe(false)
  })

  test('a silent peer costs a session and a timer, and times out alone', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY, limits: { handshakeTimeout: 1000 } })
    const b = net.peer('b', { key: KEY })
    a.addWriter(W, 1)
    const silent = net.connectSilent(a)
    const link = net.connect(a, b)
    net.flush()
    expect(a.timerAt).toBe(1000) // the silent connection's deadline, one timer for all
    net.advance(1000)
    const failures = a.actions('fail')
    expect(failures.map((f) => [f.conn, f.code])).toEqual([[silent, 'ERR_HANDSHAKE_TIMEOUT']])
    expect(a.collection.connections).toEqual([link.connA])
    expect(a.timerAt).toBeNull()
  })

  test('a rejected session fails with ERR_CHANNEL_REJECTED and welcomes a later open', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const conn = net.connectSilent(a)
    a.input({ type: 'connection-closed', conn, rejected: true })
    expect(a.actions('fail').map((f) => [f.code, f.wireCode])).toEqual([
      ['ERR_CHANNEL_REJECTED', null],
    ])
    expect(a.actions('closed')).toEqual([{ type: 'closed', conn, by: 'remote', reopen: true }])
  })

  test('a local disconnect detaches every feed of that connection and only there', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    const c = net.peer('c', { key: KEY })
    a.addWriter(W, 1)
    const ab = net.connect(a, b)
    const ac = net.connect(a, c)
    net.flush()
    a.input({ type: 'disconnect', conn: ab.connA })
    expect(attachedKeys(a, ab.connA)).toEqual([])
    expect(attachedKeys(a, ac.connA)).toEqual([hex(W)])
    expect(a.actions('closed').at(-1)).toEqual({
      type: 'closed',
      conn: ab.connA,
      by: 'local',
      reopen: false,
    })
    net.flush()
    // b saw a normal close by the remote: it would accept a new open on that connection.
    expect(b.actions('closed').at(-1)).toEqual({
      type: 'closed',
      conn: ab.connB,
      by: 'remote',
      reopen: true,
    })
  })
})

describe('feeds open only while needed', () => {
  test('a remote feed opens when a connection replicates it and closes when none does', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    a.addWriter(W, 2)
    const link = net.connect(a, b)
    net.flush()
    expect(b.actions('open-feeds').map((o) => o.feeds)).toEqual([[{ key: W, download: true }]])
    expect(b.open.has(hex(W))).toBe(true)
    b.input({ type: 'disconnect', conn: link.connB })
    expect(b.open.has(hex(W))).toBe(false)
    expect(b.actions('close-feeds').map((c) => c.keys.map(hex))).toEqual([[hex(W)]])
    // At a, the local writer closes too once no connection replicates it (its growth is
    // reported from the user's copy).
    net.flush()
    expect(a.actions('close-feeds').map((c) => c.keys.map(hex))).toEqual([[hex(W)]])
  })

  test('remote-feeds waits until the feeds it reports are open and attached', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    a.addWriter(W, 1)
    const link = net.connect(a, b)
    // Deliver messages only, without completing b's opens.
    for (let i = 0; i < 10; i++) {
      for (const l of net.links) {
        for (const e of l.toA.splice(0)) l.a.input(e)
        for (const e of l.toB.splice(0)) l.b.input(e)
      }
    }
    expect(b.opening).toEqual([hex(W)])
    expect(b.actions('remote-feeds')).toEqual([])
    b.completeOpens()
    const log = b.log.map((action) => action.type)
    const attachAt = log.lastIndexOf('attach')
    expect(attachAt).toBeGreaterThan(-1)
    expect(log.indexOf('remote-feeds')).toBeGreaterThan(attachAt)
    expect(b.actions('remote-feeds')[0]?.conn).toBe(link.connB)
  })
})

describe('blocking and removing', () => {
  test('block detaches the feed on every connection and it is never offered again', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    const c = net.peer('c', { key: KEY })
    b.addWriter(W, 1)
    const ab = net.connect(a, b)
    const ac = net.connect(a, c)
    net.flush()
    expect(c.length(W)).toBe(1)
    a.input({ type: 'block', key: W })
    expect(attachedKeys(a, ab.connA)).toEqual([])
    expect(attachedKeys(a, ac.connA)).toEqual([])
    expect(a.open.has(hex(W))).toBe(false)
    b.append(W, 5)
    net.advance(500)
    expect(a.length(W)).toBe(1) // nothing more arrives
    // A new peer that connects later is neither offered W nor sees it attached.
    const d = net.peer('d', { key: KEY })
    const ad = net.connect(a, d)
    net.flush()
    expect(attachedKeys(a, ad.connA)).toEqual([])
    expect(d.store.has(hex(W))).toBe(false)
  })

  test('unblock lets sessions opened afterwards carry the feed again', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY, blocked: [W] })
    const b = net.peer('b', { key: KEY })
    b.addWriter(W, 2)
    net.connect(a, b)
    net.flush()
    expect(a.store.has(hex(W))).toBe(false)
    a.input({ type: 'unblock', key: W })
    net.connect(a, b)
    net.flush()
    expect(a.length(W)).toBe(2)
  })

  test('remove takes the feed out of the collection and closes it', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    b.addWriter(W, 1)
    net.connect(a, b)
    net.flush()
    const size = a.collection.size
    a.input({ type: 'remove', key: W })
    expect(a.collection.size).toBe(size - 1)
    expect(a.open.has(hex(W))).toBe(false)
    expect(() => a.addWriter(W)).toThrow(expect.objectContaining({ code: 'ERR_BLOCKED' }))
  })
})

describe('room', () => {
  test('a flooding member cannot lock the local user out of its first writers', () => {
    const net = new CollectionNet()
    const limits = { maxFeeds: 10 }
    const a = net.peer('a', { key: KEY, limits, reservedLocalFeeds: 3 })
    const flooder = net.peer('flooder', { key: KEY })
    for (let i = 0; i < 20; i++) flooder.addWriter(testKey(100 + i), 1)
    net.connect(a, flooder)
    net.flush()
    expect(a.collection.size).toBe(7) // maxFeeds - reservedLocalFeeds
    a.addWriter(testKey(1))
    a.addWriter(testKey(2))
    a.addWriter(testKey(3))
    expect(a.collection.size).toBe(10)
    expect(() => a.addWriter(testKey(4))).toThrow(
      expect.objectContaining({ code: 'ERR_COLLECTION_FULL' }),
    )
  })

  test('two connections offering the same key reserve its room once', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY, limits: { maxFeeds: 1 }, reservedLocalFeeds: 0 })
    const b = net.peer('b', { key: KEY })
    const c = net.peer('c', { key: KEY })
    b.addWriter(W, 1)
    c.input({ type: 'add-local', now: 0, key: W, length: 1 })
    c.store.set(hex(W), 1)
    c.open.add(hex(W))
    const ab = net.connect(a, b)
    const ac = net.connect(a, c)
    net.flush()
    expect(a.collection.size).toBe(1)
    expect(attachedKeys(a, ab.connA)).toEqual([hex(W)])
    expect(attachedKeys(a, ac.connA)).toEqual([hex(W)])
  })
})

describe('propagation and growth', () => {
  test('a feed learned on one connection reaches a peer on another (A-B-C)', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    const c = net.peer('c', { key: KEY })
    net.connect(a, b)
    net.connect(b, c)
    net.flush()
    a.addWriter(W, 4)
    net.advance(300)
    expect(c.length(W)).toBe(4)
  })

  test('growth is re-offered at most once per interval per connection, and synced follows', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY, reofferInterval: 100 })
    const b = net.peer('b', { key: KEY })
    a.addWriter(W, 1)
    const link = net.connect(a, b)
    net.flush()
    const manifestsBefore = a
      .actions('send')
      .filter((s) => s.conn === link.connA && s.message.type === 'manifest').length
    // 200 appends, one per millisecond.
    for (let i = 0; i < 200; i++) {
      net.now += 1
      a.append(W)
      net.flush()
    }
    net.advance(200)
    const manifests =
      a.actions('send').filter((s) => s.conn === link.connA && s.message.type === 'manifest')
        .length - manifestsBefore
    expect(manifests).toBeGreaterThan(0)
    expect(manifests).toBeLessThanOrEqual(4) // one per 100 ms over 200 ms, plus the trailing one
    expect(b.length(W)).toBe(201)
    expect(b.collection.isSynced(link.connB)).toBe(true)
  })
})

describe('usage', () => {
  test('events before open, a second open and unknown connections', () => {
    const collection = new Collection()
    expect(() => collection.handle({ type: 'tick', now: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
    )
    collection.handle({
      type: 'open',
      now: 0,
      key: KEY,
      client: 'multifeed',
      userData: null,
      feeds: [],
      blocked: [],
    })
    expect(() =>
      collection.handle({
        type: 'open',
        now: 0,
        key: KEY,
        client: 'multifeed',
        userData: null,
        feeds: [],
        blocked: [],
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }))
    // Bytes for a connection that never opened (or already ended) are dropped.
    expect(
      collection.handle({ type: 'message', conn: 9, messageType: 0, body: new Uint8Array(2) }),
    ).toEqual([])
  })

  test('after close every event is ignored', () => {
    const net = new CollectionNet()
    const a = net.peer('a', { key: KEY })
    const b = net.peer('b', { key: KEY })
    a.addWriter(V, 1)
    const link = net.connect(a, b)
    net.flush()
    const closing = a.input({ type: 'close' })
    expect(closing.map((x) => x.type)).toEqual(['send', 'detach', 'close-feeds', 'closed'])
    expect(closing[0]).toMatchObject({ message: { type: 'close', code: 0 } })
    expect(a.input({ type: 'tick', now: 10 })).toEqual([])
    expect(a.input({ type: 'disconnect', conn: link.connA })).toEqual([])
  })
})
