/**
 * Membership vectors (test/vectors/membership.json, spec/membership.md). Operation bytes are
 * spelled from the spec's field tables (membership-ops.ts), ids and signatures come from
 * libsodium with keys from fixed seeds (Ed25519 is deterministic), and the expected outcome of
 * every set of operations comes from the naive oracle (membership-oracle.ts). Nothing here
 * calls src/state/membership.
 */
import b4a from 'b4a'
import {
  challengeModEight,
  encodingOfY,
  FIELD_PRIME,
  mixedOrderKey,
  SMALL_ORDER,
  signAs,
  verifyRule,
  withNonCanonicalS,
} from './ed25519-edges.js'
import { uint } from './hex.js'
import {
  type BuiltOp,
  buildOp,
  closedKeyHex,
  discoveryKeyHex,
  feedKey,
  labelled,
  NAMESPACE_BASE,
  NAMESPACE_NAME,
  NS,
  type OpSpec,
  operationIdHex,
  signableHex,
  signedMessage,
  type TestKey,
  testKey,
} from './membership-ops.js'
import { oracle } from './membership-oracle.js'

export const MEMBERSHIP_VECTORS_SCHEMA = 'multifeed_membership_vectors_v1'

export const MEMBERSHIP_FLAGS = {
  Genesis: 'The genesis: no dependencies, rules version and discovery key.',
  Dependencies: 'Several dependencies, in strictly increasing byte order.',
  Limit: 'At a limit (maxDependencies, maxOperationBytes, maxPendingOperations) or one past it.',
  VarintWidth: 'A uint at the edge of a varint width.',
  BadSignature: 'The signature is not the author key over NSM[0] || signable.',
  Truncated: 'The input ends inside a field.',
  TrailingBytes: 'Bytes remain after the signature.',
  NonMinimalVarint: 'A uint in a longer form than needed.',
  VarintOverflow: 'A uint above 2^53 - 1.',
  ReservedFlags: 'The flags field is not 0.',
  UnknownType: 'A type number above 4.',
  UnsortedDependencies: 'Dependencies out of order or repeated.',
  BadDependencies: 'A genesis with dependencies, or another operation without.',
  CheckOrder:
    'Several faults or a limit before the bytes it announces: the first in reading order wins.',
  WrongGenesis: 'A genesis that is not the one the invitation names.',
  Duplicate: 'The same operation again: refused as a duplicate while stored or waiting.',
  NotAdmin: 'Signed by a key that is not an admin at its own dependencies.',
  NotSenior: 'A grant or revoke whose author is not senior to its subject.',
  Founder: 'A grant or revoke naming the founder.',
  DependencyRejected: 'A dependency was refused for good.',
  Pending: 'Delivered before its dependencies: waits, then applies.',
  Overflow: 'The waiting buffer is full: the oldest waiting operation is dropped.',
  Concurrent: "Operations that are not in each other's past.",
  RemoveWins: 'An add and a remove of one writer are both latest: removed.',
  ReAdd: 'An add after a remove: a member again, cut lifted.',
  Cut: 'Cuts: the smallest among the latest removes.',
  StrongRemoval: 'Operations of an admin concurrent with an effective revoke of it are void.',
  Cascade: 'Authority that came only from a void grant is void too.',
  Seniority: 'Depth of grants, then first-grant order, decide who may grant or revoke whom.',
  Redelivery: 'Some operations are delivered more than once.',
  EdgeSignature:
    'A signature Ed25519 libraries disagree on (spec 4.3): non-canonical S, small-order R or key, a key that is not canonical, a mixed-order key.',
  Regrant: 'A grant after the first does not change seniority.',
} as const
export type MembershipFlag = keyof typeof MEMBERSHIP_FLAGS

const DEFAULT_LIMITS = {
  maxOperationBytes: 4096,
  maxDependencies: 64,
  maxPendingOperations: 1024,
  maxOperations: 1048576,
}

const hex = (bytes: Uint8Array) => b4a.toString(bytes, 'hex')

// ---------------------------------------------------------------- the fixed world

const KEYS = {
  founder: testKey('founder'),
  ada: testKey('ada'),
  bo: testKey('bo'),
  cy: testKey('cy'),
  mallory: testKey('mallory'),
}
const { founder: F, ada: A, bo: B, cy: C, mallory: M } = KEYS
const MULTIFEED_KEY = labelled('membership multifeed key')
const DISCOVERY_KEY = discoveryKeyHex(MULTIFEED_KEY)
const GENESIS = buildOp({ type: 'genesis', author: F, deps: [], discoveryKey: DISCOVERY_KEY })
const W = (n: number) => feedKey(0xa0 + n)

