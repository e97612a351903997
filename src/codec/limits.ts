import { DEFAULT_LIMITS, type Limits } from './constants.js'
import { CodecUsageError, CodecUsageErrorCode } from './usage-error.js'

/**
 * Merges a partial override over DEFAULT_LIMITS. Without an override the frozen defaults
 * are returned as they are (no allocation on the hot path).
 */
export function resolveLimits(overrides?: Partial<Limits>): Readonly<Limits> {
  if (overrides === undefined || overrides === DEFAULT_LIMITS) return DEFAULT_LIMITS
  const merged: Limits = { ...DEFAULT_LIMITS }
  for (const name of Object.keys(overrides) as (keyof Limits)[]) {
    const value = overrides[name]
    if (value === undefined) continue
    if (!(name in DEFAULT_LIMITS)) {
      throw new CodecUsageError(CodecUsageErrorCode.INVALID_LIMITS, `unknown limit ${name}`)
    }
    // A NaN or negative limit would silently disable the check it configures.
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new CodecUsageError(
        CodecUsageErrorCode.INVALID_LIMITS,
        `limit ${name} must be a non-negative safe integer, got ${String(value)}`,
      )
    }
    merged[name] = value
  }
  return merged
}
