import b4a from 'b4a'
import type Hypercore from 'hypercore'
import DHT from 'hyperdht'
import type Hyperswarm from 'hyperswarm'
import { expect, test } from 'vitest'
import { type Multifeed, Networker } from '../../src/index.js'
import { harness } from './helpers/harness.js'
import {
  eventually,
  holdings,
  loopbackTestnet,
  type SwarmPeer,
  swarmPeer,
} from './testnet-helpers.js'

/** Whether the swarm announces/looks up `topic` (Hyperswarm's status(), absent from its typings). */
function discovering(swarm: Hyperswarm, topic: Uint8Array): boolean {
  return (swarm as unknown as { status(t: Uint8Array): object | null }).status(topic) !== null
}

const hex = (key: Uint8Array | null): string => b4a.toString(key!, 'hex')
const keysOf = (mf: Multifeed): string[] =>
  mf
    .feeds()
    .map((core: Hypercore) => hex(core.key))
    .sort()

/** Resolves once `mf` holds every feed of `want` at least at the given length. */
function holdsAll(mf: Multifeed, want: Record<string, number>): () => boolean {
  return () => {
    const have = holdings(mf.feeds())
    return Object.entries(want).every(([key, length]) => (have[key] ?? -1) >= length)
  }
}

async function writeBlocks(mf: Multifeed, name: string, ...blocks: string[]): Promise<Hypercore> {
  const core = await mf.writer(name)
  for (const block of blocks) await core.append(b4a.from(block))
  return core
}

test('two multifeeds over one swarm stay separate; joining later reuses the open connection', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const p = await swarmPeer(h, testnet)
  const q = await swarmPeer(h, testnet)

  const xp = h.multifeed(p.store)
  await xp.ready()
  const xq = h.multifeed(q.store, { key: xp.key })
  const x1 = await writeBlocks(xp, 'default', 'x from p')
  const x2 = await writeBlocks(xq, 'default', 'x from q')

  // One after another (joining at the same moment is tested in networker-connections.test.ts).
  await p.networker.join(xp)
  await q.networker.join(xq)
  const bothX = { [hex(x1.key)]: 1, [hex(x2.key)]: 1 }
  await eventually('x to sync both ways', () => holdsAll(xp, bothX)() && holdsAll(xq, bothX)())
  expect(p.networker.connections).toHaveLength(1)
  const connection = p.networker.connections[0]

  // A second multifeed in the same stores, joined after the connection exists.
  const yp = h.multifeed(p.store)
  await yp.ready()
  const yq = h.multifeed(q.store, { key: yp.key })
  const y1 = await writeBlocks(yp, 'default', 'y from p', 'second y block')
  const y2 = await writeBlocks(yq, 'default', 'y from q')
  await p.networker.join(yp)
  await q.networker.join(yq)
  const bothY = { [hex(y1.key)]: 2, [hex(y2.key)]: 1 }
  await eventually('y to sync both ways', () => holdsAll(yp, bothY)() && holdsAll(yq, bothY)())

  expect(keysOf(xp)).toEqual(Object.keys(bothX).sort())
  expect(keysOf(xq)).toEqual(Object.keys(bothX).sort())
  expect(keysOf(yp)).toEqual(Object.keys(bothY).sort())
  expect(keysOf(yq)).toEqual(Object.keys(bothY).sort())
  // One connection carries both multifeeds.
  expect(p.networker.connections).toEqual([connection])
  // Discovery runs on the discovery keys; the multifeed keys never become topics.
  for (const mf of [xp, yp]) {
    expect(discovering(p.swarm, mf.discoveryKey)).toBe(true)
    expect(discovering(p.swarm, mf.key)).toBe(false)
  }
})

