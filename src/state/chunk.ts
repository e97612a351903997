/**
 * Splitting our own Manifests and Requests so that each one fits the limits the remote
 * enforces (spec: Limits): at most maxEntriesPerMessage entries and maxMessageBytes bytes.
 * Sizes come from src/codec's length functions; nothing is encoded twice.
 */
import c from 'compact-encoding'
import type { Limits } from '../codec/constants.js'
import { manifestEntryEncodingLength } from '../codec/manifest.js'
import type { Manifest, ManifestEntry } from '../codec/messages.js'

const KEY_BYTES = 32
/** `flags` of a Request or a Replicate: one byte while only low bits are defined. */
const FLAGS_BYTES = 1
/** `more` of a Manifest. */
const BOOL_BYTES = 1

/** Encoded length of a compact-encoding uint (an array count). */
function uintLength(n: number): number {
  const state = { start: 0, end: 0, buffer: null }
  c.uint.preencode(state, n)
  return state.end
}

/**
 * Greedy split of item sizes: a chunk ends when one more item would pass either limit.
 * A chunk always holds at least one item, so an item too large on its own still goes out
 * (the remote then rejects it: the caller validated sizes against the limits beforehand).
 */
function splitBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  headerBytes: number,
  limits: Readonly<Limits>,
): T[][] {
  const maxEntries = Math.max(1, limits.maxEntriesPerMessage)
  const chunks: T[][] = []
  let chunk: T[] = []
  let bodyBytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    const count = chunk.length + 1
    const total = headerBytes + uintLength(count) + bodyBytes + size
    if (chunk.length > 0 && (count > maxEntries || total > limits.maxMessageBytes)) {
      chunks.push(chunk)
      chunk = []
      bodyBytes = 0
    }
    chunk.push(item)
    bodyBytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

/**
 * One offer batch as Manifests: every Manifest but the last has more=true. An empty batch is
 * one empty Manifest with more=false (the remote needs it to settle remote-feeds and synced).
 */
export function chunkManifests(
  entries: readonly ManifestEntry[],
  limits: Readonly<Limits>,
): Manifest[] {
  const entryLength = (entry: ManifestEntry) => manifestEntryEncodingLength(entry, limits)
  const chunks = splitBySize(entries, entryLength, BOOL_BYTES, limits)
  if (chunks.length === 0) return [{ type: 'manifest', more: false, entries: [] }]
  return chunks.map((chunk, i) => ({
    type: 'manifest',
    more: i < chunks.length - 1,
    entries: chunk,
  }))
}

/** Keys (or anything standing for one key each) split into groups that each fit one Request. */
export function chunkKeys<T>(keys: readonly T[], limits: Readonly<Limits>): T[][] {
  return splitBySize(keys, () => KEY_BYTES, FLAGS_BYTES, limits)
}
