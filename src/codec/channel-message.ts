/** Encoding and strict decoding of the numbered channel messages (everything but the handshake). */
import { decodeCloseFields, encodeCloseFields, preencodeClose } from './close.js'
import { type Limits, MessageType } from './constants.js'
import { decodeKeysFields, encodeKeysFields, preencodeKeys } from './keys-message.js'
import { resolveLimits } from './limits.js'
import { decodeManifestFields, encodeManifestFields, preencodeManifest } from './manifest.js'
import type { ChannelMessage, Close, Manifest, Replicate, Request } from './messages.js'
import {
  beginDecode,
  checkNoTrailingBytes,
  type DecodeState,
  type EncodeState,
} from './primitives.js'
import { invalidMessage } from './usage-error.js'

/** A compact-encoding `{ preencode, encode, decode }` for one message body. */
export interface MessageEncoding<T> {
  preencode(state: EncodeState, message: T): void
  encode(state: EncodeState, message: T): void
  decode(state: DecodeState): T
}

/**
 * compact-encoding encoders for each message body, bound to the given limits. `preencode`
 * validates the message; `decode` is strict field by field but, like any compact-encoding
 * decoder, neither checks the whole-message size nor trailing bytes, and its byte fields are
 * views into the state's buffer (no copy): use decodeMessage for a whole message.
 */
export function messageEncodings(overrides?: Partial<Limits>) {
  const limits = resolveLimits(overrides)
  return {
    manifest: {
      preencode: (state, m) => preencodeManifest(state, m, limits),
      encode: encodeManifestFields,
      decode: (state) => decodeManifestFields(state, limits),
    } satisfies MessageEncoding<Manifest>,
    request: {
      preencode: (state, m) => preencodeKeys(state, m, limits),
      encode: encodeKeysFields,
      decode: (state) => decodeKeysFields(state, 'request', limits),
    } satisfies MessageEncoding<Request>,
    replicate: {
      preencode: (state, m) => preencodeKeys(state, m, limits),
      encode: encodeKeysFields,
      decode: (state) => decodeKeysFields(state, 'replicate', limits),
    } satisfies MessageEncoding<Replicate>,
    close: {
      preencode: (state, m) => preencodeClose(state, m, limits),
      encode: encodeCloseFields,
      decode: (state) => decodeCloseFields(state, limits),
    } satisfies MessageEncoding<Close>,
  }
}

/** The type number a message travels under (its protomux message index). */
export function messageTypeOf(message: ChannelMessage): number {
  switch (message?.type) {
    case 'manifest':
      return MessageType.Manifest
    case 'request':
      return MessageType.Request
    case 'replicate':
      return MessageType.Replicate
    case 'close':
      return MessageType.Close
    default:
      throw invalidMessage(`unknown message type ${String((message as { type?: unknown })?.type)}`)
  }
}

function preencodeMessage(state: EncodeState, m: ChannelMessage, limits: Readonly<Limits>): void {
  if (m === null || typeof m !== 'object') throw invalidMessage('message must be an object')
  switch (m.type) {
    case 'manifest':
      preencodeManifest(state, m, limits)
      return
    case 'request':
    case 'replicate':
      preencodeKeys(state, m, limits)
      return
    case 'close':
      preencodeClose(state, m, limits)
      return
    default:
      throw invalidMessage(`unknown message type ${String((m as { type?: unknown }).type)}`)
  }
}

/**
 * Encoded size of a message body in bytes. Validates the message like encodeMessage, but
 * does not check maxMessageBytes (so a sender can find out by how much it is over).
 */
export function encodingLength(message: ChannelMessage, overrides?: Partial<Limits>): number {
  const state: EncodeState = { start: 0, end: 0, buffer: null }
  preencodeMessage(state, message, resolveLimits(overrides))
  return state.end
}

/**
 * Encodes a message body (without its type number, which the transport carries).
 * Throws ERR_INVALID_MESSAGE for an invalid message or one over a limit,
 * so the bytes it returns always decode.
 */
export function encodeMessage(message: ChannelMessage, overrides?: Partial<Limits>): Uint8Array {
  const limits = resolveLimits(overrides)
  const state: EncodeState = { start: 0, end: 0, buffer: null }
  preencodeMessage(state, message, limits)
  if (state.end > limits.maxMessageBytes) {
    throw invalidMessage(`${message.type} is ${state.end} bytes, limit ${limits.maxMessageBytes}`)
  }
  state.buffer = new Uint8Array(state.end)
  switch (message.type) {
    case 'manifest':
      encodeManifestFields(state, message)
      break
    case 'request':
    case 'replicate':
      encodeKeysFields(state, message)
      break
    case 'close':
      encodeCloseFields(state, message)
      break
  }
  return state.buffer
}

/**
 * Strictly decodes the body of a message of type number `type`.
 *
 * Returns null for a type number this version does not define: a receiver MUST ignore
 * unknown message types (a newer minor may add them), so that is not an error.
 * Otherwise returns the message or throws a DecodeError (never anything else for bad bytes;
 * ERR_INVALID_LIMITS or ERR_INVALID_ARGUMENT only for invalid `limits` or a non-Uint8Array
 * argument).
 * Keys and data in the result are views into one private copy of `bytes`.
 */
export function decodeMessage(
  type: number,
  bytes: Uint8Array,
  overrides?: Partial<Limits>,
): ChannelMessage | null {
  const limits = resolveLimits(overrides)
  let decodeFields: (state: DecodeState) => ChannelMessage
  switch (type) {
    case MessageType.Manifest:
      decodeFields = (state) => decodeManifestFields(state, limits)
      break
    case MessageType.Request:
      decodeFields = (state) => decodeKeysFields(state, 'request', limits)
      break
    case MessageType.Replicate:
      decodeFields = (state) => decodeKeysFields(state, 'replicate', limits)
      break
    case MessageType.Close:
      decodeFields = (state) => decodeCloseFields(state, limits)
      break
    default:
      return null
  }
  const state = beginDecode(bytes, limits.maxMessageBytes)
  const message = decodeFields(state)
  checkNoTrailingBytes(state)
  return message
}
