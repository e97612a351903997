/**
 * What the Networker does with its connections (issue 14 item 6, issue 13 friction 9), tried
 * over a loopback testnet with real peers on the other side: leave() stops a multifeed's feeds on
 * a shared connection, a connection left with nothing to carry closes after the grace period, a
 * peer whose channels all failed is banned (played by a raw Hyperswarm peer that knows only the
 * discovery key), channel failures reach the Networker's listeners, many multifeeds share one
 * connection without listener warnings, and peers that join at the same moment find each other.
 */
import b4a from 'b4a'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import DHT from 'hyperdht'
import Hyperswarm, { type PeerInfo } from 'hyperswarm'
import Protomux from 'protomux'
import { expect, test } from 'vitest'
import type { Multifeed, MultifeedError, NetworkedMultifeed } from '../../src/index.js'
import { harness } from './helpers/harness.js'
import { encodeHandshake, RawPeer } from './helpers/raw-peer.js'
import { noisePair } from './helpers/streams.js'
import { once } from './helpers/wait.js'
import { eventually, holdings, loopbackTestnet, swarmPeer } from './testnet-helpers.js'

const hex = (key: Uint8Array | null): string => b4a.toString(key!, 'hex')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The length `mf` holds of the feed `key` (-1 if it is not in the collection). */
function heldLength(mf: Multifeed, key: Uint8Array | null): number {
  return holdings(mf.feeds())[hex(key)] ?? -1
}

async function writeBlocks(mf: Multifeed, name: string, ...blocks: string[]): Promise<Hypercore> {
  const core = await mf.writer(name)
  for (const block of blocks) await core.append(b4a.from(block))
  return core
}

/** The peer infos the networker's 'connection' events carried, by remote public key. */
function recordPeers(networker: {
  on(e: 'connection', l: (c: never, i: PeerInfo) => void): unknown
}) {
  const infos = new Map<string, PeerInfo>()
  networker.on('connection', (_conn, info) => infos.set(hex(info.publicKey), info))
  return infos
}

test('after leave(X), a live append on an X feed no longer reaches the remote over the shared connection, while Y still flows on it', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const p = await swarmPeer(h, testnet)
  const q = await swarmPeer(h, testnet)
  const xp = h.multifeed(p.store)
  const yp = h.multifeed(p.store)
  await Promise.all([xp.ready(), yp.ready()])
  const xq = h.multifeed(q.store, { key: xp.key })
  const yq = h.multifeed(q.store, { key: yp.key })
  const px = await writeBlocks(xp, 'default', 'x1')
  const py = await writeBlocks(yp, 'default', 'y1')
  const qx = await writeBlocks(xq, 'default', 'qx1')
  for (const [peer, mf] of [
    [p, xp],
    [p, yp],
    [q, xq],
    [q, yq],
  ] as const) {
    await peer.networker.join(mf)
  }
  await eventually(
    'X and Y to sync',
    () =>
      heldLength(xq, px.key) === 1 && heldLength(yq, py.key) === 1 && heldLength(xp, qx.key) === 1,
  )
  const [qConn] = q.networker.connections
  const [pConn] = p.networker.connections
  expect(q.networker.connections).toHaveLength(1)

  await q.networker.leave(xq)
  // From P's side: P keeps appending to its X feed, then to its Y feed.
  await px.append(b4a.from('x2'))
  await py.append(b4a.from('y2'))
  // From Q's side: Q's own X writer grows as well; P must not get it either.
  await qx.append(b4a.from('qx2'))
  await eventually('the live Y block to reach Q', () => heldLength(yq, py.key) === 2)
  await sleep(300) // more than enough for X blocks sent before the Y block to arrive
  expect(heldLength(xq, px.key)).toBe(1)
  expect(heldLength(xp, qx.key)).toBe(1)
  // The same connection carried Y meanwhile; no Hypercore channel of an X feed is left on it.
  expect(q.networker.connections).toEqual([qConn])
  const xFeeds = [hex(px.discoveryKey), hex(qx.discoveryKey)]
  for (const conn of [qConn!, pConn!]) {
    const hypercoreChannels = [...Protomux.from(conn)]
      .filter((channel) => channel.protocol === 'hypercore/alpha')
      .map((channel) => hex(channel.id))
    expect(hypercoreChannels).toContain(hex(py.discoveryKey))
    expect(hypercoreChannels.filter((id) => xFeeds.includes(id))).toEqual([])
  }
})

