/**
 * Multi-peer simulation of membership (spec/membership.md section 12): 2 to 8 peers, some
 * holding admin keys and some only relaying, on a random connected topology whose links go
 * down and come back (partitions). Peers sign operations concurrently while apart; links sync
 * by exchanging Haves and the operations the other lacks, through the draft message encodings.
 * After every link is restored and synced to quiescence, every peer holds the same operations,
 * heads, members, cuts and admins, and they are the oracle's. Failures print a seed and path.
 */
import b4a from 'b4a'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  decodeHave,
  decodeOperation,
  decodeOperationsMessage,
  encodeHave,
  encodeOperationsMessages,
  haveOf,
  type MembershipState,
  operationId,
  operationsFor,
} from '../../src/state/membership/index.js'
import { oracle } from '../vectors/gen/membership-oracle.js'
import { FOUNDER, GENESIS, newState, WORLD_KEYS } from './membership/world.js'

const hex = (b: Uint8Array) => b4a.toString(b, 'hex')
const feed = (n: number) => b4a.alloc(32, 0xa0 + (n % 6))

interface Peer {
  state: MembershipState
  /** Index into WORLD_KEYS, or -1 for a relay that holds no key. */
  key: number
}

/** Syncs one link both ways over encoded messages; returns the number of operations moved. */
function sync(a: Peer, b: Peer): number {
  const haveA = decodeHave(encodeHave(haveOf(a.state)))
  const haveB = decodeHave(encodeHave(haveOf(b.state)))
  const toB = encodeOperationsMessages(operationsFor(a.state, haveB))
  const toA = encodeOperationsMessages(operationsFor(b.state, haveA))
  let moved = 0
  for (const m of toB) moved += b.state.receive(decodeOperationsMessage(m)).stored.length
  for (const m of toA) moved += a.state.receive(decodeOperationsMessage(m)).stored.length
  return moved
}

type Op =
  | { kind: 'sign'; peer: number; action: number; subject: number; cut: number }
  | { kind: 'sync'; link: number }
  | { kind: 'drop'; link: number }
  | { kind: 'restore'; link: number }

const scenario = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    // A random tree (peer i links to an earlier one) plus a few extra links.
    parents: fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.nat(i))),
    extra: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 4 }),
    // Which peers hold a key (peer 0 always holds the founder's).
    keyed: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    ops: fc.array(
      fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({
            kind: fc.constant('sign' as const),
            peer: fc.nat(n - 1),
            action: fc.nat(9),
            subject: fc.nat(15),
            cut: fc.nat(9),
          }),
        },
        { weight: 4, arbitrary: fc.record({ kind: fc.constant('sync' as const), link: fc.nat() }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), link: fc.nat() }) },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant('restore' as const), link: fc.nat() }),
        },
      ) as fc.Arbitrary<Op>,
      { minLength: 10, maxLength: 80 },
    ),
  }),
)

/**
 * The founder signs the genesis and grants admin to the keyed peers: the first one directly
 * (depth 1), the others by that first admin (depth 2, its juniors); everyone then holds it all.
 * Relays receive the same operations: they need no key to check them.
 */
function setUp(peers: Peer[]): void {
  const founder = peers[0]!.state
  founder.receive([founder.signGenesis(FOUNDER.keyPair)])
  const keyed = [
    ...new Set(
      peers
        .slice(1)
        .filter((p) => p.key > 0)
        .map((p) => p.key),
    ),
  ]
  const [first, ...rest] = keyed
  if (first !== undefined) {
    const firstKey = WORLD_KEYS[first]!.keyPair
    founder.receive([
      founder.sign({ type: 'grant-admin', admin: firstKey.publicKey }, FOUNDER.keyPair),
    ])
    for (const k of rest) {
      const admin = WORLD_KEYS[k]!.keyPair.publicKey
      founder.receive([founder.sign({ type: 'grant-admin', admin }, firstKey)])
    }
  }
  const all = [...founder.operations()].map((o) => o.bytes)
  for (const peer of peers.slice(1)) peer.state.receive(all)
}

function oracleOf(state: MembershipState) {
  const ops = [...state.operations()].map(({ bytes }) => {
    const op = decodeOperation(bytes, state.limits)
    return {
      id: hex(operationId(op.signable)),
      type: op.type,
      author: hex(op.author),
      deps: op.dependencies.map(hex),
      ...('feed' in op ? { feed: hex(op.feed) } : {}),
      ...('cut' in op ? { cut: op.cut } : {}),
      ...('admin' in op ? { admin: hex(op.admin) } : {}),
      signatureValid: true,
    }
  })
  const o = oracle(ops, FOUNDER.publicKey, GENESIS.id)
  return { members: o.members, removed: o.removed, admins: o.admins }
}