/** Builds a history with explicit dependencies; `after` defaults to the genesis. */
function op(author: TestKey, body: Omit<OpSpec, 'author' | 'deps'>, ...after: BuiltOp[]) {
  const deps = (after.length > 0 ? after : [GENESIS]).map((o) => o.id)
  return buildOp({ ...body, author, deps } as OpSpec)
}
const add = (n: number) => ({ type: 'add-writer' as const, feed: W(n) })
const remove = (n: number, cut: number) => ({ type: 'remove-writer' as const, feed: W(n), cut })
const grant = (k: TestKey) => ({ type: 'grant-admin' as const, admin: k.publicKey })
const revoke = (k: TestKey) => ({ type: 'revoke-admin' as const, admin: k.publicKey })

// ---------------------------------------------------------------- signatures at the edges

/** A stand-in author with this public key encoding; its signatures are always given. */
function rawKey(name: string, publicKey: string): TestKey {
  return { ...testKey(name), publicKey }
}

/**
 * An operation whose signature `sign(signed message)` gives; its validity is the rule of spec
 * 4.3 (verifyRule), and must be what the vector intends.
 */
function edgeOp(
  spec: Omit<OpSpec, 'signature'>,
  sign: (message: Uint8Array) => string,
  intended: boolean,
): BuiltOp {
  const message = signedMessage(signableHex(spec))
  const signature = sign(message)
  const valid = verifyRule(spec.author.publicKey, message, signature)
  if (valid !== intended) throw new Error(`edge case built ${valid}, meant ${intended}`)
  return buildOp({ ...spec, signature: { hex: signature, valid } })
}

/** A key pair seed whose public key, plus a point of order 8, is a mixed-order admin key. */
const XENO = testKey('xeno')
const X = rawKey('xeno', mixedOrderKey(XENO.seed))

/**
 * An add-writer by the mixed-order key X for the first feed n >= `from` whose challenge k is
 * (`zero`) or is not a multiple of 8: cofactorless verification accepts the first kind only.
 */
function xenoAdd(zero: boolean, from: number, ...after: BuiltOp[]): BuiltOp {
  for (let n = from; n < from + 64; n++) {
    const spec = {
      type: 'add-writer' as const,
      author: X,
      deps: (after.length > 0 ? after : [GENESIS]).map((o) => o.id),
      feed: W(n),
    }
    const message = signedMessage(signableHex(spec))
    const signature = signAs(XENO.seed, X.publicKey, message)
    if ((challengeModEight(X.publicKey, message, signature) === 0) === zero) {
      return edgeOp(spec, () => signature, zero)
    }
  }
  throw new Error('no feed gave the challenge wanted')
}

// ---------------------------------------------------------------- operation group

interface DecodedJson {
  type: string
  author: string
  dependencies: string[]
  rules?: number
  discoveryKey?: string
  feed?: string
  cut?: number
  admin?: string
  signature: string
}

export interface OperationTest {
  tcId: number
  comment: string
  flags: MembershipFlag[]
  hex: string
  result: 'valid' | 'invalid'
  decoded?: DecodedJson
  signable?: string
  id?: string
  signatureValid?: boolean
  error?: string
}

function decodedOf(o: BuiltOp): DecodedJson {
  const out: DecodedJson = {
    type: o.type,
    author: o.author,
    dependencies: o.deps,
    signature: o.signature,
  }
  if (o.rules !== undefined) out.rules = o.rules
  if (o.discoveryKey !== undefined) out.discoveryKey = o.discoveryKey
  if (o.feed !== undefined) out.feed = o.feed
  if (o.cut !== undefined) out.cut = o.cut
  if (o.admin !== undefined) out.admin = o.admin
  return out
}

