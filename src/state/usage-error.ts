/** Errors for local API misuse: the caller did something wrong, the peer did nothing. */

/** Codes of SessionUsageError. */
export const SessionUsageErrorCode = {
  /** An event arrived in a phase that does not accept it (before `open`, a second `open`). */
  INVALID_STATE: 'ERR_INVALID_STATE',
  /** An event carries an invalid value (a key that is not 32 bytes, data over its limit...). */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** A local writer for a key the user blocked or removed. */
  BLOCKED: 'ERR_BLOCKED',
  /** A local writer when the collection holds maxFeeds feeds (with the room reserved). */
  COLLECTION_FULL: 'ERR_COLLECTION_FULL',
} as const
export type SessionUsageErrorCodeName =
  (typeof SessionUsageErrorCode)[keyof typeof SessionUsageErrorCode]

/**
 * Thrown by `Session.handle` when the local caller misuses the API. It is never turned into
 * an action: the peer did nothing wrong, so nothing is sent and the session state is unchanged.
 */
export class SessionUsageError extends Error {
  readonly code: SessionUsageErrorCodeName

  constructor(code: SessionUsageErrorCodeName, message: string) {
    super(`${code}: ${message}`)
    this.name = 'SessionUsageError'
    this.code = code
  }
}

/** A usage error for an event the current phase does not accept. */
export function invalidState(message: string): SessionUsageError {
  return new SessionUsageError(SessionUsageErrorCode.INVALID_STATE, message)
}

/** A local request the collection refuses (a blocked key, no room). */
export function refused(
  code: typeof SessionUsageErrorCode.BLOCKED | typeof SessionUsageErrorCode.COLLECTION_FULL,
  message: string,
): SessionUsageError {
  return new SessionUsageError(code, message)
}

/** A usage error for an invalid local value. */
export function invalidArgument(message: string): SessionUsageError {
  return new SessionUsageError(SessionUsageErrorCode.INVALID_ARGUMENT, message)
}
