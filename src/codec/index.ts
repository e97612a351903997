/**
 * Wire codec of the multifeed protocol (spec: Notation, Messages).
 *
 * - Encoders validate their input and throw CodecUsageError (ERR_INVALID_MESSAGE) rather than
 *   produce bytes a strict decoder would reject. They return plain Uint8Arrays.
 * - Decoders throw only DecodeError for bad bytes (CodecUsageError only for invalid limits or
 *   a non-Uint8Array argument). Byte fields of a decoded message (keys, data, capability,
 *   userData) are plain Uint8Array views into one private copy of the input.
 * - decodeMessage returns null for a message type number this version does not define:
 *   receivers ignore unknown types.
 * - Limits are a Partial<Limits> merged over DEFAULT_LIMITS; resolve once with resolveLimits
 *   and pass the result on hot paths.
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
export { EntryBlock } from './entry-block.js'
export * from './errors.js'
export {
  decodeHandshake,
  encodeHandshake,
  handshakeEncoding,
  handshakeEncodingLength,
} from './handshake.js'
export { KeyBlock } from './key-block.js'
export { resolveLimits } from './limits.js'
export { manifestEntryEncodingLength } from './manifest.js'
export type * from './messages.js'
export {
  CodecUsageError,
  CodecUsageErrorCode,
  type CodecUsageErrorCodeName,
} from './usage-error.js'
