/**
 * The one error family of the package: everything it throws, rejects with or emits is a
 * {@link MultifeedError} with a stable `code` and a `fault` saying whose fault it is. Bytes that
 * do not decode are its subclass {@link DecodeError}, which adds the byte `offset`.
 *
 * One table ({@link MULTIFEED_ERRORS}) lists every code once, with its fault and meaning; the
 * README's error table lists the same, and a test keeps the two equal. A code never changes
 * meaning: `ERR_LIMIT_EXCEEDED` is only a peer over one of our limits, never our own collection
 * being full (that is `ERR_COLLECTION_FULL`).
 *
 * Create errors with the static factory of their code, as hypercore-errors does
 * (`throw MultifeedError.INVALID_ARGUMENT('key must be 32 bytes')`). No I/O and no Node-only
 * dependency: src/codec and src/state use it.
 * @module
 */

/**
 * Session error codes (spec: Error codes). The number is what a Close message carries on
 * the wire; the name is `err.code` on both ends. Normative: other implementations compare them.
 */
export const ErrorCode = {
  OK: 0,
  ERR_VERSION_MISMATCH: 1,
  ERR_CLIENT_MISMATCH: 2,
  ERR_BAD_CAPABILITY: 3,
  ERR_HANDSHAKE_TIMEOUT: 4,
  ERR_MALFORMED_MESSAGE: 5,
  ERR_LIMIT_EXCEEDED: 6,
  ERR_UNEXPECTED_MESSAGE: 7,
  ERR_NOT_OFFERED: 8,
  ERR_NOT_REQUESTED: 9,
  /** 1.1: a closed multifeed's session negotiated minor 0 (spec/membership.md 14.1). */
  ERR_MINOR_REQUIRED: 10,
  /** 1.1: the remote sent a membership operation that must be refused (spec/membership.md 14.5). */
  ERR_BAD_OPERATION: 11,
} as const
export type ErrorCodeName = keyof typeof ErrorCode

/** Name reported for a Close code this version does not know. */
export const UNKNOWN_REMOTE_ERROR = 'ERR_REMOTE_UNKNOWN'

/** The minor version that defined each code after 1.0 (spec 11.3). */
const SINCE_MINOR: Partial<Record<ErrorCodeName, number>> = {
  ERR_MINOR_REQUIRED: 1,
  ERR_BAD_OPERATION: 1,
}

const NAMES = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, n]) => [n, name as ErrorCodeName]),
)

/**
 * The name of a wire code for a peer of minor version `minor` (default: this version's): a
 * code defined by a later minor is unknown to it, as to a peer of that version (spec 10.2).
 */
export function errorName(
  code: number,
  minor = Number.POSITIVE_INFINITY,
): ErrorCodeName | typeof UNKNOWN_REMOTE_ERROR {
  const name = NAMES.get(code)
  if (name === undefined || (SINCE_MINOR[name] ?? 0) > minor) return UNKNOWN_REMOTE_ERROR
  return name
}

/**
 * Whose fault an error is:
 * - `local`: this program's: a misuse of the API (a bad argument, a closed multifeed, a full
 *   collection), or a bug or a throwing event listener (`ERR_INTERNAL`). Fix the calling code.
 * - `remote`: the peer's: it broke the protocol, sent bytes that do not decode, went over a
 *   limit, cannot talk to us (another key, version or client name), or closed the channel
 *   reporting a failure. Nothing to fix in this program; the peer's channel or operation is
 *   refused.
 * - `environment`: neither's: the storage under the multifeed failed.
 */
export type Fault = 'local' | 'remote' | 'environment'

/** One row of {@link MULTIFEED_ERRORS}. */
export interface ErrorInfo {
  /** Whose fault an error with this code is. */
  readonly fault: Fault
  /** What the code means (the README's table says the same). */
  readonly meaning: string
}

/**
 * Every code, with its fault and meaning. The session codes (the first thirteen) are those of
 * spec section 10.3 and travel in Close messages; the rest never go on the wire.
 */
