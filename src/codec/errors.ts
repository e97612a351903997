/** Decode error codes (spec: Strict decoding). Stable: vectors and other implementations use them. */
export const DecodeErrorCode = {
  /** The input ended inside a field. */
  TRUNCATED: 'ERR_DECODE_TRUNCATED',
  /** Bytes remain after the last field. */
  TRAILING_BYTES: 'ERR_DECODE_TRAILING_BYTES',
  /** A uint used a longer form than its value needs. */
  NON_MINIMAL_VARINT: 'ERR_DECODE_NON_MINIMAL_VARINT',
  /** A uint is above 2^53 - 1. */
  VARINT_OVERFLOW: 'ERR_DECODE_VARINT_OVERFLOW',
  /** A bool byte other than 0x00 or 0x01. */
  INVALID_BOOL: 'ERR_DECODE_INVALID_BOOL',
  /** A string is not well-formed UTF-8. */
  INVALID_UTF8: 'ERR_DECODE_INVALID_UTF8',
  /** A flag bit that is reserved at this version is set. */
  RESERVED_FLAGS: 'ERR_DECODE_RESERVED_FLAGS',
  /** The whole message is over maxMessageBytes. */
  MESSAGE_TOO_LARGE: 'ERR_DECODE_MESSAGE_TOO_LARGE',
  /** An array count is over maxEntriesPerMessage. */
  TOO_MANY_ENTRIES: 'ERR_DECODE_TOO_MANY_ENTRIES',
  /** A byte length is over its field's limit. */
  FIELD_TOO_LONG: 'ERR_DECODE_FIELD_TOO_LONG',
} as const
export type DecodeErrorCodeName = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode]

/** Codes that mean "a limit was exceeded" rather than "the bytes are malformed". */
export const LIMIT_DECODE_ERRORS: ReadonlySet<DecodeErrorCodeName> = new Set([
  DecodeErrorCode.MESSAGE_TOO_LARGE,
  DecodeErrorCode.TOO_MANY_ENTRIES,
  DecodeErrorCode.FIELD_TOO_LONG,
])

/** The only error a decoder throws. */
export class DecodeError extends Error {
  readonly code: DecodeErrorCodeName
  /** Byte offset at which decoding failed. */
  readonly offset: number

  constructor(code: DecodeErrorCodeName, message: string, offset: number) {
    super(`${code}: ${message} (at byte ${offset})`)
    this.name = 'DecodeError'
    this.code = code
    this.offset = offset
  }
}
