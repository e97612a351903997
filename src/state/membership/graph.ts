/**
 * The stored operations as a DAG, with the ancestry test every rule needs ("is P in the
 * causal past of X"). Positions are the local storage order, a topological order: every
 * operation is stored after its dependencies, so an ancestor always has a smaller position.
 *
 * Ancestry is answered from per-author sequence numbers: seq(X) = 1 + the highest seq of its
 * author's operations in its past, and vv(X)[a] = the highest seq of author a in X's past or
 * X itself. When each author's operations form a chain (an honest author always builds on its
 * own last operation), P is an ancestor of X exactly when vv(X)[author(P)] >= seq(P): O(1).
 * An author that signs two operations with the same seq (one key on two devices, or a forger
 * of its own history) is marked forked and its queries fall back to a walk of the DAG.
 * None of this is on the wire; the spec defines ancestry by the dependency links alone.
 */
import { keyId } from '../key-id.js'

/** A not-yet-stored operation's place in the DAG, computed from its dependencies. */
export interface Placement {
  deps: number[]
  author: number
  seq: number
  vv: Int32Array
}

export class OperationGraph {
  /** Dependencies of each stored operation, as positions. */
  readonly deps: number[][] = []
  readonly author: number[] = []
  readonly seq: number[] = []
  private readonly vv: Int32Array[] = []
  /** Author keys by author index; the index of a key is its first appearance. */
  readonly authorKeys: Uint8Array[] = []
  private readonly authorIndex = new Map<string, number>()
  /** Per author: seq -> position of its first operation with that seq (fork detection). */
  private readonly bySeq: Map<number, number>[] = []
  private readonly forked: boolean[] = []
  private readonly heads = new Set<number>()
  // Walk scratch: a stamp per position, so a walk needs no fresh Set.
  private stamp = new Uint32Array(1024)
  private walk = 0

  get size(): number {
    return this.deps.length
  }

  /** The index of an author key, or -1 if it never signed a stored operation. */
  authorOf(key: Uint8Array): number {
    return this.authorIndex.get(keyId(key)) ?? -1
  }

  isForked(author: number): boolean {
    return this.forked[author] === true
  }

  /** Computes where an operation with these dependencies and author would go. */
  place(deps: number[], authorKey: Uint8Array): Placement {
    let author = this.authorIndex.get(keyId(authorKey))
    if (author === undefined) author = this.authorKeys.length // assigned when stored
    let width = author + 1
    for (const d of deps) width = Math.max(width, this.vv[d]!.length)
    const vv = new Int32Array(width)
    for (const d of deps) {
      const other = this.vv[d]!
      for (let i = 0; i < other.length; i++) if (other[i]! > vv[i]!) vv[i] = other[i]!
    }
    const seq = vv[author]! + 1
    vv[author] = seq
    return { deps, author, seq, vv }
  }

  /** Stores an operation placed by `place` (its dependencies all stored); returns its position. */
  add(placement: Placement, authorKey: Uint8Array): number {
    const pos = this.deps.length
    if (placement.author === this.authorKeys.length) {
      this.authorIndex.set(keyId(authorKey), placement.author)
      this.authorKeys.push(authorKey)
      this.bySeq.push(new Map())
      this.forked.push(false)
    }
    const seen = this.bySeq[placement.author]!
    if (seen.has(placement.seq)) this.forked[placement.author] = true
    else seen.set(placement.seq, pos)
    this.deps.push(placement.deps)
    this.author.push(placement.author)
    this.seq.push(placement.seq)
    this.vv.push(placement.vv)
    for (const d of placement.deps) this.heads.delete(d)
    this.heads.add(pos)
    if (pos >= this.stamp.length) {
      const grown = new Uint32Array(this.stamp.length * 2)
      grown.set(this.stamp)
      this.stamp = grown
    }
    return pos
  }

  /** Positions of the stored operations no other stored operation depends on, ascending. */
  headPositions(): number[] {
    return [...this.heads].sort((a, b) => a - b)
  }

  /** Whether stored operation `p` is a strict ancestor of stored operation `x`. */
  isAncestor(p: number, x: number): boolean {
    if (p >= x) return false
    const a = this.author[p]!
    if (!this.forked[a]) return (this.vv[x]![a] ?? 0) >= this.seq[p]!
    return this.walkFinds(p, this.deps[x]!)
  }

  /** Whether stored operation `p` is an ancestor of (or among the dependencies of) a placement. */
  isAncestorOfPlacement(p: number, placement: Placement): boolean {
    const a = this.author[p]!
    if (this.forked[a]) return this.walkFinds(p, placement.deps)
    // The placement's own entry counts itself; its past holds its author up to seq - 1.
    const past = a === placement.author ? placement.seq - 1 : (placement.vv[a] ?? 0)
    return past >= this.seq[p]!
  }

  /** Whether `a` and `b` are distinct and neither is an ancestor of the other. */
  concurrent(a: number, b: number): boolean {
    return a !== b && !this.isAncestor(a, b) && !this.isAncestor(b, a)
  }

  /** Walks back from `start`, never below position `target` (ancestors sit lower). */
  private walkFinds(target: number, start: number[]): boolean {
    const mark = ++this.walk
    if (mark === 0xffffffff) {
      this.stamp.fill(0)
      this.walk = 1
    }
    const stack = [...start]
    while (stack.length > 0) {
      const node = stack.pop()!
      if (node === target) return true
      if (node < target || this.stamp[node] === this.walk) continue
      this.stamp[node] = this.walk
      for (const d of this.deps[node]!) stack.push(d)
    }
    return false
  }
}