export const MULTIFEED_ERRORS = {
  // A channel failed (spec 10.3): raised by one end, reported by both under the same name (the
  // other end learns it from the Close), so 'remote' also covers a peer that reported it.
  ERR_VERSION_MISMATCH: { fault: 'remote', meaning: 'the peers speak different major versions' },
  ERR_CLIENT_MISMATCH: { fault: 'remote', meaning: "the peers' client names differ" },
  ERR_BAD_CAPABILITY: {
    fault: 'remote',
    meaning: 'a capability did not prove knowledge of the multifeed key',
  },
  ERR_HANDSHAKE_TIMEOUT: {
    fault: 'remote',
    meaning: 'no verified handshake within handshakeTimeout',
  },
  ERR_MALFORMED_MESSAGE: { fault: 'remote', meaning: 'bytes that do not decode strictly' },
  ERR_LIMIT_EXCEEDED: { fault: 'remote', meaning: 'a peer went over a limit of the other' },
  ERR_UNEXPECTED_MESSAGE: { fault: 'remote', meaning: 'a message out of order' },
  ERR_NOT_OFFERED: { fault: 'remote', meaning: 'a Request for a feed never offered' },
  ERR_NOT_REQUESTED: {
    fault: 'remote',
    meaning: 'a Replicate for a feed not requested',
  },
  ERR_MINOR_REQUIRED: {
    fault: 'remote',
    meaning: 'a closed multifeed needs protocol 1.1 and the peer speaks 1.0',
  },
  ERR_BAD_OPERATION: {
    fault: 'remote',
    meaning: 'the peer sent a membership operation that must be refused',
  },
  ERR_REMOTE_UNKNOWN: {
    fault: 'remote',
    meaning: 'the peer closed with a code this version does not know',
  },
  ERR_CHANNEL_REJECTED: {
    fault: 'remote',
    meaning: 'the peer refused the channel: it has no multifeed with this discovery key there',
  },
  // Bytes that do not decode strictly (spec 6.2).
  ERR_DECODE_TRUNCATED: { fault: 'remote', meaning: 'the input ends inside a field' },
  ERR_DECODE_TRAILING_BYTES: { fault: 'remote', meaning: 'bytes remain after the last field' },
  ERR_DECODE_NON_MINIMAL_VARINT: {
    fault: 'remote',
    meaning: 'a uint uses a longer form than its value needs',
  },
  ERR_DECODE_VARINT_OVERFLOW: { fault: 'remote', meaning: 'a uint is above 2^53 - 1' },
  ERR_DECODE_INVALID_BOOL: { fault: 'remote', meaning: 'a bool byte other than 0 or 1' },
  ERR_DECODE_INVALID_UTF8: { fault: 'remote', meaning: 'a string is not well-formed UTF-8' },
  ERR_DECODE_RESERVED_FLAGS: { fault: 'remote', meaning: 'a reserved flag bit is set' },
  ERR_DECODE_MESSAGE_TOO_LARGE: { fault: 'remote', meaning: 'a message over maxMessageBytes' },
  ERR_DECODE_TOO_MANY_ENTRIES: {
    fault: 'remote',
    meaning: 'an array count over maxEntriesPerMessage',
  },
  ERR_DECODE_FIELD_TOO_LONG: { fault: 'remote', meaning: "a byte length over its field's limit" },
  // A membership operation refused (spec/membership.md section 13): its author's or sender's.
  ERR_MEMBERSHIP_UNKNOWN_TYPE: { fault: 'remote', meaning: 'an unknown operation type' },
  ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES: {
    fault: 'remote',
    meaning: 'dependencies not in strictly increasing byte order',
  },
  ERR_MEMBERSHIP_BAD_DEPENDENCIES: {
    fault: 'remote',
    meaning: 'a genesis with dependencies, or another operation without any',
  },
  ERR_MEMBERSHIP_WRONG_GENESIS: {
    fault: 'remote',
    meaning: "a genesis that is not this multifeed's",
  },
  ERR_MEMBERSHIP_BAD_SIGNATURE: { fault: 'remote', meaning: 'the signature does not verify' },
  ERR_MEMBERSHIP_DUPLICATE: { fault: 'remote', meaning: 'the operation is already held' },
  ERR_MEMBERSHIP_NOT_ADMIN: {
    fault: 'remote',
    meaning: 'the author is not an admin at its own dependencies',
  },
  ERR_MEMBERSHIP_NOT_SENIOR: {
    fault: 'remote',
    meaning: 'a grant or revoke by an author not senior to its subject',
  },
  ERR_MEMBERSHIP_FOUNDER: { fault: 'remote', meaning: 'a grant or revoke of the founder' },
  ERR_MEMBERSHIP_DEPENDENCY_REJECTED: { fault: 'remote', meaning: 'a dependency was refused' },
  ERR_MEMBERSHIP_DEPENDENCY_CYCLE: {
    fault: 'remote',
    meaning: 'the dependencies lead back to the operation',
  },
  ERR_MEMBERSHIP_PENDING_OVERFLOW: {
    fault: 'remote',
    meaning: 'dropped while waiting for dependencies: too many waiting',
  },
  ERR_MEMBERSHIP_LIMIT: { fault: 'remote', meaning: 'maxOperations operations are stored' },
  // The local caller's misuse (or a bug).
  ERR_INVALID_ARGUMENT: { fault: 'local', meaning: 'an argument or event field is invalid' },
  ERR_INVALID_KEY: {
    fault: 'local',
    meaning: 'a key is not 32 bytes, 64 hex characters or a z-base-32 id',
  },
  ERR_INVALID_STATE: {
    fault: 'local',
    meaning: 'an event the state machine does not take now (before open, a second open)',
  },
  ERR_INVALID_MESSAGE: {
    fault: 'local',
    meaning: 'an encoder was given an invalid message, or one over a limit',
  },
  ERR_INVALID_LIMITS: { fault: 'local', meaning: 'a limit override is unknown or invalid' },
  ERR_CLOSED: { fault: 'local', meaning: 'the multifeed, channel or networker is closed' },
  ERR_BLOCKED: { fault: 'local', meaning: 'a writer for a feed that was blocked or removed' },
  ERR_COLLECTION_FULL: {
    fault: 'local',
    meaning: 'no room for another local writer: the collection holds maxFeeds feeds',
  },
  ERR_ALREADY_ATTACHED: {
    fault: 'local',
    meaning: 'another instance of this multifeed is already on the stream',
  },
  ERR_INTERNAL: {
    fault: 'local',
    meaning: 'a bug, or an event listener that threw (err.cause holds the original)',
  },
  ERR_INVALID_INVITATION: {
    fault: 'local',
    meaning: 'not the invitation of a closed multifeed',
  },
  ERR_NOT_CLOSED: {
    fault: 'local',
    meaning: 'a membership call on an open multifeed, which has no members',
  },
  ERR_NOT_ADMIN: {
    fault: 'local',
    meaning: 'a membership change by a peer that is not an admin of the closed multifeed',
  },
  ERR_NOT_READY: {
    fault: 'local',
    meaning: 'a new closed multifeed is used before ready() named it',
  },
  // A join request's outcome (spec/membership.md 14.4): the peers' decision, or their silence.
  ERR_AUTH_DENIED: { fault: 'remote', meaning: 'a peer denied the join request' },
  ERR_AUTH_TIMEOUT: { fault: 'remote', meaning: 'no peer added the writer before the timeout' },
  // The environment.
  ERR_STORAGE: {
    fault: 'environment',
    meaning: 'the storage failed (err.cause holds the Corestore or Hypercore error)',
  },
} as const satisfies Record<string, ErrorInfo>

