/** The session's view of the local collection: feed records keyed by key hex, in insertion order. */
import type { Key } from '../codec/messages.js'
import type { LocalFeed } from './types.js'

export class LocalCollection {
  readonly #feeds = new Map<string, LocalFeed>()

  get size(): number {
    return this.#feeds.size
  }

  has(hex: string): boolean {
    return this.#feeds.has(hex)
  }

  get(hex: string): LocalFeed | undefined {
    return this.#feeds.get(hex)
  }

  /** Local length of a feed, 0 when the collection does not hold it. */
  lengthOf(hex: string): number {
    return this.#feeds.get(hex)?.length ?? 0
  }

  /**
   * Adds a feed or updates it in place (keeping its position for offer order). Lengths only
   * grow: a stale event never lowers a length. Data is replaced by the newest event's data.
   */
  upsert(hex: string, key: Key, length: number, data: Uint8Array | null): LocalFeed {
    const existing = this.#feeds.get(hex)
    if (existing === undefined) {
      const feed = { key, length, data }
      this.#feeds.set(hex, feed)
      return feed
    }
    if (length > existing.length) existing.length = length
    existing.data = data
    return existing
  }

  /** Raises a held feed's length; returns false when the collection does not hold the feed. */
  raiseLength(hex: string, length: number): boolean {
    const feed = this.#feeds.get(hex)
    if (feed === undefined) return false
    if (length > feed.length) feed.length = length
    return true
  }

  values(): IterableIterator<LocalFeed> {
    return this.#feeds.values()
  }
}
