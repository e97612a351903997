/**
 * A list of feed ids, kept and reused from message to message: `reset` empties it without
 * giving its memory back. The session builds its per-message lists of ids in a few of these
 * rather than allocating new arrays for every message: at 100k keys a new array is fresh
 * memory to fault in, and garbage to collect.
 *
 * While the ids pushed are consecutive (first, first + 1, ...), as they are when a remote
 * answers in the order we sent and our ids follow that order, the list is only `first` and
 * its length: the array is written only once a push breaks the run.
 */
import type { FeedId } from './feed-table.js'

export class IdList {
  #ids = new Int32Array(0)
  #length = 0
  /** The ids are #first, #first + 1, ... and #ids holds none of them. */
  #run = true
  #first = 0
  /** Room to make when the array is first needed (what reset asked for). */
  #room = 0

  get length(): number {
    return this.#length
  }

  /** True when the ids are `first`, `first` + 1, ..., in order (an empty list included). */
  get consecutive(): boolean {
    return this.#run
  }

  /** The first id of a consecutive list. */
  get first(): FeedId {
    return this.#first
  }

  /** The ids: entries [0, length) of this array (valid until the next push, reset or room). */
  get ids(): Int32Array {
    if (this.#run) this.#writeRun(this.#length)
    return this.#ids
  }

  at(index: number): FeedId {
    return this.#run ? this.#first + index : this.#ids[index]!
  }

  /** Empties the list; `count` ids will fit without growing it. */
  reset(count: number): void {
    this.#length = 0
    this.#run = true
    this.#room = count
  }

  /** Empties the list and returns room for `count` ids, which `filled(count)` then takes in. */
  room(count: number): Int32Array {
    this.reset(count)
    this.#writeRun(0)
    return this.#ids
  }

  /** The first `count` ids of the array `room` returned are the list now. */
  filled(count: number): void {
    if (this.#run || count > this.#ids.length) throw new RangeError('more ids than room')
    this.#length = count
  }

  /** Empties the list, giving its memory back when it has room for more than `keep` ids. */
  release(keep: number): void {
    this.reset(0)
    if (this.#ids.length > keep) this.#ids = new Int32Array(0)
  }

  /** Makes room for `count` more ids, keeping the list (so pushes do not grow it). */
  reserveMore(count: number): void {
    const needed = this.#length + count
    if (needed > this.#room) this.#room = needed
    if (!this.#run && needed > this.#ids.length) this.#grow(needed)
  }

  push(id: FeedId): void {
    const length = this.#length
    if (this.#run) {
      if (length === 0) this.#first = id
      if (length === 0 || id === this.#first + length) {
        this.#length = length + 1
        return
      }
      this.#writeRun(length + 1)
    }
    if (length === this.#ids.length) this.#grow(Math.max(length * 2, 16))
    this.#ids[length] = id
    this.#length = length + 1
  }

  /** Writes the run into the array (room for at least `needed`), which holds the list from now. */
  #writeRun(needed: number): void {
    if (this.#ids.length < Math.max(needed, this.#room)) {
      this.#ids = new Int32Array(Math.max(needed, this.#room))
    }
    for (let i = 0; i < this.#length; i++) this.#ids[i] = this.#first + i
    this.#run = false
  }

  #grow(capacity: number): void {
    const ids = new Int32Array(capacity)
    ids.set(this.#ids.subarray(0, this.#length))
    this.#ids = ids
  }
}
