/**
 * Splitting our own Manifests and Requests so that each one fits the limits the remote
 * enforces (spec: Limits): at most maxEntriesPerMessage entries and maxMessageBytes bytes.
 * Sizes are computed from the wire layout, without building or encoding anything: entries come
 * from records the session validated when the feed entered it (key, length, data size).
 */
import type { Limits } from '../codec/constants.js'
import type { Manifest, ManifestEntry } from '../codec/messages.js'
import { uintEncodingLength } from '../codec/primitives.js'

const KEY_BYTES = 32
/** `flags` of a Request or a Replicate: one byte while only low bits are defined. */
const FLAGS_BYTES = 1
/** `more` of a Manifest. */
const BOOL_BYTES = 1
/** An entry's `flags`: one byte while only bit 0 is defined. */
const ENTRY_FLAGS_BYTES = 1

/** Encoded bytes of one Manifest entry (flags, key, length, optional data). */
function entryBytes(entry: ManifestEntry): number {
  const data = entry.data
  const dataBytes = data === null ? 0 : uintEncodingLength(data.byteLength) + data.byteLength
  return ENTRY_FLAGS_BYTES + KEY_BYTES + uintEncodingLength(entry.length) + dataBytes
}

/**
 * One offer batch as Manifests: every Manifest but the last has more=true. An empty batch is
 * one empty Manifest with more=false (the remote needs it to settle remote-feeds and synced).
 * Greedy: a Manifest ends when one more entry would pass either limit. A Manifest always holds
 * at least one entry, so an entry too large on its own still goes out (and the remote rejects it).
 */
export function chunkManifests(
  entries: readonly ManifestEntry[],
  limits: Readonly<Limits>,
): Manifest[] {
  const maxEntries = Math.max(1, limits.maxEntriesPerMessage)
  const manifests: Manifest[] = []
  let start = 0
  let bodyBytes = 0
  for (let i = 0; i < entries.length; i++) {
    const size = entryBytes(entries[i]!)
    const count = i - start + 1
    const total = BOOL_BYTES + uintEncodingLength(count) + bodyBytes + size
    if (count > 1 && (count > maxEntries || total > limits.maxMessageBytes)) {
      manifests.push({ type: 'manifest', more: true, entries: entries.slice(start, i) })
      start = i
      bodyBytes = 0
    }
    bodyBytes += size
  }
  const last = start === 0 ? entries : entries.slice(start)
  manifests.push({ type: 'manifest', more: false, entries: last as ManifestEntry[] })
  return manifests
}

/** Keys (or anything standing for one key each) split into groups that each fit one Request. */
export function chunkKeys<T>(keys: readonly T[], limits: Readonly<Limits>): T[][] {
  if (keys.length === 0) return []
  const perChunk = keysPerRequest(limits)
  if (keys.length <= perChunk) return [keys as T[]]
  const chunks: T[][] = []
  for (let start = 0; start < keys.length; start += perChunk) {
    chunks.push(keys.slice(start, start + perChunk))
  }
  return chunks
}

/** The most keys one Request may carry (at least 1): keys are fixed-size, so this is arithmetic. */
function keysPerRequest(limits: Readonly<Limits>): number {
  const maxEntries = Math.max(1, limits.maxEntriesPerMessage)
  let count = Math.floor((limits.maxMessageBytes - FLAGS_BYTES - 1) / KEY_BYTES)
  // The count's own varint grows with it: step down until the whole Request fits.
  while (
    count > 1 &&
    FLAGS_BYTES + uintEncodingLength(count) + count * KEY_BYTES > limits.maxMessageBytes
  ) {
    count--
  }
  return Math.max(1, Math.min(count, maxEntries))
}