function operationTests(): Omit<OperationTest, 'tcId'>[] {
  const valid = (
    comment: string,
    flags: MembershipFlag[],
    o: BuiltOp,
  ): Omit<OperationTest, 'tcId'> => ({
    comment,
    flags,
    hex: o.hex,
    result: 'valid',
    decoded: decodedOf(o),
    signable: o.signable,
    id: o.id,
    signatureValid: o.signatureValid,
  })
  const invalid = (comment: string, flags: MembershipFlag[], bytes: string, error: string) => ({
    comment,
    flags,
    hex: bytes,
    result: 'invalid' as const,
    error,
  })
  const a1 = op(F, add(1))
  const threeDeps = buildOp({
    type: 'add-writer',
    author: F,
    deps: [1, 2, 3].map((n) => operationIdHex(uint(n))),
    feed: W(2),
  })
  const sixtyFour = Array.from({ length: 64 }, (_, i) => operationIdHex(uint(i)))
  const maxDeps = buildOp({ type: 'add-writer', author: F, deps: sixtyFour, feed: W(3) })
  const sig = a1.signature
  const body = (s: OpSpec) => signableHex(s)
  const a1Spec: OpSpec = { type: 'add-writer', author: F, deps: [GENESIS.id], feed: W(1) }
  const sorted = [...sixtyFour].sort()
  return [
    valid('the genesis of the fixed multifeed', ['Genesis'], GENESIS),
    valid('add-writer with one dependency', [], a1),
    valid('remove-writer, cut 0', [], op(F, remove(1, 0))),
    valid('remove-writer, cut 300 (3-byte varint)', ['VarintWidth'], op(F, remove(1, 300))),
    valid(
      'remove-writer, cut 2^53 - 1 (9-byte varint)',
      ['VarintWidth'],
      op(F, remove(1, Number.MAX_SAFE_INTEGER)),
    ),
    valid('grant-admin', [], op(F, grant(A))),
    valid('revoke-admin', [], op(F, revoke(A))),
    valid('three dependencies, sorted', ['Dependencies'], threeDeps),
    valid('64 dependencies: maxDependencies', ['Dependencies', 'Limit'], maxDeps),
    valid(
      'decodes, but signed by another key than its author',
      ['BadSignature'],
      buildOp({ ...a1Spec, signer: M }),
    ),
    invalid('cut inside the signature', ['Truncated'], a1.hex.slice(0, -2), 'ERR_DECODE_TRUNCATED'),
    invalid(
      'cut inside the dependencies',
      ['Truncated'],
      a1.hex.slice(0, 2 * 40),
      'ERR_DECODE_TRUNCATED',
    ),
    invalid('empty input', ['Truncated'], '', 'ERR_DECODE_TRUNCATED'),
    invalid(
      'one byte after the signature',
      ['TrailingBytes'],
      `${a1.hex}00`,
      'ERR_DECODE_TRAILING_BYTES',
    ),
    invalid(
      'flags 1',
      ['ReservedFlags'],
      body({ ...a1Spec, flags: 1 }) + sig,
      'ERR_DECODE_RESERVED_FLAGS',
    ),
    invalid(
      'type 5, followed by garbage: the type is refused first',
      ['UnknownType', 'CheckOrder'],
      `${uint(5)}ffff`,
      'ERR_MEMBERSHIP_UNKNOWN_TYPE',
    ),
    invalid(
      'type 1 as a 3-byte varint',
      ['NonMinimalVarint'],
      `fd0100${a1.hex.slice(2)}`,
      'ERR_DECODE_NON_MINIMAL_VARINT',
    ),
    nonMinimalCut(a1Spec, sig),
    invalid(
      'cut 2^53 as a 9-byte varint',
      ['VarintOverflow'],
      `${uint(2)}00${F.publicKey}${uint(1)}${GENESIS.id}${W(1)}ff0000000000002000${sig}`,
      'ERR_DECODE_VARINT_OVERFLOW',
    ),
    invalid(
      'dependencies in decreasing order',
      ['UnsortedDependencies'],
      body({ ...a1Spec, deps: [...sorted.slice(0, 2)].reverse(), unsorted: true }) + sig,
      'ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES',
    ),
    invalid(
      'the same dependency twice',
      ['UnsortedDependencies'],
      body({ ...a1Spec, deps: [GENESIS.id, GENESIS.id], unsorted: true }) + sig,
      'ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES',
    ),
    invalid(
      'a genesis with a dependency',
      ['BadDependencies', 'Genesis'],
      body({ type: 'genesis', author: F, deps: [a1.id], discoveryKey: DISCOVERY_KEY }) +
        GENESIS.signature,
      'ERR_MEMBERSHIP_BAD_DEPENDENCIES',
    ),
    invalid(
      'an add-writer without dependencies',
      ['BadDependencies'],
      body({ ...a1Spec, deps: [] }) + sig,
      'ERR_MEMBERSHIP_BAD_DEPENDENCIES',
    ),
    invalid(
      '65 dependencies announced, none present: the count is refused before its bytes',
      ['Limit', 'CheckOrder'],
      `${uint(1)}00${F.publicKey}${uint(65)}`,
      'ERR_DECODE_TOO_MANY_ENTRIES',
    ),
    invalid(
      'maxOperationBytes + 1 bytes: refused before any field',
      ['Limit', 'CheckOrder'],
      'ff'.repeat(DEFAULT_LIMITS.maxOperationBytes + 1),
      'ERR_DECODE_MESSAGE_TOO_LARGE',
    ),
    // Added in 1.1: signatures at the edges (spec 4.3); numbered after every earlier test.
    valid(
      'S + L: the equation still holds modulo L, but S is not canonical (rule 1)',
      ['BadSignature', 'EdgeSignature'],
      edgeOp(a1Spec, () => withNonCanonicalS(sig), false),
    ),
    valid(
      'R is the identity, a small-order encoding (rule 2)',
      ['BadSignature', 'EdgeSignature'],
      edgeOp(a1Spec, () => SMALL_ORDER[1]! + sig.slice(64), false),
    ),
    valid(
      'author the identity key with R the identity and S = 0: the bare equation of RFC 8032 holds, the small-order key is refused (rule 3)',
      ['BadSignature', 'EdgeSignature'],
      edgeOp(
        { ...a1Spec, author: rawKey('identity', SMALL_ORDER[1]!) },
        () => SMALL_ORDER[1]! + '00'.repeat(32),
        false,
      ),
    ),
    valid(
      'author y = p + 3: not a canonical encoding (rule 3)',
      ['BadSignature', 'EdgeSignature'],
      edgeOp(
        { ...a1Spec, author: rawKey('non-canonical', encodingOfY(FIELD_PRIME + 3n)) },
        () => sig,
        false,
      ),
    ),
    valid(
      'a mixed-order author key (a public key plus a point of order 8) with a challenge that is not a multiple of 8: cofactored verification accepts it, the cofactorless equation of rule 5 does not',
      ['BadSignature', 'EdgeSignature'],
      xenoAdd(false, 1),
    ),
    valid(
      'the same mixed-order key with a challenge that is a multiple of 8: valid (rules 3 and 4 accept a mixed-order key)',
      ['EdgeSignature'],
      xenoAdd(true, 1),
    ),
  ]
}

