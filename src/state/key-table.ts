/**
 * A hash index from 32-byte feed keys to ids 0, 1, 2, ... in insertion order. Keys are hashed
 * from their bytes in place, so a lookup allocates nothing (a Map keyed by a string of the bytes
 * must build and hash a new string for every lookup).
 *
 * Hash flooding: keys are chosen by the remote and this hash is public (a sans-IO session has no
 * randomness to seed it), so a remote can make any number of keys share a slot. Nor would a
 * Map<number, ...> help: the engine hashes integer keys without a seed. So every key must lie
 * within MAX_PROBES slots of its home slot; a key that finds those slots taken goes to an
 * overflow Map keyed by keyId, whose string hashing the engine seeds per process. A lookup
 * therefore costs at most MAX_PROBES slot checks plus one Map lookup, whatever keys the remote
 * picks, and honest (random) keys almost never reach the overflow.
 */
import { keyIdAt, sameKeyAt } from './key-id.js'

const KEY_BYTES = 32
/** Slots checked from a key's home slot before it goes to the overflow Map. */
const MAX_PROBES = 16
const INITIAL_BITS = 6
/** Returned by find for a key the table does not hold. */
export const NOT_FOUND = -1

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

/** Ids of 32-byte keys, in insertion order; keys are never removed. */
export class KeyTable {
  /**
   * Key of each id below #size, as added (never modified). Sized ahead by reserve: growing a
   * 100k-entry array one push at a time copies it several times over.
   */
  #keys: Uint8Array[] = new Array(1 << INITIAL_BITS)
  #size = 0
  /**
   * Two int32 per slot: the key's hash with bit 0 set (0 = empty slot), and its id. Plain
   * integers, so the garbage collector never scans the table.
   */
  #slots = new Int32Array(2 << INITIAL_BITS)
  #bits = INITIAL_BITS
  /** keyId -> id, for keys whose probe window was full. */
  #overflow = new Map<string, number>()

  /** Keys held (ids are 0 to size - 1). */
  get size(): number {
    return this.#size
  }

  /** The key of `id`. */
  key(id: number): Uint8Array {
    return this.#keys[id]!
  }

  /** Makes room for `count` more keys, so adding them does not rebuild the table. */
  reserve(count: number): void {
    const needed = this.size + count
    let bits = this.#bits
    // Load factor at most 1/2 keeps probe runs short.
    while (needed * 2 > 1 << bits) bits++
    if (bits !== this.#bits) this.#rebuild(bits)
    if (needed > this.#keys.length) this.#growKeys(needed)
  }

  /** The id of the key at bytes[at, at + 32), or NOT_FOUND. */
  find(bytes: Uint8Array, at: number): number {
    const tag = hashAt(bytes, at) | 1
    const slots = this.#slots
    const mask = (1 << this.#bits) - 1
    let slot = tag >>> (32 - this.#bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const slotTag = slots[slot * 2]!
      if (slotTag === 0) return NOT_FOUND
      if (slotTag === tag) {
        const id = slots[slot * 2 + 1]!
        if (this.keyEquals(id, bytes, at)) return id
      }
      slot = (slot + 1) & mask
    }
    return this.#overflow.get(keyIdAt(bytes, at)) ?? NOT_FOUND
  }

  /**
   * The id of the key at bytes[at, at + 32), added (as id `size`) if the table does not hold it.
   * A new key is kept as `key` when given (it must hold those bytes), else as a view of
   * bytes[at, at + 32), which must then never change. One probe run serves both the lookup and
   * the insertion.
   */
  findOrAdd(bytes: Uint8Array, at: number, key: Uint8Array | null): number {
    if ((this.size + 1) * 2 > 1 << this.#bits) this.#rebuild(this.#bits + 1)
    const tag = hashAt(bytes, at) | 1
    const slots = this.#slots
    const mask = (1 << this.#bits) - 1
    let slot = tag >>> (32 - this.#bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const slotTag = slots[slot * 2]!
      if (slotTag === 0) {
        const id = this.#append(bytes, at, key)
        slots[slot * 2] = tag
        slots[slot * 2 + 1] = id
        return id
      }
      if (slotTag === tag) {
        const id = slots[slot * 2 + 1]!
        if (this.keyEquals(id, bytes, at)) return id
      }
      slot = (slot + 1) & mask
    }
    const keyId = keyIdAt(bytes, at)
    const known = this.#overflow.get(keyId)
    if (known !== undefined) return known
    const id = this.#append(bytes, at, key)
    this.#overflow.set(keyId, id)
    return id
  }

  /** Whether id's key equals bytes[at, at + 32). */
  keyEquals(id: number, bytes: Uint8Array, at: number): boolean {
    return sameKeyAt(this.#keys[id]!, bytes, at)
  }

  #append(bytes: Uint8Array, at: number, key: Uint8Array | null): number {
    const id = this.#size++
    if (id === this.#keys.length) this.#growKeys(2 * id)
    this.#keys[id] = key ?? new Uint8Array(bytes.buffer, bytes.byteOffset + at, KEY_BYTES)
    return id
  }

  #growKeys(length: number): void {
    const keys: Uint8Array[] = new Array(length)
    for (let id = 0; id < this.#size; id++) keys[id] = this.#keys[id]!
    this.#keys = keys
  }

  /** Places id (whose key is already held) in the slots, or in the overflow Map. */
  #place(id: number, tag: number): void {
    const slots = this.#slots
    const mask = (1 << this.#bits) - 1
    let slot = tag >>> (32 - this.#bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      if (slots[slot * 2] === 0) {
        slots[slot * 2] = tag
        slots[slot * 2 + 1] = id
        return
      }
      slot = (slot + 1) & mask
    }
    this.#overflow.set(keyIdAt(this.#keys[id]!, 0), id)
  }

  /** Moves every key into a table of 2^bits slots (reusing the hashes the slots hold). */
  #rebuild(bits: number): void {
    const old = this.#slots
    const overflow = this.#overflow
    this.#bits = bits
    this.#slots = new Int32Array(2 << bits)
    this.#overflow = new Map()
    for (let slot = 0; slot < old.length; slot += 2) {
      const tag = old[slot]!
      if (tag !== 0) this.#place(old[slot + 1]!, tag)
    }
    for (const id of overflow.values()) this.#place(id, hashAt(this.#keys[id]!, 0) | 1)
  }
}
