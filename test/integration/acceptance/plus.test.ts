/**
 * Acceptance, group "plus": what the brief adds to multifeed 6 (synced, capability, version and
 * client checks, blocking, limits, durability across close and restart).
 */
import b4a from 'b4a'
import Corestore from 'corestore'
import crypto from 'hypercore-crypto'
import Protomux from 'protomux'
import { describe, expect, test } from 'vitest'
import type { Multifeed, MultifeedError } from '../../../src/index.js'
import {
  type Core,
  feedKeys,
  getBlock,
  heldBlock,
  hex,
  recordSessionErrors,
  writerWith,
} from '../helpers/feeds.js'
import { type Harness, harness } from '../helpers/harness.js'
import {
  capability,
  containsBytes,
  decodeClose,
  decodeKeys,
  encodeHandshake,
  encodeKeys,
  encodeManifest,
  MessageTypes,
  RawPeer,
  type ReceivedMessage,
} from '../helpers/raw-peer.js'
import { noisePair, replicate } from '../helpers/streams.js'
import { capture, once, until, within } from '../helpers/wait.js'

const json = { valueEncoding: 'json' } as const

/** A Multifeed on the initiator end of a Noise pair and a RawPeer on the responder end. */
async function rawPeerAgainst(
  h: Harness,
  mf: Multifeed,
  handshake: (hash: Uint8Array) => Uint8Array,
) {
  await mf.ready()
  const noise = noisePair(h)
  // Every decrypted frame the raw side receives on the connection (all channels).
  const frames: Uint8Array[] = []
  noise.responder.on('data', (frame: Uint8Array) => frames.push(frame))
  mf.replicate(noise.initiator)
  await noise.responder.opened
  const raw = new RawPeer(
    noise.responder,
    mf.discoveryKey,
    handshake(noise.responder.handshakeHash!),
  )
  return { raw, noise, frames }
}

const closeOf = (received: ReceivedMessage[]) => {
  const close = received.find((m) => m.type === MessageTypes.Close)
  return close ? decodeClose(close.body) : null
}

