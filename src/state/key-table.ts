/**
 * A hash index from 32-byte feed keys to ids 0, 1, 2, ... in insertion order. Keys are hashed
 * from their bytes in place, so a lookup allocates nothing (a Map keyed by a string of the bytes
 * must build and hash a new string for every lookup). The keys themselves are copied into one
 * contiguous block (key of id i at 32 i), not kept as one object each: the garbage collector
 * never scans or copies them, and lists of keys are copied out of it in runs.
 *
 * Hash flooding: keys are chosen by the remote and this hash is public (a sans-IO session has no
 * randomness to seed it), so a remote can make any number of keys share a slot. Nor would a
 * Map<number, ...> help: the engine hashes integer keys without a seed. So every key must lie
 * within MAX_PROBES slots of its home slot; a key that finds those slots taken goes to an
 * overflow Map keyed by keyId, whose string hashing the engine seeds per process. A lookup
 * therefore costs at most MAX_PROBES slot checks plus one Map lookup, whatever keys the remote
 * picks, and honest (random) keys almost never reach the overflow.
 */
import { keyIdAt } from './key-id.js'

const KEY_BYTES = 32
/** Slots checked from a key's home slot before it goes to the overflow Map. */
const MAX_PROBES = 16
const INITIAL_BITS = 6
/** Returned by find for a key the table does not hold. */
export const NOT_FOUND = -1
/** Batches of at least this many keys are added in slot order (see findOrAddAll). */
const SLOT_ORDER_MIN = 1024
/** Slot order groups keys by the top bits of their home slot: at most 2^11 groups. */
const GROUP_BITS = 11
/** In a batch, an overflow entry claimed by batch key c holds claimedBy(c) until ids are known. */
const claimedBy = (c: number): number => -(c + 2)
/** Marks, in a batch, a key claimed in the overflow Map rather than in a slot. */
const IN_OVERFLOW = -2

// Keys are read, compared and copied as eight 32-bit words through a DataView (unaligned reads
// are fine), unrolled: about 10x faster than byte by byte, which was a large part of adding a
// 100k-key Manifest. The table's own copy is read as an Int32Array in the platform's order.
const PLATFORM_LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** A DataView over the whole of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** 32-bit mix of the 8 little-endian words of bytes[at, at + 32) (murmur3-style steps). */
export function hashAt(bytes: Uint8Array, at: number): number {
  return hashIn(viewOf(bytes), at)
}

