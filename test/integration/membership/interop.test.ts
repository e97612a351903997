/**
 * Protocol 1.1 seen from the other side of the wire (issue 12 items 1, 4 and 8): a 1.0 peer
 * (a Multifeed capped at minor 0, which behaves as 1.0.1 byte for byte) with a 1.1 peer; what a
 * 1.0 peer can and cannot do with a closed multifeed (spec/membership.md section 11); and a
 * hostile peer that holds the invitation, played by a raw protomux channel, sending operations
 * that must be refused (14.5).
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { discoveryKey } from '../../../src/codec/capability.js'
import type { Multifeed, MultifeedChannel } from '../../../src/index.js'
import { DEFAULT_MEMBERSHIP_LIMITS } from '../../../src/state/membership/constants.js'
import { closedMultifeedKey, genesisId } from '../../../src/state/membership/crypto.js'
import { MembershipState } from '../../../src/state/membership/state.js'
import {
  decodeOperationsMessage,
  encodeOperationsMessages,
} from '../../../src/state/membership/sync.js'
import { harness } from '../helpers/harness.js'
import { capability, encodeHandshake, RawPeer } from '../helpers/raw-peer.js'
import { noisePair } from '../helpers/streams.js'
import { contiguous, multifeed, next, replicateStores, tempStore } from '../multifeed-helpers.js'

const hex = (bytes: Uint8Array) => b4a.toString(bytes, 'hex')

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function connected(
  a: Multifeed,
  storeA: Awaited<ReturnType<typeof tempStore>>,
  b: Multifeed,
  storeB: Awaited<ReturnType<typeof tempStore>>,
): Promise<[MultifeedChannel, MultifeedChannel]> {
  const [sa, sb] = replicateStores(storeA, storeB)
  return [a.attach(sa), b.attach(sb)]
}

describe('a 1.0 peer and a 1.1 peer', () => {
  test('talk at 1.0 on an open multifeed: each sees the other minor, feeds go both ways', async () => {
    const storeNew = await tempStore()
    const storeOld = await tempStore()
    const current = multifeed(storeNew)
    const old = multifeed(storeOld, { key: current.key, protocolMinor: 0 })
    await Promise.all([current.ready(), old.ready()])
    await (await current.writer()).append('from 1.1')
    await (await old.writer()).append('from 1.0')
    const [toOld, toNew] = await connected(current, storeNew, old, storeOld)
    const [seenByNew] = await next<[{ minor: number }]>(toOld, 'handshake')
    expect(seenByNew.minor).toBe(0)
    await next(toNew, 'synced')
    expect(toNew.remoteClient).toBe('multifeed')
    for (const mf of [current, old]) {
      while (mf.keys().length < 2) await next(mf, 'remote-feeds')
    }
    for (const core of old.feeds()) {
      await core.ready()
      await contiguous(core, 1)
    }
    expect(old.feeds().length).toBe(2)
  })
})

describe('what a 1.0 peer cannot do with a closed multifeed (spec/membership.md 11)', () => {
  test("given the invitation's multifeed key, it runs another multifeed: the channel is refused", async () => {
    const storeA = await tempStore()
    const closed = multifeed(storeA, { closed: true })
    await closed.ready()
    await (await closed.writer()).append('secret')
    const storeB = await tempStore()
    const old = multifeed(storeB, { key: closed.key, protocolMinor: 0 })
    await old.ready()
    expect(hex(old.discoveryKey)).not.toBe(hex(closed.discoveryKey))
    const [, channel] = await connected(closed, storeA, old, storeB)
    const [err] = await next<[{ code: string }]>(channel, 'session-error')
    expect(err.code).toBe('ERR_CHANNEL_REJECTED')
    expect(old.keys()).toEqual([])
  })

  test('given the closed key (a leak), it passes the Handshake but gets no Manifest: ERR_REMOTE_UNKNOWN 10', async () => {
    const storeA = await tempStore()
    const closed = multifeed(storeA, { closed: true })
    await closed.ready()
    const writer = await closed.writer()
    await writer.append('secret')
    const closedKey = closedMultifeedKey(
      closed.key,
      genesisId(
        { multifeedKey: closed.key, founder: closed.membershipKey! },
        DEFAULT_MEMBERSHIP_LIMITS,
      ),
    )
    const storeB = await tempStore()
    const old = multifeed(storeB, { key: closedKey, protocolMinor: 0 })
    await old.ready()
    expect(hex(old.discoveryKey)).toBe(hex(closed.discoveryKey))
    const [ours, theirs] = await connected(closed, storeA, old, storeB)
    const [ourErr] = await next<[{ code: string }]>(ours, 'session-error')
    expect(ourErr.code).toBe('ERR_MINOR_REQUIRED')
    const [theirErr] = await next<[{ code: string; wireCode: number }]>(theirs, 'session-error')
    expect([theirErr.code, theirErr.wireCode]).toEqual(['ERR_REMOTE_UNKNOWN', 10])
    await sleep(50)
    expect(old.keys()).toEqual([])
    expect(old.feed(writer.key)).toBeNull()
  })
})

describe('hostile operations (spec/membership.md 14.5)', () => {
  /**
   * A closed multifeed's member, and a raw peer that holds the invitation: it proves the closed
   * key at minor 1 and then sends whatever it likes.
   */
  async function victimAndRawPeer() {
    const h = harness()
    const founderStore = await tempStore()
    const founder = multifeed(founderStore, { closed: true })
    await founder.ready()
    const founderKey = founder.membershipKey!
    const writer = await founder.writer()
    const victimStore = await tempStore()
    const victim = multifeed(victimStore, { invitation: founder.invitation! })
    await victim.ready()
    const [fa, fb] = replicateStores(founderStore, victimStore)
    founder.attach(fa)
    victim.attach(fb)
    while (victim.members().length === 0) await next(victim, 'membership')
    const closedKey = closedMultifeedKey(
      victim.key,
      genesisId({ multifeedKey: victim.key, founder: founderKey }, DEFAULT_MEMBERSHIP_LIMITS),
    )
    const noise = noisePair(h)
    victim.replicate(noise.initiator)
    await noise.responder.opened
    const raw = new RawPeer(
      noise.responder,
      victim.discoveryKey,
      encodeHandshake({
        major: 1,
        minor: 1,
        client: 'multifeed',
        capability: capability(closedKey, noise.responder.handshakeHash!, false),
      }),
    )
    await new Promise((resolve) => raw.once('open', resolve))
    return { founder, victim, raw, writer }
  }

  const send = (raw: RawPeer, operations: Uint8Array[]) =>
    raw.send(5, encodeOperationsMessages(operations)[0]!)

  test('a forged signature, or the genesis of another founder, fails the session and changes nothing', async () => {
    for (const forge of ['signature', 'genesis'] as const) {
      const peer = await victimAndRawPeer()
      const { victim, raw, writer } = peer
      const errors: string[] = []
      victim.on('session-error', (err) => errors.push(err.code))
      const stored = await storedOperations(peer)
      const before = victim.members().map(hex)
      let forged: Uint8Array
      if (forge === 'signature') {
        // The founder's add-writer with one byte of its feed changed: the signature is not the
        // founder's over these bytes any more.
        forged = Uint8Array.from(stored.at(-1)!)
        forged[forged.length - 64 - 1]! ^= 1
      } else {
        const mallory = crypto.keyPair()
        forged = new MembershipState({
          founder: mallory.publicKey,
          discoveryKey: discoveryKey(victim.key),
        }).signGenesis(mallory)
      }
      send(raw, [forged])
      await new Promise((resolve) => raw.once('close', resolve))
      expect(errors, forge).toEqual(['ERR_BAD_OPERATION'])
      expect(victim.members().map(hex)).toEqual(before)
      expect(victim.cut(writer.key)).toBeNull()
    }
  })

  test('an operation by a key that is not an admin fails the session; a replay changes nothing', async () => {
    const first = await victimAndRawPeer()
    const { victim, raw } = first
    const errors: string[] = []
    victim.on('session-error', (err) => errors.push(err.code))
    // A replay of what the victim stores: refused as duplicates, which is no error.
    const stored = await storedOperations(first)
    send(raw, stored)
    await sleep(100)
    expect(raw.closed).toBe(false)
    expect(errors).toEqual([])
    // A non-admin's add-writer on the real history.
    const history = new MembershipState({
      founder: first.founder.membershipKey!,
      discoveryKey: discoveryKey(victim.key),
    })
    history.receive(stored)
    const outsider = crypto.keyPair()
    const byOutsider = history.sign({ type: 'add-writer', feed: crypto.randomBytes(32) }, outsider)
    const members = victim.members().map(hex)
    send(raw, [byOutsider])
    await new Promise((resolve) => raw.once('close', resolve))
    expect(errors).toEqual(['ERR_BAD_OPERATION'])
    expect(victim.members().map(hex)).toEqual(members)
  })
})

/** The operations a closed multifeed stores, read by a peer that asks with an empty Have. */
async function storedOperations(peer: { raw: RawPeer }): Promise<Uint8Array[]> {
  const { raw } = peer
  // Our Have says we hold nothing: the victim answers with every operation it stores.
  const answered = new Promise<Uint8Array>((resolve) => {
    const onMessage = (m: { type: number; body: Uint8Array }) => {
      if (m.type !== 5) return
      raw.off('message', onMessage)
      resolve(m.body)
    }
    raw.on('message', onMessage)
  })
  raw.send(4, Uint8Array.of(0, 0, 0))
  return decodeOperationsMessage(await answered)
}
