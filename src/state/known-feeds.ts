/**
 * What each side has told the other in this session: the lengths we offered, and the entries
 * the remote offered (advertised length = the highest seen, data = the newest).
 */
import type { ManifestEntry } from '../codec/messages.js'

/** Keys we offered in this session, with the highest length we offered them at. */
export class OurOffers {
  readonly #lengths = new Map<string, number>()

  has(hex: string): boolean {
    return this.#lengths.has(hex)
  }

  lengthOf(hex: string): number | undefined {
    return this.#lengths.get(hex)
  }

  record(hex: string, length: number): void {
    const previous = this.#lengths.get(hex)
    if (previous === undefined || length > previous) this.#lengths.set(hex, length)
  }
}

/** Entries the remote offered in this session, one per distinct key. */
export class RemoteOffers {
  readonly #entries = new Map<string, ManifestEntry>()

  /** Distinct keys the remote offered so far. */
  get size(): number {
    return this.#entries.size
  }

  get(hex: string): ManifestEntry | undefined {
    return this.#entries.get(hex)
  }

  /** How many distinct keys of `hexes` the remote has not offered before (nothing is recorded). */
  countNew(hexes: readonly string[]): number {
    let fresh: Set<string> | null = null
    for (const hex of hexes) {
      if (this.#entries.has(hex)) continue
      fresh ??= new Set()
      fresh.add(hex)
    }
    return fresh === null ? 0 : fresh.size
  }

  /** Records an offered entry; a duplicate raises the length (max) and takes the newer data. */
  merge(hex: string, entry: ManifestEntry): ManifestEntry {
    const existing = this.#entries.get(hex)
    if (existing === undefined) {
      const stored = { key: entry.key, length: entry.length, data: entry.data }
      this.#entries.set(hex, stored)
      return stored
    }
    if (entry.length > existing.length) existing.length = entry.length
    existing.data = entry.data
    return existing
  }

  /** True when the remote offered `hex` at `length` or more (so it knows the feed that far). */
  knowsAtLeast(hex: string, length: number): boolean {
    const entry = this.#entries.get(hex)
    return entry !== undefined && entry.length >= length
  }
}
