/**
 * Properties of the membership state (spec/membership.md):
 *
 * 1. Every delivery order of the same operations, with redeliveries and any batching, gives the
 *    same stored set and resolution, and that resolution is the naive oracle's.
 * 2. Hostile input (a forged signature, a non-admin's operation, a replay, operations whose
 *    dependencies never arrive beyond the bound, an oversized operation) is refused with a coded
 *    error and changes nothing; a dependency cycle is refused by the buffer.
 * 3. A revoked admin's later operations have no effect: refused when they name the revoke,
 *    void when they do not.
 *
 * The multi-peer simulation is in membership.sim.test.ts. Failures print a seed and a path:
 * replay with `fc.assert(..., { seed, path })`.
 */
import b4a from 'b4a'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { MembershipState, OperationOutcome } from '../../src/state/membership/index.js'
import { DependencyBuffer } from '../../src/state/membership/pending.js'
import { buildOp, feedKey, testKey } from '../vectors/gen/membership-ops.js'
import { oracle } from '../vectors/gen/membership-oracle.js'
import {
  bytesOf,
  FOUNDER,
  GENESIS,
  newState,
  oracleOp,
  playHistory,
  type Step,
  WORLD_KEYS,
} from './membership/world.js'

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('sign' as const),
      view: fc.nat(7),
      author: fc.nat(63),
      action: fc.nat(9),
      subject: fc.nat(31),
      cut: fc.nat(9),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('sync' as const), a: fc.nat(7), b: fc.nat(7) }),
  },
)

