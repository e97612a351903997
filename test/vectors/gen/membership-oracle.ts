/**
 * A second, deliberately naive reading of spec/membership.md: sets of ids, explicit ancestor
 * sets, and effect defined recursively as the spec words it. It shares no code with
 * src/state/membership. The vector generator takes its expected results from here, and the
 * property tests compare the state module with it on random DAGs.
 */
import type { OpTypeName } from './membership-ops.js'

export interface OracleOp {
  id: string
  type: OpTypeName
  author: string
  deps: string[]
  feed?: string
  cut?: number
  admin?: string
  signatureValid: boolean
}

export interface OracleResult {
  /** Ids stored, in the order the oracle admitted them. */
  stored: string[]
  /** Id -> error code, for operations refused at admission or before. */
  refused: Map<string, string>
  /** Ids still waiting for dependencies. */
  pending: string[]
  /** Stored ids that take no effect (voided, unauthorized or ineligible). */
  ineffective: string[]
  members: string[]
  removed: { feed: string; cut: number }[]
  admins: string[]
}

/** Refusals that depend only on the operation's content and past, so dependents are refused too. */
const FOR_GOOD = new Set([
  'ERR_MEMBERSHIP_NOT_ADMIN',
  'ERR_MEMBERSHIP_NOT_SENIOR',
  'ERR_MEMBERSHIP_FOUNDER',
  'ERR_MEMBERSHIP_DEPENDENCY_REJECTED',
])

const isPower = (t: OpTypeName) => t === 'grant-admin' || t === 'revoke-admin'
const isWriter = (t: OpTypeName) => t === 'add-writer' || t === 'remove-writer'

export function oracle(input: OracleOp[], founder: string, genesisId: string): OracleResult {
  // One entry per id; a copy with a valid signature wins over a forged one (same content).
  const ops = new Map<string, OracleOp>()
  for (const op of input) {
    const held = ops.get(op.id)
    if (held === undefined || (!held.signatureValid && op.signatureValid)) ops.set(op.id, op)
  }
  const refused = new Map<string, string>()
  const stored: string[] = []
  const anc = new Map<string, Set<string>>() // stored id -> its strict ancestors

  for (const op of ops.values()) {
    if (op.type === 'genesis' && op.id !== genesisId)
      refused.set(op.id, 'ERR_MEMBERSHIP_WRONG_GENESIS')
    else if (!op.signatureValid) refused.set(op.id, 'ERR_MEMBERSHIP_BAD_SIGNATURE')
  }

  // Admission, judged on each operation's past only: repeat until nothing more is decided.
  for (let progress = true; progress; ) {
    progress = false
    for (const op of ops.values()) {
      if (refused.has(op.id) || anc.has(op.id)) continue
      if (op.deps.some((d) => FOR_GOOD.has(refused.get(d) ?? ''))) {
        refused.set(op.id, 'ERR_MEMBERSHIP_DEPENDENCY_REJECTED')
        progress = true
        continue
      }
      if (!op.deps.every((d) => anc.has(d))) continue
      const past = new Set<string>()
      for (const d of op.deps) {
        past.add(d)
        for (const a of anc.get(d)!) past.add(a)
      }
      const why = admission(op, past, ops, founder, (a, b) => anc.get(b)!.has(a))
      if (why !== null) refused.set(op.id, why)
      else {
        anc.set(op.id, past)
        stored.push(op.id)
      }
      progress = true
    }
  }
  const pending = [...ops.keys()].filter((id) => !refused.has(id) && !anc.has(id))

  // Resolution over everything stored.
  const storedOps = stored.map((id) => ops.get(id)!)
  const before = (a: string, b: string) => anc.get(b)!.has(a)
  const concurrent = (a: string, b: string) => a !== b && !before(a, b) && !before(b, a)
  const latest = (list: OracleOp[]) =>
    list.filter((p) => !list.some((q) => q !== p && before(p.id, q.id)))
  const sen = seniority(storedOps, founder, (a, b) => before(a, b))
  const eligible = (p: OracleOp) => senior(sen, p.author, p.admin!, before)

  const memo = new Map<string, boolean>()
  const effective = (x: OracleOp): boolean => {
    const known = memo.get(x.id)
    if (known !== undefined) return known
    let result: boolean
    if (x.type === 'genesis') result = true
    else if (isPower(x.type) && !eligible(x)) result = false
    else if (x.author === founder) result = true
    else {
      const about = storedOps.filter((p) => isPower(p.type) && p.admin === x.author && eligible(p))
      const inPast = latest(about.filter((p) => before(p.id, x.id) && effective(p)))
      const authorized = inPast.length > 0 && inPast.every((p) => p.type === 'grant-admin')
      const voided = about.some(
        (r) => r.type === 'revoke-admin' && concurrent(r.id, x.id) && effective(r),
      )
      result = authorized && !voided
    }
    memo.set(x.id, result)
    return result
  }

  const admins = new Set([founder])
  const subjects = new Set(storedOps.filter((p) => isPower(p.type)).map((p) => p.admin!))
  for (const k of subjects) {
    const live = latest(
      storedOps.filter((p) => isPower(p.type) && p.admin === k && eligible(p) && effective(p)),
    )
    if (live.length > 0 && live.every((p) => p.type === 'grant-admin')) admins.add(k)
  }

  const members: string[] = []
  const removed: { feed: string; cut: number }[] = []
  const feeds = new Set(storedOps.filter((p) => isWriter(p.type)).map((p) => p.feed!))
  for (const f of [...feeds].sort()) {
    const live = latest(storedOps.filter((p) => isWriter(p.type) && p.feed === f && effective(p)))
    if (live.length === 0) continue
    const removes = live.filter((p) => p.type === 'remove-writer')
    if (removes.length === 0) members.push(f)
    else removed.push({ feed: f, cut: Math.min(...removes.map((p) => p.cut!)) })
  }
  const ineffective = storedOps.filter((p) => !effective(p)).map((p) => p.id)
  return { stored, refused, pending, ineffective, members, removed, admins: [...admins].sort() }
}

