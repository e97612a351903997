/**
 * Manifest entries (key, length, data) held as columns: the keys as one KeyBlock, the lengths
 * in a Float64Array and the data in an array only when some entry has data. Manifests and the
 * session's `add-feeds` action carry their entries this way, so 100,000 entries are a few
 * allocations instead of an object per entry. Iterating it, `at` and `map` give each entry as
 * an object.
 */
import { KeyBlock } from './key-block.js'
import type { ManifestEntry } from './messages.js'
import { KEY_BYTES } from './primitives.js'
import { invalidMessage } from './usage-error.js'

/** Entries as columns. Iterable; `at(i)`, `map` and `slice` as on an array of ManifestEntry. */
export class EntryBlock implements Iterable<ManifestEntry> {
  readonly keys: KeyBlock
  /** Length of each entry. */
  readonly lengths: Float64Array
  /** Data of each entry (null where it has none), or null when no entry has data. */
  readonly data: readonly (Uint8Array | null)[] | null

  /**
   * Wraps the columns (not copies).
   * @throws MultifeedError ERR_INVALID_MESSAGE when their lengths differ.
   */
  constructor(
    keys: KeyBlock,
    lengths: Float64Array,
    data: readonly (Uint8Array | null)[] | null = null,
  ) {
    // By shape, not instanceof KeyBlock, so a block from another copy of this package works.
    if (!(keys?.bytes instanceof Uint8Array) || !(lengths instanceof Float64Array)) {
      throw invalidMessage('an entry block is a KeyBlock and a Float64Array of lengths')
    }
    if (lengths.length !== keys.length || (data !== null && data.length !== keys.length)) {
      throw invalidMessage('an entry block needs one length (and one data) per key')
    }
    this.keys = keys
    this.lengths = lengths
    // One form for "no data", so equal blocks compare equal.
    this.data = data?.some((item) => item !== null) ? data : null
  }

  /**
   * A block of these entries: a copy of each key, its length and its data (not copied), in order.
   * @throws MultifeedError ERR_INVALID_MESSAGE when a key is not a 32-byte Uint8Array or a
   *   length not a number (the encoder checks the rest).
   */
  static from(entries: Iterable<ManifestEntry>): EntryBlock {
    const list = [...entries]
    const lengths = new Float64Array(list.length)
    for (let i = 0; i < list.length; i++) {
      const length = list[i]?.length
      // A Float64Array would turn anything into a number: keep what the encoder must refuse.
      if (typeof length !== 'number') throw invalidMessage(`entry ${i} length must be a number`)
      lengths[i] = length
    }
    return new EntryBlock(
      KeyBlock.from(list.map((entry) => entry.key)),
      lengths,
      list.map((entry) => entry.data),
    )
  }

  /** A block of no entries (held for good, like KeyBlock.empty, which explains why). */
  static readonly empty: EntryBlock = new EntryBlock(KeyBlock.empty, new Float64Array(0))

  /** Number of entries. */
  get length(): number {
    return this.lengths.length
  }

  /** Entry `index` (negative counts from the end), its key a view of the key block, or undefined. */
  at(index: number): ManifestEntry | undefined {
    const key = this.keys.at(index)
    if (key === undefined) return undefined
    const i = Math.trunc(index) + (index < 0 ? this.length : 0)
    return { key, length: this.lengths[i]!, data: this.data?.[i] ?? null }
  }

  /** Entries `start` up to `end` (not included; both 0 to length), sharing this block's memory. */
  slice(start: number, end: number = this.length): EntryBlock {
    const { bytes } = this.keys
    return new EntryBlock(
      new KeyBlock(bytes.subarray(start * KEY_BYTES, end * KEY_BYTES)),
      this.lengths.subarray(start, end),
      this.data?.slice(start, end) ?? null,
    )
  }

  /** The entries in order. */
  *[Symbol.iterator](): IterableIterator<ManifestEntry> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!
  }

  /** Like Array#map over the entries. */
  map<T>(fn: (entry: ManifestEntry, index: number) => T): T[] {
    const out: T[] = new Array(this.length)
    for (let i = 0; i < out.length; i++) out[i] = fn(this.at(i)!, i)
    return out
  }
}
