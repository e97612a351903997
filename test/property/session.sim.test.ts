/**
 * Multi-peer simulation (yjs style): 2 to 8 peers, one Session per link end, an in-memory
 * network whose delivery order fast-check chooses (FIFO per link direction: the transport is
 * ordered), links that drop and come back with fresh sessions, feeds added, appended to and
 * blocked at random. After a flush, every pair of linked peers holds the same non-blocked feeds
 * at the same (highest) lengths, transitively through middle peers, and nobody holds a feed
 * no peer authored. A second property checks commutativity against an independent oracle.
 * Failures print a seed and path: replay with `fc.assert(..., { seed, path })`.
 */
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { SimNetwork } from './sim/network.js'
import { testKey } from './sim/wire.js'

type Op =
  | { kind: 'deliver'; pick: number }
  | { kind: 'replicate'; pick: number }
  | { kind: 'author'; peer: number; length: number }
  | { kind: 'append'; peer: number; pick: number; blocks: number }
  | { kind: 'block'; peer: number; pick: number }
  | { kind: 'drop'; pick: number }
  | { kind: 'restore'; pick: number; aInitiates: boolean }

const MAX_PEERS = 8

/** Peers, links between distinct peers, and the feeds each peer authors at the start. */
const topology = fc.integer({ min: 2, max: MAX_PEERS }).chain((peerCount) =>
  fc.record({
    peerCount: fc.constant(peerCount),
    pairs: fc.uniqueArray(
      fc
        .tuple(fc.nat(peerCount - 1), fc.nat(peerCount - 1))
        .filter(([a, b]) => a !== b)
        .map(([a, b]) => (a < b ? [a, b] : [b, a]) as [number, number]),
      { minLength: 1, maxLength: 12, selector: ([a, b]) => a * MAX_PEERS + b },
    ),
    feeds: fc.array(fc.tuple(fc.nat(peerCount - 1), fc.integer({ min: 0, max: 3 })), {
      maxLength: 8,
    }),
    initiators: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  }),
)

const op = (peerCount: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.nat().map((pick) => ({ kind: 'deliver' as const, pick })) },
    { weight: 4, arbitrary: fc.nat().map((pick) => ({ kind: 'replicate' as const, pick })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(peerCount - 1), fc.integer({ min: 0, max: 3 }))
        .map(([peer, length]) => ({ kind: 'author' as const, peer, length })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(peerCount - 1), fc.nat(), fc.integer({ min: 1, max: 3 }))
        .map(([peer, pick, blocks]) => ({ kind: 'append' as const, peer, pick, blocks })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(peerCount - 1), fc.nat())
        .map(([peer, pick]) => ({ kind: 'block' as const, peer, pick })),
    },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'drop' as const, pick })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(), fc.boolean())
        .map(([pick, aInitiates]) => ({ kind: 'restore' as const, pick, aInitiates })),
    },
  )

function build(t: { peerCount: number; pairs: [number, number][]; feeds: [number, number][] }) {
  const net = new SimNetwork(t.peerCount, t.pairs)
  let nextKey = 0
  const newKey = () => testKey(nextKey++, 0x5a)
  for (const [peer, length] of t.feeds) net.author(peer, newKey(), length)
  return { net, newKey }
}

function expectConverged(net: SimNetwork): void {
  expect(net.failures).toEqual([])
  for (const link of net.links) {
    const [p, q] = [net.peers[link.peers[0]]!, net.peers[link.peers[1]]!]
    const seenBy = (from: typeof p, other: typeof q) =>
      [...from.visibleFeeds()].filter(([hex]) => !other.blocked.has(hex)).sort()
    expect(seenBy(p, q), `peers ${p.id} and ${q.id} differ`).toEqual(seenBy(q, p))
  }
  for (const peer of net.peers) {
    for (const hex of peer.feeds.keys())
      expect(net.authored.has(hex), 'a feed nobody authored').toBe(true)
  }
}

test('peers converge through drops, live additions, appends and blocks', () => {
  fc.assert(
    fc.property(
      topology.chain((t) =>
        fc.record({ t: fc.constant(t), ops: fc.array(op(t.peerCount), { maxLength: 80 }) }),
      ),
      ({ t, ops }) => {
        const { net, newKey } = build(t)
        for (const link of net.links) net.connect(link.index, t.initiators[link.index]!)
        for (const o of ops) {
          switch (o.kind) {
            case 'deliver':
              net.deliver(o.pick)
              break
            case 'replicate':
              net.replicate(o.pick)
              break
            case 'author':
              net.author(o.peer, newKey(), o.length)
              break
            case 'append': {
              const authored = [...net.peers[o.peer]!.authored]
              if (authored.length > 0)
                net.append(o.peer, authored[o.pick % authored.length]!, o.blocks)
              break
            }
            case 'block': {
              const known = [...net.authored]
              const hex = known[o.pick % Math.max(1, known.length)]
              const feed = hex === undefined ? undefined : net.peers.find((p) => p.feeds.has(hex))
              if (feed) net.block(o.peer, feed.feeds.get(hex!)!.key)
              break
            }
            case 'drop':
              net.drop(o.pick % net.links.length)
              break
            case 'restore':
              net.connect(o.pick % net.links.length, o.aInitiates)
              break
          }
        }
        for (const link of net.links) net.connect(link.index, t.initiators[link.index]!)
        net.flush()
        expectConverged(net)
      },
    ),
    { numRuns: 300 },
  )
})

