/**
 * The membership state (spec/membership.md) rule by rule: codec, ids and signatures, the
 * receiving steps (section 6), admission (7), resolution (8) and each conflict of section 9,
 * the pending buffer, and the exchange of operations (12). Histories with concurrency are
 * built by signing with explicit dependencies.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { discoveryKey } from '../../src/codec/capability.js'
import { DecodeError } from '../../src/codec/errors.js'
import {
  closedMultifeedKey,
  DEFAULT_MEMBERSHIP_LIMITS,
  decodeHave,
  decodeOperation,
  decodeOperationsMessage,
  encodeHave,
  encodeOperationsMessages,
  encodeSignable,
  genesisId,
  haveOf,
  isMembershipError,
  type MembershipChange,
  MembershipState,
  type OperationBody,
  type OperationOutcome,
  operationId,
  operationsFor,
  operationsWanted,
  type SigningKeyPair,
  signOperation,
} from '../../src/state/membership/index.js'
import { DependencyBuffer } from '../../src/state/membership/pending.js'

const L = DEFAULT_MEMBERSHIP_LIMITS
const key = (n: number): SigningKeyPair => crypto.keyPair(b4a.alloc(32, n))
const FOUNDER = key(1)
const ADA = key(2)
const BO = key(3)
const CY = key(4)
const MULTIFEED_KEY = b4a.alloc(32, 0x42)
const DK = discoveryKey(MULTIFEED_KEY)
const feed = (n: number) => b4a.alloc(32, 0xa0 + n)
const hex = (b: Uint8Array) => b4a.toString(b, 'hex')

/** Byte strings as hex, deeply, so Buffers and Uint8Arrays compare alike. */
function plain<T>(value: T): unknown {
  if (value instanceof Uint8Array) return hex(value)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}

type Body = Exclude<OperationBody, { type: 'genesis' }>

/** A history under construction: operations signed with explicit dependencies. */
class History {
  readonly genesis: Uint8Array
  readonly all: Uint8Array[] = []

  constructor() {
    const { author: _, ...g } = {
      type: 'genesis' as const,
      rules: 1,
      discoveryKey: DK,
      author: FOUNDER.publicKey,
      dependencies: [] as Uint8Array[],
    }
    this.genesis = signOperation(g, FOUNDER, L)
    this.all.push(this.genesis)
  }

  /** Signs `body` by `by` on top of `after` (default: the genesis). */
  op(by: SigningKeyPair, body: Body, ...after: Uint8Array[]): Uint8Array {
    const deps = (after.length > 0 ? after : [this.genesis]).map(idOf).sort(b4a.compare)
    const bytes = signOperation({ ...body, dependencies: deps }, by, L)
    this.all.push(bytes)
    return bytes
  }
}

const idOf = (bytes: Uint8Array) => operationId(decodeOperation(bytes, L).signable)
const newState = (limits = {}) =>
  new MembershipState({ founder: FOUNDER.publicKey, discoveryKey: DK, limits })
const add = (n: number): Body => ({ type: 'add-writer', feed: feed(n) })
const remove = (n: number, cut: number): Body => ({ type: 'remove-writer', feed: feed(n), cut })
const grant = (k: SigningKeyPair): Body => ({ type: 'grant-admin', admin: k.publicKey })
const revoke = (k: SigningKeyPair): Body => ({ type: 'revoke-admin', admin: k.publicKey })

function refusal(outcome: OperationOutcome | undefined): string {
  if (outcome?.status !== 'refused') throw new Error(`expected a refusal, got ${outcome?.status}`)
  return outcome.error.code
}

/** Applies `ops` to a fresh state in every given order and checks each gives the same snapshot. */
function resolved(ops: Uint8Array[]) {
  const forward = newState()
  forward.receive(ops)
  const backward = newState()
  backward.receive([...ops].reverse())
  const oneByOne = newState()
  for (const op of [...ops].reverse()) oneByOne.receive([op])
  expect(backward.snapshot()).toEqual(forward.snapshot())
  expect(oneByOne.snapshot()).toEqual(forward.snapshot())
  return forward
}

