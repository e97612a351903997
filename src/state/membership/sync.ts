/**
 * Exchanging operations (spec/membership.md, "Exchanging operations"): each peer tells the
 * other what it holds with a Have (its heads, plus a few older operations it holds, spaced
 * exponentially back through its storage order); the other sends every operation it holds
 * outside the closure of the ones it recognises. Holding an operation means holding its whole
 * past, so that closure is what the remote certainly has. A Want asks for operations by id
 * (a dependency still missing). Pure functions; the encodings are those of messages 4, 5 and 6
 * (spec/membership.md 14.2).
 */
import c from 'compact-encoding'
import { DEFAULT_LIMITS } from '../../codec/constants.js'
import {
  assertKey,
  beginDecode,
  bytesField,
  checkNoTrailingBytes,
  readBytes,
  readCount,
  readFlags,
  readKey,
  uintEncodingLength,
} from '../../codec/primitives.js'
import { invalidArgument } from '../usage-error.js'
import { ID_BYTES } from './constants.js'
import type { MembershipState } from './state.js'

/** "I hold these operations and everything before them." */
export interface Have {
  /** The sender's heads. */
  heads: Uint8Array[]
  /** Older operations the sender holds, so a receiver that lacks the heads finds common ground. */
  known: Uint8Array[]
}

/** Default number of `known` ids in a Have (covers a storage order of 2^16 operations). */
export const DEFAULT_KNOWN = 16

/** What this state holds, to send to a peer. */
export function haveOf(state: MembershipState, maxKnown = DEFAULT_KNOWN): Have {
  const heads = state.heads()
  const dag = state.dag
  const size = dag.ids.length
  const headSet = new Set(dag.graph.headPositions())
  const known: Uint8Array[] = []
  for (let step = 1; known.length < maxKnown && size - 1 - step >= 0; step *= 2) {
    const pos = size - 1 - step
    if (!headSet.has(pos)) known.push(dag.ids[pos]!)
  }
  return { heads, known }
}

/**
 * The operations this state holds that a peer with `remote` does not certainly hold, each
 * after its dependencies. Exact when the remote's heads are all known here; otherwise it may
 * include operations the remote holds between the newest `known` id recognised and its heads.
 */
export function operationsFor(state: MembershipState, remote: Have): Uint8Array[] {
  const dag = state.dag
  const size = dag.ids.length
  const covered = new Uint8Array(size)
  const stack: number[] = []
  for (const id of [...remote.heads, ...remote.known]) {
    const pos = dag.position(id)
    if (pos !== undefined && covered[pos] === 0) {
      covered[pos] = 1
      stack.push(pos)
    }
  }
  while (stack.length > 0) {
    for (const d of dag.graph.deps[stack.pop()!]!) {
      if (covered[d] === 0) {
        covered[d] = 1
        stack.push(d)
      }
    }
  }
  const out: Uint8Array[] = []
  for (let p = 0; p < size; p++) if (covered[p] === 0) out.push(dag.bytes[p]!)
  return out
}

/** The operations among `ids` this state holds, in storage order. */
export function operationsWanted(state: MembershipState, ids: readonly Uint8Array[]): Uint8Array[] {
  const dag = state.dag
  const positions = ids.map((id) => dag.position(id)).filter((p) => p !== undefined)
  return [...new Set(positions)].sort((a, b) => a - b).map((p) => dag.bytes[p]!)
}

// ---------------------------------------------------------------- wire forms (14.2)

export interface SyncMessageLimits {
  maxMessageBytes: number
  maxEntriesPerMessage: number
  maxOperationBytes: number
}

const SYNC_LIMITS: SyncMessageLimits = {
  maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes,
  maxEntriesPerMessage: DEFAULT_LIMITS.maxEntriesPerMessage,
  maxOperationBytes: 4096,
}

function idsLength(ids: readonly Uint8Array[]): number {
  return uintEncodingLength(ids.length) + ids.length * ID_BYTES
}

