/** Types 1 Request and 2 Replicate share one body: reserved flags, then an array of keys. */
import c from 'compact-encoding'
import type { Limits } from './constants.js'
import { KeyBlock } from './key-block.js'
import type { Replicate, Request } from './messages.js'
import {
  checkMessageSize,
  checkNoTrailingBytes,
  type DecodeState,
  type EncodeState,
  KEY_BYTES,
  readCount,
  readFlags,
  truncated,
} from './primitives.js'
import { invalidMessage } from './usage-error.js'

/** No flag bits are defined for Request or Replicate in v1.0. */
const KNOWN_FLAGS = 0

export function preencodeKeys(
  state: EncodeState,
  m: Request | Replicate,
  limits: Readonly<Limits>,
): void {
  // Checked by shape, not instanceof, so a block from another copy of this package works.
  const bytes = (m.keys as Partial<KeyBlock> | null)?.bytes
  if (!(bytes instanceof Uint8Array) || bytes.byteLength % KEY_BYTES !== 0) {
    throw invalidMessage(`${m.type} keys must be a KeyBlock`)
  }
  const count = bytes.byteLength / KEY_BYTES
  if (count > limits.maxEntriesPerMessage) {
    throw invalidMessage(`${m.type} has ${count} keys, limit ${limits.maxEntriesPerMessage}`)
  }
  state.end += 1 // flags (always 0)
  c.uint.preencode(state, count)
  state.end += bytes.byteLength
}

export function encodeKeysFields(state: EncodeState, m: Request | Replicate): void {
  const buf = state.buffer!
  buf[state.start++] = 0
  const { bytes } = m.keys
  c.uint.encode(state, bytes.byteLength / KEY_BYTES)
  buf.set(bytes, state.start)
  state.start += bytes.byteLength
}

export function decodeKeysFields<T extends 'request' | 'replicate'>(
  state: DecodeState,
  type: T,
  limits: Readonly<Limits>,
): { type: T; keys: KeyBlock } {
  const { offset, count } = readKeyRun(state, type, limits)
  return { type, keys: new KeyBlock(state.buffer.subarray(offset, offset + count * KEY_BYTES)) }
}

/** Reads flags and count, checks that the keys are all there, and skips over them. */
function readKeyRun(
  state: DecodeState,
  type: 'request' | 'replicate',
  limits: Readonly<Limits>,
): { offset: number; count: number } {
  readFlags(state, KNOWN_FLAGS, `${type} flags`)
  const count = readCount(state, limits.maxEntriesPerMessage, `${type} keys`)
  // Keys are fixed-size, so a short input is known to be truncated before anything is allocated.
  const at = state.start
  if (state.end - at < count * KEY_BYTES) {
    throw truncated(at + Math.floor((state.end - at) / KEY_BYTES) * KEY_BYTES, `${type} key`)
  }
  state.start = at + count * KEY_BYTES
  return { offset: at, count }
}

/**
 * A Request or Replicate whose keys are left in the input: key i is
 * `bytes[offset + 32 * i, offset + 32 * i + 32)`.
 */
export interface KeyList {
  type: 'request' | 'replicate'
  /** The input itself, not a copy: read it before the caller reuses its buffer. */
  bytes: Uint8Array
  offset: number
  count: number
}

/**
 * Strictly decodes a whole Request or Replicate body like decodeMessage (same checks, same
 * errors) without allocating an object per key: for a receiver that only looks keys up.
 */
export function decodeKeyList(
  type: 'request' | 'replicate',
  bytes: Uint8Array,
  limits: Readonly<Limits>,
): KeyList {
  checkMessageSize(bytes, limits.maxMessageBytes)
  const state: DecodeState = { start: 0, end: bytes.byteLength, buffer: bytes }
  const { offset, count } = readKeyRun(state, type, limits)
  checkNoTrailingBytes(state)
  return { type, bytes, offset, count }
}
