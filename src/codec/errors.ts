/**
 * Decode errors (spec: Strict decoding): {@link DecodeError} belongs to the package's one error
 * family (src/errors.ts); the codes are stable, vectors and other implementations use them.
 */
import type { DecodeErrorCodeName } from '../errors.js'

export { DecodeError, type DecodeErrorCodeName } from '../errors.js'

/** Codes that mean "a limit was exceeded" rather than "the bytes are malformed". */
export const LIMIT_DECODE_ERRORS: ReadonlySet<DecodeErrorCodeName> = new Set([
  'ERR_DECODE_MESSAGE_TOO_LARGE',
  'ERR_DECODE_TOO_MANY_ENTRIES',
  'ERR_DECODE_FIELD_TOO_LONG',
])