/** hashAt of the key at `at` of a view. */
function hashIn(v: DataView, at: number): number {
  let h = 0x2545f491
  h = mixWord(h, v.getInt32(at, true))
  h = mixWord(h, v.getInt32(at + 4, true))
  h = mixWord(h, v.getInt32(at + 8, true))
  h = mixWord(h, v.getInt32(at + 12, true))
  h = mixWord(h, v.getInt32(at + 16, true))
  h = mixWord(h, v.getInt32(at + 20, true))
  h = mixWord(h, v.getInt32(at + 24, true))
  h = mixWord(h, v.getInt32(at + 28, true))
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

function mixWord(h: number, word: number): number {
  const mixed = Math.imul(h ^ word, 0xcc9e2d51)
  return (mixed << 15) | (mixed >>> 17)
}

/** keyIdAt of the key at `at` of a view (only for the overflow Map: rarely used). */
function keyIdIn(v: DataView, at: number): string {
  return keyIdAt(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at)
}

/** Whether the keys at `a` and `b` of a view are equal. */
function sameKeyIn(v: DataView, a: number, b: number): boolean {
  const le = PLATFORM_LITTLE_ENDIAN
  return (
    v.getInt32(a, le) === v.getInt32(b, le) &&
    v.getInt32(a + 4, le) === v.getInt32(b + 4, le) &&
    v.getInt32(a + 8, le) === v.getInt32(b + 8, le) &&
    v.getInt32(a + 12, le) === v.getInt32(b + 12, le) &&
    v.getInt32(a + 16, le) === v.getInt32(b + 16, le) &&
    v.getInt32(a + 20, le) === v.getInt32(b + 20, le) &&
    v.getInt32(a + 24, le) === v.getInt32(b + 24, le) &&
    v.getInt32(a + 28, le) === v.getInt32(b + 28, le)
  )
}

/** Ids of 32-byte keys, in insertion order; keys are never removed. */
export class KeyTable {
  /**
   * Key of each id below #size at bytes [32 id, 32 id + 32), never modified once written (so
   * views of it stay valid when it grows). Sized ahead by reserve.
   */
  #keys = new Uint8Array(KEY_BYTES << INITIAL_BITS)
  /** #keys as words (key of id i at words 8 i to 8 i + 7) and as a DataView. */
  #words = new Int32Array(this.#keys.buffer)
  #view = new DataView(this.#keys.buffer)
  #size = 0
  /**
   * One int32 per slot, 0 when empty: the low `bits` bits hold id + 1, the others the low
   * 32 - `bits` bits of the key's hash (its home slot comes from the top `bits`), so most
   * mismatches are told apart without reading the key. Plain integers, so the garbage
   * collector never scans the table; half the size of a separate hash and id.
   */
  #slots = new Int32Array(1 << INITIAL_BITS)
  #bits = INITIAL_BITS
  /** keyId -> id, for keys whose probe window was full. */
  #overflow = new Map<string, number>()

  /** Keys held (ids are 0 to size - 1). */
  get size(): number {
    return this.#size
  }

  /** The key of `id`, as a view of the table's block (it never changes; do not write to it). */
  key(id: number): Uint8Array {
    return this.#keys.subarray(id * KEY_BYTES, id * KEY_BYTES + KEY_BYTES)
  }

  /** The keys of ids first to first + count - 1: a view of the table's block. */
  keysRun(first: number, count: number): Uint8Array {
    return this.#keys.subarray(first * KEY_BYTES, (first + count) * KEY_BYTES)
  }

  /**
   * The keys of ids[0, count) back to back. When the ids are consecutive (an offer batch lists
   * ids in order, and the remote answers in that order) this is a view of the table's block,
   * which never changes for ids already added; otherwise a copy, made one run of consecutive
   * ids at a time.
   */
  keysOf(ids: ArrayLike<number>, count: number): Uint8Array {
    const keys = this.#keys
    const first = count > 0 ? ids[0]! : 0
    let run = 1
    while (run < count && ids[run] === first + run) run++
    if (run >= count) return keys.subarray(first * KEY_BYTES, (first + count) * KEY_BYTES)
    const into = new Uint8Array(count * KEY_BYTES)
    let i = 0
    while (i < count) {
      const start = ids[i]!
      let end = i + 1
      while (end < count && ids[end] === start + (end - i)) end++
      const from = start * KEY_BYTES
      into.set(keys.subarray(from, from + (end - i) * KEY_BYTES), i * KEY_BYTES)
      i = end
    }
    return into
  }

  /** Makes room for `count` more keys, so adding them does not rebuild the table. */
  reserve(count: number): void {
    const needed = this.size + count
    let bits = this.#bits
    // Load factor at most 1/2 keeps probe runs short.
    while (needed * 2 > 1 << bits) bits++
    if (bits !== this.#bits) this.#rebuild(bits)
    if (needed * KEY_BYTES > this.#keys.length) this.#growKeys(needed)
  }

  /** The id of the key at bytes[at, at + 32), or NOT_FOUND. */
  find(bytes: Uint8Array, at: number): number {
    return this.findIn(viewOf(bytes), at)
  }

  /** find for the key at `at` of a view (a caller reading many keys makes the view once). */
  findIn(bytes: DataView, at: number): number {
    const bits = this.#bits
    const hash = hashIn(bytes, at)
    const tag = hash << bits
    const slots = this.#slots
    const mask = (1 << bits) - 1
    let slot = hash >>> (32 - bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const entry = slots[slot]!
      if (entry === 0) return NOT_FOUND
      if ((entry & ~mask) === tag) {
        const id = (entry & mask) - 1
        if (this.keyEqualsIn(id, bytes, at)) return id
      }
      slot = (slot + 1) & mask
    }
    return this.#overflow.get(keyIdIn(bytes, at)) ?? NOT_FOUND
  }

  /**
   * The id of the key at bytes[at, at + 32), added (as id `size`, with a copy of those bytes) if
   * the table does not hold it. One probe run serves both the lookup and the insertion.
   */
  findOrAdd(bytes: Uint8Array, at: number): number {
    return this.#findOrAddIn(viewOf(bytes), at)
  }

  #findOrAddIn(bytes: DataView, at: number): number {
    if ((this.size + 1) * 2 > 1 << this.#bits) this.#rebuild(this.#bits + 1)
    const bits = this.#bits
    const hash = hashIn(bytes, at)
    const tag = hash << bits
    const slots = this.#slots
    const mask = (1 << bits) - 1
    let slot = hash >>> (32 - bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const entry = slots[slot]!
      if (entry === 0) {
        const id = this.#append(bytes, at)
        slots[slot] = tag | (id + 1)
        return id
      }
      if ((entry & ~mask) === tag) {
        const id = (entry & mask) - 1
        if (this.keyEqualsIn(id, bytes, at)) return id
      }
      slot = (slot + 1) & mask
    }
    const keyId = keyIdIn(bytes, at)
    const known = this.#overflow.get(keyId)
    if (known !== undefined) return known
    const id = this.#append(bytes, at)
    this.#overflow.set(keyId, id)
    return id
  }

  /**
   * Ids of `count` keys, key i at bytes[offsets[i], offsets[i] + 32), written to out[0, count):
   * the same as findOrAdd on each key in turn (new keys get ids in order of first appearance).
   * A large batch visits the slots in the order of the keys' home slots instead of in key order:
   * at 100k keys the slot table is larger than the caches, and probing it at random was the
   * largest cost of a Manifest; in slot order it is about 4x cheaper. `scratch` is work space
   * of the caller's (two arrays of at least `count` each, their content lost).
   */
  findOrAddAll(
    bytes: Uint8Array,
    offsets: Int32Array,
    count: number,
    out: Int32Array,
    scratch: [Int32Array, Int32Array],
  ): void {
    this.reserve(count)
    if (count < SLOT_ORDER_MIN) {
      const view = viewOf(bytes)
      for (let i = 0; i < count; i++) out[i] = this.#findOrAddIn(view, offsets[i]!)
      return
    }
    this.#addInSlotOrder(bytes, offsets, 0, count, out, scratch)
  }

  /**
   * findOrAddAll for keys given one by one: key i is `keyAt(i)` (32 bytes). Every key is taken
   * before any is added, so when `keyAt` throws (a caller's check failed) nothing was added.
   */
  findOrAddKeys(
    keyAt: (i: number) => Uint8Array,
    count: number,
    out: Int32Array,
    scratch: [Int32Array, Int32Array],
  ): void {
    this.reserve(count)
    // Staged back to back after the held keys, where new keys end up anyway.
    const keys = this.#keys
    const base = this.#size * KEY_BYTES
    for (let i = 0; i < count; i++) keys.set(keyAt(i), base + i * KEY_BYTES)
    if (count >= SLOT_ORDER_MIN) {
      this.#addInSlotOrder(keys, null, base, count, out, scratch)
      return
    }
    // A new key moves down to its id, never over a staged key not read yet.
    const view = this.#view
    for (let i = 0; i < count; i++) out[i] = this.#findOrAddIn(view, base + i * KEY_BYTES)
  }

  /**
   * The slot-order batch (room already reserved). Key i is at bytes[offsets[i]], or at
   * bytes[base + 32 i] when offsets is null (then `bytes` is the key block itself, staged after
   * the held keys). Three passes: probe in home-slot order, claiming free slots for new keys and
   * noting repeats of a key earlier in the batch; give ids in batch order, copying each new key
   * into the block; write the ids into the claimed slots, again in slot order. Until then `out`
   * holds, per key, its id if held before, -1 if it claimed a slot or an overflow entry, or
   * claimedBy(c) for a repeat of key c; and a slot claimed by key c holds size + c + 1 (above
   * every held id + 1, and still within `bits` bits since room is reserved).
   */
  #addInSlotOrder(
    bytes: Uint8Array,
    offsets: Int32Array | null,
    base: number,
    count: number,
    out: Int32Array,
    [hashes, order]: [Int32Array, Int32Array],
  ): void {
    // `hashes`: the hash of each key; after the first pass, the slot a new key claimed (or -1,
    // IN_OVERFLOW). `order`: the keys in home-slot order.
    const at = (i: number): number => (offsets === null ? base + i * KEY_BYTES : offsets[i]!)
    const view = viewOf(bytes)
    for (let i = 0; i < count; i++) hashes[i] = hashIn(view, at(i))
    // Counting sort by the top bits of the home slot (stable: repeats stay in batch order).
    const bits = this.#bits
    const groupBits = Math.min(GROUP_BITS, bits)
    const starts = new Int32Array((1 << groupBits) + 1)
    for (let i = 0; i < count; i++) starts[(hashes[i]! >>> (32 - groupBits)) + 1]!++
    for (let g = 1; g < starts.length; g++) starts[g]! += starts[g - 1]!
    for (let i = 0; i < count; i++) order[starts[hashes[i]! >>> (32 - groupBits)]!++] = i
    // Pass 1, slot order: find or claim.
    const slots = this.#slots
    const mask = (1 << bits) - 1
    const held = this.#size
    for (let k = 0; k < count; k++) {
      const i = order[k]!
      const hash = hashes[i]!
      const tag = hash << bits
      const from = at(i)
      let slot = hash >>> (32 - bits)
      let outcome = IN_OVERFLOW
      for (let probe = 0; probe < MAX_PROBES; probe++) {
        const entry = slots[slot]!
        if (entry === 0) {
          slots[slot] = tag | (held + i + 1)
          out[i] = -1
          outcome = slot
          break
        }
        if ((entry & ~mask) === tag) {
          const ref = (entry & mask) - 1
          const same =
            ref < held ? this.keyEqualsIn(ref, view, from) : sameKeyIn(view, at(ref - held), from)
          if (same) {
            out[i] = ref < held ? ref : claimedBy(ref - held)
            outcome = -1
            break
          }
        }
        slot = (slot + 1) & mask
      }
      if (outcome === IN_OVERFLOW) {
        const keyId = keyIdIn(view, from)
        const known = this.#overflow.get(keyId)
        if (known === undefined) this.#overflow.set(keyId, claimedBy(i))
        else outcome = -1
        out[i] = known ?? -1
      }
      hashes[i] = outcome
    }
    // Pass 2, batch order: ids for new keys (a repeat takes its first appearance's id).
    let size = held
    for (let i = 0; i < count; i++) {
      const found = out[i]!
      if (found >= 0) continue // held before, or a repeat given its id already
      const claimant = found === -1 ? i : -found - 2
      if (claimant !== i && out[claimant]! >= 0) {
        out[i] = out[claimant]!
        continue
      }
      const id = size++
      const from = at(i)
      // A staged key already sits at its id when no key before it was held or repeated.
      if (id * KEY_BYTES !== from || offsets !== null) this.#copyIn(view, from, id)
      out[i] = id
      out[claimant] = id
    }
    this.#size = size
    // Pass 3, slot order: the claimed slots and overflow entries get their ids.
    for (let k = 0; k < count; k++) {
      const i = order[k]!
      const claimed = hashes[i]!
      const id = out[i]!
      if (claimed >= 0) slots[claimed] = (slots[claimed]! & ~mask) | (id + 1)
      else if (claimed === IN_OVERFLOW) this.#overflow.set(keyIdAt(this.#keys, id * KEY_BYTES), id)
    }
  }

  /** Whether id's key equals bytes[at, at + 32). */
  keyEquals(id: number, bytes: Uint8Array, at: number): boolean {
    return this.keyEqualsIn(id, viewOf(bytes), at)
  }

  /** keyEquals for the key at `at` of a view. */
  keyEqualsIn(id: number, v: DataView, at: number): boolean {
    const w = this.#words
    const i = id * 8
    const le = PLATFORM_LITTLE_ENDIAN
    return (
      w[i] === v.getInt32(at, le) &&
      w[i + 1] === v.getInt32(at + 4, le) &&
      w[i + 2] === v.getInt32(at + 8, le) &&
      w[i + 3] === v.getInt32(at + 12, le) &&
      w[i + 4] === v.getInt32(at + 16, le) &&
      w[i + 5] === v.getInt32(at + 20, le) &&
      w[i + 6] === v.getInt32(at + 24, le) &&
      w[i + 7] === v.getInt32(at + 28, le)
    )
  }

  /** Copies the key at `at` of a view in as id's key (room reserved). */
  #copyIn(v: DataView, at: number, id: number): void {
    const w = this.#words
    const i = id * 8
    const le = PLATFORM_LITTLE_ENDIAN
    w[i] = v.getInt32(at, le)
    w[i + 1] = v.getInt32(at + 4, le)
    w[i + 2] = v.getInt32(at + 8, le)
    w[i + 3] = v.getInt32(at + 12, le)
    w[i + 4] = v.getInt32(at + 16, le)
    w[i + 5] = v.getInt32(at + 20, le)
    w[i + 6] = v.getInt32(at + 24, le)
    w[i + 7] = v.getInt32(at + 28, le)
  }

  #append(v: DataView, at: number): number {
    const id = this.#size
    if (id * KEY_BYTES >= this.#keys.length) this.#growKeys(2 * id)
    this.#copyIn(v, at, id)
    this.#size = id + 1
    return id
  }

  /** Moves the keys to a block of room for `count` keys (the old block stays valid for views). */
  #growKeys(count: number): void {
    const keys = new Uint8Array(count * KEY_BYTES)
    keys.set(this.#keys.subarray(0, this.#size * KEY_BYTES))
    this.#keys = keys
    this.#words = new Int32Array(keys.buffer)
    this.#view = new DataView(keys.buffer)
  }

  /** Places id (whose key is already held) in the slots, or in the overflow Map. */
  #place(id: number): void {
    const bits = this.#bits
    const hash = hashIn(this.#view, id * KEY_BYTES)
    const slots = this.#slots
    const mask = (1 << bits) - 1
    let slot = hash >>> (32 - bits)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      if (slots[slot] === 0) {
        slots[slot] = (hash << bits) | (id + 1)
        return
      }
      slot = (slot + 1) & mask
    }
    this.#overflow.set(keyIdAt(this.#keys, id * KEY_BYTES), id)
  }

  /**
   * Moves every key into a table of 2^bits slots. The slots keep only part of each hash, so
   * the keys are hashed again, in id order (reading the key block front to back).
   */
  #rebuild(bits: number): void {
    this.#bits = bits
    this.#slots = new Int32Array(1 << bits)
    this.#overflow = new Map()
    for (let id = 0; id < this.#size; id++) this.#place(id)
  }
}
