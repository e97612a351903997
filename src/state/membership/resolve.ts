/**
 * Resolution (spec/membership.md, "Resolution"): which stored operations take effect, and the
 * admins and writers that follow. A pure function of the set of stored operations: the
 * storage order never matters.
 *
 * 1. Seniority over every stored grant; a grant-admin or revoke-admin is eligible when its
 *    author is senior to its subject.
 * 2. Keys are taken seniors first. An operation by key K takes effect when K is authorized at
 *    it (the founder, or the latest effective eligible grants/revokes of K in its past are all
 *    grants), no effective eligible revoke of K is concurrent with it (strong removal), and,
 *    for a grant or revoke, it is eligible. Everything K's effect depends on was signed by
 *    keys senior to K, so one pass decides all.
 * 3. Admins: the founder and every key whose latest effective eligible grants/revokes are all
 *    grants. Writers: per feed, the latest effective add/remove operations decide; any remove
 *    among them removes, with the smallest cut among those removes.
 */
import { OperationType } from './constants.js'
import { computeSeniority, isSenior, maximal, type Seniority, seniorityOrder } from './seniority.js'
import { isAdminOp, type MembershipStore, type WriterStatus } from './store.js'

export class Resolution {
  /** Per position: 1 when the operation takes effect. */
  effective = new Uint8Array(0)
  /** Per position: 1 for a grant/revoke whose author is senior to its subject. */
  eligible = new Uint8Array(0)
  seniority: Seniority = { depth: new Map(), first: new Map() }
  /** Key records that are admins now. */
  admins = new Set<number>()

  /** Recomputes everything; returns the feeds whose status changed. */
  resolveAll(store: MembershipStore): number[] {
    const n = store.size
    this.effective = new Uint8Array(n)
    this.eligible = new Uint8Array(n)
    const { graph, keys, signer } = store
    this.seniority = computeSeniority(store, () => true)
    for (let k = 0; k < keys.length; k++) {
      for (const p of keys[k]!.powerOps) {
        this.eligible[p] = isSenior(graph, this.seniority, signer[p]!, k) ? 1 : 0
      }
    }
    if (n > 0) this.effective[0] = 1 // the genesis
    for (const k of seniorityOrder(this.seniority)) {
      for (const x of keys[k]!.signed) {
        if (store.type[x] !== OperationType.Genesis) this.effective[x] = this.decide(store, k, x)
      }
    }
    this.admins = new Set([store.founder])
    for (let k = 0; k < keys.length; k++) {
      if (k !== store.founder && this.isAdminNow(store, k)) this.admins.add(k)
    }
    const changed: number[] = []
    for (let f = 0; f < store.feeds.length; f++) if (this.resolveFeed(store, f)) changed.push(f)
    return changed
  }

  /**
   * Decides a newly stored add-writer or remove-writer operation without a full pass: it
   * changes nothing else's effect. Valid only while the last full pass is current (no
   * grant or revoke stored since). Returns whether its feed's status changed.
   */
  resolveWriterOperation(store: MembershipStore, pos: number): boolean {
    if (this.effective.length <= pos) {
      const grown = new Uint8Array(Math.max(pos + 1, this.effective.length * 2))
      grown.set(this.effective)
      this.effective = grown
    }
    this.effective[pos] = this.decide(store, store.signer[pos]!, pos)
    return this.resolveFeed(store, store.subject[pos]!)
  }

  /** Whether operation `x`, signed by key record `k`, takes effect (its seniors decided). */
  private decide(store: MembershipStore, k: number, x: number): 0 | 1 {
    if (isAdminOp(store.type[x]!) && this.eligible[x] !== 1) return 0
    if (k === store.founder) return 1
    const { graph } = store
    const past: number[] = []
    for (const p of store.keys[k]!.powerOps) {
      if (this.counts(p) && graph.isAncestor(p, x)) past.push(p)
    }
    const latest = maximal(graph, past)
    if (latest.length === 0 || latest.some((p) => store.type[p] !== OperationType.GrantAdmin)) {
      return 0
    }
    for (const p of store.keys[k]!.powerOps) {
      if (store.type[p] === OperationType.RevokeAdmin && this.counts(p) && graph.concurrent(p, x)) {
        return 0
      }
    }
    return 1
  }

  /** An eligible grant/revoke that takes effect. */
  private counts(p: number): boolean {
    return this.eligible[p] === 1 && this.effective[p] === 1
  }

  private isAdminNow(store: MembershipStore, k: number): boolean {
    const live = store.keys[k]!.powerOps.filter((p) => this.counts(p))
    const latest = maximal(store.graph, live)
    return latest.length > 0 && latest.every((p) => store.type[p] === OperationType.GrantAdmin)
  }

  /** Recomputes one feed's status; returns whether it changed. */
  private resolveFeed(store: MembershipStore, f: number): boolean {
    const record = store.feeds[f]!
    const live = record.ops.filter((p) => this.effective[p] === 1)
    let next: WriterStatus | null = null
    if (live.length > 0) {
      let cut = -1
      for (const p of maximal(store.graph, live)) {
        if (store.type[p] !== OperationType.RemoveWriter) continue
        cut = cut < 0 ? store.cut[p]! : Math.min(cut, store.cut[p]!)
      }
      next = cut < 0 ? { member: true, cut: null } : { member: false, cut }
    }
    const before = record.state
    record.state = next
    return !(
      before === next ||
      (before !== null && next !== null && before.member === next.member && before.cut === next.cut)
    )
  }
}