test('a connection left with nothing to carry is closed after closeIdleAfter (not sooner), without a ban: a rejoin connects again', async () => {
  const grace = 500
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const p = await swarmPeer(h, testnet, { closeIdleAfter: 60_000 }) // Q is the one that closes
  const q = await swarmPeer(h, testnet, { closeIdleAfter: grace })
  const peersOfQ = recordPeers(q.networker)
  const xp = h.multifeed(p.store)
  await xp.ready()
  const xq = h.multifeed(q.store, { key: xp.key })
  const px = await writeBlocks(xp, 'default', 'x1')
  await p.networker.join(xp)
  await q.networker.join(xq)
  await eventually('X to sync', () => heldLength(xq, px.key) === 1)
  const [qConn] = q.networker.connections

  const closed = once(q.networker, 'disconnection', { filter: (conn) => conn === qConn })
  const leaving = performance.now()
  await q.networker.leave(xq)
  await closed
  const elapsed = performance.now() - leaving
  expect(elapsed).toBeGreaterThanOrEqual(grace)
  expect(elapsed).toBeLessThan(grace + 4000) // slack for a loaded machine
  expect(peersOfQ.get(hex(p.keyPair.publicKey))?.banned).toBe(false)

  // Not banned: Q comes back and catches up with what P wrote meanwhile.
  await px.append(b4a.from('x2'))
  await q.networker.join(xq)
  await eventually('catch-up after the rejoin', () => heldLength(xq, px.key) === 2)
})

test('a connection that still carries another protocol is kept past the grace period and closed once that ends', async () => {
  const grace = 300
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const p = await swarmPeer(h, testnet, { closeIdleAfter: grace })
  const q = await swarmPeer(h, testnet, { closeIdleAfter: grace })
  const xp = h.multifeed(p.store)
  await xp.ready()
  const xq = h.multifeed(q.store, { key: xp.key })
  await p.networker.join(xp)
  await q.networker.join(xq)
  await eventually(
    'connected',
    () => q.networker.connections.length === 1 && p.networker.connections.length === 1,
  )
  const [qConn] = q.networker.connections
  const [pConn] = p.networker.connections
  // Another application's protocol on the same connection, opened from both sides.
  const otherProtocol = (conn: object) => {
    const channel = Protomux.from(conn as never).createChannel({ protocol: 'another-app' })!
    channel.open()
    return channel
  }
  const onQ = otherProtocol(qConn!)
  otherProtocol(pConn!)
  await eventually('the other protocol to open', () => onQ.opened)

  await q.networker.leave(xq)
  await p.networker.leave(xp)
  await sleep(grace * 4)
  expect(q.networker.connections).toEqual([qConn])
  expect(p.networker.connections).toEqual([pConn])

  const closed = once(q.networker, 'disconnection', { filter: (conn) => conn === qConn })
  onQ.close()
  await closed
})

test('a peer whose channels all failed (a bad capability, or no answer at all) is disconnected and banned: its reconnections are refused', async () => {
  const grace = 300
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const victim = await swarmPeer(h, testnet, { closeIdleAfter: grace })
  const xv = h.multifeed(victim.store, { limits: { handshakeTimeout: 300 } })
  await xv.ready()
  await writeBlocks(xv, 'default', 'for members only')
  const peersOfVictim = recordPeers(victim.networker)
  let connections = 0
  victim.networker.on('connection', () => connections++)
  const failures: Array<{ code: string; mf: NetworkedMultifeed; conn: object }> = []
  victim.networker.on('session-error', (err: MultifeedError, mf, conn) =>
    failures.push({ code: err.code, mf, conn }),
  )
  await victim.networker.join(xv)

  // Two attackers that know the discovery key (it is public) but not the key: one answers with
  // a made-up capability, one never answers. Each looks the victim up and dials it.
  const attackers = await Promise.all(
    ['bad capability', 'silent'].map(async (kind) => {
      const swarm = new Hyperswarm({
        dht: new DHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }),
      })
      h.closable({ close: () => swarm.destroy() })
      swarm.on('connection', (conn) => {
        conn.on('error', () => {})
        if (kind !== 'bad capability') return
        const handshake = encodeHandshake({
          major: 1,
          minor: 0,
          client: 'multifeed',
          capability: crypto.randomBytes(32),
        })
        new RawPeer(conn, xv.discoveryKey, handshake)
      })
      swarm.join(xv.discoveryKey, { server: false, client: true })
      return { kind, swarm }
    }),
  )
  const keyOf = (swarm: Hyperswarm) => hex(swarm.keyPair.publicKey)
  await eventually('both attackers banned', () =>
    attackers.every(({ swarm }) => peersOfVictim.get(keyOf(swarm))?.banned === true),
  )
  await eventually('both attackers disconnected', () => victim.networker.connections.length === 0)
  expect(failures.map((f) => f.code).sort()).toEqual([
    'ERR_BAD_CAPABILITY',
    'ERR_HANDSHAKE_TIMEOUT',
  ])
  for (const failure of failures) expect(failure.mf).toBe(xv)
  expect(connections).toBe(2)

  // The attackers keep dialling (Hyperswarm requeues a peer of a joined topic); each attempt
  // is refused, so the victim sees no new connection.
  const attempted = attackers.map(({ swarm }) => swarm.stats.connects.client.attempted)
  await eventually(
    'every attacker to dial again',
    () => attackers.every(({ swarm }, i) => swarm.stats.connects.client.attempted > attempted[i]!),
    10_000,
  )
  await sleep(500)
  expect(connections).toBe(2)
  expect(victim.networker.connections).toEqual([])
})

