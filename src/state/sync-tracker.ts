/**
 * Accepted feeds (the remote agreed to replicate them and they were not blocked since) and which
 * of them are still behind the length the remote advertised. `synced` needs none behind, so the
 * lagging ones are kept in a set: each event updates it in O(1) instead of rescanning.
 */
export class SyncTracker {
  readonly #accepted = new Set<string>()
  readonly #lagging = new Set<string>()

  isAccepted(hex: string): boolean {
    return this.#accepted.has(hex)
  }

  get laggingCount(): number {
    return this.#lagging.size
  }

  accept(hex: string, localLength: number, advertisedLength: number): void {
    this.#accepted.add(hex)
    this.update(hex, localLength, advertisedLength)
  }

  /** Re-evaluates an accepted key after its local or advertised length changed. */
  update(hex: string, localLength: number, advertisedLength: number): void {
    if (!this.#accepted.has(hex)) return
    if (localLength < advertisedLength) this.#lagging.add(hex)
    else this.#lagging.delete(hex)
  }

  remove(hex: string): void {
    this.#accepted.delete(hex)
    this.#lagging.delete(hex)
  }
}
