/** Type 3 Close: why the sender closes the channel (spec: Close). */
import c from 'compact-encoding'
import type { Limits } from './constants.js'
import type { Close } from './messages.js'
import {
  assertString,
  assertUint,
  type DecodeState,
  type EncodeState,
  readFlags,
  readString,
  readUint,
} from './primitives.js'

/** No flag bits are defined for Close in v1.0. */
const KNOWN_FLAGS = 0

export function preencodeClose(state: EncodeState, m: Close, limits: Readonly<Limits>): void {
  assertUint(m.code, 'close code')
  assertString(m.reason, limits.maxReasonBytes, 'close reason')
  state.end += 1 // flags (always 0)
  c.uint.preencode(state, m.code)
  c.string.preencode(state, m.reason)
}

export function encodeCloseFields(state: EncodeState, m: Close): void {
  state.buffer![state.start++] = 0
  c.uint.encode(state, m.code)
  c.string.encode(state, m.reason)
}

export function decodeCloseFields(state: DecodeState, limits: Readonly<Limits>): Close {
  readFlags(state, KNOWN_FLAGS, 'close flags')
  const code = readUint(state, 'close code')
  const reason = readString(state, limits.maxReasonBytes, 'close reason')
  return { type: 'close', code, reason }
}