describe('plus', () => {
  test('synced fires once both sides hold every accepted feed at the advertised length', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const big = await writerWith(m1, 'big', ...Array.from({ length: 300 }, (_, i) => i))
    const empty = await m1.writer('empty')
    const other = await writerWith(m2, 'other', ...Array.from({ length: 200 }, (_, i) => i))
    const sources = new Map([big, empty, other].map((w) => [hex(w.key), w.length]))
    const heldAt = (mf: Multifeed) => () =>
      mf.feeds().map((f) => [hex(f.key), f.contiguousLength, sources.get(hex(f.key))])

    const conn = replicate(h, m1, m2)
    const [at1, at2] = await Promise.all([
      capture(conn.a, 'synced', heldAt(m1), { label: 'm1 stream' }),
      capture(conn.b, 'synced', heldAt(m2), { label: 'm2 stream' }),
    ])
    // Feeds accepted in one batch join in the order their cores open: compare sorted.
    const byKey = (rows: unknown[][]) =>
      [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    const expected = byKey([
      [hex(big.key), 300, 300],
      [hex(empty.key), 0, 0],
      [hex(other.key), 200, 200],
    ])
    expect(byKey(at1)).toEqual(expected)
    expect(byKey(at2)).toEqual(expected)
  })

  test('synced fires again when a synced remote feed grows (re-offer at the new length)', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { ...json, key })
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const w = await writerWith(m1, undefined, 'first')
    await m2.ready()
    const conn = replicate(h, m1, m2)
    await once(conn.b, 'synced')
    const again = capture(conn.b, 'synced', () => m2.feed(w.key)?.contiguousLength)
    await w.append(Array.from({ length: 50 }, (_, i) => i))
    expect(await again).toBe(51)
  })

  test('a peer that only knows the discovery key gets no feed key and ERR_BAD_CAPABILITY', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), { key: crypto.randomBytes(32) })
    const writers = [await writerWith(mf, 'a', 'A'), await writerWith(mf, 'b', 'B')]
    const failed = once<[MultifeedError]>(mf, 'session-error', { label: 'multifeed' })
    // Its best guess: use the discovery key where the multifeed key belongs.
    const { raw, noise, frames } = await rawPeerAgainst(h, mf, (hash) =>
      encodeHandshake({
        major: 1,
        minor: 0,
        client: 'multifeed',
        capability: capability(mf.discoveryKey, hash, false),
      }),
    )
    const [err] = await failed
    expect(err.code).toBe('ERR_BAD_CAPABILITY')
    expect(err.remote).toBe(true)
    if (!raw.closed) await once(raw, 'close', { label: 'raw peer' })

    expect(raw.remoteHandshake).not.toBeNull()
    expect(raw.received.map((m) => m.type)).not.toContain(MessageTypes.Manifest)
    expect(closeOf(raw.received)?.code).toBe(3)
    // Neither the multifeed channel nor anything else on the connection carried a key.
    const everything = b4a.concat([raw.allReceivedBytes(), ...frames])
    // Control: the scan sees protomux frames in the clear (the channel id is the discovery key).
    expect(containsBytes(b4a.concat(frames), mf.discoveryKey)).toBe(true)
    for (const w of writers) expect(containsBytes(everything, w.key)).toBe(false)
    expect(containsBytes(everything, mf.key)).toBe(false)
    // Only the channel closed: the shared connection is still up.
    expect(noise.initiator.destroyed).toBe(false)
  })

  test('version mismatch gives ERR_VERSION_MISMATCH (usVersion/themVersion) on both ends', async () => {
    const h = harness()
    const mf = h.multifeed(await h.store(), { key: crypto.randomBytes(32) })
    await writerWith(mf, 'a', 'A')
    const failed = once<[MultifeedError]>(mf, 'session-error', { label: 'multifeed' })
    // A v2 peer: major 2, minor 3, then fields v1 cannot interpret.
    const { raw } = await rawPeerAgainst(h, mf, () => b4a.from([2, 3, 0xff, 0xff, 0xff]))
    const [err] = await failed
    expect(err.code).toBe('ERR_VERSION_MISMATCH')
    expect(err.usVersion).toEqual({ major: 1, minor: 1 }) // protocol 1.1 by default
    expect(err.themVersion).toEqual({ major: 2, minor: 3 })
    if (!raw.closed) await once(raw, 'close', { label: 'raw peer' })
    // The other end sees our version in the first two handshake bytes and the code on the wire.
    expect([...raw.remoteHandshake!.subarray(0, 2)]).toEqual([1, 1])
    expect(closeOf(raw.received)?.code).toBe(1)
    expect(raw.received.map((m) => m.type)).toEqual([MessageTypes.Close])
  })

  test('client mismatch gives ERR_CLIENT_MISMATCH (usClient/themClient) on both ends', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const m1 = h.multifeed(await h.store(), { key, client: 'cabal' })
    const m2 = h.multifeed(await h.store(), { key, client: 'mapeo' })
    const w1 = await writerWith(m1, undefined, 'foo')
    const w2 = await writerWith(m2, undefined, 'bar')
    const failed = Promise.all([
      once<[MultifeedError]>(m1, 'session-error'),
      once<[MultifeedError]>(m2, 'session-error'),
    ])
    const conn = replicate(h, m1, m2)
    const streamErrors = Promise.all([
      once<[MultifeedError]>(conn.a, 'session-error'),
      once<[MultifeedError]>(conn.b, 'session-error'),
    ])
    const [[e1], [e2]] = await failed
    expect([e1.code, e1.usClient, e1.themClient]).toEqual(['ERR_CLIENT_MISMATCH', 'cabal', 'mapeo'])
    expect([e2.code, e2.usClient, e2.themClient]).toEqual(['ERR_CLIENT_MISMATCH', 'mapeo', 'cabal'])
    const [[s1], [s2]] = await streamErrors
    expect([s1.code, s2.code]).toEqual(['ERR_CLIENT_MISMATCH', 'ERR_CLIENT_MISMATCH'])
    expect(feedKeys(m1)).toEqual([hex(w1.key)])
    expect(feedKeys(m2)).toEqual([hex(w2.key)])
  })

  test('a blocked feed is not replicated again after restart', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const dir = await h.tempDir()
    const m2 = h.multifeed(await h.store(), { ...json, key })
    const blocked = await writerWith(m2, 'f', 'f0')

    let m1 = h.multifeed(dir, { ...json, key })
    const first = replicate(h, m1, m2)
    await once(first.a, 'synced')
    expect(m1.feed(blocked.key)).not.toBeNull()
    first.end()
    await m1.block(blocked.key)
    await m1.close()

    await blocked.append(['f1', 'f2'])
    const fresh = await writerWith(m2, 'g', 'g0')
    m1 = h.multifeed(dir, { ...json, key })
    const accepted = capture(m1, 'remote-feeds', (keys: Uint8Array[]) => keys.map(hex))
    const second = replicate(h, m1, m2)
    await once(second.a, 'synced')
    expect(await heldBlock(m1.feed(fresh.key)!, 0)).toBe('g0')
    expect(await accepted).not.toContain(hex(blocked.key))

    // Nor is it offered to a peer that never had it.
    const m3 = h.multifeed(await h.store(), { ...json, key })
    const third = replicate(h, m1, m3)
    await once(third.b, 'synced')
    expect(m3.feed(fresh.key)).not.toBeNull()
    expect(m3.feed(blocked.key)).toBeNull()

    second.end()
    third.end()
    await m1.close()
    // On disk, m1's copy still holds only the block it had before blocking.
    const store = h.closable(new Corestore(dir))
    const copy = store.get({ key: blocked.key })
    await copy.ready()
    expect(copy.contiguousLength).toBe(1)
    expect(await copy.has(1)).toBe(false)
  })

  test('a remote that floods offers past the limit gets ERR_LIMIT_EXCEEDED; the collection stays within its limit', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const limits = { maxRemoteFeeds: 20, maxFeeds: 5 }
    // One local writer, and room kept for no more (spec/collection.md section 5).
    const mf = h.multifeed(await h.store(), { key, limits, reservedLocalFeeds: 1 })
    await writerWith(mf, 'local', 'x')
    const failed = once<[MultifeedError]>(mf, 'session-error', { label: 'multifeed' })
    const { raw } = await rawPeerAgainst(h, mf, (hash) =>
      encodeHandshake({
        major: 1,
        minor: 0,
        client: 'multifeed',
        capability: capability(key, hash, false),
      }),
    )
    if (!raw.remoteHandshake) await once(raw, 'open', { label: 'raw peer' })

    // First batch part: 10 keys. Room for 4 (maxFeeds 5, one local feed): only 4 are requested.
    const offered = Array.from({ length: 10 }, () => crypto.randomBytes(32))
    const requested = capture(raw, 'message', (m: ReceivedMessage) => decodeKeys(m.body), {
      filter: (m: ReceivedMessage) => m.type === MessageTypes.Request,
    })
    raw.send(
      MessageTypes.Manifest,
      encodeManifest(
        true,
        offered.map((k) => ({ key: k, length: 1 })),
      ),
    )
    const keys = await requested
    expect(keys).toHaveLength(4)
    const offeredHex = new Set(offered.map(hex))
    for (const k of keys) expect(offeredHex.has(hex(k))).toBe(true)
    raw.send(MessageTypes.Replicate, encodeKeys(keys))
    await until([mf], ['feed'], () => mf.feeds().length === 5, 'the 4 replicated feeds joined')

    // Second part: 15 more distinct keys, 25 in all > maxRemoteFeeds 20.
    const flood = Array.from({ length: 15 }, () => crypto.randomBytes(32))
    raw.send(
      MessageTypes.Manifest,
      encodeManifest(
        false,
        flood.map((k) => ({ key: k, length: 1 })),
      ),
    )
    const [err] = await failed
    expect(err.code).toBe('ERR_LIMIT_EXCEEDED')
    if (!raw.closed) await once(raw, 'close', { label: 'raw peer' })
    expect(closeOf(raw.received)?.code).toBe(6)
    expect(mf.feeds()).toHaveLength(5)
    for (const k of flood) expect(mf.feed(k)).toBeNull()
    // The rejected manifest was not applied: none of its keys was requested.
    const requestedKeys = raw.received
      .filter((m) => m.type === MessageTypes.Request)
      .flatMap((m) => decodeKeys(m.body).map(hex))
    expect(requestedKeys).toHaveLength(4)
    for (const k of flood) expect(requestedKeys).not.toContain(hex(k))
  })

  test('close during replication loses nothing already written', async () => {
    const h = harness()
    const run = await interruptedSync(h)
    const reopened = h.multifeed(run.dir, { ...json, key: run.key })
    await reopened.ready()
    expect(feedKeys(reopened)).toEqual([hex(run.own.key), hex(run.source.key)])
    const own = reopened.feed(run.own.key)!
    await own.ready() // a session as store.get() gives one
    expect(own.length).toBe(2)
    expect(await own.get(1)).toBe('written during replication')
    const copy = reopened.feed(run.source.key)!
    for (const index of run.downloadedBeforeClose) expect(await copy.has(index)).toBe(true)
    // The other side saw a normal close, not a failure.
    expect(run.originErrors).toEqual([])
    expect(await copy.get(run.downloadedBeforeClose[0]!, { wait: false })).toMatchObject({
      n: run.downloadedBeforeClose[0],
    })
  })

  test('restart mid-sync resumes and completes', async () => {
    const h = harness()
    const run = await interruptedSync(h)
    const reopened = h.multifeed(run.dir, { ...json, key: run.key })
    await reopened.ready()
    const copy = reopened.feed(run.source.key)!
    const presentAtRestart = await countPresent(copy, BLOCKS)
    let downloadedAfterRestart = 0
    copy.on('download', () => downloadedAfterRestart++)

    const conn = replicate(h, run.origin, reopened)
    await once(conn.b, 'synced', { label: 'reopened stream' })
    expect(copy.contiguousLength).toBe(BLOCKS)
    expect(await copy.get(BLOCKS - 1)).toMatchObject({ n: BLOCKS - 1 })
    // Resumed, not restarted: only the missing blocks came over again.
    expect(presentAtRestart).toBeGreaterThanOrEqual(run.downloadedBeforeClose.length)
    expect(downloadedAfterRestart).toBeLessThanOrEqual(BLOCKS - presentAtRestart)
  })
})

