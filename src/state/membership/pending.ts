/**
 * The bounded buffer of operations whose dependencies have not arrived (spec/membership.md,
 * "Receiving an operation", step 6). Generic over the item type and keyed by id strings, so
 * its rules (bound, eviction, cycles) are testable without crafting hashes.
 *
 * - At most `maxItems` items; adding one more drops the oldest (arrival order).
 * - An item whose dependencies lead back to itself through waiting items is refused: with
 *   ids that are hashes of contents naming their dependencies this cannot be built, so it
 *   only guards against a broken hash or a caller's mistake.
 */

interface Waiting<T> {
  value: T
  /** Dependency ids not stored yet. */
  missing: Set<string>
}

export type AddOutcome<T> =
  | { ok: true; dropped: { id: string; value: T }[] }
  | { ok: false; reason: 'cycle' }

export class DependencyBuffer<T> {
  readonly maxItems: number
  /** Insertion order is arrival order: the first entry is the oldest. */
  private readonly items = new Map<string, Waiting<T>>()
  /** Dependency id -> ids of items waiting on it. */
  private readonly waiters = new Map<string, Set<string>>()

  constructor(maxItems: number) {
    this.maxItems = maxItems
  }

  get size(): number {
    return this.items.size
  }

  has(id: string): boolean {
    return this.items.has(id)
  }

  /** Holds `value` until every id in `missing` is stored (see `stored`). */
  add(id: string, missing: readonly string[], value: T): AddOutcome<T> {
    if (this.items.has(id)) return { ok: true, dropped: [] }
    if (this.leadsBackTo(id, missing)) return { ok: false, reason: 'cycle' }
    const dropped: { id: string; value: T }[] = []
    while (this.items.size >= this.maxItems && this.items.size > 0) {
      const oldest = this.items.keys().next().value as string
      dropped.push({ id: oldest, value: this.remove(oldest)! })
    }
    if (this.maxItems === 0) {
      dropped.push({ id, value })
      return { ok: true, dropped }
    }
    this.items.set(id, { value, missing: new Set(missing) })
    for (const dep of missing) {
      const set = this.waiters.get(dep)
      if (set === undefined) this.waiters.set(dep, new Set([id]))
      else set.add(id)
    }
    return { ok: true, dropped }
  }

  /** `id` is now stored: returns the items that no longer miss anything, oldest first, removed. */
  stored(id: string): T[] {
    const waiting = this.waiters.get(id)
    if (waiting === undefined) return []
    this.waiters.delete(id)
    const ready: { order: number; value: T; id: string }[] = []
    let order = 0
    const index = new Map<string, number>()
    for (const key of this.items.keys()) index.set(key, order++)
    for (const waiter of waiting) {
      const item = this.items.get(waiter)!
      item.missing.delete(id)
      if (item.missing.size === 0) {
        ready.push({ order: index.get(waiter)!, value: item.value, id: waiter })
      }
    }
    ready.sort((a, b) => a.order - b.order)
    for (const r of ready) this.items.delete(r.id)
    return ready.map((r) => r.value)
  }

  /** `id` was refused: removes and returns every item waiting on it, directly or through others. */
  refused(id: string): { id: string; value: T }[] {
    const out: { id: string; value: T }[] = []
    const queue = [id]
    while (queue.length > 0) {
      const next = queue.pop()!
      const waiting = this.waiters.get(next)
      if (waiting === undefined) continue
      this.waiters.delete(next)
      for (const waiter of waiting) {
        const value = this.remove(waiter)
        if (value === undefined) continue
        out.push({ id: waiter, value })
        queue.push(waiter)
      }
    }
    return out
  }

  /** Dependency ids some item waits on that are not items themselves: what to ask peers for. */
  missing(): string[] {
    const out: string[] = []
    for (const dep of this.waiters.keys()) if (!this.items.has(dep)) out.push(dep)
    return out
  }

  private remove(id: string): T | undefined {
    const item = this.items.get(id)
    if (item === undefined) return undefined
    this.items.delete(id)
    for (const dep of item.missing) {
      const set = this.waiters.get(dep)
      if (set === undefined) continue
      set.delete(id)
      if (set.size === 0) this.waiters.delete(dep)
    }
    return item.value
  }

  /** Whether following `missing` through waiting items reaches `id` (a dependency cycle). */
  private leadsBackTo(id: string, missing: readonly string[]): boolean {
    const seen = new Set<string>()
    const stack = [...missing]
    while (stack.length > 0) {
      const next = stack.pop()!
      if (next === id) return true
      if (seen.has(next)) continue
      seen.add(next)
      const item = this.items.get(next)
      if (item !== undefined) for (const dep of item.missing) stack.push(dep)
    }
    return false
  }
}
