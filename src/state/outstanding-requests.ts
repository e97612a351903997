/**
 * Our Requests the remote has not answered yet, oldest first: the remote answers exactly one
 * Replicate per Request, in order. Each Request gets a sequence number that its feeds
 * carry, so "is this key in the head Request" is one comparison.
 */
import type { FeedId } from './feed-table.js'

/**
 * One Request we sent: its sequence number, and the first feed of its keys and how many there
 * are (the feeds are chained in order by the FeedTable's nextRequested).
 */
export interface OutstandingRequest {
  seq: number
  first: FeedId
  count: number
}

/** Largest sequence number: the FeedTable keeps seq + 1 in an Int32 column. */
const MAX_SEQ = 0x7ffffffe

/** FIFO of our unanswered Requests. */
export class OutstandingRequests {
  #queue: OutstandingRequest[] = []
  #headIndex = 0
  #nextSeq = 1

  get isEmpty(): boolean {
    return this.#headIndex === this.#queue.length
  }

  /** Sequence number the next pushed Request will get. */
  get nextSeq(): number {
    return this.#nextSeq
  }

  push(first: FeedId, count: number): OutstandingRequest {
    const request = { seq: this.#nextSeq, first, count }
    // Sequence numbers fit the FeedTable's Int32 column. A wrapped number cannot meet its older
    // self: far fewer than 2^31 Requests are ever outstanding.
    this.#nextSeq = this.#nextSeq === MAX_SEQ ? 1 : this.#nextSeq + 1
    this.#queue.push(request)
    return request
  }

  head(): OutstandingRequest | undefined {
    return this.#queue[this.#headIndex]
  }

  /** Removes the head Request (answered). */
  shift(): OutstandingRequest | undefined {
    const head = this.#queue[this.#headIndex]
    if (head === undefined) return undefined
    this.#headIndex++
    if (this.#headIndex === this.#queue.length) {
      this.#queue = []
      this.#headIndex = 0
    }
    return head
  }
}