const history = fc.record({
  views: fc.integer({ min: 1, max: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
})

/** Everything that must not depend on the order: stored ids, heads, resolution. */
function outcomeOf(state: MembershipState) {
  const ids = [...state.operations()].map((o) => b4a.toString(o.id, 'hex')).sort()
  return { ids, heads: state.heads().map((h) => b4a.toString(h, 'hex')), ...state.snapshot() }
}

const code = (o: OperationOutcome | undefined) =>
  o?.status === 'refused' ? o.error.code : o?.status

describe('order independence', () => {
  test('every order, redelivery and batching gives the same state, and the oracle agrees', () => {
    fc.assert(
      fc.property(
        history,
        fc.array(fc.tuple(fc.nat(), fc.nat(3)), { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
        ({ views, steps }, shuffleKeys, batchSizes) => {
          const { ops } = playHistory(views, steps)
          const reference = newState()
          reference.receive(ops.map(bytesOf))
          const expected = outcomeOf(reference)

          const o = oracle(ops.map(oracleOp), FOUNDER.publicKey, GENESIS.id)
          expect(expected.ids).toEqual([...o.stored].sort())
          expect({
            members: expected.members,
            removed: expected.removed,
            admins: expected.admins,
          }).toEqual({ members: o.members, removed: o.removed, admins: o.admins })

          // Another order: sort by fast-check's keys; repeat some (redelivery); random batches.
          const order = ops
            .map((op, i) => ({ op, key: shuffleKeys[i % shuffleKeys.length]![0] + i }))
            .sort((a, b) => (a.key % 97) - (b.key % 97) || a.key - b.key)
            .flatMap(({ op }, i) =>
              shuffleKeys[i % shuffleKeys.length]![1] === 0 ? [op, op] : [op],
            )
          const other = newState()
          for (let at = 0, b = 0; at < order.length; b++) {
            const size = batchSizes[b % batchSizes.length]!
            other.receive(order.slice(at, at + size).map(bytesOf))
            at += size
          }
          expect(outcomeOf(other)).toEqual(expected)
        },
      ),
      { numRuns: 120 },
    )
  })
})

describe('hostile input is refused with a code and changes nothing', () => {
  const MALLORY = testKey('mallory')

  function built(views: number, steps: Step[]) {
    const { ops } = playHistory(views, steps)
    const state = newState()
    state.receive(ops.map(bytesOf))
    return { ops, state }
  }

  function expectUnchanged(state: MembershipState, run: () => OperationOutcome[], codes: string[]) {
    const before = outcomeOf(state)
    const size = state.size
    const outcomes = run()
    expect(outcomes.map(code), 'outcomes').toEqual(codes)
    expect(outcomeOf(state)).toEqual(before)
    expect(state.size).toBe(size)
  }

  test('forged signature, non-admin, replay, oversized', () => {
    fc.assert(
      fc.property(history, fc.nat(), fc.nat(255), ({ views, steps }, pick, bit) => {
        const { state } = built(views, steps)
        const heads = state.heads().map((h) => b4a.toString(h, 'hex'))
        // Forged: a fresh operation claiming the founder as author, signed by mallory.
        const forged = buildOp({
          type: 'add-writer',
          author: FOUNDER,
          deps: heads,
          feed: feedKey(0x77),
          signer: MALLORY,
        })
        // Tampered: a stored operation with one bit flipped in its signature.
        const held = [...state.operations()]
        const stored = held[pick % held.length]!.bytes
        const tampered = b4a.from(stored)
        tampered[tampered.byteLength - 1 - (bit % 64)]! ^= 1 << (bit % 8)
        const nonAdmin = buildOp({
          type: 'grant-admin',
          author: MALLORY,
          deps: heads,
          admin: MALLORY.publicKey,
        })
        const oversized = new Uint8Array(state.limits.maxOperationBytes + 1 + bit)
        expectUnchanged(
          state,
          () =>
            state.receive([bytesOf(forged), tampered, bytesOf(nonAdmin), stored, oversized])
              .outcomes,
          [
            'ERR_MEMBERSHIP_BAD_SIGNATURE',
            // The tampered copy has the stored one's id: it is a duplicate before anything else.
            'ERR_MEMBERSHIP_DUPLICATE',
            'ERR_MEMBERSHIP_NOT_ADMIN',
            'ERR_MEMBERSHIP_DUPLICATE',
            'ERR_DECODE_MESSAGE_TOO_LARGE',
          ],
        )
      }),
      { numRuns: 60 },
    )
  })

  test('operations whose dependencies never arrive wait within the bound, then are dropped', () => {
    fc.assert(
      fc.property(
        history,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        ({ views, steps }, bound, extra) => {
          const { ops } = playHistory(views, steps)
          const state = newState({ maxPendingOperations: bound })
          state.receive(ops.map(bytesOf))
          const before = outcomeOf(state)
          // Orphans: each names a dependency nobody has.
          const orphans = Array.from({ length: bound + extra }, (_, i) =>
            buildOp({
              type: 'add-writer',
              author: FOUNDER,
              deps: [feedKey(i)],
              feed: feedKey(0x90),
            }),
          )
          const result = state.receive(orphans.map(bytesOf))
          const codes = result.outcomes.map(code)
          expect(codes.filter((c) => c === 'pending').length).toBe(bound)
          expect(codes.filter((c) => c === 'ERR_MEMBERSHIP_PENDING_OVERFLOW').length).toBe(extra)
          // The oldest were dropped: the last `bound` still wait.
          expect(codes.slice(extra).every((c) => c === 'pending')).toBe(true)
          expect(state.pendingCount).toBe(bound)
          expect(outcomeOf(state)).toEqual(before)
        },
      ),
      { numRuns: 40 },
    )
  })

  test('a dependency cycle among waiting items is refused and the buffer is unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.nat(),
        (n, extraLinks, pick) => {
          const buffer = new DependencyBuffer<number>(100)
          // A chain of waiting items: x0 waits on `absent`, x_i on x_{i-1} (and maybe on an
          // earlier x). An item with the id `absent` that waits on any x_i closes a loop.
          for (let i = 0; i < n; i++) {
            const deps = [i === 0 ? 'absent' : `x${i - 1}`]
            const link = extraLinks[i]
            if (link !== undefined && i > 0) deps.push(`x${link % i}`)
            expect(buffer.add(`x${i}`, deps, i).ok).toBe(true)
          }
          const missingBefore = buffer.missing()
          const outcome = buffer.add('absent', [`x${pick % n}`], -1)
          expect(outcome).toEqual({ ok: false, reason: 'cycle' })
          expect(buffer.size).toBe(n)
          expect(buffer.missing()).toEqual(missingBefore)
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('a revoked admin', () => {
  test('operations after its revoke are refused; operations concurrent with it are void', () => {
    const ADA = WORLD_KEYS[1]!
    fc.assert(
      fc.property(
        history,
        fc.array(fc.tuple(fc.nat(9), fc.nat(31), fc.nat()), { minLength: 1, maxLength: 8 }),
        ({ views, steps }, attempts) => {
          const { ops } = playHistory(views, steps)
          const state = newState()
          state.receive(ops.map(bytesOf))
          // Make sure ada is an admin, then the founder revokes her on top of everything.
          if (!state.isAdmin(ADA.keyPair.publicKey)) {
            state.receive([
              state.sign({ type: 'grant-admin', admin: ADA.keyPair.publicKey }, FOUNDER.keyPair),
            ])
          }
          if (!state.isAdmin(ADA.keyPair.publicKey)) return // revoked by a senior we cannot override
          const revoke = state.sign(
            { type: 'revoke-admin', admin: ADA.keyPair.publicKey },
            FOUNDER.keyPair,
          )
          expect(state.receive([revoke]).outcomes[0]!.status).toBe('stored')
          const after = outcomeOf(state)
          const stored = [...state.operations()].map((o) => b4a.toString(o.id, 'hex'))
          for (const [action, subject, pick] of attempts) {
            // The same operation twice: over the current heads (the revoke in its past), and
            // backdated over an earlier operation (concurrent with the revoke).
            const fields =
              action < 4
                ? { type: 'add-writer' as const, feed: feedKey(0xb0 + (subject % 8)) }
                : action < 7
                  ? {
                      type: 'remove-writer' as const,
                      feed: feedKey(0xa0 + (subject % 6)),
                      cut: subject,
                    }
                  : {
                      type: 'revoke-admin' as const,
                      admin: WORLD_KEYS[2 + (subject % 5)]!.publicKey,
                    }
            const late = buildOp({
              ...fields,
              author: ADA,
              deps: state.heads().map((h) => b4a.toString(h, 'hex')),
            })
            expect(code(state.receive([bytesOf(late)]).outcomes[0])).toBe(
              'ERR_MEMBERSHIP_NOT_ADMIN',
            )
            const backdated = buildOp({
              ...fields,
              author: ADA,
              deps: [stored[pick % (stored.length - 1)]!],
            })
            state.receive([bytesOf(backdated)])
          }
          const { ids: _i, heads: _h, ...resolution } = outcomeOf(state)
          const { ids: _j, heads: _k, ...expected } = after
          expect(resolution).toEqual(expected)
        },
      ),
      { numRuns: 60 },
    )
  })
})
