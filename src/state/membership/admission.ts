/**
 * Admission (spec/membership.md, "Admission"): what an operation's author could see decides
 * whether it is stored at all. Judged on the operation's own past (its dependencies and their
 * ancestors), which is fixed once the dependencies are stored, so every peer decides alike
 * whatever else it holds. Ignores strong removal and the seniority of the whole DAG: those
 * belong to resolution.
 */
import { OperationType } from './constants.js'
import type { Placement } from './graph.js'
import { computeSeniority, isSenior, maximal } from './seniority.js'
import type { MembershipStore } from './store.js'

/**
 * Whether key record `k` is an admin in the past of `placement`: the founder always; anyone
 * else when the latest (maximal) grant-admin and revoke-admin operations naming it there are
 * all grants, and there is at least one.
 */
export function isAdminAt(store: MembershipStore, k: number, placement: Placement): boolean {
  if (k === store.founder) return true
  const record = store.keys[k]
  if (record === undefined) return false
  const past = record.powerOps.filter((p) => store.graph.isAncestorOfPlacement(p, placement))
  const latest = maximal(store.graph, past)
  return latest.length > 0 && latest.every((p) => store.type[p] === OperationType.GrantAdmin)
}

/** Whether key record `s` is senior to key record `k` in the past of `placement`. */
export function isSeniorAt(
  store: MembershipStore,
  s: number,
  k: number,
  placement: Placement,
): boolean {
  const seniority = computeSeniority(store, (p) => store.graph.isAncestorOfPlacement(p, placement))
  return isSenior(store.graph, seniority, s, k)
}
