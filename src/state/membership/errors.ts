/**
 * Why an operation was refused (spec/membership.md, "Error codes"). Every refusal is a
 * MultifeedError (src/errors.ts): a DecodeError (ERR_DECODE_*) for bytes that do not decode, an
 * ERR_MEMBERSHIP_* code for anything else. A refused operation changes nothing.
 */
import { type MembershipErrorCodeName, MultifeedError } from '../../errors.js'

export type { MembershipErrorCodeName }

/** The error of an operation refused for a reason other than its bytes: ERR_MEMBERSHIP_*. */
export type MembershipError = MultifeedError<MembershipErrorCodeName>

/** True for a MultifeedError with an ERR_MEMBERSHIP_* code. */
export function isMembershipError(err: unknown): err is MembershipError {
  return err instanceof MultifeedError && err.code.startsWith('ERR_MEMBERSHIP_')
}

/** The end of a membership code after `ERR_MEMBERSHIP_` (`NOT_ADMIN`). */
export type MembershipRefusal = MembershipErrorCodeName extends `ERR_MEMBERSHIP_${infer Name}`
  ? Name
  : never

/** The refusal `name` (`'NOT_ADMIN'`), made by its factory (`MultifeedError.MEMBERSHIP_NOT_ADMIN`). */
export function membershipError(name: MembershipRefusal, message: string): MembershipError {
  return MultifeedError[`MEMBERSHIP_${name}`](message)
}
