/** Handshake (the channel-open payload) and the foreign-major prefix (spec: Handshake, Versioning). */
import c from 'compact-encoding'
import { HandshakeFlags, type Limits, PROTOCOL_MAJOR } from './constants.js'
import { resolveLimits } from './limits.js'
import type { ForeignHandshake, Handshake } from './messages.js'
import {
  assertBytes,
  assertKey,
  assertString,
  assertUint,
  beginDecode,
  bytesField,
  checkNoTrailingBytes,
  type DecodeState,
  type EncodeState,
  readBytes,
  readFlags,
  readKey,
  readString,
  readUint,
} from './primitives.js'
import { invalidMessage } from './usage-error.js'

/** The last minor that defined Handshake fields or flag bits (1.0's are the only ones). */
const HANDSHAKE_FIELDS_MINOR = 0

const KNOWN_FLAGS = HandshakeFlags.UserData

function validateHandshake(h: Handshake, limits: Readonly<Limits>): void {
  if (h === null || typeof h !== 'object') throw invalidMessage('handshake must be an object')
  if (h.type !== 'handshake') throw invalidMessage(`handshake type must be 'handshake'`)
  assertUint(h.major, 'handshake major')
  assertUint(h.minor, 'handshake minor')
  assertString(h.client, limits.maxClientBytes, 'handshake client')
  assertKey(h.capability, 'handshake capability')
  if (h.userData !== null) assertBytes(h.userData, limits.maxUserDataBytes, 'handshake userData')
}

function preencodeHandshake(state: EncodeState, h: Handshake, limits: Readonly<Limits>): void {
  validateHandshake(h, limits)
  c.uint.preencode(state, h.major)
  c.uint.preencode(state, h.minor)
  c.uint.preencode(state, h.userData === null ? 0 : HandshakeFlags.UserData)
  c.string.preencode(state, h.client)
  c.fixed32.preencode(state, h.capability)
  if (h.userData !== null) bytesField.preencode(state, h.userData)
}

function encodeHandshakeFields(state: EncodeState, h: Handshake): void {
  c.uint.encode(state, h.major)
  c.uint.encode(state, h.minor)
  c.uint.encode(state, h.userData === null ? 0 : HandshakeFlags.UserData)
  c.string.encode(state, h.client)
  c.fixed32.encode(state, h.capability)
  if (h.userData !== null) bytesField.encode(state, h.userData)
}

/**
 * Reads a handshake from `state`. A foreign major or a newer minor consumes the rest of the
 * state (those bytes are not ours to interpret), so a caller's trailing-bytes check passes.
 */
function decodeHandshakeFields(
  state: DecodeState,
  limits: Readonly<Limits>,
): Handshake | ForeignHandshake {
  const major = readUint(state, 'handshake major')
  const minor = readUint(state, 'handshake minor')
  if (major !== PROTOCOL_MAJOR) {
    state.start = state.end
    return { type: 'foreign-handshake', major, minor }
  }
  // Minor 1 defines no Handshake field (spec/membership.md 14.1): the fields are those of 1.0
  // at every minor, and one above 0 may carry bits and fields of a later minor, which are skipped.
  const newerMinor = minor > HANDSHAKE_FIELDS_MINOR
  // A newer minor may define more flag bits; we only know (and act on) ours.
  const flags = newerMinor
    ? readUint(state, 'handshake flags')
    : readFlags(state, KNOWN_FLAGS, 'handshake flags')
  const client = readString(state, limits.maxClientBytes, 'handshake client')
  const capability = readKey(state, 'handshake capability')
  const userData =
    flags & HandshakeFlags.UserData
      ? readBytes(state, limits.maxUserDataBytes, 'handshake userData')
      : null
  if (newerMinor) state.start = state.end
  return { type: 'handshake', major, minor, client, capability, userData }
}

/**
 * compact-encoding encoder for the handshake fields with the given limits: no message-size
 * or trailing check, and byte fields view the state's buffer. Use decodeHandshake for a
 * whole handshake.
 */
export function handshakeEncoding(overrides?: Partial<Limits>) {
  const limits = resolveLimits(overrides)
  return {
    preencode: (state: EncodeState, h: Handshake) => preencodeHandshake(state, h, limits),
    encode: (state: EncodeState, h: Handshake) => encodeHandshakeFields(state, h),
    decode: (state: DecodeState) => decodeHandshakeFields(state, limits),
  }
}

/**
 * Encoded size of a handshake in bytes. Validates it like encodeHandshake, but does not check
 * maxMessageBytes (a session refuses to open with a Handshake over it, spec section 8.1).
 */
export function handshakeEncodingLength(h: Handshake, overrides?: Partial<Limits>): number {
  const state: EncodeState = { start: 0, end: 0, buffer: null }
  preencodeHandshake(state, h, resolveLimits(overrides))
  return state.end
}

/**
 * Encodes a handshake. Any major/minor can be encoded (a major other than 1 decodes as a
 * ForeignHandshake); throws ERR_INVALID_MESSAGE for an invalid handshake.
 */
export function encodeHandshake(h: Handshake, overrides?: Partial<Limits>): Uint8Array {
  const limits = resolveLimits(overrides)
  const state: EncodeState = { start: 0, end: 0, buffer: null }
  preencodeHandshake(state, h, limits)
  if (state.end > limits.maxMessageBytes) {
    throw invalidMessage(`handshake is ${state.end} bytes, limit ${limits.maxMessageBytes}`)
  }
  state.buffer = new Uint8Array(state.end)
  encodeHandshakeFields(state, h)
  return state.buffer
}

/**
 * Strictly decodes a handshake. Returns a ForeignHandshake when the major differs from ours.
 * Byte fields of the result are views into a private copy of `bytes`.
 * Throws only DecodeError (and ERR_INVALID_LIMITS for invalid `limits`).
 */
export function decodeHandshake(
  bytes: Uint8Array,
  overrides?: Partial<Limits>,
): Handshake | ForeignHandshake {
  const limits = resolveLimits(overrides)
  const state = beginDecode(bytes, limits.maxMessageBytes)
  const handshake = decodeHandshakeFields(state, limits)
  checkNoTrailingBytes(state)
  return handshake
}