/** Who ends up with which feed, computed without any session: BFS over non-blocking peers. */
function oracle(t: {
  peerCount: number
  pairs: [number, number][]
  feeds: [number, number][]
  blocks: [number, number][]
}): Map<string, number>[] {
  const holdings = Array.from({ length: t.peerCount }, () => new Map<string, number>())
  t.feeds.forEach(([author, length], index) => {
    const hex = Buffer.from(testKey(index, 0x5a)).toString('hex')
    const blocking = new Set(t.blocks.filter(([, f]) => f === index).map(([peer]) => peer))
    blocking.delete(author)
    const reached = new Set([author])
    const queue = [author]
    while (queue.length > 0) {
      const peer = queue.shift()!
      for (const [a, b] of t.pairs) {
        const next = a === peer ? b : b === peer ? a : -1
        if (next < 0 || reached.has(next) || blocking.has(next)) continue
        reached.add(next)
        queue.push(next)
      }
    }
    for (const peer of reached) holdings[peer]!.set(hex, length)
  })
  return holdings
}

test('the outcome does not depend on who initiates or on delivery order', () => {
  const scenario = topology.chain((t) =>
    fc.record({
      t: fc.constant(t),
      blocks: fc.array(fc.tuple(fc.nat(t.peerCount - 1), fc.nat(Math.max(0, t.feeds.length - 1))), {
        maxLength: 3,
      }),
      schedules: fc.array(
        fc.record({
          initiators: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
          picks: fc.array(fc.nat(), { maxLength: 120 }),
        }),
        { minLength: 2, maxLength: 2 },
      ),
    }),
  )
  fc.assert(
    fc.property(scenario, ({ t, blocks, schedules }) => {
      const usable =
        t.feeds.length === 0 ? [] : blocks.filter(([peer, f]) => t.feeds[f]![0] !== peer)
      const outcomes = schedules.map(({ initiators, picks }) => {
        const { net } = build(t)
        for (const [peer, f] of usable) net.block(peer, testKey(f, 0x5a))
        for (const link of net.links) net.connect(link.index, initiators[link.index]!)
        for (const pick of picks) {
          // Even picks deliver a message, odd picks move blocks: both in an order fast-check chose.
          if (pick % 2 === 0) net.deliver(pick >> 1)
          else net.replicate(pick >> 1)
        }
        net.flush()
        expect(net.failures).toEqual([])
        for (const { session } of net.sessions()) expect(session.synced).toBe(true)
        return net.peers.map((peer) => peer.visibleFeeds())
      })
      const expected = oracle({ ...t, blocks: usable })
      expect(outcomes[0]).toEqual(expected)
      expect(outcomes[1]).toEqual(expected)
    }),
    { numRuns: 300 },
  )
})

test('a link that drops and comes back re-syncs what changed while it was down', () => {
  fc.assert(
    fc.property(
      topology.chain((t) =>
        fc.record({
          t: fc.constant(t),
          down: fc.nat(),
          appends: fc.array(
            fc.tuple(fc.nat(t.peerCount - 1), fc.nat(), fc.integer({ min: 1, max: 3 })),
            {
              minLength: 1,
              maxLength: 6,
            },
          ),
          picks: fc.array(fc.nat(), { maxLength: 60 }),
        }),
      ),
      ({ t, down, appends, picks }) => {
        const { net } = build(t)
        for (const link of net.links) net.connect(link.index, t.initiators[link.index]!)
        net.flush()
        const dropped = down % net.links.length
        net.drop(dropped)
        for (const [peer, pick, blocks] of appends) {
          const authored = [...net.peers[peer]!.authored]
          if (authored.length > 0) net.append(peer, authored[pick % authored.length]!, blocks)
        }
        net.connect(dropped, t.initiators[dropped]!)
        for (const pick of picks) {
          if (pick % 2 === 0) net.deliver(pick >> 1)
          else net.replicate(pick >> 1)
        }
        net.flush()
        expectConverged(net)
      },
    ),
    { numRuns: 300 },
  )
})
