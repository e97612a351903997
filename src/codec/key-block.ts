/**
 * A list of 32-byte keys held as one contiguous block: key i is `bytes[32 i, 32 i + 32)`.
 * Requests, Replicates and the session's per-key actions carry their keys this way, so a list
 * of 100,000 keys is one allocation instead of one object per key. Iterating it, `at` and
 * `map` give each key as a view of the block.
 */
import { KEY_BYTES } from './primitives.js'
import { invalidMessage } from './usage-error.js'

/** Keys as one block of `length * 32` bytes. Iterable; `at(i)` and `map` as on an array. */
export class KeyBlock implements Iterable<Uint8Array> {
  /** The keys back to back (32 bytes each). Views of it share its memory. */
  readonly bytes: Uint8Array

  /**
   * Wraps `bytes` (not a copy) as a list of keys.
   * @throws MultifeedError ERR_INVALID_MESSAGE when `bytes` is not a Uint8Array of a
   *   multiple of 32 bytes.
   */
  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array) || bytes.byteLength % KEY_BYTES !== 0) {
      throw invalidMessage('a key block must be a Uint8Array of a multiple of 32 bytes')
    }
    // A plain Uint8Array even over a Node Buffer, so equal blocks compare equal.
    this.bytes =
      bytes.constructor === Uint8Array
        ? bytes
        : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /**
   * A block holding a copy of each key, in order.
   * @throws MultifeedError ERR_INVALID_MESSAGE when a key is not a 32-byte Uint8Array.
   */
  static from(keys: Iterable<Uint8Array> | ArrayLike<Uint8Array>): KeyBlock {
    const list = Array.isArray(keys)
      ? (keys as Uint8Array[])
      : Array.from(keys as Iterable<Uint8Array>)
    const bytes = new Uint8Array(list.length * KEY_BYTES)
    for (let i = 0; i < list.length; i++) {
      const key = list[i]
      if (!(key instanceof Uint8Array) || key.byteLength !== KEY_BYTES) {
        throw invalidMessage(`key ${i} must be a 32-byte Uint8Array`)
      }
      bytes.set(key, i * KEY_BYTES)
    }
    return new KeyBlock(bytes)
  }

  /**
   * A block of no keys. (Holding one instance for good also keeps the engine's object shape
   * of blocks alive: when every block died in a full garbage collection, code specialised for
   * blocks was thrown away and compiled again on the next message.)
   */
  static readonly empty: KeyBlock = new KeyBlock(new Uint8Array(0))

  /** Number of keys. */
  get length(): number {
    return this.bytes.byteLength / KEY_BYTES
  }

  /** Key `index` (negative counts from the end) as a view of the block, or undefined. */
  at(index: number): Uint8Array | undefined {
    const i = Math.trunc(index) + (index < 0 ? this.length : 0)
    if (!(i >= 0 && i < this.length)) return undefined
    return this.bytes.subarray(i * KEY_BYTES, i * KEY_BYTES + KEY_BYTES)
  }

  /** The keys in order, each a view of the block. */
  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    const { bytes } = this
    for (let at = 0; at < bytes.byteLength; at += KEY_BYTES) {
      yield bytes.subarray(at, at + KEY_BYTES)
    }
  }

  /** Like Array#map over the keys (each a view of the block). */
  map<T>(fn: (key: Uint8Array, index: number) => T): T[] {
    const out: T[] = new Array(this.length)
    for (let i = 0; i < out.length; i++) {
      out[i] = fn(this.bytes.subarray(i * KEY_BYTES, i * KEY_BYTES + KEY_BYTES), i)
    }
    return out
  }
}
