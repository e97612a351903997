/**
 * Section `live` (issue 10 item 5): what the multifeed protocol costs while a feed grows. A
 * writer appends blocks one by one (each append awaited) with peers connected, until every peer
 * holds every block; the multifeed protocol's bytes per appended block next to Hypercore's own
 * bytes for the same blocks. Target: multifeed bytes at most 5% of Hypercore's.
 *
 * Topology: a star. The writer's Multifeed has one piped replication stream pair
 * (`replicate(true)` / `replicate(false)`) to each of the peers' Multifeeds; the peers are not
 * connected to each other, so every block and every re-offer goes out from the writer. All
 * stores on disk in a temp dir, all in this process.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { Multifeed } from '../src/index.js'
import { pipeStreams } from './floor.js'
import { type BenchSection, judge } from './report.js'
import { type ByteMeter, delta, type ProtocolCount, WireTap } from './wire-bytes.js'

export interface LiveOptions {
  blocks: number
  peers: number
  /** Size of each appended block. */
  blockBytes?: number
  log?: (line: string) => void
}

const MULTIFEED = 'multifeed'
const HYPERCORE = 'hypercore/alpha'

interface Node {
  store: Corestore
  multifeed: Multifeed
}

export async function run(opts: LiveOptions): Promise<BenchSection> {
  const log = opts.log ?? (() => {})
  const blockBytes = opts.blockBytes ?? 100
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-bench-live-'))
  const nodes: Node[] = []
  const stops: (() => void)[] = []
  try {
    const open = async (name: string, key?: Uint8Array): Promise<Node> => {
      const store = new Corestore(join(dir, name))
      const multifeed = new Multifeed(store, key ? { key } : {})
      await multifeed.ready()
      const node = { store, multifeed }
      nodes.push(node)
      return node
    }
    const writerNode = await open('writer')
    const writer = await writerNode.multifeed.writer('live')
    const block = (i: number) => new TextEncoder().encode(`${i} `.padEnd(blockBytes, '.'))
    await writer.append(block(0)) // the feed exists with one block before anyone connects
    const peers: Node[] = []
    for (let i = 0; i < opts.peers; i++)
      peers.push(await open(`peer-${i}`, writerNode.multifeed.key))

    const wire = { encrypted: 0 }
    const meter: ByteMeter = connectStar(writerNode, peers, stops, wire)
    const feeds = await Promise.all(peers.map((peer) => feedOf(peer.multifeed, writer.key!)))
    await Promise.all(feeds.map((core) => heldAll(core, 1)))
    await quiet(meter)
    log(`live: ${opts.peers} peers hold the writer's first block; appending ${opts.blocks}`)

    const before = meter.read()
    const encryptedBefore = wire.encrypted
    const start = performance.now()
    for (let i = 1; i <= opts.blocks; i++) await writer.append(block(i))
    const appendedMs = performance.now() - start
    await Promise.all(feeds.map((core) => heldAll(core, opts.blocks + 1)))
    const heldMs = performance.now() - start
    await quiet(meter)
    const used = delta(meter.read(), before)
    // The tap must account for what crossed the wire (the rest: secret-stream keep-alives).
    const tapped = [...used.values()].reduce((sum, count) => sum + count.bytes, 0)
    const coverage = (tapped / (wire.encrypted - encryptedBefore)) * 100

    const count = (protocol: string): ProtocolCount =>
      used.get(protocol) ?? { bytes: 0, messages: 0 }
    const mf = count(MULTIFEED)
    const hc = count(HYPERCORE)
    const others = [...used].filter(([p]) => p !== MULTIFEED && p !== HYPERCORE)
    const perBlock = (bytes: number) => Math.round((bytes / opts.blocks) * 10) / 10
    const percent = (mf.bytes / hc.bytes) * 100
    return {
      name: `live: a writer appends ${opts.blocks} blocks one by one, ${opts.peers} peers connected (star)`,
      rows: [
        {
          blocks: opts.blocks,
          peers: opts.peers,
          'block bytes': blockBytes,
          'multifeed B/block': perBlock(mf.bytes),
          'hypercore B/block': perBlock(hc.bytes),
          'multifeed / hypercore': judge(+percent.toFixed(2), '<= 5%', {
            shown: `${percent.toFixed(2)}%`,
          }),
          'multifeed msgs/block': +(mf.messages / opts.blocks).toFixed(2),
          'hypercore msgs/block': +(hc.messages / opts.blocks).toFixed(2),
          'other B/block': perBlock(others.reduce((sum, [, c]) => sum + c.bytes, 0)),
          'appends ms': Math.round(appendedMs),
          'all held ms': Math.round(heldMs),
        },
      ],
      notes: [
        `Topology: star; the writer's Multifeed has a piped replication stream pair to each of ${opts.peers} peer Multifeeds (peers not linked to each other). On-disk stores, one process.`,
        'Counted: bytes written by both ends of every connection, from when every peer holds the first block until every peer holds every block and the wire is quiet (250 ms).',
        `B/block: those bytes / ${opts.blocks} appended blocks, all ${opts.peers} peers together (per peer: divide by ${opts.peers}); msgs: protomux messages.`,
        `Bytes per protomux protocol ('${MULTIFEED}' vs '${HYPERCORE}'), secret-stream framing (20 B per write) included; control frames and anything else in "other".`,
        'Counted by a tap on each stream (bench/wire-bytes.ts) until MultifeedChannel has a public byte counter. Target: issue 10 item 5.',
        `Check: the tap accounts for ${coverage.toFixed(2)}% of the encrypted bytes that crossed the pipes meanwhile (the rest is secret-stream keep-alives).`,
      ],
    }
  } finally {
    for (const stop of stops) stop()
    for (const node of nodes) {
      await node.multifeed.close()
      await node.store.close()
    }
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * One piped stream pair from the writer to each peer. The Noise streams are made here and
 * tapped before `replicate(stream)` runs on them (Corestore opens channels right away); the
 * encrypted bytes leaving either end are added to `wire.encrypted`, to check the tap against.
 */
function connectStar(
  writer: Node,
  peers: Node[],
  stops: (() => void)[],
  wire: { encrypted: number },
): ByteMeter {
  const tap = new WireTap()
  const countEncrypted = (chunk: Uint8Array) => {
    wire.encrypted += chunk.byteLength
  }
  for (const peer of peers) {
    const a = new NoiseSecretStream(true)
    const b = new NoiseSecretStream(false)
    tap.tap(a)
    tap.tap(b)
    writer.multifeed.replicate(a)
    peer.multifeed.replicate(b)
    a.rawStream.on('data', countEncrypted)
    b.rawStream.on('data', countEncrypted)
    stops.push(pipeStreams(a.rawStream, b.rawStream))
  }
  return tap
}

/** The peer's copy of the feed with this key, once the multifeed has it. */
function feedOf(multifeed: Multifeed, key: Uint8Array): Promise<Hypercore> {
  const known = multifeed.feed(key)
  if (known) return Promise.resolve(known)
  return new Promise((resolve) => {
    const onfeed = (core: Hypercore) => {
      if (!Buffer.from(core.key!).equals(Buffer.from(key))) return
      multifeed.off('feed', onfeed)
      resolve(core)
    }
    multifeed.on('feed', onfeed)
  })
}

/** Resolves once the core holds blocks 0 .. length - 1; fails after a generous bound. */
function heldAll(core: Hypercore, length: number, timeoutMs = 600_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      core.off('download', check)
      reject(new Error(`live: a peer holds ${core.contiguousLength} of ${length} blocks`))
    }, timeoutMs)
    function check() {
      if (core.contiguousLength < length) return
      clearTimeout(timer)
      core.off('download', check)
      resolve()
    }
    core.on('download', check)
    check()
  })
}

/** Waits until no byte was written for 250 ms (at most 10 s). */
async function quiet(meter: ByteMeter): Promise<void> {
  const total = () => [...meter.read().values()].reduce((sum, c) => sum + c.bytes, 0)
  let last = total()
  let stillFor = 0
  for (let waited = 0; waited < 10_000 && stillFor < 250; waited += 50) {
    await sleep(50)
    const now = total()
    stillFor = now === last ? stillFor + 50 : 0
    last = now
  }
}