test('a peer that joined X but not Y leaves Y between two other peers alone', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const [p, q, r] = [
    await swarmPeer(h, testnet),
    await swarmPeer(h, testnet),
    await swarmPeer(h, testnet),
  ]
  // R never opens Y: its protomux turns down P's and Q's Y channels (ERR_CHANNEL_REJECTED). The
  // short handshake timeout makes sure a Y channel left waiting instead would show up as an
  // ERR_HANDSHAKE_TIMEOUT within the test.
  const limits = { handshakeTimeout: 300 }
  const xp = h.multifeed(p.store, { limits })
  await xp.ready()
  const yp = h.multifeed(p.store, { limits })
  await yp.ready()
  const xq = h.multifeed(q.store, { key: xp.key, limits })
  const yq = h.multifeed(q.store, { key: yp.key, limits })
  const xr = h.multifeed(r.store, { key: xp.key, limits })
  const errors = new Map<Multifeed, string[]>()
  for (const mf of [xp, yp, xq, yq, xr]) {
    errors.set(mf, [])
    mf.on('session-error', (err: { code: string }) => errors.get(mf)!.push(err.code))
  }

  const px = await writeBlocks(xp, 'default', 'x1')
  const py = await writeBlocks(yp, 'default', 'y1')
  await p.networker.join(xp)
  await p.networker.join(yp)
  await q.networker.join(xq)
  await q.networker.join(yq)
  await r.networker.join(xr)
  await eventually(
    'x at Q and R, y at Q',
    () =>
      holdsAll(xq, { [hex(px.key)]: 1 })() &&
      holdsAll(xr, { [hex(px.key)]: 1 })() &&
      holdsAll(yq, { [hex(py.key)]: 1 })(),
  )
  await eventually('all three peers connected', () =>
    [p, q, r].every((peer) => peer.networker.connections.length === 2),
  )
  // Past the handshake timeout of the unanswered Y channels, live updates still flow on all links.
  await new Promise((resolve) => setTimeout(resolve, 600))
  await px.append(b4a.from('x2'))
  await py.append(b4a.from('y2'))
  await eventually(
    'live x at R and live y at Q',
    () => holdsAll(xr, { [hex(px.key)]: 2 })() && holdsAll(yq, { [hex(py.key)]: 2 })(),
  )
  expect(keysOf(xr)).toEqual([hex(px.key)])
  expect([p, q, r].map((peer) => peer.networker.connections.length)).toEqual([2, 2, 2])
  // R refused the Y channels of P and Q, which report exactly that (and nothing else failed).
  for (const mf of [xp, xq, xr]) expect(errors.get(mf)).toEqual([])
  for (const mf of [yp, yq]) {
    expect(errors.get(mf)!.length).toBeGreaterThan(0)
    expect(new Set(errors.get(mf))).toEqual(new Set(['ERR_CHANNEL_REJECTED']))
  }
})

test("a third peer that only meets the second still gets the first peer's feeds", async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  // Topology by firewall: A and C each accept only B, so A-B and B-C are the only links.
  const keyPairs = { a: DHT.keyPair(), b: DHT.keyPair(), c: DHT.keyPair() }
  const a = await swarmPeer(h, testnet, {
    keyPair: keyPairs.a,
    allow: () => [keyPairs.b.publicKey],
  })
  const b = await swarmPeer(h, testnet, { keyPair: keyPairs.b })
  const c = await swarmPeer(h, testnet, {
    keyPair: keyPairs.c,
    allow: () => [keyPairs.b.publicKey],
  })

  const ma = h.multifeed(a.store)
  await ma.ready()
  const mb = h.multifeed(b.store, { key: ma.key })
  const mc = h.multifeed(c.store, { key: ma.key })
  const fromA = await writeBlocks(ma, 'default', 'a1', 'a2', 'a3')
  const fromC = await writeBlocks(mc, 'default', 'c1')

  await b.networker.join(mb)
  await a.networker.join(ma)
  await c.networker.join(mc)
  const all = { [hex(fromA.key)]: 3, [hex(fromC.key)]: 1 }
  await eventually("A and C to hold each other's feeds through B", () =>
    [ma, mb, mc].every((mf) => holdsAll(mf, all)()),
  )
  // A feed A creates after the sync travels the same way (live announcement through B).
  const later = await writeBlocks(ma, 'later', 'late block')
  await eventually('the later feed to reach C', () => holdsAll(mc, { [hex(later.key)]: 1 })())

  const remoteKeys = (peer: SwarmPeer) =>
    peer.networker.connections.map((conn) => hex(conn.remotePublicKey)).sort()
  expect(remoteKeys(a)).toEqual([hex(keyPairs.b.publicKey)])
  expect(remoteKeys(c)).toEqual([hex(keyPairs.b.publicKey)])
  expect(remoteKeys(b)).toEqual([hex(keyPairs.a.publicKey), hex(keyPairs.c.publicKey)].sort())
})