describe('operation codec (spec 5)', () => {
  test('every type round-trips and the signable is everything but the signature', () => {
    const h = new History()
    const ops = [
      h.genesis,
      h.op(FOUNDER, add(1)),
      h.op(FOUNDER, remove(1, 300)),
      h.op(FOUNDER, grant(ADA)),
      h.op(FOUNDER, revoke(ADA)),
    ]
    const types = ops.map((bytes) => {
      const op = decodeOperation(bytes, L)
      expect(op.bytes).toEqual(bytes)
      expect(op.signable).toEqual(bytes.subarray(0, bytes.byteLength - 64))
      expect(op.signature).toEqual(bytes.subarray(bytes.byteLength - 64))
      const { signature: _s, bytes: _b, signable, ...unsigned } = op
      expect(encodeSignable(unsigned, L)).toEqual(signable)
      return op.type
    })
    expect(types).toEqual(['genesis', 'add-writer', 'remove-writer', 'grant-admin', 'revoke-admin'])
    const removeOp = decodeOperation(ops[2]!, L)
    expect(removeOp.type === 'remove-writer' && removeOp.cut).toBe(300)
  })

  test('sizes: genesis 132 bytes, add-writer with one dependency 163', () => {
    const h = new History()
    expect(h.genesis.byteLength).toBe(132)
    expect(h.op(FOUNDER, add(1)).byteLength).toBe(163)
  })

  const codeOf = (bytes: Uint8Array, limits = L) => {
    try {
      decodeOperation(bytes, limits)
    } catch (err) {
      expect(err instanceof DecodeError || isMembershipError(err)).toBe(true)
      return (err as DecodeError).code
    }
    return 'decoded'
  }

  test('strict decoding: each fault has its code', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const withByte = (at: number, value: number) => {
      const copy = b4a.from(a)
      copy[at] = value
      return copy
    }
    expect(codeOf(a.subarray(0, a.byteLength - 1))).toBe('ERR_DECODE_TRUNCATED')
    expect(codeOf(b4a.concat([a, b4a.from([0])]))).toBe('ERR_DECODE_TRAILING_BYTES')
    expect(codeOf(withByte(0, 5))).toBe('ERR_MEMBERSHIP_UNKNOWN_TYPE')
    expect(codeOf(withByte(1, 1))).toBe('ERR_DECODE_RESERVED_FLAGS')
    expect(codeOf(withByte(34, 0))).toBe('ERR_MEMBERSHIP_BAD_DEPENDENCIES')
    expect(codeOf(a, { ...L, maxOperationBytes: a.byteLength - 1 })).toBe(
      'ERR_DECODE_MESSAGE_TOO_LARGE',
    )
    expect(codeOf(a, { ...L, maxDependencies: 0 })).toBe('ERR_DECODE_TOO_MANY_ENTRIES')
    // A genesis that names a dependency.
    const g = b4a.from(h.genesis)
    const withDep = b4a.concat([g.subarray(0, 34), b4a.from([1]), b4a.alloc(32, 7), g.subarray(35)])
    expect(codeOf(withDep)).toBe('ERR_MEMBERSHIP_BAD_DEPENDENCIES')
  })

  test('dependencies must be strictly increasing: a repeat or a wrong order is refused', () => {
    const twice = b4a.concat([
      b4a.from([1, 0]),
      FOUNDER.publicKey,
      b4a.from([2]),
      b4a.alloc(32, 9),
      b4a.alloc(32, 9),
      feed(1),
      b4a.alloc(64),
    ])
    expect(codeOf(twice)).toBe('ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES')
    const reversed = b4a.from(twice)
    reversed.fill(8, 36 + 32, 36 + 64)
    expect(codeOf(reversed)).toBe('ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES')
  })

  test('encoders refuse what a decoder would refuse (a coded usage error)', () => {
    const deps = [b4a.alloc(32, 2), b4a.alloc(32, 1)]
    expect(() => signOperation({ ...add(1), dependencies: deps }, FOUNDER, L)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => signOperation({ ...add(1), dependencies: [] }, FOUNDER, L)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    const wrongPair = { publicKey: ADA.publicKey, secretKey: FOUNDER.secretKey }
    expect(() => signOperation({ ...add(1), dependencies: [b4a.alloc(32)] }, wrongPair, L)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })
})

describe('identity (spec 3, 4)', () => {
  test('the genesis id follows from the invitation, and is the id of the signed genesis', () => {
    const state = newState()
    const g = new History().genesis
    expect(genesisId({ multifeedKey: MULTIFEED_KEY, founder: FOUNDER.publicKey }, L)).toEqual(
      state.genesisId,
    )
    expect(idOf(g)).toEqual(state.genesisId)
    expect(state.signGenesis(FOUNDER)).toEqual(g) // Ed25519 is deterministic
  })

  test('the closed key differs by founder and from the multifeed key', () => {
    const a = closedMultifeedKey(MULTIFEED_KEY, state(FOUNDER).genesisId)
    const b = closedMultifeedKey(MULTIFEED_KEY, state(ADA).genesisId)
    expect(a).not.toEqual(b)
    expect(a).not.toEqual(MULTIFEED_KEY)
    expect(discoveryKey(a)).not.toEqual(DK)
    function state(founder: SigningKeyPair) {
      return new MembershipState({ founder: founder.publicKey, discoveryKey: DK })
    }
  })
})

describe('receiving (spec 6)', () => {
  test('a genesis that is not ours is refused: another founder, or another multifeed', () => {
    const state = newState()
    const other = new MembershipState({ founder: ADA.publicKey, discoveryKey: DK })
    expect(refusal(state.receive([other.signGenesis(ADA)]).outcomes[0])).toBe(
      'ERR_MEMBERSHIP_WRONG_GENESIS',
    )
    const elsewhere = new MembershipState({
      founder: FOUNDER.publicKey,
      discoveryKey: b4a.alloc(32),
    })
    expect(refusal(state.receive([elsewhere.signGenesis(FOUNDER)]).outcomes[0])).toBe(
      'ERR_MEMBERSHIP_WRONG_GENESIS',
    )
    expect(state.size).toBe(0)
  })

  test('a forged signature is refused and changes nothing; the genuine copy is then stored', () => {
    const h = new History()
    const state = newState()
    state.receive([h.genesis])
    const genuine = h.op(FOUNDER, add(1))
    const forged = b4a.from(genuine)
    forged[forged.byteLength - 1]! ^= 1
    const before = state.snapshot()
    expect(refusal(state.receive([forged]).outcomes[0])).toBe('ERR_MEMBERSHIP_BAD_SIGNATURE')
    expect(state.snapshot()).toEqual(before)
    expect(state.size).toBe(1)
    expect(state.receive([genuine]).outcomes[0]!.status).toBe('stored')
  })

  test('a replay is refused as a duplicate, stored or waiting, and changes nothing', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const state = newState()
    const first = state.receive([a, a])
    expect(first.outcomes[0]!.status).toBe('pending')
    expect(refusal(first.outcomes[1])).toBe('ERR_MEMBERSHIP_DUPLICATE')
    state.receive([h.genesis])
    const snap = state.snapshot()
    expect(refusal(state.receive([a]).outcomes[0])).toBe('ERR_MEMBERSHIP_DUPLICATE')
    expect(state.snapshot()).toEqual(snap)
    expect(state.size).toBe(2)
  })

  test('operations wait for their dependencies, then apply dependencies first', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const b = h.op(FOUNDER, remove(1, 4), a)
    const state = newState()
    const early = state.receive([b, a])
    expect(early.outcomes.map((o) => o.status)).toEqual(['pending', 'pending'])
    expect(state.missing()).toEqual([state.genesisId])
    const later = state.receive([h.genesis])
    expect(later.stored.map(hex)).toEqual([h.genesis, a, b].map(idOf).map(hex))
    expect(plain(later.changes)).toEqual([
      { type: 'writer', feed: hex(feed(1)), member: false, cut: 4 },
    ])
    expect(state.pendingCount).toBe(0)
  })

  test('the waiting buffer is bounded: the oldest is dropped with a code, and may come again', () => {
    const h = new History()
    const ops = [1, 2, 3].map((n) => h.op(FOUNDER, add(n)))
    const state = newState({ maxPendingOperations: 2 })
    const result = state.receive(ops)
    expect(refusal(result.outcomes[0])).toBe('ERR_MEMBERSHIP_PENDING_OVERFLOW')
    expect(result.outcomes.slice(1).map((o) => o.status)).toEqual(['pending', 'pending'])
    expect(state.pendingCount).toBe(2)
    state.receive([h.genesis, ops[0]!])
    expect(state.members().length).toBe(3)
  })

  test('a dropped operation of an earlier call is reported in `refused`', () => {
    const h = new History()
    const state = newState({ maxPendingOperations: 1 })
    state.receive([h.op(FOUNDER, add(1))])
    const result = state.receive([h.op(FOUNDER, add(2))])
    expect(result.refused.map((r) => r.error.code)).toEqual(['ERR_MEMBERSHIP_PENDING_OVERFLOW'])
  })

  test('maxOperations bounds the store with a local, not remembered, refusal', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const state = newState({ maxOperations: 1 })
    const result = state.receive([h.genesis, a])
    expect(refusal(result.outcomes[1])).toBe('ERR_MEMBERSHIP_LIMIT')
    expect(state.size).toBe(1)
  })
})