function putIds(state: { start: number; end: number; buffer: Uint8Array }, ids: Uint8Array[]) {
  c.uint.encode(state, ids.length)
  for (const id of ids) {
    assertKey(id, 'id')
    state.buffer.set(id, state.start)
    state.start += ID_BYTES
  }
}

/** Have: flags (0), heads array<fixed32>, known array<fixed32>. */
export function encodeHave(have: Have): Uint8Array {
  const length = 1 + idsLength(have.heads) + idsLength(have.known)
  const state = { start: 0, end: length, buffer: new Uint8Array(length) }
  c.uint.encode(state, 0)
  putIds(state, have.heads)
  putIds(state, have.known)
  return state.buffer
}

export function decodeHave(bytes: Uint8Array, limits: SyncMessageLimits = SYNC_LIMITS): Have {
  const state = beginDecode(bytes, limits.maxMessageBytes)
  readFlags(state, 0, 'have flags')
  const read = (field: string) => {
    const count = readCount(state, limits.maxEntriesPerMessage, field)
    const ids: Uint8Array[] = []
    for (let i = 0; i < count; i++) ids.push(readKey(state, field))
    return ids
  }
  const heads = read('have heads')
  const known = read('have known')
  checkNoTrailingBytes(state)
  return { heads, known }
}

/** Want: flags (0), ids array<fixed32>. */
export function encodeWant(ids: Uint8Array[]): Uint8Array {
  const length = 1 + idsLength(ids)
  const state = { start: 0, end: length, buffer: new Uint8Array(length) }
  c.uint.encode(state, 0)
  putIds(state, ids)
  return state.buffer
}

export function decodeWant(
  bytes: Uint8Array,
  limits: SyncMessageLimits = SYNC_LIMITS,
): Uint8Array[] {
  const state = beginDecode(bytes, limits.maxMessageBytes)
  readFlags(state, 0, 'want flags')
  const count = readCount(state, limits.maxEntriesPerMessage, 'want ids')
  const ids: Uint8Array[] = []
  for (let i = 0; i < count; i++) ids.push(readKey(state, 'want ids'))
  checkNoTrailingBytes(state)
  return ids
}

/**
 * Operations messages: flags (0), operations array<buffer>, split so each message stays
 * within maxEntriesPerMessage operations and maxMessageBytes bytes.
 */
export function encodeOperationsMessages(
  operations: readonly Uint8Array[],
  limits: SyncMessageLimits = SYNC_LIMITS,
): Uint8Array[] {
  const messages: Uint8Array[] = []
  const header = 1 + uintEncodingLength(limits.maxEntriesPerMessage)
  let batch: Uint8Array[] = []
  let bytes = header
  const flush = () => {
    let length = 1 + uintEncodingLength(batch.length)
    for (const op of batch) length += uintEncodingLength(op.byteLength) + op.byteLength
    const state = { start: 0, end: length, buffer: new Uint8Array(length) }
    c.uint.encode(state, 0)
    c.uint.encode(state, batch.length)
    for (const op of batch) bytesField.encode(state, op)
    messages.push(state.buffer)
    batch = []
    bytes = header
  }
  for (const op of operations) {
    if (op.byteLength > limits.maxOperationBytes) {
      throw invalidArgument(
        `an operation is ${op.byteLength} bytes, limit ${limits.maxOperationBytes}`,
      )
    }
    const size = uintEncodingLength(op.byteLength) + op.byteLength
    const full =
      batch.length === limits.maxEntriesPerMessage || bytes + size > limits.maxMessageBytes
    if (batch.length > 0 && full) flush()
    batch.push(op)
    bytes += size
  }
  if (batch.length > 0 || messages.length === 0) flush()
  return messages
}

export function decodeOperationsMessage(
  bytes: Uint8Array,
  limits: SyncMessageLimits = SYNC_LIMITS,
): Uint8Array[] {
  const state = beginDecode(bytes, limits.maxMessageBytes)
  readFlags(state, 0, 'operations flags')
  const count = readCount(state, limits.maxEntriesPerMessage, 'operations')
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push(readBytes(state, limits.maxOperationBytes, 'operation'))
  checkNoTrailingBytes(state)
  return out
}