test('a peer that leaves and rejoins catches up, on the same connection or a new swarm', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const a = await swarmPeer(h, testnet)
  const b = await swarmPeer(h, testnet)
  const ma = h.multifeed(a.store)
  await ma.ready()
  const mb = h.multifeed(b.store, { key: ma.key })
  const first = await writeBlocks(ma, 'default', 'one')
  await a.networker.join(ma)
  await b.networker.join(mb)
  await eventually('first sync', () => holdsAll(mb, { [hex(first.key)]: 1 })())

  // Leave the multifeed (the connection stays) while A adds a feed; B must not learn it.
  await b.networker.leave(mb)
  expect(b.networker.joins(mb)).toBe(false)
  const second = await writeBlocks(ma, 'second', 'two')
  await first.append(b4a.from('one more'))
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(mb.feed(second.key!)).toBeNull()

  // Rejoin: the channel reopens on the existing connection and B catches up.
  await b.networker.join(mb)
  await eventually('catch-up after rejoin', () =>
    holdsAll(mb, { [hex(first.key)]: 2, [hex(second.key)]: 1 })(),
  )

  // A's channel was re-created when B came back; A leaving must close that one too.
  await a.networker.leave(ma)
  const unseen = await writeBlocks(ma, 'unseen', 'not for b yet')
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(mb.feed(unseen.key!)).toBeNull()
  await a.networker.join(ma)
  await eventually('the unseen feed after A joins again', () =>
    holdsAll(mb, { [hex(unseen.key)]: 1 })(),
  )

  // Go away completely (swarm destroyed), miss more writes, come back on a new swarm.
  await b.networker.destroy()
  await b.swarm.destroy()
  await eventually('A to see B gone', () => a.networker.connections.length === 0)
  const third = await writeBlocks(ma, 'third', 'three')
  await second.append(b4a.from('two more'))
  const back = await swarmPeer(h, testnet, { store: b.store })
  await back.networker.join(mb)
  const want = { [hex(first.key)]: 2, [hex(second.key)]: 2, [hex(third.key)]: 1 }
  await eventually('catch-up on a new swarm', () => holdsAll(mb, want)())
  expect(keysOf(mb)).toEqual(keysOf(ma))
})

test('a networker that made its own swarm destroys it; bad input and use after destroy have codes', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const [storeA, storeB] = [await h.store(), await h.store()]
  const ma = h.multifeed(storeA)
  await ma.ready()
  const mb = h.multifeed(storeB, { key: ma.key })
  const feed = await writeBlocks(ma, 'default', 'hello')
  const options = { bootstrap: testnet.bootstrap, host: '127.0.0.1' }
  const a = new Networker(storeA, options)
  const b = new Networker(storeB, options)
  h.closable({ close: () => Promise.all([a.destroy(), b.destroy()]) })

  await a.join(ma)
  await b.join(mb)
  await eventually('sync over the owned swarms', () => holdsAll(mb, { [hex(feed.key)]: 1 })())
  expect(() => a.joins({} as never)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
  )
  await expect(a.join(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })

  // B's multifeed closes without leave(): a later connection skips it quietly, others still sync.
  const warnings: unknown[] = []
  b.on('warning', (err) => warnings.push(err))
  await mb.close()
  const storeC = await h.store()
  const mc = h.multifeed(storeC, { key: ma.key })
  const c = new Networker(storeC, options)
  h.closable({ close: () => c.destroy() })
  await c.join(mc)
  await eventually('C to sync with A', () => holdsAll(mc, { [hex(feed.key)]: 1 })())
  await eventually('C connected to B too', () => c.connections.length === 2)
  expect(warnings).toEqual([])

  await a.destroy()
  expect(a.swarm.destroyed).toBe(true)
  expect(a.joins(ma)).toBe(false)
  await expect(a.join(ma)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  await eventually('B to see A gone', () => b.connections.length === 1)
  expect(ma.closed).toBe(false) // the multifeed and its store belong to the caller
})
