import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import createTestnet from '@hyperswarm/testnet'
import b4a from 'b4a'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { Multifeed, Networker } from '../src/index.js'
import { limitsFor } from './e2e.js'
import { FirstBlockWatch } from './floor.js'
import type { BenchSection } from './report.js'

export interface ChainOptions {
  feeds: number
  peers?: number
  timeoutMs?: number
  log?: (line: string) => void
}

interface ChainPeer {
  name: string
  store: Corestore
  multifeed: Multifeed
  swarm: Hyperswarm
  networker: Networker
  watch: FirstBlockWatch
  doneMs: number | null
  /** When the link to the previous peer in the line opened. */
  upstreamMs: number | null
}

/**
 * Section (b): peers in a line A-B-C-…, each allowed to connect only to its neighbours (Hyperswarm
 * firewall on both ends), all on one multifeed's discovery key over a loopback testnet. N feeds
 * of one block each are written at A before anyone joins; timed from the joins to the last
 * block stored at the far end (each feed has to be offered again by every peer in between).
 */
export async function run(opts: ChainOptions): Promise<BenchSection> {
  const count = opts.peers ?? 5
  const log = opts.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-bench-chain-'))
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const peers: ChainPeer[] = []
  try {
    const keyPairs = Array.from({ length: count }, () => DHT.keyPair())
    const ids = keyPairs.map((kp) => b4a.toString(kp.publicKey, 'hex'))
    let key: Uint8Array | undefined
    for (let i = 0; i < count; i++) {
      const neighbours = new Set([ids[i - 1], ids[i + 1]].filter((id) => id !== undefined))
      const store = new Corestore(join(dir, `peer-${i}`))
      const multifeed = new Multifeed(store, { key, limits: limitsFor(opts.feeds) })
      await multifeed.ready()
      key = multifeed.key
      const swarm = new Hyperswarm({
        keyPair: keyPairs[i],
        dht: new DHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }),
        firewall: (remotePublicKey) => !neighbours.has(b4a.toString(remotePublicKey, 'hex')),
      })
      const peer: ChainPeer = {
        name: String.fromCharCode(65 + i),
        store,
        multifeed,
        swarm,
        networker: new Networker(store, { swarm }),
        watch: new FirstBlockWatch(i === 0 ? 0 : opts.feeds),
        doneMs: null,
        upstreamMs: null,
      }
      const upstream = ids[i - 1]
      peer.networker.on('connection', (conn: { remotePublicKey: Uint8Array }) => {
        if (b4a.toString(conn.remotePublicKey, 'hex') === upstream) {
          peer.upstreamMs = performance.now() - start
        }
      })
      multifeed.on('feed', (core: Hypercore, info: { local: boolean }) => {
        if (!info.local) peer.watch.watch(core)
      })
      peers.push(peer)
    }
    let start = performance.now()
    const first = peers[0]!
    for (let i = 0; i < opts.feeds; i++) {
      const core = await first.multifeed.writer(`feed-${i}`)
      await core.append(b4a.from(`block ${i}`))
    }
    log(`chain: ${count} peers ready, ${opts.feeds} feeds at A`)

    start = performance.now()
    for (const peer of peers) {
      peer.watch.wait().then(() => {
        peer.doneMs = performance.now() - start
      })
    }
    // One after another: simultaneous lookups can miss each other's announces (Hyperswarm then
    // finds the peer only at its next refresh, minutes later).
    for (const peer of peers) await peer.networker.join(peer.multifeed)
    const joinedMs = performance.now() - start
    const last = peers.at(-1)!
    const timeoutMs = opts.timeoutMs ?? 120_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `chain: ${last.name} still misses ${last.watch.remaining} feeds after ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      )
    })
    try {
      await Promise.race([Promise.all(peers.map((peer) => peer.watch.wait())), timeout])
    } finally {
      clearTimeout(timer)
    }
    const totalMs = performance.now() - start
    const links = peers.map((peer) => peer.networker.connections.length)
    const liveMs = await liveFeedLatency(peers, timeoutMs)
    return {
      name: `chain: ${peers.map((p) => p.name).join('-')} over a loopback testnet`,
      rows: peers.slice(1).map((peer, i) => ({
        peer: peer.name,
        hops: i + 1,
        feeds: opts.feeds,
        'linked upstream at ms': Math.round(peer.upstreamMs ?? Number.NaN),
        'all feeds held at ms': Math.round(peer.doneMs ?? Number.NaN),
        'live feed held at ms': round(liveMs[i + 1]!),
      })),
      notes: [
        `feeds written at A before the joins; timed from the joins; joins (announce + lookup) took ${Math.round(joinedMs)} ms.`,
        `${last.name} held all ${opts.feeds} feeds after ${Math.round(totalMs)} ms; connections per peer: ${links.join(', ')}.`,
        'live feed: once all are in sync, A creates one more feed and appends a block; time until each peer holds that block.',
        'Topology: each peer firewalls every public key but its neighbours, so data can only travel hop by hop.',
        'All peers run in this one Node process (one JS thread), so each time includes the work of the other peers.',
      ],
    }
  } finally {
    for (const peer of peers) {
      await peer.networker.destroy()
      await peer.swarm.destroy()
    }
    for (const peer of peers) {
      await peer.multifeed.close()
      await peer.store.close()
    }
    await testnet.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}

/** A new feed written at the head of the line after the sync: ms until each peer holds its block. */
async function liveFeedLatency(peers: ChainPeer[], timeoutMs: number): Promise<number[]> {
  const head = peers[0]!
  const core = await head.multifeed.writer('live')
  const key = b4a.toString(core.key!, 'hex')
  const start = performance.now()
  const arrivals = peers.slice(1).map(
    (peer) =>
      new Promise<number>((resolve) => {
        const watch = new FirstBlockWatch(1)
        const onfeed = (remote: Hypercore) => {
          if (b4a.toString(remote.key!, 'hex') !== key) return
          peer.multifeed.off('feed', onfeed)
          watch.watch(remote)
        }
        peer.multifeed.on('feed', onfeed)
        watch.wait().then(() => resolve(performance.now() - start))
      }),
  )
  await core.append(b4a.from('live block'))
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('chain: live feed did not reach every peer')),
      timeoutMs,
    )
  })
  try {
    return [0, ...(await Promise.race([Promise.all(arrivals), timeout]))]
  } finally {
    clearTimeout(timer)
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
