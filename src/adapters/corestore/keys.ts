/**
 * Keys as users give them: 32 bytes, 64 hex characters or a 52-character z-base-32 id (what
 * Hypercore prints as `core.id`), parsed by hypercore-id-encoding like Hypercore itself does.
 */
import HypercoreId from 'hypercore-id-encoding'
import { MultifeedError } from '../../errors.js'

/** Returns `key` as 32 bytes, or null if it is not a key in any accepted form. */
export function parseKey(key: unknown): Uint8Array | null {
  if (!(key instanceof Uint8Array) && typeof key !== 'string') return null
  try {
    return HypercoreId.decode(key)
  } catch {
    return null // wrong length, or characters outside hex or the z-base-32 alphabet
  }
}

/** Like {@link parseKey} but throws a MultifeedError ERR_INVALID_KEY. */
export function requireKey(key: unknown, what: string): Uint8Array {
  const parsed = parseKey(key)
  if (parsed === null) {
    throw MultifeedError.INVALID_KEY(
      `${what} must be 32 bytes, 64 hex characters or a 52-character z-base-32 id`,
    )
  }
  return parsed
}

/** The z-base-32 id of a 32-byte key, as Hypercore's `core.id`. */
export function idOf(key: Uint8Array): string {
  return HypercoreId.encode(key)
}
