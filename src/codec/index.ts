/**
 * Wire codec of the multifeed protocol (spec: Notation, Messages).
 *
 * Encoders validate their input and throw CodecUsageError (ERR_INVALID_MESSAGE) rather than
 * produce bytes a strict decoder would reject. Decoders throw only DecodeError for bad bytes.
 */

// The wire numbers a Close message carries.
export { ErrorCode, type ErrorCodeName, errorName, UNKNOWN_REMOTE_ERROR } from '../errors.js'
export { capability, capabilityNamespace, discoveryKey, type Role } from './capability.js'
export {
  decodeMessage,
  encodeMessage,
  encodingLength,
  type MessageEncoding,
  messageEncodings,
  messageTypeOf,
} from './channel-message.js'
export * from './constants.js'
export * from './errors.js'
export { decodeHandshake, encodeHandshake, handshakeEncoding } from './handshake.js'
export { resolveLimits } from './limits.js'
export { manifestEntryEncodingLength } from './manifest.js'
export type * from './messages.js'
export {
  CodecUsageError,
  CodecUsageErrorCode,
  type CodecUsageErrorCodeName,
} from './usage-error.js'
