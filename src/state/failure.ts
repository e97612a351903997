/** Building the action lists that end a session (spec: Closing). */
import type { Limits } from '../codec/constants.js'
import type { Close } from '../codec/messages.js'
import { uintEncodingLength } from '../codec/primitives.js'
import { ErrorCode, type ErrorCodeName, errorName } from '../errors.js'
import type { FailAction, SessionAction } from './types.js'

/** Extra fields a fail action may carry (decode code, versions, client names). */
export type FailDetails = Omit<FailAction, 'type' | 'code' | 'wireCode' | 'remote' | 'message'>

const encoder = new TextEncoder()

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, cut on a code point. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || encoder.encode(text).byteLength <= maxBytes) return text
  let bytes = 0
  let end = 0
  for (const char of text) {
    const size = encoder.encode(char).byteLength
    if (bytes + size > maxBytes) break
    bytes += size
    end += char.length
  }
  return text.slice(0, end)
}

/** `flags` of a Close: one byte (no bits defined). */
const CLOSE_FLAGS_BYTES = 1

/**
 * The most reason bytes a Close with wire code `code` may carry: at most maxReasonBytes, and
 * few enough that the whole Close fits maxMessageBytes (spec sections 5.5 and 8.1).
 */
export function closeReasonBudget(code: number, limits: Readonly<Limits>): number {
  const fixed = CLOSE_FLAGS_BYTES + uintEncodingLength(code)
  let budget = Math.min(limits.maxReasonBytes, limits.maxMessageBytes - fixed - 1)
  // The reason's length prefix grows with the budget: step down until the Close fits.
  while (budget > 0 && fixed + uintEncodingLength(budget) + budget > limits.maxMessageBytes) {
    budget--
  }
  return Math.max(0, budget)
}

/**
 * We detected a violation by the peer: tell it why in a Close message, report the failure
 * (the peer's fault: remote = true), and close.
 */
export function failByPeer(
  code: ErrorCodeName,
  message: string,
  details: FailDetails,
  limits: Readonly<Limits>,
): SessionAction[] {
  const wireCode = ErrorCode[code]
  const reason = truncateUtf8(message, closeReasonBudget(wireCode, limits))
  return [
    {
      type: 'send',
      message: { type: 'close', code: wireCode, reason },
    },
    { type: 'fail', code, wireCode, remote: true, message, ...details },
    { type: 'close', by: 'local' },
  ]
}

/** The local user closes normally. */
export function closeLocally(): SessionAction[] {
  return [
    { type: 'send', message: { type: 'close', code: ErrorCode.OK, reason: '' } },
    { type: 'close', by: 'local' },
  ]
}

/**
 * The remote sent Close: a normal close, or a failure it reports with its code and reason,
 * named as a peer of minor version `minor` names it.
 */
export function closedByRemote(close: Close, minor: number): SessionAction[] {
  if (close.code === ErrorCode.OK) return [{ type: 'close', by: 'remote' }]
  return [
    {
      type: 'fail',
      // A code of a later minor than ours is unknown to us (a 1.0 peer sees ERR_REMOTE_UNKNOWN).
      code: errorName(close.code, minor),
      wireCode: close.code,
      remote: true,
      message: close.reason,
    },
    { type: 'close', by: 'remote' },
  ]
}
