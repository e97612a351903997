/**
 * A hash table from 32-byte feed keys to records, in insertion order. It hashes the key bytes
 * in place into an integer, so looking a key up allocates nothing: a Map keyed by a string of
 * the bytes must build and hash a new string for every lookup, which made it the largest cost
 * of a 100k-key exchange.
 *
 * Hash flooding: keys are chosen by the remote and this hash is public (a sans-IO session has no
 * randomness to seed it), so a remote can make any number of keys share a slot. Nor would a
 * Map<number, ...> help: the engine hashes integer keys without a seed. So every key must lie
 * within MAX_PROBES slots of its home slot; a key that finds those slots taken goes to an
 * overflow Map keyed by keyId, whose string hashing the engine seeds per process. A lookup
 * therefore costs at most MAX_PROBES slot checks plus one Map lookup, whatever keys the remote
 * picks, and honest (random) keys almost never reach the overflow.
 */
import { keyId, keyIdAt, sameKeyAt } from './key-id.js'

/** Slots checked from a key's home slot before it goes to the overflow Map. */
const MAX_PROBES = 16
const INITIAL_BITS = 6

/** 32-bit mix of the 8 little-endian words of bytes[at, at + 32) (murmur3-style steps). */
export function hashAt(b: Uint8Array, at: number): number {
  let h = 0x2545f491
  for (let i = at; i < at + 32; i += 4) {
    const word = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
    h = Math.imul(h ^ word, 0xcc9e2d51)
    h = (h << 15) | (h >>> 17)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Records with a 32-byte `key`, found by key bytes; keys are never removed. */
export class KeyTable<T extends { readonly key: Uint8Array }> {
  /** Records in insertion order. */
  readonly #ordered: T[] = []
  /**
   * Two int32 per slot: the key's hash with bit 0 set (0 = empty slot), and the record's index
   * in #ordered. Plain integers, so the garbage collector never scans the table.
   */
  #slots = new Int32Array(2 << INITIAL_BITS)
  #bits = INITIAL_BITS
  /** keyId -> index in #ordered, for keys whose probe window was full. */
  #overflow = new Map<string, number>()

  get size(): number {
    return this.#ordered.length
  }

  /** Records in insertion order (do not modify). */
  values(): readonly T[] {
    return this.#ordered
  }

  /** The record of `key` (32 bytes), if any. */
  get(key: Uint8Array): T | undefined {
    return this.getAt(key, 0)
  }

  /** The record of the key at bytes[at, at + 32), if any. */
  getAt(bytes: Uint8Array, at: number): T | undefined {
    const tag = hashAt(bytes, at) | 1
    const slots = this.#slots
    const mask = (1 << this.#bits) - 1
    let slot = tag >>> (32 - this.#bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const slotTag = slots[slot * 2]!
      if (slotTag === 0) return undefined
      if (slotTag === tag) {
        const record = this.#ordered[slots[slot * 2 + 1]!]!
        if (sameKeyAt(record.key, bytes, at)) return record
      }
      slot = (slot + 1) & mask
    }
    if (this.#overflow.size === 0) return undefined
    const index = this.#overflow.get(keyIdAt(bytes, at))
    return index === undefined ? undefined : this.#ordered[index]
  }

  /** Adds a record whose key is not in the table yet (the caller looked it up first). */
  add(record: T): void {
    this.#ordered.push(record)
    // Load factor at most 1/2 keeps probe runs short.
    if (this.#ordered.length * 2 > 1 << this.#bits) this.#rebuild(this.#bits + 1)
    else this.#place(record, this.#ordered.length - 1)
  }

  #place(record: T, index: number, tag = hashAt(record.key, 0) | 1): void {
    const slots = this.#slots
    const mask = (1 << this.#bits) - 1
    let slot = tag >>> (32 - this.#bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      if (slots[slot * 2] === 0) {
        slots[slot * 2] = tag
        slots[slot * 2 + 1] = index
        return
      }
      slot = (slot + 1) & mask
    }
    this.#overflow.set(keyId(record.key), index)
  }

  /** Moves every record into a table of 2^bits slots (reusing the hashes the slots hold). */
  #rebuild(bits: number): void {
    const old = this.#slots
    const overflow = this.#overflow
    const ordered = this.#ordered
    this.#bits = bits
    this.#slots = new Int32Array(2 << bits)
    this.#overflow = new Map()
    for (let slot = 0; slot < old.length; slot += 2) {
      const tag = old[slot]!
      if (tag !== 0) this.#place(ordered[old[slot + 1]!]!, old[slot + 1]!, tag)
    }
    for (const index of overflow.values()) this.#place(ordered[index]!, index)
    // The record that triggered the rebuild is in neither yet.
    this.#place(ordered[ordered.length - 1]!, ordered.length - 1)
  }
}