describe('admission (spec 7)', () => {
  test('an operation by a key that was never granted admin is refused and changes nothing', () => {
    const h = new History()
    const state = newState()
    state.receive([h.genesis])
    const result = state.receive([h.op(ADA, add(1))])
    expect(refusal(result.outcomes[0])).toBe('ERR_MEMBERSHIP_NOT_ADMIN')
    expect(state.size).toBe(1)
    expect(state.members()).toEqual([])
  })

  test('a revoked admin that signs after seeing its revoke is refused; its dependents too', () => {
    const h = new History()
    const g = h.op(FOUNDER, grant(ADA))
    const r = h.op(FOUNDER, revoke(ADA), g)
    const late = h.op(ADA, add(1), r)
    const onTop = h.op(FOUNDER, add(2), late)
    const state = newState()
    const result = state.receive([h.genesis, g, r, late, onTop])
    expect(refusal(result.outcomes[3])).toBe('ERR_MEMBERSHIP_NOT_ADMIN')
    expect(refusal(result.outcomes[4])).toBe('ERR_MEMBERSHIP_DEPENDENCY_REJECTED')
    // Remembered: the same bytes are refused at once, and so is a new dependent.
    expect(refusal(state.receive([late]).outcomes[0])).toBe('ERR_MEMBERSHIP_NOT_ADMIN')
    const another = h.op(FOUNDER, add(3), late)
    expect(refusal(state.receive([another]).outcomes[0])).toBe('ERR_MEMBERSHIP_DEPENDENCY_REJECTED')
    expect(state.members()).toEqual([])
  })

  test('the founder cannot be granted or revoked', () => {
    const h = new History()
    const g = h.op(FOUNDER, grant(ADA))
    const state = newState()
    const result = state.receive([
      h.genesis,
      g,
      h.op(ADA, revoke(FOUNDER), g),
      h.op(FOUNDER, grant(FOUNDER)),
    ])
    expect(refusal(result.outcomes[2])).toBe('ERR_MEMBERSHIP_FOUNDER')
    expect(refusal(result.outcomes[3])).toBe('ERR_MEMBERSHIP_FOUNDER')
  })

  test('only a senior may grant or revoke: juniors, equals and oneself are refused', () => {
    const h = new History()
    const gAda = h.op(FOUNDER, grant(ADA))
    const gBo = h.op(FOUNDER, grant(BO), gAda) // granted after ada: ada is senior to bo
    const gCy = h.op(FOUNDER, grant(CY)) // concurrent with both: incomparable at depth 1
    const state = newState()
    state.receive([h.genesis, gAda, gBo, gCy])
    const codes = state
      .receive([
        h.op(BO, revoke(ADA), gBo),
        h.op(ADA, revoke(ADA), gBo),
        h.op(ADA, revoke(CY), gBo, gCy),
        h.op(CY, revoke(BO), gBo, gCy),
      ])
      .outcomes.map(refusal)
    expect(codes).toEqual(Array(4).fill('ERR_MEMBERSHIP_NOT_SENIOR'))
    expect(state.receive([h.op(ADA, revoke(BO), gBo)]).outcomes[0]!.status).toBe('stored')
    expect(state.isAdmin(BO.publicKey)).toBe(false)
  })

  test('depth decides before grant order: an admin granted by an admin is junior to it', () => {
    const h = new History()
    const gAda = h.op(FOUNDER, grant(ADA))
    const gBo = h.op(ADA, grant(BO), gAda)
    const state = newState()
    const result = state.receive([h.genesis, gAda, gBo, h.op(BO, revoke(ADA), gBo)])
    expect(refusal(result.outcomes[3])).toBe('ERR_MEMBERSHIP_NOT_SENIOR')
  })
})