describe('plus: one channel fails, the connection lives', () => {
  test('a malformed message closes only the multifeed channel (ERR_MALFORMED_MESSAGE); Hypercore replication on the stream goes on', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const store = await h.store()
    const mf = h.multifeed(store, { key })
    await writerWith(mf, 'a', 'A')
    const plain = store.get({ name: 'plain' })
    await plain.append(b4a.from('plain 0'))
    const failed = once<[MultifeedError]>(mf, 'session-error', { label: 'multifeed' })
    const { raw, noise } = await rawPeerAgainst(h, mf, (hash) =>
      encodeHandshake({
        major: 1,
        minor: 0,
        client: 'multifeed',
        capability: capability(key, hash, false),
      }),
    )
    // The raw side also runs a Corestore on the same connection.
    const other = await h.store()
    h.stream(other.replicate(noise.responder))
    if (!raw.remoteHandshake) await once(raw, 'open', { label: 'raw peer' })
    // A Manifest whose `more` byte is 2: not a bool.
    raw.send(MessageTypes.Manifest, b4a.from([2, 0]))
    const [err] = await failed
    expect(err.code).toBe('ERR_MALFORMED_MESSAGE')
    if (!raw.closed) await once(raw, 'close', { label: 'raw peer' })
    expect(closeOf(raw.received)?.code).toBe(5)

    const copy = other.get({ key: plain.key! })
    expect(b4a.toString((await getBlock(copy, 0)) as Uint8Array)).toBe('plain 0')
    expect([noise.initiator.destroyed, noise.responder.destroyed]).toEqual([false, false])
  })

  test('a remote that never opens the channel: ERR_HANDSHAKE_TIMEOUT, the stream is left alone', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const mf = h.multifeed(await h.store(), { key, limits: { handshakeTimeout: 300 } })
    await mf.ready()
    const noise = noisePair(h)
    // The remote holds our channel open request without ever answering it (protomux waits for
    // the pairing callback's promise before accepting or rejecting).
    Protomux.from(noise.responder).pair(
      { protocol: 'multifeed', id: mf.discoveryKey },
      () => new Promise<void>(() => {}),
    )
    const failed = once<[MultifeedError]>(mf, 'session-error', { label: 'multifeed' })
    mf.replicate(noise.initiator)
    const [err] = await failed
    expect(err.code).toBe('ERR_HANDSHAKE_TIMEOUT')
    expect([noise.initiator.destroyed, noise.responder.destroyed]).toEqual([false, false])
    expect(noise.errors).toEqual([])
  })
})

