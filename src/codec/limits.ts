import { MultifeedError } from '../errors.js'
import { DEFAULT_LIMITS, type Limits } from './constants.js'

/** Objects this function returned: frozen, so they can be passed back in without re-checking. */
const resolved = new WeakSet<object>([DEFAULT_LIMITS])

/**
 * Merges a partial override over DEFAULT_LIMITS and returns a frozen, complete Limits.
 * Without an override, or given a value this function returned, it returns it as it is,
 * so callers on a hot path can resolve once and pass the result to every codec call.
 */
export function resolveLimits(overrides?: Partial<Limits>): Readonly<Limits> {
  if (overrides === undefined) return DEFAULT_LIMITS
  if (resolved.has(overrides)) return overrides as Readonly<Limits>
  const merged: Limits = { ...DEFAULT_LIMITS }
  for (const name of Object.keys(overrides) as (keyof Limits)[]) {
    const value = overrides[name]
    if (value === undefined) continue
    if (!(name in DEFAULT_LIMITS)) {
      throw MultifeedError.INVALID_LIMITS(`unknown limit ${name}`)
    }
    // A NaN or negative limit would silently disable the check it configures.
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw MultifeedError.INVALID_LIMITS(
        `limit ${name} must be a non-negative safe integer, got ${String(value)}`,
      )
    }
    merged[name] = value
  }
  Object.freeze(merged)
  resolved.add(merged)
  return merged
}
