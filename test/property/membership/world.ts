/**
 * Random membership histories for properties and the bench. Authors keep their own view (a
 * MembershipState each) and sign on top of its heads, so histories have real concurrency:
 * views drift apart until two of them sync. Operations are built by the vector builder
 * (spelled bytes, libsodium), not by the module under test; the views only pick dependencies.
 */
import b4a from 'b4a'
import { MembershipState } from '../../../src/state/membership/index.js'
import {
  type BuiltOp,
  buildOp,
  discoveryKeyHex,
  feedKey,
  type OpSpec,
  type TestKey,
  testKey,
} from '../../vectors/gen/membership-ops.js'
import type { OracleOp } from '../../vectors/gen/membership-oracle.js'

export const WORLD_MULTIFEED_KEY = b4a.alloc(32, 0x4d)
export const WORLD_DISCOVERY_KEY = discoveryKeyHex(WORLD_MULTIFEED_KEY)

/** Founder first, then candidate admins (some never granted). */
export const WORLD_KEYS: TestKey[] = ['founder', 'ada', 'bo', 'cy', 'di', 'ed', 'fay'].map(testKey)
export const FOUNDER = WORLD_KEYS[0]!

export function newState(limits?: ConstructorParameters<typeof MembershipState>[0]['limits']) {
  return new MembershipState({
    founder: FOUNDER.keyPair.publicKey,
    discoveryKey: b4a.from(WORLD_DISCOVERY_KEY, 'hex'),
    ...(limits ? { limits } : {}),
  })
}

export const GENESIS: BuiltOp = buildOp({
  type: 'genesis',
  author: FOUNDER,
  deps: [],
  discoveryKey: WORLD_DISCOVERY_KEY,
})

export const bytesOf = (op: BuiltOp) => b4a.from(op.hex, 'hex')

export function oracleOp(op: BuiltOp): OracleOp {
  const out: OracleOp = {
    id: op.id,
    type: op.type,
    author: op.author,
    deps: op.deps,
    signatureValid: op.signatureValid,
  }
  if (op.feed !== undefined) out.feed = op.feed
  if (op.cut !== undefined) out.cut = op.cut
  if (op.admin !== undefined) out.admin = op.admin
  return out
}

export type Step =
  | {
      kind: 'sign'
      view: number
      /** Picks the signer: mostly an admin of the view (see pickAuthor). */
      author: number
      /** Signs as WORLD_KEYS[as] instead. */
      as?: number
      action: number
      subject: number
      cut: number
    }
  | { kind: 'sync'; a: number; b: number }

/**
 * Plays `steps` over `views` views (each starting from the genesis) and returns every
 * operation signed, in signing order. An author signs in any view (a key on several devices
 * is allowed); an operation its view refuses stays in the history (the oracle judges it).
 */
export function playHistory(
  views: number,
  steps: Step[],
  feeds = 6,
): { ops: BuiltOp[]; views: MembershipState[] } {
  return play(views, [...SETUP(views), ...steps], feeds)
}

/**
 * Every view starts with admins at depths 1 and 2 (founder grants ada then bo, ada grants cy),
 * so random steps have seniors and juniors to act and to revoke each other.
 */
const SETUP = (views: number): Step[] => [
  { kind: 'sign', view: 0, author: 0, as: 0, action: 3, subject: 0, cut: 0 },
  { kind: 'sign', view: 0, author: 0, as: 0, action: 3, subject: 1, cut: 0 },
  { kind: 'sign', view: 0, author: 0, as: 1, action: 3, subject: 2, cut: 0 },
  ...Array.from({ length: views - 1 }, (_, i) => ({ kind: 'sync' as const, a: 0, b: i + 1 })),
]

function play(
  views: number,
  steps: Step[],
  feeds: number,
): { ops: BuiltOp[]; views: MembershipState[] } {
  const states = Array.from({ length: views }, () => newState())
  for (const s of states) s.receive([bytesOf(GENESIS)])
  const ops: BuiltOp[] = [GENESIS]
  const byView: BuiltOp[][] = states.map(() => [GENESIS])
  for (const step of steps) {
    if (step.kind === 'sync') {
      const a = step.a % views
      const b = step.b % views
      if (a === b) continue
      states[a]!.receive(byView[b]!.map(bytesOf))
      states[b]!.receive(byView[a]!.map(bytesOf))
      const merged = new Map([...byView[a]!, ...byView[b]!].map((op) => [op.id, op]))
      byView[a] = [...merged.values()]
      byView[b] = [...merged.values()]
      continue
    }
    const v = step.view % views
    const author =
      step.as === undefined ? pickAuthor(states[v]!, step.author) : WORLD_KEYS[step.as]!
    const deps = states[v]!.heads().map((id) => b4a.toString(id, 'hex'))
    const spec: OpSpec = { type: 'add-writer', author, deps }
    switch (step.action % 5) {
      case 0:
      case 1:
        spec.type = 'add-writer'
        spec.feed = feedKey(0xa0 + (step.subject % feeds))
        break
      case 2:
        spec.type = 'remove-writer'
        spec.feed = feedKey(0xa0 + (step.subject % feeds))
        spec.cut = step.cut
        break
      case 3:
        spec.type = 'grant-admin'
        spec.admin = WORLD_KEYS[1 + (step.subject % (WORLD_KEYS.length - 1))]!.publicKey
        break
      default:
        spec.type = 'revoke-admin'
        spec.admin = pickRevoked(states[v]!, step.subject)
    }
    const op = buildOp(spec)
    ops.push(op)
    byView[v]!.push(op)
    states[v]!.receive([bytesOf(op)])
  }
  return { ops, views: states }
}

/** Mostly an admin of the view (so operations are admitted), one time in four any key. */
function pickAuthor(view: MembershipState, pick: number): TestKey {
  if (pick % 4 === 3) return WORLD_KEYS[(pick >> 2) % WORLD_KEYS.length]!
  const admins = view.adminKeys().map((k) => b4a.toString(k, 'hex'))
  const key = admins[(pick >> 2) % admins.length]!
  return WORLD_KEYS.find((k) => k.publicKey === key)!
}

/** Mostly a current admin other than the founder, else any non-founder key. */
function pickRevoked(view: MembershipState, pick: number): string {
  const founder = FOUNDER.publicKey
  const admins = view
    .adminKeys()
    .map((k) => b4a.toString(k, 'hex'))
    .filter((k) => k !== founder)
  if (pick % 3 !== 2 && admins.length > 0) return admins[(pick >> 2) % admins.length]!
  return WORLD_KEYS[1 + (pick % (WORLD_KEYS.length - 1))]!.publicKey
}