/** Every `code` a {@link MultifeedError} can carry. */
export type MultifeedErrorCode = keyof typeof MULTIFEED_ERRORS
/** The codes of a failed channel: spec 10.3's, and the local ERR_CHANNEL_REJECTED. */
export type SessionErrorCode =
  | Exclude<ErrorCodeName, 'OK'>
  | typeof UNKNOWN_REMOTE_ERROR
  | 'ERR_CHANNEL_REJECTED'
/** The codes of {@link DecodeError} (spec 6.2). */
export type DecodeErrorCodeName = Extract<MultifeedErrorCode, `ERR_DECODE_${string}`>
/** The codes of a refused membership operation (spec/membership.md section 13). */
export type MembershipErrorCodeName = Extract<MultifeedErrorCode, `ERR_MEMBERSHIP_${string}`>

/** A protocol version as a handshake carries it. */
export interface ProtocolVersion {
  /** Major version: peers with different majors cannot talk. */
  major: number
  /** Minor version: additions a peer of the same major may ignore. */
  minor: number
}

/** The details a session failure carries (spec 10.1), and the cause of a local failure. */
export interface MultifeedErrorDetails {
  /** Wire number of a session code (defaults to the code's own; set for ERR_REMOTE_UNKNOWN). */
  wireCode?: number
  /** ERR_MALFORMED_MESSAGE or ERR_LIMIT_EXCEEDED from a decode: the ERR_DECODE_* code. */
  decodeCode?: string
  /** ERR_VERSION_MISMATCH: our version. */
  usVersion?: ProtocolVersion
  /** ERR_VERSION_MISMATCH: the remote's version. */
  themVersion?: ProtocolVersion
  /** ERR_CLIENT_MISMATCH: our client name. */
  usClient?: string
  /** ERR_CLIENT_MISMATCH: the remote's client name. */
  themClient?: string
  /** The underlying error (ERR_INTERNAL, ERR_STORAGE). */
  cause?: unknown
}

