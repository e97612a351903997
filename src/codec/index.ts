/**
 * Wire codec of the multifeed protocol (spec: Notation, Messages).
 *
 * - Encoders validate their input and throw a MultifeedError ERR_INVALID_MESSAGE rather than
 *   produce bytes a strict decoder would reject. They return plain Uint8Arrays.
 * - Decoders throw only DecodeError (a MultifeedError with `offset`) for bad bytes, and
 *   ERR_INVALID_LIMITS or ERR_INVALID_ARGUMENT for invalid limits or a non-Uint8Array argument. Byte fields of a decoded message (keys, data, capability,
 *   userData) are plain Uint8Array views into one private copy of the input.
 * - decodeMessage returns null for a message type number this version does not define:
 *   receivers ignore unknown types.
 * - Limits are a Partial<Limits> merged over DEFAULT_LIMITS; resolve once with resolveLimits
 *   and pass the result on hot paths.
 */

// The error family (the same classes as the package root's), and the wire numbers a Close
// message carries.
export {
  ErrorCode,
  type ErrorCodeName,
  type ErrorInfo,
  errorName,
  type Fault,
  MULTIFEED_ERRORS,
  MultifeedError,
  type MultifeedErrorCode,
  type MultifeedErrorDetails,
  type ProtocolVersion,
  type SessionErrorCode,
  UNKNOWN_REMOTE_ERROR,
} from '../errors.js'
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
