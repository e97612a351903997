/**
 * Constants of the membership extension (spec/membership.md): operation types, limits and
 * their defaults. Draft: these belong to multifeed protocol 1.1.
 */

import { invalidArgument } from '../usage-error.js'

/** Operation type numbers (spec/membership.md, "Operations"). */
export const OperationType = {
  Genesis: 0,
  AddWriter: 1,
  RemoveWriter: 2,
  GrantAdmin: 3,
  RevokeAdmin: 4,
} as const
export type OperationTypeNumber = (typeof OperationType)[keyof typeof OperationType]

/** Names used in JSON forms (vectors, snapshots). */
export const OPERATION_TYPE_NAMES = [
  'genesis',
  'add-writer',
  'remove-writer',
  'grant-admin',
  'revoke-admin',
] as const
export type OperationTypeName = (typeof OPERATION_TYPE_NAMES)[number]

/** The only membership rules version this implementation knows (the genesis names it). */
export const MEMBERSHIP_RULES_VERSION = 1

export const KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const ID_BYTES = 32

/** Limits of the membership state; every one a remote can reach is bounded. */
export interface MembershipLimits {
  /** Bytes of one encoded operation (checked before any field is read). */
  maxOperationBytes: number
  /** Dependencies one operation may name. */
  maxDependencies: number
  /** Operations held while their dependencies have not arrived; the oldest is dropped first. */
  maxPendingOperations: number
  /** Operations the state stores in all (a local resource limit, like maxFeeds). */
  maxOperations: number
}

export const DEFAULT_MEMBERSHIP_LIMITS: Readonly<MembershipLimits> = Object.freeze({
  maxOperationBytes: 4096,
  maxDependencies: 64,
  maxPendingOperations: 1024,
  maxOperations: 1_048_576,
})

/** Merges overrides over the defaults; a limit must be a non-negative safe integer. */
export function resolveMembershipLimits(
  overrides?: Partial<MembershipLimits>,
): Readonly<MembershipLimits> {
  if (overrides === undefined) return DEFAULT_MEMBERSHIP_LIMITS
  const merged: MembershipLimits = { ...DEFAULT_MEMBERSHIP_LIMITS }
  for (const name of Object.keys(overrides) as (keyof MembershipLimits)[]) {
    const value = overrides[name]
    if (value === undefined) continue
    if (!(name in DEFAULT_MEMBERSHIP_LIMITS)) throw invalidArgument(`unknown limit ${name}`)
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw invalidArgument(`limit ${name} must be a non-negative safe integer`)
    }
    merged[name] = value
  }
  return Object.freeze(merged)
}
