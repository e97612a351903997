/**
 * Keys as users give them: 32 bytes, 64 hex characters or a 52-character z-base-32 id (what
 * Hypercore prints as `core.id`), parsed by hypercore-id-encoding like Hypercore itself does.
 */
import HypercoreId from 'hypercore-id-encoding'
import sodium from 'sodium-universal'
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

const HYPERCORE = new TextEncoder().encode('hypercore')

/**
 * Hypercore's discovery keys of `keys` (hypercore-crypto's discoveryKey: BLAKE2b-256 of
 * "hypercore" keyed by the public key), written side by side into one buffer: hypercore-crypto
 * gives each its own ArrayBuffer, which makes a 65,536-feed open spend about three times as long.
 */
export function coreDiscoveryKeys(keys: readonly Uint8Array[]): Uint8Array[] {
  const out = new Uint8Array(keys.length * 32)
  const result = new Array<Uint8Array>(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const digest = out.subarray(i * 32, i * 32 + 32)
    sodium.crypto_generichash(digest, HYPERCORE, keys[i]!)
    result[i] = digest
  }
  return result
}
