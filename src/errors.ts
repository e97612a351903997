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
} as const
export type ErrorCodeName = keyof typeof ErrorCode

/** Name reported for a Close code this version does not know. */
export const UNKNOWN_REMOTE_ERROR = 'ERR_REMOTE_UNKNOWN'

const NAMES = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, n]) => [n, name as ErrorCodeName]),
)

export function errorName(code: number): ErrorCodeName | typeof UNKNOWN_REMOTE_ERROR {
  return NAMES.get(code) ?? UNKNOWN_REMOTE_ERROR
}