/** A session's `fail` action, or a collection's (spec 10.1). */
export interface SessionFailure {
  code: ErrorCodeName | typeof UNKNOWN_REMOTE_ERROR | 'ERR_CHANNEL_REJECTED'
  message: string
  wireCode?: number | null
  decodeCode?: string
  usVersion?: ProtocolVersion
  themVersion?: ProtocolVersion
  usClient?: string
  themClient?: string
}

type Factory = (...args: never[]) => unknown

/** The detail fields an error copies from its details (the cause goes to Error's own). */
const DETAIL_FIELDS = [
  'wireCode',
  'decodeCode',
  'usVersion',
  'themVersion',
  'usClient',
  'themClient',
] as const satisfies readonly (keyof MultifeedErrorDetails)[]

/**
 * An error with a stable `code` and whose fault it is (`fault`). Create one with the static
 * factory of its code.
 * @example
 * ```ts
 * mf.on('session-error', (err, channel) => {
 *   if (err.fault === 'remote') console.warn('peer failed:', err.code)
 * })
 * try {
 *   await mf.writer('notes')
 * } catch (err) {
 *   if (err instanceof MultifeedError && err.code === 'ERR_COLLECTION_FULL') console.log('full')
 * }
 * ```
 */
export class MultifeedError<C extends MultifeedErrorCode = MultifeedErrorCode> extends Error {
  /** Stable name: a spec code (the same on both ends of a session) or a local one. */
  readonly code: C
  /** Whose fault it is (see {@link Fault}). */
  readonly fault: Fault
  /** Wire number of a session code (what a Close message carries). */
  declare readonly wireCode?: number
  /** ERR_MALFORMED_MESSAGE or ERR_LIMIT_EXCEEDED from a decode: the ERR_DECODE_* code. */
  declare readonly decodeCode?: string
  /** ERR_VERSION_MISMATCH: our version. */
  declare readonly usVersion?: ProtocolVersion
  /** ERR_VERSION_MISMATCH: the remote's version. */
  declare readonly themVersion?: ProtocolVersion
  /** ERR_CLIENT_MISMATCH: our client name. */
  declare readonly usClient?: string
  /** ERR_CLIENT_MISMATCH: the remote's client name. */
  declare readonly themClient?: string

  /** Prefer the factory of the code (`MultifeedError.INVALID_ARGUMENT(...)`). */
  constructor(code: C, message: string, details: MultifeedErrorDetails = {}) {
    const { cause } = details
    super(`${code}: ${message}`, cause === undefined ? undefined : { cause })
    this.code = code
    this.fault = MULTIFEED_ERRORS[code].fault
    const wireCode = details.wireCode ?? (ErrorCode as Partial<Record<string, number>>)[code]
    // Only the fields a failure has: a plain error prints as { code, fault }.
    const present = { ...details, wireCode }
    for (const name of DETAIL_FIELDS) {
      if (present[name] !== undefined) Object.assign(this, { [name]: present[name] })
    }
  }

