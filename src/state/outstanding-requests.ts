/**
 * Our Requests the remote has not answered yet: a FIFO (the remote answers one Replicate per
 * Request, in order), the set of keys in any of them, and the keys among them that the local
 * collection does not hold yet (each of those reserves room under maxFeeds).
 */
import type { Key } from '../codec/messages.js'

export interface OutstandingRequest {
  keys: Key[]
  hexes: string[]
}

export class OutstandingRequests {
  readonly #queue: OutstandingRequest[] = []
  #headIndex = 0
  readonly #requested = new Set<string>()
  readonly #reservingRoom = new Set<string>()

  get isEmpty(): boolean {
    return this.#headIndex === this.#queue.length
  }

  /** Keys requested but not in the local collection: they will need room when accepted. */
  get reservedRoom(): number {
    return this.#reservingRoom.size
  }

  isRequested(hex: string): boolean {
    return this.#requested.has(hex)
  }

  /** Marks a key as requested before its Request is queued, so duplicates are not requested twice. */
  markRequested(hex: string, needsRoom: boolean): void {
    this.#requested.add(hex)
    if (needsRoom) this.#reservingRoom.add(hex)
  }

  push(request: OutstandingRequest): void {
    this.#queue.push(request)
  }

  head(): OutstandingRequest | undefined {
    return this.#queue[this.#headIndex]
  }

  /** Removes the answered head request and releases its keys. */
  shift(): OutstandingRequest | undefined {
    const head = this.#queue[this.#headIndex]
    if (head === undefined) return undefined
    this.#queue[this.#headIndex] = undefined as unknown as OutstandingRequest
    this.#headIndex++
    if (this.#headIndex === this.#queue.length) {
      this.#queue.length = 0
      this.#headIndex = 0
    }
    for (const hex of head.hexes) {
      this.#requested.delete(hex)
      this.#reservingRoom.delete(hex)
    }
    return head
  }

  /** The local collection gained the key by other means: it no longer reserves room. */
  collectionGained(hex: string): void {
    this.#reservingRoom.delete(hex)
  }
}