function admission(
  op: OracleOp,
  past: Set<string>,
  ops: Map<string, OracleOp>,
  founder: string,
  before: (a: string, b: string) => boolean,
): string | null {
  if (op.type === 'genesis') return null
  const pastOps = [...past].map((id) => ops.get(id)!)
  if (op.author !== founder) {
    const about = pastOps.filter((p) => isPower(p.type) && p.admin === op.author)
    const top = about.filter((p) => !about.some((q) => q !== p && before(p.id, q.id)))
    if (top.length === 0 || top.some((p) => p.type !== 'grant-admin')) {
      return 'ERR_MEMBERSHIP_NOT_ADMIN'
    }
  }
  if (isPower(op.type)) {
    if (op.admin === founder) return 'ERR_MEMBERSHIP_FOUNDER'
    const sen = seniority(pastOps, founder, before)
    if (!senior(sen, op.author, op.admin!, before)) return 'ERR_MEMBERSHIP_NOT_SENIOR'
  }
  return null
}

interface Seniority {
  depth: Map<string, number>
  first: Map<string, string[]>
}

/** Depths by breadth-first search over first grants; the founder has depth 0. */
function seniority(
  scope: OracleOp[],
  founder: string,
  before: (a: string, b: string) => boolean,
): Seniority {
  const grants = scope.filter((p) => p.type === 'grant-admin')
  const first = new Map<string, string[]>()
  for (const g of grants) {
    const others = grants.filter((h) => h.admin === g.admin && h !== g)
    if (others.some((h) => before(h.id, g.id))) continue
    first.set(g.admin!, [...(first.get(g.admin!) ?? []), g.id])
  }
  const authorOf = new Map(scope.map((p) => [p.id, p.author]))
  const depth = new Map([[founder, 0]])
  for (let d = 1, changed = true; changed; d++) {
    changed = false
    for (const [k, firsts] of first) {
      if (depth.has(k)) continue
      if (firsts.some((g) => depth.get(authorOf.get(g)!) === d - 1)) {
        depth.set(k, d)
        changed = true
      }
    }
  }
  return { depth, first }
}

function senior(
  sen: Seniority,
  s: string,
  k: string,
  before: (a: string, b: string) => boolean,
): boolean {
  if (s === k) return false
  const ds = sen.depth.get(s)
  if (ds === undefined) return false
  const dk = sen.depth.get(k)
  if (dk === undefined) return true
  if (ds !== dk) return ds < dk
  const fs = sen.first.get(s) ?? []
  const fk = sen.first.get(k) ?? []
  return fs.length > 0 && fk.length > 0 && fs.every((g) => fk.every((h) => before(g, h)))
}
