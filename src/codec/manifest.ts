/** Type 0 Manifest: an offer of feeds (spec: Manifest). */
import c from 'compact-encoding'
import { EntryFlags, type Limits } from './constants.js'
import { EntryBlock } from './entry-block.js'
import { KeyBlock } from './key-block.js'
import { resolveLimits } from './limits.js'
import type { Manifest, ManifestEntry } from './messages.js'
import {
  assertBoolean,
  assertBytes,
  assertKey,
  assertUint,
  bytesField,
  checkMessageSize,
  checkNoTrailingBytes,
  type DecodeState,
  type EncodeState,
  KEY_BYTES,
  readBool,
  readBytes,
  readCount,
  readFlags,
  readKey,
  readUint,
  uintEncodingLength,
} from './primitives.js'
import { invalidMessage } from './usage-error.js'

export function preencodeManifest(state: EncodeState, m: Manifest, limits: Readonly<Limits>): void {
  assertBoolean(m.more, 'manifest more')
  const { count, keys, lengths, data } = entryColumns(m.entries)
  if (count > limits.maxEntriesPerMessage) {
    throw invalidMessage(`manifest has ${count} entries, limit ${limits.maxEntriesPerMessage}`)
  }
  state.end += 1 // more
  c.uint.preencode(state, count)
  // Keys need no check: the block's shape makes each one 32 bytes.
  state.end += keys.byteLength
  for (let i = 0; i < count; i++) {
    state.end += entryFieldsLength(lengths[i]!, data === null ? null : data[i]!, limits)
  }
}

/** The columns of an EntryBlock, checked by shape (a block from another copy of this package works). */
function entryColumns(entries: EntryBlock): {
  count: number
  keys: Uint8Array
  lengths: Float64Array
  data: readonly (Uint8Array | null)[] | null
} {
  const block = entries as Partial<EntryBlock> | null
  const keys = block?.keys?.bytes
  const lengths = block?.lengths
  const data = block?.data ?? null
  if (
    !(keys instanceof Uint8Array) ||
    !(lengths instanceof Float64Array) ||
    keys.byteLength !== lengths.length * KEY_BYTES ||
    (data !== null && (!Array.isArray(data) || data.length !== lengths.length))
  ) {
    throw invalidMessage('manifest entries must be an EntryBlock')
  }
  return { count: lengths.length, keys, lengths, data }
}

/**
 * Encoded bytes of one entry (validating it), so a sender can split a batch by
 * maxMessageBytes without encoding it twice. A Manifest is 1 byte (more) + the uint entry
 * count + its entries.
 */
export function manifestEntryEncodingLength(
  entry: ManifestEntry,
  overrides?: Partial<Limits>,
): number {
  if (entry === null || typeof entry !== 'object') {
    throw invalidMessage('manifest entry must be an object')
  }
  assertKey(entry.key, 'manifest entry key')
  return KEY_BYTES + entryFieldsLength(entry.length, entry.data, resolveLimits(overrides))
}

/** Encoded bytes of an entry's fields but its key (validating them). */
function entryFieldsLength(
  length: number,
  data: Uint8Array | null,
  limits: Readonly<Limits>,
): number {
  assertUint(length, 'manifest entry length')
  // flags (always 1 byte: bit 0 only) + length
  let bytes = 1 + uintEncodingLength(length)
  if (data !== null) {
    assertBytes(data, limits.maxEntryDataBytes, 'manifest entry data')
    bytes += uintEncodingLength(data.byteLength) + data.byteLength
  }
  return bytes
}

export function encodeManifestFields(state: EncodeState, m: Manifest): void {
  const buf = state.buffer!
  buf[state.start++] = m.more ? 1 : 0
  const { count, keys, lengths, data } = entryColumns(m.entries)
  c.uint.encode(state, count)
  if (data === null && allShortLengths(lengths)) {
    encodeUniformEntries(buf, state.start, keys, lengths)
    state.start += count * UNIFORM_ENTRY_BYTES
    return
  }
  for (let i = 0; i < count; i++) {
    const entryData = data === null ? null : data[i]!
    let at = state.start
    buf[at++] = entryData === null ? 0 : EntryFlags.Data
    // Byte by byte: a subarray per key would allocate an object per entry.
    const from = i * KEY_BYTES
    for (let j = 0; j < KEY_BYTES; j++) buf[at + j] = keys[from + j]!
    at += KEY_BYTES
    const length = lengths[i]!
    if (length <= 0xfc) {
      buf[at++] = length
      state.start = at
    } else {
      state.start = at
      c.uint.encode(state, length)
    }
    if (entryData !== null) bytesField.encode(state, entryData)
  }
}

/** Bytes of an entry without data whose length fits one byte: flags, key, length. */
const UNIFORM_ENTRY_BYTES = 1 + KEY_BYTES + 1

