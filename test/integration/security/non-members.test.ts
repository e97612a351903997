/**
 * Claim: a connection carries only what the collection attached (issue 14, item 1;
 * spec/collection.md 6.1 and 9; spec/security.md "What a connection carries"). Played from the
 * far end of the connection: a peer with no key at all, and a peer of another multifeed of the
 * same store, count every Hypercore channel the victim opens towards them.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import Protomux from 'protomux'
import { describe, expect, test } from 'vitest'
import type { Multifeed } from '../../../src/index.js'
import {
  disconnect,
  eventually,
  HYPERCORE_PROTOCOL,
  HypercoreOpens,
  hex,
  noisePair,
  sleep,
} from './attacker.js'
import { link, metadataCores, multifeed, store, writer } from './peers.js'

const feedDiscoveryKeys = (mf: Multifeed) => mf.keys().map((key) => crypto.discoveryKey(key))

describe('a connection carries nothing of a multifeed it was not agreed for', () => {
  test('a keyless peer and a peer of another multifeed of the store see no Hypercore channel for its feeds; a plain core of the store is opened to them', async () => {
    const kx = crypto.randomBytes(32)
    const ky = crypto.randomBytes(32)
    const victimStore = await store()
    // Control: another application's ordinary active core in the same store.
    const plain = victimStore.get({ name: 'another application' })
    await plain.append(b4a.from('public'))

    const x = await multifeed(victimStore, { key: kx })
    await writer(x, 'x-own', 'x0', 'x1')
    const y = await multifeed(victimStore, { key: ky })
    await writer(y, 'y-own', 'y0')

    // A member of X: the victim learns its feeds, and blocks one of them.
    const memberStore = await store()
    const member = await multifeed(memberStore, { key: kx })
    const r1 = await writer(member, 'r1', 'r1-0')
    const r2 = await writer(member, 'r2', 'r2-0')
    let memberOpens: HypercoreOpens | null = null
    const toMember = link(victimStore, memberStore, [[x, member]], {
      extraA: [y], // the victim attaches every multifeed it runs, as a Networker does
      before: (pair) => {
        memberOpens = new HypercoreOpens(pair[1])
      },
    })
    await toMember.synced
    await eventually('the victim holds the member feeds', () =>
      [r1, r2].every((r) => x.feed(r.key)?.contiguousLength === 1),
    )
    await x.block(r2.key)
    // The user holds a session of every feed (feeds() opens one per feed), as apps do.
    x.on('feed', () => {})
    for (const core of x.feeds()) await core.ready()

    // The keyless peer: a raw protomux end that never opens anything, only counts.
    const keylessPair = noisePair()
    const keyless = new HypercoreOpens(keylessPair[1])
    victimStore.replicate(keylessPair[0])
    x.attach(keylessPair[0])
    y.attach(keylessPair[0])

    // A peer of Y: a full Corestore peer with Y's key, nothing of X.
    const yPeerStore = await store()
    const yPeer = await multifeed(yPeerStore, { key: ky })
    await writer(yPeer, 'y-peer', 'yp0')
    let yPeerOpens: HypercoreOpens | null = null
    const toYPeer = link(victimStore, yPeerStore, [[y, yPeer]], {
      extraA: [x],
      before: (pair) => {
        yPeerOpens = new HypercoreOpens(pair[1])
      },
    })
    await toYPeer.synced

    // Activity while both are connected: a new remote feed (an empty non-writable core when it
    // opens), growth of a remote feed, growth of a local one. (A new local writer: next test.)
    const r3 = await writer(member, 'r3', 'r3-0')
    await r1.append(b4a.from('r1-1'))
    await eventually('the victim fetched the new remote feed and the growth', () => {
      return x.feed(r3.key)?.contiguousLength === 1 && x.feed(r1.key)?.contiguousLength === 2
    })
    await (await y.writer('y-own')).append(b4a.from('y1'))
    await eventually('the peer of Y got the growth', () => {
      const copy = yPeer.feeds().find((core) => core.length === 2)
      return copy !== undefined && copy.contiguousLength === 2
    })
    await sleep(300)

    const xFeeds = feedDiscoveryKeys(x)
    const yFeeds = feedDiscoveryKeys(y)
    expect(xFeeds).toHaveLength(4)
    const metadata = [
      ...Object.values(await metadataCores(victimStore, x)),
      ...Object.values(await metadataCores(victimStore, y)),
    ].map((core) => core.discoveryKey)

    // The control proves each counter sees the victim's opens.
    for (const opens of [keyless, yPeerOpens!, memberOpens!]) {
      expect(opens.saw(plain.discoveryKey)).toBe(true)
      expect(opens.seenAmong(metadata)).toEqual([])
    }
    expect(keyless.seenAmong([...xFeeds, ...yFeeds])).toEqual([])
    expect(yPeerOpens!.seenAmong(xFeeds)).toEqual([])
    expect(memberOpens!.seenAmong(yFeeds)).toEqual([])
    // The member of X no longer gets the feed it was blocked for, and the connection for Y did
    // carry Y's feeds.
    expect(memberOpens!.seenAmong([crypto.discoveryKey(r2.key)])).toEqual([])
    expect(
      yPeer
        .feeds()
        .map((core) => hex(core.key))
        .sort(),
    ).toEqual(y.keys().map(hex).sort())
    await disconnect(keylessPair)
    await disconnect(toYPeer.pair)
    await disconnect(toMember.pair)
  })

  // A new writer is governed before any active session of it exists (Multifeed.#createWriter):
  // Corestore attaches an active new core to every stream as it starts downloading.
  test('a writer created while a keyless peer is connected is not opened to it', async () => {
    const victimStore = await store()
    const plain = victimStore.get({ name: 'another application' })
    await plain.append(b4a.from('public'))
    const x = await multifeed(victimStore)
    await writer(x, 'before', 'b0')
    const pair = noisePair()
    const keyless = new HypercoreOpens(pair[1])
    victimStore.replicate(pair[0])
    x.attach(pair[0])
    await eventually('the plain core was opened to the keyless peer', () =>
      keyless.saw(plain.discoveryKey),
    )
    const late = await writer(x, 'late', 'l0')
    await late.append(b4a.from('l1'))
    await sleep(300)
    expect(keyless.seenAmong(feedDiscoveryKeys(x))).toEqual([])
    expect(keyless.saw(late.discoveryKey)).toBe(false)
  })

  test("a peer that knows only a feed's discovery key: its Hypercore channel is refused and the connection lives on", async () => {
    const victimStore = await store()
    const plain = victimStore.get({ name: 'another application' })
    await plain.append(b4a.from('public'))
    const x = await multifeed(victimStore)
    const own = await writer(x, 'own', 'secret')

    const thiefStore = await store()
    const pair = noisePair()
    victimStore.replicate(pair[0])
    thiefStore.replicate(pair[1])
    await Promise.all(pair.map((stream) => stream.opened))
    // A Hypercore channel for the feed, opened by discovery key with a capability made without
    // the key (Hypercore's handshake: flags, 32-byte capability).
    const mux = Protomux.from(pair[1] as never)
    let closedUnopened = false
    let opened = false
    const channel = mux.createChannel({
      protocol: HYPERCORE_PROTOCOL,
      id: own.discoveryKey,
      onopen: () => {
        opened = true
      },
      onclose: () => {
        closedUnopened = !opened
      },
    })
    channel!.open(b4a.concat([b4a.from([1]), crypto.randomBytes(32)]))
    await eventually('the channel is closed', () => channel!.closed)
    expect(closedUnopened).toBe(true)
    // The connection survives: the plain core of the same store still replicates over it.
    const copy = thiefStore.get({ key: plain.key })
    await copy.ready()
    expect(b4a.toString((await copy.get(0, { timeout: 5000 })) as Uint8Array)).toBe('public')
    expect(pair[0].destroyed || pair[1].destroyed).toBe(false)
  })
})
