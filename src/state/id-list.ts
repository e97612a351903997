/**
 * A list of feed ids in one Int32Array that is kept and reused: `clear` empties it without
 * giving the memory back. The session builds its per-message lists of ids in a few of these
 * rather than allocating new arrays for every message (at 100k keys each new array is fresh
 * memory to fault in, and garbage to collect).
 */
import type { FeedId } from './feed-table.js'

export class IdList {
  #ids = new Int32Array(16)
  #length = 0

  get length(): number {
    return this.#length
  }

  /** The ids: entries [0, length) of this array (valid until the next push, reserve or clear). */
  get ids(): Int32Array {
    return this.#ids
  }

  at(index: number): FeedId {
    return this.#ids[index]!
  }

  /** Empties the list and makes room for `count` ids (so pushes do not grow it). */
  reset(count: number): void {
    this.#length = 0
    if (count > this.#ids.length) this.#ids = new Int32Array(count)
  }

  /** Empties the list and returns room for `count` ids, which `filled(count)` then takes in. */
  room(count: number): Int32Array {
    this.reset(count)
    return this.#ids
  }

  /** The first `count` ids of the array `room` returned are the list now. */
  filled(count: number): void {
    if (count > this.#ids.length) throw new RangeError('more ids than room')
    this.#length = count
  }

  /** Makes room for `count` more ids, keeping the list (so pushes do not grow it). */
  reserveMore(count: number): void {
    const needed = this.#length + count
    if (needed <= this.#ids.length) return
    const ids = new Int32Array(needed)
    ids.set(this.#ids.subarray(0, this.#length))
    this.#ids = ids
  }

  push(id: FeedId): void {
    if (this.#length === this.#ids.length) {
      const ids = new Int32Array(this.#length * 2)
      ids.set(this.#ids)
      this.#ids = ids
    }
    this.#ids[this.#length++] = id
  }
}