describe('conflicts (spec 9)', () => {
  test('an add concurrent with a remove of the same writer: removed, with the remover cut', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const addAgain = h.op(FOUNDER, add(1), a)
    const rm = h.op(FOUNDER, remove(1, 7), a)
    expect(plain(resolved([h.genesis, a, addAgain, rm]).writers())).toEqual([
      { feed: hex(feed(1)), member: false, cut: 7 },
    ])
  })

  test('re-adding after the remove makes a member again and lifts the cut', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const rm = h.op(FOUNDER, remove(1, 7), a)
    const again = h.op(FOUNDER, add(1), rm)
    expect(plain(resolved([h.genesis, a, rm, again]).writers())).toEqual([
      { feed: hex(feed(1)), member: true, cut: null },
    ])
  })

  test('concurrent removes with different cuts keep the smallest; a later remove replaces it', () => {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const r1 = h.op(FOUNDER, remove(1, 9), a)
    const r2 = h.op(FOUNDER, remove(1, 4), a)
    expect(resolved([h.genesis, a, r1, r2]).writer(feed(1))).toEqual({ member: false, cut: 4 })
    const r3 = h.op(FOUNDER, remove(1, 12), r1, r2)
    expect(resolved([h.genesis, a, r1, r2, r3]).writer(feed(1))).toEqual({
      member: false,
      cut: 12,
    })
  })

  test('an admin revoked concurrently: its concurrent operations are void, earlier ones stand', () => {
    const h = new History()
    const g = h.op(FOUNDER, grant(ADA))
    const before = h.op(ADA, add(1), g)
    const during = h.op(ADA, add(2), before)
    const r = h.op(FOUNDER, revoke(ADA), before) // saw `before`, not `during`
    const state = resolved([h.genesis, g, before, during, r])
    expect(state.members().map(hex)).toEqual([hex(feed(1))])
    expect(state.isAdmin(ADA.publicKey)).toBe(false)
    expect(state.size).toBe(5) // void operations stay stored
  })

  test('cascade: a grant by an admin revoked concurrently is void, and so are the grantee operations', () => {
    const h = new History()
    const gAda = h.op(FOUNDER, grant(ADA))
    const gBo = h.op(ADA, grant(BO), gAda)
    const boAdds = h.op(BO, add(1), gBo)
    const r = h.op(FOUNDER, revoke(ADA), gAda)
    const state = resolved([h.genesis, gAda, gBo, boAdds, r])
    expect(state.members()).toEqual([])
    expect(state.adminKeys()).toEqual([FOUNDER.publicKey])
  })

  test('two admins revoking each other: the senior wins, the junior attempt is refused', () => {
    const h = new History()
    const gAda = h.op(FOUNDER, grant(ADA))
    const gBo = h.op(FOUNDER, grant(BO), gAda)
    const adaRevokesBo = h.op(ADA, revoke(BO), gBo)
    const boRevokesAda = h.op(BO, revoke(ADA), gBo)
    const state = newState()
    const result = state.receive([h.genesis, gAda, gBo, boRevokesAda, adaRevokesBo])
    expect(refusal(result.outcomes[3])).toBe('ERR_MEMBERSHIP_NOT_SENIOR')
    expect(state.adminKeys().map(hex).sort()).toEqual(
      [FOUNDER, ADA].map((k) => hex(k.publicKey)).sort(),
    )
  })

  test('a grant concurrent with a revoke of the same admin: revoked', () => {
    const h = new History()
    const g = h.op(FOUNDER, grant(ADA))
    const regrant = h.op(FOUNDER, grant(ADA), g)
    const r = h.op(FOUNDER, revoke(ADA), g)
    expect(resolved([h.genesis, g, regrant, r]).isAdmin(ADA.publicKey)).toBe(false)
    const after = h.op(FOUNDER, grant(ADA), regrant, r)
    expect(resolved([h.genesis, g, regrant, r, after]).isAdmin(ADA.publicKey)).toBe(true)
  })

  test('the founder stays an admin whatever else happens', () => {
    const h = new History()
    const state = resolved([h.genesis, h.op(FOUNDER, grant(ADA))])
    expect(state.isAdmin(FOUNDER.publicKey)).toBe(true)
    expect(newState().isAdmin(FOUNDER.publicKey)).toBe(true)
  })

  test('concurrent first grants: the best depth counts, a grant by a non-senior does not', () => {
    const h = new History()
    const gAda = h.op(FOUNDER, grant(ADA))
    const adaGrantsBo = h.op(ADA, grant(BO), gAda) // depth 2 in its own past
    const founderGrantsBo = h.op(FOUNDER, grant(BO), gAda) // depth 1, concurrent
    const boOnlyViaAda = h.op(BO, add(1), adaGrantsBo)
    const boViaFounder = h.op(BO, add(2), founderGrantsBo)
    const state = resolved([
      h.genesis,
      gAda,
      adaGrantsBo,
      founderGrantsBo,
      boOnlyViaAda,
      boViaFounder,
    ])
    // bo has depth 1 like ada; ada granted first, so ada stays senior and its grant of bo
    // counts; both of bo's adds stand.
    expect(state.members().map(hex)).toEqual([feed(1), feed(2)].map(hex))

    // Now the founder grants bo concurrently with ada's own grant: ada and bo are equals
    // (depth 1, incomparable), so ada's grant of bo does not count, nor what rests on it.
    const h2 = new History()
    const gAda2 = h2.op(FOUNDER, grant(ADA))
    const founderFirst = h2.op(FOUNDER, grant(BO))
    const adaGrants = h2.op(ADA, grant(BO), gAda2)
    const onlyViaAda = h2.op(BO, add(1), adaGrants)
    const viaFounder = h2.op(BO, add(2), founderFirst)
    const state2 = resolved([h2.genesis, gAda2, founderFirst, adaGrants, onlyViaAda, viaFounder])
    expect(state2.members().map(hex)).toEqual([hex(feed(2))])
    expect(state2.isAdmin(BO.publicKey)).toBe(true)
  })
})

