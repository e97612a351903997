/**
 * Error codes for caller mistakes (as opposed to bad bytes from the peer, which are
 * DecodeErrors): an invalid message given to an encoder, bad limits, bad capability inputs.
 */
export const CodecUsageErrorCode = {
  /** The message given to an encoder is not a valid message (or breaks a limit). */
  INVALID_MESSAGE: 'ERR_INVALID_MESSAGE',
  /** A limits override is not a non-negative safe integer. */
  INVALID_LIMITS: 'ERR_INVALID_LIMITS',
  /** A key or hash given to the capability functions has the wrong length or type. */
  INVALID_KEY: 'ERR_INVALID_KEY',
  /** An argument other than a key is invalid (e.g. an unknown role). */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
} as const
export type CodecUsageErrorCodeName = (typeof CodecUsageErrorCode)[keyof typeof CodecUsageErrorCode]

/** Thrown by encoders and helpers when the caller passes invalid input. Never thrown by a decoder for bad bytes. */
export class CodecUsageError extends Error {
  readonly code: CodecUsageErrorCodeName

  constructor(code: CodecUsageErrorCodeName, message: string) {
    super(`${code}: ${message}`)
    this.name = 'CodecUsageError'
    this.code = code
  }
}

export function invalidMessage(message: string): CodecUsageError {
  return new CodecUsageError(CodecUsageErrorCode.INVALID_MESSAGE, message)
}