  /** True when the fault is the remote's (`fault === 'remote'`), as a `fail` action says. */
  get remote(): boolean {
    return this.fault === 'remote'
  }

  /** The error of a session's or collection's `fail` action (spec 10.1). */
  static fromFailure(failure: SessionFailure): MultifeedError<SessionErrorCode | 'ERR_INTERNAL'> {
    const { code, message, wireCode, ...details } = failure
    // A fail action never carries OK; if one did, it is our bug, not the peer's.
    if (code === 'OK') return MultifeedError.INTERNAL(new Error('a fail action with code OK'))
    const error = new MultifeedError(code, message || 'session failed', {
      ...details,
      ...(wireCode == null ? {} : { wireCode }),
    })
    return capture(error, MultifeedError.fromFailure)
  }

  // A channel failed (spec 10.3). The session raises these through `fail` actions.

  /** The peers speak different major versions. */
  static VERSION_MISMATCH(
    message = 'version mismatch',
    details: Pick<MultifeedErrorDetails, 'usVersion' | 'themVersion'> = {},
  ) {
    return make('ERR_VERSION_MISMATCH', message, details, MultifeedError.VERSION_MISMATCH)
  }

  /** The peers' client names differ. */
  static CLIENT_MISMATCH(
    message = 'client mismatch',
    details: Pick<MultifeedErrorDetails, 'usClient' | 'themClient'> = {},
  ) {
    return make('ERR_CLIENT_MISMATCH', message, details, MultifeedError.CLIENT_MISMATCH)
  }

  /** A capability did not prove knowledge of the multifeed key (another key, or a replay). */
  static BAD_CAPABILITY(message = 'bad capability') {
    return make('ERR_BAD_CAPABILITY', message, {}, MultifeedError.BAD_CAPABILITY)
  }

  /** No verified handshake within handshakeTimeout. */
  static HANDSHAKE_TIMEOUT(message = 'handshake timeout') {
    return make('ERR_HANDSHAKE_TIMEOUT', message, {}, MultifeedError.HANDSHAKE_TIMEOUT)
  }

  /** Bytes that do not decode strictly (`decodeCode`: which ERR_DECODE_*). */
  static MALFORMED_MESSAGE(
    message = 'malformed message',
    details: Pick<MultifeedErrorDetails, 'decodeCode'> = {},
  ) {
    return make('ERR_MALFORMED_MESSAGE', message, details, MultifeedError.MALFORMED_MESSAGE)
  }

  /** A peer went over a limit of the other (`decodeCode`: which, when a decode found it). */
  static LIMIT_EXCEEDED(
    message = 'limit exceeded',
    details: Pick<MultifeedErrorDetails, 'decodeCode'> = {},
  ) {
    return make('ERR_LIMIT_EXCEEDED', message, details, MultifeedError.LIMIT_EXCEEDED)
  }

  /** A message out of order. */
  static UNEXPECTED_MESSAGE(message = 'unexpected message') {
    return make('ERR_UNEXPECTED_MESSAGE', message, {}, MultifeedError.UNEXPECTED_MESSAGE)
  }

  /** A Request for a feed never offered. */
  static NOT_OFFERED(message = 'not offered') {
    return make('ERR_NOT_OFFERED', message, {}, MultifeedError.NOT_OFFERED)
  }

  /** A Replicate for a feed not requested. */
  static NOT_REQUESTED(message = 'not requested') {
    return make('ERR_NOT_REQUESTED', message, {}, MultifeedError.NOT_REQUESTED)
  }

  /** 1.1: a closed multifeed's session negotiated minor 0 (spec/membership.md 14.1). */
  static MINOR_REQUIRED(message = 'protocol 1.1 required') {
    return make('ERR_MINOR_REQUIRED', message, {}, MultifeedError.MINOR_REQUIRED)
  }

  /** 1.1: the peer sent a membership operation that must be refused (spec/membership.md 14.5). */
  static BAD_OPERATION(message = 'bad operation') {
    return make('ERR_BAD_OPERATION', message, {}, MultifeedError.BAD_OPERATION)
  }

