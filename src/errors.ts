/**
 * Session error codes (spec: Error codes). The number is what a Close message carries on
 * the wire; the name is `err.code` on both ends.
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