test('every channel failure of a joined multifeed reaches the Networker as session-error (err, multifeed, conn), ERR_CHANNEL_REJECTED included', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const p = await swarmPeer(h, testnet)
  const q = await swarmPeer(h, testnet)
  const xp = h.multifeed(p.store)
  const yp = h.multifeed(p.store)
  await Promise.all([xp.ready(), yp.ready()])
  const xq = h.multifeed(q.store, { key: xp.key })
  const errors: Array<{ code: string; mf: NetworkedMultifeed; conn: object }> = []
  p.networker.on('session-error', (err: MultifeedError, mf, conn) =>
    errors.push({ code: err.code, mf, conn }),
  )
  await p.networker.join(xp)
  await p.networker.join(yp)
  await q.networker.join(xq) // Q has no Y: its protomux refuses P's Y channel
  await eventually('the refusal', () => errors.length > 0)
  expect(errors).toEqual([
    { code: 'ERR_CHANNEL_REJECTED', mf: yp, conn: p.networker.connections[0] },
  ])
})

test('20 multifeeds share one connection without a MaxListenersExceededWarning', async () => {
  const count = 20
  const warnings: Error[] = []
  const onwarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onwarning)
  try {
    const h = harness()
    const testnet = await loopbackTestnet(h)
    const p = await swarmPeer(h, testnet)
    const q = await swarmPeer(h, testnet)
    const onP: Multifeed[] = []
    const onQ: Multifeed[] = []
    for (let i = 0; i < count; i++) {
      const mf = h.multifeed(p.store)
      await mf.ready()
      onP.push(mf)
      onQ.push(h.multifeed(q.store, { key: mf.key }))
    }
    // Empty collections first: no Hypercore attaches, which would lift the stream's listener
    // limit (Hypercore calls setMaxListeners(0)) and hide a warning.
    for (let i = 0; i < count; i++) {
      await p.networker.join(onP[i]!)
      await q.networker.join(onQ[i]!)
    }
    await eventually('every channel verified on both sides', () =>
      [...onP, ...onQ].every((mf) => mf.channels.length === 1),
    )
    expect(q.networker.connections).toHaveLength(1)
    const [conn] = q.networker.connections
    expect(conn!.getMaxListeners()).toBe(10) // still Node's default: a leak would warn
    expect(conn!.listenerCount('close')).toBeLessThan(10)
    // Then every multifeed syncs a feed over that connection.
    const written = await Promise.all(onP.map((mf, i) => writeBlocks(mf, 'default', `block ${i}`)))
    await eventually('all 20 to sync', () =>
      onQ.every((mf, i) => heldLength(mf, written[i]!.key) === 1),
    )
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  } finally {
    process.off('warning', onwarning)
  }
})

test('peers that join at the same moment on a fresh testnet find each other', async () => {
  const h = harness()
  const testnet = await loopbackTestnet(h)
  const peers = await Promise.all([0, 1, 2].map(() => swarmPeer(h, testnet)))
  const first = h.multifeed(peers[0]!.store)
  await first.ready()
  const mfs = [first, ...peers.slice(1).map((peer) => h.multifeed(peer.store, { key: first.key }))]
  const writers = await Promise.all(mfs.map((mf, i) => writeBlocks(mf, 'default', `from ${i}`)))
  // All at once: each first lookup runs before any announce is stored.
  await Promise.all(peers.map((peer, i) => peer.networker.join(mfs[i]!)))
  await eventually(
    'every peer to hold every feed',
    () => mfs.every((mf) => writers.every((w) => heldLength(mf, w.key) === 1)),
    10_000,
  )
  await eventually('a connection between every pair', () =>
    peers.every((peer) => peer.networker.connections.length === 2),
  )
})

test('a connection that ends while a channel waits for the remote to open is not reported as a refusal', async () => {
  const h = harness()
  const { initiator, responder } = noisePair(h)
  const store = await h.store()
  const mf = h.multifeed(store)
  await mf.ready()
  store.replicate(initiator)
  const errors: string[] = []
  mf.on('session-error', (err) => errors.push(err.code))
  // The other side runs no protomux at all: our open stays unanswered.
  const channel = mf.attach(initiator)
  await channel.ready
  expect(await initiator.opened).toBe(true)
  const closed = once(channel, 'close')
  responder.destroy()
  await closed
  expect(channel.error).toBeNull()
  expect(errors).toEqual([])
})
