/** Type 0 Manifest: an offer of feeds (spec: Manifest). */
import c from 'compact-encoding'
import { EntryFlags, type Limits } from './constants.js'
import { resolveLimits } from './limits.js'
import type { Manifest, ManifestEntry } from './messages.js'
import {
  assertBoolean,
  assertBytes,
  assertKey,
  assertUint,
  beginDecode,
  bytesField,
  checkNoTrailingBytes,
  type DecodeState,
  type EncodeState,
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
  const entries = m.entries
  if (!Array.isArray(entries)) throw invalidMessage('manifest entries must be an array')
  if (entries.length > limits.maxEntriesPerMessage) {
    throw invalidMessage(
      `manifest has ${entries.length} entries, limit ${limits.maxEntriesPerMessage}`,
    )
  }
  state.end += 1 // more
  c.uint.preencode(state, entries.length)
  for (let i = 0; i < entries.length; i++) {
    state.end += entryEncodingLength(entries[i]!, limits)
  }
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
  return entryEncodingLength(entry, resolveLimits(overrides))
}

function entryEncodingLength(entry: ManifestEntry, limits: Readonly<Limits>): number {
  if (entry === null || typeof entry !== 'object') {
    throw invalidMessage('manifest entry must be an object')
  }
  assertKey(entry.key, 'manifest entry key')
  assertUint(entry.length, 'manifest entry length')
  // flags (always 1 byte: bit 0 only) + key + length
  let bytes = 1 + 32 + uintEncodingLength(entry.length)
  if (entry.data !== null) {
    assertBytes(entry.data, limits.maxEntryDataBytes, 'manifest entry data')
    bytes += uintEncodingLength(entry.data.byteLength) + entry.data.byteLength
  }
  return bytes
}

export function encodeManifestFields(state: EncodeState, m: Manifest): void {
  const buf = state.buffer!
  buf[state.start++] = m.more ? 1 : 0
  const entries = m.entries
  c.uint.encode(state, entries.length)
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    buf[state.start++] = entry.data === null ? 0 : EntryFlags.Data
    buf.set(entry.key, state.start)
    state.start += 32
    if (entry.length <= 0xfc) buf[state.start++] = entry.length
    else c.uint.encode(state, entry.length)
    if (entry.data !== null) bytesField.encode(state, entry.data)
  }
}

export function decodeManifestFields(state: DecodeState, limits: Readonly<Limits>): Manifest {
  const layout = readManifestLayout(state, limits)
  const { count, keyOffsets, lengths, data } = layout
  const arrayBuffer = state.buffer.buffer
  const base = state.buffer.byteOffset
  const entries: ManifestEntry[] = new Array(count)
  for (let i = 0; i < count; i++) {
    entries[i] = {
      key: new Uint8Array(arrayBuffer, base + keyOffsets[i]!, 32),
      length: lengths[i]!,
      data: data === null ? null : data[i]!,
    }
  }
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
  /** A private copy of the input: views into it may be kept. */
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
  const state = beginDecode(bytes, limits.maxMessageBytes)
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
