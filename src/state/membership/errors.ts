/**
 * Why an operation was refused (spec/membership.md, "Error codes"). Bytes that do not decode
 * are refused with the codec's DecodeError (ERR_DECODE_*); every other refusal is a
 * MembershipError. Both carry `code`. A refused operation changes nothing.
 */

export const MembershipErrorCode = {
  /** The type number is not defined by these rules. */
  UNKNOWN_TYPE: 'ERR_MEMBERSHIP_UNKNOWN_TYPE',
  /** The dependencies are not in strictly increasing byte order (a repeat included). */
  UNSORTED_DEPENDENCIES: 'ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES',
  /** A genesis with dependencies, or another operation without any. */
  BAD_DEPENDENCIES: 'ERR_MEMBERSHIP_BAD_DEPENDENCIES',
  /** A genesis that is not this multifeed's (other founder, discovery key or rules version). */
  WRONG_GENESIS: 'ERR_MEMBERSHIP_WRONG_GENESIS',
  /** The Ed25519 signature does not verify against the author's key. */
  BAD_SIGNATURE: 'ERR_MEMBERSHIP_BAD_SIGNATURE',
  /** The operation is already stored (a replay or a second copy). */
  DUPLICATE: 'ERR_MEMBERSHIP_DUPLICATE',
  /** The author is not an admin at the operation's own dependencies. */
  NOT_ADMIN: 'ERR_MEMBERSHIP_NOT_ADMIN',
  /** A grant or revoke of admin by an author who is not senior to its subject there. */
  NOT_SENIOR: 'ERR_MEMBERSHIP_NOT_SENIOR',
  /** A grant or revoke of admin that names the founder (always an admin). */
  FOUNDER: 'ERR_MEMBERSHIP_FOUNDER',
  /** A dependency was refused, so this operation can never be applied. */
  DEPENDENCY_REJECTED: 'ERR_MEMBERSHIP_DEPENDENCY_REJECTED',
  /** The dependencies loop back to the operation itself (impossible with hash links). */
  DEPENDENCY_CYCLE: 'ERR_MEMBERSHIP_DEPENDENCY_CYCLE',
  /** Dropped from the buffer of operations waiting for dependencies (it was full). */
  PENDING_OVERFLOW: 'ERR_MEMBERSHIP_PENDING_OVERFLOW',
  /** The state holds maxOperations operations already. */
  LIMIT: 'ERR_MEMBERSHIP_LIMIT',
} as const
export type MembershipErrorCodeName = (typeof MembershipErrorCode)[keyof typeof MembershipErrorCode]

export class MembershipError extends Error {
  readonly code: MembershipErrorCodeName

  constructor(code: MembershipErrorCodeName, message: string) {
    super(`${code}: ${message}`)
    this.name = 'MembershipError'
    this.code = code
  }
}