  /** The peer closed with wire code `wireCode`, which this version does not know. */
  static REMOTE_UNKNOWN(wireCode: number, message = 'unknown error code') {
    return make('ERR_REMOTE_UNKNOWN', message, { wireCode }, MultifeedError.REMOTE_UNKNOWN)
  }

  /** The peer refused the channel: it has no multifeed with this discovery key there. */
  static CHANNEL_REJECTED(message = 'channel rejected') {
    return make('ERR_CHANNEL_REJECTED', message, {}, MultifeedError.CHANNEL_REJECTED)
  }

  // Bytes that do not decode (spec 6.2): a DecodeError with the offset where decoding failed.

  /** The input ends inside a field. */
  static DECODE_TRUNCATED(message: string, offset: number) {
    return decodeError('ERR_DECODE_TRUNCATED', message, offset, MultifeedError.DECODE_TRUNCATED)
  }

  /** Bytes remain after the last field. */
  static DECODE_TRAILING_BYTES(message: string, offset: number) {
    const code = 'ERR_DECODE_TRAILING_BYTES'
    return decodeError(code, message, offset, MultifeedError.DECODE_TRAILING_BYTES)
  }

  /** A uint uses a longer form than its value needs. */
  static DECODE_NON_MINIMAL_VARINT(message: string, offset: number) {
    const code = 'ERR_DECODE_NON_MINIMAL_VARINT'
    return decodeError(code, message, offset, MultifeedError.DECODE_NON_MINIMAL_VARINT)
  }

  /** A uint is above 2^53 - 1. */
  static DECODE_VARINT_OVERFLOW(message: string, offset: number) {
    const code = 'ERR_DECODE_VARINT_OVERFLOW'
    return decodeError(code, message, offset, MultifeedError.DECODE_VARINT_OVERFLOW)
  }

  /** A bool byte other than 0 or 1. */
  static DECODE_INVALID_BOOL(message: string, offset: number) {
    const code = 'ERR_DECODE_INVALID_BOOL'
    return decodeError(code, message, offset, MultifeedError.DECODE_INVALID_BOOL)
  }

  /** A string is not well-formed UTF-8. */
  static DECODE_INVALID_UTF8(message: string, offset: number) {
    const code = 'ERR_DECODE_INVALID_UTF8'
    return decodeError(code, message, offset, MultifeedError.DECODE_INVALID_UTF8)
  }

  /** A reserved flag bit is set. */
  static DECODE_RESERVED_FLAGS(message: string, offset: number) {
    const code = 'ERR_DECODE_RESERVED_FLAGS'
    return decodeError(code, message, offset, MultifeedError.DECODE_RESERVED_FLAGS)
  }

  /** The whole message is over maxMessageBytes. */
  static DECODE_MESSAGE_TOO_LARGE(message: string, offset: number) {
    const code = 'ERR_DECODE_MESSAGE_TOO_LARGE'
    return decodeError(code, message, offset, MultifeedError.DECODE_MESSAGE_TOO_LARGE)
  }

  /** An array count is over maxEntriesPerMessage. */
  static DECODE_TOO_MANY_ENTRIES(message: string, offset: number) {
    const code = 'ERR_DECODE_TOO_MANY_ENTRIES'
    return decodeError(code, message, offset, MultifeedError.DECODE_TOO_MANY_ENTRIES)
  }

  /** A byte length is over its field's limit. */
  static DECODE_FIELD_TOO_LONG(message: string, offset: number) {
    const code = 'ERR_DECODE_FIELD_TOO_LONG'
    return decodeError(code, message, offset, MultifeedError.DECODE_FIELD_TOO_LONG)
  }

  // A membership operation refused (spec/membership.md section 13).

