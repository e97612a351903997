/**
 * The error every adapter reports: a session failure (a spec error code, raised by either side)
 * or a local failure (misuse or a closed multifeed). Always carries `code`.
 */
import type { ErrorCodeName, UNKNOWN_REMOTE_ERROR } from '../errors.js'
import type { FailAction } from '../state/types.js'

/** Codes raised locally by the adapters (not sent on the wire). */
export const LocalErrorCode = {
  /** The multifeed or channel is closed (or closing). */
  ERR_CLOSED: 'ERR_CLOSED',
  /** A key is not 32 bytes or 64 hex characters. */
  ERR_INVALID_KEY: 'ERR_INVALID_KEY',
  /** An argument other than a key is invalid. */
  ERR_INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** The collection already holds maxFeeds feeds. */
  ERR_LIMIT_EXCEEDED: 'ERR_LIMIT_EXCEEDED',
  /** The feed was blocked or removed. */
  ERR_BLOCKED: 'ERR_BLOCKED',
  /** The same multifeed is already attached to this stream. */
  ERR_ALREADY_ATTACHED: 'ERR_ALREADY_ATTACHED',
  /**
   * On a stream made for this multifeed (replicate()), the remote refused the channel: it has no
   * multifeed with this discovery key there (a different key, or none at all).
   */
  ERR_CHANNEL_REJECTED: 'ERR_CHANNEL_REJECTED',
  /** A bug or a throwing event listener interrupted the channel. */
  ERR_INTERNAL: 'ERR_INTERNAL',
} as const
export type LocalErrorCodeName = keyof typeof LocalErrorCode

/** Every `code` a MultifeedError can carry. */
export type MultifeedErrorCode = ErrorCodeName | typeof UNKNOWN_REMOTE_ERROR | LocalErrorCodeName

/** Extra fields of a MultifeedError (the details of a session failure). */
export interface MultifeedErrorDetails {
  /** True when the remote misbehaved or reported the error in a Close message. */
  remote?: boolean
  /** Wire number of a session error code. */
  wireCode?: number
  /** ERR_DECODE_* code when a session failed on undecodable bytes. */
  decodeCode?: string
  usVersion?: { major: number; minor: number }
  themVersion?: { major: number; minor: number }
  usClient?: string
  themClient?: string
  cause?: unknown
}

/** An error with a stable `code` (spec error names, or {@link LocalErrorCode}). */
export class MultifeedError extends Error {
  readonly code: MultifeedErrorCode
  /** True when the fault is the remote's (see {@link MultifeedErrorDetails.remote}). */
  readonly remote: boolean
  readonly wireCode: number | undefined
  readonly decodeCode: string | undefined
  readonly usVersion: { major: number; minor: number } | undefined
  readonly themVersion: { major: number; minor: number } | undefined
  readonly usClient: string | undefined
  readonly themClient: string | undefined

  constructor(code: MultifeedErrorCode, message: string, details: MultifeedErrorDetails = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'MultifeedError'
    this.code = code
    this.remote = details.remote ?? false
    this.wireCode = details.wireCode
    this.decodeCode = details.decodeCode
    this.usVersion = details.usVersion
    this.themVersion = details.themVersion
    this.usClient = details.usClient
    this.themClient = details.themClient
  }

  /** The error a session's `fail` action describes. */
  static fromFailure(fail: FailAction): MultifeedError {
    const { code, message, type: _type, ...details } = fail
    return new MultifeedError(code, message || 'session failed', details)
  }
}
