/**
 * The error every adapter reports: a session failure (a spec error code, raised by either side)
 * or a local failure (misuse or a closed multifeed). Always carries `code`.
 */
import type { ErrorCodeName, UNKNOWN_REMOTE_ERROR } from '../errors.js'
import type { MembershipErrorCodeName } from '../state/membership/errors.js'
import type { FailAction } from '../state/types.js'

/** Codes raised locally by the adapters (not sent on the wire). */
export const LocalErrorCode = {
  /** The multifeed or channel is closed (or closing). */
  ERR_CLOSED: 'ERR_CLOSED',
  /** A key is not 32 bytes or 64 hex characters. */
  ERR_INVALID_KEY: 'ERR_INVALID_KEY',
  /** An argument other than a key is invalid. */
  ERR_INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** The feed was blocked or removed. */
  ERR_BLOCKED: 'ERR_BLOCKED',
  /** The same multifeed is already attached to this stream. */
  ERR_ALREADY_ATTACHED: 'ERR_ALREADY_ATTACHED',
  /**
   * On a stream made for this multifeed (replicate()), the remote refused the channel: it has no
   * multifeed with this discovery key there (a different key, or none at all).
   */
  ERR_CHANNEL_REJECTED: 'ERR_CHANNEL_REJECTED',
  /** No room for another local writer: the collection holds maxFeeds feeds. */
  ERR_COLLECTION_FULL: 'ERR_COLLECTION_FULL',
  /** A bug or a throwing event listener interrupted the channel. */
  ERR_INTERNAL: 'ERR_INTERNAL',
  /** Not an invitation of a closed multifeed (mf.invitation, or { multifeedKey, founder }). */
  ERR_INVALID_INVITATION: 'ERR_INVALID_INVITATION',
  /** A membership call on an open multifeed: only a closed multifeed has members and admins. */
  ERR_NOT_CLOSED: 'ERR_NOT_CLOSED',
  /** authorize() or deauthorize() by a peer that is not an admin of the closed multifeed. */
  ERR_NOT_ADMIN: 'ERR_NOT_ADMIN',
  /** A new closed multifeed knows its discovery key once ready(): await it before attaching. */
  ERR_NOT_READY: 'ERR_NOT_READY',
  /** requestAuthorization(): a peer answered no, and no other peer was left to answer. */
  ERR_AUTH_DENIED: 'ERR_AUTH_DENIED',
  /** requestAuthorization(): no peer added the feed before the timeout. */
  ERR_AUTH_TIMEOUT: 'ERR_AUTH_TIMEOUT',
} as const
/** Name of a {@link LocalErrorCode}. */
export type LocalErrorCodeName = keyof typeof LocalErrorCode

/** A protocol version as a handshake carries it. */
export interface ProtocolVersion {
  /** Major version: peers with different majors cannot talk. */
  major: number
  /** Minor version: additions a peer of the same major may ignore. */
  minor: number
}

/** Every `code` a MultifeedError can carry. */
export type MultifeedErrorCode =
  | ErrorCodeName
  | typeof UNKNOWN_REMOTE_ERROR
  | LocalErrorCodeName
  | MembershipErrorCodeName

/** Extra fields of a MultifeedError (the details of a session failure). */
export interface MultifeedErrorDetails {
  /** True when the remote misbehaved or reported the error in a Close message. */
  remote?: boolean
  /** Wire number of a session error code. */
  wireCode?: number
  /** ERR_DECODE_* code when a session failed on undecodable bytes. */
  decodeCode?: string
  /** ERR_VERSION_MISMATCH: our version. */
  usVersion?: ProtocolVersion
  /** ERR_VERSION_MISMATCH: the remote's version. */
  themVersion?: ProtocolVersion
  /** ERR_CLIENT_MISMATCH: our client name. */
  usClient?: string
  /** ERR_CLIENT_MISMATCH: the remote's client name. */
  themClient?: string
  /** The underlying error of a local failure. */
  cause?: unknown
}

/** An error with a stable `code` (spec error names, or {@link LocalErrorCode}). */
export class MultifeedError extends Error {
  /** Stable error name: a spec code (same on both ends) or a {@link LocalErrorCode}. */
  readonly code: MultifeedErrorCode
  /** True when the fault is the remote's (see {@link MultifeedErrorDetails.remote}). */
  readonly remote: boolean
  /** Wire number of a spec code (what the Close message carried). */
  readonly wireCode: number | undefined
  /** ERR_DECODE_* code when a session failed on undecodable bytes. */
  readonly decodeCode: string | undefined
  /** ERR_VERSION_MISMATCH: our version. */
  readonly usVersion: ProtocolVersion | undefined
  /** ERR_VERSION_MISMATCH: the remote's version. */
  readonly themVersion: ProtocolVersion | undefined
  /** ERR_CLIENT_MISMATCH: our client name. */
  readonly usClient: string | undefined
  /** ERR_CLIENT_MISMATCH: the remote's client name. */
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
