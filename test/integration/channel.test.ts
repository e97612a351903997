/**
 * MultifeedChannel over real Noise streams (@hyperswarm/secret-stream) that also carry Corestore
 * replication: handshake, failures that close only the channel, a multifeed one side lacks.
 */
import { EventEmitter } from 'node:events'
import b4a from 'b4a'
import c from 'compact-encoding'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import Protomux, { type Channel } from 'protomux'
import { describe, expect, test } from 'vitest'
import {
  codec,
  ErrorCode,
  type MultifeedChannel,
  type MultifeedError,
  type RemoteHandshake,
} from '../../src/index.js'
import { contiguous, multifeed, next, replicateStores, tempStore } from './multifeed-helpers.js'

/** A plain core replicated alongside, to prove the shared stream keeps working. */
async function plainCore(a: Corestore, b: Corestore): Promise<[Hypercore, Hypercore]> {
  const writer = a.get({ name: 'plain' })
  await writer.ready()
  await writer.append(b4a.from('first'))
  const reader = b.get({ key: writer.key })
  await reader.ready()
  reader.download({ start: 0, end: -1 })
  return [writer, reader]
}

interface RawPeer {
  channel: Channel
  /** Messages received, by type number. */
  received: Array<{ messageType: number; body: Uint8Array }>
  /** Emits 'message' after each received message. */
  events: EventEmitter
  closed: Promise<void>
}

/** Waits until the raw peer has received `count` messages. */
async function receivedCount(peer: RawPeer, count: number): Promise<void> {
  while (peer.received.length < count) await next(peer.events, 'message')
}

/** A hand-driven multifeed channel on the remote end of `noise`, to send arbitrary bytes. */
function rawPeer(noise: { userData: unknown }, discoveryKey: Uint8Array): RawPeer {
  const mux = Protomux.from(noise as never)
  const received: RawPeer['received'] = []
  const events = new EventEmitter()
  let onClose: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    onClose = resolve
  })
  const channel = mux.createChannel({
    protocol: codec.PROTOMUX_PROTOCOL,
    id: discoveryKey,
    handshake: c.raw,
    messages: [0, 1, 2, 3].map((messageType) => ({
      encoding: c.raw,
      onmessage: (body: unknown) => {
        received.push({ messageType, body: body as Uint8Array })
        events.emit('message')
      },
    })),
    onclose: () => onClose(),
  })
  if (channel === null) throw new Error('raw channel not created')
  return { channel, received, events, closed }
}

/** A valid handshake for the raw peer (responder side of the pair). */
function rawHandshake(key: Uint8Array, handshakeHash: Uint8Array, badCapability = false) {
  const capability = badCapability
    ? crypto.randomBytes(32)
    : codec.capability(key, handshakeHash, 'responder')
  return codec.encodeHandshake({
    type: 'handshake',
    major: 1,
    minor: 0,
    client: codec.DEFAULT_CLIENT,
    capability,
    userData: null,
  })
}

function closeCodeSent(peer: RawPeer): number | undefined {
  const close = peer.received.find((m) => m.messageType === codec.MessageType.Close)
  if (!close) return undefined
  const decoded = codec.decodeMessage(codec.MessageType.Close, close.body)
  return decoded?.type === 'close' ? (decoded as codec.Close).code : undefined
}

async function failedWith(channel: MultifeedChannel): Promise<MultifeedError> {
  const [err] = await next<[MultifeedError]>(channel, 'session-error')
  if (!channel.closed) await next(channel, 'close')
  return err
}