/** remove-writer whose cut 5 is written fd 05 00. */
function nonMinimalCut(spec: OpSpec, sig: string) {
  const s = signableHex({ ...spec, type: 'remove-writer', cut: 5 })
  return {
    comment: 'cut 5 as a 3-byte varint',
    flags: ['NonMinimalVarint'] as MembershipFlag[],
    hex: `${s.slice(0, -2)}fd0500${sig}`,
    result: 'invalid' as const,
    error: 'ERR_DECODE_NON_MINIMAL_VARINT',
  }
}

// ---------------------------------------------------------------- receive group

export interface ReceiveTest {
  tcId: number
  comment: string
  flags: MembershipFlag[]
  limits: typeof DEFAULT_LIMITS
  /** Delivered one at a time, in order; `outcome` is the operation's status right after. */
  steps: { hex: string; outcome: 'stored' | 'pending' | string }[]
}

function receiveTests(): Omit<ReceiveTest, 'tcId'>[] {
  const t = (
    comment: string,
    flags: MembershipFlag[],
    steps: [BuiltOp | string, string][],
    limits: Partial<typeof DEFAULT_LIMITS> = {},
  ) => ({
    comment,
    flags,
    limits: { ...DEFAULT_LIMITS, ...limits },
    steps: steps.map(([o, outcome]) => ({ hex: typeof o === 'string' ? o : o.hex, outcome })),
  })
  const gA = op(F, grant(A))
  const gB = op(F, grant(B), gA)
  const rA = op(F, revoke(A), gA)
  const lateA = op(A, add(1), rA)
  const a1 = op(F, add(1))
  const a2 = op(F, add(2), a1)
  const a3 = op(F, add(3), a2)
  const otherGenesis = buildOp({
    type: 'genesis',
    author: F,
    deps: [],
    discoveryKey: feedKey(0x11),
  })
  return [
    t(
      'the genesis, then an operation on it',
      ['Genesis'],
      [
        [GENESIS, 'stored'],
        [a1, 'stored'],
      ],
    ),
    t(
      'a genesis signed by another key than the founder',
      ['WrongGenesis'],
      [
        [
          buildOp({ type: 'genesis', author: A, deps: [], discoveryKey: DISCOVERY_KEY }),
          'ERR_MEMBERSHIP_WRONG_GENESIS',
        ],
      ],
    ),
    t(
      'a genesis for another discovery key',
      ['WrongGenesis'],
      [[otherGenesis, 'ERR_MEMBERSHIP_WRONG_GENESIS']],
    ),
    t(
      'a genesis with rules version 2',
      ['WrongGenesis'],
      [
        [
          buildOp({ type: 'genesis', author: F, deps: [], discoveryKey: DISCOVERY_KEY, rules: 2 }),
          'ERR_MEMBERSHIP_WRONG_GENESIS',
        ],
      ],
    ),
    t(
      'a forged signature, then the genuine operation',
      ['BadSignature'],
      [
        [GENESIS, 'stored'],
        [
          buildOp({ type: 'add-writer', author: F, deps: [GENESIS.id], feed: W(1), signer: M }),
          'ERR_MEMBERSHIP_BAD_SIGNATURE',
        ],
        [a1, 'stored'],
      ],
    ),
    t(
      'a replay of a stored operation, and of the genesis',
      ['Duplicate'],
      [
        [GENESIS, 'stored'],
        [a1, 'stored'],
        [a1, 'ERR_MEMBERSHIP_DUPLICATE'],
        [GENESIS, 'ERR_MEMBERSHIP_DUPLICATE'],
      ],
    ),
    t(
      'a second copy of a waiting operation',
      ['Duplicate', 'Pending'],
      [
        [a1, 'pending'],
        [a1, 'ERR_MEMBERSHIP_DUPLICATE'],
      ],
    ),
    t(
      'an operation by a key never granted admin',
      ['NotAdmin'],
      [
        [GENESIS, 'stored'],
        [op(M, add(9)), 'ERR_MEMBERSHIP_NOT_ADMIN'],
      ],
    ),
    t(
      'a revoked admin signs after its revoke; then an operation that depends on it',
      ['NotAdmin', 'DependencyRejected'],
      [
        [GENESIS, 'stored'],
        [gA, 'stored'],
        [rA, 'stored'],
        [lateA, 'ERR_MEMBERSHIP_NOT_ADMIN'],
        [op(F, add(2), lateA), 'ERR_MEMBERSHIP_DEPENDENCY_REJECTED'],
        [lateA, 'ERR_MEMBERSHIP_NOT_ADMIN'],
      ],
    ),
    t(
      'a dependent waits; its dependency is refused, so it is refused too',
      ['Pending', 'DependencyRejected'],
      [
        [GENESIS, 'stored'],
        [op(F, add(2), lateA), 'pending'],
        [gA, 'stored'],
        [rA, 'stored'],
        [lateA, 'ERR_MEMBERSHIP_NOT_ADMIN'],
      ],
    ),
    t(
      'grant and revoke of the founder',
      ['Founder'],
      [
        [GENESIS, 'stored'],
        [gA, 'stored'],
        [op(A, revoke(F), gA), 'ERR_MEMBERSHIP_FOUNDER'],
        [op(F, grant(F)), 'ERR_MEMBERSHIP_FOUNDER'],
      ],
    ),
    t(
      'juniors, equals and oneself may not revoke',
      ['NotSenior', 'Seniority'],
      [
        [GENESIS, 'stored'],
        [gA, 'stored'],
        [gB, 'stored'],
        [op(B, revoke(A), gB), 'ERR_MEMBERSHIP_NOT_SENIOR'],
        [op(A, revoke(A), gB), 'ERR_MEMBERSHIP_NOT_SENIOR'],
        [op(A, grant(A), gB), 'ERR_MEMBERSHIP_NOT_SENIOR'],
        [op(A, revoke(B), gB), 'stored'],
      ],
    ),
    t(
      'admins granted concurrently at the same depth cannot revoke each other',
      ['NotSenior', 'Seniority', 'Concurrent'],
      [
        [GENESIS, 'stored'],
        [gA, 'stored'],
        [op(F, grant(C)), 'stored'],
        [op(A, revoke(C), gA, op(F, grant(C))), 'ERR_MEMBERSHIP_NOT_SENIOR'],
        [op(C, revoke(A), gA, op(F, grant(C))), 'ERR_MEMBERSHIP_NOT_SENIOR'],
      ],
    ),
    t(
      'an admin granted by an admin is its junior',
      ['NotSenior', 'Seniority'],
      [
        [GENESIS, 'stored'],
        [gA, 'stored'],
        [op(A, grant(C), gA), 'stored'],
        [op(C, revoke(A), op(A, grant(C), gA)), 'ERR_MEMBERSHIP_NOT_SENIOR'],
      ],
    ),
    t(
      'waiting operations apply once their dependencies arrive, dependencies first',
      ['Pending'],
      [
        [a3, 'pending'],
        [a2, 'pending'],
        [a1, 'pending'],
        [GENESIS, 'stored'],
        [a3, 'ERR_MEMBERSHIP_DUPLICATE'],
      ],
    ),
    t(
      'maxPendingOperations 2: the third waiting operation drops the oldest',
      ['Overflow', 'Limit', 'Pending'],
      [
        [a1, 'pending'],
        [a2, 'pending'],
        [a3, 'pending'],
        [a1, 'pending'],
        [GENESIS, 'stored'],
        [a2, 'stored'],
        [a3, 'ERR_MEMBERSHIP_DUPLICATE'],
      ],
      { maxPendingOperations: 2 },
    ),
    // Added in 1.1.
    t(
      'a copy with S + L before the genuine operation: refused, not remembered (the genuine one has the same id and is stored); the copy again is a duplicate',
      ['BadSignature', 'EdgeSignature', 'Duplicate'],
      [
        [GENESIS, 'stored'],
        [
          edgeOp(firstAddSpec(), () => withNonCanonicalS(a1.signature), false),
          'ERR_MEMBERSHIP_BAD_SIGNATURE',
        ],
        [a1, 'stored'],
        [
          edgeOp(firstAddSpec(), () => withNonCanonicalS(a1.signature), false),
          'ERR_MEMBERSHIP_DUPLICATE',
        ],
      ],
    ),
    t(
      'an admin with a mixed-order key: its operation whose challenge is a multiple of 8 is stored, the other is refused as a bad signature',
      ['EdgeSignature', 'BadSignature'],
      [
        [GENESIS, 'stored'],
        [op(F, { type: 'grant-admin', admin: X.publicKey }), 'stored'],
        [xenoAdd(true, 1, op(F, { type: 'grant-admin', admin: X.publicKey })), 'stored'],
        [
          xenoAdd(false, 1, op(F, { type: 'grant-admin', admin: X.publicKey })),
          'ERR_MEMBERSHIP_BAD_SIGNATURE',
        ],
      ],
    ),
  ]
}