  /** The operation's type number is not defined. */
  static MEMBERSHIP_UNKNOWN_TYPE(message: string) {
    const code = 'ERR_MEMBERSHIP_UNKNOWN_TYPE'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_UNKNOWN_TYPE)
  }

  /** The dependencies are not in strictly increasing byte order. */
  static MEMBERSHIP_UNSORTED_DEPENDENCIES(message: string) {
    const code = 'ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_UNSORTED_DEPENDENCIES)
  }

  /** A genesis with dependencies, or another operation without any. */
  static MEMBERSHIP_BAD_DEPENDENCIES(message: string) {
    const code = 'ERR_MEMBERSHIP_BAD_DEPENDENCIES'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_BAD_DEPENDENCIES)
  }

  /** A genesis that is not this multifeed's. */
  static MEMBERSHIP_WRONG_GENESIS(message: string) {
    const code = 'ERR_MEMBERSHIP_WRONG_GENESIS'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_WRONG_GENESIS)
  }

  /** The signature does not verify against the author's key. */
  static MEMBERSHIP_BAD_SIGNATURE(message: string) {
    const code = 'ERR_MEMBERSHIP_BAD_SIGNATURE'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_BAD_SIGNATURE)
  }

  /** The operation is already held (a replay or a second copy). */
  static MEMBERSHIP_DUPLICATE(message: string) {
    const code = 'ERR_MEMBERSHIP_DUPLICATE'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_DUPLICATE)
  }

  /** The author is not an admin at the operation's own dependencies. */
  static MEMBERSHIP_NOT_ADMIN(message: string) {
    const code = 'ERR_MEMBERSHIP_NOT_ADMIN'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_NOT_ADMIN)
  }

  /** A grant or revoke of admin by an author not senior to its subject. */
  static MEMBERSHIP_NOT_SENIOR(message: string) {
    const code = 'ERR_MEMBERSHIP_NOT_SENIOR'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_NOT_SENIOR)
  }

  /** A grant or revoke of admin that names the founder. */
  static MEMBERSHIP_FOUNDER(message: string) {
    const code = 'ERR_MEMBERSHIP_FOUNDER'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_FOUNDER)
  }

  /** A dependency was refused, so this operation can never be applied. */
  static MEMBERSHIP_DEPENDENCY_REJECTED(message: string) {
    const code = 'ERR_MEMBERSHIP_DEPENDENCY_REJECTED'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_DEPENDENCY_REJECTED)
  }

  /** The dependencies lead back to the operation itself. */
  static MEMBERSHIP_DEPENDENCY_CYCLE(message: string) {
    const code = 'ERR_MEMBERSHIP_DEPENDENCY_CYCLE'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_DEPENDENCY_CYCLE)
  }

  /** Dropped from the buffer of operations waiting for dependencies (it was full). */
  static MEMBERSHIP_PENDING_OVERFLOW(message: string) {
    const code = 'ERR_MEMBERSHIP_PENDING_OVERFLOW'
    return make(code, message, {}, MultifeedError.MEMBERSHIP_PENDING_OVERFLOW)
  }

  /** The state holds maxOperations operations already. */
  static MEMBERSHIP_LIMIT(message: string) {
    return make('ERR_MEMBERSHIP_LIMIT', message, {}, MultifeedError.MEMBERSHIP_LIMIT)
  }

  // The local caller's misuse (or a bug).

  /** An argument or an event field is invalid. */
  static INVALID_ARGUMENT(message: string) {
    return make('ERR_INVALID_ARGUMENT', message, {}, MultifeedError.INVALID_ARGUMENT)
  }

  /** A key is not 32 bytes, 64 hex characters or a z-base-32 id. */
  static INVALID_KEY(message: string) {
    return make('ERR_INVALID_KEY', message, {}, MultifeedError.INVALID_KEY)
  }

  /** An event the state machine does not take in its phase (before `open`, a second `open`). */
  static INVALID_STATE(message: string) {
    return make('ERR_INVALID_STATE', message, {}, MultifeedError.INVALID_STATE)
  }

  /** An encoder was given an invalid message, or one over a limit. */
  static INVALID_MESSAGE(message: string) {
    return make('ERR_INVALID_MESSAGE', message, {}, MultifeedError.INVALID_MESSAGE)
  }

  /** A limit override is unknown or not a non-negative safe integer. */
  static INVALID_LIMITS(message: string) {
    return make('ERR_INVALID_LIMITS', message, {}, MultifeedError.INVALID_LIMITS)
  }

  /** The multifeed, channel or networker is closed (or closing). */
  static CLOSED(message = 'closed') {
    return make('ERR_CLOSED', message, {}, MultifeedError.CLOSED)
  }

  /** A local writer for a feed that was blocked or removed. */
  static BLOCKED(message = 'the feed was blocked or removed') {
    return make('ERR_BLOCKED', message, {}, MultifeedError.BLOCKED)
  }

  /** No room for another local writer: the collection holds maxFeeds feeds. */
  static COLLECTION_FULL(message = 'the collection is full') {
    return make('ERR_COLLECTION_FULL', message, {}, MultifeedError.COLLECTION_FULL)
  }

  /** Another instance of this multifeed is already on the stream. */
  static ALREADY_ATTACHED(message = 'multifeed already on this stream') {
    return make('ERR_ALREADY_ATTACHED', message, {}, MultifeedError.ALREADY_ATTACHED)
  }

  /** A bug, or an event listener that threw: `cause` is what was thrown. */
  static INTERNAL(cause: unknown, message = String(cause)) {
    return make('ERR_INTERNAL', message, { cause }, MultifeedError.INTERNAL)
  }

  /** Not the invitation of a closed multifeed. */
  static INVALID_INVITATION(message: string) {
    return make('ERR_INVALID_INVITATION', message, {}, MultifeedError.INVALID_INVITATION)
  }

  /** A membership call on an open multifeed. */
  static NOT_CLOSED(message = 'an open multifeed has no members') {
    return make('ERR_NOT_CLOSED', message, {}, MultifeedError.NOT_CLOSED)
  }

  /** A membership change by a peer that is not an admin. */
  static NOT_ADMIN(message = 'this peer is not an admin') {
    return make('ERR_NOT_ADMIN', message, {}, MultifeedError.NOT_ADMIN)
  }

  /** A new closed multifeed used before ready(). */
  static NOT_READY(message: string) {
    return make('ERR_NOT_READY', message, {}, MultifeedError.NOT_READY)
  }

  /** A peer denied the join request (requestAuthorization). */
  static AUTH_DENIED(message = 'a peer denied the request') {
    return make('ERR_AUTH_DENIED', message, {}, MultifeedError.AUTH_DENIED)
  }

  /** No peer added the writer before the timeout (requestAuthorization). */
  static AUTH_TIMEOUT(message = 'no peer added the writer in time') {
    return make('ERR_AUTH_TIMEOUT', message, {}, MultifeedError.AUTH_TIMEOUT)
  }

  // The environment.

  /** The storage failed: `cause` is the Corestore or Hypercore error. */
  static STORAGE(message: string, cause: unknown) {
    return make('ERR_STORAGE', message, { cause }, MultifeedError.STORAGE)
  }
}
MultifeedError.prototype.name = 'MultifeedError'

