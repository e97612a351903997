/**
 * Claim: a member that floods offers cannot lock the local user out of writer()
 * (issue 14, item 5; spec/collection.md section 5, "Room"). The flooder is a raw peer that holds
 * the key and speaks the wire format itself (test/integration/helpers/raw-peer.ts): it offers
 * far more feeds than fit, and answers the victim's Requests late, or never.
 */
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import type { Multifeed, MultifeedOptions } from '../../../src/index.js'
import {
  capability,
  decodeKeys,
  encodeHandshake,
  encodeKeys,
  encodeManifest,
  MessageTypes,
  RawPeer,
} from '../helpers/raw-peer.js'
import { eventually, hex, noisePair } from './attacker.js'
import { multifeed, store, tempDir } from './peers.js'

const MAX_FEEDS = 10
const RESERVED = 3
const limits = { maxFeeds: MAX_FEEDS, maxRemoteFeeds: 1000 }
const options = (key: Uint8Array): MultifeedOptions => ({
  key,
  limits,
  reservedLocalFeeds: RESERVED,
})

/**
 * A flooder connected to `mf`: it proves the key, then offers `count` fresh feed keys at once,
 * followed by `marker` if given: a feed the victim already holds, which it always requests, so
 * that its Request shows the whole Manifest was handled (a Request lists only wanted keys).
 */
async function flooder(mf: Multifeed, key: Uint8Array, count: number, marker?: Uint8Array) {
  const pair = noisePair()
  mf.replicate(pair[0])
  await pair[1].opened
  const raw = new RawPeer(
    pair[1],
    mf.discoveryKey,
    encodeHandshake({
      major: 1,
      minor: 0,
      client: 'multifeed',
      capability: capability(key, pair[1].handshakeHash!, false),
    }),
  )
  if (raw.remoteHandshake === null) await new Promise((resolve) => raw.once('open', resolve))
  const offered = Array.from({ length: count }, () => crypto.randomBytes(32))
  raw.send(
    MessageTypes.Manifest,
    encodeManifest(
      false,
      [...offered, ...(marker ? [marker] : [])].map((k) => ({ key: k, length: 1 })),
    ),
  )
  const fresh = new Set(offered.map(hex))
  /** Keys the victim requested so far. */
  const requested = () =>
    raw.received.filter((m) => m.type === MessageTypes.Request).flatMap((m) => decodeKeys(m.body))
  /** The flood keys among them. */
  const requestedFresh = () => requested().filter((k) => fresh.has(hex(k)))
  /** Resolves once the victim handled the whole Manifest (it requested the marker). */
  const handled = () =>
    eventually('the victim handled the manifest', () =>
      requested().some((k) => marker !== undefined && hex(k) === hex(marker)),
    )
  return { raw, pair, offered, requested, requestedFresh, handled }
}

/** writer(name) as 'ok' or its error code. */
async function tryWriter(mf: Multifeed, name: string): Promise<string> {
  try {
    await mf.writer(name)
    return 'ok'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

describe('a flooding member', () => {
  test('holds every remote place with requests it never answers: the local user still gets reservedLocalFeeds writers', async () => {
    const key = crypto.randomBytes(32)
    const mf = await multifeed(await store(), options(key))
    const flood = await flooder(mf, key, 50)
    await eventually('the victim requested what fits', () => flood.requested().length > 0)
    // Room for remote feeds is maxFeeds minus the places kept for local writers.
    expect(flood.requested()).toHaveLength(MAX_FEEDS - RESERVED)

    // The requests stay unanswered (the places stay reserved): the user's writers still fit.
    const results = []
    for (const name of ['a', 'b', 'c', 'd']) results.push(await tryWriter(mf, name))
    expect(results).toEqual(['ok', 'ok', 'ok', 'ERR_COLLECTION_FULL'])

    // The flooder answers at last: its feeds join, the collection is exactly full, no more.
    flood.raw.send(MessageTypes.Replicate, encodeKeys(flood.requested()))
    await eventually('the flood joined', () => mf.keys().length === MAX_FEEDS)
    expect(await tryWriter(mf, 'e')).toBe('ERR_COLLECTION_FULL')
    expect(await tryWriter(mf, 'a')).toBe('ok') // an existing writer is no new feed
  })

  test('two flooders on two connections at once share the same remote room', async () => {
    const key = crypto.randomBytes(32)
    const mf = await multifeed(await store(), options(key))
    const pre = await mf.writer('pre') // one local writer already: two places are still kept
    const first = await flooder(mf, key, 40, pre.key)
    const second = await flooder(mf, key, 40, pre.key)
    await Promise.all([first.handled(), second.handled()])
    expect(first.requestedFresh().length + second.requestedFresh().length).toBe(
      MAX_FEEDS - RESERVED,
    )
    for (const flood of [first, second]) {
      if (flood.requestedFresh().length > 0) {
        flood.raw.send(MessageTypes.Replicate, encodeKeys(flood.requestedFresh()))
      }
    }
    await eventually('the floods joined', () => mf.keys().length === MAX_FEEDS - RESERVED + 1)
    const results = []
    for (const name of ['a', 'b', 'c']) results.push(await tryWriter(mf, name))
    expect(results).toEqual(['ok', 'ok', 'ERR_COLLECTION_FULL'])
  })

  test('a flood persisted before a restart still leaves the local writers their room', async () => {
    const key = crypto.randomBytes(32)
    const dir = await tempDir()
    const firstStore = await store(dir)
    const first = await multifeed(firstStore, options(key))
    const flood = await flooder(first, key, 30)
    await eventually('the victim requested what fits', () => flood.requested().length > 0)
    flood.raw.send(MessageTypes.Replicate, encodeKeys(flood.requested()))
    await eventually('the flood joined', () => first.keys().length === MAX_FEEDS - RESERVED)
    const joined = first.keys().map(hex).sort()
    await first.close()
    await firstStore.close()

    const mf = await multifeed(await store(dir), options(key))
    expect(mf.keys().map(hex).sort()).toEqual(joined)
    // The flooder comes back with more: nothing more is requested.
    const again = await flooder(mf, key, 30, mf.keys()[0])
    await again.handled()
    expect(again.requestedFresh()).toEqual([])
    const results = []
    for (const name of ['a', 'b', 'c', 'd']) results.push(await tryWriter(mf, name))
    expect(results).toEqual(['ok', 'ok', 'ok', 'ERR_COLLECTION_FULL'])
  })
})