describe('changes (spec 8.5)', () => {
  test('writer added, cut changed, writer removed, admins added and removed', () => {
    const h = new History()
    const state = newState()
    const changes: MembershipChange[][] = []
    const g = h.op(FOUNDER, grant(ADA))
    changes.push(state.receive([h.genesis, g]).changes)
    const a = h.op(ADA, add(1), g)
    changes.push(state.receive([a]).changes)
    const r1 = h.op(ADA, remove(1, 5), a)
    changes.push(state.receive([r1]).changes)
    const r2 = h.op(ADA, remove(1, 2), r1)
    changes.push(state.receive([r2]).changes)
    changes.push(state.receive([h.op(FOUNDER, revoke(ADA), g)]).changes)
    const w = (member: boolean, cut: number | null) => ({
      type: 'writer',
      feed: hex(feed(1)),
      member,
      cut,
    })
    expect(changes.map(plain)).toEqual([
      [{ type: 'admin', key: hex(ADA.publicKey), admin: true }],
      [w(true, null)],
      [w(false, 5)],
      [w(false, 2)],
      // ada's add, removes and admin status all fall with the concurrent revoke
      [w(false, 0), { type: 'admin', key: hex(ADA.publicKey), admin: false }],
    ])
    expect(state.writers()).toEqual([])
  })
})