const BLOCKS = 2000
const PADDING = 'x'.repeat(1000)

async function countPresent(core: Core, length: number): Promise<number> {
  let n = 0
  for (let i = 0; i < length; i++) if (await core.has(i)) n++
  return n
}

/**
 * `origin` holds a 2000-block feed; a directory-backed multifeed starts downloading it and is
 * closed after its 20th downloaded block, right after appending to its own writer.
 */
async function interruptedSync(h: Harness) {
  const key = crypto.randomBytes(32)
  const dir = await h.tempDir()
  const origin = h.multifeed(await h.store(), { ...json, key })
  const source = await writerWith(
    origin,
    undefined,
    ...Array.from({ length: BLOCKS }, (_, n) => ({ n, padding: PADDING })),
  )
  const originErrors = recordSessionErrors(origin)
  const target = h.multifeed(dir, { ...json, key })
  const own = await writerWith(target, 'own', 'written before replication')

  const downloaded: number[] = []
  const closed = new Promise<number[]>((resolve, reject) => {
    target.on('feed', (core: Core, info: { local: boolean }) => {
      if (info.local) return
      core.on('download', (index: number) => {
        downloaded.push(index)
        if (downloaded.length !== 20) return
        own
          .append('written during replication')
          .then(() => {
            const before = [...downloaded]
            return target.close().then(() => before)
          })
          .then(resolve, reject)
      })
    })
  })
  replicate(h, origin, target)
  const downloadedBeforeClose = await within(closed, 'the 20th downloaded block and close()')
  expect(target.closed).toBe(true)
  return { key, dir, origin, source, own, downloadedBeforeClose, originErrors }
}