/** The add-writer of feed 1 by the founder on the genesis, as a spec. */
function firstAddSpec(): OpSpec {
  return { type: 'add-writer', author: F, deps: [GENESIS.id], feed: W(1) }
}

// ---------------------------------------------------------------- resolution group

export interface ResolutionTest {
  tcId: number
  comment: string
  flags: MembershipFlag[]
  operations: string[]
  /** Orders to deliver `operations` in (indices; a repeated index is a redelivery). */
  deliveries: number[][]
  result: 'valid'
  expected: {
    stored: number[]
    refused: { index: number; error: string }[]
    pending: number[]
    members: string[]
    removed: { feed: string; cut: number }[]
    admins: string[]
  }
}

/** A fixed permutation of 0..n-1 from a small LCG (the same on every run). */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i)
  let x = seed * 2654435761 + 1
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648
    const j = x % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function resolutionTests(): Omit<ResolutionTest, 'tcId'>[] {
  const cases: { comment: string; flags: MembershipFlag[]; ops: BuiltOp[] }[] = []
  const c = (comment: string, flags: MembershipFlag[], ops: BuiltOp[]) =>
    cases.push({ comment, flags, ops })

  {
    const a1 = op(F, add(1))
    const a2 = op(F, add(2), a1)
    const r1 = op(F, remove(1, 3), a2)
    c('a line: two writers added, one removed with cut 3', ['Cut'], [GENESIS, a1, a2, r1])
  }
  {
    const a1 = op(F, add(1))
    const again = op(F, add(1), a1)
    const r1 = op(F, remove(1, 7), a1)
    c(
      'an add concurrent with a remove of the same writer: removed',
      ['RemoveWins', 'Concurrent'],
      [GENESIS, a1, again, r1],
    )
  }
  {
    const a1 = op(F, add(1))
    const r1 = op(F, remove(1, 7), a1)
    const back = op(F, add(1), r1)
    c('re-added after the remove: a member, cut lifted', ['ReAdd'], [GENESIS, a1, r1, back])
  }
  {
    const a1 = op(F, add(1))
    const r1 = op(F, remove(1, 7), a1)
    const back = op(F, add(1), a1)
    const later = op(F, add(1), r1)
    const r2 = op(F, remove(1, 2), back)
    c(
      'a re-add concurrent with a remove loses; one after it wins over that remove only',
      ['ReAdd', 'RemoveWins', 'Concurrent', 'Cut'],
      [GENESIS, a1, r1, back, later, r2],
    )
  }
  {
    const a1 = op(F, add(1))
    const r1 = op(F, remove(1, 9), a1)
    const r2 = op(F, remove(1, 4), a1)
    const r3 = op(F, remove(1, 12), r1)
    c(
      'concurrent removes: smallest cut; a later remove replaces only the one it saw',
      ['Cut', 'Concurrent'],
      [GENESIS, a1, r1, r2, r3],
    )
  }
  {
    const gA = op(F, grant(A))
    const before = op(A, add(1), gA)
    const during = op(A, add(2), before)
    const grantDuring = op(A, grant(C), before)
    const cyActs = op(C, add(3), grantDuring)
    const rA = op(F, revoke(A), before)
    c(
      'an admin revoked concurrently: its concurrent add and grant are void, and what its grantee did',
      ['StrongRemoval', 'Cascade', 'Concurrent'],
      [GENESIS, gA, before, during, grantDuring, cyActs, rA],
    )
  }
  {
    const gA = op(F, grant(A))
    const gB = op(A, grant(B), gA)
    const bRemoves = op(B, remove(1, 0), gB)
    const a1 = op(F, add(1))
    const bAfter = op(B, add(2), gB, a1)
    const rA = op(F, revoke(A), gB)
    c(
      "a grant in the revoke's past stands: the grantee keeps its authority",
      ['StrongRemoval'],
      [GENESIS, gA, gB, bRemoves, a1, bAfter, rA],
    )
  }
  {
    const gA = op(F, grant(A))
    const gB = op(F, grant(B), gA)
    const aRevokesB = op(A, revoke(B), gB)
    const bRevokesA = op(B, revoke(A), gB)
    const bAdds = op(B, add(4), gB)
    c(
      "two admins revoke each other: the senior wins, the junior is refused, the junior's concurrent add is void",
      ['Seniority', 'NotSenior', 'StrongRemoval', 'Concurrent'],
      [GENESIS, gA, gB, aRevokesB, bRevokesA, bAdds],
    )
  }
  {
    const gA = op(F, grant(A))
    const regrant = op(F, grant(A), gA)
    const rA = op(F, revoke(A), gA)
    const after = op(F, grant(A), regrant, rA)
    const aActs = op(A, add(5), after)
    c(
      'grant concurrent with revoke: revoked; a grant after both: admin again',
      ['Concurrent', 'Seniority'],
      [GENESIS, gA, regrant, rA, after, aActs],
    )
  }
  {
    const gA = op(F, grant(A))
    const fB = op(F, grant(B))
    const aB = op(A, grant(B), gA)
    const viaA = op(B, add(1), aB)
    const viaF = op(B, add(2), fB)
    c(
      "concurrent first grants: an equal's grant does not count, nor what rests on it alone",
      ['Seniority', 'Concurrent', 'Cascade'],
      [GENESIS, gA, fB, aB, viaA, viaF],
    )
  }
  {
    const gA = op(F, grant(A))
    const aMal = op(A, add(6), gA)
    const mal = op(M, add(7), gA)
    const onMal = op(F, add(8), mal)
    c(
      'refusals inside a set: a non-admin and what depends on it; the rest applies',
      ['NotAdmin', 'DependencyRejected'],
      [GENESIS, gA, aMal, mal, onMal],
    )
  }
  {
    const a1 = op(F, add(1))
    const neverDelivered = op(F, add(2), a1)
    const waits = op(F, add(3), neverDelivered)
    c('an operation whose dependency never arrives waits', ['Pending'], [GENESIS, a1, waits])
  }

  // Added in 1.1.
  {
    const gA = op(F, grant(A))
    const gB = op(F, grant(B), gA)
    const rA = op(F, revoke(A), gB)
    const regrant = op(F, grant(A), rA)
    const aRevokesB = op(A, revoke(B), regrant)
    const bAfter = op(B, add(2), gB)
    c(
      "a re-grant keeps the first grant's seniority: A, first granted before B, revoked and granted again after B's grant, may still revoke B; B's concurrent add is void",
      ['Regrant', 'Seniority', 'StrongRemoval', 'Concurrent'],
      [GENESIS, gA, gB, rA, regrant, aRevokesB, bAfter],
    )
  }

  const founder = F.publicKey
  return cases.map(({ comment, flags, ops }, k) => {
    const n = ops.length
    const forward = ops.map((_, i) => i)
    const deliveries = [
      forward,
      [...forward].reverse(),
      shuffled(n, k + 1),
      forward.flatMap((i) => [i, (i * 7 + 3) % n]),
    ]
    const result = oracle(
      ops.map((o) => ({
        id: o.id,
        type: o.type,
        author: o.author,
        deps: o.deps,
        ...(o.feed !== undefined ? { feed: o.feed } : {}),
        ...(o.cut !== undefined ? { cut: o.cut } : {}),
        ...(o.admin !== undefined ? { admin: o.admin } : {}),
        signatureValid: o.signatureValid,
      })),
      founder,
      GENESIS.id,
    )
    const indexOf = (id: string) => ops.findIndex((o) => o.id === id)
    return {
      comment,
      flags: [...flags, 'Redelivery'] as MembershipFlag[],
      operations: ops.map((o) => o.hex),
      deliveries,
      result: 'valid' as const,
      expected: {
        stored: result.stored.map(indexOf).sort((a, b) => a - b),
        refused: [...result.refused]
          .map(([id, error]) => ({ index: indexOf(id), error }))
          .sort((a, b) => a.index - b.index),
        pending: result.pending.map(indexOf).sort((a, b) => a - b),
        members: result.members,
        removed: result.removed,
        admins: result.admins,
      },
    }
  })
}