describe('dependency buffer', () => {
  test('a cycle among waiting items is refused', () => {
    const buffer = new DependencyBuffer<string>(10)
    expect(buffer.add('a', ['b'], 'A')).toEqual({ ok: true, dropped: [] })
    expect(buffer.add('b', ['a'], 'B')).toEqual({ ok: false, reason: 'cycle' })
    expect(buffer.add('c', ['c'], 'C')).toEqual({ ok: false, reason: 'cycle' })
    expect(buffer.size).toBe(1)
  })

  test('stored releases items that miss nothing more, oldest first; refused takes dependents', () => {
    const buffer = new DependencyBuffer<string>(10)
    buffer.add('y', ['x'], 'Y')
    buffer.add('z', ['x', 'w'], 'Z')
    buffer.add('v', ['y'], 'V')
    expect(buffer.missing().sort()).toEqual(['w', 'x'])
    expect(buffer.stored('x')).toEqual(['Y'])
    expect(buffer.refused('y').map((r) => r.value)).toEqual(['V'])
    expect(buffer.stored('w')).toEqual(['Z'])
    expect(buffer.size).toBe(0)
  })
})

describe('exchanging operations (spec 12)', () => {
  function full() {
    const h = new History()
    const a = h.op(FOUNDER, add(1))
    const b = h.op(FOUNDER, add(2), a)
    const c = h.op(FOUNDER, add(3), b)
    return { h, ops: [h.genesis, a, b, c] }
  }

  test('a peer that holds a prefix gets exactly the rest', () => {
    const { ops } = full()
    const big = newState()
    big.receive(ops)
    const small = newState()
    small.receive(ops.slice(0, 2))
    const sent = operationsFor(big, haveOf(small))
    expect(sent).toEqual(ops.slice(2))
    expect(operationsFor(small, haveOf(big))).toEqual([])
  })

  test('diverged peers recognise an older known id and send little more than the difference', () => {
    const { h, ops } = full()
    const mine = h.op(FOUNDER, add(10), ops[3]!)
    const theirs = h.op(FOUNDER, add(11), ops[3]!)
    const a = newState()
    a.receive([...ops, mine])
    const b = newState()
    b.receive([...ops, theirs])
    expect(operationsFor(a, haveOf(b))).toEqual([mine])
    expect(operationsFor(b, haveOf(a))).toEqual([theirs])
  })

  test('wanted ids are served in storage order; messages round-trip and split by size', () => {
    const { ops } = full()
    const state = newState()
    state.receive(ops)
    expect(operationsWanted(state, [idOf(ops[2]!), idOf(ops[1]!), b4a.alloc(32)])).toEqual([
      ops[1],
      ops[2],
    ])
    const have = haveOf(state)
    expect(decodeHave(encodeHave(have))).toEqual(have)
    const messages = encodeOperationsMessages(ops, {
      maxMessageBytes: 400,
      maxEntriesPerMessage: 4096,
      maxOperationBytes: 4096,
    })
    expect(messages.length).toBe(2)
    expect(messages.flatMap((m) => decodeOperationsMessage(m))).toEqual(ops)
  })
})

describe('local misuse', () => {
  test('a batch with something that is not bytes throws before anything is applied', () => {
    const h = new History()
    const state = newState()
    expect(() => state.receive([h.genesis, 'x' as never])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(state.size).toBe(0)
    expect(() => state.sign(add(1), FOUNDER)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => state.signGenesis(ADA)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })
})