describe('MultifeedChannel', () => {
  test('opens and handshakes over a Noise stream shared with Corestore replication', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mfA = multifeed(storeA, { userData: b4a.from('from a') })
    const mfB = multifeed(storeB, { key: mfA.key, userData: b4a.from('from b') })
    const [sa, sb] = replicateStores(storeA, storeB)
    const channelA = mfA.attach(sa)
    const channelB = mfB.attach(sb)
    const [[seenByA], [seenByB]] = await Promise.all([
      next<[RemoteHandshake]>(channelA, 'handshake'),
      next<[RemoteHandshake]>(channelB, 'handshake'),
    ])
    expect({ ...seenByA, userData: b4a.toString(seenByA.userData!) }).toEqual({
      client: 'multifeed',
      major: 1,
      minor: 1, // protocol 1.1 by default (protocolMinor)
      userData: 'from b',
    })
    expect(b4a.toString(seenByB.userData!)).toBe('from a')
    expect(b4a.equals(channelA.remoteUserData!, b4a.from('from b'))).toBe(true)
    expect(channelB.remoteClient).toBe('multifeed')
    // Attaching again to the same stream gives the same channel, not a second one.
    expect(mfA.attach(sa)).toBe(channelA)
  })

  test('a malformed handshake closes only the channel; the stream keeps replicating', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mf = multifeed(storeA)
    const [sa, sb] = replicateStores(storeA, storeB)
    const [writer, reader] = await plainCore(storeA, storeB)
    await contiguous(reader, 1)

    const channel = mf.attach(sa)
    const peer = rawPeer(sb, mf.discoveryKey)
    peer.channel.open(b4a.from([0xfd, 0x01])) // a truncated varint
    const err = await failedWith(channel)
    await peer.closed

    expect(err.code).toBe('ERR_MALFORMED_MESSAGE')
    expect(err.remote).toBe(true)
    expect(err.decodeCode).toBe('ERR_DECODE_TRUNCATED')
    expect(channel.error).toBe(err)
    expect(closeCodeSent(peer)).toBe(ErrorCode.ERR_MALFORMED_MESSAGE)
    expect(sa.destroyed || sb.destroyed).toBe(false)
    await writer.append(b4a.from('after the failure'))
    await contiguous(reader, 2)
    expect(b4a.toString(await reader.get(1))).toBe('after the failure')
  })

  test('a protocol violation (request for a key never offered) closes only the channel', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mf = multifeed(storeA)
    const [sa, sb] = replicateStores(storeA, storeB)
    const [writer, reader] = await plainCore(storeA, storeB)
    await sb.opened

    const channel = mf.attach(sa)
    const handshake = next(channel, 'handshake')
    const peer = rawPeer(sb, mf.discoveryKey)
    peer.channel.open(rawHandshake(mf.key, sb.handshakeHash!))
    await handshake
    const request = codec.encodeMessage({
      type: 'request',
      keys: codec.KeyBlock.from([crypto.randomBytes(32)]),
    })
    peer.channel.messages[codec.MessageType.Request]!.send(request)
    const err = await failedWith(channel)
    await peer.closed

    expect(err.code).toBe('ERR_NOT_OFFERED')
    expect(err.remote).toBe(true)
    expect(closeCodeSent(peer)).toBe(ErrorCode.ERR_NOT_OFFERED)
    await writer.append(b4a.from('still replicating'))
    await contiguous(reader, 2)
    expect(sa.destroyed || sb.destroyed).toBe(false)
  })

  test('feeds learned in one Replicate are announced on another connection in one Manifest', async () => {
    const [storeA, storeB, storeC] = await Promise.all([tempStore(), tempStore(), tempStore()])
    const mf = multifeed(storeA)
    const source = multifeed(storeB, { key: mf.key })
    for (const name of ['x', 'y', 'z']) await (await source.writer(name)).append(b4a.from(name))
    // A raw peer on a second connection of A, verified before the feeds arrive.
    const [sa, sc] = replicateStores(storeA, storeC)
    await sc.opened
    const channel = mf.attach(sa)
    const handshake = next(channel, 'handshake')
    const peer = rawPeer(sc, mf.discoveryKey)
    peer.channel.open(rawHandshake(mf.key, sc.handshakeHash!))
    await handshake
    await receivedCount(peer, 1) // A's initial batch: nothing yet

    const [ab, ba] = replicateStores(storeA, storeB)
    const learned = next(mf, 'remote-feeds')
    mf.attach(ab)
    source.attach(ba)
    await learned
    await receivedCount(peer, 2)
    const { messageType, body } = peer.received[1]!
    expect(messageType).toBe(codec.MessageType.Manifest)
    const manifest = codec.decodeMessage(messageType, body) as codec.Manifest
    expect(manifest.more).toBe(false)
    expect(manifest.entries.map((e) => b4a.toString(e.key, 'hex')).sort()).toEqual(
      source
        .feeds()
        .map((core) => b4a.toString(core.key, 'hex'))
        .sort(),
    )
  })

  test('a capability made without the key is refused before any feed key is sent', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mf = multifeed(storeA)
    await (await mf.writer()).append(b4a.from('secret data'))
    const [sa, sb] = replicateStores(storeA, storeB)
    await sb.opened

    const channel = mf.attach(sa)
    const peer = rawPeer(sb, mf.discoveryKey)
    peer.channel.open(rawHandshake(mf.key, sb.handshakeHash!, true))
    const err = await failedWith(channel)
    await peer.closed

    expect(err.code).toBe('ERR_BAD_CAPABILITY')
    // Only the Close message reached the peer: no Manifest, so no feed key.
    expect(peer.received.map((m) => m.messageType)).toEqual([codec.MessageType.Close])
  })

  test('a remote that never answers the channel fails it with ERR_HANDSHAKE_TIMEOUT only', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mf = multifeed(storeA, { limits: { handshakeTimeout: 100 } })
    const [sa, sb] = replicateStores(storeA, storeB)
    // The remote holds our open (paired) but never opens its side.
    Protomux.from(sb as never).pair(
      { protocol: codec.PROTOMUX_PROTOCOL, id: mf.discoveryKey },
      () => new Promise(() => {}),
    )
    const err = await failedWith(mf.attach(sa))
    expect(err.code).toBe('ERR_HANDSHAKE_TIMEOUT')
    expect(sa.destroyed || sb.destroyed).toBe(false)
  })

  test('client names that differ fail on both sides with both names', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mfA = multifeed(storeA, { client: 'cabal' })
    const mfB = multifeed(storeB, { key: mfA.key, client: 'mapeo' })
    const [sa, sb] = replicateStores(storeA, storeB)
    const reportedByA = next<[MultifeedError, MultifeedChannel]>(mfA, 'session-error')
    const channelA = mfA.attach(sa)
    const [errA, errB] = await Promise.all([failedWith(channelA), failedWith(mfB.attach(sb))])
    // The Multifeed re-emits each channel's failure with the channel.
    const [reported, reportingChannel] = await reportedByA
    expect(reported).toBe(errA)
    expect(reportingChannel).toBe(channelA)
    expect(errA.code).toBe('ERR_CLIENT_MISMATCH')
    expect(errA).toMatchObject({ usClient: 'cabal', themClient: 'mapeo' })
    expect(errB.code).toBe('ERR_CLIENT_MISMATCH')
    expect(sa.destroyed || sb.destroyed).toBe(false)
  })

  test('a multifeed only one side has leaves the stream alone, and pairs when the other joins', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mfA = multifeed(storeA)
    await (await mfA.writer()).append(b4a.from('a'))
    const [sa, sb] = replicateStores(storeA, storeB)
    const [writer, reader] = await plainCore(storeA, storeB)

    const lonely = mfA.attach(sa)
    await next(lonely, 'close')
    // B has no such multifeed: protomux refuses the channel, and only the channel closes.
    expect(lonely.error?.code).toBe('ERR_CHANNEL_REJECTED')
    await writer.append(b4a.from('unaffected'))
    await contiguous(reader, 2)
    expect(sa.destroyed || sb.destroyed).toBe(false)

    // B joins the multifeed later on the same stream: A answers with a fresh channel.
    const mfB = multifeed(storeB, { key: mfA.key })
    const synced = next(mfB, 'synced')
    mfB.attach(sb)
    await synced
    expect(mfB.feeds()).toHaveLength(1)
    expect(b4a.toString(await mfB.feeds()[0]!.get(0))).toBe('a')
  })

  test('a normal close closes the remote without error; rejoining on the stream works', async () => {
    const [storeA, storeB] = await Promise.all([tempStore(), tempStore()])
    const mfA = multifeed(storeA)
    const mfB = multifeed(storeB, { key: mfA.key })
    const [sa, sb] = replicateStores(storeA, storeB)
    const channelA = mfA.attach(sa)
    const channelB = mfB.attach(sb)
    await next(channelB, 'handshake')
    const remoteClosed = next(channelB, 'close')
    channelA.close()
    await remoteClosed
    expect(channelA.closed && channelB.closed).toBe(true)
    expect(channelA.error ?? channelB.error).toBeNull()
    expect([channelA.closedBy, channelB.closedBy]).toEqual(['local', 'remote'])
    expect(sa.destroyed || sb.destroyed).toBe(false)

    // A rejoins on the same stream: B, left by a normal close, answers with a fresh channel.
    const rejoined = mfA.attach(sa)
    expect(rejoined).not.toBe(channelA)
    const [seen] = await next<[RemoteHandshake]>(rejoined, 'handshake')
    expect(seen.client).toBe('multifeed')
  })
})