/**
 * Bytes that do not decode strictly (spec 6.2): the only error a decoder throws for bad bytes.
 * A MultifeedError whose code is an ERR_DECODE_* code, with the offset where decoding failed.
 */
export class DecodeError extends MultifeedError<DecodeErrorCodeName> {
  /** Byte offset at which decoding failed. */
  readonly offset: number

  /** Prefer the factory of the code (`MultifeedError.DECODE_TRUNCATED(...)`). */
  constructor(code: DecodeErrorCodeName, message: string, offset: number) {
    super(code, `${message} (at byte ${offset})`)
    this.offset = offset
  }
}
DecodeError.prototype.name = 'DecodeError'

/** Hides the factory's own frame from the stack, as hypercore-errors does. */
function capture<E extends Error>(err: E, factory: Factory): E {
  // Not in every engine (browsers without it keep the factory frame).
  Error.captureStackTrace?.(err, factory)
  return err
}

function make<C extends MultifeedErrorCode>(
  code: C,
  message: string,
  details: MultifeedErrorDetails,
  factory: Factory,
): MultifeedError<C> {
  return capture(new MultifeedError(code, message, details), factory)
}

function decodeError(
  code: DecodeErrorCodeName,
  message: string,
  offset: number,
  factory: Factory,
): DecodeError {
  return capture(new DecodeError(code, message, offset), factory)
}