function allShortLengths(lengths: Float64Array): boolean {
  for (let i = 0; i < lengths.length; i++) if (lengths[i]! > 0xfc) return false
  return true
}

/**
 * The common Manifest (no data, every length below 0xfd) has entries of 34 bytes: the keys go
 * in with one copy and are spread to their places from the last one down (copyWithin moves
 * memory without allocating; about twice as fast as copying byte by byte).
 */
function encodeUniformEntries(
  buf: Uint8Array,
  at: number,
  keys: Uint8Array,
  lengths: Float64Array,
): void {
  buf.set(keys, at)
  for (let i = lengths.length - 1; i >= 0; i--) {
    const entry = at + i * UNIFORM_ENTRY_BYTES
    const key = at + i * KEY_BYTES
    buf.copyWithin(entry + 1, key, key + KEY_BYTES)
    buf[entry] = 0
    buf[entry + 1 + KEY_BYTES] = lengths[i]!
  }
}

export function decodeManifestFields(state: DecodeState, limits: Readonly<Limits>): Manifest {
  const layout = readManifestLayout(state, limits)
  const { count, keyOffsets } = layout
  const buf = state.buffer
  // The keys sit between other fields: gathered into one block.
  let keys: Uint8Array
  const entriesStart = count === 0 ? state.start : keyOffsets[0]! - 1
  // Entries without data take at least 34 bytes each, so this many bytes means every one is 34.
  if (layout.data === null && state.start - entriesStart === count * UNIFORM_ENTRY_BYTES) {
    // One copy, then the keys are moved together from the first up (no allocation per key).
    keys = buf.slice(entriesStart + 1, entriesStart + count * UNIFORM_ENTRY_BYTES)
    for (let i = 1; i < count; i++) {
      keys.copyWithin(i * KEY_BYTES, i * UNIFORM_ENTRY_BYTES, i * UNIFORM_ENTRY_BYTES + KEY_BYTES)
    }
    keys = keys.subarray(0, count * KEY_BYTES)
  } else {
    keys = new Uint8Array(count * KEY_BYTES)
    for (let i = 0; i < count; i++) {
      const from = keyOffsets[i]!
      const to = i * KEY_BYTES
      for (let j = 0; j < KEY_BYTES; j++) keys[to + j] = buf[from + j]!
    }
  }
  const entries = new EntryBlock(new KeyBlock(keys), layout.lengths, layout.data)
  return { type: 'manifest', more: layout.more, entries }
}

/**
 * A decoded Manifest with its entries left in the message bytes: entry i has its key at
 * `bytes[keyOffsets[i], keyOffsets[i] + 32)`, its length in `lengths[i]`, and its data in
 * `data[i]` (`data` is null when no entry has data). No object per entry.
 */
export interface ManifestLayout {
  type: 'manifest'
  more: boolean
  /**
   * The input itself, not a copy (like KeyList): the keys and the data views point into it,
   * so copy what you keep before the caller reuses its buffer.
   */
  bytes: Uint8Array
  count: number
  keyOffsets: Int32Array
  lengths: Float64Array
  data: (Uint8Array | null)[] | null
}

/**
 * Strictly decodes a whole Manifest body like decodeMessage (same checks, same errors) into a
 * ManifestLayout: for a receiver that looks keys up and keeps few of them.
 */
export function decodeManifestLayout(bytes: Uint8Array, limits: Readonly<Limits>): ManifestLayout {
  checkMessageSize(bytes, limits.maxMessageBytes)
  const state: DecodeState = { start: 0, end: bytes.byteLength, buffer: bytes }
  const layout = readManifestLayout(state, limits)
  checkNoTrailingBytes(state)
  return layout
}

function readManifestLayout(state: DecodeState, limits: Readonly<Limits>): ManifestLayout {
  const more = readBool(state, 'manifest more')
  const count = readCount(state, limits.maxEntriesPerMessage, 'manifest entries')
  const keyOffsets = new Int32Array(count)
  const lengths = new Float64Array(count)
  let data: (Uint8Array | null)[] | null = null
  const buf = state.buffer
  for (let i = 0; i < count; i++) {
    const at = state.start
    // Fast path for the common entry (no data, 1-byte length): same checks, fewer calls.
    if (state.end - at >= 34 && buf[at] === 0 && buf[at + 33]! <= 0xfc) {
      keyOffsets[i] = at + 1
      lengths[i] = buf[at + 33]!
      state.start = at + 34
      continue
    }
    const flags = readFlags(state, EntryFlags.Data, 'manifest entry flags')
    keyOffsets[i] = state.start
    readKey(state, 'manifest entry key')
    lengths[i] = readUint(state, 'manifest entry length')
    if (flags & EntryFlags.Data) {
      if (data === null) data = new Array(count).fill(null)
      data[i] = readBytes(state, limits.maxEntryDataBytes, 'manifest entry data')
    }
  }
  return { type: 'manifest', more, bytes: buf, count, keyOffsets, lengths, data }
}
