/**
 * Seniority among admin keys (spec/membership.md, "Seniority"): the founder has depth 0; a key's
 * depth is 1 + the smallest depth among the authors of its first grants (its grant-admin
 * operations with no other grant of it in their past). S is senior to K when S's depth is
 * smaller, or the depths are equal and every first grant of S is an ancestor of every first
 * grant of K. Computed over a scope of grants: all stored ones (resolution) or those in an
 * operation's past (admission).
 */
import type { OperationGraph } from './graph.js'
import type { MembershipStore } from './store.js'

export interface Seniority {
  /** Key record -> depth; keys never granted in scope are absent. */
  depth: Map<number, number>
  /** Key record -> positions of its first grants in scope. */
  first: Map<number, number[]>
}

/** Operations in `list` (positions) that are not ancestors of another one in it. */
export function maximal(graph: OperationGraph, list: number[]): number[] {
  if (list.length <= 1) return list
  return list.filter((p) => !list.some((q) => q !== p && graph.isAncestor(p, q)))
}

/** Operations in `list` that have no other one of `list` in their past. */
export function minimal(graph: OperationGraph, list: number[]): number[] {
  if (list.length <= 1) return list
  return list.filter((p) => !list.some((q) => q !== p && graph.isAncestor(q, p)))
}

export function computeSeniority(
  store: MembershipStore,
  inScope: (pos: number) => boolean,
): Seniority {
  const { graph, keys, signer } = store
  const first = new Map<number, number[]>()
  // author key -> keys it first-granted (BFS edges)
  const edges = new Map<number, number[]>()
  for (let k = 0; k < keys.length; k++) {
    const grants = keys[k]!.grants.filter(inScope)
    if (grants.length === 0) continue
    const firsts = minimal(graph, grants)
    first.set(k, firsts)
    for (const g of firsts) {
      const author = signer[g]!
      const list = edges.get(author)
      if (list === undefined) edges.set(author, [k])
      else list.push(k)
    }
  }
  const depth = new Map<number, number>([[store.founder, 0]])
  let frontier = [store.founder]
  for (let d = 1; frontier.length > 0; d++) {
    const next: number[] = []
    for (const author of frontier) {
      for (const k of edges.get(author) ?? []) {
        if (depth.has(k)) continue
        depth.set(k, d)
        next.push(k)
      }
    }
    frontier = next
  }
  return { depth, first }
}

/** Whether key `s` is senior to key `k` (strictly). */
export function isSenior(
  graph: OperationGraph,
  seniority: Seniority,
  s: number,
  k: number,
): boolean {
  if (s === k) return false
  const ds = seniority.depth.get(s)
  if (ds === undefined) return false
  const dk = seniority.depth.get(k)
  if (dk === undefined) return true
  if (ds !== dk) return ds < dk
  const fs = seniority.first.get(s) ?? []
  const fk = seniority.first.get(k) ?? []
  return fs.length > 0 && fk.length > 0 && fs.every((g) => fk.every((h) => graph.isAncestor(g, h)))
}

/**
 * Key records in an order where every key comes after the keys senior to it: by depth, then
 * by the position of its earliest first grant (an ancestor always has a smaller position).
 * Keys without a depth are left out.
 */
export function seniorityOrder(seniority: Seniority): number[] {
  const earliest = (k: number) => Math.min(...(seniority.first.get(k) ?? [-1]))
  return [...seniority.depth.keys()].sort(
    (a, b) => seniority.depth.get(a)! - seniority.depth.get(b)! || earliest(a) - earliest(b),
  )
}