// ---------------------------------------------------------------- file

/**
 * Tests per group in the first version of the file (1.1-draft). Test ids are stable: those keep
 * their numbers, and tests added later to a group are numbered after every earlier test.
 */
const FIRST_VERSION = { operation: 25, receive: 16, resolution: 12 }

export function buildMembershipVectors() {
  const built = {
    operation: operationTests(),
    receive: receiveTests(),
    resolution: resolutionTests(),
  }
  const names = ['operation', 'receive', 'resolution'] as const
  const ids = new Map<string, number[]>()
  let tcId = 0
  for (const name of names) {
    ids.set(
      name,
      built[name].slice(0, FIRST_VERSION[name]).map(() => ++tcId),
    )
  }
  for (const name of names) {
    for (let i = FIRST_VERSION[name]; i < built[name].length; i++) ids.get(name)!.push(++tcId)
  }
  const number = <T>(name: (typeof names)[number], tests: T[]) =>
    tests.map((t, i) => ({ tcId: ids.get(name)![i]!, ...t }))
  const groups = [
    { type: 'operation', limits: DEFAULT_LIMITS, tests: number('operation', built.operation) },
    { type: 'receive', tests: number('receive', built.receive) },
    { type: 'resolution', limits: DEFAULT_LIMITS, tests: number('resolution', built.resolution) },
  ]
  const closedKey = closedKeyHex(MULTIFEED_KEY, GENESIS.id)
  return {
    schema: MEMBERSHIP_VECTORS_SCHEMA,
    version: '1.1',
    algorithm:
      'Ed25519 over NSM[0] || signable; id = BLAKE2b-256(signable, key = NSM[1]); NSM = namespace("multifeed/membership", 3)',
    notes: MEMBERSHIP_FLAGS,
    numberOfTests: tcId,
    namespace: {
      name: NAMESPACE_NAME,
      base: hex(NAMESPACE_BASE),
      signature: hex(NS[0]!),
      operationId: hex(NS[1]!),
      closedKey: hex(NS[2]!),
    },
    keys: Object.values(KEYS).map(({ name, seed, publicKey }) => ({ name, seed, publicKey })),
    multifeed: {
      multifeedKey: hex(MULTIFEED_KEY),
      discoveryKey: DISCOVERY_KEY,
      founder: F.publicKey,
      genesis: GENESIS.hex,
      genesisId: GENESIS.id,
      closedKey,
      closedDiscoveryKey: discoveryKeyHex(b4a.from(closedKey, 'hex')),
    },
    testGroups: groups,
  }
}