describe('simulation', () => {
  test('2 to 8 peers with admins and relays converge through partitions', () => {
    fc.assert(
      fc.property(scenario, ({ n, parents, extra, keyed, ops }) => {
        const peers: Peer[] = Array.from({ length: n }, (_, i) => ({
          state: newState(),
          key: i === 0 ? 0 : keyed[i] ? i % WORLD_KEYS.length : -1,
        }))
        setUp(peers)
        const links: { a: number; b: number; up: boolean }[] = parents.map((p, i) => ({
          a: p,
          b: i + 1,
          up: true,
        }))
        for (const [a, b] of extra) if (a !== b) links.push({ a, b, up: true })

        for (const o of ops) {
          if (o.kind === 'sign') {
            const peer = peers[o.peer]!
            if (peer.key < 0) continue
            // Mostly a key some peer holds, so grants and revokes hit acting admins.
            const keyed = peers.filter((p) => p.key > 0)
            const subjectKey =
              o.subject % 4 !== 3 && keyed.length > 0
                ? WORLD_KEYS[keyed[o.subject % keyed.length]!.key]!.keyPair
                : WORLD_KEYS[1 + (o.subject % (WORLD_KEYS.length - 1))]!.keyPair
            const body =
              o.action < 4
                ? { type: 'add-writer' as const, feed: feed(o.subject) }
                : o.action < 6
                  ? { type: 'remove-writer' as const, feed: feed(o.subject), cut: o.cut }
                  : o.action < 8
                    ? { type: 'grant-admin' as const, admin: subjectKey.publicKey }
                    : { type: 'revoke-admin' as const, admin: subjectKey.publicKey }
            peer.state.receive([peer.state.sign(body, WORLD_KEYS[peer.key]!.keyPair)])
          } else {
            const link = links[o.link % links.length]!
            if (o.kind === 'drop') link.up = false
            else if (o.kind === 'restore') link.up = true
            else if (link.up) sync(peers[link.a]!, peers[link.b]!)
          }
        }

        // Heal: every link up, sync until a whole round moves nothing (at most n rounds).
        for (const link of links) link.up = true
        let rounds = 0
        for (let moved = 1; moved > 0; rounds++) {
          expect(rounds).toBeLessThanOrEqual(n)
          moved = 0
          for (const link of links) moved += sync(peers[link.a]!, peers[link.b]!)
        }

        const ids = (p: Peer) => [...p.state.operations()].map((o) => hex(o.id)).sort()
        const first = peers[0]!
        for (const peer of peers) {
          expect(ids(peer)).toEqual(ids(first))
          expect(peer.state.heads().map(hex)).toEqual(first.state.heads().map(hex))
          expect(peer.state.snapshot()).toEqual(first.state.snapshot())
          expect(peer.state.pendingCount).toBe(0)
        }
        expect(first.state.snapshot()).toEqual(oracleOf(first.state))
      }),
      { numRuns: 150 },
    )
  })

  test('A - B - C: operations reach C through a relay B that is no member, A and C never meet', () => {
    const a: Peer = { state: newState(), key: 0 }
    const b: Peer = { state: newState(), key: -1 }
    const c: Peer = { state: newState(), key: 1 }
    const ada = WORLD_KEYS[1]!.keyPair
    a.state.receive([a.state.signGenesis(FOUNDER.keyPair)])
    a.state.receive([a.state.sign({ type: 'grant-admin', admin: ada.publicKey }, FOUNDER.keyPair)])
    a.state.receive([a.state.sign({ type: 'add-writer', feed: feed(1) }, FOUNDER.keyPair)])
    sync(a, b)
    sync(b, c)
    expect(c.state.snapshot()).toEqual(a.state.snapshot())
    // C, now an admin by A's grant, removes the writer; it reaches A back through B.
    c.state.receive([c.state.sign({ type: 'remove-writer', feed: feed(1), cut: 2 }, ada)])
    sync(b, c)
    sync(a, b)
    expect(a.state.writer(feed(1))).toEqual({ member: false, cut: 2 })
    expect(b.state.snapshot()).toEqual(c.state.snapshot())
    expect(b.state.isAdmin(ada.publicKey)).toBe(true)
    // Nothing more to exchange anywhere.
    expect(sync(a, b) + sync(b, c)).toBe(0)
  })
})
