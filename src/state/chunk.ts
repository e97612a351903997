/**
 * Splitting our own offer batches into Manifests that each fit the limits the remote enforces
 * (spec: Limits): at most maxEntriesPerMessage entries and maxMessageBytes bytes. Sizes are
 * computed from the wire layout, without building or encoding anything: entries come from
 * records the session validated when the feed entered it (key, length, data size).
 *
 * Requests need no splitting: a Request lists wanted keys of one Manifest that fit our limits,
 * and it is never larger than that Manifest (spec section 7.6, step 3).
 */
import type { Limits } from '../codec/constants.js'
import type { EntryBlock } from '../codec/entry-block.js'
import type { Manifest } from '../codec/messages.js'
import { uintEncodingLength } from '../codec/primitives.js'

const KEY_BYTES = 32
/** `more` of a Manifest. */
const BOOL_BYTES = 1
/** An entry's `flags`: one byte while only bit 0 is defined. */
const ENTRY_FLAGS_BYTES = 1
/** A `uint` in its longest form (values from 2^32 to 2^53 - 1). */
const LONGEST_UINT_BYTES = 9

/** Bytes of an entry's optional `data` field (length prefix and bytes), 0 when absent. */
function dataFieldBytes(data: Uint8Array | null): number {
  return data === null ? 0 : uintEncodingLength(data.byteLength) + data.byteLength
}

/**
 * Bytes of the largest Manifest holding only a feed with this data: its length in the longest
 * uint form, since a feed's length grows (local-length) without the session checking it again.
 * A feed is offerable under limits when this fits maxMessageBytes (spec section 8.1).
 */
export function largestOneEntryManifestBytes(data: Uint8Array | null): number {
  return (
    BOOL_BYTES +
    uintEncodingLength(1) +
    ENTRY_FLAGS_BYTES +
    KEY_BYTES +
    LONGEST_UINT_BYTES +
    dataFieldBytes(data)
  )
}

/**
 * One offer batch as Manifests: every Manifest but the last has more=true. An empty batch is
 * one empty Manifest with more=false (the remote needs it to settle remote-feeds and synced).
 * Greedy: a Manifest ends when one more entry would pass either limit. Every entry fits a
 * Manifest of its own, because the session refuses feeds that do not (spec section 8.1).
 * The Manifests share the batch's memory.
 */
export function chunkManifests(entries: EntryBlock, limits: Readonly<Limits>): Manifest[] {
  const maxEntries = limits.maxEntriesPerMessage
  const { lengths, data } = entries
  const manifests: Manifest[] = []
  let start = 0
  let bodyBytes = 0
  for (let i = 0; i < lengths.length; i++) {
    // Encoded bytes of entry i (flags, key, length, optional data).
    const size =
      ENTRY_FLAGS_BYTES +
      KEY_BYTES +
      uintEncodingLength(lengths[i]!) +
      (data === null ? 0 : dataFieldBytes(data[i]!))
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
  manifests.push({ type: 'manifest', more: false, entries: last })
  return manifests
}
