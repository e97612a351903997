/**
 * Acceptance, group "mux": kappa-db/multifeed 6 test/mux.js (the key exchange), over a Noise
 * stream pair from @hyperswarm/secret-stream.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { type Core, feedKeys, heldBlock, hex, writerWith } from '../helpers/feeds.js'
import { harness } from '../helpers/harness.js'
import {
  capability,
  decodeClose,
  decodeKeys,
  decodeManifest,
  encodeHandshake,
  encodeKeys,
  MessageTypes,
  RawPeer,
  type ReceivedMessage,
} from '../helpers/raw-peer.js'
import { noisePair, replicate } from '../helpers/streams.js'
import { capture, once, until } from '../helpers/wait.js'

describe('mux', () => {
  test('offer [A,B,C], request [A,C,X]: both sides replicate exactly [A,C]', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const offering = h.multifeed(await h.store(), { key })
    const [A, B, C] = [
      await writerWith(offering, 'a', 'A'),
      await writerWith(offering, 'b', 'B'),
      await writerWith(offering, 'c', 'C'),
    ] as [Core, Core, Core]
    const X = crypto.randomBytes(32) // wanted, never offered
    const wanted = new Set([A, C].map((w) => hex(w.key)).concat(hex(X)))
    const requesting = h.multifeed(await h.store(), {
      key,
      want: (entry: { key: Uint8Array }) => wanted.has(hex(entry.key)),
    })
    await requesting.ready()

    const noise = noisePair(h)
    const remoteFeeds = capture(requesting, 'remote-feeds', (keys: Uint8Array[]) => keys.map(hex), {
      label: 'requesting multifeed',
    })
    const offeringSaw = capture(offering, 'remote-feeds', (keys: Uint8Array[]) => keys.map(hex), {
      label: 'offering multifeed',
    })
    const synced = once(requesting, 'synced', { label: 'requesting multifeed' })
    offering.replicate(noise.initiator)
    requesting.replicate(noise.responder)

    expect(await remoteFeeds).toEqual([hex(A.key), hex(C.key)])
    expect(await offeringSaw).toEqual([])
    await synced
    // Feeds accepted in one batch join as their cores finish opening: compare as sets.
    expect(feedKeys(requesting).sort()).toEqual([hex(A.key), hex(C.key)].sort())
    expect(requesting.feed(B.key)).toBeNull()
    expect(requesting.feed(X)).toBeNull()
    expect(b4a.toString((await heldBlock(requesting.feed(A.key)!, 0)) as Uint8Array)).toBe('A')
    expect(b4a.toString((await heldBlock(requesting.feed(C.key)!, 0)) as Uint8Array)).toBe('C')
    // The offering side replicates A and C with the requester, and B with nobody.
    expect([A, B, C].map((w) => w.peers.length)).toEqual([1, 0, 1])
    expect(feedKeys(offering)).toEqual([A, B, C].map((w) => hex(w.key)))
    expect(noise.errors).toEqual([])
  })

  test('offer [A,B,C], request [A,C] on the wire: Replicate lists exactly [A,C]; requesting never-offered X is ERR_NOT_OFFERED', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const offering = h.multifeed(await h.store(), { key })
    const writers = [
      await writerWith(offering, 'a', 'A'),
      await writerWith(offering, 'b', 'B'),
      await writerWith(offering, 'c', 'C'),
    ]
    const [A, , C] = writers.map((w) => w.key) as [Uint8Array, Uint8Array, Uint8Array]

    async function wirePeer() {
      const noise = noisePair(h)
      offering.replicate(noise.initiator)
      await noise.responder.opened
      const handshake = encodeHandshake({
        major: 1,
        minor: 0,
        client: 'multifeed',
        capability: capability(key, noise.responder.handshakeHash!, false),
      })
      const raw = new RawPeer(noise.responder, offering.discoveryKey, handshake)
      const offered: string[] = []
      await until(
        [raw],
        ['message'],
        () => {
          const manifests = raw.received.filter((m) => m.type === MessageTypes.Manifest)
          offered.length = 0
          for (const m of manifests)
            offered.push(...decodeManifest(m.body).entries.map((e) => hex(e.key)))
          const last = manifests.at(-1)
          return last !== undefined && !decodeManifest(last.body).more
        },
        'the offer batch',
      )
      return { raw, offered }
    }

    const first = await wirePeer()
    expect(first.offered.sort()).toEqual(writers.map((w) => hex(w.key)).sort())
    const replicated = capture(first.raw, 'message', (m: ReceivedMessage) => decodeKeys(m.body), {
      filter: (m: ReceivedMessage) => m.type === MessageTypes.Replicate,
    })
    first.raw.send(MessageTypes.Request, encodeKeys([A, C]))
    expect((await replicated).map(hex)).toEqual([hex(A), hex(C)])

    const second = await wirePeer()
    const failed = once<[{ code: string }]>(offering, 'session-error')
    second.raw.send(MessageTypes.Request, encodeKeys([A, C, crypto.randomBytes(32)]))
    expect((await failed)[0].code).toBe('ERR_NOT_OFFERED')
    if (!second.raw.closed) await once(second.raw, 'close')
    expect(second.raw.received.map((m) => m.type)).not.toContain(MessageTypes.Replicate)
    const close = second.raw.received.find((m) => m.type === MessageTypes.Close)
    expect(close && decodeClose(close.body).code).toBe(8)
    // The first session is unaffected.
    expect(first.raw.closed).toBe(false)
  })

  test("the remote's handshake userData is visible on both sides", async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const storeA = await h.store()
    const storeB = await h.store()
    const m1 = h.multifeed(storeA, { key })
    const m2 = h.multifeed(storeB, { key })
    await Promise.all([m1.ready(), m2.ready()])
    const id1 = crypto.randomBytes(16)
    const id2 = crypto.randomBytes(16)

    const noise = noisePair(h)
    h.stream(storeA.replicate(noise.initiator))
    h.stream(storeB.replicate(noise.responder))
    const ch1 = m1.attach(noise.initiator, { userData: id1 })
    const ch2 = m2.attach(noise.responder, { userData: id2 })
    const [[hs1], [hs2]] = await Promise.all([
      once<[{ userData: Uint8Array; client: string; major: number }]>(ch1, 'handshake'),
      once<[{ userData: Uint8Array; client: string; major: number }]>(ch2, 'handshake'),
    ])
    expect(hex(hs1.userData)).toBe(hex(id2))
    expect(hex(hs2.userData)).toBe(hex(id1))
    expect(hex(ch1.remoteUserData!)).toBe(hex(id2))
    expect(hex(ch2.remoteUserData!)).toBe(hex(id1))
    expect(hs1.major).toBe(1)
    expect(hs1.client).toBe(ch1.remoteClient)
  })

  test("the remote's handshake userData is visible: multifeed-wide userData over replicate()", async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const id1 = crypto.randomBytes(8)
    const id2 = crypto.randomBytes(8)
    const m1 = h.multifeed(await h.store(), { key, userData: id1 })
    const m2 = h.multifeed(await h.store(), { key, userData: id2 })
    const seen = Promise.all(
      [m1, m2].map((m) =>
        capture(m, 'remote-feeds', (_keys: unknown, ch: { remoteUserData: Uint8Array | null }) =>
          ch.remoteUserData ? hex(ch.remoteUserData) : null,
        ),
      ),
    )
    replicate(h, m1, m2)
    expect(await seen).toEqual([hex(id2), hex(id1)])
  })
})
